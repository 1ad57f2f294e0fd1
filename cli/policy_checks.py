"""`iamgraph diff-policy`, `check-access`, `check` and `diff`: pre-merge checks of one policy,
of a snapshot against the organization's invariants, and of a change to an organization (two
snapshots, or a snapshot and a Terraform plan)."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path

import typer

from iamgraph.cli.can import RenderOption, TimeoutOption
from iamgraph.cli.common import (
    AllowUnknownActionOption,
    QuietOption,
    progress_bar,
    reports_input_errors,
)
from iamgraph.cli.draw import check_render, write_render
from iamgraph.cli.report import (
    OnUnknown,
    ReportFormat,
    ReportFormatOption,
    SuppressionsOption,
    UnknownOption,
    finish,
    suppressions_from,
    unproven_unknown_actions,
)
from iamgraph.errors import InputError
from iamgraph.finding import Finding, Location
from iamgraph.load.policy_file import load_policy_file
from iamgraph.load.settings import Invariant, read_toml
from iamgraph.load.snapshot import load_snapshot
from iamgraph.model.policy import PolicyKind
from iamgraph.premerge.invariants import InvariantResult, load_invariants
from iamgraph.premerge.invariants import check as check_all
from iamgraph.premerge.policy_diff import Placement, diff_policies, placement_in
from iamgraph.premerge.policy_diff import check_access as check
from iamgraph.premerge.rules import (
    ACCESS_GRANTED,
    INVARIANT_BROKEN,
    NEW_ACCESS,
    NEW_ADMIN_PATH,
    NOT_PROVEN,
    RULES,
)
from iamgraph.premerge.snapshot_diff import SnapshotDiff, diff_snapshots
from iamgraph.premerge.suppressions import load_suppressions
from iamgraph.query.answer import graph_for
from iamgraph.query.asked import checked_request
from iamgraph.query.reach import Reach
from iamgraph.render.json import path_json
from iamgraph.render.markdown import escape
from iamgraph.render.premerge import (
    access_items,
    invariant_items,
    path_item,
)
from iamgraph.solvers.compare import Comparison, NewAccess, Result
from iamgraph.verdict import Answer

__all__ = ["OnUnknown", "check_access", "check_invariants", "diff", "diff_policy"]


class PolicyType(StrEnum):
    IDENTITY = "identity"
    RESOURCE = "resource"
    SCP = "scp"
    RCP = "rcp"


TypeOption = typer.Option(
    None,
    "--type",
    help="What the policy is; default: scp or rcp for `organizations describe-policy` output, "
    "else resource if it names a Principal, else identity.",
)
PlaceSnapshotOption = typer.Option(
    None,
    "--snapshot",
    file_okay=False,
    help="SCP/RCP: judge it in this snapshot's organization (with --target).",
)
TargetOption = typer.Option(
    None,
    "--target",
    help="SCP/RCP: the root, OU or account it is attached to (r-..., ou-..., account id); it "
    "replaces the policy of the same id or name there, else is added. Default: beside "
    "FullAWSAccess (RCPFullAWSAccess) alone.",
)
KINDS = {
    PolicyType.IDENTITY: PolicyKind.IDENTITY,
    PolicyType.RESOURCE: PolicyKind.RESOURCE,
    PolicyType.SCP: PolicyKind.SCP,
    PolicyType.RCP: PolicyKind.RCP,
}
HEADLINE = {Result.PASS: "PASS", Result.FAIL: "FAIL", Result.UNKNOWN: "UNKNOWN"}


def _load(path: Path, kind: PolicyType | None):
    if not path.exists():
        raise InputError(str(path), "$", "no such file")
    return load_policy_file(path, KINDS[kind] if kind else None)[0]


def _names(path: Path) -> list[str]:
    """What names the policy in an organization: `describe-policy`'s Id and Name, else the
    file name without `.json` (a policy kept as `protect-cloudtrail.json`)."""
    names = []
    try:
        summary = json.loads(path.read_text()).get("Policy", {}).get("PolicySummary", {})
        names += [str(summary.get("Id", "")), str(summary.get("Name", ""))]
    except (ValueError, AttributeError):
        pass  # a bare document read by _load already; only the file name is left
    return [*names, path.stem]


def _placement(
    kind: PolicyKind, snapshot: Path | None, target: str | None, files: list[Path]
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
    snap = load_snapshot(snapshot)
    return placement_in(snap.organization, kind, target, [n for f in files for n in _names(f)])


def _json(result: Comparison) -> dict:
    return {
        "result": result.result,
        "new_access": [_access_json(n) for n in result.new_access],
        "complete": result.complete,
        "reasons": list(result.reasons),
        "notes": list(result.notes),
    }


def _access_json(n: NewAccess) -> dict:
    return {
        "action": n.action,
        "resource": n.resource,
        "context": {k: list(v.values) for k, v in n.context},
        "statements": list(n.statements),
        "service": n.service,
        "access_level": n.access_level,
        **({"denied_before": list(n.denied_before)} if n.denied_before else {}),
        **({"principal": n.caller} if n.caller else {}),
    }


def _services(new_access) -> dict[str, list[str]]:
    """service -> access levels, the summary a reviewer reads first."""
    out: dict[str, list[str]] = {}
    for n in new_access:
        levels = out.setdefault(n.service, [])
        if n.access_level and n.access_level not in levels:
            levels.append(n.access_level)
    return out


def _grouped(new_access, indent: str = "  ") -> list[str]:
    """New access grouped per service, each service headed by its access levels."""
    lines: list[str] = []
    for service, levels in _services(new_access).items():
        lines.append(f"{indent}{service} ({', '.join(levels) or 'no access level'}):")
        for n in (n for n in new_access if n.service == service):
            who = f" by {n.caller}" if n.caller else ""
            lines.append(f"{indent}  {n.action} on {n.resource}{who}")
            shown = [(k, v) for k, v in n.context if n.chosen is None or k in n.chosen]
            context = ", ".join(f"{k}={'|'.join(v.values)}" for k, v in shown)
            if context:
                lines.append(f"{indent}      with {context}")
            lines += [f"{indent}      no longer denied by {s}" for s in n.denied_before]
            lines += [f"{indent}      granted by {s}" for s in n.statements]
    return lines


def _policy_text(result: Comparison, headline: str) -> list[str]:
    return [
        headline,
        *_grouped(result.new_access),
        *(f"  unknown: {r}" for r in result.reasons),
        *(f"  note: {r}" for r in result.notes),
    ]


@reports_input_errors
def diff_policy(
    old: Path = typer.Argument(..., help="The policy as it is (file or CLI output)."),
    new: Path = typer.Argument(..., help="The policy as the change makes it."),
    kind: PolicyType | None = TypeOption,
    snapshot: Path | None = PlaceSnapshotOption,
    target: str | None = TargetOption,
    unknown: OnUnknown = UnknownOption,
    timeout: float = TimeoutOption,
    output: ReportFormat = ReportFormatOption,
    suppressions: Path | None = SuppressionsOption,
) -> None:
    """Does NEW grant any request OLD does not? PASS is a proof (relative to the IAM action
    catalog); FAIL lists every class of new access with a witness the evaluator confirmed.
    An SCP or RCP is judged where it stands: beside FullAWSAccess at its level, or with
    --snapshot/--target beside what is attached there and under the levels above.
    Exit 0 PASS, 1 FAIL, 3 UNKNOWN (see --unknown), 2 bad input."""
    accepted = suppressions_from(suppressions)
    before, after = _load(old, kind), _load(new, kind)
    if before.kind is not after.kind:
        raise InputError(
            str(new), "--type", f"{old} reads as {before.kind.value}, {new} as {after.kind.value}"
        )
    placement = _placement(after.kind, snapshot, target, [old, new])
    result = diff_policies(
        before, after, after.kind, timeout_ms=round(timeout * 1000), placement=placement
    )
    items = access_items(result, str(new))
    headlines = {
        Result.PASS: f"PASS: {new} grants nothing {old} does not (proven)",
        Result.FAIL: f"FAIL: {new} grants access {old} does not ({_classes(result)})",
        Result.UNKNOWN: f"UNKNOWN: whether {new} grants more than {old}",
    }
    if after.kind in (PolicyKind.SCP, PolicyKind.RCP):  # E4, E9: it never grants
        headlines = {
            Result.PASS: f"PASS: {new} lets through nothing {old} does not (proven)",
            Result.FAIL: f"FAIL: {new} lets through what {old} does not ({_classes(result)})",
            Result.UNKNOWN: f"UNKNOWN: whether {new} lets through more than {old}",
        }
    finish(
        output,
        title=f"diff-policy {new}",
        items=items,
        suppressions=accepted,
        rules=(NEW_ACCESS, NOT_PROVEN),
        fallback=Location(str(new), 1, 1),
        text=lambda r, _: _policy_text(result, headlines[r]),
        json_doc=lambda r: {**_json(result), "result": r},
        findings_in_json=False,
        summary=lambda r: [
            *_services_md(result.new_access),
            *(f"- note: {escape(n)}" for n in result.notes),
        ],
        unknown=unknown,
    )


def _classes(result: Comparison) -> str:
    count = f"{len(result.new_access)} classes"
    return count if result.complete else f"{count} found; whether there are more is unknown"


def _services_md(new_access) -> list[str]:
    return [
        f"- **{service}**: {', '.join(levels) or 'no access level'}"
        for service, levels in _services(new_access).items()
    ]


@reports_input_errors
def check_access(
    policy: Path = typer.Argument(..., help="The policy (file or CLI output)."),
    action: list[str] = typer.Option(..., "--action", help="Action or pattern (repeatable)."),
    resource: list[str] = typer.Option(
        ["*"], "--resource", help="Resource ARN or pattern (repeatable; default any)."
    ),
    kind: PolicyType | None = TypeOption,
    snapshot: Path | None = PlaceSnapshotOption,
    target: str | None = TargetOption,
    unknown: OnUnknown = UnknownOption,
    timeout: float = TimeoutOption,
    output: ReportFormat = ReportFormatOption,
    suppressions: Path | None = SuppressionsOption,
    allow_unknown_action: bool = AllowUnknownActionOption,
) -> None:
    """Does the policy grant any of these actions on any of these resources? PASS is a proof
    that it does not; FAIL shows the request it grants. An SCP or RCP never grants: it is
    asked what it lets through where it stands (as `diff-policy`). Exit codes as `diff-policy`."""
    accepted = suppressions_from(suppressions)
    checked = checked_request("check-access", action, resource, allow_unknown_action)
    pol = _load(policy, kind)
    placement = _placement(pol.kind, snapshot, target, [policy])
    result = check(
        pol,
        pol.kind,
        list(checked.known),
        resource,
        timeout_ms=round(timeout * 1000),
        placement=placement,
    )
    result = unproven_unknown_actions(result, checked)
    items = access_items(result, str(policy), ACCESS_GRANTED)
    asked = ", ".join(action)
    headlines = {
        Result.PASS: f"PASS: {policy} grants none of {asked} (proven)",
        Result.FAIL: f"FAIL: {policy} grants {asked}",
        Result.UNKNOWN: f"UNKNOWN: whether {policy} grants {asked}",
    }
    if pol.kind in (PolicyKind.SCP, PolicyKind.RCP):  # E4, E9: it never grants
        headlines = {
            Result.PASS: f"PASS: {policy} lets none of {asked} through (proven)",
            Result.FAIL: f"FAIL: {policy} lets through {asked}",
            Result.UNKNOWN: f"UNKNOWN: whether {policy} lets through {asked}",
        }
    finish(
        output,
        title=f"check-access {policy}",
        items=items,
        suppressions=accepted,
        rules=(ACCESS_GRANTED, NOT_PROVEN),
        fallback=Location(str(policy), 1, 1),
        text=lambda r, _: _policy_text(result, headlines[r]),
        json_doc=lambda r: {**_json(result), "result": r},
        findings_in_json=False,
        unknown=unknown,
    )


def _invariant_locations(invs: list[Invariant], file: Path | None) -> dict[str, Location]:
    if file is None:
        return {}
    return {i.name: Location(str(file), i.line, 1) for i in invs if i.line}


def _reach_line(r: Reach) -> str:
    notes = r.answer.notes
    if notes and not r.hops:  # an exposure or audit finding: the subject is a resource
        return f"    {r.answer.principal}: {'; '.join(notes)}"
    via = " -> ".join(f"{h.target} ({h.method})" for h in r.hops) or "itself"
    return f"    {r.answer.principal}: {via}"


def _invariant_suppressions(file: Path | None) -> list:
    return load_suppressions(file, read_toml(file)) if file is not None else []


@reports_input_errors
def check_invariants(
    snapshot: Path = typer.Argument(..., help="Snapshot folder."),
    invariants: Path = typer.Option(
        Path("iamgraph.toml"), "--invariants", help="The invariants file.", dir_okay=False
    ),
    unknown: OnUnknown = UnknownOption,
    timeout: float = TimeoutOption,
    output: ReportFormat = ReportFormatOption,
    suppressions: Path | None = SuppressionsOption,
    render: Path | None = RenderOption,
    quiet: bool = QuietOption,
) -> None:
    """Hold the snapshot to the invariants file: PASS, FAIL (with the principals that break an
    invariant and their paths) or UNKNOWN per invariant. Exit 0 when all pass, 1 when one
    fails, 3 when one is unknown (see --unknown), 2 for bad input."""
    check_render(render)
    invs = load_invariants(invariants)
    accepted = _invariant_suppressions(invariants) + suppressions_from(suppressions)
    with progress_bar(quiet) as progress:
        snap = load_snapshot(snapshot, progress)
        pg, paths = graph_for(snap, round(timeout * 1000), progress)
    outcomes = check_all(pg, paths, invs, str(invariants))
    items = invariant_items(outcomes, _invariant_locations(invs, invariants))
    if render is not None:
        reaches = [r for o in outcomes for r in (*o.breaking, *o.undecided) if r.hops]
        write_render(render, snap, reaches, title=f"invariants broken in {snapshot}")

    def text(result: str, _items) -> list[str]:
        lines = []
        for o in outcomes:
            lines.append(f"{o.result:<8} {o.invariant.name}")
            lines += [_reach_line(r) for r in o.breaking]
            lines += [
                f"    unknown for {r.answer.principal}: {'; '.join(r.answer.reasons)}"
                for r in o.undecided
            ]
        counts = {k: sum(o.result == k for o in outcomes) for k in ("PASS", "FAIL", "UNKNOWN")}
        lines.append(
            f"{result}: {counts['PASS']} passed, {counts['FAIL']} failed, "
            f"{counts['UNKNOWN']} unknown ({invariants})"
        )
        return lines

    finish(
        output,
        title=f"check {snapshot}",
        items=items,
        suppressions=accepted,
        rules=(INVARIANT_BROKEN, NOT_PROVEN),
        fallback=Location(str(invariants), 1, 1),
        text=text,
        json_doc=lambda r: {"result": r, "invariants": [_outcome_json(o) for o in outcomes]},
        summary=lambda r: [f"- `{o.invariant.name}`: **{o.result}**" for o in outcomes],
        unknown=unknown,
        image=str(render) if render else "",
    )


def _outcome_json(o: InvariantResult) -> dict:
    return {
        "name": o.invariant.name,
        "result": o.result,
        "breaking": [
            {
                "principal": r.answer.principal,
                "path": path_json(r),
                **({"notes": list(r.answer.notes)} if r.answer.notes else {}),
            }
            for r in o.breaking
        ],
        "unknown": [
            {"principal": r.answer.principal, "reasons": list(r.answer.reasons)}
            for r in o.undecided
        ],
    }


def _diff_items(result: SnapshotDiff, where: dict[str, Location]) -> list[Finding]:
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


@reports_input_errors
def diff(
    before: Path = typer.Argument(..., help="The snapshot as it is."),
    after: Path | None = typer.Argument(
        None, help="The snapshot as the change makes it (or give --plan)."
    ),
    plan: Path | None = typer.Option(
        None,
        "--plan",
        dir_okay=False,
        help="A Terraform plan (`terraform show -json`) to apply to BEFORE instead of AFTER.",
    ),
    account: str | None = typer.Option(
        None, "--account", help="The account the plan applies to, when it does not say."
    ),
    invariants: Path | None = typer.Option(
        None, "--invariants", help="Also report which invariants the change breaks or repairs."
    ),
    unknown: OnUnknown = UnknownOption,
    timeout: float = TimeoutOption,
    output: ReportFormat = ReportFormatOption,
    suppressions: Path | None = SuppressionsOption,
    render: Path | None = RenderOption,
    quiet: bool = QuietOption,
) -> None:
    """What does the change from BEFORE to AFTER grant that was not granted? New access per
    principal whose own layers changed (proven absent, or shown with witnesses) grouped per
    service and access level, new and removed paths to admin, and invariants broken or
    repaired. Exit 0 none, 1 some, 3 unknown, 2 bad input."""
    check_render(render)
    if (after is None) == (plan is None):
        raise InputError(str(before), "AFTER", "give the AFTER snapshot or --plan PLAN.json")
    invs = load_invariants(invariants) if invariants else []
    accepted = _invariant_suppressions(invariants) + suppressions_from(suppressions)
    assumptions: list[str] = []
    unresolved: list[str] = []
    with progress_bar(quiet) as progress:
        old = load_snapshot(before, progress)
        if plan is not None:
            from iamgraph.premerge.plan.apply import apply_plan

            planned = apply_plan(old, plan, account)
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
            new = load_snapshot(after, progress)
    side = str(plan or after)
    result = diff_snapshots(old, new, invs, str(invariants or ""), timeout_ms=round(timeout * 1000))
    items = _diff_items(result, _invariant_locations(invs, invariants))
    items += [
        Finding(NOT_PROVEN, side, f"unresolved until apply: {u}", key=u, unknown=True)
        for u in unresolved
    ]
    if render is not None:
        reaches = [Reach(Answer(f.principal, f.verdict), f.hops) for f in result.new_escalation]
        reaches += [r for i in range(len(result.invariants)) for r in result.newly_breaking(i)]
        write_render(render, new, reaches, title=f"new paths: {before} -> {side}")

    def text(verdict: str, _items) -> list[str]:
        lines = [f"{verdict}: {before} -> {side}"]
        lines += [f"assumed: {a}" for a in assumptions]
        lines += [f"unresolved: {u}" for u in unresolved]
        lines += _diff_text(result)
        return lines

    finish(
        output,
        title=f"diff {before} -> {side}",
        items=items,
        suppressions=accepted,
        rules=RULES[:3] + RULES[4:],
        fallback=Location(str(plan) if plan else str(Path(side) / "snapshot.json"), 1, 1),
        text=text,
        json_doc=lambda r: _diff_json(result, r, assumptions, unresolved),
        summary=lambda r: _diff_summary(result, assumptions, unresolved),
        unknown=unknown,
        image=str(render) if render else "",
    )


def _diff_text(result: SnapshotDiff) -> list[str]:
    lines = []
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
        lines += _grouped(c.comparison.new_access, "    ")
        lines += [f"    unknown: {r}" for r in c.comparison.reasons]
        lines += [f"    note: {r}" for r in c.comparison.notes]
    lines.append(f"no new access (proven): {len(proven)} changed principals and resources")
    for c in proven:
        lines += [f"  note for {c.principal}: {n}" for n in c.comparison.notes]
    for c in open_:
        lines.append(f"unknown for {c.principal}: {'; '.join(c.comparison.reasons)}")
    lines.append(f"new paths to admin: {len(result.new_escalation)}")
    for f in result.new_escalation:
        via = " -> ".join(f"{h.target} ({h.method})" for h in f.hops)
        lines.append(f"  {f.principal}: {via}")
    lines.append(f"removed paths to admin: {len(result.lost_escalation)}")
    for f in result.lost_escalation:
        via = " -> ".join(f"{h.target} ({h.method})" for h in f.hops)
        lines.append(f"  {f.principal}: {via}")
    for i, (inv, b, a) in enumerate(result.invariants):
        lines.append(f"invariant {inv.name}: {b.result} -> {a.result}")
        for r in result.newly_breaking(i):
            via = " -> ".join(f"{h.target} ({h.method})" for h in r.hops) or "itself"
            lines.append(f"  newly broken by {r.answer.principal}: {via}")
        for arn in result.repaired(i):
            lines.append(f"  repaired for {arn}")
    return lines


def _diff_json(result: SnapshotDiff, verdict: str, assumptions, unresolved) -> dict:
    return {
        "result": verdict,
        "assumptions": assumptions,
        "unresolved": unresolved,
        "principals": [
            {
                "principal": c.principal,
                "policy": c.policy,
                "added": c.added,
                "services": _services(c.comparison.new_access),
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
        "removed_escalation": [
            {
                "principal": f.principal,
                "path": path_json(Reach(Answer(f.principal, f.verdict), f.hops)),
            }
            for f in result.lost_escalation
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


def _diff_summary(result: SnapshotDiff, assumptions, unresolved) -> list[str]:
    lines = []
    for c in result.changed:
        if c.comparison.new_access:
            services = "; ".join(
                f"{s} ({', '.join(levels)})"
                for s, levels in _services(c.comparison.new_access).items()
            )
            lines.append(f"- new access for `{c.principal}`: {services}")
    proven = sum(c.comparison.result == Result.PASS and not c.added for c in result.changed)
    lines.append(f"- no new access (proven) for {proven} changed principals and resources")
    lines += [
        f"- note for `{c.principal}`: {escape(n)}"
        for c in result.changed
        for n in c.comparison.notes
    ]
    lines.append(
        f"- paths to admin: {len(result.new_escalation)} new, {len(result.lost_escalation)} removed"
    )
    for inv, b, a in result.invariants:
        lines.append(f"- invariant `{inv.name}`: {b.result} → {a.result}")
    lines += [f"- assumed: {a}" for a in assumptions]
    lines += [f"- unresolved: {u}" for u in unresolved]
    return lines
