"""Apply a Terraform plan (`terraform show -json plan.out`, FORMATS 1.8) to a Snapshot.

`apply_plan` applies each `resource_changes` entry to a copy of the snapshot's IAM and
Organizations data, in phases so that what a change names exists first: managed and
organization policies, then users, groups and roles, then what is attached to them. One
handler per resource type (`HANDLERS`). A value unknown until apply is taken from the
configuration's references to resources of the same plan where it can be (an `Assumption`);
otherwise the principals it touches are left `unknown` (`Unresolved`), never taken as harmless.
Every policy text is held to AWS's size limit for where it goes (model/limits.py): a managed
policy, a trust policy, an SCP or RCP, one inline policy, and a role's `inline_policy` blocks
together (which are all its inline policies).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import NoReturn

from iamgraph.load.fields import Doc
from iamgraph.model import limits
from iamgraph.model.arn import is_account_id
from iamgraph.model.organization import RCP, SCP, OrgPolicy
from iamgraph.model.plan import TRUST, PlannedSnapshot
from iamgraph.model.policy import Policy, PolicyKind, parse_policy
from iamgraph.model.principals import Group, ManagedPolicy, Role, User
from iamgraph.model.snapshot import Snapshot
from iamgraph.premerge.plan.read import Change, Side
from iamgraph.premerge.plan.resolve import planned_arn, planned_name
from iamgraph.premerge.plan.state import Work

# Types not modelled here that still change who can do what: their changes make answers
# unknown rather than being dropped in silence.
ACCESS_TYPES = ("aws_iam_", "aws_organizations_")
ACCESS_RESOURCE_TYPES = frozenset(
    {
        "aws_s3_bucket_policy",
        "aws_kms_key",
        "aws_kms_key_policy",
        "aws_sns_topic",
        "aws_sns_topic_policy",
        "aws_cloudtrail",
        "aws_lambda_function",
        "aws_lambda_permission",
    }
)
# The worst case for a trust policy whose text is unknown until apply: anyone may assume.
ANYONE_MAY_ASSUME = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}],
}


# -- handlers, one per resource type --------------------------------------------------------

Apply = Callable[[Work, Change], None]


@dataclass(frozen=True)
class Handler:
    """`phase`: 0 policies, 1 users, groups and roles, 2 what is attached to them."""

    phase: int
    apply: Apply


def _old_arn(w: Work, c: Change, kind: str):
    """The ARN of what the change removes or updates, from `before`."""
    if c.old is None:
        return None
    arn = c.old.text("arn")
    if arn is None:
        found = w.find(kind, w.account_of(c), c.old.text("name"))
        arn = found.arn if found else None
    return arn


def _iam_policy(w: Work, c: Change) -> None:
    old_arn = _old_arn(w, c, "policy")
    if c.new is None:
        if old_arn and w.get("policy", old_arn):
            w.remove("policy", old_arn)
            w.deleted.append((c.address, old_arn))
        return
    s, account = c.new, w.account_of(c)
    name = planned_name(w, c, s) or _required(s, "name")
    path = s.text("path") or "/"
    arn = planned_arn(w, c, s, account, "policy", path, name)
    if old_arn and old_arn != arn:
        w.remove("policy", old_arn)
    old = w.get("policy", arn)
    document = None
    if s.is_unknown("policy"):
        w.unresolved(c, arn, "policy text unknown until apply", "policy", arn)
    else:
        document = s.policy(
            "policy", PolicyKind.IDENTITY, arn, limits.MANAGED, f"managed policy {arn}"
        )
        w.sources[(arn, name)] = w.doc.source(s.at("policy"))
    w.put("policy", _managed(w, c, arn, name, path, document, old), account)
    w.planned[c.address] = {"arn": arn, "id": arn, "name": name}


def _managed(w, c, arn, name, path, document, old: ManagedPolicy | None) -> ManagedPolicy:
    """A new version becomes the default; the previous default stays as a non-default one
    (SetDefaultPolicyVersion can bring it back), the oldest dropped past AWS's five."""
    if old is None:
        return ManagedPolicy(
            arn=arn,
            name=name,
            policy_id=c.new.text("policy_id") or "",
            path=path,
            default_version="v1",
            document=document,
            versions=("v1",),
            attachment_count=0,
            boundary_usage_count=0,
            source=w.doc.source(c.path),
        )
    number = 1 + max((int(v[1:]) for v in old.versions if v[1:].isdigit()), default=0)
    version = f"v{number}"
    others = old.other_versions
    if old.document is not None:
        others = (*others, (old.default_version, old.document))
    others = others[-4:]
    return replace(
        old,
        name=name,
        path=path,
        default_version=version,
        document=document,
        versions=(*(v for v, _ in others), version),
        other_versions=others,
    )


def _required(side: Side, key: str) -> NoReturn:
    raise side.doc.error(side.path, f"missing required field {key!r}")


def _boundary(w: Work, c: Change, s: Side, owner: str) -> str | None:
    value = w.value(c, s, "permissions_boundary")
    if value is None and s.is_unknown("permissions_boundary"):
        w.unresolved(
            c, f"permissions boundary of {owner}", "unknown until apply", "principal", owner
        )
    if value:
        w.attached.append((c.address, value))
    return value


def _iam_role(w: Work, c: Change) -> None:
    old_arn = _old_arn(w, c, "role")
    if c.new is None:
        w.remove("role", old_arn)
        return
    s, account = c.new, w.account_of(c)
    name = planned_name(w, c, s) or _required(s, "name")
    path = s.text("path") or "/"
    arn = planned_arn(w, c, s, account, "role", path, name)
    if old_arn and old_arn != arn:
        w.remove("role", old_arn)
    trust = _trust(w, c, s, arn)
    role = w.get("role", arn) or Role(
        arn=arn,
        name=name,
        role_id=s.text("unique_id") or "",
        path=path,
        account=account,
        created=None,
        trust=trust,
        inline=(),
        attached=(),
        boundary=None,
        tags=(),
        instance_profiles=(),
        last_used=None,
        source=w.doc.source(c.path),
    )
    inline = _inline_blocks(w, c, s, arn)
    role = replace(
        role,
        path=path,
        trust=trust,
        inline=role.inline if inline is None else inline,
        attached=_managed_arns(w, c, s, role),
        boundary=_boundary(w, c, s, arn),
        tags=s.tags(),
    )
    w.put("role", role, account)
    w.planned[c.address] = {"arn": arn, "id": name, "name": name, "unique_id": role.role_id}


def _managed_arns(w: Work, c: Change, s: Side, role: Role) -> tuple[str, ...]:
    """A role's `managed_policy_arns`: exclusive where set; where the configuration does not
    set it, Terraform only reports what is attached (computed), and attachments stay."""
    key = "managed_policy_arns"
    arns, unknown = s.texts(key)
    if (unknown or key not in s.values) and w.expression(c, key) is None:
        return role.attached
    if unknown:
        arns, unknown = w.values(c, s, key)
    if unknown:
        w.unresolved(
            c, f"managed policies of {role.arn}", "unknown until apply", "principal", role.arn
        )
    w.attached += [(c.address, a) for a in arns]
    return arns


def _trust(w: Work, c: Change, s: Side, arn: str) -> Policy:
    """The trust policy; unknown until apply, the worst case (anyone), said twice."""
    if not s.is_unknown("assume_role_policy"):
        w.sources[(arn, TRUST)] = w.doc.source(s.at("assume_role_policy"))
        return s.policy(
            "assume_role_policy",
            PolicyKind.TRUST,
            f"{arn}:trust",
            limits.TRUST,
            f"the trust policy of {arn}",
        )
    w.assume(
        c,
        "assume_role_policy",
        "any principal may assume the role",
        "unknown until apply: the worst case is taken",
    )
    w.unresolved(c, f"trust policy of {arn}", "unknown until apply (taken as: anyone)", "none", arn)
    source = w.doc.source(s.at("assume_role_policy"))
    return parse_policy(
        ANYONE_MAY_ASSUME, kind=PolicyKind.TRUST, source=source, name=f"{arn}:trust"
    )


def _inline_blocks(w: Work, c: Change, s: Side, arn: str) -> tuple[Policy, ...] | None:
    """A role's `inline_policy` blocks (exclusive when known); None: leave them as they are
    (not set in the configuration: Terraform only reports what the role has)."""
    blocks, unknown = s.blocks("inline_policy")
    if unknown or "inline_policy" not in s.values:
        if w.expression(c, "inline_policy") is None:
            return None
        if unknown:
            what = f"inline policies of {arn}"
            w.unresolved(c, what, "unknown until apply", "principal", arn)
            return ()
    out, total = [], 0
    for i, b in enumerate(blocks):
        name = b.text("name")
        if name is None and b.text("policy") is None and not b.is_unknown("policy"):
            continue  # the empty block the provider shows when none is configured
        name = name or f"inline_policy[{i}]"
        if b.is_unknown("policy"):
            w.unresolved(
                c,
                f"inline policy {name} of {arn}",
                "policy text unknown until apply",
                "principal",
                arn,
            )
            continue
        policy, size = b.sized_policy(
            "policy",
            PolicyKind.IDENTITY,
            f"{arn}:{name}",
            limits.ROLE_INLINE,
            f"inline policy {name} of {arn}",
        )
        out.append(policy)
        total += size
        w.sources[(arn, name)] = w.doc.source(b.at("policy"))
    w.doc.within(
        total, limits.ROLE_INLINE, s.at("inline_policy"), f"inline policies of {arn}", together=True
    )
    return tuple(out)


def _iam_user(w: Work, c: Change) -> None:
    old_arn = _old_arn(w, c, "user")
    if c.new is None:
        w.remove("user", old_arn)
        return
    s, account = c.new, w.account_of(c)
    name = s.text("name") or _required(s, "name")
    path = s.text("path") or "/"
    arn = planned_arn(w, c, s, account, "user", path, name)
    if old_arn and old_arn != arn:
        w.remove("user", old_arn)
    old = w.get("user", arn) or User(
        arn=arn,
        name=name,
        user_id=s.text("unique_id") or "",
        path=path,
        account=account,
        created=None,
        inline=(),
        attached=(),
        groups=(),
        boundary=None,
        tags=(),
        source=w.doc.source(c.path),
    )
    user = replace(old, path=path, boundary=_boundary(w, c, s, arn), tags=s.tags())
    w.put("user", user, account)
    w.planned[c.address] = {"arn": arn, "id": name, "name": name, "unique_id": user.user_id}


def _iam_group(w: Work, c: Change) -> None:
    old_arn = _old_arn(w, c, "group")
    if c.new is None:
        old = w.get("group", old_arn)
        w.remove("group", old_arn)
        if old is not None:  # its members are no longer in it
            for user in w.entities("user", old.account):
                if old.name in user.groups:
                    w.set_groups(user, tuple(g for g in user.groups if g != old.name))
        return
    s, account = c.new, w.account_of(c)
    name = s.text("name") or _required(s, "name")
    path = s.text("path") or "/"
    arn = planned_arn(w, c, s, account, "group", path, name)
    if old_arn and old_arn != arn:
        w.remove("group", old_arn)
    old = w.get("group", arn) or Group(
        arn=arn,
        name=name,
        group_id=s.text("unique_id") or "",
        path=path,
        account=account,
        created=None,
        inline=(),
        attached=(),
        source=w.doc.source(c.path),
    )
    w.put("group", replace(old, path=path), account)
    w.planned[c.address] = {"arn": arn, "id": name, "name": name}


# one aws_iam_*_policy is held to its owner's limit on all inline policies; the sum with the
# owner's other inline policies (in the snapshot or other resources of the plan) is not checked
INLINE_LIMITS = {
    "role": limits.ROLE_INLINE,
    "user": limits.USER_INLINE,
    "group": limits.GROUP_INLINE,
}


def _inline_policy(kind: str) -> Apply:
    """aws_iam_{role,user,group}_policy: one inline policy of `kind`, by name."""

    def apply(w: Work, c: Change) -> None:
        if c.old is not None:
            owner = w.find(kind, w.account(), c.old.text(kind))
            if owner is not None and c.old.text("name"):
                w.set_inline(owner, c.old.text("name"), None)
        if c.new is None:
            return
        owner = _owner(w, c, c.new, kind)
        if owner is None:
            return
        name = planned_name(w, c, c.new) or _required(c.new, "name")
        if c.new.is_unknown("policy"):
            w.set_inline(owner, name, None)
            scope = "group" if kind == "group" else "principal"
            what = f"inline policy {name} of {owner.arn}"
            w.unresolved(c, what, "policy text unknown until apply", scope, owner.arn)
            return
        policy = c.new.policy(
            "policy",
            PolicyKind.IDENTITY,
            f"{owner.arn}:{name}",
            INLINE_LIMITS[kind],
            f"inline policy {name} of {owner.arn}",
        )
        w.set_inline(w.get(kind, owner.arn), name, policy)
        w.sources[(owner.arn, name)] = w.doc.source(c.new.at("policy"))

    return apply


def _owner(w: Work, c: Change, s: Side, kind: str, attribute: str | None = None):
    """The user, group or role a change names (by name, or a reference to a planned one)."""
    attribute = attribute or kind
    name = w.value(c, s, attribute)
    owner = w.find(kind, w.account(), name)
    if owner is None:
        what = f"{kind} {name}" if name else f"{attribute} (unknown until apply)"
        w.unresolved(c, what, "not in the snapshot nor created by the plan")
    return owner


def _attachment(kind: str) -> Apply:
    """aws_iam_{role,user,group}_policy_attachment: one managed policy on one entity."""

    def apply(w: Work, c: Change) -> None:
        if c.old is not None:
            owner = w.find(kind, w.account(), c.old.text(kind))
            arn = c.old.text("policy_arn")
            if arn:
                w.detach(owner, arn)
        if c.new is None:
            return
        owner = _owner(w, c, c.new, kind)
        if owner is None:
            return
        arn = w.value(c, c.new, "policy_arn")
        if arn is None:
            scope = "group" if kind == "group" else "principal"
            w.unresolved(
                c,
                f"policy attached to {owner.arn}",
                "policy_arn unknown until apply",
                scope,
                owner.arn,
            )
            return
        w.attach(c, owner, arn)

    return apply


MEMBERS = (("user", "users"), ("role", "roles"), ("group", "groups"))


def _policy_attachment(w: Work, c: Change) -> None:
    """aws_iam_policy_attachment: exclusive, the policy ends up on exactly the listed ones."""
    if c.old is not None and (arn := c.old.text("policy_arn")):
        for kind, key in MEMBERS:
            for name in c.old.texts(key)[0]:
                w.detach(w.find(kind, w.account(), name), arn)
    if c.new is None:
        return
    arn = w.value(c, c.new, "policy_arn")
    if arn is None:
        w.unresolved(c, "policy_arn", "unknown until apply")
        return
    for kind, _ in MEMBERS:  # exclusive across the account
        for owner in w.entities(kind, w.account()):
            w.detach(owner, arn)
    for kind, key in MEMBERS:
        names, missing = w.values(c, c.new, key)
        if missing:
            w.unresolved(c, f"{key} of {arn}", "unknown until apply")
        for name in names:
            owner = w.find(kind, w.account(), name)
            if owner is None:
                w.unresolved(c, f"{kind} {name}", "not in the snapshot nor created by the plan")
            else:
                w.attach(c, owner, arn)


def _group_membership(w: Work, c: Change) -> None:
    """aws_iam_group_membership: the group's members are exactly `users`."""
    if c.old is not None and (group := c.old.text("group")):
        for name in c.old.texts("users")[0]:
            user = w.find("user", w.account(), name)
            if user is not None:
                w.set_groups(user, tuple(g for g in user.groups if g != group))
    if c.new is None:
        return
    group = _owner(w, c, c.new, "group")
    if group is None:
        return
    names, missing = w.values(c, c.new, "users")
    if missing:  # who joins is unknown: no principal can be named
        w.unresolved(c, f"members of {group.arn}", "unknown until apply")
    for user in w.entities("user", group.account):
        if group.name in user.groups and user.name not in names:
            w.set_groups(user, tuple(g for g in user.groups if g != group.name))
    for name in names:
        user = w.find("user", group.account, name)
        if user is None:
            w.unresolved(c, f"user {name}", "not in the snapshot nor created by the plan")
        else:
            w.set_groups(user, (*user.groups, group.name))


def _user_group_membership(w: Work, c: Change) -> None:
    """aws_iam_user_group_membership: adds the user to `groups`, leaving other groups."""
    if c.old is not None:
        user = w.find("user", w.account(), c.old.text("user"))
        gone = set(c.old.texts("groups")[0])
        if user is not None:
            w.set_groups(user, tuple(g for g in user.groups if g not in gone))
    if c.new is None:
        return
    user = _owner(w, c, c.new, "user")
    if user is None:
        return
    names, missing = w.values(c, c.new, "groups")
    if missing:
        w.unresolved(c, f"groups of {user.arn}", "unknown until apply", "principal", user.arn)
    for name in names:
        group = w.find("group", user.account, name)
        if group is None:
            w.unresolved(c, f"group {name}", "not in the snapshot nor created by the plan")
        else:
            user = w.get("user", user.arn)
            w.set_groups(user, (*user.groups, group.name))


def _org_policy(w: Work, c: Change) -> None:
    if w.org_policies is None:
        w.unresolved(c, c.address, "the snapshot has no organization data")
        return
    old_id = c.old.text("id") if c.old else None
    if c.new is None:
        w.org_policies.pop(old_id or "", None)
        return
    s = c.new
    ptype = s.text("type") or SCP
    if ptype not in (SCP, RCP):
        w.skipped.append(c.address)  # tag, backup, AI opt-out policies grant nothing
        return
    pid = s.text("id") or old_id or _org_policy_id(w, c)
    name = s.text("name") or _required(s, "name")
    old = w.org_policies.get(pid)
    arn = s.text("arn") or (old.arn if old else None) or _org_policy_arn(w, c, ptype, pid)
    kind = PolicyKind.SCP if ptype == SCP else PolicyKind.RCP
    if s.is_unknown("content"):
        document = Policy(kind, "2012-10-17", None, (), w.doc.source(s.at("content")), name)
        w.unresolved(c, f"{name} ({pid})", "policy text unknown until apply", "org", pid)
    else:
        document = s.policy(
            "content",
            kind,
            f"{name} ({pid})",
            limits.SCP if kind is PolicyKind.SCP else limits.RCP,
            f"{kind.value.upper()} {name} ({pid})",
        )
        w.sources[(arn, name)] = w.doc.source(s.at("content"))
    w.org_policies[pid] = OrgPolicy(
        policy_id=pid,
        arn=arn,
        name=name,
        description=s.text("description") or "",
        type=ptype,
        aws_managed=False,
        document=document,
        targets=old.targets if old else (),
    )
    w.planned[c.address] = {"id": pid, "arn": arn, "name": name}


def _org_policy_id(w: Work, c: Change) -> str:
    """A well-formed id (p- and 8 characters), the same for the same address every run."""
    pid = "p-" + hashlib.sha256(c.address.encode()).hexdigest()[:8]
    return w.assume(c, "id", pid, "unknown until apply: any policy id would do")


def _org_policy_arn(w: Work, c: Change, ptype: str, pid: str) -> str:
    org = w.snapshot.organization
    arn = (
        f"arn:aws:organizations::{org.management_account}:policy/{org.org_id}/{ptype.lower()}/{pid}"
    )
    return w.assume(c, "arn", arn, "unknown until apply: the ARN Organizations gives the policy")


def _org_attachment(w: Work, c: Change) -> None:
    policies = w.org_policies
    if policies is None:
        w.unresolved(c, c.address, "the snapshot has no organization data")
        return
    if c.old is not None:
        old = policies.get(c.old.text("policy_id") or "")
        target = c.old.text("target_id")
        if old is not None:
            policies[old.policy_id] = replace(
                old, targets=tuple(t for t in old.targets if t != target)
            )
    if c.new is None:
        return
    pid, target = w.value(c, c.new, "policy_id"), w.value(c, c.new, "target_id")
    nodes = w.snapshot.organization.nodes
    if pid not in policies:
        w.unresolved(
            c,
            f"policy {pid or '(unknown until apply)'}",
            "not in the snapshot nor created by the plan",
        )
    elif target not in nodes:
        w.unresolved(
            c,
            f"target {target or '(unknown until apply)'}",
            "not in the snapshot's organization tree",
        )
    elif target not in policies[pid].targets:
        policies[pid] = replace(policies[pid], targets=(*policies[pid].targets, target))


HANDLERS: dict[str, Handler] = {
    "aws_iam_policy": Handler(0, _iam_policy),
    "aws_organizations_policy": Handler(0, _org_policy),
    "aws_iam_user": Handler(1, _iam_user),
    "aws_iam_group": Handler(1, _iam_group),
    "aws_iam_role": Handler(1, _iam_role),
    "aws_iam_role_policy": Handler(2, _inline_policy("role")),
    "aws_iam_user_policy": Handler(2, _inline_policy("user")),
    "aws_iam_group_policy": Handler(2, _inline_policy("group")),
    "aws_iam_role_policy_attachment": Handler(2, _attachment("role")),
    "aws_iam_user_policy_attachment": Handler(2, _attachment("user")),
    "aws_iam_group_policy_attachment": Handler(2, _attachment("group")),
    "aws_iam_policy_attachment": Handler(2, _policy_attachment),
    "aws_iam_group_membership": Handler(2, _group_membership),
    "aws_iam_user_group_membership": Handler(2, _user_group_membership),
    "aws_organizations_policy_attachment": Handler(2, _org_attachment),
}


def apply_plan(
    snapshot: Snapshot, plan_path: Path, account: str | None = None, *, size_limit: bool = True
) -> PlannedSnapshot:
    """The snapshot as it will be once the plan is applied; `account` settles which account
    the plan's IAM resources are in when the plan itself does not say; `size_limit=False`
    reads policies above AWS's size limits."""
    doc = Doc.read(plan_path, str(plan_path), size_limit=size_limit)
    if account is not None and not is_account_id(account):
        raise doc.error((), f"account must be 12 digits, got {account!r}")
    w = Work(snapshot, doc, account)
    for phase in sorted({h.phase for h in HANDLERS.values()}):
        for c in w.changes:
            handler = HANDLERS.get(c.type)
            if handler is not None and handler.phase == phase and (c.old or c.new):
                handler.apply(w, c)
                w.applied.append(c.address)
    for c in w.changes:
        if c.type not in HANDLERS and (c.old or c.new):
            if c.type.startswith(ACCESS_TYPES) or c.type in ACCESS_RESOURCE_TYPES:
                w.unresolved(c, c.address, f"{c.type} is not modelled: its change is not applied")
            else:
                w.skipped.append(c.address)
    return w.result()
