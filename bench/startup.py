"""Start-up times of the `iamgraph` command: what a user waits for before the first answer.

    python bench/startup.py [--runs 5]

Times `--version`, `--help` and a first `can` on fixtures/demo-org as subprocesses (median of
--runs each), cold (an empty catalog cache directory, emptied before every run) and warm (the
cache written by a previous run). The cache directory is a temporary one (IAMGRAPH_CACHE_DIR),
so the user's own cache is neither used nor touched.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "fixtures" / "demo-org"
CASES = {
    "--version": ["--version"],
    "--help": ["--help"],
    "can (demo-org)": [
        "can",
        str(DEMO),
        "arn:aws:iam::111122223333:user/maria.garcia",
        "iam:CreateUser",
        "*",
    ],
}


def _command() -> list[str]:
    exe = Path(sys.executable).with_name("iamgraph")
    return (
        [str(exe)]
        if exe.exists()
        else [sys.executable, "-c", "from iamgraph.cli.app import main; main()"]
    )


def _time(args: list[str], env: dict[str, str], cache: Path, cold: bool, runs: int) -> float:
    times = []
    for _ in range(runs):
        if cold:
            shutil.rmtree(cache, ignore_errors=True)
            cache.mkdir()
        start = time.perf_counter()
        done = subprocess.run([*_command(), *args], env=env, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise SystemExit(f"iamgraph {' '.join(args)} exited {done.returncode}")
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "cache"
        cache.mkdir()
        # the catalog cache only: the snapshot cache (.iamgraph-cache/ in fixtures/demo-org)
        # would answer a warm `can` from its last answers, and leave a folder behind
        env = {**os.environ, "IAMGRAPH_CACHE_DIR": str(cache), "IAMGRAPH_NO_CACHE": "1"}
        # one untimed run so that byte-compilation is not counted
        subprocess.run([*_command(), "--help"], env=env, capture_output=True, check=False)
        for name, args in CASES.items():
            cold = _time(args, env, cache, True, opts.runs)
            warm = _time(args, env, cache, False, opts.runs)
            print(f"{name:16} cold {cold:.2f} s, warm {warm:.2f} s (median of {opts.runs})")


if __name__ == "__main__":
    main()
