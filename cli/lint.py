"""`iamgraph lint PATH...`: findings like a compiler's, `file:line:col: severity rule: message`."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from iamgraph.cli.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    FormatOption,
    NoSizeLimitOption,
    OutputFormat,
    QuietOption,
    progress_bar,
    reports_input_errors,
)
from iamgraph.model.policy import PolicyKind


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
    include_aws_managed: bool = typer.Option(
        False,
        "--include-aws-managed",
        help="Also show findings in AWS managed policies (arn:aws:iam::aws:policy/...), which "
        "you cannot change; by default they are counted in one line and do not decide the exit "
        "code.",
    ),
    output: OutputFormat = FormatOption,
    quiet: bool = QuietOption,
    strict: bool = typer.Option(
        False,
        "--strict",
        help="Stop (exit 2) at a file that cannot be read (a policy file, or an optional file of "
        "a snapshot) instead of reporting it as one IAMG-L010 error and linting the rest.",
    ),
    no_size_limit: bool = NoSizeLimitOption,
) -> None:
    """Report grammar errors, unknown actions and keys, and resource-type mismatches."""
    from iamgraph.premerge.lint import failing, lint_run
    from iamgraph.render.json import print_json
    from iamgraph.render.lint import lint_json, lint_text
    from iamgraph.render.text import say

    with progress_bar(quiet) as progress:
        linted = lint_run(
            paths,
            kind,
            progress,
            include_aws_managed=include_aws_managed,
            strict=strict,
            size_limit=not no_size_limit,
        )
    if output is OutputFormat.JSON:
        print_json(lint_json(linted))
    else:
        say(lint_text(linted))
    failed = failing(list(linted.findings), fail_on.value)
    raise typer.Exit(EXIT_FINDINGS if failed else EXIT_OK)
