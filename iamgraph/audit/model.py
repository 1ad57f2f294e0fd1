"""What a check is, what it finds, and what it reads: shared by every family of checks.

A check never answers "clean" where it could not look: a family that lacks its input (no
credential report, no trail status) yields an `UNKNOWN`-kind finding naming the gap instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from functools import cached_property

from iamgraph.finding import Severity
from iamgraph.model.snapshot import Snapshot
from iamgraph.model.source import SourceRef
from iamgraph.query.access import access_table

__all__ = ["AuditContext", "Check", "Finding", "Outcome", "Run", "Severity"]


class Outcome(StrEnum):
    FAIL = "fail"  # the practice is not followed: a finding
    UNKNOWN = "unknown"  # the snapshot lacks what the check needs, or the solver could not tell


@dataclass(frozen=True)
class Finding:
    check: str  # the check id, e.g. IAM.ROOT.ACCESS_KEYS
    subject: str  # ARN or name of the principal, trail, bucket or account
    message: str  # one sentence, specific: names the field, value and threshold
    evidence: dict = field(default_factory=dict)  # facts read, JSON-ready (str, int, bool, lists)
    source: SourceRef | None = None  # where in the snapshot the evidence lives
    outcome: Outcome = Outcome.FAIL


@dataclass(frozen=True)
class AuditContext:
    """The snapshot and the clock; graph-based answers are worked out once, on first use."""

    snapshot: Snapshot
    as_of: datetime

    def age_days(self, when: datetime | None) -> int | None:
        if when is None:
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return (self.as_of - when).days

    @cached_property
    def graph(self):  # a PermissionGraph, imported lazily (z3 is slow to load)
        from iamgraph.graph.build import build

        return build(self.snapshot)

    @cached_property
    def paths(self):  # a Paths over `graph`, shared so checks reuse each other's answers
        from iamgraph.graph.paths import Paths

        return Paths(self.graph, self.graph.builder.timeout_ms)

    @cached_property
    def access(self) -> list:  # the access-level table of every principal (query.access)
        return access_table(self.snapshot, graph=self.__dict__.get("graph"))


Run = Callable[[AuditContext], Iterable[Finding]]


@dataclass(frozen=True)
class Check:
    id: str  # stable: FAMILY.AREA.NAME, upper case; never renamed once released
    title: str
    severity: Severity
    practice: str  # the IAM / CloudTrail best practice it serves, in a few words
    evidence: str  # what it reads: "credential report", "password policy", "graph", ...
    remediation: str  # one line: what to do
    run: Run = field(compare=False, repr=False)
