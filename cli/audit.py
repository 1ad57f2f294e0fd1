"""`iamgraph audit SNAPSHOT`: the best-practice checks (`iamgraph.audit.checks.CHECKS`), as
text, JSON, SARIF, Markdown or one self-contained HTML report."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

import typer

from iamgraph.audit.checks import BY_ID, CHECKS
from iamgraph.audit.model import AuditContext
from iamgraph.audit.run import context_for, run_audit, select
from iamgraph.cli.can import TimeoutOption
from iamgraph.cli.common import QuietOption, progress_bar, reports_input_errors, stderr
from iamgraph.cli.report import (
    OnUnknown,
    ReportFormat,
    SuppressionsOption,
    UnknownOption,
    finish,
    suppressions_from,
)
from iamgraph.errors import InputError
from iamgraph.evaluate.gather import with_as_of
from iamgraph.finding import Location, Rule, Severity
from iamgraph.load.snapshot import load_snapshot
from iamgraph.premerge.suppressions import apply
from iamgraph.query.answer import graph_for
from iamgraph.render.audit import audit_json, audit_text


class AuditFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    SARIF = "sarif"
    MARKDOWN = "markdown"
    HTML = "html"


def _as_of(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InputError("--as-of", "$", f"not a date: {value!r} (expected 2026-11-20)") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _checks(ids: list[str], severity: Severity | None) -> list[Rule]:
    for i in ids:
        if i not in BY_ID:
            raise InputError("--check", "$", f"no audit check {i} (see `iamgraph audit --list`)")
    return select(CHECKS, ids, severity)


def _diagrams(ctx: AuditContext, timeout_ms: int) -> list[tuple[str, str]]:
    """The escalation paths to admin, and the non-MFA paths to the trail, as SVG text; none
    (with a note on stderr) when Graphviz's `dot` is missing."""
    from iamgraph.graph.paths import Paths
    from iamgraph.query import answer
    from iamgraph.query.grammar import structured, the_trail
    from iamgraph.render.diagrams import answers_diagram
    from iamgraph.render.dot import Goal, diagram
    from iamgraph.verdict import Verdict

    graph = (ctx.graph, Paths(ctx.graph, timeout_ms))
    found = [e.found for e in answer.privesc(ctx.snapshot, graph=graph) if e.found.hops]
    out = []
    if found:
        dot = diagram(
            ctx.snapshot,
            [h for f in found if f.verdict is Verdict.REACHABLE for h in f.hops],
            title="privilege escalation to admin",
            goals=[Goal("admin", f.hops[-1].target, "becomes admin") for f in found],
            starts=[f.principal for f in found],
        )
        out.append(("Paths to administrator", dot))
    if ctx.snapshot.trails:
        q = structured(ctx.snapshot, "tamper with", the_trail(ctx.snapshot), mfa="no-mfa")
        reaches = [
            r
            for r in answer.ask(ctx.snapshot, q, graph=graph).reaches
            if r.answer.verdict is Verdict.REACHABLE and r.answer.witness
        ]
        if reaches:
            dot = answers_diagram(ctx.snapshot, reaches, title="trail tampering without MFA")
            out.append(("Trail tampering without MFA", dot))
    svgs = []
    for caption, dot in out:
        try:
            svgs.append((caption, dot.pipe(format="svg").decode()))
        except Exception as exc:  # graphviz.ExecutableNotFound, CalledProcessError
            stderr.print(f"diagrams left out: {exc}", highlight=False, markup=False)
            return []
    return svgs


@reports_input_errors
def audit(
    snapshot: Path = typer.Argument(..., help="Snapshot folder."),
    check: list[str] = typer.Option([], "--check", help="Only this check id (repeatable)."),
    severity: Severity | None = typer.Option(
        None, "--severity", case_sensitive=False, help="Only checks of this severity or worse."
    ),
    as_of: str | None = typer.Option(
        None,
        "--as-of",
        help="Measure ages from this date (default: the snapshot's collection time, else the "
        "credential reports' generation time, else today).",
    ),
    output: AuditFormat | None = typer.Option(
        None,
        "--format",
        "-f",
        case_sensitive=False,
        help="text, json, sarif, markdown or html (default: html when --output ends in "
        ".html, else text).",
    ),
    out_file: Path | None = typer.Option(
        None, "--output", "-o", dir_okay=False, help="Write the report here instead of stdout."
    ),
    listing: bool = typer.Option(False, "--list", help="List the checks and exit."),
    unknown: OnUnknown = UnknownOption,
    suppressions: Path | None = SuppressionsOption,
    timeout: float = TimeoutOption,
    quiet: bool = QuietOption,
) -> None:
    """Audit the snapshot against the IAM and CloudTrail best practices; "privileged" means
    able to reach admin (the graph), not a policy name. Exit 0 no findings, 1 findings,
    3 only unknowns (see --unknown), 2 bad input."""
    if listing:
        for c in CHECKS:
            stdout_line(f"{c.id:<45} {c.severity.value:<8} {c.title}")
        raise typer.Exit(0)
    fmt = output or (
        AuditFormat.HTML
        if out_file and out_file.suffix.lower() in (".html", ".htm")
        else AuditFormat.TEXT
    )
    checks = _checks(check, severity)
    when = _as_of(as_of)
    accepted = suppressions_from(suppressions)
    timeout_ms = round(timeout * 1000)
    with progress_bar(quiet) as progress:
        snap = load_snapshot(snapshot, progress)
        if when is not None:  # no request is made before it: the time floor (aws:CurrentTime)
            snap = with_as_of(snap, when)
        ctx = context_for(snap, when, graph=graph_for(snap, timeout_ms, progress)[0])
        found = run_audit(ctx, checks)
    items = apply(found, accepted)
    fallback = Location(str(snapshot / "snapshot.json"), 1, 1)
    if not (snapshot / "snapshot.json").is_file():
        fallback = Location(str(snapshot))
    with _writing(out_file):
        if fmt is AuditFormat.HTML:
            _html(snap, snapshot, ctx, checks, found, timeout_ms)
        finish(
            ReportFormat(fmt.value) if fmt is not AuditFormat.HTML else None,
            title=f"audit {snapshot}",
            items=items,
            suppressions=accepted,
            rules=checks,
            fallback=fallback,
            text=lambda result, items: audit_text(result, items, len(checks), ctx.as_of),
            json_doc=lambda result: audit_json(result, items, checks, ctx.as_of),
            findings_in_json=False,
            summary=lambda r: [],
            unknown=unknown,
        )


def stdout_line(text: str) -> None:
    from iamgraph.cli.common import stdout

    stdout.print(text, highlight=False, markup=False)


@contextmanager
def _writing(path: Path | None) -> Iterator[None]:
    """Standard output into `path`, written whole or not at all (a failed run leaves an
    existing report as it was)."""
    if path is None:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.partial")
    ok = False
    try:
        with tmp.open("w", encoding="utf-8") as fh, redirect_stdout(fh):
            try:
                yield
            except typer.Exit as exc:
                ok = exc.exit_code in (0, 1, 3)
                raise
            ok = True
    finally:
        if ok:
            tmp.replace(path)
            stderr.print(f"wrote {path}", highlight=False, markup=False)
        else:
            tmp.unlink(missing_ok=True)


def _html(snap, snapshot: Path, ctx: AuditContext, checks, found, timeout_ms: int) -> None:
    import sys

    from iamgraph.query.access import Status
    from iamgraph.render.html import html_report

    access = [
        (
            r.principal,
            r.service,
            [x.level for x in r.levels if x.status is Status.ALLOWED]
            + (["unknown"] if any(x.status is Status.UNKNOWN for x in r.levels) else []),
        )
        for r in ctx.access
    ]
    sys.stdout.write(
        html_report(
            title=f"iamgraph audit of {snapshot.name}",
            snapshot=str(snapshot),
            as_of=ctx.as_of.date().isoformat(),
            checks=list(checks),
            findings=list(found),
            access=access,
            diagrams=_diagrams(ctx, timeout_ms),
        )
    )
