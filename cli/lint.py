"""`iamgraph lint PATH...`: findings like a compiler's, `file:line:col: severity rule: message`."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from iamgraph.cli.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    FormatOption,
    OutputFormat,
    QuietOption,
    progress_bar,
    reports_input_errors,
)
from iamgraph.model.policy import PolicyKind
from iamgraph.premerge.lint import failing, lint_paths
from iamgraph.render.json import print_json
from iamgraph.render.lint import lint_json, lint_line, lint_totals
from iamgraph.render.text import say


class FailOn(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    NEVER = "never"


@reports_input_errors
def lint(
    paths: list[Path] = typer.Argument(
        ..., help="Policy files, CLI outputs holding one, or snapshots."
    ),
    kind: PolicyKind | None = typer.Option(
        None,
        "--kind",
        case_sensitive=False,
        help="What a bare policy file is (default: resource if it has a Principal, else identity).",
    ),
    fail_on: FailOn = typer.Option(
        FailOn.WARNING,
        "--fail-on",
        case_sensitive=False,
        help="Lowest severity that makes the exit code 1.",
    ),
    output: OutputFormat = FormatOption,
    quiet: bool = QuietOption,
    strict: bool = typer.Option(
        False,
        "--strict",
        help="Stop (exit 2) at a file that cannot be read (a policy file, or an optional file of "
        "a snapshot) instead of reporting it as one IAMG-L009 error and linting the rest.",
    ),
) -> None:
    """Report grammar errors, unknown actions and keys, and resource-type mismatches."""
    with progress_bar(quiet) as progress:
        findings = lint_paths(paths, kind, progress, strict=strict)
    if output is OutputFormat.JSON:
        print_json(lint_json(findings))
    else:
        say([*(lint_line(f) for f in findings), lint_totals(findings)])
    raise typer.Exit(EXIT_FINDINGS if failing(findings, fail_on.value) else EXIT_OK)
