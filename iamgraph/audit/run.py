"""Run the audit: pick the checks, fix the clock, collect the findings in a stable order."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from iamgraph.audit.model import AuditContext
from iamgraph.finding import Finding, Rule, Severity
from iamgraph.model.snapshot import Snapshot


def default_as_of(snap: Snapshot) -> datetime:
    """When ages are measured from: the snapshot's collection time, else the newest credential
    report's generation time, else now. Measuring from now would age a snapshot every day."""
    collected = snap.meta.get("collected_at") if isinstance(snap.meta, dict) else None
    if isinstance(collected, str):
        try:
            return _utc(datetime.fromisoformat(collected.replace("Z", "+00:00")))
        except ValueError:
            pass
    generated = [
        a.credential_report.generated
        for a in snap.accounts.values()
        if a.credential_report and a.credential_report.generated
    ]
    return _utc(max(generated)) if generated else datetime.now(UTC)


def _utc(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def context_for(snap: Snapshot, as_of: datetime | None = None, graph=None) -> AuditContext:
    """The context; a graph already built (by `check` or `diff`) is reused, not rebuilt."""
    ctx = AuditContext(snap, _utc(as_of) if as_of else default_as_of(snap))
    if graph is not None:
        ctx.__dict__["graph"] = graph  # fills the cached_property
    return ctx


def select(
    checks: Iterable[Rule], ids: Iterable[str] = (), severity: Severity | None = None
) -> list[Rule]:
    wanted = set(ids)
    return [
        c
        for c in checks
        if (not wanted or c.id in wanted) and (severity is None or c.severity.rank >= severity.rank)
    ]


def run_audit(ctx: AuditContext, checks: Iterable[Rule]) -> list[Finding]:
    """Every finding of every check, worst first, then by check id and subject."""
    found = [f for c in checks for f in c.run(ctx)]
    return sorted(found, key=lambda f: (-f.rule.severity.rank, f.rule.id, f.subject))
