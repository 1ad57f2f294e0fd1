"""`iamgraph audit SNAPSHOT`: the best-practice checks (`iamgraph.audit.checks.CHECKS`), as
text, JSON, SARIF, Markdown or one self-contained HTML report."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from enum import StrEnum
from pathlib import Path

import typer

from iamgraph.cli.can import TimeoutOption
from iamgraph.cli.common import (
    EXIT_CODES,
    NoSizeLimitOption,
    QuietOption,
    StrictOption,
    progress_bar,
    reports_input_errors,
    stderr,
)
from iamgraph.cli.report import OnUnknown, SuppressionsOption, UnknownOption
from iamgraph.errors import InputError
from iamgraph.finding import Severity
from iamgraph.outputs import writing
from iamgraph.render.controls import terminal


class AuditFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    SARIF = "sarif"
    MARKDOWN = "markdown"
    HTML = "html"


@reports_input_errors
def audit(
    snapshot: Path | None = typer.Argument(None, help="Snapshot folder (not needed with --list)."),
    check: list[str] = typer.Option([], "--check", help="Only this check id (repeatable)."),
    severity: Severity | None = typer.Option(
        None, "--severity", case_sensitive=False, help="Only checks of this severity or worse."
    ),
    as_of: str | None = typer.Option(
        None,
        "--as-of",
        help="Measure ages from this date (default: the snapshot's collection time, else the "
        "credential reports' generation time, else today).",
    ),
    output: AuditFormat | None = typer.Option(
        None,
        "--format",
        "-f",
        case_sensitive=False,
        help="text, json, sarif, markdown or html (default: html when --output ends in "
        ".html, else text).",
    ),
    out_file: Path | None = typer.Option(
        None, "--output", "-o", dir_okay=False, help="Write the report here instead of stdout."
    ),
    listing: bool = typer.Option(False, "--list", help="List the checks and exit."),
    show_all: bool = typer.Option(
        False, "--all", help="Also name the checks that found nothing (text output)."
    ),
    unknown: OnUnknown = UnknownOption,
    suppressions: Path | None = SuppressionsOption,
    timeout: float = TimeoutOption,
    quiet: bool = QuietOption,
    strict: bool = StrictOption,
    no_size_limit: bool = NoSizeLimitOption,
) -> None:
    """Audit the snapshot against the IAM and CloudTrail best practices; "privileged" means
    able to reach admin (the graph), not a policy name. Exit 0 no findings, 1 findings,
    3 only unknowns (see --unknown), 2 bad input."""
    from iamgraph.render.text import input_warnings, say, unreadable

    if listing:
        from iamgraph.audit.checks import CHECKS
        from iamgraph.render.audit import check_list

        say(check_list(CHECKS))
        raise typer.Exit(0)
    from iamgraph.audit.run import audit_snapshot
    from iamgraph.premerge.report import counted
    from iamgraph.render.audit import audit_html, audit_report

    if snapshot is None:
        raise InputError("SNAPSHOT", "$", "missing: the snapshot folder to audit (or --list)")
    html = out_file is not None and out_file.suffix.lower() in (".html", ".htm")
    fmt = output or (AuditFormat.HTML if html else AuditFormat.TEXT)
    with progress_bar(quiet) as progress:
        audited = audit_snapshot(
            snapshot,
            check,
            severity,
            as_of,
            suppressions=suppressions,
            timeout_ms=round(timeout * 1000),
            diagrams=fmt is AuditFormat.HTML,
            progress=progress,
            strict=strict,
            size_limit=not no_size_limit,
        )
    unreadable(audited.context.snapshot.unreadable)
    input_warnings(audited.context.snapshot)
    with _writing(out_file):
        if fmt is AuditFormat.HTML:
            audit_html(audited)
        else:
            audit_report(fmt.value, audited, show_all)
        raise typer.Exit(EXIT_CODES[counted(audited.report.result, unknown)])


@contextmanager
def _writing(path: Path | None) -> Iterator[None]:
    """Standard output into `path`, written whole or not at all (`iamgraph.outputs.writing`): a
    failed run, or exit 2, leaves an existing report as it was."""
    if path is None:
        yield
        return
    code = None
    with writing(path, "--output") as fh, redirect_stdout(fh):
        try:
            yield
        except typer.Exit as exc:
            if exc.exit_code not in (0, 1, 3):
                raise
            code = exc.exit_code
    stderr.print(terminal(f"wrote {path}"), highlight=False, markup=False)
    if code is not None:
        raise typer.Exit(code)
