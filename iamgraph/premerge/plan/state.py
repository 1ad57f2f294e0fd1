"""The snapshot's IAM and organization data while a plan is applied: tables by ARN that the
handlers change, frozen back into a `PlannedSnapshot` at the end."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from iamgraph.load.fields import Doc
from iamgraph.load.snapshot import assemble
from iamgraph.model.organization import Organization, OrgPolicy
from iamgraph.model.plan import PlannedSnapshot, PolicyKey, Unresolved
from iamgraph.model.policy import Policy
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
from iamgraph.premerge.plan.read import Change
from iamgraph.premerge.plan.resolve import Pending, Resolver, affected, name_of

KINDS = {"user": "users", "group": "groups", "role": "roles", "policy": "policies"}


@dataclass
class Tables:
    """One account folder's authorization details, by ARN, in the dump's order."""

    users: dict[str, User] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)
    roles: dict[str, Role] = field(default_factory=dict)
    policies: dict[str, ManagedPolicy] = field(default_factory=dict)
    files: tuple[str, ...] = ()


class Work(Resolver):
    """Mutable tables for the duration of one apply_plan call; `result` freezes them."""

    def __init__(self, snapshot: Snapshot, doc: Doc, account: str | None) -> None:
        only = list(snapshot.accounts) if len(snapshot.accounts) == 1 else [None]
        super().__init__(doc, account, only[0])
        self.snapshot = snapshot
        self.tables: dict[str, Tables] = {}
        for aid, data in snapshot.accounts.items():
            auth = data.authorization
            if auth is not None:
                self.tables[aid] = Tables(
                    {u.arn: u for u in auth.users},
                    {g.arn: g for g in auth.groups},
                    {r.arn: r for r in auth.roles},
                    {p.arn: p for p in auth.policies},
                    auth.files,
                )
        org = snapshot.organization
        self.org_policies: dict[str, OrgPolicy] | None = dict(org.policies) if org else None
        self.sources: dict[PolicyKey, SourceRef] = {}
        self.attached: list[tuple[str, str]] = []  # (address, ARN) attached or set as boundary
        self.deleted: list[tuple[str, str]] = []  # (address, ARN) of managed policies deleted
        self.applied: list[str] = []
        self.skipped: list[str] = []

    # -- entities ---------------------------------------------------------------------------
    def find(self, kind: str, account: str, name: str | None):
        """The user, group, role or managed policy named `name` in `account`."""
        if name is None:
            return None
        name = name_of(name)
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
        folder = self.tables.setdefault(account, Tables(files=(self.doc.file,)))
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

    def attach(self, c: Change, owner, arn: str) -> None:
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
        assembled = assemble(snap.root, org, accounts, gaps, meta, snap.unreadable)
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
                    Pending(
                        address,
                        arn,
                        f"{why} not in the snapshot: its text is unknown",
                        "policy",
                        arn,
                    )
                )
        for address, arn in self.deleted:
            if affected(snap, org, Pending(address, arn, "", "policy", arn)):
                why = "deleted by the plan but still attached (the apply would fail)"
                pending.append(Pending(address, arn, why, "policy", arn))
        for p in pending:
            principals = affected(snap, org, p)
            if p.scope in ("principal", "group", "org"):
                for arn in principals:
                    extra.setdefault(arn, []).append(f"{p.what}: {p.reason} ({p.address})")
            out.append(Unresolved(p.address, p.what, p.reason, principals))
        return out, extra


def _kind(entity) -> str:
    return {User: "user", Group: "group", Role: "role"}[type(entity)]


def _aws_managed(arn: str) -> bool:
    return arn.split(":")[4:5] == ["aws"]


def _with_unresolved(p: Principal, more: list[str]) -> Principal:
    unresolved = tuple(dict.fromkeys((*p.policies.unresolved, *more)))
    return replace(p, policies=replace(p.policies, unresolved=unresolved))
