"""Write the golden files: `python tests/golden/regenerate.py [NAME...]` (default: every case).

  --check       compare with the golden files instead of writing them (exit 1 on a difference)
  --subprocess  run every case through the installed `iamgraph` script, not in-process
  --out DIR     write into DIR instead of tests/golden/expected (to diff two runs)
  --times       print each case's seconds, slowest first (run one at a time)
  --jobs N      cases at once (default: 2, or 1 on a 1-CPU machine)

A golden file that changes is a behaviour change: say why in the commit message.
"""

from __future__ import annotations

import argparse
import difflib
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.golden.capture import EXPECTED, JOBS, run, run_all
from tests.golden.cases import CASES


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="case names (default: all)")
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--subprocess", action="store_true")
    parser.add_argument("--out", type=Path, default=EXPECTED)
    parser.add_argument("--times", action="store_true")
    parser.add_argument("--jobs", type=int, default=JOBS)
    args = parser.parse_args()
    known = {c.name for c in CASES}
    unknown = [n for n in args.names if n not in known]
    if unknown:
        parser.error(f"no such case: {', '.join(unknown)}")
    cases = [c for c in CASES if not args.names or c.name in args.names]
    args.out.mkdir(parents=True, exist_ok=True)
    if not args.names and not args.check and args.out == EXPECTED:
        for stale in set(EXPECTED.glob("*.txt")) - {EXPECTED / f"{n}.txt" for n in known}:
            stale.unlink()
            print(f"removed {stale.name}")
    times: list[tuple[float, str]] = []
    start = time.perf_counter()
    if args.times:  # one at a time, so that each time is the case's own
        texts = {}
        for c in cases:
            began = time.perf_counter()
            texts[c.name] = run(c, force_subprocess=args.subprocess)
            times.append((time.perf_counter() - began, c.name))
    else:
        texts = run_all(cases, args.jobs, force_subprocess=args.subprocess)
    elapsed = time.perf_counter() - start
    differ = 0
    for c in cases:
        text = texts[c.name]
        if isinstance(text, Exception):
            raise text
        path = args.out / f"{c.name}.txt"
        if args.check:
            old = path.read_text() if path.exists() else ""
            if old != text:
                differ += 1
                sys.stdout.writelines(
                    difflib.unified_diff(
                        old.splitlines(True), text.splitlines(True), str(path), "now"
                    )
                )
        else:
            path.write_text(text)
    if args.times:
        for seconds, name in sorted(times, reverse=True):
            print(f"{seconds:7.2f} s  {name}")
    verb = "checked" if args.check else "wrote"
    print(f"{verb} {len(cases)} cases in {elapsed:.1f} s; {differ} differ", file=sys.stderr)
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
