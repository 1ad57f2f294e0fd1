"""Benchmark: the permission graph. Prints, for the demo organization and for the
cloudsplaining example (../shared/data), the time to build the graph (admin verdicts for every
principal and MFA mode), the whole `privesc` run, the process's peak memory, and the verdict counts;
then, side by side, `cloudsplaining scan` on the same file when it is installed (set
CLOUDSPLAINING to its executable, e.g. a separate venv's bin/cloudsplaining). Asserts nothing.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import tempfile
import time
from collections import Counter
from pathlib import Path

from iamgraph.catalog import catalog
from iamgraph.graph.build import build
from iamgraph.graph.paths import Paths, modes_filter, privesc
from iamgraph.load.snapshot import load_snapshot

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "fixtures" / "demo-org"
EXAMPLE = (
    REPO.parent
    / "shared"
    / "data"
    / "cloudsplaining-example"
    / "example-authorization-details.json"
)


def measure(name: str, path: Path) -> None:
    snap = load_snapshot(path)
    t = time.perf_counter()
    pg = build(snap)
    built = time.perf_counter() - t
    found = privesc(pg, Paths(pg), modes_filter(None))
    total = time.perf_counter() - t
    verdicts = Counter(f.verdict.value for f in found)
    admins = len({a for (a, _), v in pg.admin.items() if v.admin})
    steps = sum(1 for _ in pg.hops())
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(
        f"{name}: {len(snap.principals)} principals; graph built in {built:.2f} s; "
        f"privesc (build included) {total:.2f} s; {steps} steps worked out; {admins} admins; "
        f"{dict(verdicts)}; process peak RSS so far {rss:.0f} MiB"
    )


def cloudsplaining(path: Path) -> None:
    exe = os.environ.get("CLOUDSPLAINING") or shutil.which("cloudsplaining")
    if not exe:
        print(
            "cloudsplaining scan: not installed (python3 -m venv /tmp/cs && "
            "/tmp/cs/bin/pip install cloudsplaining; CLOUDSPLAINING=/tmp/cs/bin/cloudsplaining)"
        )
        return
    with tempfile.TemporaryDirectory() as out:
        t = time.perf_counter()
        subprocess.run(
            [exe, "scan", "-i", str(path), "-o", out, "-s"], check=True, capture_output=True
        )
        secs = time.perf_counter() - t
    print(f"cloudsplaining scan on the same file: {secs:.2f} s (pattern matching only)")


if __name__ == "__main__":
    catalog()
    measure("demo-org", DEMO)
    if EXAMPLE.exists():
        measure("cloudsplaining example", EXAMPLE)
        cloudsplaining(EXAMPLE)
