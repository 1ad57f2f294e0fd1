"""Run the audit: pick the checks, fix the clock, collect the findings in a stable order;
`audit_snapshot` is the `audit` command's one library call."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from iamgraph.audit.checks import BY_ID, CHECKS
from iamgraph.audit.model import AuditContext
from iamgraph.errors import InputError
from iamgraph.evaluate.gather import with_as_of
from iamgraph.finding import Finding, Location, Rule, Severity
from iamgraph.graph.paths import Found, Paths
from iamgraph.load.snapshot import load_snapshot
from iamgraph.model.snapshot import Snapshot
from iamgraph.premerge.report import Report, judge
from iamgraph.premerge.suppressions import suppressions_from
from iamgraph.query import answer
from iamgraph.query.answer import graph_for
from iamgraph.query.grammar import structured, the_trail
from iamgraph.query.reach import Reach
from iamgraph.verdict import Verdict


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


def run_audit(ctx: AuditContext, checks: Iterable[Rule], progress=None) -> list[Finding]:
    """Every finding of every check, worst first, then by check id and subject."""
    checks = list(checks)
    found = []
    for i, c in enumerate(checks):
        if progress:
            progress(i, len(checks), f"auditing {c.id}")
        found += c.run(ctx)
    return sorted(found, key=lambda f: (-f.rule.severity.rank, f.rule.id, f.subject))


def as_of_date(value: str | None) -> datetime | None:
    """`--as-of 2026-11-20` (or a full ISO time; UTC unless it says)."""
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InputError("--as-of", "$", f"not a date: {value!r} (expected 2026-11-20)") from None
    return _utc(when)


def checks_for(ids: Iterable[str], severity: Severity | None) -> list[Rule]:
    """The checks asked for (`--check`, `--severity`); an unknown id is bad input."""
    ids = list(ids)
    for i in ids:
        if i not in BY_ID:
            raise InputError("--check", "$", f"no audit check {i} (see `iamgraph audit --list`)")
    return select(CHECKS, ids, severity)


@dataclass(frozen=True)
class DiagramPaths:
    """What the HTML report draws: the escalation paths to admin, and the non-MFA paths to
    tamper with the trail."""

    escalations: tuple[Found, ...]
    tampering: tuple[Reach, ...]


def diagram_paths(ctx: AuditContext, timeout_ms: int) -> DiagramPaths:
    graph = (ctx.graph, Paths(ctx.graph, timeout_ms))
    found = tuple(e.found for e in answer.privesc(ctx.snapshot, graph=graph) if e.found.hops)
    tampering: tuple[Reach, ...] = ()
    if ctx.snapshot.trails:
        q = structured(ctx.snapshot, "tamper with", the_trail(ctx.snapshot), mfa="no-mfa")
        tampering = tuple(
            r
            for r in answer.ask(ctx.snapshot, q, graph=graph).reaches
            if r.answer.verdict is Verdict.REACHABLE and r.answer.witness
        )
    return DiagramPaths(found, tampering)


@dataclass(frozen=True)
class Audit:
    """The `audit` command's result: every finding of the checks (`found`, as the HTML report
    shows them) and the report judged after suppression."""

    folder: Path
    context: AuditContext
    checks: tuple[Rule, ...]
    found: tuple[Finding, ...]
    report: Report
    diagrams: DiagramPaths | None = None  # when asked for (the HTML report)


def audit_snapshot(
    folder: Path,
    ids: Iterable[str] = (),
    severity: Severity | None = None,
    as_of: str | None = None,
    *,
    suppressions: Path | None = None,
    timeout_ms: int,
    diagrams: bool = False,
    progress: Callable[[int, int, str], None] | None = None,
    strict: bool = False,
    size_limit: bool = True,
) -> Audit:
    checks = checks_for(ids, severity)
    when = as_of_date(as_of)
    accepted = suppressions_from(suppressions)
    snap = load_snapshot(folder, progress, strict=strict, size_limit=size_limit)
    if when is not None:  # no request is made before it: the time floor (aws:CurrentTime)
        snap = with_as_of(snap, when)
    ctx = context_for(snap, when, graph=graph_for(snap, timeout_ms, progress)[0])
    found = run_audit(ctx, checks, progress)
    fallback = Location(str(folder / "snapshot.json"), 1, 1)
    if not (folder / "snapshot.json").is_file():
        fallback = Location(str(folder))
    report = judge(found, accepted, checks, fallback)
    paths = diagram_paths(ctx, timeout_ms) if diagrams else None
    return Audit(folder, ctx, tuple(checks), tuple(found), report, paths)
