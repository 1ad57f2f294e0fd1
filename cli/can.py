"""`iamgraph can` and `iamgraph who-can`: is any request in a set allowed, proven either way.

`can` asks for one principal, `who-can` for every principal of the snapshot; both answer with the
solver's verdict (`reachable` with a replayed witness, `proven-unreachable`, or `unknown` and
why). Only a principal's own permissions count here: paths through other roles come with the
escalation graph, so `direct` is always true and `path` empty in the JSON.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import typer

from iamgraph.catalog import catalog
from iamgraph.cli.common import (
    EXIT_OK,
    EXIT_UNKNOWN,
    FormatOption,
    OutputFormat,
    QuietOption,
    plain_table,
    print_json,
    progress_bar,
    reports_input_errors,
    stdout,
)
from iamgraph.cli.simulate import reason_line
from iamgraph.errors import InputError
from iamgraph.load.snapshot import load_snapshot
from iamgraph.request import ContextValue
from iamgraph.simulate import parse_context_pairs
from iamgraph.solvers import prove
from iamgraph.solvers.prove import Answer, Verdict

MfaOption = typer.Option(
    None,
    "--mfa/--no-mfa",
    help="--mfa: only sessions with MFA; --no-mfa: only credentials without MFA "
    "(access keys or sessions). Default: any.",
)
TimeoutOption = typer.Option(
    prove.DEFAULT_TIMEOUT_MS / 1000, "--timeout", min=0.001, help="Seconds per solver call."
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
    timeout: float = TimeoutOption,
    output: OutputFormat = FormatOption,
    quiet: bool = QuietOption,
) -> None:
    """Can PRINCIPAL, with its own permissions, make some request for ACTION on RESOURCE?

    Every context key the request is free to carry is the solver's to choose; `--context` pins
    some. Exit code 0 when answered (reachable or proven-unreachable), 3 when unknown.
    """
    actions = [action, *more_actions]
    resources = [resource, *more_resources]
    check_actions(actions)
    where = parse_context_pairs(context)
    with progress_bar(quiet) as progress:
        snap = load_snapshot(snapshot, progress)
    answer = prove.can(
        snap,
        principal,
        actions,
        resources,
        mfa=mfa_mode(mfa),
        where=where,
        timeout_ms=round(timeout * 1000),
    )
    if output is OutputFormat.JSON:
        print_json(can_json(answer, actions, resources, where))
    else:
        for line in render_can(answer, where):
            stdout.print(line, highlight=False, markup=False)
    raise typer.Exit(EXIT_UNKNOWN if answer.verdict is Verdict.UNKNOWN else EXIT_OK)


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
    timeout: float = TimeoutOption,
    output: OutputFormat = FormatOption,
    quiet: bool = QuietOption,
) -> None:
    """Which principals of the snapshot can, with their own permissions, make such a request?

    Exit code 0 when every principal is decided, 3 when any is unknown.
    """
    check_actions(action)
    pinned = parse_context_pairs(where)
    with progress_bar(quiet) as progress:
        snap = load_snapshot(snapshot, progress)
    answers = prove.who_can(
        snap,
        action,
        resource,
        mfa=mfa_mode(mfa),
        where=pinned,
        timeout_ms=round(timeout * 1000),
    )
    if output is OutputFormat.JSON:
        print_json(who_can_json(answers))
    else:
        for line in render_who_can(answers):
            stdout.print(line, highlight=False, markup=False)
    raise typer.Exit(who_can_exit(answers))


def mfa_mode(mfa: bool | None) -> str | None:
    return None if mfa is None else ("mfa" if mfa else "no-mfa")


def check_actions(actions: list[str]) -> None:
    """A pattern that matches no action would be proven unreachable vacuously: refuse it."""
    for a in actions:
        if any(c in a for c in "*?") and not catalog().intervals(a):
            raise InputError("--action", "$", f"{a!r} matches no action in the IAM action catalog")


def overall(answers: list[Answer]) -> Verdict:
    """`reachable` if any principal is, `proven-unreachable` if all are, else `unknown`."""
    verdicts = {a.verdict for a in answers}
    if Verdict.REACHABLE in verdicts:
        return Verdict.REACHABLE
    if verdicts <= {Verdict.UNREACHABLE}:
        return Verdict.UNREACHABLE
    return Verdict.UNKNOWN


def who_can_exit(answers: list[Answer]) -> int:
    return EXIT_UNKNOWN if any(a.verdict is Verdict.UNKNOWN for a in answers) else EXIT_OK


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


def render_can(answer: Answer, where: list[tuple[str, ContextValue]]) -> list[str]:
    lines = [f"{answer.verdict.value}  {answer.principal}"]
    if answer.verdict is Verdict.REACHABLE and answer.witness is not None:
        w = answer.witness
        groups = context_groups(answer, where)
        lines.append(f"    witness: {w.action} on {w.resource}, MFA mode {w.mfa}")
        lines += _wrapped("chosen by the solver", groups["chosen"])
        if where:
            lines += _wrapped("pinned by --context", groups["asked"])
        lines += _wrapped("pinned by the credential", groups["credential"])
        lines += [f"    {reason_line(r)}" for r in w.decision.deciding]
    elif answer.verdict is Verdict.UNKNOWN:
        lines += [f"    unknown: {why}" for why in answer.reasons]
    else:
        lines += [f"    proof: {note}" for note in answer.notes]
    return lines


def _context_json(answer: Answer) -> dict[str, list[str]]:
    assert answer.witness is not None
    return {k: list(v.values) for k, v in answer.witness.context}


def can_json(
    answer: Answer,
    actions: list[str],
    resources: list[str],
    where: list[tuple[str, ContextValue]],
) -> dict:
    witness = None
    if answer.witness is not None:
        w = answer.witness
        groups = context_groups(answer, where)
        witness = {
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
        "witness": witness,
        "reasons": list(answer.reasons),
        "notes": list(answer.notes),
        "seconds": round(answer.seconds, 3),
    }


def who_can_json(answers: list[Answer]) -> dict:
    return {
        "verdict": overall(answers).value,
        "principals": [
            {
                "principal": a.principal,
                "verdict": a.verdict.value,
                "direct": True,
                "path": [],
                "witness": None
                if a.witness is None
                else {
                    "action": a.witness.action,
                    "resource": a.witness.resource,
                    "context": _context_json(a),
                },
                "reasons": list(a.reasons),
            }
            for a in answers
        ],
    }


def render_who_can(answers: list[Answer]) -> list[str]:
    rows = [
        [
            a.principal,
            a.verdict.value,
            a.witness.action if a.witness else "-",
            a.witness.resource if a.witness else "-",
        ]
        for a in answers
    ]
    lines = plain_table(["principal", "verdict", "action", "resource"], rows).splitlines()
    for a in answers:
        if a.verdict is Verdict.UNKNOWN:
            lines.append(f"unknown for {a.principal}:")
            lines += [f"    {why}" for why in a.reasons]
    lines.append(f"verdict: {overall(answers).value}")
    return lines
