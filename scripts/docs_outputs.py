"""Check or re-paste the outputs of the `$ iamgraph ...` commands in README.md and docs/*.md.

    python scripts/docs_outputs.py --check     # print a diff per block that no longer matches
    python scripts/docs_outputs.py --update    # paste the real outputs back, name the blocks

`--update` keeps a block that still matches as it is; a changed one gets the real output with
the author's `...` elisions kept where the lines around them still match, else the whole output
(review those: a long output may deserve new `...`). Running it twice changes nothing the second
time. The rules (what is compared, normalized and skipped) are in tests/docs/pasted.py; the test
that holds the documents to them is tests/docs/test_pasted.py.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("IAMGRAPH_NO_CACHE", "1")  # no .iamgraph-cache/ in the fixtures

from tests.docs.pasted import REPO, diff, everything, repaste, rewrite, run, skip_reason


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", action="store_true", help="print diffs, exit 1 on any")
    mode.add_argument("--update", action="store_true", help="re-paste the outputs that changed")
    args = parser.parse_args()
    pasted = [p for p in everything() if not skip_reason(p.command)]
    real = run(pasted)
    changed: dict[Path, dict[int, tuple[str, ...]]] = {}
    failed = 0
    for p in pasted:
        got = real[p.id]
        if got.error is not None:
            print(f"{p.id}: `{p.command}` did not run: {got.error}", file=sys.stderr)
            failed += 1
            continue
        new = repaste(p.output, got.lines)
        if new == p.output:
            continue
        changed.setdefault(p.document, {})[p.line] = new
        if args.check:
            print(diff(p, got.lines))
        else:
            kept = sum(line.strip() == "..." for line in new)
            how = f"{kept} elisions kept" if kept else "whole output"
            print(f"{p.id}: re-pasted ({how}, exit {got.exit_code}): {p.command[:80]}")
            if got.exit_code == 2 and not any(x.startswith("iamgraph: ") for x in p.output):
                print(f"{p.id}: warning: now bad input (exit 2): is the command still right?")
    if args.update:
        for document, outputs in changed.items():
            (REPO / document).write_text(rewrite(document, outputs))
    count = sum(len(v) for v in changed.values())
    print(
        f"{len(pasted)} commands, {count} blocks {'differ' if args.check else 'changed'}"
        + (f", {failed} did not run" if failed else ""),
        file=sys.stderr,
    )
    return 1 if failed or (args.check and count) else 0


if __name__ == "__main__":
    sys.exit(main())
