"""Benchmark: the snapshot cache (`.iamgraph-cache/`), first against second query (issue 18).

    python bench/cache.py                  # S (5 x 50) and M (20 x 250)
    python bench/cache.py --sizes S --keep --work /tmp/cache-bench

For each size it writes an organization with bench/synth.py, then runs, each as its own process
with `--format json -q`, one after the other:

    privesc --no-cache    the baseline: no cache read or written
    privesc               first run: works everything out, then writes the cache
    privesc               second run on the unchanged snapshot: starts from the cache
    who-can               the generator's probe, starting from what privesc left
    who-can               the same again

and prints wall time and peak RSS per run, whether each cached run's output is byte-identical to
its uncached counterpart (who-can's to a `--no-cache` run), the cache's size on disk, and what
hashing the inputs (the cache key) costs in-process. Asserts nothing.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synth
from scale import SIZES, iamgraph_exe, measure, say


def run_size(name: str, args, work: Path) -> None:
    accounts, per = SIZES[name]
    snap = work / f"{name}-{accounts}x{per}"
    shutil.rmtree(snap, ignore_errors=True)
    planted = synth.generate(snap, accounts, per, args.seed)
    files, nbytes = synth.size_of(snap)
    say(f"{name}: {planted['principals']} principals, {files} files, {nbytes / 1e6:.1f} MB")
    from iamgraph.load import cache

    t = time.perf_counter()
    cache.inputs_digest(snap)
    hashing = time.perf_counter() - t
    t = time.perf_counter()
    cache.source_digest.__wrapped__()  # not the process's cached answer
    source = time.perf_counter() - t
    say(
        f"  key: inputs hashed in {hashing * 1000:.0f} ms, iamgraph's source in {source * 1000:.0f} ms"
    )
    ig, out = iamgraph_exe(), work / "out"
    out.mkdir(exist_ok=True)
    probe = planted["probes"]["who_can"]
    who = ["who-can", str(snap), "--action", probe["action"], "--resource", probe["resource"]]
    runs = [
        ("privesc --no-cache", ["privesc", str(snap), "--no-cache"]),
        ("privesc, first", ["privesc", str(snap)]),
        ("privesc, second", ["privesc", str(snap)]),
        ("who-can, after privesc", who),
        ("who-can, second", who),
        ("who-can --no-cache", [*who, "--no-cache"]),
    ]
    results = {}
    for label, cmd in runs:
        result = out / f"{name}-{label.replace(' ', '_').replace(',', '')}.json"
        run = measure([ig, *cmd, "-f", "json", "-q"], args.limit, result)
        results[label] = result
        took = "> limit" if run.timed_out else f"{run.seconds:.1f} s"
        say(f"  {label}: {took}, {run.peak_rss_mib:.0f} MiB, exit {run.exit_code}")
    folder = snap / cache.FOLDER
    size = sum(p.stat().st_size for p in folder.iterdir()) if folder.is_dir() else 0
    say(f"  cache on disk: {size / 1e6:.0f} MB in {folder}")

    def same(a: str, b: str) -> str:
        da, db = (_digest(results[x]) for x in (a, b))
        return "identical" if da and da == db else "DIFFERENT"

    say(f"  privesc first vs --no-cache: {same('privesc, first', 'privesc --no-cache')}")
    say(f"  privesc second vs --no-cache: {same('privesc, second', 'privesc --no-cache')}")
    say(
        f"  who-can after privesc vs --no-cache: {same('who-can, after privesc', 'who-can --no-cache')}"
    )
    say(f"  who-can second vs --no-cache: {same('who-can, second', 'who-can --no-cache')}")
    if not args.keep:
        shutil.rmtree(snap, ignore_errors=True)


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", nargs="+", default=["S", "M"], choices=sorted(SIZES))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--limit", type=float, default=900.0, help="seconds per command")
    ap.add_argument("--work", type=Path, default=None, help="folder (default: a temporary one)")
    ap.add_argument("--keep", action="store_true", help="keep the snapshots and their caches")
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="iamgraph-cache-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    for name in args.sizes:
        run_size(name, args, work)


if __name__ == "__main__":
    main()
