"""Apply a Terraform plan (`terraform show -json plan.out`, FORMATS 1.8) to a Snapshot.

`apply_plan` applies each `resource_changes` entry to a copy of the snapshot's IAM and
Organizations data, in phases so that what a change names exists first: managed and
organization policies, then users, groups and roles, then what is attached to them. One
handler per resource type (`HANDLERS`). A value unknown until apply is taken from the
configuration's references to resources of the same plan where it can be (an `Assumption`);
otherwise the principals it touches are left `unknown` (`Unresolved`), never taken as harmless.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, NoReturn

from iamgraph.errors import InputError
from iamgraph.load.fields import Doc, Path_
from iamgraph.load.snapshot import _assemble
from iamgraph.model.arn import ArnError, is_account_id, parse_arn
from iamgraph.model.organization import RCP, SCP, Organization, OrgPolicy
from iamgraph.model.plan import TRUST, Assumption, PlannedSnapshot, PolicyKey, Unresolved
from iamgraph.model.policy import Policy, PolicyKind, parse_policy
from iamgraph.model.principals import (
    AccountAuthorization,
    Group,
    ManagedPolicy,
    Principal,
    Role,
    User,
)
from iamgraph.model.snapshot import AccountData, Snapshot
from iamgraph.model.source import SourceRef

ACTIONS = frozenset({"no-op", "create", "read", "update", "delete", "forget"})
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
# What a policy's ARN is when the AWS API has not yet returned it (placeholder name suffix
# for `name_prefix`, the shape of Terraform's PrefixedUniqueId).
UNIQUE_SUFFIX = "00000000000000000000000001"
# The worst case for a trust policy whose text is unknown until apply: anyone may assume.
ANYONE_MAY_ASSUME = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}],
}
_MODULE = re.compile(r"module\.([^.\[]+)")
_REFERENCE = re.compile(r"^([a-z][a-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_-]*)(\[[^\]]*\])?\.([a-z_]+)$")


# -- reading the plan -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Side:
    """`change.before` or `change.after` of one resource: typed reads, unknowns marked."""

    doc: Doc
    values: dict
    path: Path_
    unknown: dict  # the matching part of after_unknown ({} for before)

    def at(self, *keys: str | int) -> Path_:
        return (*self.path, *keys)

    def is_unknown(self, key: str) -> bool:
        return self.unknown.get(key) is True

    def text(self, key: str) -> str | None:
        """A string attribute; None when absent, null, empty or unknown until apply."""
        if self.is_unknown(key):
            return None
        return self.doc.field(self.values, self.path, key, str, required=False) or None

    def texts(self, key: str) -> tuple[tuple[str, ...], bool]:
        """The known strings of a list or set attribute, and whether any is unknown."""
        flags = self.unknown.get(key)
        if flags is True:
            return (), True
        raw = self.doc.field(self.values, self.path, key, list, required=False, default=[])
        missing = isinstance(flags, list) and any(f is True for f in flags)
        out = []
        for i, value in enumerate(raw):
            if value is None:
                missing = True
            elif not isinstance(value, str):
                raise self.doc.error(self.at(key, i), f"{key}[{i}] must be a string")
            else:
                out.append(value)
        return tuple(out), missing

    def blocks(self, key: str) -> tuple[list[_Side], bool]:
        """Nested blocks (a role's `inline_policy`), and whether the list is unknown."""
        flags = self.unknown.get(key)
        if flags is True:
            return [], True
        raw = self.doc.field(self.values, self.path, key, list, required=False, default=[])
        out = []
        for i, item in enumerate(raw):
            marks = flags[i] if isinstance(flags, list) and i < len(flags) else {}
            if marks is True:  # the whole block unknown until apply: at least its policy
                obj = _dict(item)
                marks = {"policy": True} if obj.get("name") else {"name": True, "policy": True}
            else:
                obj = self.doc.obj(item, self.at(key, i))
            out.append(_Side(self.doc, obj, self.at(key, i), _dict(marks)))
        return out, False

    def tags(self) -> tuple[tuple[str, str], ...]:
        for key in ("tags_all", "tags"):
            if self.is_unknown(key):
                continue
            tags = self.doc.field(self.values, self.path, key, dict, required=False)
            if tags:
                for k, v in tags.items():
                    if not isinstance(v, str):
                        raise self.doc.error(self.at(key, k), f"tag {k!r} must be a string")
                return tuple(tags.items())
        return ()

    def policy(self, key: str, kind: PolicyKind, name: str) -> Policy:
        if key not in self.values or self.values[key] in (None, ""):
            raise self.doc.error(self.path, f"missing required field {key!r}")
        try:
            return self.doc.policy_value(self.values[key], self.at(key), kind=kind, name=name)
        except InputError as exc:  # not JSON: point at the string, as for other errors
            raise InputError(
                exc.file,
                exc.path,
                exc.message,
                exc.position or self.doc.located.position(self.at(key)),
            ) from None


@dataclass(frozen=True)
class _Change:
    """One `resource_changes` entry: `old` is what it removes or updates, `new` what it makes."""

    address: str
    module: str  # module_address, "" for the root module
    type: str
    index: Any  # count or for_each key, None when neither
    path: Path_  # ("resource_changes", i)
    old: _Side | None
    new: _Side | None


def _read_plan(doc: Doc) -> list[_Change]:
    top = doc.obj(doc.root, ())
    if "format_version" not in top or not ({"resource_changes", "planned_values"} & set(top)):
        raise doc.error(
            (),
            "not a Terraform plan (expected `terraform show -json` of a plan file, "
            "with format_version and resource_changes)",
        )
    version = doc.field(top, (), "format_version", str)
    if version.split(".", 1)[0] != "1":
        raise doc.error(("format_version",), f"unsupported plan format_version {version!r}")
    if doc.field(top, (), "errored", bool, required=False, default=False):
        raise doc.error(("errored",), "Terraform could not finish this plan (errored is true)")
    return [
        c
        for path, item in doc.items(top, (), "resource_changes", required=False)
        if (c := _read_change(doc, path, item)) is not None
    ]


def _read_change(doc: Doc, path: Path_, item: dict) -> _Change | None:
    address = doc.field(item, path, "address", str)
    rtype = doc.field(item, path, "type", str)
    if doc.field(item, path, "mode", str, required=False, default="managed") != "managed":
        return None
    cpath = (*path, "change")
    change = doc.field(item, path, "change", dict)
    actions = tuple(doc.strings(change, cpath, "actions", required=True))
    for i, action in enumerate(actions):
        if action not in ACTIONS:
            raise doc.error((*cpath, "actions", i), f"unknown action {action!r}")
    unknown = doc.field(change, cpath, "after_unknown", dict, required=False, default={})
    before = doc.field(change, cpath, "before", dict, required=False)
    after = doc.field(change, cpath, "after", dict, required=False)
    removes = "delete" in actions or "update" in actions
    makes = "create" in actions or "update" in actions
    return _Change(
        address=address,
        module=doc.field(item, path, "module_address", str, required=False, default=""),
        type=rtype,
        index=item.get("index"),
        path=tuple(path),
        old=_Side(doc, before, (*cpath, "before"), {}) if removes and before else None,
        new=_Side(doc, after, (*cpath, "after"), unknown) if makes and after is not None else None,
    )


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _expressions(top: dict) -> dict[tuple[tuple[str, ...], str], dict]:
    """(module names, `type.name`) -> the resource's configuration expressions."""
    out: dict[tuple[tuple[str, ...], str], dict] = {}

    def walk(module: dict, names: tuple[str, ...]) -> None:
        for r in _list(module.get("resources")):
            r = _dict(r)
            if isinstance(r.get("address"), str):
                out[(names, r["address"])] = _dict(r.get("expressions"))
        for name, call in _dict(module.get("module_calls")).items():
            walk(_dict(_dict(call).get("module")), (*names, name))

    walk(_dict(_dict(top.get("configuration")).get("root_module")), ())
    return out


def _account_candidates(top: dict, changes: list[_Change]) -> set[str]:
    """Accounts the plan names: provider configuration, IAM ARNs in prior_state and before."""
    found: set[str] = set()
    for provider in _dict(_dict(top.get("configuration")).get("provider_config")).values():
        provider = _dict(provider)
        if provider.get("name") != "aws":
            continue
        expr = _dict(provider.get("expressions"))
        allowed = _dict(expr.get("allowed_account_ids")).get("constant_value")
        if isinstance(allowed, list) and len(allowed) == 1 and isinstance(allowed[0], str):
            found.add(allowed[0])
        for block in _list(expr.get("assume_role")):
            found |= _arn_accounts([_dict(_dict(block).get("role_arn")).get("constant_value")])
    state = _dict(_dict(top.get("prior_state")).get("values")).get("root_module")
    for values in _state_values(_dict(state)):
        found |= _arn_accounts([values.get("arn")])
        if isinstance(values.get("account_id"), str) and is_account_id(values["account_id"]):
            found.add(values["account_id"])
    for c in changes:
        if c.type.startswith("aws_iam_") and c.old:
            found |= _arn_accounts([c.old.values.get("arn")])
    return found


def _state_values(module: dict) -> list[dict]:
    """The values of IAM resources and caller identities in a prior_state module, and below."""
    out = []
    for r in map(_dict, _list(module.get("resources"))):
        if str(r.get("type", "")).startswith("aws_iam_") or r.get("type") == "aws_caller_identity":
            out.append(_dict(r.get("values")))
    for child in _list(module.get("child_modules")):
        out += _state_values(_dict(child))
    return out


def _arn_accounts(values: list) -> set[str]:
    out = set()
    for v in values:
        try:
            arn = parse_arn(v) if isinstance(v, str) else None
        except ArnError:
            arn = None
        if arn is not None and arn.service == "iam" and is_account_id(arn.account):
            out.add(arn.account)
    return out


def _name_of(value: str) -> str:
    """An IAM name given as a name or (as some configurations do) as an ARN."""
    if value.startswith("arn:"):
        try:
            return parse_arn(value).name
        except ArnError:
            return value
    return value


# -- the snapshot's IAM and organization data while the plan is applied ----------------------

KINDS = {"user": "users", "group": "groups", "role": "roles", "policy": "policies"}


@dataclass
class _Tables:
    """One account folder's authorization details, by ARN, in the dump's order."""

    users: dict[str, User] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)
    roles: dict[str, Role] = field(default_factory=dict)
    policies: dict[str, ManagedPolicy] = field(default_factory=dict)
    files: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Pending:
    """An Unresolved whose principals are known only once the snapshot is assembled."""

    address: str
    what: str
    reason: str
    scope: str  # "policy" (attached ARN), "principal", "group" (its members), "org", "none"
    key: str  # the ARN or organization policy id the scope names


class _Work:
    """Mutable tables for the duration of one apply_plan call; `result` freezes them."""

    def __init__(self, snapshot: Snapshot, doc: Doc, account: str | None) -> None:
        self.snapshot = snapshot
        self.doc = doc
        self.changes = _read_plan(doc)  # first: it checks the plan is an object
        top = doc.root
        self.expressions = _expressions(top)
        self.tables: dict[str, _Tables] = {}
        for aid, data in snapshot.accounts.items():
            auth = data.authorization
            if auth is not None:
                self.tables[aid] = _Tables(
                    {u.arn: u for u in auth.users},
                    {g.arn: g for g in auth.groups},
                    {r.arn: r for r in auth.roles},
                    {p.arn: p for p in auth.policies},
                    auth.files,
                )
        org = snapshot.organization
        self.org_policies: dict[str, OrgPolicy] | None = dict(org.policies) if org else None
        self._account = account
        self._candidates = set() if account else _account_candidates(top, self.changes)
        self.used_account: str | None = None
        self.planned: dict[str, dict[str, str]] = {}  # address -> attribute -> value
        self.assumptions: list[Assumption] = []
        self.pending: list[_Pending] = []
        self.sources: dict[PolicyKey, SourceRef] = {}
        self.attached: list[tuple[str, str]] = []  # (address, ARN) attached or set as boundary
        self.deleted: list[tuple[str, str]] = []  # (address, ARN) of managed policies deleted
        self.applied: list[str] = []
        self.skipped: list[str] = []

    # -- accounts and references ------------------------------------------------------------
    def account(self) -> str:
        """The account of the plan's IAM resources; InputError when the plan cannot say."""
        if self._account is None:
            found = sorted(self._candidates)
            if len(found) != 1:
                why = (
                    f"it names several ({', '.join(found)})"
                    if found
                    else "neither the provider configuration (allowed_account_ids, "
                    "assume_role) nor an IAM ARN in prior_state or before names one"
                )
                raise self.doc.error(
                    (),
                    f"cannot decide which AWS account the plan applies to: {why}; "
                    "pass the account explicitly",
                )
            self._account = found[0]
        self.used_account = self._account
        return self._account

    def account_of(self, c: _Change) -> str:
        for side in (c.new, c.old):
            if side is not None:
                arn = side.values.get("arn")
                if isinstance(arn, str) and not side.is_unknown("arn") and _arn_accounts([arn]):
                    return parse_arn(arn).account
        return self.account()

    def assume(self, c: _Change, attribute: str, value: str, reason: str) -> str:
        self.assumptions.append(Assumption(c.address, attribute, value, reason))
        return value

    def expression(self, c: _Change, attribute: str) -> Any:
        """The configuration's expression for the attribute; None where it is not set."""
        names = tuple(_MODULE.findall(c.module))
        config_address = c.address.removeprefix(f"{c.module}.").split("[", 1)[0]
        return self.expressions.get((names, config_address), {}).get(attribute)

    def referenced(self, c: _Change, attribute: str) -> list[tuple[str, str]]:
        """(reference, planned value) for each resource of this plan the configuration's
        expression for `attribute` refers to, as `type.name[index].attr`."""
        prefix = f"{c.module}." if c.module else ""
        out = []
        for ref in _list(_dict(self.expression(c, attribute)).get("references")):
            m = _REFERENCE.match(ref) if isinstance(ref, str) else None
            if m is None:
                continue
            rtype, rname, index, attr = m.groups()
            for target in self._instances(f"{prefix}{rtype}.{rname}", index, c.index):
                value = self.planned[target].get(attr)
                if value is not None:
                    out.append((ref, value))
        return out

    def _instances(self, base: str, index: str | None, own_index: Any) -> list[str]:
        if index:
            return [base + index] if base + index in self.planned else []
        found = [a for a in self.planned if a == base or a.startswith(base + "[")]
        if len(found) > 1 and own_index is not None:
            same = f"{base}[{_index_text(own_index)}]"
            return [same] if same in self.planned else []
        return found

    def value(self, c: _Change, side: _Side, attribute: str) -> str | None:
        """A string attribute, or the planned value of the resource it references when it is
        unknown until apply (recorded as an Assumption); None when neither is known."""
        known = side.text(attribute)
        if known is not None or not side.is_unknown(attribute):
            return known
        refs = self.referenced(c, attribute)
        if len(refs) != 1:
            return None
        ref, value = refs[0]
        return self.assume(
            c, attribute, value, f"unknown until apply; the configuration references {ref}"
        )

    def values(self, c: _Change, side: _Side, attribute: str) -> tuple[tuple[str, ...], bool]:
        """A list attribute's strings, unknown ones taken from references; and whether some
        element stays unknown."""
        known, missing = side.texts(attribute)
        if not missing:
            return known, False
        refs = self.referenced(c, attribute)
        for ref, value in refs:
            self.assume(
                c, attribute, value, f"unknown until apply; the configuration references {ref}"
            )
        return (*known, *(v for _, v in refs)), not refs

    def unresolved(self, c: _Change, what: str, reason: str, scope: str = "none", key: str = ""):
        self.pending.append(_Pending(c.address, what, reason, scope, key))

    # -- entities ---------------------------------------------------------------------------
    def find(self, kind: str, account: str, name: str | None):
        """The user, group, role or managed policy named `name` in `account`."""
        if name is None:
            return None
        name = _name_of(name)
        for t in self.tables.values():
            for e in getattr(t, KINDS[kind]).values():
                if e.name == name and e.arn.split(":")[4] == account:
                    return e
        return None

    def get(self, kind: str, arn: str | None):
        for t in self.tables.values():
            e = getattr(t, KINDS[kind]).get(arn or "")
            if e is not None:
                return e
        return None

    def put(self, kind: str, entity, account: str) -> None:
        """Replace the entity where it is, or add it to its account's folder."""
        for t in self.tables.values():
            table = getattr(t, KINDS[kind])
            if entity.arn in table:
                table[entity.arn] = entity
                return
        folder = self.tables.setdefault(account, _Tables(files=(self.doc.file,)))
        getattr(folder, KINDS[kind])[entity.arn] = entity

    def remove(self, kind: str, arn: str | None) -> None:
        for t in self.tables.values():
            getattr(t, KINDS[kind]).pop(arn or "", None)

    def entities(self, kind: str, account: str) -> list:
        return [
            e
            for t in self.tables.values()
            for e in getattr(t, KINDS[kind]).values()
            if e.account == account
        ]

    def set_inline(self, owner, name: str, policy: Policy | None) -> None:
        """Put (or with None remove) the inline policy `name` of a user, group or role."""
        full = f"{owner.arn}:{name}"
        kept = [p for p in owner.inline if p.name != full]
        if policy is not None:
            at = next((i for i, p in enumerate(owner.inline) if p.name == full), len(kept))
            kept.insert(at, policy)
        self.put(_kind(owner), replace(owner, inline=tuple(kept)), owner.account)

    def attach(self, c: _Change, owner, arn: str) -> None:
        if arn not in owner.attached:
            self.put(_kind(owner), replace(owner, attached=(*owner.attached, arn)), owner.account)
        self.attached.append((c.address, arn))

    def detach(self, owner, arn: str) -> None:
        if owner is not None and arn in owner.attached:
            kept = tuple(a for a in owner.attached if a != arn)
            self.put(_kind(owner), replace(owner, attached=kept), owner.account)

    def set_groups(self, user: User, groups: tuple[str, ...]) -> None:
        self.put("user", replace(user, groups=tuple(dict.fromkeys(groups))), user.account)

    # -- the result -------------------------------------------------------------------------
    def result(self) -> PlannedSnapshot:
        snap = self.snapshot
        accounts = dict(snap.accounts)
        for aid, t in self.tables.items():
            data = accounts.get(aid) or AccountData(aid)
            auth = AccountAuthorization(
                aid,
                tuple(t.users.values()),
                tuple(t.groups.values()),
                tuple(t.roles.values()),
                tuple(t.policies.values()),
                t.files,
            )
            accounts[aid] = replace(data, authorization=auth)
        org = snap.organization
        if org is not None and self.org_policies is not None:
            org = replace(org, policies=self.org_policies)
        regenerated = ("no document for managed policy ", "user arn:")
        gaps = [g for g in snap.gaps if not g.startswith(regenerated)]
        meta = {**snap.meta, "terraform_plan": self.doc.file}
        assembled = _assemble(snap.root, org, accounts, gaps, meta)
        unresolved, extra = self._unresolved(assembled, org)
        principals = {
            arn: _with_unresolved(p, extra[arn]) if arn in extra else p
            for arn, p in assembled.principals.items()
        }
        gaps = [
            *assembled.gaps,
            *(f"plan {self.doc.file}: {u.what}: {u.reason}" for u in unresolved),
        ]
        final = replace(assembled, principals=principals, gaps=tuple(dict.fromkeys(gaps)))
        return PlannedSnapshot(
            snapshot=final,
            plan=self.doc.file,
            account=self.used_account,
            assumptions=tuple(self.assumptions),
            unresolved=tuple(unresolved),
            sources=dict(self.sources),
            applied=tuple(a for a in self.applied if a not in self.skipped),
            skipped=tuple(self.skipped),
        )

    def _unresolved(self, snap: Snapshot, org: Organization | None):
        """Each pending Unresolved with its principals, and the text to add to the
        `unresolved` of each principal whose answers it makes unknown."""
        extra: dict[str, list[str]] = {}
        out = []
        pending = list(self.pending)
        for address, arn in dict.fromkeys(self.attached):
            mp = snap.managed_policies.get(arn)
            if (mp is None or mp.document is None) and not any(p.key == arn for p in pending):
                why = "AWS managed policy" if _aws_managed(arn) else "managed policy"
                pending.append(
                    _Pending(
                        address,
                        arn,
                        f"{why} not in the snapshot: its text is unknown",
                        "policy",
                        arn,
                    )
                )
        for address, arn in self.deleted:
            if _scope(snap, org, _Pending(address, arn, "", "policy", arn)):
                why = "deleted by the plan but still attached (the apply would fail)"
                pending.append(_Pending(address, arn, why, "policy", arn))
        for p in pending:
            principals = _scope(snap, org, p)
            if p.scope in ("principal", "group", "org"):
                for arn in principals:
                    extra.setdefault(arn, []).append(f"{p.what}: {p.reason} ({p.address})")
            out.append(Unresolved(p.address, p.what, p.reason, principals))
        return out, extra


def _index_text(index: Any) -> str:
    return f'"{index}"' if isinstance(index, str) else str(index)


def _kind(entity) -> str:
    return {User: "user", Group: "group", Role: "role"}[type(entity)]


def _aws_managed(arn: str) -> bool:
    return arn.split(":")[4:5] == ["aws"]


def _with_unresolved(p: Principal, more: list[str]) -> Principal:
    unresolved = tuple(dict.fromkeys((*p.policies.unresolved, *more)))
    return replace(p, policies=replace(p.policies, unresolved=unresolved))


def _scope(snap: Snapshot, org: Organization | None, p: _Pending) -> tuple[str, ...]:
    """The principals whose answers a pending Unresolved makes unknown."""
    if p.scope == "policy":
        return tuple(a for a, q in snap.principals.items() if p.key in q.policies.unresolved)
    if p.scope == "principal":
        return (p.key,) if p.key in snap.principals else ()
    if p.scope == "group":
        return tuple(a for a, q in snap.principals.items() if p.key in q.groups)
    if p.scope == "org" and org is not None and p.key in org.policies:
        accounts = _accounts_under(org, org.policies[p.key].targets)
        accounts.discard(org.management_account)  # E6: SCPs and RCPs do not apply there
        return tuple(a for a, q in snap.principals.items() if q.account in accounts)
    return ()


def _accounts_under(org: Organization, nodes: tuple[str, ...]) -> set[str]:
    out: set[str] = set()
    todo = [n for n in nodes if n in org.nodes]
    while todo:
        node = org.nodes[todo.pop()]
        if node.node_id in org.accounts:
            out.add(node.node_id)
        todo += [c for c in node.children if c in org.nodes]
    return out


# -- handlers, one per resource type --------------------------------------------------------

Apply = Callable[[_Work, _Change], None]


@dataclass(frozen=True)
class Handler:
    """`phase`: 0 policies, 1 users, groups and roles, 2 what is attached to them."""

    phase: int
    apply: Apply


def _planned_name(w: _Work, c: _Change, side: _Side) -> str | None:
    """`name`, or for a name Terraform generates at apply (`name_prefix`) the stand-in."""
    name = side.text("name")
    if name is not None:
        return name
    if not side.is_unknown("name"):
        return None
    prefix = side.text("name_prefix") or "terraform-"
    return w.assume(
        c, "name", prefix + UNIQUE_SUFFIX, "generated at apply from name_prefix; any name would do"
    )


def _arn(
    w: _Work, c: _Change, side: _Side, account: str, resource: str, path: str, name: str
) -> str:
    known = side.text("arn")
    if known is not None:
        return known
    arn = f"arn:aws:iam::{account}:{resource}{path}{name}"
    return w.assume(c, "arn", arn, f"unknown until apply: the ARN AWS gives {resource} {name!r}")


def _old_arn(w: _Work, c: _Change, kind: str):
    """The ARN of what the change removes or updates, from `before`."""
    if c.old is None:
        return None
    arn = c.old.text("arn")
    if arn is None:
        found = w.find(kind, w.account_of(c), c.old.text("name"))
        arn = found.arn if found else None
    return arn


def _iam_policy(w: _Work, c: _Change) -> None:
    old_arn = _old_arn(w, c, "policy")
    if c.new is None:
        if old_arn and w.get("policy", old_arn):
            w.remove("policy", old_arn)
            w.deleted.append((c.address, old_arn))
        return
    s, account = c.new, w.account_of(c)
    name = _planned_name(w, c, s) or _required(s, "name")
    path = s.text("path") or "/"
    arn = _arn(w, c, s, account, "policy", path, name)
    if old_arn and old_arn != arn:
        w.remove("policy", old_arn)
    old = w.get("policy", arn)
    document = None
    if s.is_unknown("policy"):
        w.unresolved(c, arn, "policy text unknown until apply", "policy", arn)
    else:
        document = s.policy("policy", PolicyKind.IDENTITY, arn)
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


def _required(side: _Side, key: str) -> NoReturn:
    raise side.doc.error(side.path, f"missing required field {key!r}")


def _boundary(w: _Work, c: _Change, s: _Side, owner: str) -> str | None:
    value = w.value(c, s, "permissions_boundary")
    if value is None and s.is_unknown("permissions_boundary"):
        w.unresolved(
            c, f"permissions boundary of {owner}", "unknown until apply", "principal", owner
        )
    if value:
        w.attached.append((c.address, value))
    return value


def _iam_role(w: _Work, c: _Change) -> None:
    old_arn = _old_arn(w, c, "role")
    if c.new is None:
        w.remove("role", old_arn)
        return
    s, account = c.new, w.account_of(c)
    name = _planned_name(w, c, s) or _required(s, "name")
    path = s.text("path") or "/"
    arn = _arn(w, c, s, account, "role", path, name)
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


def _managed_arns(w: _Work, c: _Change, s: _Side, role: Role) -> tuple[str, ...]:
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


def _trust(w: _Work, c: _Change, s: _Side, arn: str) -> Policy:
    """The trust policy; unknown until apply, the worst case (anyone), said twice."""
    if not s.is_unknown("assume_role_policy"):
        w.sources[(arn, TRUST)] = w.doc.source(s.at("assume_role_policy"))
        return s.policy("assume_role_policy", PolicyKind.TRUST, f"{arn}:trust")
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


def _inline_blocks(w: _Work, c: _Change, s: _Side, arn: str) -> tuple[Policy, ...] | None:
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
    out = []
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
        out.append(b.policy("policy", PolicyKind.IDENTITY, f"{arn}:{name}"))
        w.sources[(arn, name)] = w.doc.source(b.at("policy"))
    return tuple(out)


def _iam_user(w: _Work, c: _Change) -> None:
    old_arn = _old_arn(w, c, "user")
    if c.new is None:
        w.remove("user", old_arn)
        return
    s, account = c.new, w.account_of(c)
    name = s.text("name") or _required(s, "name")
    path = s.text("path") or "/"
    arn = _arn(w, c, s, account, "user", path, name)
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


def _iam_group(w: _Work, c: _Change) -> None:
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
    arn = _arn(w, c, s, account, "group", path, name)
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


def _inline_policy(kind: str) -> Apply:
    """aws_iam_{role,user,group}_policy: one inline policy of `kind`, by name."""

    def apply(w: _Work, c: _Change) -> None:
        if c.old is not None:
            owner = w.find(kind, w.account(), c.old.text(kind))
            if owner is not None and c.old.text("name"):
                w.set_inline(owner, c.old.text("name"), None)
        if c.new is None:
            return
        owner = _owner(w, c, c.new, kind)
        if owner is None:
            return
        name = _planned_name(w, c, c.new) or _required(c.new, "name")
        if c.new.is_unknown("policy"):
            w.set_inline(owner, name, None)
            scope = "group" if kind == "group" else "principal"
            what = f"inline policy {name} of {owner.arn}"
            w.unresolved(c, what, "policy text unknown until apply", scope, owner.arn)
            return
        policy = c.new.policy("policy", PolicyKind.IDENTITY, f"{owner.arn}:{name}")
        w.set_inline(w.get(kind, owner.arn), name, policy)
        w.sources[(owner.arn, name)] = w.doc.source(c.new.at("policy"))

    return apply


def _owner(w: _Work, c: _Change, s: _Side, kind: str, attribute: str | None = None):
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

    def apply(w: _Work, c: _Change) -> None:
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


def _policy_attachment(w: _Work, c: _Change) -> None:
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


def _group_membership(w: _Work, c: _Change) -> None:
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


def _user_group_membership(w: _Work, c: _Change) -> None:
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


def _org_policy(w: _Work, c: _Change) -> None:
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
        document = s.policy("content", kind, f"{name} ({pid})")
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


def _org_policy_id(w: _Work, c: _Change) -> str:
    """A well-formed id (p- and 8 characters), the same for the same address every run."""
    pid = "p-" + hashlib.sha256(c.address.encode()).hexdigest()[:8]
    return w.assume(c, "id", pid, "unknown until apply: any policy id would do")


def _org_policy_arn(w: _Work, c: _Change, ptype: str, pid: str) -> str:
    org = w.snapshot.organization
    arn = (
        f"arn:aws:organizations::{org.management_account}:policy/{org.org_id}/{ptype.lower()}/{pid}"
    )
    return w.assume(c, "arn", arn, "unknown until apply: the ARN Organizations gives the policy")


def _org_attachment(w: _Work, c: _Change) -> None:
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


def apply_plan(snapshot: Snapshot, plan_path: Path, account: str | None = None) -> PlannedSnapshot:
    """The snapshot as it will be once the plan is applied; `account` settles which account
    the plan's IAM resources are in when the plan itself does not say."""
    doc = Doc.read(plan_path, str(plan_path))
    if account is not None and not is_account_id(account):
        raise doc.error((), f"account must be 12 digits, got {account!r}")
    w = _Work(snapshot, doc, account)
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
