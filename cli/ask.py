"""`iamgraph ask`: a question in a small English grammar, answered by `can` or `who-can`."""

from __future__ import annotations

from pathlib import Path

import typer

from iamgraph.cli.can import (
    DirectOption,
    RenderOption,
    TimeoutOption,
    can_json,
    graph_for,
    known_checks,
    merge,
    render_can,
    render_who_can,
    who_can_exit,
    who_can_json,
    who_can_reaches,
    with_unknown_actions,
)
from iamgraph.cli.common import (
    EXIT_OK,
    EXIT_UNKNOWN,
    AllowUnknownActionOption,
    FormatOption,
    OutputFormat,
    QuietOption,
    checked_request,
    print_json,
    progress_bar,
    reports_input_errors,
    stdout,
)
from iamgraph.cli.draw import check_render, write_render
from iamgraph.graph import query as graph_query
from iamgraph.graph.query import Reach
from iamgraph.load.snapshot import load_snapshot
from iamgraph.query.grammar import Query, parse
from iamgraph.solvers import properties
from iamgraph.verdict import Answer, Verdict


@reports_input_errors
def ask(
    snapshot: Path = typer.Argument(..., help="Snapshot folder."),
    question: str = typer.Argument(
        ..., help='For example "can any non-MFA principal delete the trail".'
    ),
    direct: bool = DirectOption,
    timeout: float = TimeoutOption,
    render: Path | None = RenderOption,
    output: OutputFormat = FormatOption,
    quiet: bool = QuietOption,
    allow_unknown_action: bool = AllowUnknownActionOption,
) -> None:
    """Answer a question such as "who can tamper with the trail bucket" (grammar: README).

    Prints what the question was understood as (actions and resources), then the answer of
    `can` (one principal) or `who-can` (every principal), over paths unless `--direct`.
    Exit codes as theirs.
    """
    check_render(render)
    with progress_bar(quiet) as progress:
        snap = load_snapshot(snapshot, progress)
    query = parse(question, snap, allow_unknown_action)
    actions, resources = _flat(query)
    asked = checked_request("ask", actions, resources, allow_unknown_action, labels=("$", "$"))
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
    checks = [(list(c.actions), list(c.resources)) for c in query.checks]
    if query.principal is None:
        reaches = who_can_reaches(snap, checks, query.mfa, [], direct, timeout, quiet, asked).items
        code = who_can_exit(reaches)
        if render is not None:
            write_render(render, snap, reaches, title=question)
        if output is OutputFormat.JSON:
            print_json({"question": question, "understood": understood, **who_can_json(reaches)})
            raise typer.Exit(code)
        lines = [*query.describe(), *render_who_can(reaches)]
    else:
        known = known_checks(checks, asked)
        if not known:
            reach = Reach(Answer(query.principal, Verdict.UNKNOWN))
        elif direct:
            answers = [
                properties.can(snap, query.principal, a, r, mfa=query.mfa, timeout_ms=timeout_ms)
                for a, r in known
            ]
            reach = Reach(merge(answers))
        else:
            with progress_bar(quiet) as progress:
                pg, paths = graph_for(snap, timeout_ms, progress)
            reach = graph_query.can(pg, paths, query.principal, known, query.mfa)
        reach = with_unknown_actions(reach, asked)
        code = EXIT_UNKNOWN if reach.answer.verdict is Verdict.UNKNOWN else EXIT_OK
        if render is not None:
            write_render(render, snap, [reach], title=question)
        if output is OutputFormat.JSON:
            body = can_json(reach, actions, resources, [])
            print_json({"question": question, "understood": understood, **body})
            raise typer.Exit(code)
        lines = [*query.describe(), *render_can(reach, [])]
    for line in lines:
        stdout.print(line, highlight=False, markup=False)
    raise typer.Exit(code)


def _flat(query: Query) -> tuple[list[str], list[str]]:
    actions = list(dict.fromkeys(a for c in query.checks for a in c.actions))
    resources = list(dict.fromkeys(r for c in query.checks for r in c.resources))
    return actions, resources
