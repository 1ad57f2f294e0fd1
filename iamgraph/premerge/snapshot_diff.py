"""`iamgraph diff BEFORE AFTER`: what a change to an organization grants that it did not.

Three answers, each proven or shown with evidence:
- new access per principal: for every principal whose own layers changed (identity policies,
  groups, boundary, the SCPs above it), `solvers.compare.new_access` on those layers (resource
  policies are the resources' own: a changed trust shows up as a new escalation step instead);
- escalation: principals that can become administrator after and could not before, with paths;
- invariants (`iamgraph.toml`): which the change breaks or repairs, with the breaking paths.
Only changed principals are solved again; the graph searches run on both sides.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace

from iamgraph.evaluate.gather import credential_context
from iamgraph.evaluate.layers import PolicySet
from iamgraph.graph.admin import layers
from iamgraph.graph.parallel import build
from iamgraph.graph.paths import Found, Paths, modes_filter, privesc
from iamgraph.load.settings import Invariant
from iamgraph.model.policy import Policy, PolicyKind
from iamgraph.model.snapshot import Snapshot
from iamgraph.model.source import SourceRef
from iamgraph.premerge.invariants import InvariantResult
from iamgraph.premerge.invariants import check as check_invariants
from iamgraph.premerge.policy_diff import diff_policies, open_wildcards
from iamgraph.solvers.compare import new_access
from iamgraph.solvers.constraints import fixed_for
from iamgraph.verdict import DEFAULT_TIMEOUT_MS, Comparison, Result, Verdict


@dataclass(frozen=True)
class PrincipalChange:
    principal: str
    comparison: Comparison  # FAIL lists the new access; PASS proves there is none
    added: bool = False  # the principal exists only after
    policy: str = "own"  # whose policy changed: "own" layers, a role's "trust", a "resource"


@dataclass(frozen=True)
class SnapshotDiff:
    changed: tuple[PrincipalChange, ...]
    new_escalation: tuple[Found, ...]  # principals that can become admin only after
    invariants: tuple[
        tuple[Invariant, InvariantResult, InvariantResult], ...
    ]  # (invariant, before, after)
    lost_escalation: tuple[Found, ...] = ()  # principals that could become admin only before

    def newly_breaking(self, i: int) -> list:
        """The principals that break invariant `i` after the change and did not before."""
        _, before, after = self.invariants[i]
        was = {r.answer.principal for r in before.breaking}
        return [r for r in after.breaking if r.answer.principal not in was]

    def newly_undecided(self, i: int) -> list:
        """The principals left undecided after the change that were decided before."""
        _, before, after = self.invariants[i]
        was = {r.answer.principal for r in (*before.breaking, *before.undecided)}
        return [r for r in after.undecided if r.answer.principal not in was]

    def repaired(self, i: int) -> list[str]:
        _, before, after = self.invariants[i]
        now = {r.answer.principal for r in after.breaking}
        return [r.answer.principal for r in before.breaking if r.answer.principal not in now]

    @property
    def result(self) -> str:
        failing = any(c.comparison.result == Result.FAIL or c.added for c in self.changed)
        failing |= bool(self.new_escalation)
        failing |= any(self.newly_breaking(i) for i in range(len(self.invariants)))
        if failing:
            return Result.FAIL
        unknown = any(c.comparison.result == Result.UNKNOWN for c in self.changed)
        unknown |= any(self.newly_undecided(i) for i in range(len(self.invariants)))
        return Result.UNKNOWN if unknown else Result.PASS


def _resource_policies(before: Snapshot, after: Snapshot, timeout_ms: int) -> list:
    """Role trusts, bucket, key and topic policies whose meaning changed: who else may now
    assume the role or reach the resource (each principal either side names, anyone, and an
    account neither names), as `diff-policy` asks it."""
    pairs: list[tuple[str, str, Policy | None, Policy | None]] = []
    for arn, p in after.principals.items():
        old = before.principals.get(arn)
        if p.role is not None and old is not None and old.role is not None:
            pairs.append((arn, "trust", old.trust, p.trust))
    for account, data in after.accounts.items():
        was = before.accounts.get(account)
        if was is None:
            continue
        for name, bucket in data.buckets.items():
            if name in was.buckets:
                pairs.append((bucket.arn, "resource", was.buckets[name].policy, bucket.policy))
        for key_id, key in data.keys.items():
            if key_id in was.keys:
                arn = f"arn:aws:kms::{account}:key/{key_id}"
                pairs.append((arn, "resource", was.keys[key_id].policy, key.policy))
        for arn, topic in data.topics.items():
            if arn in was.topics:
                pairs.append((arn, "resource", was.topics[arn].policy, topic.policy))
    out = []
    for arn, what, old, new in pairs:
        if _canon(old) == _canon(new):
            continue
        # a policy added or removed is compared with no policy: removing one can lift a Deny
        result = diff_policies(
            old or _none(arn),
            new or _none(arn),
            PolicyKind.RESOURCE,
            timeout_ms=timeout_ms,
            required=what == "trust" or ":kms:" in arn,  # E19
        )
        out.append(PrincipalChange(arn, result, policy=what))
    return out


def _none(arn: str) -> Policy:
    """No resource policy: a document without statements."""
    return Policy(PolicyKind.RESOURCE, "2012-10-17", None, (), SourceRef(f"<no policy on {arn}>"))


def _credential_keys(snap: Snapshot, arn: str) -> tuple:
    """The keys the principal's credential fixes (tags, organization paths), any MFA state."""
    return tuple(
        (k, v)
        for k, v in credential_context(snap, arn, "*")
        if not k.lower().startswith("aws:multifactorauth")
    )


def _canon(policy: Policy | None) -> str:
    """A policy's meaning as text, whatever its file, Sids or statement order."""
    if policy is None:
        return ""
    statements = sorted(
        json.dumps(
            [
                st.effect.value,
                st.not_action,
                sorted(st.actions),
                st.not_resource,
                sorted(st.resources) if st.resources is not None else None,
                repr(st.principal),
                st.not_principal,
                sorted([c.operator, c.key.lower(), sorted(c.values)] for c in st.conditions),
            ]
        )
        for st in policy.statements
    )
    return json.dumps([policy.version, statements])


def _fingerprint(ps: PolicySet) -> str:
    return json.dumps(
        [
            sorted(_canon(p) for p in ps.identity),
            _canon(ps.boundary),
            [sorted(_canon(p) for p in lvl.policies) for lvl in ps.scp_levels],
            list(ps.unresolved),
        ]
    )


def diff_snapshots(
    before: Snapshot,
    after: Snapshot,
    invariants: list[Invariant] = (),
    invariants_file: str = "",
    *,
    timeout_ms: int = DEFAULT_TIMEOUT_MS,
    progress: Callable[[int, int, str], None] | None = None,
) -> SnapshotDiff:
    """`progress(done, total, label)` hears of each phase: the principals' own layers, each
    side's graph, each side's paths to admin (minutes at thousands of principals)."""
    changed: list[PrincipalChange] = []
    total = len(after.principals)
    for i, arn in enumerate(after.principals):
        if progress:
            progress(i, total, "comparing each principal's own permissions")
        if arn not in before.principals:
            changed.append(PrincipalChange(arn, Comparison(Result.FAIL), added=True))
            continue
        (was, _), (now, _) = layers(before, arn), layers(after, arn)  # the identity side
        creds = _credential_keys(after, arn)
        # a changed tag or organization path can change what a condition lets through
        if _fingerprint(was) == _fingerprint(now) and _credential_keys(before, arn) == creds:
            continue
        result = new_access(
            was,
            now,
            timeout_ms=timeout_ms,
            pinned=creds,
            fixed=fixed_for(after, now.caller.account),
        )
        notes = open_wildcards(was.policies(), now.policies())  # what no proof covers
        changed.append(PrincipalChange(arn, replace(result, notes=notes)))
    changed += _resource_policies(before, after, timeout_ms)
    pg_before = build(before, timeout_ms, _phase(progress, "building the graph before"))
    pg_after = build(after, timeout_ms, _phase(progress, "building the graph after"))
    paths_before, paths_after = Paths(pg_before, timeout_ms), Paths(pg_after, timeout_ms)
    everyone = modes_filter(None)
    found_before = privesc(
        pg_before, paths_before, everyone, _phase(progress, "paths to admin before")
    )
    found_after = privesc(pg_after, paths_after, everyone, _phase(progress, "paths to admin after"))
    was_admin = {f.principal: f.verdict for f in found_before}
    is_admin = {f.principal: f.verdict for f in found_after}
    escalation = tuple(
        f
        for f in found_after
        if f.verdict is Verdict.REACHABLE
        and f.hops
        and was_admin.get(f.principal) is not Verdict.REACHABLE
    )
    lost = tuple(
        f
        for f in found_before
        if f.verdict is Verdict.REACHABLE
        and f.hops
        and is_admin.get(f.principal) is not Verdict.REACHABLE
    )
    outcomes = ()
    if invariants:
        b = check_invariants(pg_before, paths_before, list(invariants), invariants_file)
        a = check_invariants(pg_after, paths_after, list(invariants), invariants_file)
        outcomes = tuple((inv, x, y) for inv, x, y in zip(invariants, b, a, strict=True))
    return SnapshotDiff(tuple(changed), escalation, outcomes, lost)


def _phase(progress, label: str):
    """`progress` for one phase of the diff, under its own label (None: no progress)."""
    if progress is None:
        return None
    return lambda done, total, *_: progress(done, total, label)
