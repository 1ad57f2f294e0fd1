"""Benchmark: the access-level table and the privileged checks. Prints, for the demo
organization and for the cloudsplaining example (../shared/data), the seconds the whole
access table takes (admin verdicts included, graph not built), its size, and the seconds of
each privileged check (PRIVILEGED_NO_MFA builds the graph). Asserts nothing."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from iamgraph.audit import privileged
from iamgraph.audit.model import AuditContext
from iamgraph.catalog import catalog
from iamgraph.load.snapshot import load_snapshot
from iamgraph.query.access import access_table

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "fixtures" / "demo-org"
EXAMPLE = (
    REPO.parent
    / "shared"
    / "data"
    / "cloudsplaining-example"
    / "example-authorization-details.json"
)
AS_OF = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def measure(name: str, path: Path) -> None:
    snap = load_snapshot(path)
    ctx = AuditContext(snap, AS_OF)
    t = time.perf_counter()
    rows = access_table(ctx.snapshot)
    table = time.perf_counter() - t
    admins = sum(1 for r in rows if r.admin)
    cells = Counter(a.status.value for r in rows if not r.admin for a in r.levels)
    print(
        f"{name}: {len(snap.principals)} principals; access table {table:.2f} s, "
        f"{len(rows)} rows ({admins} admin rows), cells {dict(cells)}"
    )
    for check in privileged.CHECKS:
        t = time.perf_counter()
        found = list(check.run(AuditContext(snap, AS_OF)))
        print(f"  {check.id}: {time.perf_counter() - t:.2f} s, {len(found)} findings")


def main() -> None:
    t = time.perf_counter()
    catalog()
    import iamgraph.solvers.solve  # noqa: F401 - z3's import, outside the timings

    print(f"catalog and z3 loaded in {time.perf_counter() - t:.2f} s")
    measure("demo-org", DEMO)
    if EXAMPLE.exists():
        measure("cloudsplaining-example", EXAMPLE)
    else:
        print(f"cloudsplaining example not found at {EXAMPLE}")


if __name__ == "__main__":
    main()
