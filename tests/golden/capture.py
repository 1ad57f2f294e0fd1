"""Run one golden case and turn what it printed and wrote into the text its golden file holds.

Shared by `regenerate.py` (writes the files) and `test_golden.py` (compares with them), so
both capture the same way. A case runs through typer's CliRunner from the repository root, with
a fixed terminal width and no colour, as the real CLI prints into a pipe, in a process of its
own forked from a clean server (`_zygote.py`) that has already imported the CLI and built the
IAM action catalog: no interpreter start per case, and yet each case starts from the state a
fresh `iamgraph` process has. That matters: z3 picks witness values (an `aws:SourceIp`, a
resource name) by the order in which terms were created in its process-wide context, so the
same command run after other commands in one process can print another witness.
`subprocess=True` cases, and `regenerate.py --subprocess` for every case, run the installed
`iamgraph` script instead (its output equals the forked runs' for every case).

Only what is genuinely not the program's behaviour is normalized: the repository's absolute
path (`<repo>`), the case's temporary output folder (`<out>`), and timings. Everything
else is kept byte for byte.
"""

from __future__ import annotations

import dataclasses
import json
import os
import queue
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.golden.cases import Case

REPO = Path(__file__).resolve().parents[2]
EXPECTED = Path(__file__).resolve().parent / "expected"
# What the captured text must not depend on: the terminal, colour, the caller's locale.
ENV = {
    "COLUMNS": "100",
    "LINES": "50",
    "NO_COLOR": "1",
    "TERM": "dumb",
    "PYTHONIOENCODING": "utf-8",
}
ENV_REMOVED = ("FORCE_COLOR", "CLICOLOR_FORCE", "TTY_COMPATIBLE", "TTY_INTERACTIVE")
NO_NEWLINE = "\\ no newline at end\n"
JOBS = min(2, os.cpu_count() or 1)  # cases run at once: each is its own process


def _remove_deny_assume_into_management(out: Path) -> None:
    """README `iamgraph diff`: demo-org with DenyAssumeIntoManagement taken out of the
    workloads-guardrails SCP, as the README's python snippet does it."""
    after = out / "after"
    shutil.copytree(REPO / "fixtures" / "demo-org", after)
    path = after / "organization" / "describe-policy" / "p-wkld0001.json"
    data = json.loads(path.read_text())
    content = json.loads(data["Policy"]["Content"])
    content["Statement"] = [
        s for s in content["Statement"] if s["Sid"] != "DenyAssumeIntoManagement"
    ]
    data["Policy"]["Content"] = json.dumps(content)
    path.write_text(json.dumps(data, indent=4))


def _copy_demo(out: Path) -> None:
    """An unchanged copy of demo-org: `diff` of two equal snapshots."""
    shutil.copytree(REPO / "fixtures" / "demo-org", out / "after")


def _empty_folder(out: Path) -> None:
    """An empty folder (git cannot hold one): not a snapshot."""
    (out / "empty").mkdir()


def _file_in_the_way(out: Path) -> None:
    """A file named `file` where an output's folder should be (README, "Bad input")."""
    (out / "file").write_text("")


SETUPS: dict[str, Callable[[Path], None]] = {
    "demo-without-deny-assume": _remove_deny_assume_into_management,
    "demo-copy": _copy_demo,
    "empty-folder": _empty_folder,
    "file-in-the-way": _file_in_the_way,
}


def _section(title: str, text: str) -> str:
    if text and not text.endswith("\n"):
        text += "\n" + NO_NEWLINE
    return f"== {title}\n{text}"


_SECONDS = re.compile(r'("seconds": )\d+(\.\d+)?')
_SVG = re.compile(r"<svg\b.*?</svg>", re.S)


def normalize(text: str, out: Path) -> str:
    """Replace what differs between runs and machines, and nothing else."""
    text = text.replace(str(out.resolve()), "<out>").replace(str(out), "<out>")
    text = text.replace(str(REPO), "<repo>")
    return _SECONDS.sub(r"\1<seconds>", text)


def _svg_labels(svg: str) -> str:
    """What an SVG diagram says, without where Graphviz put it: the titles (node ids, edges)
    and text labels in document order. Coordinates and Graphviz's version stay out."""
    found = re.findall(r"<title>(.*?)</title>|<text\b[^>]*>(.*?)</text>", svg, re.S)
    lines = [f"title {t}" if t else f"text {x}" for t, x in found]
    return "<svg labels>\n" + "".join(f"  {line}\n" for line in lines) + "</svg>"


def _file_text(path: Path, out: Path) -> str:
    """A written file's text. SVG (a file, or inline in HTML) is reduced to its labels: the
    layout is Graphviz's, not iamgraph's, and the DOT goldens cover what is drawn."""
    if not path.exists():
        return "(not written)\n"
    text = path.read_text()
    if path.suffix == ".svg":
        text = _svg_labels(text) + "\n"
    elif path.suffix == ".html":
        text = _SVG.sub(lambda m: _svg_labels(m.group(0)), text)
    return normalize(text, out)


def _in_process(argv: list[str]) -> tuple[int, str, str]:
    from typer.testing import CliRunner

    from iamgraph.cli.app import app

    env: dict[str, str | None] = {**ENV, **dict.fromkeys(ENV_REMOVED)}
    result = CliRunner().invoke(app, argv, env=env, prog_name="iamgraph", color=False)
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        # the real CLI would print a traceback: record the exception, never hide it
        exc = result.exception
        stderr += f"<exception {type(exc).__name__}: {exc}>\n"
    return result.exit_code, result.stdout, stderr


def _subprocess(argv: list[str]) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ENV_REMOVED} | ENV
    script = Path(sys.executable).parent / "iamgraph"
    done = subprocess.run(
        [str(script), *argv], cwd=REPO, env=env, capture_output=True, text=True, check=False
    )
    return done.returncode, done.stdout, done.stderr


class _Zygote:
    """A clean process that has imported the CLI and built the catalog, and forks one child
    per case (`_zygote.py`): each case starts from the state of a fresh `iamgraph` process."""

    def __init__(self) -> None:
        env = {k: v for k, v in os.environ.items() if k not in ENV_REMOVED} | ENV
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.golden._zygote"],
            cwd=REPO,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def run(self, case: Case, force_subprocess: bool) -> str:
        request = {"case": dataclasses.asdict(case), "subprocess": force_subprocess}
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"golden case {case.name}: the fork server died")
        status, text = json.loads(line)
        if status != "ok":
            raise RuntimeError(f"golden case {case.name}: {text}")
        return text

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def run_all(cases: list[Case], jobs: int = JOBS, force_subprocess: bool = False) -> dict:
    """Run `cases`, `jobs` at a time (one fork server each); return {name: golden text, or
    the RuntimeError that stopped the case}."""
    servers: queue.Queue[_Zygote] = queue.Queue()
    started = [_Zygote() for _ in range(max(1, min(jobs, len(cases))))]
    for server in started:
        servers.put(server)

    def one(case: Case) -> tuple[str, str | RuntimeError]:
        server = servers.get()
        try:
            return case.name, server.run(case, force_subprocess)
        except RuntimeError as exc:
            return case.name, exc
        finally:
            servers.put(server)

    order = sorted(cases, key=lambda c: not c.heavy)  # heavy ones first, stable otherwise
    try:
        with ThreadPoolExecutor(len(started)) as pool:
            return dict(pool.map(one, order))
    finally:
        for server in started:
            server.close()


def run(case: Case, force_subprocess: bool = False) -> str:
    """Run one case in a fresh process forked from a clean server; return its golden text."""
    text = run_all([case], 1, force_subprocess)[case.name]
    if isinstance(text, RuntimeError):
        raise text
    return text


def _run_here(case: Case, force_subprocess: bool = False) -> str:
    """Run `case` in this process from the repository root and return its golden text."""
    with tempfile.TemporaryDirectory(prefix="iamgraph-golden-") as tmp:
        out = Path(tmp)
        if case.setup:
            SETUPS[case.setup](out)
        argv = [a.replace("{out}", str(out)) for a in case.argv]
        cwd = Path.cwd()
        os.chdir(REPO)
        try:
            if case.subprocess or force_subprocess:
                code, stdout, stderr = _subprocess(argv)
            else:
                code, stdout, stderr = _in_process(argv)
        finally:
            os.chdir(cwd)
        parts = [
            f"$ iamgraph {shlex.join(case.argv)}\n",
            f"exit {code}\n",
            _section("stdout", normalize(stdout, out)),
            _section("stderr", normalize(stderr, out)),
        ]
        for name in case.files:
            parts.append(_section(f"file {name}", _file_text(out / name, out)))
        return "".join(parts)


def expected_path(case: Case) -> Path:
    return EXPECTED / f"{case.name}.txt"
