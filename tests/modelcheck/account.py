"""The model checker's state: one account's concrete IAM configuration and what the attacker holds.

Independent of `iamgraph.graph` by design: the only iamgraph pieces used are the concrete
evaluator (`evaluate.decide`, `PolicySet`, `Request`, `Caller`) and the policy parser of
`iamgraph.model`. Every value is immutable and hashable, so a search can memoise on
(configuration, held credentials). Policy documents are kept as canonical JSON text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import lru_cache

from iamgraph.evaluate.layers import Outcome, PolicySet, decide
from iamgraph.evaluate.request import Caller, ContextValue, Request
from iamgraph.model.policy import Policy, PolicyKind, parse_policy
from iamgraph.model.source import SourceRef

ACCOUNT = "310000000001"
ADMIN_ACCESS = "arn:aws:iam::aws:policy/AdministratorAccess"
ALLOW_ALL = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}


class Mode(StrEnum):
    """How a held credential signs (SEMANTICS M1-M5); values are those of iamgraph's modes."""

    KEYS = "keys"  # long-term access keys: aws:MultiFactorAuthPresent absent (M1)
    NO_MFA = "no-mfa"  # console or session without MFA: present, "false" (M5)
    MFA = "mfa"  # console or session with MFA: "true", with an age (M4)


def session_mode(mode: Mode) -> Mode:
    """A role session has MFA only if the credential that assumed the role had it."""
    return Mode.MFA if mode is Mode.MFA else Mode.NO_MFA


def doc(obj: dict) -> str:
    """Canonical JSON text of a policy document (the form the state stores)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


def arn(kind: str, name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:{kind}/{name}"


@dataclass(frozen=True)
class User:
    name: str
    tags: tuple[tuple[str, str], ...] = ()
    groups: frozenset[str] = frozenset()  # group names
    attached: frozenset[str] = frozenset()  # managed policy ARNs
    inline: tuple[tuple[str, str], ...] = ()  # (policy name, document)
    boundary: str | None = None  # managed policy ARN
    keys: tuple[bool, ...] = ()  # one flag per access key that exists: active? (Q1: at most 2)
    password: bool = False  # a login profile exists
    mfa_device: bool = False

    @property
    def arn(self) -> str:
        return arn("user", self.name)


@dataclass(frozen=True)
class Group:
    name: str
    attached: frozenset[str] = frozenset()
    inline: tuple[tuple[str, str], ...] = ()

    @property
    def arn(self) -> str:
        return arn("group", self.name)


@dataclass(frozen=True)
class Role:
    name: str
    trust: str  # the trust policy document
    tags: tuple[tuple[str, str], ...] = ()
    attached: frozenset[str] = frozenset()
    inline: tuple[tuple[str, str], ...] = ()
    boundary: str | None = None

    @property
    def arn(self) -> str:
        return arn("role", self.name)


@dataclass(frozen=True)
class ManagedPolicy:
    arn: str
    versions: tuple[tuple[str, str], ...]  # (version id, document), oldest first
    default: str  # the default version id

    @property
    def name(self) -> str:
        return self.arn.rsplit("/", 1)[-1]

    @property
    def aws_managed(self) -> bool:
        return self.arn.split(":")[4] == "aws"

    @property
    def document(self) -> str:
        return dict(self.versions)[self.default]


@dataclass(frozen=True)
class Account:
    users: tuple[User, ...]
    groups: tuple[Group, ...] = ()
    roles: tuple[Role, ...] = ()
    policies: tuple[ManagedPolicy, ...] = ()  # customer managed, and AWS managed ones in use

    def user(self, user_arn: str) -> User | None:
        return next((u for u in self.users if u.arn == user_arn), None)

    def role(self, role_arn: str) -> Role | None:
        return next((r for r in self.roles if r.arn == role_arn), None)

    def group(self, name: str) -> Group | None:
        return next((g for g in self.groups if g.name == name), None)

    def policy(self, policy_arn: str) -> ManagedPolicy | None:
        return next((p for p in self.policies if p.arn == policy_arn), None)

    def principals(self) -> tuple[str, ...]:
        return tuple(u.arn for u in self.users) + tuple(r.arn for r in self.roles)

    def attachable(self) -> tuple[str, ...]:
        """What an attacker may name in an attach or a boundary: every managed policy of the
        account, and AdministratorAccess (which every account can attach)."""
        return tuple(dict.fromkeys([*(p.arn for p in self.policies), ADMIN_ACCESS]))

    def put(self, entity: User | Group | Role | ManagedPolicy) -> Account:
        """The account with `entity` replacing the one of the same name/ARN."""
        if isinstance(entity, User):
            return replace(self, users=_swap(self.users, entity, lambda e: e.name))
        if isinstance(entity, Group):
            return replace(self, groups=_swap(self.groups, entity, lambda e: e.name))
        if isinstance(entity, Role):
            return replace(self, roles=_swap(self.roles, entity, lambda e: e.name))
        return replace(self, policies=_swap(self.policies, entity, lambda e: e.arn))

    # -- what applies to a principal ----------------------------------------------------------
    def view(self, principal: str) -> tuple:
        """Everything a request by `principal` is decided on (its identity documents, boundary
        document and tags): two configurations with the same view decide its requests alike."""
        user, role = self.user(principal), self.role(principal)
        entity = user or role
        assert entity is not None, principal
        docs = [d for _, d in entity.inline] + [self._doc(a) for a in sorted(entity.attached)]
        for name in sorted(user.groups) if user else ():
            g = self.group(name)
            docs += [d for _, d in g.inline] + [self._doc(a) for a in sorted(g.attached)]
        boundary = self._doc(entity.boundary) if entity.boundary else None
        return (principal, tuple(docs), boundary, entity.tags)

    def _doc(self, policy_arn: str) -> str:
        if policy_arn == ADMIN_ACCESS and self.policy(ADMIN_ACCESS) is None:
            return doc(ALLOW_ALL)
        return self.policy(policy_arn).document


Cred = tuple[str, Mode]  # (principal ARN, how the attacker signs as it)


def _swap(items: tuple, new, key) -> tuple:
    return tuple(new if key(i) == key(new) else i for i in items)


# -- the evaluator, asked concretely -----------------------------------------------------------
class Undecided(Exception):
    """The evaluator said `unknown`: the generated account left its supported ground."""


@lru_cache(maxsize=4096)
def parsed(document: str, kind: PolicyKind) -> Policy:
    return parse_policy(
        json.loads(document), kind=kind, source=SourceRef("<modelcheck>"), name="modelcheck"
    )


def credential_context(view: tuple, mode: Mode) -> list[tuple[str, ContextValue]]:
    """The keys AWS sets from the credential, written out by hand: principal ARN, type and
    tags, and the MFA keys per mode (M1: none for keys; M5: false; M4: true with an age)."""
    principal, _, _, tags = view
    is_user = ":user/" in principal
    out = [
        ("aws:PrincipalArn", ContextValue((principal,), type="arn")),
        ("aws:PrincipalAccount", ContextValue((ACCOUNT,))),
        ("aws:PrincipalType", ContextValue(("User" if is_user else "AssumedRole",))),
        ("aws:PrincipalIsAWSService", ContextValue(("false",), type="boolean")),
        ("aws:SecureTransport", ContextValue(("true",), type="boolean")),
        ("aws:RequestedRegion", ContextValue(("us-east-1",))),
    ]
    if is_user:
        out.append(("aws:username", ContextValue((principal.rsplit("/", 1)[-1],))))
    out += [(f"aws:PrincipalTag/{k}", ContextValue((v,))) for k, v in tags]
    if mode is Mode.NO_MFA:
        out.append(("aws:MultiFactorAuthPresent", ContextValue(("false",), type="boolean")))
    elif mode is Mode.MFA:
        out.append(("aws:MultiFactorAuthPresent", ContextValue(("true",), type="boolean")))
        out.append(("aws:MultiFactorAuthAge", ContextValue(("60",), type="numeric")))
    return out


def caller_of(principal: str) -> Caller:
    """A user signs as itself; a role acts through a session (`Caller.from_arn` of the role)."""
    return Caller.from_arn(principal)


@lru_cache(maxsize=200_000)
def allowed_for(
    view: tuple,
    mode: Mode,
    action: str,
    resource: str,
    extra: tuple[tuple[str, str, str], ...] = (),
    trust: str | None = None,
) -> bool:
    """Does the evaluator allow this request by the credential? `extra` adds request context
    keys (key, value, type); `trust` is the role trust policy for sts:AssumeRole (E19)."""
    principal, docs, boundary, _ = view
    ps = PolicySet(
        caller=caller_of(principal),
        resource_account=ACCOUNT,
        identity=tuple(parsed(d, PolicyKind.IDENTITY) for d in docs),
        boundary=parsed(boundary, PolicyKind.BOUNDARY) if boundary else None,
        resource_policy=parsed(trust, PolicyKind.TRUST) if trust else None,
        resource_policy_required=trust is not None,
    )
    entries = credential_context(view, mode) + [
        (k, ContextValue((v,), type=t)) for k, v, t in extra
    ]
    decision = decide(ps, Request.build(action, resource, entries))
    if decision.outcome is Outcome.UNKNOWN:
        raise Undecided(f"{principal} {mode} {action} {resource}: {decision.unknown_because}")
    return decision.outcome is Outcome.ALLOWED
