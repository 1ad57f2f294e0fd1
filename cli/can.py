"""`iamgraph can` and `iamgraph who-can`: is any request in a set allowed, proven either way.

`can` asks for one principal, `who-can` for every principal of the snapshot; both answer with the
solver's verdict (`reachable` with a replayed witness, `proven-unreachable`, or `unknown` and
why). By default they follow the permission graph: a principal can do what any principal it can
become can do, and the answer shows the path; `--direct` counts its own permissions only.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, replace
from pathlib import Path

import typer

from iamgraph.cli.common import (
    EXIT_OK,
    EXIT_UNKNOWN,
    AllowUnknownActionOption,
    Asked,
    FormatOption,
    OutputFormat,
    QuietOption,
    checked_request,
    plain_table,
    print_json,
    progress_bar,
    reports_input_errors,
    stdout,
)
from iamgraph.cli.draw import check_render, write_render
from iamgraph.cli.simulate import reason_line
from iamgraph.evaluate.gather import Mfa, find_principal
from iamgraph.evaluate.request import ContextValue
from iamgraph.graph import query
from iamgraph.graph.build import PermissionGraph, build
from iamgraph.graph.paths import Paths
from iamgraph.graph.query import Reach
from iamgraph.load.snapshot import load_snapshot
from iamgraph.model.snapshot import Snapshot
from iamgraph.query.simulate import parse_context_pairs
from iamgraph.solvers import properties
from iamgraph.verdict import DEFAULT_TIMEOUT_MS, Answer, Verdict

DirectOption = typer.Option(
    False, "--direct", help="Count the principal's own permissions only (no paths)."
)
RenderOption = typer.Option(
    None,
    "--render",
    help="Also draw the answer's paths: FILE.svg, .png, .pdf or .dot (Graphviz).",
    dir_okay=False,
)
MfaOption = typer.Option(
    None,
    "--mfa/--no-mfa",
    help="--mfa: only sessions with MFA; --no-mfa: only credentials without MFA "
    "(access keys or sessions). Default: any.",
)
TimeoutOption = typer.Option(
    DEFAULT_TIMEOUT_MS / 1000, "--timeout", min=0.001, help="Seconds per solver call."
)


@reports_input_errors
def can(
    snapshot: Path = typer.Argument(..., help="Snapshot folder."),
    principal: str = typer.Argument(..., help="User, role, role-session or root ARN."),
    action: str = typer.Argument(..., help="Action or action pattern (s3:Put*)."),
    resource: str = typer.Argument(..., help="Resource ARN or ARN pattern."),
    more_actions: list[str] = typer.Option([], "--action", help="Another action (repeatable)."),
    more_resources: list[str] = typer.Option(
        [], "--resource", help="Another resource (repeatable)."
    ),
    context: list[str] = typer.Option(
        [], "--context", help="KEY=VALUE the request must carry; repeat a key for a list."
    ),
    mfa: bool | None = MfaOption,
    direct: bool = DirectOption,
    timeout: float = TimeoutOption,
    render: Path | None = RenderOption,
    output: OutputFormat = FormatOption,
    quiet: bool = QuietOption,
    allow_unknown_action: bool = AllowUnknownActionOption,
) -> None:
    """Can PRINCIPAL, or a principal it can become, make some request for ACTION on RESOURCE?

    Every context key the request is free to carry is the solver's to choose; `--context` pins
    some. Exit code 0 when answered (reachable or proven-unreachable), 3 when unknown, 2 for
    bad input (an action or resource that names nothing).
    """
    actions = [action, *more_actions]
    resources = [resource, *more_resources]
    asked = checked_request(
        "can", actions, resources, allow_unknown_action, labels=("ACTION", "RESOURCE")
    )
    check_render(render)
    where = parse_context_pairs(context)
    timeout_ms = round(timeout * 1000)
    known = list(asked.known)
    with progress_bar(quiet) as progress:
        snap = load_snapshot(snapshot, progress)
        find_principal(snap, principal)
        if not known:
            reach = Reach(Answer(principal, Verdict.UNKNOWN))
        elif direct:
            reach = Reach(
                properties.can(
                    snap,
                    principal,
                    known,
                    resources,
                    mfa=mfa_mode(mfa),
                    where=where,
                    timeout_ms=timeout_ms,
                )
            )
        else:
            pg, paths = graph_for(snap, timeout_ms, progress)
            reach = query.can(pg, paths, principal, [(known, resources)], mfa_mode(mfa), where)
    reach = with_unknown_actions(reach, asked)
    if render is not None:
        write_render(render, snap, [reach], title=f"{principal}: {' | '.join(actions)}")
    if output is OutputFormat.JSON:
        print_json(can_json(reach, actions, resources, where))
    else:
        for line in render_can(reach, where):
            stdout.print(line, highlight=False, markup=False)
    raise typer.Exit(EXIT_UNKNOWN if reach.answer.verdict is Verdict.UNKNOWN else EXIT_OK)


@reports_input_errors
def who_can(
    snapshot: Path = typer.Argument(..., help="Snapshot folder."),
    action: list[str] = typer.Option(..., "--action", help="Action or pattern (repeatable)."),
    resource: list[str] = typer.Option(
        ..., "--resource", help="Resource ARN or ARN pattern (repeatable)."
    ),
    where: list[str] = typer.Option(
        [], "--where", help="KEY=VALUE the request must carry; repeat a key for a list."
    ),
    mfa: bool | None = MfaOption,
    direct: bool = DirectOption,
    timeout: float = TimeoutOption,
    render: Path | None = RenderOption,
    output: OutputFormat = FormatOption,
    quiet: bool = QuietOption,
    allow_unknown_action: bool = AllowUnknownActionOption,
) -> None:
    """Which principals of the snapshot can make such a request, themselves or through the
    principals they can become (a role counts only if a credential of it can be obtained)?

    Exit code 0 when every principal is decided, 3 when any is unknown, 2 for bad input.
    """
    asked = checked_request("who-can", action, resource, allow_unknown_action)
    check_render(render)
    pinned = parse_context_pairs(where)
    with progress_bar(quiet) as progress:
        snap = load_snapshot(snapshot, progress)
    reaches = who_can_reaches(
        snap, [(action, resource)], mfa_mode(mfa), pinned, direct, timeout, quiet, asked
    )
    if render is not None:
        write_render(render, reaches.snap, reaches.items, title=" | ".join(action))
    if output is OutputFormat.JSON:
        print_json(who_can_json(reaches.items))
    else:
        for line in render_who_can(reaches.items):
            stdout.print(line, highlight=False, markup=False)
    raise typer.Exit(who_can_exit(reaches.items))


@dataclass(frozen=True)
class Reaches:
    snap: Snapshot
    items: list[Reach]


def who_can_reaches(snap, checks, mfa, where, direct, timeout, quiet, asked=None) -> Reaches:
    """Every principal's answer to any of `checks`, over paths unless `direct`. Actions the
    catalog does not know (`asked.unknown`) are left out, and unless the rest is shown
    reachable the answer is `unknown`."""
    asked = asked or Asked((), ())
    checks = known_checks(checks, asked)
    timeout_ms = round(timeout * 1000)
    with progress_bar(quiet) as progress:
        if not checks:
            items = [Reach(Answer(arn, Verdict.UNKNOWN)) for arn in snap.principals]
        elif direct:
            per_check = [
                properties.who_can(snap, a, r, mfa=mfa, where=where, timeout_ms=timeout_ms)
                for a, r in checks
            ]
            items = [Reach(merge(list(group))) for group in zip(*per_check, strict=True)]
        else:
            pg, paths = graph_for(snap, timeout_ms, progress)
            items = query.who_can(pg, paths, checks, mfa, where)
    return Reaches(snap, [with_unknown_actions(r, asked) for r in items])


def known_checks(
    checks: list[tuple[list[str], list[str]]], asked: Asked
) -> list[tuple[list[str], list[str]]]:
    """The checks without the actions the catalog does not know (and without checks left
    with no action): what can still be proven or shown reachable."""
    out = []
    for actions, resources in checks:
        known = [a for a in actions if a not in asked.unknown]
        if known:
            out.append((known, resources))
    return out


def with_unknown_actions(reach: Reach, asked: Asked) -> Reach:
    """The answer to a question that also names actions the catalog does not know: a request
    shown reachable stays so, anything else is `unknown` (no proof covers those actions)."""
    if not asked.unknown or reach.answer.verdict is Verdict.REACHABLE:
        return reach
    a = reach.answer
    reasons = tuple(dict.fromkeys((*asked.reasons, *a.reasons)))
    return replace(reach, answer=Answer(a.principal, Verdict.UNKNOWN, None, reasons, a.seconds))


def graph_for(snap: Snapshot, timeout_ms: int, progress) -> tuple[PermissionGraph, Paths]:
    def tick(done: int, total: int) -> None:
        if progress:
            progress(done, total, "building the permission graph")

    pg = build(snap, timeout_ms, tick)
    return pg, Paths(pg, timeout_ms)


def mfa_mode(mfa: bool | None) -> str | None:
    return None if mfa is None else ("mfa" if mfa else "no-mfa")


def overall(reaches: list[Reach]) -> Verdict:
    """`reachable` if any principal is, `proven-unreachable` if all are, else `unknown`."""
    verdicts = {r.answer.verdict for r in reaches}
    if Verdict.REACHABLE in verdicts:
        return Verdict.REACHABLE
    if verdicts <= {Verdict.UNREACHABLE}:
        return Verdict.UNREACHABLE
    return Verdict.UNKNOWN


def who_can_exit(reaches: list[Reach]) -> int:
    return EXIT_UNKNOWN if any(r.answer.verdict is Verdict.UNKNOWN for r in reaches) else EXIT_OK


def merge(answers: list[Answer]) -> Answer:
    """One principal's answers to several questions, as the answer to their union."""
    reachable = next((a for a in answers if a.verdict is Verdict.REACHABLE), None)
    seconds = sum(a.seconds for a in answers)
    first = answers[0]
    if reachable is not None:
        return Answer(first.principal, Verdict.REACHABLE, reachable.witness, (), seconds)
    reasons = tuple(dict.fromkeys(r for a in answers for r in a.reasons))
    if any(a.verdict is Verdict.UNKNOWN for a in answers):
        return Answer(first.principal, Verdict.UNKNOWN, None, reasons, seconds)
    notes = tuple(dict.fromkeys(n for a in answers for n in a.notes))
    return Answer(first.principal, Verdict.UNREACHABLE, None, (), seconds, notes)


def _value(v: ContextValue) -> str:
    return v.values[0] if len(v.values) == 1 and not v.multi else "[" + ", ".join(v.values) + "]"


def _pairs(items: list[tuple[str, ContextValue]]) -> str:
    return ", ".join(f"{k}={_value(v)}" for k, v in items) or "(none)"


def _wrapped(label: str, items: list[tuple[str, ContextValue]]) -> list[str]:
    text = textwrap.fill(
        f"{label}: {_pairs(items)}",
        width=100,
        initial_indent="    ",
        subsequent_indent="        ",
        break_long_words=False,
        break_on_hyphens=False,
    )
    return text.splitlines()


def context_groups(
    answer: Answer, where: list[tuple[str, ContextValue]]
) -> dict[str, list[tuple[str, ContextValue]]]:
    """The witness's context split by who set each key: the solver, the question, the credential."""
    w = answer.witness
    assert w is not None
    chosen = {k.lower() for k in w.chosen}
    asked = {k.lower() for k, _ in where}
    groups: dict[str, list[tuple[str, ContextValue]]] = {
        "chosen": [],
        "asked": [],
        "credential": [],
    }
    for k, v in w.context:
        group = "chosen" if k.lower() in chosen else "asked" if k.lower() in asked else "credential"
        groups[group].append((k, v))
    return groups


def render_can(reach: Reach, where: list[tuple[str, ContextValue]]) -> list[str]:
    answer = reach.answer
    lines = [f"{answer.verdict.value}  {answer.principal}"]
    if reach.hops:
        lines.append("    path:")
        lines += [f"      {line}" for line in path_lines(reach)]
    if answer.verdict is Verdict.REACHABLE and answer.witness is not None:
        w = answer.witness
        groups = context_groups(answer, where)
        who = f" as {w.principal}" if w.principal != answer.principal else ""
        lines.append(f"    witness{who}: {w.action} on {w.resource}, MFA mode {w.mfa}")
        lines += _wrapped("chosen by the solver", groups["chosen"])
        if where:
            lines += _wrapped("pinned by --context", groups["asked"])
        lines += _wrapped("pinned by the credential", groups["credential"])
        lines += [f"    {reason_line(r)}" for r in w.decision.deciding]
    elif answer.verdict is Verdict.UNKNOWN:
        lines += [f"    unknown: {why}" for why in answer.reasons]
    else:
        lines += [f"    proof: {note}" for note in answer.notes]
        lines += [f"    because: {why}" for why in answer.reasons]
    return lines


def _context_json(answer: Answer) -> dict[str, list[str]]:
    assert answer.witness is not None
    return {k: list(v.values) for k, v in answer.witness.context}


def path_lines(reach: Reach) -> list[str]:
    """One line per hop, then what it needed and which statements allowed it."""
    lines = []
    for i, h in enumerate(reach.hops, 1):
        held = MODE_WORDS[h.mode_from]
        gets = "admin permissions" if h.admin else MODE_WORDS[h.mode_to]
        tag = "" if h.verdict is Verdict.REACHABLE else "  [unknown]"
        lines.append(
            f"{i}. {_short(h.source)} ({held}) --{h.method}--> {_short(h.target)} ({gets}){tag}"
        )
        lines.append("   " + "; ".join(f"{a} on {r}" for a, r in h.actions))
        if h.detail:
            lines.append(f"   {h.detail}")
        lines += [f"   allowed by {s}" for s in h.statements]
        lines += [f"   unknown: {r}" for r in h.reasons]
    return lines


MODE_WORDS = {
    Mfa.LONG_TERM_KEYS: "access keys",
    Mfa.NO_MFA: "session without MFA",
    Mfa.MFA: "session with MFA",
}


def _short(arn: str) -> str:
    """`arn:aws:iam::111122223333:role/x` -> `111122223333:role/x`."""
    return arn.split(":", 4)[4] if arn.startswith("arn:") else arn


def path_json(reach: Reach) -> list[dict]:
    return [
        {
            "from": h.source,
            "to": h.target,
            "method": h.method,
            "actions": [{"action": a, "resource": r} for a, r in h.actions],
            "mfa_before": h.mode_from.value,
            "mfa_after": h.mode_to.value,
            "gains": h.gain.value,
            "verdict": h.verdict.value,
            "detail": h.detail or None,
            "statements": list(h.statements),
            "reasons": list(h.reasons),
        }
        for h in reach.hops
    ]


def can_json(
    reach: Reach,
    actions: list[str],
    resources: list[str],
    where: list[tuple[str, ContextValue]],
) -> dict:
    answer = reach.answer
    witness = None
    if answer.witness is not None:
        w = answer.witness
        groups = context_groups(answer, where)
        witness = {
            "principal": w.principal,
            "action": w.action,
            "resource": w.resource,
            "mfa": w.mfa,
            "context": _context_json(answer),
            "chosen": [k for k, _ in groups["chosen"]],
            "pinned": [k for k, _ in groups["asked"] + groups["credential"]],
            "deciding": [
                {
                    "layer": r.layer.value,
                    "at": r.at or None,
                    "policy": r.policy,
                    "sid": r.sid,
                    "effect": r.effect,
                    "file": r.file,
                    "line": r.line,
                    "column": r.column,
                    "pointer": r.pointer,
                }
                for r in w.decision.deciding
            ],
        }
    return {
        "verdict": answer.verdict.value,
        "principal": answer.principal,
        "actions": actions,
        "resources": resources,
        "direct": not reach.hops,
        "path": path_json(reach),
        "witness": witness,
        "reasons": list(answer.reasons),
        "notes": list(answer.notes),
        "seconds": round(answer.seconds, 3),
    }


def who_can_json(reaches: list[Reach]) -> dict:
    return {
        "verdict": overall(reaches).value,
        "principals": [
            {
                "principal": r.answer.principal,
                "verdict": r.answer.verdict.value,
                "direct": not r.hops,
                "path": path_json(r),
                "witness": None
                if r.answer.witness is None
                else {
                    "principal": r.answer.witness.principal,
                    "action": r.answer.witness.action,
                    "resource": r.answer.witness.resource,
                    "mfa": r.answer.witness.mfa,
                    "context": _context_json(r.answer),
                },
                "reasons": list(r.answer.reasons),
            }
            for r in reaches
        ],
    }


def render_who_can(reaches: list[Reach]) -> list[str]:
    rows = []
    for r in reaches:
        a = r.answer
        via = " -> ".join(f"{_short(h.target)} ({h.method})" for h in r.hops) or "-"
        rows.append(
            [
                a.principal,
                a.verdict.value,
                via,
                a.witness.action if a.witness else "-",
                a.witness.resource if a.witness else "-",
            ]
        )
    lines = plain_table(["principal", "verdict", "via", "action", "resource"], rows).splitlines()
    for r in reaches:
        if r.answer.verdict is Verdict.UNKNOWN:
            lines.append(f"unknown for {r.answer.principal}:")
            lines += [f"    {why}" for why in r.answer.reasons]
    lines.append(f"verdict: {overall(reaches).value}")
    return lines
