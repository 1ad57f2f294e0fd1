"""Benchmark: iamgraph on synthetic organizations of growing size (issue 18's table).

    python bench/scale.py                      # S (5 x 50) and M (20 x 250)
    python bench/scale.py --sizes S --custom 10x100 --limit 600 --json out/scale.json
    python bench/scale.py --large              # also L (50 x 400 = 20,000 principals)

For each size it writes an organization with bench/synth.py, then runs, each as its own
process with `--format json`: `iamgraph privesc`, one `who-can` (s3:GetObject on a data bucket
the generator names), `audit`, and `diff` of the snapshot against a copy with one SCP statement
changed; and `cloudsplaining scan` over every account's authorization details (one scan per
account, times summed) when cloudsplaining is installed (`pip install -e '.[bench]'`, or a separate
venv named by CLOUDSPLAINING). Per command: wall time, the process's peak RSS (os.wait4), the
`unknown` count read off its JSON; for privesc the planted-path recall (planted.json: the
source reaches admin by the planted method to the planted target). A command still running
after --limit seconds is stopped and reported as "> limit". Then the fitted exponent
log(t2/t1)/log(n2/n1) between consecutive sizes. Asserts nothing.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synth

SIZES = {"S": (5, 50), "M": (20, 250), "L": (50, 400)}
COMMANDS = ("privesc", "who-can", "audit", "diff", "cloudsplaining")


@dataclass
class Run:
    command: str
    seconds: float | None = None  # None: stopped at the limit, or not run
    peak_rss_mib: float | None = None
    exit_code: int | None = None
    unknown: int | None = None
    timed_out: bool = False
    error: str = ""
    extra: dict = field(default_factory=dict)


@dataclass
class Size:
    name: str
    accounts: int
    per_account: int
    principals: int = 0
    generate_seconds: float = 0.0
    files: int = 0
    megabytes: float = 0.0
    planted: int = 0
    runs: dict[str, Run] = field(default_factory=dict)


def measure(cmd: list[str], limit: float, stdout: Path) -> Run:
    """Run `cmd` with stdout to a file; wall time and this process's own peak RSS (wait4)."""
    run = Run(cmd[1] if len(cmd) > 1 else cmd[0])
    with open(stdout, "wb") as out, open(stdout.with_suffix(".err"), "wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, start_new_session=True)
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - start > limit:
                os.killpg(proc.pid, signal.SIGKILL)
                pid, status, usage = os.wait4(proc.pid, 0)
                run.timed_out = True
                break
            time.sleep(0.05)
        elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    run.exit_code = proc.returncode
    run.peak_rss_mib = usage.ru_maxrss / 1024  # KiB on Linux
    if not run.timed_out:
        run.seconds = elapsed
        if run.exit_code not in (0, 1, 3):
            tail = stdout.with_suffix(".err").read_text(errors="replace").strip().splitlines()[-1:]
            run.error = f"exit {run.exit_code}: {tail[0] if tail else ''}"
    return run


def _json(path: Path):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def recall(planted: dict, result: dict | None) -> tuple[int, int]:
    """(planted paths privesc reports, planted paths): the source reaches admin, its first hop
    uses the planted method, and the path ends at the planted target (or, for a method that
    makes the source admin in place, the first hop stays on it)."""
    if result is None:
        return 0, len(planted["paths"])
    by = {p["principal"]: p for p in result.get("principals", [])}
    found = 0
    for p in planted["paths"]:
        f = by.get(p["source"])
        if not f or f["verdict"] != "reachable" or f["admin"] or not f["path"]:
            continue
        hops = f["path"]
        end = (
            hops[0]["to"] == p["source"]
            if p["target"] == "admin"
            else hops[-1]["to"] == p["target"]
        )
        found += hops[0]["method"] == p["method"] and end
    return found, len(planted["paths"])


def iamgraph_exe() -> str:
    here = Path(sys.executable).parent / "iamgraph"
    return str(here) if here.exists() else (shutil.which("iamgraph") or "iamgraph")


def cloudsplaining_exe() -> str | None:
    env = os.environ.get("CLOUDSPLAINING")
    if env:
        return env
    here = Path(sys.executable).parent / "cloudsplaining"
    return str(here) if here.exists() else shutil.which("cloudsplaining")


def cloudsplaining_each(exe: str, snap: Path, work: Path, limit: float) -> Run:
    """`cloudsplaining scan` on each account's authorization details, one after the other (its
    folder input is broken in 0.9.1: `json.loads(..., default=str)`): the summed time, the
    largest peak RSS, an error if any scan fails; the limit holds for the whole."""
    total = Run("cloudsplaining", seconds=0.0, peak_rss_mib=0.0, exit_code=0)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    for account in sorted((snap / "accounts").iterdir()):
        report = work / account.name
        report.mkdir()
        auth = account / "iam" / "get-account-authorization-details.json"
        cmd = [exe, "scan", "-i", str(auth), "-o", str(report), "-s"]
        run = measure(cmd, limit - total.seconds, work / f"{account.name}.out")
        total.peak_rss_mib = max(total.peak_rss_mib, run.peak_rss_mib or 0.0)
        if run.timed_out:
            total.seconds, total.timed_out = None, True
            return total
        total.seconds += run.seconds
        if run.exit_code != 0:
            err = (work / f"{account.name}.err").read_text(errors="replace").strip().splitlines()
            total.exit_code = run.exit_code
            total.error = f"{account.name}: exit {run.exit_code}: {err[-1] if err else ''}"
            return total
    total.extra = {"accounts": len(list((snap / "accounts").iterdir()))}
    return total


def run_size(size: Size, args, work: Path) -> Size:
    snap = work / f"{size.name}-{size.accounts}x{size.per_account}"
    t = time.perf_counter()
    planted = synth.generate(
        snap, size.accounts, size.per_account, args.seed, builtin=args.builtin_managed
    )
    size.generate_seconds = time.perf_counter() - t
    size.principals = planted["principals"]
    size.planted = len(planted["paths"])
    size.files, nbytes = synth.size_of(snap)
    size.megabytes = nbytes / 1e6
    say(
        f"{size.name}: {size.accounts} x {size.per_account} = {size.principals} principals, "
        f"{size.planted} planted paths, {size.files} files, {size.megabytes:.1f} MB, "
        f"generated in {size.generate_seconds:.1f} s"
    )
    ig, out = iamgraph_exe(), work / "out"
    out.mkdir(exist_ok=True)
    probe = planted["probes"]["who_can"]
    after = None
    for command in args.commands:
        result = out / f"{size.name}-{command}.json"
        if command == "privesc":
            run = measure([ig, "privesc", str(snap), "-f", "json", "-q"], args.limit, result)
            doc = _json(result)
            if doc:
                run.unknown = sum(p["verdict"] == "unknown" for p in doc["principals"])
            found, total = recall(planted, doc)
            run.extra = {
                "recall": found / total if total else None,
                "recall_found": found,
                "recall_planted": total,
            }
        elif command == "who-can":
            cmd = [
                ig,
                "who-can",
                str(snap),
                "--action",
                probe["action"],
                "--resource",
                probe["resource"],
                "-f",
                "json",
                "-q",
            ]
            run = measure(cmd, args.limit, result)
            doc = _json(result)
            if doc:
                run.unknown = sum(p["verdict"] == "unknown" for p in doc["principals"])
                run.extra = {
                    "reachable": sum(p["verdict"] == "reachable" for p in doc["principals"]),
                    "probe": probe,
                }
        elif command == "audit":
            run = measure([ig, "audit", str(snap), "-f", "json", "-q"], args.limit, result)
            doc = _json(result)
            if doc:
                run.unknown = sum(f.get("outcome") == "unknown" for f in doc["findings"])
                run.extra = {"findings": len(doc["findings"])}
        elif command == "diff":
            if after is None:
                after = work / f"{snap.name}-after"
                if after.exists():
                    shutil.rmtree(after)
                shutil.copytree(snap, after)
                change = synth.change_one_scp_statement(after)
            run = measure(
                [ig, "diff", str(snap), str(after), "-f", "json", "-q"], args.limit, result
            )
            doc = _json(result)
            if doc:
                run.unknown = sum(p.get("result") == "UNKNOWN" for p in doc.get("principals", []))
                run.extra = {"result": doc.get("result"), "change": change}
        else:
            exe = cloudsplaining_exe()
            if exe is None:
                run = Run(
                    "cloudsplaining",
                    error="not installed (pip install -e '.[bench]', or set CLOUDSPLAINING)",
                )
            else:
                run = cloudsplaining_each(
                    exe, snap, work / f"{size.name}-cloudsplaining", args.limit
                )
                run.command = "cloudsplaining"
        size.runs[command] = run
        say(f"  {command}: {cell(run)}{'  ' + run.error if run.error else ''}")
    if not args.keep:
        shutil.rmtree(snap, ignore_errors=True)
        if after is not None:
            shutil.rmtree(after, ignore_errors=True)
    return size


def usable(run: Run | None) -> bool:
    """Finished within the limit, without an error: its time may be compared."""
    return bool(run and run.seconds and not run.error)


def cell(run: Run | None) -> str:
    if run is None:
        return "-"
    if run.error and run.seconds is None and not run.timed_out:
        return "not run"
    time_s = f"> {LIMIT[0]:.0f} s" if run.timed_out else f"{run.seconds:.1f} s"
    parts = [time_s]
    if run.peak_rss_mib is not None:
        parts.append(f"{run.peak_rss_mib:.0f} MiB")
    if run.unknown:
        parts.append(f"{run.unknown} unknown")
    if run.error and not run.timed_out:
        parts.append("error")
    return ", ".join(parts)


LIMIT = [900.0]


def table(sizes: list[Size], commands: tuple[str, ...]) -> str:
    head = ["principals (accounts x per account)", *commands, "recall", "privesc / cloudsplaining"]
    rows = []
    for s in sizes:
        pr, cs = s.runs.get("privesc"), s.runs.get("cloudsplaining")
        rec = pr.extra.get("recall") if pr else None
        recall_cell = (
            f"{rec:.0%} ({pr.extra['recall_found']}/{pr.extra['recall_planted']})"
            if rec is not None and pr.seconds
            else "-"
        )
        ratio = "-"
        if usable(pr) and usable(cs):
            ratio = f"{pr.seconds / cs.seconds:.2f}"
        rows.append(
            [
                f"{s.principals:,} ({s.accounts} x {s.per_account})",
                *(cell(s.runs.get(c)) for c in commands),
                recall_cell,
                ratio,
            ]
        )
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def exponents(sizes: list[Size], commands: tuple[str, ...]) -> list[dict]:
    out = []
    for a, b in itertools.pairwise(sizes):
        row = {"from": a.name, "to": b.name}
        for c in commands:
            ra, rb = a.runs.get(c), b.runs.get(c)
            if usable(ra) and usable(rb) and b.principals != a.principals:
                row[c] = math.log(rb.seconds / ra.seconds) / math.log(b.principals / a.principals)
            elif usable(ra) and rb and rb.timed_out:
                low = math.log(LIMIT[0] / ra.seconds) / math.log(b.principals / a.principals)
                row[c] = f"> {low:.2f}"
            else:
                row[c] = None
        out.append(row)
    return out


def say(text: str) -> None:
    print(text, flush=True)


def parse_custom(text: str) -> tuple[int, int]:
    try:
        a, m = text.lower().split("x")
        return int(a), int(m)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected ACCOUNTSxPER_ACCOUNT such as 10x100, got {text!r}"
        ) from None


def main(argv: list[str] | None = None) -> int:
    # every run works everything out: privesc's cache would answer who-can's steps (bench/cache.py
    # measures the cache)
    os.environ["IAMGRAPH_NO_CACHE"] = "1"
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--sizes", default="S,M", help="comma-separated among S, M, L (default S,M; empty for none)"
    )
    ap.add_argument("--large", action="store_true", help="also L (50 x 400 = 20,000 principals)")
    ap.add_argument(
        "--custom",
        type=parse_custom,
        action="append",
        default=[],
        metavar="NxM",
        help="also N accounts x M principals each (repeatable)",
    )
    ap.add_argument(
        "--commands",
        default=",".join(COMMANDS),
        help=f"comma-separated among {', '.join(COMMANDS)}",
    )
    ap.add_argument(
        "--limit",
        type=float,
        default=900.0,
        help="seconds per command before it is stopped (default 900)",
    )
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--builtin-managed",
        action="store_true",
        help="generate with the built-in AWS managed policy stand-ins",
    )
    ap.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="where snapshots and outputs go (default: a temporary folder)",
    )
    ap.add_argument("--keep", action="store_true", help="keep the generated snapshots")
    ap.add_argument(
        "--json", type=Path, default=None, help="also write the figures as JSON to this file"
    )
    args = ap.parse_args(argv)
    LIMIT[0] = args.limit
    args.commands = tuple(c for c in args.commands.split(",") if c)
    unknown = [c for c in args.commands if c not in COMMANDS]
    names = [n for n in args.sizes.split(",") if n]
    if args.large and "L" not in names:
        names.append("L")
    bad = [n for n in names if n not in SIZES]
    if unknown or bad:
        ap.error(f"unknown command or size: {', '.join(unknown + bad)}")
    plan = [Size(n, *SIZES[n]) for n in names] + [Size(f"{a}x{m}", a, m) for a, m in args.custom]
    plan.sort(key=lambda s: s.accounts * s.per_account)
    if "cloudsplaining" in args.commands and cloudsplaining_exe() is None:
        say(
            "cloudsplaining: not installed, its column stays empty (pip install -e '.[bench]', or CLOUDSPLAINING=/path/to/cloudsplaining)"
        )
    work = args.workdir or Path(tempfile.mkdtemp(prefix="iamgraph-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    say(f"iamgraph: {iamgraph_exe()}; limit {args.limit:.0f} s per command; work folder {work}")
    done = [run_size(s, args, work) for s in plan]
    say("")
    say(table(done, args.commands))
    fits = exponents(done, args.commands)
    for row in fits:
        parts = [
            f"{c} {v:.2f}" if isinstance(v, float) else f"{c} {v}"
            for c, v in row.items()
            if c not in ("from", "to") and v is not None
        ]
        say(f"exponent {row['from']} -> {row['to']}: {', '.join(parts) or 'n/a'}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(
                {
                    "limit": args.limit,
                    "seed": args.seed,
                    "sizes": [asdict(s) for s in done],
                    "exponents": fits,
                },
                indent=2,
            )
            + "\n"
        )
    if args.workdir is None and not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
