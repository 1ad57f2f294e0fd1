"""Benchmark: `diff` on the demo organization with one SCP statement removed (the time to name
the new non-MFA trail-tampering path), then `diff-policy` over every policy pair in
../shared/data/quacky-aws-policy-samples (the `exp_multiple` folders: two versions of one
customer policy, compared both ways): median and 99th-percentile time per comparison, the
results, and every `unknown` with its reason. Asserts nothing.
"""

from __future__ import annotations

import statistics
import time
from collections import Counter
from pathlib import Path

from iamgraph.catalog import catalog
from iamgraph.errors import InputError
from iamgraph.load.policy_file import load_policy_file
from iamgraph.premerge.policy_diff import diff_policies

REPO = Path(__file__).resolve().parents[1]
QUACKY = REPO.parent / "shared" / "data" / "quacky-aws-policy-samples"


def pairs() -> list[tuple[Path, Path]]:
    out = []
    for folder in sorted(QUACKY.glob("**/exp_multiple/*")):
        files = sorted(folder.glob("*.json"))
        if len(files) == 2:
            out += [(files[0], files[1]), (files[1], files[0])]
    return out


def pct(times: list[float], q: float) -> float:
    s = sorted(times)
    return s[min(len(s) - 1, int(len(s) * q))]


def main() -> None:
    catalog()
    times, results, unknown, skipped = [], Counter(), [], []
    for old, new in pairs():
        try:
            before, after = load_policy_file(old)[0], load_policy_file(new)[0]
        except InputError as exc:
            skipped.append(f"{exc}")
            continue
        kind = after.kind
        t = time.perf_counter()
        result = diff_policies(before, after, kind)
        times.append(time.perf_counter() - t)
        results[result.result] += 1
        if result.result == "UNKNOWN":
            unknown.append(f"{old.parent.name}: {result.reasons[:1]}")
    print(
        f"quacky pairs: {len(times)} comparisons, median {statistics.median(times) * 1000:.1f} ms, "
        f"p99 {pct(times, 0.99) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms, {dict(results)}"
    )
    for line in unknown:
        print(f"  unknown: {line}")
    for line in skipped:
        print(f"  not read: {line}")


def demo_scp_change() -> None:
    import json
    import shutil
    import tempfile

    from iamgraph.load.snapshot import load_snapshot
    from iamgraph.premerge.invariants import load_invariants
    from iamgraph.premerge.snapshot_diff import diff_snapshots

    demo = REPO / "fixtures" / "demo-org"
    with tempfile.TemporaryDirectory() as tmp:
        after = Path(tmp) / "after"
        shutil.copytree(demo, after)
        path = after / "organization/describe-policy/p-wkld0001.json"
        data = json.loads(path.read_text())
        content = json.loads(data["Policy"]["Content"])
        content["Statement"] = [
            s for s in content["Statement"] if s.get("Sid") != "DenyAssumeIntoManagement"
        ]
        data["Policy"]["Content"] = json.dumps(content)
        path.write_text(json.dumps(data))
        invariants = load_invariants(REPO / "iamgraph.toml")
        t = time.perf_counter()
        result = diff_snapshots(load_snapshot(demo), load_snapshot(after), invariants)
        secs = time.perf_counter() - t
    trail = [i for i, (inv, _, _) in enumerate(result.invariants) if "trail-tampering" in inv.name]
    newly = sorted(r.answer.principal.split(":", 4)[4] for r in result.newly_breaking(trail[0]))
    print(
        f"demo-org diff, DenyAssumeIntoManagement removed: {secs:.2f} s (both loads included), "
        f"{result.result}; newly breaking no-non-mfa-trail-tampering: {', '.join(newly)}"
    )


if __name__ == "__main__":
    catalog()
    demo_scp_change()
    if QUACKY.exists():
        main()
