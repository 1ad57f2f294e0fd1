"""What a check reads: the snapshot and the clock, shared by every family of checks. What a
check is and what it finds are `iamgraph.finding.Rule` and `Finding`.

A check never answers "clean" where it could not look: a family that lacks its input (no
credential report, no trail status) yields an `unknown` finding naming the gap instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property

from iamgraph.finding import Finding
from iamgraph.model.snapshot import Snapshot
from iamgraph.query.access import access_table

__all__ = ["AuditContext", "Run"]


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
        from iamgraph.graph.parallel import build

        return build(self.snapshot)

    @cached_property
    def paths(self):  # a Paths over `graph`, shared so checks reuse each other's answers
        from iamgraph.graph.paths import Paths

        return Paths(self.graph, self.graph.builder.timeout_ms)

    @cached_property
    def access(self) -> list:  # the access-level table of every principal (query.access)
        return access_table(self.snapshot, graph=self.__dict__.get("graph"))


Run = Callable[[AuditContext], Iterable[Finding]]
