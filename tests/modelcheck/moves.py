"""The moves: the concrete API calls of the IAM escalation methods, each made by a held
credential on any target of the account (itself, principals held earlier, anyone else).

A move is allowed iff the evaluator allows its request for that credential in the current
configuration (`account.allowed_for`); it then changes the configuration and/or adds held
credentials. Writes with arbitrary content (Put*Policy, CreatePolicyVersion) write
`Allow * on *`, the most an identity policy can grant, as a new inline policy or over an
existing one of the same name (AWS replaces it). UpdateAssumeRolePolicy writes a trust
naming the acting principal and the attacker's own outside account, and assumes the role from
there. PassRole and compute methods are left out: generated accounts give
no compute permissions and carry empty compute inventories.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from tests.modelcheck.account import (
    ALLOW_ALL,
    Account,
    Cred,
    ManagedPolicy,
    Mode,
    allowed_for,
    doc,
    session_mode,
)

OUTSIDE_ACCOUNT = "arn:aws:iam::999999999999:root"  # the attacker's own account
ESCALATED = "escalated"  # the name of the inline policy an attacker writes
MAX_VERSIONS = 5  # IAM keeps at most five versions of a managed policy (QUOTA)
ARN_TYPE = "arn"


@dataclass(frozen=True)
class Move:
    api: str  # the IAM or STS action the call needs
    actor: Cred
    target: str  # the ARN the call acts on
    param: str = ""  # the policy ARN attached/set, inline policy name, user added, or version

    def __str__(self) -> str:
        who = f"{self.actor[0].rsplit(':', 1)[-1]}[{self.actor[1]}]"
        what = self.target.rsplit(":", 1)[-1]
        return f"{who} {self.api} {what}" + (f" {self.param}" if self.param else "")


State = tuple[Account, frozenset[Cred]]


def candidates(account: Account, held: frozenset[Cred]) -> Iterator[Move]:
    """Every call any held credential could try, on every target; `apply` decides."""
    users = [u.arn for u in account.users]
    roles = [r.arn for r in account.roles]
    groups = [g.arn for g in account.groups]
    attachable = account.attachable()
    for actor in sorted(held):
        for u in users:
            for api in (
                "iam:CreateAccessKey",
                "iam:DeleteAccessKey",
                "iam:CreateLoginProfile",
                "iam:UpdateLoginProfile",
                "iam:DeleteUserPermissionsBoundary",
            ):
                yield Move(api, actor, u)
            for name in _inline_names(account.user(u)):
                yield Move("iam:PutUserPolicy", actor, u, name)
            for p in attachable:
                yield Move("iam:AttachUserPolicy", actor, u, p)
                yield Move("iam:PutUserPermissionsBoundary", actor, u, p)
        for g in groups:
            for name in _inline_names(account.group(g.rsplit("/", 1)[-1])):
                yield Move("iam:PutGroupPolicy", actor, g, name)
            for p in attachable:
                yield Move("iam:AttachGroupPolicy", actor, g, p)
            for u in users:
                yield Move("iam:AddUserToGroup", actor, g, u)
        for r in roles:
            for name in _inline_names(account.role(r)):
                yield Move("iam:PutRolePolicy", actor, r, name)
            for api in (
                "iam:DeleteRolePermissionsBoundary",
                "iam:UpdateAssumeRolePolicy",
                "sts:AssumeRole",
            ):
                yield Move(api, actor, r)
            for p in attachable:
                yield Move("iam:AttachRolePolicy", actor, r, p)
                yield Move("iam:PutRolePermissionsBoundary", actor, r, p)
        for mp in account.policies:
            if mp.aws_managed:
                continue  # AWS managed policies cannot be changed
            yield Move("iam:CreatePolicyVersion", actor, mp.arn)
            for vid, _ in mp.versions:
                yield Move("iam:SetDefaultPolicyVersion", actor, mp.arn, vid)


def _inline_names(entity) -> tuple[str, ...]:
    """A Put*Policy call names the inline policy it writes: a new one, or an existing one it
    replaces (and so removes whatever that one said, a Deny included)."""
    return tuple(dict.fromkeys([ESCALATED, *(name for name, _ in entity.inline)]))


def apply(account: Account, held: frozenset[Cred], move: Move) -> State | None:
    """The state after the call, or None when it is denied, impossible, or changes nothing."""
    effect = EFFECTS[move.api]
    after = effect(account, held, move)
    if after is None or after == (account, held):
        return None
    if not _permitted(account, move):
        return None
    return after


def _permitted(account: Account, move: Move) -> bool:
    principal, mode = move.actor
    view = account.view(principal)
    extra: tuple[tuple[str, str, str], ...] = ()
    trust = None
    if move.api in ("iam:AttachUserPolicy", "iam:AttachGroupPolicy", "iam:AttachRolePolicy"):
        extra = (("iam:PolicyARN", move.param, ARN_TYPE),)
    elif move.api in ("iam:PutUserPermissionsBoundary", "iam:PutRolePermissionsBoundary"):
        extra = (("iam:PermissionsBoundary", move.param, ARN_TYPE),)
    elif move.api == "sts:AssumeRole":
        trust = account.role(move.target).trust
    return allowed_for(view, mode, move.api, move.target, extra, trust)


# -- effects: what each call does to the configuration (None: impossible here) -----------------
def _create_access_key(account, held, move):
    user = account.user(move.target)
    if len(user.keys) >= 2:  # Q1: a third key needs one deleted first
        return None
    account = account.put(replace(user, keys=(*user.keys, True)))
    return account, held | {(user.arn, Mode.KEYS)}


def _delete_access_key(account, held, move):
    user = account.user(move.target)
    needed = 2 if (user.arn, Mode.KEYS) in held else 1  # the attacker keeps the key it uses
    if len(user.keys) < needed:
        return None
    return account.put(replace(user, keys=user.keys[1:])), held


def _login_profile(create: bool):
    def effect(account, held, move):
        user = account.user(move.target)
        if user.password == create:  # Create needs none yet; Update needs one
            return None
        account = account.put(replace(user, password=True))
        if user.mfa_device:  # console sign-in would ask for the user's MFA device
            return account, held
        return account, held | {(user.arn, Mode.NO_MFA)}

    return effect


def _attach(getter):
    def effect(account, held, move):
        entity = getter(account, move.target)
        if move.param in entity.attached:
            return None
        if move.param not in account.attachable():
            return None
        return account.put(replace(entity, attached=entity.attached | {move.param})), held

    return effect


def _put_inline(getter):
    def effect(account, held, move):
        entity = getter(account, move.target)
        written = (move.param, doc(ALLOW_ALL))
        if written in entity.inline:
            return None
        inline = (*(i for i in entity.inline if i[0] != move.param), written)
        return account.put(replace(entity, inline=inline)), held

    return effect


def _add_user_to_group(account, held, move):
    group = account.group(move.target.rsplit("/", 1)[-1])
    user = account.user(move.param)
    if group.name in user.groups:
        return None
    return account.put(replace(user, groups=user.groups | {group.name})), held


def _create_policy_version(account, held, move):
    mp = account.policy(move.target)
    if len(mp.versions) >= MAX_VERSIONS:
        return None
    vid = f"v{max(int(v[1:]) for v, _ in mp.versions) + 1}"
    new = ManagedPolicy(mp.arn, (*mp.versions, (vid, doc(ALLOW_ALL))), vid)  # --set-as-default
    return account.put(new), held


def _set_default_version(account, held, move):
    mp = account.policy(move.target)
    if move.param == mp.default:
        return None
    return account.put(replace(mp, default=move.param)), held


def _boundary(getter, put: bool):
    def effect(account, held, move):
        entity = getter(account, move.target)
        new = move.param if put else None
        if entity.boundary == new:
            return None
        return account.put(replace(entity, boundary=new)), held

    return effect


def _update_trust(account, held, move):
    """The trust names the acting principal and an account of the attacker's own outside
    the organization, from which it assumes the role at once, signed in with or without MFA
    (no policy of this account applies to that call; generated accounts have no RCPs)."""
    role = account.role(move.target)
    trust = doc(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": [move.actor[0], OUTSIDE_ACCOUNT]},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )
    if role.trust == trust:
        return None
    sessions = {(role.arn, Mode.NO_MFA), (role.arn, Mode.MFA)}
    return account.put(replace(role, trust=trust)), held | sessions


def _assume_role(account, held, move):
    return account, held | {(move.target, session_mode(move.actor[1]))}


def _user(account, target):
    return account.user(target)


def _role(account, target):
    return account.role(target)


def _group(account, target):
    return account.group(target.rsplit("/", 1)[-1])


EFFECTS = {
    "iam:CreateAccessKey": _create_access_key,
    "iam:DeleteAccessKey": _delete_access_key,
    "iam:CreateLoginProfile": _login_profile(create=True),
    "iam:UpdateLoginProfile": _login_profile(create=False),
    "iam:AttachUserPolicy": _attach(_user),
    "iam:AttachGroupPolicy": _attach(_group),
    "iam:AttachRolePolicy": _attach(_role),
    "iam:PutUserPolicy": _put_inline(_user),
    "iam:PutGroupPolicy": _put_inline(_group),
    "iam:PutRolePolicy": _put_inline(_role),
    "iam:AddUserToGroup": _add_user_to_group,
    "iam:CreatePolicyVersion": _create_policy_version,
    "iam:SetDefaultPolicyVersion": _set_default_version,
    "iam:DeleteUserPermissionsBoundary": _boundary(_user, put=False),
    "iam:PutUserPermissionsBoundary": _boundary(_user, put=True),
    "iam:DeleteRolePermissionsBoundary": _boundary(_role, put=False),
    "iam:PutRolePermissionsBoundary": _boundary(_role, put=True),
    "iam:UpdateAssumeRolePolicy": _update_trust,
    "sts:AssumeRole": _assume_role,
}
