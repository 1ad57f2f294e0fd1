"""`iamgraph ask`: a question in a small English grammar, answered by `can` or `who-can`."""

from __future__ import annotations

from pathlib import Path

import typer

from iamgraph.cli.can import AllOption, DirectOption, RenderOption, TimeoutOption
from iamgraph.cli.common import (
    EXIT_OK,
    EXIT_UNKNOWN,
    AllowUnknownActionOption,
    FormatOption,
    NoSizeLimitOption,
    OutputFormat,
    QuietOption,
    StrictOption,
    progress_bar,
    reports_input_errors,
)
from iamgraph.cli.draw import check_render, write_render


@reports_input_errors
def ask(
    snapshot: Path = typer.Argument(..., help="Snapshot folder."),
    question: str = typer.Argument(
        ..., help='For example "can any non-MFA principal delete the trail".'
    ),
    direct: bool = DirectOption,
    show_all: bool = AllOption,
    timeout: float = TimeoutOption,
    render: Path | None = RenderOption,
    output: OutputFormat = FormatOption,
    quiet: bool = QuietOption,
    strict: bool = StrictOption,
    no_size_limit: bool = NoSizeLimitOption,
    allow_unknown_action: bool = AllowUnknownActionOption,
) -> None:
    """Answer a question such as "who can tamper with the trail bucket" (grammar: README).

    Prints what the question was understood as (actions and resources), then the answer of
    `can` (one principal) or `who-can` (every principal), over paths unless `--direct`.
    Exit codes as theirs.
    """
    from iamgraph.load.snapshot import load_snapshot
    from iamgraph.query import answer
    from iamgraph.render.answers import ask_lines
    from iamgraph.render.json import ask_json, print_json
    from iamgraph.render.text import input_warnings, say, unreadable

    check_render(render)
    with progress_bar(quiet) as progress:
        snap = load_snapshot(snapshot, progress, strict=strict, size_limit=not no_size_limit)
        answered = answer.ask_question(
            snap,
            question,
            allow_unknown_action=allow_unknown_action,
            direct=direct,
            timeout_ms=round(timeout * 1000),
            progress=progress,
        )
    unreadable(snap.unreadable)
    input_warnings(snap)
    if render is not None:
        write_render(render, snap, list(answered.reaches), title=question)
    if output is OutputFormat.JSON:
        print_json(ask_json(question, answered))
    else:
        say(ask_lines(answered, show_all))
    raise typer.Exit(EXIT_UNKNOWN if answered.unknown else EXIT_OK)
