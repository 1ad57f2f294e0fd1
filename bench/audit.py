"""Benchmark: `iamgraph audit`. Prints the time of every check family on the demo organization
and on the cloudsplaining example (../shared/data), then compares the principals iamgraph names
as able to escalate (IAM.PRIVESC.PATH, or already admin by their own permissions) or as holding
escalation actions without a path (IAM.PRIVESC.PARTIAL, with the proof) with the
principals whose policies Cloudsplaining's privilege-escalation findings name, when
Cloudsplaining is installed (set CLOUDSPLAINING to its executable, e.g.
`python3 -m venv /tmp/cs && /tmp/cs/bin/pip install cloudsplaining`). Asserts nothing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

from iamgraph.audit.checks import CHECKS
from iamgraph.audit.run import context_for
from iamgraph.catalog import catalog
from iamgraph.load.snapshot import load_snapshot

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "fixtures" / "demo-org"
EXAMPLE = REPO.parent / "shared/data/cloudsplaining-example/example-authorization-details.json"


def audit(name: str, path: Path):
    t0 = time.perf_counter()
    snap = load_snapshot(path)
    loaded = time.perf_counter() - t0
    ctx = context_for(snap)
    t = time.perf_counter()
    _ = ctx.graph
    graph = time.perf_counter() - t
    per_family: dict[str, float] = defaultdict(float)
    found = []
    for check in CHECKS:
        t = time.perf_counter()
        found += [(check, f) for f in check.run(ctx)]
        per_family[".".join(check.id.split(".")[:2])] += time.perf_counter() - t
    total = time.perf_counter() - t0
    outcomes = Counter("unknown" if f.unknown else "fail" for _, f in found)
    print(
        f"{name}: {len(snap.principals)} principals; load {loaded:.2f} s, graph {graph:.2f} s, "
        f"audit total {total:.2f} s; {len(found)} findings {dict(outcomes)}"
    )
    slow = sorted(per_family.items(), key=lambda kv: -kv[1])[:6]
    print("    slowest areas: " + ", ".join(f"{k} {v:.2f} s" for k, v in slow))
    return snap, ctx, found


def graph_escalators(ctx, found) -> dict[str, str]:
    """principal -> how iamgraph names it: 'path' (can become admin), 'admin' (already is),
    'unknown' (undecided), 'partial, proven no path' (holds a method's actions, and a proof)."""
    out = {}
    for (arn, _mode), verdict in ctx.graph.admin.items():
        if verdict.admin and arn.split(":")[5] != "root":
            out[arn] = "admin"
    for check, f in found:
        if check.id == "IAM.PRIVESC.PATH":
            out.setdefault(f.subject, "unknown" if f.unknown else "path")
        if check.id == "IAM.PRIVESC.PARTIAL":
            out.setdefault(f.subject, "partial, proven no path")
    return out


def cloudsplaining_escalators(exe: str, path: Path) -> tuple[dict[str, list[str]], float]:
    """principal ARN -> the escalation types Cloudsplaining reports on its policies."""
    with tempfile.TemporaryDirectory() as out:
        t = time.perf_counter()
        subprocess.run(
            [exe, "scan", "-i", str(path), "-o", out, "-s"], check=True, capture_output=True
        )
        secs = time.perf_counter() - t
        results = json.loads(next(Path(out).glob("iam-results-*.json")).read_text())
    flagged: dict[str, list[str]] = {}
    for kind in ("customer_managed_policies", "aws_managed_policies", "inline_policies"):
        for pid, pol in results[kind].items():
            types = [f["type"] for f in (pol.get("PrivilegeEscalation") or {}).get("findings", [])]
            if types:
                flagged[pid] = types
    group_types = {
        gid: [
            t
            for k in ("customer_managed_policies", "aws_managed_policies", "inline_policies")
            for pid in g.get(k, {})
            for t in flagged.get(pid, [])
        ]
        for gid, g in results["groups"].items()
    }
    named: dict[str, list[str]] = {}
    for kind in ("users", "roles"):
        for p in results[kind].values():
            types = [
                t
                for k in ("customer_managed_policies", "aws_managed_policies", "inline_policies")
                for pid in p.get(k, {})
                for t in flagged.get(pid, [])
            ]
            types += [t for gid in p.get("groups", {}) for t in group_types.get(gid, [])]
            if types:
                named[p["arn"]] = sorted(set(types))
    return named, secs


def compare(ctx, found) -> None:
    exe = os.environ.get("CLOUDSPLAINING") or shutil.which("cloudsplaining")
    if not exe:
        print("cloudsplaining: not installed (see the module docstring); no comparison")
        return
    ours = graph_escalators(ctx, found)
    theirs, secs = cloudsplaining_escalators(exe, EXAMPLE)
    both = sorted(set(ours) & set(theirs))
    only_cs = sorted(set(theirs) - set(ours))
    only_us = sorted(set(ours) - set(theirs))
    print(
        f"cloudsplaining scan: {secs:.2f} s; names {len(theirs)} principals (privilege escalation)"
    )
    print(
        f"iamgraph: {len(ours)} principals ({Counter(ours.values())}); "
        f"overlap {len(both)}, only Cloudsplaining {len(only_cs)}, only iamgraph {len(only_us)}"
    )
    verdicts = {}
    from iamgraph.graph.paths import Paths, modes_filter, privesc

    for f in privesc(ctx.graph, Paths(ctx.graph), modes_filter(None)):
        verdicts[f.principal] = f.verdict.value
    for arn in only_cs:
        print(f"    only Cloudsplaining: {arn} {theirs[arn]} -> iamgraph: {verdicts.get(arn, '?')}")
    for arn in only_us:
        print(f"    only iamgraph: {arn} ({ours[arn]})")


if __name__ == "__main__":
    catalog()
    audit("demo-org", DEMO)
    if EXAMPLE.exists():
        _, ctx, found = audit("cloudsplaining example", EXAMPLE)
        compare(ctx, found)
