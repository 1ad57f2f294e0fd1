"""A report's verdict: the findings left after suppression decide PASS, FAIL or UNKNOWN, and
the verdict (with `--unknown`) the exit code. Shared by the pre-merge commands and the audit."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from iamgraph.finding import Finding, Location, Rule, Suppression
from iamgraph.premerge.suppressions import apply
from iamgraph.verdict import Result


def verdict(items: Iterable[Finding]) -> str:
    """FAIL when a counted finding is proven, else UNKNOWN when one is open, else PASS."""
    live = [i for i in items if i.counts]
    if any(not i.unknown for i in live):
        return Result.FAIL
    return Result.UNKNOWN if live else Result.PASS


@dataclass(frozen=True)
class Report:
    """A command's findings with the suppressions applied, the verdict the rest give, and what
    a SARIF log needs beside them (the rules it may report, where an unlocated finding points)."""

    items: tuple[Finding, ...]
    result: str  # PASS | FAIL | UNKNOWN
    rules: tuple[Rule, ...]
    fallback: Location


def judge(
    items: Iterable[Finding],
    suppressions: list[Suppression],
    rules: Iterable[Rule],
    fallback: Location,
) -> Report:
    """Suppressions first, so that an accepted finding no longer decides the verdict."""
    kept = apply(items, suppressions)
    return Report(tuple(kept), verdict(kept), tuple(rules), fallback)


def counted(result: str, on_unknown: str = "unknown") -> str:
    """What the verdict counts as for the exit code: `--unknown pass|fail` makes an UNKNOWN
    a PASS or a FAIL; a proven verdict stays what it is."""
    if result != Result.UNKNOWN:
        return result
    return {"pass": Result.PASS, "fail": Result.FAIL}.get(on_unknown, Result.UNKNOWN)
