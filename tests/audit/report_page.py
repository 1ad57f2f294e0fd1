"""The demo organization's HTML audit report and a headless Chromium to draw it: the browser
test renders it, and bench/screenshot_report.py regenerates docs/audit-report.png from it."""

from __future__ import annotations

import subprocess
from pathlib import Path

from iamgraph.audit.checks import CHECKS
from iamgraph.audit.run import context_for, run_audit
from iamgraph.catalog import catalog
from iamgraph.graph.paths import Paths, modes_filter, privesc
from iamgraph.load.snapshot import load_snapshot
from iamgraph.model.snapshot import Snapshot
from iamgraph.render.dot import Goal, diagram
from iamgraph.render.html import html_report
from iamgraph.verdict import Verdict
from tests.conftest import DEMO
from tests.demo import CI_DEPLOYER, DEV_ADMIN, PROD

CHROMIUM = Path("/usr/bin/chromium")
TIMEOUT_S = 60
# No network, no first-run work, no background updates: the page must render offline.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)
NAMED = (CI_DEPLOYER, f"{PROD}:user/legacy-batch")


def chromium(args: list[str], profile: Path) -> subprocess.CompletedProcess[str]:
    """One headless run with a throw-away profile, so nothing of the user's is read."""
    cmd = [str(CHROMIUM), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT_S, check=True)


def privesc_svg(snap: Snapshot, pg) -> str:
    """The escalation-to-admin diagram as `privesc --render` draws it, in SVG; `pg` is the
    permission graph the audit already built."""
    found = privesc(pg, Paths(pg), modes_filter(None))
    reached = [f for f in found if f.verdict is Verdict.REACHABLE and f.hops]
    hops = [h for f in reached for h in f.hops]
    goals = [Goal("admin", f.hops[-1].target, "becomes admin") for f in reached]
    starts = [f.principal for f in found if f.hops]
    dot = diagram(snap, hops, title="privilege escalation to admin", goals=goals, starts=starts)
    return dot.pipe(format="svg").decode()


def named_levels(snap: Snapshot, arn: str) -> list[tuple[str, str, list[str]]]:
    """Access levels the principal's Allow statements name (a stand-in for the effective
    levels `iamgraph audit` computes: enough to show the table)."""
    levels: dict[str, set[str]] = {}
    for policy in snap.principals[arn].policies.identity:
        for st in policy.statements:
            if st.effect.value != "Allow" or st.not_action:
                continue
            for pattern in st.actions:
                for info in catalog().expand(pattern):
                    levels.setdefault(info.service, set()).update(info.access_levels)
    return [(arn, service, sorted(lv)) for service, lv in sorted(levels.items())]


def demo_report(shown: str = str(DEMO)) -> str:
    """The demo organization's full report: every check, its findings, access, diagram;
    `shown` is the snapshot path as the header prints it."""
    snap = load_snapshot(DEMO)
    ctx = context_for(snap)
    findings = run_audit(ctx, CHECKS)
    access = [(DEV_ADMIN, "*", [])] + [row for arn in NAMED for row in named_levels(snap, arn)]
    return html_report(
        title="IAM audit: Acme Corp (demo organization)",
        snapshot=shown,
        as_of=ctx.as_of.date().isoformat(),
        checks=list(CHECKS),
        findings=findings,
        access=access,
        diagrams=[("Privilege escalation to admin", privesc_svg(snap, ctx.graph))],
    )
