"""Options shared by the pre-merge and audit commands: the report format, what an UNKNOWN
exits with, and a suppressions file. The findings are judged in `premerge.report`, written
by `render.report`."""

from __future__ import annotations

from enum import StrEnum

import typer


class ReportFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    SARIF = "sarif"
    MARKDOWN = "markdown"


class OnUnknown(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    UNKNOWN = "unknown"


ReportFormatOption = typer.Option(
    ReportFormat.TEXT,
    "--format",
    "-f",
    case_sensitive=False,
    help="text, json, sarif (GitHub code scanning) or markdown (a pull-request comment).",
)
UnknownOption = typer.Option(
    OnUnknown.UNKNOWN, "--unknown", help="Exit code for UNKNOWN: unknown (3), pass (0), fail (1)."
)
SuppressionsOption = typer.Option(
    None,
    "--suppressions",
    dir_okay=False,
    # `\\[`: a TOML table, not rich markup (typer renders help as markup)
    help="A TOML file of \\[\\[suppression]] tables (accepted findings, each with a "
    "justification).",
)
