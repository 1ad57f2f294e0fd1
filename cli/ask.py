"""`iamgraph ask`: a question in a small English grammar, answered by `can` or `who-can`."""

from __future__ import annotations

from pathlib import Path

import typer

from iamgraph.cli.can import (
    TimeoutOption,
    can_json,
    merge,
    render_can,
    render_who_can,
    who_can_exit,
    who_can_json,
)
from iamgraph.cli.common import (
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
from iamgraph.load.snapshot import load_snapshot
from iamgraph.query.grammar import Query, parse
from iamgraph.solvers import prove
from iamgraph.solvers.prove import Verdict


@reports_input_errors
def ask(
    snapshot: Path = typer.Argument(..., help="Snapshot folder."),
    question: str = typer.Argument(
        ..., help='For example "can any non-MFA principal delete the trail".'
    ),
    timeout: float = TimeoutOption,
    output: OutputFormat = FormatOption,
    quiet: bool = QuietOption,
) -> None:
    """Answer a question such as "who can tamper with the trail bucket" (grammar: README).

    Prints what the question was understood as (actions and resources), then the answer of
    `can` (one principal) or `who-can` (every principal). Exit codes as theirs.
    """
    with progress_bar(quiet) as progress:
        snap = load_snapshot(snapshot, progress)
    query = parse(question, snap)
    timeout_ms = round(timeout * 1000)
    understood = {
        "command": query.command,
        "principal": query.principal,
        "mfa": query.mfa,
        "object": query.target.described,
        "checks": [
            {"actions": list(c.actions), "resources": list(c.resources)} for c in query.checks
        ],
    }
    if query.principal is None:
        per_check = [
            prove.who_can(
                snap, list(c.actions), list(c.resources), mfa=query.mfa, timeout_ms=timeout_ms
            )
            for c in query.checks
        ]
        answers = [merge(list(group)) for group in zip(*per_check, strict=True)]
        code = who_can_exit(answers)
        if output is OutputFormat.JSON:
            print_json({"question": question, "understood": understood, **who_can_json(answers)})
            raise typer.Exit(code)
        lines = [*query.describe(), *render_who_can(answers)]
    else:
        answer = merge(
            [
                prove.can(
                    snap,
                    query.principal,
                    list(c.actions),
                    list(c.resources),
                    mfa=query.mfa,
                    timeout_ms=timeout_ms,
                )
                for c in query.checks
            ]
        )
        code = EXIT_UNKNOWN if answer.verdict is Verdict.UNKNOWN else EXIT_OK
        if output is OutputFormat.JSON:
            actions, resources = _flat(query)
            body = can_json(answer, actions, resources, [])
            print_json({"question": question, "understood": understood, **body})
            raise typer.Exit(code)
        lines = [*query.describe(), *render_can(answer, [])]
    for line in lines:
        stdout.print(line, highlight=False, markup=False)
    raise typer.Exit(code)


def _flat(query: Query) -> tuple[list[str], list[str]]:
    actions = list(dict.fromkeys(a for c in query.checks for a in c.actions))
    resources = list(dict.fromkeys(r for c in query.checks for r in c.resources))
    return actions, resources
