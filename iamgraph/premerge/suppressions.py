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

import re
import tomllib
from collections.abc import Iterable
from pathlib import Path

from iamgraph.errors import InputError
from iamgraph.evaluate.matching import glob_match
from iamgraph.finding import Finding, Suppression

KEYS = {"rule", "subject", "match", "fingerprint", "justification"}


def read_toml(path: Path) -> dict:
    file = str(path)
    if not path.is_file():
        raise InputError(file, "$", "no such file")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(file, "$", f"not TOML: {exc}") from None


def load_suppressions(path: Path, data: dict | None = None) -> list[Suppression]:
    """Every mistake is one InputError naming the file and the table."""
    file = str(path)
    data = read_toml(path) if data is None else data
    tables = data.get("suppression", [])
    if not isinstance(tables, list):
        raise InputError(file, "$.suppression", "expected [[suppression]] tables")
    lines = _header_lines(path)
    out = []
    for i, t in enumerate(tables):
        where = f"$.suppression[{i}]"
        unknown = sorted(set(t) - KEYS)
        if unknown:
            raise InputError(
                file, f"{where}.{unknown[0]}", f"unknown key (expected {sorted(KEYS)})"
            )
        for k in KEYS:
            if k in t and not isinstance(t[k], str):
                raise InputError(file, f"{where}.{k}", f"{k} must be a string")
        if not t.get("justification", "").strip():
            raise InputError(file, f"{where}.justification", "a suppression needs a justification")
        if not ({"rule", "subject", "match", "fingerprint"} & set(t)):
            raise InputError(file, where, "name a rule, subject, match or fingerprint to suppress")
        line = lines[i] if i < len(lines) else 0
        out.append(
            Suppression(
                justification=t["justification"].strip(),
                rule=t.get("rule", "*"),
                subject=t.get("subject", "*"),
                match=t.get("match", "*"),
                fingerprint=t.get("fingerprint", ""),
                origin=f"{file}:{line}" if line else file,
            )
        )
    return out


def _header_lines(path: Path) -> list[int]:
    text = path.read_text(encoding="utf-8")
    return [
        n
        for n, line in enumerate(text.splitlines(), start=1)
        if re.match(r"\s*\[\[\s*suppression\s*\]\]", line)
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
