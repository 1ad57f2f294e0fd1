"""What each principal may do by its own permissions, per service and access level.

The question per principal and access level (List, Read, Write, Permissions management,
Tagging) is "which services does some request of that level get through all of the
principal's own layers": identity policies, permissions boundary and the SCPs of its account
(resource policies and RCPs are the resource's side, so left out: the resource is taken to be
in the principal's own account, with no policy of its own). Every "allowed" carries a witness
the evaluator replayed; "unknown" is never dropped; a service and level absent from the table
is proven unreachable, relative to the IAM action catalog.

Cheap first: the candidate actions are those some identity Allow statement names (a catalog
id set; `*` and NotAction reach every service), a few concrete requests per service are
replayed through the evaluator, and only the rest goes to z3, one call per level that either
finds one more service (removed from the set, and asked again) or proves there is none.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import cache

from iamgraph.catalog import CLASSIC_LEVELS, catalog, merge_ids
from iamgraph.evaluate.gather import (
    ROLE_MODES,
    USER_MODES,
    Mfa,
    credential_context,
    credential_modes,
    find_principal,
    policies_for,
)
from iamgraph.evaluate.layers import Decision, PolicySet
from iamgraph.evaluate.request import CallerType, ContextValue
from iamgraph.model.credentials import CredentialRow
from iamgraph.model.policy import Effect, Statement
from iamgraph.model.principals import Principal, PrincipalKind
from iamgraph.model.snapshot import Snapshot
from iamgraph.verdict import Answer, Verdict, Witness

__all__ = ["AccessRow", "LevelAccess", "OwnPermissions", "Status", "access_table"]

TIMEOUT_MS = 5000
RESOURCE = "arn:aws:*:*:*:*"  # any resource: the solver picks one (a known ARN preferred)
PROBES_PER_SERVICE = 3  # concrete requests tried per service and level before z3
FALLBACK_SERVICES = 30  # an undecided level is split per service up to this many services
MFA_KEYS = ("aws:multifactorauthpresent", "aws:multifactorauthage")
EVERY_REQUEST = (
    ("aws:RequestedRegion", ContextValue(("us-east-1",))),
    ("aws:SecureTransport", ContextValue(("true",), type="boolean")),
)


class Status(StrEnum):
    ALLOWED = "allowed"  # a witness request, replayed by the evaluator
    UNKNOWN = "unknown"  # the solver could not tell (reasons say why)


@dataclass(frozen=True)
class LevelAccess:
    level: str  # one of catalog.CLASSIC_LEVELS
    status: Status
    witness: tuple[str, str] | None = None  # (action, resource) the evaluator allowed
    mfa: str | None = None  # the credential's MFA mode in the witness
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class AccessRow:
    """One principal and service. Service "*" stands for every service: for an administrator
    (its own layers allow everything the SCPs allow, so the row means "everything the SCPs
    allow", not enumerated), or, with unknown levels, for what could not be decided."""

    principal: str
    service: str
    levels: tuple[LevelAccess, ...]
    note: str = ""
    admin: bool = False  # the "*" row of an administrator

    def level(self, name: str) -> LevelAccess | None:
        return next((a for a in self.levels if a.level == name), None)


# -- the catalog side ------------------------------------------------------------------------


@cache
def level_ids(level: str) -> frozenset[int]:
    return frozenset(a.id for a in catalog().actions if level in a.access_levels)


def _ids(statements, effect: Effect) -> set[int]:
    cat = catalog()
    out: set[int] = set()
    for st in statements:
        if st.effect is effect:
            out |= cat.expand_all(st.actions, negated=st.not_action)
    return out


def _statements(policies) -> list:
    return [st for p in policies if p is not None for st in p.statements]


def allow_ids(ps: PolicySet) -> frozenset[int]:
    """A ceiling on the catalog ids the layers can allow, from the action patterns alone
    (conditions and resources ignored, so never too small): what some identity Allow names
    (E10, E11; a root user needs none, E20), cut by the boundary's Allows and each SCP
    level's Allows (E4), less what a Deny without condition denies on every resource (E2)."""
    everything = frozenset(range(len(catalog())))
    if ps.caller.type is CallerType.ROOT or ps.unresolved:  # a policy we cannot read: anything
        ids = set(everything)
    else:
        ids = _ids(_statements(ps.identity), Effect.ALLOW)
    if ps.boundary is not None and ps.caller.type is not CallerType.ROOT:
        ids &= _ids(ps.boundary.statements, Effect.ALLOW)
    for level in ps.scp_levels:
        ids &= _ids(_statements(level.policies), Effect.ALLOW)
    every_resource = [
        st
        for st in _statements(
            (*ps.identity, ps.boundary, *(p for lvl in ps.scp_levels for p in lvl.policies))
        )
        if not st.conditions
        and not st.not_resource
        and st.resources is not None
        and "*" in st.resources
    ]
    ids -= _ids(every_resource, Effect.DENY)
    return frozenset(ids)


def services_of(ids: Iterable[int]) -> dict[str, list[int]]:
    cat = catalog()
    out: dict[str, list[int]] = {}
    for i in sorted(ids):
        out.setdefault(cat.actions[i].service, []).append(i)
    return out


@cache
def service_ids(service: str) -> frozenset[int]:
    """Ids sort by `service:action`, so a service is one interval."""
    return frozenset(i for lo, hi in catalog().intervals(f"{service}:*") for i in range(lo, hi))


@cache
def _templates(service: str) -> dict[str, str]:
    """Resource type name to ARN template, read raw (no regex compiled: cheap per service)."""
    try:
        raw = catalog()._data.resources._get_resources(service)
    except FileNotFoundError:
        return {}
    return {v["key"]: v["arn"] for v in raw.values()}


@cache
def sample_resource(action: int, account: str) -> str:
    """A realistic resource for a concrete request: the action's first resource type, in the
    principal's account, or `*` for actions without resource-level permissions."""
    from iamgraph.solvers.domains import template_glob
    from iamgraph.solvers.guess import concrete_arn

    info = catalog().actions[action]
    templates = _templates(info.service)
    for name, _required in info.resource_types:
        if name in templates:
            arn = concrete_arn(template_glob(templates[name]), account)
            if arn:
                return arn
    return "*"


# -- credentials ------------------------------------------------------------------------------


def credential_row(snap: Snapshot, p: Principal) -> CredentialRow | None:
    data = snap.accounts.get(p.account)
    report = data.credential_report if data else None
    if report is None:
        return None
    if p.kind is PrincipalKind.ROOT:
        return report.root
    return next((r for r in report.rows if r.arn == p.arn), None)


def held_modes(snap: Snapshot, p: Principal) -> tuple[Mfa, ...]:
    """The MFA modes the principal's own credentials sign in (credential report); every mode
    without a report. A role: any session. Empty: a user with no credential at all."""
    if p.kind is PrincipalKind.ROLE:
        return ROLE_MODES
    return credential_modes(credential_row(snap, p))  # M1-M5


# -- one principal's own layers ----------------------------------------------------------------


@cache
def key_known(lower: str) -> bool:
    """Is the condition key one AWS sets (global, a service's, an identity provider's)? A key
    the catalog does not know (a misspelling such as `s3:ResourceAcount`) is never in a
    request: closed world, relative to the catalog version, as for actions."""
    return catalog().condition_key_known(lower)


def fixed_for(snap: Snapshot, account: str):
    from iamgraph.solvers.constraints import fixed_for as solver_fixed

    return solver_fixed(snap, account)


def context_for(st: Statement, may_choose, filled: list, read) -> list:
    from iamgraph.solvers.guess import context_for as guess_context

    return guess_context(st, may_choose, filled, read)


class OwnPermissions:
    """The principal's own layers (identity, boundary, SCPs; no resource policy, no RCP) and
    the questions asked of them: concrete probes first, then z3 over a set of catalog ids."""

    def __init__(
        self, snap: Snapshot, arn: str, modes: tuple[Mfa, ...], timeout_ms: int = TIMEOUT_MS
    ) -> None:
        self.snap = snap
        self.arn = arn
        self.modes = modes
        self.timeout_ms = timeout_ms
        self.principal, self.caller = find_principal(snap, arn)
        base = policies_for(snap, arn, "iam:GetUser", "*")
        self.ps = replace(
            base,
            resource_account=self.caller.account,
            resource_policy=None,
            resource_policy_required=False,
            rcp_levels=(),
        )
        self.allow_ids = allow_ids(self.ps)
        self.allows = [
            (st, frozenset(_ids([st], Effect.ALLOW)))
            for st in _statements(self.ps.identity)
            if st.effect is Effect.ALLOW
        ]
        self._cred_cache: dict[Mfa, list[tuple[str, ContextValue]]] = {}
        self.read = self.ps.keys_read()
        credential = fixed_for(snap, self.caller.account)
        # fixed: the credential's keys, and keys no AWS service sets (absent, C1)
        self.fixed = lambda key: credential(key) or not key_known(key)
        self.may_choose = lambda key: key not in MFA_KEYS and not self.fixed(key)
        # a resource of its own account: fixes aws:ResourceAccount and the resource org keys
        self.own_resource = f"arn:aws:iam::{self.caller.account}:root"
        self.seconds = 0.0

    @property
    def unresolved(self) -> tuple[str, ...]:
        return self.ps.unresolved

    def _creds(self, mode: Mfa) -> list[tuple[str, ContextValue]]:
        if mode not in self._cred_cache:
            self._cred_cache[mode] = credential_context(
                self.snap, self.arn, self.own_resource, mode
            )
        return self._cred_cache[mode]

    def replay(self, name: str, res: str, chosen: list, mode: Mfa) -> tuple[Decision, tuple]:
        """The solver's replay (`solvers.replay`), under the credential of the own resource."""
        from iamgraph.solvers.replay import ReplayContext, replay

        how = ReplayContext(credentials={mode: tuple(self._creds(mode))})
        return replay(self.ps, how, name, res, chosen, mode)

    def probe(self, ids: Iterable[int]) -> Answer | None:
        """Concrete requests spelled out by the identity Allow statements (the action, a
        resource their Resource names, the condition values they ask for), replayed in every
        mode: the first one allowed. Finding none proves nothing."""
        cat = catalog()
        wanted = frozenset(ids)
        for st, st_ids in self.allows:
            ids_here = sorted(wanted & st_ids)
            picks = [i for svc in services_of(ids_here).values() for i in svc[:PROBES_PER_SERVICE]]
            for i in picks:
                name = cat.actions[i].full_name
                for res, filled in self._resources(st, i):
                    chosen = context_for(st, self.may_choose, filled, self.read)
                    for mode in self.modes:
                        decision, items = self.replay(name, res, chosen, mode)
                        if decision.allowed:
                            w = Witness(
                                self.arn,
                                name,
                                res,
                                items,
                                tuple(k for k, _ in chosen),
                                mode.value,
                                decision,
                            )
                            return Answer(self.arn, Verdict.REACHABLE, w)
        return None

    def _resources(self, st: Statement, action: int) -> list[tuple[str, list]]:
        """A concrete ARN per Resource pattern (variables the caller chooses filled in), or
        a resource of the action's own type for `*` and NotResource."""
        from iamgraph.solvers.guess import concrete_arn, fill_variables

        out = []
        patterns = () if st.not_resource else (st.resources or ())
        for pattern in patterns[:PROBES_PER_SERVICE]:
            filled: list = []
            text = fill_variables(pattern, self.may_choose, filled)
            if text is None:
                continue
            arn = "*" if text == "*" else concrete_arn(text, self.caller.account)
            if arn == "*":
                arn = sample_resource(action, self.caller.account)
            if arn:
                out.append((arn, filled))
        return out or [(sample_resource(action, self.caller.account), [])]

    def solve(self, ids: Iterable[int]) -> Answer:
        """Is some request for an action of `ids`, on any resource, allowed in some mode?"""
        from iamgraph.solvers.replay import ReplayContext
        from iamgraph.solvers.solve import solve

        ids = sorted(ids)
        if not ids or not self.modes:
            return Answer(self.arn, Verdict.UNREACHABLE)
        start = time.perf_counter()
        pinned = [(k, v) for k, v in self._creds(Mfa.NO_MFA) if k.lower() not in MFA_KEYS]
        answer = solve(
            self.ps,
            self.arn,
            tuple(merge_ids(ids)),
            RESOURCE,
            pinned,
            self.modes,
            replay=ReplayContext(credentials={m: tuple(self._creds(m)) for m in self.modes}),
            known=[],
            timeout_ms=self.timeout_ms,
            fixed=self.fixed,
        )
        self.seconds += time.perf_counter() - start
        return answer

    def ask(self, ids: Iterable[int]) -> Answer:
        """`probe` on a few ids per service, then `solve` on all of them."""
        ids = frozenset(ids) & self.allow_ids
        if not ids:
            return Answer(self.arn, Verdict.UNREACHABLE)
        sample = [i for svc in services_of(ids).values() for i in svc[:PROBES_PER_SERVICE]]
        return self.probe(sample) or self.solve(ids)


def statements(decision: Decision) -> list[str]:
    """The deciding statements, as `policy sid` (or its JSON pointer)."""
    return [f"{r.policy} {r.sid or r.pointer}".strip() for r in decision.deciding]


# -- the table ---------------------------------------------------------------------------------


def _is_admin(snap: Snapshot, arn: str, modes: tuple[Mfa, ...], pg=None) -> tuple[bool | None, str]:
    """Admin in a mode the principal holds (the graph's verdicts when it is built already)."""
    from iamgraph.graph.admin import decide_admin

    unknown = False
    for mode in modes:
        verdict = pg.admin.get((arn, mode)) if pg is not None else None
        verdict = verdict or decide_admin(snap, arn, mode)
        if verdict.verdict is Verdict.REACHABLE:
            return True, mode.value
        unknown |= verdict.verdict is Verdict.UNKNOWN
    return (None if unknown else False), ""


def _level(own: OwnPermissions, level: str) -> dict[str, LevelAccess]:
    """Every service where a request of `level` is allowed (or undecided)."""
    left = set(level_ids(level) & own.allow_ids)
    out: dict[str, LevelAccess] = {}

    def found(answer: Answer) -> None:
        w = answer.witness
        svc = w.action.split(":", 1)[0].lower()
        out[svc] = LevelAccess(level, Status.ALLOWED, (w.action, w.resource), w.mfa)
        left.difference_update(service_ids(svc))

    for ids in services_of(left).values():
        answer = own.probe(ids[:PROBES_PER_SERVICE])
        if answer is not None:
            found(answer)
    while left:
        answer = own.solve(left)
        if answer.verdict is Verdict.REACHABLE:
            found(answer)
            continue
        if answer.verdict is Verdict.UNKNOWN:
            out.update(_split(own, level, left, answer.reasons))
        break
    return out


def _split(own: OwnPermissions, level: str, left: set[int], why) -> dict[str, LevelAccess]:
    """An undecided level: per service, when there are few; else one "*" row says so."""
    by_service = services_of(left)
    if len(by_service) > FALLBACK_SERVICES:
        return {"*": LevelAccess(level, Status.UNKNOWN, reasons=tuple(why))}
    out = {}
    for svc, ids in by_service.items():
        answer = own.solve(ids)
        if answer.verdict is Verdict.REACHABLE:
            w = answer.witness
            out[svc] = LevelAccess(level, Status.ALLOWED, (w.action, w.resource), w.mfa)
        elif answer.verdict is Verdict.UNKNOWN:
            out[svc] = LevelAccess(level, Status.UNKNOWN, reasons=answer.reasons)
    return out


def principal_rows(
    snap: Snapshot,
    arn: str,
    timeout_ms: int = TIMEOUT_MS,
    levels: tuple[str, ...] = CLASSIC_LEVELS,
    graph=None,
) -> list[AccessRow]:
    p = snap.principals[arn]
    held = held_modes(snap, p)
    modes = held or USER_MODES  # no credential yet: what it could do if it got one
    note = "" if held else "holds no credential: every MFA mode assumed"
    admin, mode = _is_admin(snap, arn, modes, graph)
    if admin:
        every = tuple(LevelAccess(lv, Status.ALLOWED, mfa=mode) for lv in levels)
        why = f"administrator ({mode}): everything the SCPs of its account allow"
        return [AccessRow(arn, "*", every, "; ".join(filter(None, [why, note])), admin=True)]
    own = OwnPermissions(snap, arn, modes, timeout_ms)
    if own.unresolved:
        reasons = tuple(f"policy text not in the snapshot: {u}" for u in own.unresolved)
        every = tuple(LevelAccess(lv, Status.UNKNOWN, reasons=reasons) for lv in levels)
        return [AccessRow(arn, "*", every, "a policy of it is missing: nothing can be proven")]
    cells: dict[str, list[LevelAccess]] = {}
    for level in levels:
        for svc, access in _level(own, level).items():
            cells.setdefault(svc, []).append(access)
    return [AccessRow(arn, svc, tuple(cells[svc]), note) for svc in sorted(cells)]


def access_table(
    snap: Snapshot,
    principals: list[str] | None = None,
    timeout_ms: int = TIMEOUT_MS,
    levels: tuple[str, ...] = CLASSIC_LEVELS,
    graph=None,
) -> list[AccessRow]:
    """Per principal (default: every user, role and root user of the snapshot) and service,
    the access levels its own permissions allow, each with a replayed witness, or unknown.

    An administrator by its own permissions (`decide_admin` reachable in a mode it holds) gets
    one row, service "*": everything the SCPs of its account allow, not enumerated. A
    principal with a policy text missing gets one "*" row, every level unknown. `levels`
    narrows the question (a check that needs one level pays for that one only). `graph`, a
    PermissionGraph already built, lends its admin verdicts.
    """
    arns = principals if principals is not None else list(snap.principals)
    return [row for arn in arns for row in principal_rows(snap, arn, timeout_ms, levels, graph)]
