"""SARIF 2.1.0 for GitHub code scanning (and any other SARIF consumer).

What code scanning relies on: one run per tool, rule metadata with `security-severity`, a
physical location for every result (file relative to the repository, 1-based line and column),
and `partialFingerprints` that do not move when unrelated lines do (`Finding.fingerprint`).
Suppressed findings stay in the log with `suppressions`, so the justification is reviewable.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from iamgraph import __version__
from iamgraph.finding import Finding, Location, Rule

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT = "iamgraphFinding/v1"
SRCROOT = "%SRCROOT%"


def sarif_log(
    items: Iterable[Finding], rules: Iterable[Rule], fallback: Location, root: Path | None = None
) -> dict:
    """`rules` are every rule the command can report (so a clean run still lists them);
    `fallback` locates results that point at no statement (a path, an invariant), since code
    scanning rejects results without a location."""
    root = (root or Path.cwd()).resolve()
    items = list(items)
    table = {r.id: r for r in rules}
    for item in items:
        table.setdefault(item.rule.id, item.rule)
    ids = list(table)
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "iamgraph",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": [_rule(r) for r in table.values()],
                    }
                },
                "originalUriBaseIds": {SRCROOT: {"uri": root.as_uri() + "/"}},
                "results": [_result(i, ids.index(i.rule.id), fallback, root) for i in items],
                "columnKind": "unicodeCodePoints",
            }
        ],
    }


def _rule(r: Rule) -> dict:
    return {
        "id": r.id,
        "name": r.name,
        "shortDescription": {"text": r.title},
        "fullDescription": {"text": r.title},
        "help": {"text": r.help, "markdown": r.help},
        "defaultConfiguration": {"level": r.severity.sarif_level},
        "properties": {
            "security-severity": r.severity.score,
            "tags": ["security", "iam"],
            "precision": "very-high",
            "problem.severity": _problem_severity(r),
        },
    }


def _problem_severity(r: Rule) -> str:
    return {"error": "error", "warning": "warning"}.get(r.severity.sarif_level, "recommendation")


def _result(item: Finding, index: int, fallback: Location, root: Path) -> dict:
    locations = [loc for loc in item.locations if loc.file and not loc.file.startswith("<")]
    text = item.message
    if item.details:
        text += "\n" + "\n".join(item.details)
    out: dict = {
        "ruleId": item.rule.id,
        "ruleIndex": index,
        "level": "warning" if item.unknown else item.rule.severity.sarif_level,
        "kind": "review" if item.unknown else "fail",
        "message": {"text": text},
        "locations": [_location(loc, root) for loc in (locations or [fallback])],
        "partialFingerprints": {FINGERPRINT: item.fingerprint},
        "properties": {"subject": item.subject, **item.properties},
    }
    if item.suppression:
        out["suppressions"] = [
            {
                "kind": "external",
                "status": "accepted",
                "justification": item.suppression.justification,
                **(
                    {"location": _location(Location(*_split(item.suppression.origin)), root)}
                    if item.suppression.origin
                    else {}
                ),
            }
        ]
    return out


def _split(origin: str) -> tuple[str, int]:
    file, _, line = origin.rpartition(":")
    return (file, int(line)) if line.isdigit() else (origin, 0)


def _location(loc: Location, root: Path) -> dict:
    path = Path(loc.file)
    artifact: dict
    try:
        rel = path.resolve().relative_to(root)
        artifact = {"uri": rel.as_posix(), "uriBaseId": SRCROOT}
    except ValueError:
        artifact = {"uri": path.resolve().as_uri()}
    physical: dict = {"artifactLocation": artifact}
    if loc.line > 0:
        physical["region"] = {"startLine": loc.line, "startColumn": max(loc.column, 1)}
    return {"physicalLocation": physical}
