"""Accepted findings: `[[suppression]]` tables in `iamgraph.toml` (or `--suppressions FILE`).

    [[suppression]]
    rule = "IAMG-P001"                                   # a rule id, or "*"
    subject = "arn:aws:iam::111122223333:role/ci-*"       # principal/resource ARN pattern
    match = "s3:PutObject *"                             # optional, pattern on the finding key
    justification = "CI publishes build artifacts (SEC-1234)"

or `fingerprint = "..."` (the finding's `partialFingerprints` value) for exactly one finding.
A justification is required: it is carried into SARIF `suppressions` so a reviewer sees why.
A suppressed finding is still reported, marked, and no longer decides the exit code.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from iamgraph.evaluate.matching import glob_match
from iamgraph.finding import Finding, Suppression
from iamgraph.load.settings import Settings, load_settings


def load_suppressions(path: Path, data: dict | None = None) -> list[Suppression]:
    """Every mistake is one InputError naming the file and the table (`load.settings`);
    `data`: the file already parsed."""
    return suppressions_of(load_settings(path, data=data))


def suppressions_from(*files: Path | None) -> list[Suppression]:
    """The suppressions of every file given (`--suppressions FILE`), in order."""
    out: list[Suppression] = []
    for f in files:
        if f is not None:
            out += load_suppressions(f)
    return out


def suppressions_of(settings: Settings) -> list[Suppression]:
    return [
        Suppression(
            justification=t.justification,
            rule=t.rule,
            subject=t.subject,
            match=t.match,
            fingerprint=t.fingerprint,
            origin=t.origin,
        )
        for t in settings.suppressions
    ]


def matches(s: Suppression, item: Finding) -> bool:
    if s.fingerprint:
        return s.fingerprint == item.fingerprint
    return (
        glob_match(s.rule, item.rule.id)
        and glob_match(s.subject, item.subject)
        and glob_match(s.match, item.key)
    )


def apply(items: Iterable[Finding], suppressions: list[Suppression]) -> list[Finding]:
    out = []
    for item in items:
        hit = next((s for s in suppressions if matches(s, item)), None)
        out.append(item.suppressed(hit) if hit else item)
    return out
