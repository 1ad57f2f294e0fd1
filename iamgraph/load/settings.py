"""`iamgraph.toml`: the organization's `[[invariant]]` and `[[suppression]]` tables, read once.

One parse of the file and one validator for both kinds of table, so that every mistake is one
InputError naming the file, the table's path (`$.invariant[2].allow`) and what is wrong. Which
audit checks an invariant may name is passed in (`audit_check`): the loader sits below the
audit and does not import it. `premerge.invariants` checks the invariants, and
`premerge.suppressions` makes findings' Suppressions of the suppression tables.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from iamgraph.errors import InputError
from iamgraph.load.files import present, read_bytes

TOP_LEVEL = {"invariant", "suppression"}
INVARIANT_KEYS = {"name", "ask", "escalation", "exposure", "audit", "allow", "description"}
INVARIANT_KINDS = ("ask", "escalation", "exposure", "audit")
EXPOSURES = ("foreign-trust", "public")
SUPPRESSION_KEYS = {"rule", "subject", "match", "fingerprint", "justification"}


@dataclass(frozen=True)
class Invariant:
    name: str
    ask: str | None = None
    escalation: bool = False
    allow: tuple[str, ...] = ()
    description: str = ""
    exposure: str | None = None
    audit: str | None = None
    line: int = field(default=0, compare=False)  # of its [[invariant]] header in the file


@dataclass(frozen=True)
class SuppressionTable:
    """A `[[suppression]]` table as written (`premerge.suppressions` documents the keys)."""

    justification: str
    rule: str = "*"
    subject: str = "*"
    match: str = "*"
    fingerprint: str = ""
    origin: str = ""  # file:line of its [[suppression]] header (the file alone if not found)


@dataclass(frozen=True)
class Settings:
    file: str
    invariants: tuple[Invariant, ...] = ()
    suppressions: tuple[SuppressionTable, ...] = ()


def read_toml(path: Path) -> dict:
    file = str(path)
    if not present(path):
        raise InputError(file, "$", "no such file")
    try:
        return tomllib.loads(read_bytes(path, file, "TOML").decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(file, "$", f"not TOML: {exc}") from None
    except RecursionError:  # tomllib recurses once per nested array or inline table
        raise InputError(file, "$", "not TOML: nested too deeply") from None


def load_settings(
    path: Path,
    *,
    invariants: bool = False,
    audit_check: Callable[[str], bool] | None = None,
    data: dict | None = None,
) -> Settings:
    """The file's suppression tables, and with `invariants` its invariant tables too (then
    the file must hold one or more, and no other top-level table). `data`: the file already
    parsed. Every mistake is one InputError naming the file and the table."""
    file = str(path)
    if invariants and not present(path):
        raise InputError(file, "$", "no such file")
    data = read_toml(path) if data is None else data
    found: tuple[Invariant, ...] = ()
    if invariants:
        extra = sorted(set(data) - TOP_LEVEL)
        if extra:
            raise InputError(file, f"$.{extra[0]}", f"unknown table (expected {sorted(TOP_LEVEL)})")
        tables = data.get("invariant")
        if not isinstance(tables, list) or not tables:
            raise InputError(file, "$", "expected one or more [[invariant]] tables")
        lines = _header_lines(path, "invariant")
        found = tuple(
            _invariant(_Table(file, f"$.invariant[{i}]", t, INVARIANT_KEYS), line, audit_check)
            for i, t, line in _numbered(tables, lines)
        )
    tables = data.get("suppression", [])
    if not isinstance(tables, list):
        raise InputError(file, "$.suppression", "expected [[suppression]] tables")
    lines = _header_lines(path, "suppression")
    suppressions = tuple(
        _suppression(_Table(file, f"$.suppression[{i}]", t, SUPPRESSION_KEYS), line)
        for i, t, line in _numbered(tables, lines)
    )
    return Settings(file, found, suppressions)


@dataclass(frozen=True)
class _Table:
    """One table being checked: its keys against the allowed ones, errors at its path."""

    file: str
    where: str  # $.invariant[0]
    values: dict
    keys: set[str]

    def __post_init__(self) -> None:
        if not isinstance(self.values, dict):  # `invariant = [1]`: an array, not [[invariant]]
            kind = self.where.removeprefix("$.").partition("[")[0]
            raise InputError(
                self.file, self.where, f"expected a [[{kind}]] table, got {_toml_type(self.values)}"
            )
        unknown = sorted(set(self.values) - self.keys)
        if unknown:
            raise self.error(unknown[0], f"unknown key (expected {sorted(self.keys)})")

    def error(self, key: str | None, message: str) -> InputError:
        return InputError(self.file, f"{self.where}.{key}" if key else self.where, message)

    def strings(self, *keys: str) -> None:
        for k in keys:
            if k in self.values and not isinstance(self.values[k], str):
                raise self.error(k, f"{k} must be a string")

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)


def _invariant(t: _Table, line: int, audit_check: Callable[[str], bool] | None) -> Invariant:
    name = t.get("name")
    if not isinstance(name, str) or not name:
        raise t.error("name", "name must be a non-empty string")
    given = [k for k in INVARIANT_KINDS if k in t.values and t.values[k] is not False]
    if len(given) != 1:
        raise t.error(
            None,
            'give exactly one of ask = "...", escalation = true, exposure = "..." or audit = "..."',
        )
    ask, escalation = t.get("ask"), t.get("escalation", False)
    exposure, audit = t.get("exposure"), t.get("audit")
    t.strings("ask", "audit")
    if escalation is not False and escalation is not True:
        raise t.error("escalation", "escalation must be true")
    if exposure is not None and exposure not in EXPOSURES:
        raise t.error("exposure", f"expected one of {list(EXPOSURES)}")
    if audit is not None and audit_check is not None and not audit_check(audit):
        raise t.error("audit", f"no audit check {audit}")
    allow = t.get("allow", [])
    if not isinstance(allow, list) or not all(isinstance(a, str) for a in allow):
        raise t.error("allow", "allow must be a list of principal ARN patterns")
    return Invariant(
        name,
        ask,
        escalation is True,
        tuple(allow),
        t.get("description", ""),
        exposure,
        audit,
        line,
    )


def _suppression(t: _Table, line: int) -> SuppressionTable:
    t.strings(*SUPPRESSION_KEYS)
    if not t.get("justification", "").strip():
        raise t.error("justification", "a suppression needs a justification")
    if not ({"rule", "subject", "match", "fingerprint"} & set(t.values)):
        raise t.error(None, "name a rule, subject, match or fingerprint to suppress")
    return SuppressionTable(
        justification=t.values["justification"].strip(),
        rule=t.get("rule", "*"),
        subject=t.get("subject", "*"),
        match=t.get("match", "*"),
        fingerprint=t.get("fingerprint", ""),
        origin=f"{t.file}:{line}" if line else t.file,
    )


def _toml_type(value: Any) -> str:
    return {bool: "a boolean", int: "an integer", float: "a float", str: "a string"}.get(
        type(value), "an array" if isinstance(value, list) else "a date or time"
    )


def _numbered(tables: list, lines: list[int]):
    """(index, table, line of its header or 0) for each table."""
    return ((i, t, lines[i] if i < len(lines) else 0) for i, t in enumerate(tables))


def _header_lines(path: Path, table: str) -> list[int]:
    text = read_bytes(path, str(path), "TOML").decode("utf-8")
    return [
        n
        for n, line in enumerate(text.splitlines(), start=1)
        if re.match(rf"\s*\[\[\s*{table}\s*\]\]", line)
    ]
