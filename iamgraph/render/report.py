"""One list of judged findings (`premerge.report.Report`) as text, JSON, SARIF or a Markdown
pull-request comment: the writer the pre-merge commands and the audit share. Each command
gives its own text lines, JSON document and Markdown summary; SARIF and the findings table
are the same for all."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable

from iamgraph.finding import Finding
from iamgraph.premerge.report import Report
from iamgraph.render.json import print_json
from iamgraph.render.markdown import markdown
from iamgraph.render.sarif import sarif_log
from iamgraph.render.text import Para, Said, say


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


def suppressed_lines(items: Iterable[Finding]) -> list[Said]:
    """One paragraph per suppressed finding, wrapped to the terminal's width."""
    return [
        Para(f"suppressed {i.rule.id} {i.subject}: {i.message} ({i.suppression.justification})")
        for i in items
        if i.suppression
    ]


def write(
    fmt: str | None,
    report: Report,
    *,
    title: str,
    text: Callable[[], list[Said]],
    json_doc: Callable[[], dict],
    summary: Callable[[], list[str]] = list,
    image: str = "",
    findings_in_json: bool = True,
) -> None:
    """The report in `fmt` (text, json, sarif, markdown) on standard output; None writes
    nothing (the caller wrote it itself, as the audit's HTML)."""
    items = list(report.items)
    if fmt == "json":
        doc = json_doc()
        if findings_in_json:  # diff-policy and check-access keep Access Analyzer's shape
            doc["findings"] = [item_json(i) for i in items]
        print_json(doc)
    elif fmt == "sarif":
        print_json(sarif_log(items, report.rules, report.fallback))
    elif fmt == "markdown":
        sys.stdout.write(markdown(title, report.result, items, summary(), image))
    elif fmt is not None:
        say(text() + suppressed_lines(items))
