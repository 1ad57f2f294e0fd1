"""`iamgraph diff-policy`, `check-access` and `check`: pre-merge checks of one policy, and of a
snapshot against the organization's invariants."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from iamgraph.cli.can import TimeoutOption, check_actions, graph_for, path_json
from iamgraph.cli.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_UNKNOWN,
    FormatOption,
    OutputFormat,
    QuietOption,
    print_json,
    progress_bar,
    reports_input_errors,
    stdout,
)
from iamgraph.errors import InputError
from iamgraph.graph.query import Reach
from iamgraph.invariants import check as check_all
from iamgraph.invariants import load_invariants
from iamgraph.load.policy_file import load_policy_file
from iamgraph.load.snapshot import load_snapshot
from iamgraph.model.policy import PolicyKind
from iamgraph.policy_diff import check_access as check
from iamgraph.policy_diff import diff_policies
from iamgraph.snapshot_diff import diff_snapshots
from iamgraph.solvers.compare import Comparison, Result
from iamgraph.solvers.prove import Answer


class PolicyType(StrEnum):
    IDENTITY = "identity"
    RESOURCE = "resource"
    SCP = "scp"


class OnUnknown(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    UNKNOWN = "unknown"


TypeOption = typer.Option(
    None, "--type", help="What the policy is; default: resource if it names a Principal."
)
UnknownOption = typer.Option(
    OnUnknown.UNKNOWN, "--unknown", help="Exit code for UNKNOWN: unknown (3), pass (0), fail (1)."
)
KINDS = {
    PolicyType.IDENTITY: PolicyKind.IDENTITY,
    PolicyType.RESOURCE: PolicyKind.RESOURCE,
    PolicyType.SCP: PolicyKind.SCP,
}


def _load(path: Path, kind: PolicyType | None):
    if not path.exists():
        raise InputError(str(path), "$", "no such file")
    policy = load_policy_file(path, KINDS[kind] if kind else None)[0]
    return policy


def _exit(result: Comparison, unknown: OnUnknown) -> int:
    if result.result == Result.PASS:
        return EXIT_OK
    if result.result == Result.FAIL:
        return EXIT_FINDINGS
    return {OnUnknown.PASS: EXIT_OK, OnUnknown.FAIL: EXIT_FINDINGS}.get(unknown, EXIT_UNKNOWN)


def _json(result: Comparison) -> dict:
    return {
        "result": result.result,
        "new_access": [
            {
                "action": n.action,
                "resource": n.resource,
                "context": {k: list(v.values) for k, v in n.context},
                "statements": list(n.statements),
                "service": n.service,
                "access_level": n.access_level,
                **({"principal": n.caller} if n.caller else {}),
            }
            for n in result.new_access
        ],
        "reasons": list(result.reasons),
    }


def _lines(result: Comparison, headline: str) -> list[str]:
    lines = [headline]
    for n in result.new_access:
        who = f" by {n.caller}" if n.caller else ""
        level = f", {n.access_level}" if n.access_level else ""
        lines.append(f"  {n.service}{level}: {n.action} on {n.resource}{who}")
        shown = [(k, v) for k, v in n.context if n.chosen is None or k in n.chosen]
        context = ", ".join(f"{k}={'|'.join(v.values)}" for k, v in shown)
        if context:
            lines.append(f"      with {context}")
        lines += [f"      granted by {s}" for s in n.statements]
    lines += [f"  note: {r}" for r in result.reasons]
    return lines


@reports_input_errors
def diff_policy(
    old: Path = typer.Argument(..., help="The policy as it is (file or CLI output)."),
    new: Path = typer.Argument(..., help="The policy as the change makes it."),
    kind: PolicyType | None = TypeOption,
    unknown: OnUnknown = UnknownOption,
    timeout: float = TimeoutOption,
    output: OutputFormat = FormatOption,
) -> None:
    """Does NEW grant any request OLD does not? PASS is a proof (relative to the IAM action
    catalog); FAIL lists every class of new access with a witness the evaluator confirmed.
    Exit 0 PASS, 1 FAIL, 3 UNKNOWN (see --unknown), 2 bad input."""
    before, after = _load(old, kind), _load(new, kind)
    if before.kind is not after.kind:
        raise InputError(
            str(new), "--type", f"{old} reads as {before.kind.value}, {new} as {after.kind.value}"
        )
    result = diff_policies(before, after, after.kind, timeout_ms=round(timeout * 1000))
    if output is OutputFormat.JSON:
        print_json(_json(result))
    else:
        headline = {
            Result.PASS: f"PASS: {new} grants nothing {old} does not (proven)",
            Result.FAIL: f"FAIL: {new} grants access {old} does not "
            f"({len(result.new_access)} classes)",
            Result.UNKNOWN: f"UNKNOWN: whether {new} grants more than {old}",
        }[result.result]
        for line in _lines(result, headline):
            stdout.print(line, highlight=False, markup=False)
    raise typer.Exit(_exit(result, unknown))


@reports_input_errors
def check_access(
    policy: Path = typer.Argument(..., help="The policy (file or CLI output)."),
    action: list[str] = typer.Option(..., "--action", help="Action or pattern (repeatable)."),
    resource: list[str] = typer.Option(
        ["*"], "--resource", help="Resource ARN or pattern (repeatable; default any)."
    ),
    kind: PolicyType | None = TypeOption,
    unknown: OnUnknown = UnknownOption,
    timeout: float = TimeoutOption,
    output: OutputFormat = FormatOption,
) -> None:
    """Does the policy grant any of these actions on any of these resources? PASS is a proof
    that it does not; FAIL shows the request it grants. Exit codes as `diff-policy`."""
    check_actions(action)
    pol = _load(policy, kind)
    result = check(pol, pol.kind, action, resource, timeout_ms=round(timeout * 1000))
    if output is OutputFormat.JSON:
        print_json(_json(result))
    else:
        asked = ", ".join(action)
        headline = {
            Result.PASS: f"PASS: {policy} grants none of {asked} (proven)",
            Result.FAIL: f"FAIL: {policy} grants {asked}",
            Result.UNKNOWN: f"UNKNOWN: whether {policy} grants {asked}",
        }[result.result]
        for line in _lines(result, headline):
            stdout.print(line, highlight=False, markup=False)
    raise typer.Exit(_exit(result, unknown))


@reports_input_errors
def check_invariants(
    snapshot: Path = typer.Argument(..., help="Snapshot folder."),
    invariants: Path = typer.Option(
        Path("iamgraph.toml"), "--invariants", help="The invariants file.", dir_okay=False
    ),
    unknown: OnUnknown = UnknownOption,
    timeout: float = TimeoutOption,
    output: OutputFormat = FormatOption,
    quiet: bool = QuietOption,
) -> None:
    """Hold the snapshot to the invariants file: PASS, FAIL (with the principals that break an
    invariant and their paths) or UNKNOWN per invariant. Exit 0 when all pass, 1 when one
    fails, 3 when one is unknown (see --unknown), 2 for bad input."""
    invs = load_invariants(invariants)
    with progress_bar(quiet) as progress:
        snap = load_snapshot(snapshot, progress)
        pg, paths = graph_for(snap, round(timeout * 1000), progress)
    outcomes = check_all(pg, paths, invs, str(invariants))
    results = {o.result for o in outcomes}
    overall = Comparison(
        Result.FAIL
        if "FAIL" in results
        else Result.UNKNOWN
        if "UNKNOWN" in results
        else Result.PASS
    )
    if output is OutputFormat.JSON:
        print_json(
            {
                "result": overall.result,
                "invariants": [
                    {
                        "name": o.invariant.name,
                        "result": o.result,
                        "breaking": [
                            {"principal": r.answer.principal, "path": path_json(r)}
                            for r in o.breaking
                        ],
                        "unknown": [
                            {"principal": r.answer.principal, "reasons": list(r.answer.reasons)}
                            for r in o.undecided
                        ],
                    }
                    for o in outcomes
                ],
            }
        )
        raise typer.Exit(_exit(overall, unknown))
    lines = []
    for o in outcomes:
        lines.append(f"{o.result:<8} {o.invariant.name}")
        for r in o.breaking:
            via = " -> ".join(f"{h.target} ({h.method})" for h in r.hops) or "itself"
            lines.append(f"    {r.answer.principal}: {via}")
        for r in o.undecided:
            lines.append(f"    unknown for {r.answer.principal}: {'; '.join(r.answer.reasons)}")
    counts = {k: sum(o.result == k for o in outcomes) for k in ("PASS", "FAIL", "UNKNOWN")}
    lines.append(
        f"{overall.result}: {counts['PASS']} passed, {counts['FAIL']} failed, "
        f"{counts['UNKNOWN']} unknown ({invariants})"
    )
    for line in lines:
        stdout.print(line, highlight=False, markup=False)
    raise typer.Exit(_exit(overall, unknown))


@reports_input_errors
def diff(
    before: Path = typer.Argument(..., help="The snapshot as it is."),
    after: Path = typer.Argument(..., help="The snapshot as the change makes it."),
    invariants: Path | None = typer.Option(
        None, "--invariants", help="Also report which invariants the change breaks or repairs."
    ),
    unknown: OnUnknown = UnknownOption,
    timeout: float = TimeoutOption,
    output: OutputFormat = FormatOption,
    quiet: bool = QuietOption,
) -> None:
    """What does the change from BEFORE to AFTER grant that was not granted? New access per
    principal whose own layers changed (proven absent, or shown with witnesses), new paths to
    admin, and invariants broken or repaired. Exit 0 none, 1 some, 3 unknown, 2 bad input."""
    invs = load_invariants(invariants) if invariants else []
    with progress_bar(quiet) as progress:
        old = load_snapshot(before, progress)
        new = load_snapshot(after, progress)
    result = diff_snapshots(old, new, invs, str(invariants or ""), timeout_ms=round(timeout * 1000))
    verdict = Comparison(result.result)
    if output is OutputFormat.JSON:
        print_json(
            {
                "result": result.result,
                "principals": [
                    {
                        "principal": c.principal,
                        "policy": c.policy,
                        "added": c.added,
                        **_json(c.comparison),
                    }
                    for c in result.changed
                ],
                "new_escalation": [
                    {
                        "principal": f.principal,
                        "path": path_json(Reach(Answer(f.principal, f.verdict), f.hops)),
                    }
                    for f in result.new_escalation
                ],
                "invariants": [
                    {
                        "name": inv.name,
                        "before": b.result,
                        "after": a.result,
                        "newly_breaking": [
                            {"principal": r.answer.principal, "path": path_json(r)}
                            for r in result.newly_breaking(i)
                        ],
                        "repaired": result.repaired(i),
                    }
                    for i, (inv, b, a) in enumerate(result.invariants)
                ],
            }
        )
        raise typer.Exit(_exit(verdict, unknown))
    lines = [f"{result.result}: {before} -> {after}"]
    grants = [c for c in result.changed if c.comparison.result == Result.FAIL or c.added]
    proven = [c for c in result.changed if c.comparison.result == Result.PASS and not c.added]
    open_ = [c for c in result.changed if c.comparison.result == Result.UNKNOWN]
    lines.append(f"new access: {len(grants)} principals and resources")
    for c in grants:
        what = {"own": "", "trust": " (its trust policy)", "resource": " (its policy)"}[c.policy]
        if c.added:
            lines.append(f"  {c.principal}{what}: new")
            continue
        lines.append(f"  {c.principal}{what}")
        lines += [f"  {line}" for line in _lines(c.comparison, "")[1:]]
    lines.append(f"no new access (proven): {len(proven)} changed principals and resources")
    for c in open_:
        lines.append(f"unknown for {c.principal}: {'; '.join(c.comparison.reasons)}")
    lines.append(f"new paths to admin: {len(result.new_escalation)}")
    for f in result.new_escalation:
        via = " -> ".join(f"{h.target} ({h.method})" for h in f.hops)
        lines.append(f"  {f.principal}: {via}")
    for i, (inv, b, a) in enumerate(result.invariants):
        lines.append(f"invariant {inv.name}: {b.result} -> {a.result}")
        for r in result.newly_breaking(i):
            via = " -> ".join(f"{h.target} ({h.method})" for h in r.hops) or "itself"
            lines.append(f"  newly broken by {r.answer.principal}: {via}")
        for arn in result.repaired(i):
            lines.append(f"  repaired for {arn}")
    for line in lines:
        stdout.print(line, highlight=False, markup=False)
    raise typer.Exit(_exit(verdict, unknown))
