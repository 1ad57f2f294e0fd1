"""Output shared by the pre-merge and audit commands: text, JSON, SARIF or Markdown from one
list of findings, suppressions applied first, and the exit code from what is left."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from dataclasses import replace
from enum import StrEnum
from pathlib import Path
from typing import NoReturn

import typer

from iamgraph.cli.common import EXIT_FINDINGS, EXIT_OK, EXIT_UNKNOWN, stdout
from iamgraph.finding import Finding, Location, Rule, Suppression
from iamgraph.premerge.suppressions import apply, load_suppressions
from iamgraph.query.asked import Asked
from iamgraph.render.json import print_json
from iamgraph.render.markdown import markdown
from iamgraph.render.premerge import verdict
from iamgraph.render.sarif import sarif_log
from iamgraph.solvers.compare import Comparison, Result


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
    help="A TOML file of [[suppression]] tables (accepted findings, each with a justification).",
)


def suppressions_from(*files: Path | None) -> list[Suppression]:
    out: list[Suppression] = []
    for f in files:
        if f is not None:
            out += load_suppressions(f)
    return out


def unproven_unknown_actions(comparison: Comparison, asked: Asked) -> Comparison:
    """A check that also names actions the catalog does not know (`--allow-unknown-action`):
    access shown granted stays FAIL; a PASS proves nothing about those actions: UNKNOWN."""
    if not asked.unknown or comparison.result == Result.FAIL:
        return comparison
    reasons = tuple(dict.fromkeys((*asked.reasons, *comparison.reasons)))
    return replace(comparison, result=Result.UNKNOWN, reasons=reasons)


def exit_code(result: str, unknown: OnUnknown) -> int:
    if result == "PASS":
        return EXIT_OK
    if result == "FAIL":
        return EXIT_FINDINGS
    return {OnUnknown.PASS: EXIT_OK, OnUnknown.FAIL: EXIT_FINDINGS}.get(unknown, EXIT_UNKNOWN)


def item_json(i: Finding) -> dict:
    return {
        "rule": i.rule.id,
        "severity": "unknown" if i.unknown else i.rule.severity.value,
        "subject": i.subject,
        "message": i.message,
        "fingerprint": i.fingerprint,
        "locations": [f"{loc.file}:{loc.line}:{loc.column}" for loc in i.locations],
        **({"suppressed": {"justification": i.suppression.justification}} if i.suppression else {}),
    }


def suppressed_lines(items: Iterable[Finding]) -> list[str]:
    return [
        f"suppressed {i.rule.id} {i.subject}: {i.message} ({i.suppression.justification})"
        for i in items
        if i.suppression
    ]


def finish(
    fmt: ReportFormat | None,
    *,
    title: str,
    items: list[Finding],
    suppressions: list[Suppression],
    rules: Iterable[Rule],
    fallback: Location,
    text: Callable[[str, list[Finding]], list[str]],
    json_doc: Callable[[str], dict],
    summary: Callable[[str], list[str]] = lambda result: [],
    unknown: OnUnknown = OnUnknown.UNKNOWN,
    image: str = "",
    findings_in_json: bool = True,
) -> NoReturn:
    """Write the report in `fmt` and exit with the code the unsuppressed findings decide."""
    items = apply(items, suppressions)
    result = verdict(items)
    if fmt is ReportFormat.JSON:
        doc = json_doc(result)
        if findings_in_json:  # diff-policy and check-access keep Access Analyzer's shape
            doc["findings"] = [item_json(i) for i in items]
        print_json(doc)
    elif fmt is ReportFormat.SARIF:
        print_json(sarif_log(items, rules, fallback))
    elif fmt is ReportFormat.MARKDOWN:
        sys.stdout.write(markdown(title, result, items, summary(result), image))
    elif fmt is None:  # the caller wrote the report itself (HTML): only the exit code is left
        pass
    else:
        for line in text(result, items) + suppressed_lines(items):
            stdout.print(line, highlight=False, markup=False)
    raise typer.Exit(exit_code(result, unknown))
