"""`iamgraph summary SNAPSHOT`."""

from __future__ import annotations

from pathlib import Path

import typer

from iamgraph.cli.common import (
    FormatOption,
    NoSizeLimitOption,
    OutputFormat,
    QuietOption,
    StrictOption,
    progress_bar,
    reports_input_errors,
)


@reports_input_errors
def summary(
    snapshot: Path = typer.Argument(
        ..., help="Snapshot folder, or one authorization-details file."
    ),
    output: OutputFormat = FormatOption,
    quiet: bool = QuietOption,
    strict: bool = StrictOption,
    no_size_limit: bool = NoSizeLimitOption,
) -> None:
    """Count what a snapshot holds and say what it lacks."""
    from iamgraph.load.snapshot import load_snapshot
    from iamgraph.query.summary import summarize
    from iamgraph.render.json import print_json
    from iamgraph.render.summary import print_summary
    from iamgraph.render.text import input_warnings, stdout, unreadable

    with progress_bar(quiet) as progress:
        snap = load_snapshot(snapshot, progress, strict=strict, size_limit=not no_size_limit)
    unreadable(snap.unreadable)
    input_warnings(snap)
    result = summarize(snap)
    if output is OutputFormat.JSON:
        print_json(result.as_dict())
    else:
        print_summary(result, stdout)
