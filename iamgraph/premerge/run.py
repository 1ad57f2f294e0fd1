"""One library call per pre-merge command: `diff-policy`, `check-access`, `check` and `diff`.

Each takes the paths and options the user gave, reads them, answers the question and returns
a typed result with its findings judged (`report.Report`: suppressions applied, the verdict
they leave); writing it is `render.premerge`'s, the exit code the CLI's.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from iamgraph.errors import InputError
from iamgraph.finding import Finding, Location
from iamgraph.load.jsonloc import read_text
from iamgraph.load.policy_file import load_policy_file
from iamgraph.load.settings import Invariant
from iamgraph.load.snapshot import load_snapshot
from iamgraph.model.policy import Policy, PolicyKind
from iamgraph.model.snapshot import Snapshot
from iamgraph.premerge.findings import access_items, invariant_items, path_item
from iamgraph.premerge.invariants import InvariantResult, read_invariants
from iamgraph.premerge.invariants import check as check_all
from iamgraph.premerge.policy_diff import Placement, diff_policies, placement_in
from iamgraph.premerge.policy_diff import check_access as check_policy
from iamgraph.premerge.report import Report, judge
from iamgraph.premerge.rules import (
    ACCESS_GRANTED,
    INVARIANT_BROKEN,
    NEW_ACCESS,
    NEW_ADMIN_PATH,
    NOT_PROVEN,
    RULES,
)
from iamgraph.premerge.snapshot_diff import SnapshotDiff, diff_snapshots
from iamgraph.premerge.suppressions import suppressions_from, suppressions_of
from iamgraph.query.answer import graph_for
from iamgraph.query.asked import Asked, checked_request
from iamgraph.query.reach import Reach
from iamgraph.verdict import Answer, Comparison, Result

Progress = Callable[[int, int, str], None] | None


@dataclass(frozen=True)
class PolicyDiff:
    """`diff-policy`: what NEW grants (or, for an SCP or RCP, lets through) that OLD does not."""

    old: Path
    new: Path
    kind: PolicyKind
    comparison: Comparison
    report: Report


@dataclass(frozen=True)
class AccessCheck:
    """`check-access`: whether the policy grants (or lets through) any of the actions asked."""

    policy: Path
    actions: tuple[str, ...]
    kind: PolicyKind
    comparison: Comparison
    report: Report


@dataclass(frozen=True)
class InvariantCheck:
    """`check`: the snapshot held to each invariant of the file."""

    folder: Path
    file: Path
    snapshot: Snapshot
    outcomes: tuple[InvariantResult, ...]
    report: Report

    @property
    def paths(self) -> list[Reach]:
        """What a diagram draws: every breaking (or undecided) principal's path."""
        return [r for o in self.outcomes for r in (*o.breaking, *o.undecided) if r.hops]


@dataclass(frozen=True)
class Change:
    """`diff`: what the change from BEFORE to AFTER (a snapshot, or BEFORE with a Terraform
    plan applied) grants that was not granted."""

    before: Path
    side: str  # the AFTER snapshot or the plan, as named
    after: Snapshot
    diff: SnapshotDiff
    assumptions: tuple[str, ...]  # what the plan left unknown and was assumed
    unresolved: tuple[str, ...]  # what the plan leaves unknown until apply
    report: Report
    unreadable: tuple[InputError, ...] = ()  # optional files left out of BEFORE and AFTER

    @property
    def paths(self) -> list[Reach]:
        """What a diagram draws: the new paths to admin and the newly breaking principals."""
        reaches = [Reach(Answer(f.principal, f.verdict), f.hops) for f in self.diff.new_escalation]
        return reaches + [
            r for i in range(len(self.diff.invariants)) for r in self.diff.newly_breaking(i)
        ]


def _load(path: Path, kind: PolicyKind | None, size_limit: bool) -> Policy:
    if not path.exists():
        raise InputError(str(path), "$", "no such file")
    return load_policy_file(path, kind, size_limit=size_limit)[0]


def _names(path: Path) -> list[str]:
    """What names the policy in an organization: `describe-policy`'s Id and Name, else the
    file name without `.json` (a policy kept as `protect-cloudtrail.json`)."""
    names = []
    try:
        summary = json.loads(read_text(path)).get("Policy", {}).get("PolicySummary", {})
        names += [str(summary.get("Id", "")), str(summary.get("Name", ""))]
    except (ValueError, AttributeError, InputError):
        pass  # a bare document read by _load already; only the file name is left
    return [*names, path.stem]


def _placement(
    kind: PolicyKind,
    snapshot: Path | None,
    target: str | None,
    files: list[Path],
    size_limit: bool,
) -> Placement | None:
    """Where an SCP or RCP is judged: in the snapshot's organization at --target, or (None)
    beside FullAWSAccess at its own level."""
    if snapshot is None and target is None:
        return None
    if snapshot is None or target is None:
        raise InputError(
            "--snapshot" if snapshot is None else "--target",
            "$",
            "give both --snapshot and --target, or neither",
        )
    if kind not in (PolicyKind.SCP, PolicyKind.RCP):
        raise InputError("--target", "$", f"a {kind.value} policy has no level: use --type scp|rcp")
    snap = load_snapshot(snapshot, size_limit=size_limit)
    return placement_in(snap.organization, kind, target, [n for f in files for n in _names(f)])


def diff_policy(
    old: Path,
    new: Path,
    kind: PolicyKind | None = None,
    *,
    snapshot: Path | None = None,
    target: str | None = None,
    timeout_ms: int,
    suppressions: Path | None = None,
    size_limit: bool = True,
) -> PolicyDiff:
    accepted = suppressions_from(suppressions)
    before, after = _load(old, kind, size_limit), _load(new, kind, size_limit)
    if before.kind is not after.kind:
        raise InputError(
            str(new), "--type", f"{old} reads as {before.kind.value}, {new} as {after.kind.value}"
        )
    placement = _placement(after.kind, snapshot, target, [old, new], size_limit)
    result = diff_policies(before, after, after.kind, timeout_ms=timeout_ms, placement=placement)
    report = judge(
        access_items(result, str(new)),
        accepted,
        (NEW_ACCESS, NOT_PROVEN),
        Location(str(new), 1, 1),
    )
    return PolicyDiff(old, new, after.kind, result, report)


def unproven_unknown_actions(comparison: Comparison, asked: Asked) -> Comparison:
    """A check that also names actions the catalog does not know (`--allow-unknown-action`):
    access shown granted stays FAIL; a PASS proves nothing about those actions: UNKNOWN."""
    if not asked.unknown or comparison.result == Result.FAIL:
        return comparison
    reasons = tuple(dict.fromkeys((*asked.reasons, *comparison.reasons)))
    return replace(comparison, result=Result.UNKNOWN, reasons=reasons)


def check_access(
    policy: Path,
    actions: list[str],
    resources: list[str],
    kind: PolicyKind | None = None,
    *,
    snapshot: Path | None = None,
    target: str | None = None,
    timeout_ms: int,
    suppressions: Path | None = None,
    allow_unknown_action: bool = False,
    size_limit: bool = True,
) -> AccessCheck:
    accepted = suppressions_from(suppressions)
    checked = checked_request("check-access", actions, resources, allow_unknown_action)
    pol = _load(policy, kind, size_limit)
    placement = _placement(pol.kind, snapshot, target, [policy], size_limit)
    result = check_policy(
        pol, pol.kind, list(checked.known), resources, timeout_ms=timeout_ms, placement=placement
    )
    result = unproven_unknown_actions(result, checked)
    report = judge(
        access_items(result, str(policy), ACCESS_GRANTED),
        accepted,
        (ACCESS_GRANTED, NOT_PROVEN),
        Location(str(policy), 1, 1),
    )
    return AccessCheck(policy, tuple(actions), pol.kind, result, report)


def _invariant_locations(invs: list[Invariant], file: Path | None) -> dict[str, Location]:
    if file is None:
        return {}
    return {i.name: Location(str(file), i.line, 1) for i in invs if i.line}


def check_invariants(
    folder: Path,
    file: Path,
    *,
    timeout_ms: int,
    suppressions: Path | None = None,
    progress: Progress = None,
    strict: bool = False,
    size_limit: bool = True,
) -> InvariantCheck:
    """The invariants file is read once: its invariants, and the suppressions it holds."""
    settings = read_invariants(file)
    invs = list(settings.invariants)
    accepted = suppressions_of(settings) + suppressions_from(suppressions)
    snap = load_snapshot(folder, progress, strict=strict, size_limit=size_limit)
    pg, paths = graph_for(snap, timeout_ms, progress)
    outcomes = check_all(pg, paths, invs, str(file), progress)
    report = judge(
        invariant_items(outcomes, _invariant_locations(invs, file)),
        accepted,
        (INVARIANT_BROKEN, NOT_PROVEN),
        Location(str(file), 1, 1),
    )
    return InvariantCheck(folder, file, snap, tuple(outcomes), report)


def _change_items(result: SnapshotDiff, where: dict[str, Location]) -> list[Finding]:
    items: list[Finding] = []
    for c in result.changed:
        if c.added:
            items.append(
                Finding(
                    NEW_ACCESS,
                    c.principal,
                    f"{c.principal} is new: everything it may do is new access",
                    key="added",
                )
            )
            continue
        items += access_items(c.comparison, c.principal)
    for f in result.new_escalation:
        items.append(path_item(NEW_ADMIN_PATH, f.principal, f.hops, "can become admin", "admin"))
    for i, (inv, _, after) in enumerate(result.invariants):
        broken = InvariantResult(
            inv, after.result, tuple(result.newly_breaking(i)), tuple(result.newly_undecided(i))
        )
        items += invariant_items([broken], where)
    return items


def diff(
    before: Path,
    after: Path | None = None,
    *,
    plan: Path | None = None,
    account: str | None = None,
    invariants: Path | None = None,
    timeout_ms: int,
    suppressions: Path | None = None,
    progress: Progress = None,
    strict: bool = False,
    size_limit: bool = True,
) -> Change:
    """AFTER is a snapshot, or BEFORE with `plan` applied (exactly one of them)."""
    if (after is None) == (plan is None):
        raise InputError(str(before), "AFTER", "give the AFTER snapshot or --plan PLAN.json")
    settings = read_invariants(invariants) if invariants else None
    invs = list(settings.invariants) if settings else []
    accepted = (suppressions_of(settings) if settings else []) + suppressions_from(suppressions)
    assumptions: list[str] = []
    unresolved: list[str] = []
    old = load_snapshot(before, progress, strict=strict, size_limit=size_limit)
    if plan is not None:
        from iamgraph.premerge.plan.apply import apply_plan

        planned = apply_plan(old, plan, account, size_limit=size_limit)
        new = planned.snapshot
        assumptions = [
            f"{a.address}.{a.attribute} = {a.value} ({a.reason})" for a in planned.assumptions
        ]
        unresolved = [
            f"{u.address}: {u.what} ({u.reason})"
            + (f"; affects {', '.join(u.principals)}" if u.principals else "")
            for u in planned.unresolved
        ]
    else:
        assert after is not None
        new = load_snapshot(after, progress, strict=strict, size_limit=size_limit)
    side = str(plan or after)
    result = diff_snapshots(
        old, new, invs, str(invariants or ""), timeout_ms=timeout_ms, progress=progress
    )
    items = _change_items(result, _invariant_locations(invs, invariants))
    items += [
        Finding(NOT_PROVEN, side, f"unresolved until apply: {u}", key=u, unknown=True)
        for u in unresolved
    ]
    fallback = Location(str(plan) if plan else str(Path(side) / "snapshot.json"), 1, 1)
    report = judge(items, accepted, RULES[:3] + RULES[4:], fallback)
    left_out = (*old.unreadable, *(new.unreadable if after is not None else ()))
    return Change(
        before, side, new, result, tuple(assumptions), tuple(unresolved), report, left_out
    )
