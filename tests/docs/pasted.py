"""The commands pasted in README.md and docs/*.md, run on the bundled fixtures and compared with
what they really print: a document may not show an output iamgraph no longer gives.

What counts as a pasted command, in an indented (4-space) block of a document:

    $ iamgraph can fixtures/demo-org ARN \\
        cloudtrail:StopLogging TRAIL          (a line ending in `\\` goes on)
    reachable ...                             (its output: up to the next `$` line or the
    ...                                       end of the block; trailing blank lines dropped)

A line that is `...` (any indentation) stands for any number of lines, the empty run included;
every other line must equal a line of the real output (trailing spaces aside), in order, and
lines without `...` between them must be adjacent. Without `...` first or last, the block must
start (end) where the output does. The real output is what iamgraph prints when stdout and
stderr are pipes (no colour, no progress bars): stderr's lines (warnings, errors, `wrote FILE`) first, then stdout's.
`$ echo $?` right after a command shows its exit code. `| tail -N` and `| head -N` cut stdout
as the shell would, and an unquoted argument that names files by a glob is expanded as bash
does (sorted; left as it is when it matches nothing).

How a command runs: as a golden case does (`tests/golden/capture.py`), in a process forked from
a server that has imported the CLI, from the repository root, `COLUMNS=100`, no colour, two
at a time. Solver commands get `--timeout 120`, as the goldens do, so that no answer depends on
how loaded the machine is (the document's own `--timeout` is kept). Volatile parts, and only
these, are normalized on both sides: the repository's absolute path (shown relative), the files
a command writes (`--render`, `--output`: written into the case's temporary folder, and the
path printed is mapped back to the one the document shows), and `"seconds"` in JSON.

The test reads a command that is also a golden case (same argv and setup) from its golden
file instead of running it again (tests/golden/test_golden.py holds that file to the real
output); the updater runs every command.

Commands that cannot run here are in `SKIPPED`, each with its reason; a `$` command that is
neither an `iamgraph` command, a `cat` of a file, nor in `SKIPPED` fails the test, so nothing
is left out in silence. `scripts/docs_outputs.py --update` pastes the real outputs back.
"""

from __future__ import annotations

import dataclasses
import difflib
import glob
import itertools
import re
import shlex
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from tests.golden.capture import NO_NEWLINE, REPO, run_all
from tests.golden.cases import Case

ELISION = "..."
PROMPT = "$ "
INDENT = "    "
TIMEOUT = ("--timeout", "120")  # seconds per solver call, as in tests/golden/cases.py
WRITE_OPTIONS = ("--render", "--output")  # their value is a file the command writes

# Commands (their start, as pasted) that the test does not run, and why.
SKIPPED: dict[str, str] = {
    "iamgraph collect ": "needs AWS credentials; tests/collect/ runs collect against moto",
    "iamgraph summary snapshot/": "the snapshot `iamgraph collect` took from moto in that run",
    "iamgraph summary snap": "a hostile snapshot built by tests/hostile/ (bad OU id, size limit)",
    "iamgraph audit snapshot ": "a copy of a snapshot with a bad password policy "
    "(tests/test_degrade.py builds it)",
    "iamgraph privesc fixtures/demo-org --deadline 0.5": "how far half a second gets depends "
    "on the machine",
    "cp -r fixtures/demo-org /tmp/after": "the setup of the `iamgraph diff ... /tmp/after` "
    "command below, which capture.SETUPS['demo-without-deny-assume'] makes",
    "python3 - <<'PY'": "the same setup (removes DenyAssumeIntoManagement from the copy)",
    "python3 -m venv ": "installation: the test runs inside an installed virtualenv",
    "pipx ": "installation: the test runs inside an installed virtualenv",
    "export PATH=": "installation: puts iamgraph on PATH",
    "ln -s ": "installation: puts iamgraph on PATH",
    "aws ": "needs AWS credentials (the quick start's policy commands)",
}

# Paths a document shows for inputs that a setup prepares in the case's temporary folder:
# the document's path -> (its place in that folder, the capture.SETUPS entry that makes it).
PLACED: dict[str, tuple[str, str]] = {
    "/tmp/after": ("after", "demo-without-deny-assume"),
    "file/x.svg": ("file/x.svg", "file-in-the-way"),
}

_SECONDS = re.compile(r'("seconds": )\d+(\.\d+)?')
_FILE_SECTION = re.compile(r"^== file ", re.M)


@dataclasses.dataclass(frozen=True)
class Pasted:
    """One `$` command of a document and the output pasted under it."""

    document: Path  # relative to the repository
    line: int  # 1-based line of the `$`
    command: str  # continuation lines joined, without the prompt
    output: tuple[str, ...]  # the pasted lines, indentation removed
    start: int  # 0-based index of the first output line in the document's lines
    end: int  # 0-based index after the last output line

    @property
    def id(self) -> str:
        return f"{self.document}:{self.line}"


def documents() -> list[Path]:
    """README.md and every Markdown page under docs/, relative to the repository."""
    docs = sorted(p.relative_to(REPO) for p in (REPO / "docs").glob("*.md"))
    return [Path("README.md"), *docs]


def parse(document: Path, text: str | None = None) -> list[Pasted]:
    """Every `$` command of `document` (or of `text`, its content), in order."""
    lines = (text if text is not None else (REPO / document).read_text()).split("\n")
    found: list[Pasted] = []
    i = 0
    in_fence = False
    while i < len(lines):
        line = lines[i]
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
        if in_fence or not line.startswith(INDENT + PROMPT):
            i += 1
            continue
        first = i
        command = line[len(INDENT + PROMPT) :]
        while command.endswith("\\") and i + 1 < len(lines):
            i += 1
            command = command[:-1].rstrip() + " " + lines[i].strip()
        i += 1
        start = i
        while i < len(lines):
            here = lines[i]
            if here.startswith(INDENT + PROMPT):
                break
            if here.strip() and not here.startswith(INDENT):
                break  # the block ended: prose
            i += 1
        end = i
        while end > start and not lines[end - 1].strip():
            end -= 1
        output = tuple(_unindent(x) for x in lines[start:end])
        found.append(Pasted(document, first + 1, command.strip(), output, start, end))
    return found


def _unindent(line: str) -> str:
    return line[len(INDENT) :] if line.startswith(INDENT) else line.lstrip()


def everything() -> list[Pasted]:
    return [p for d in documents() for p in parse(d)]


def skipped_by(command: str) -> str | None:
    """The SKIPPED entry that skips `command`, if any."""
    return next((s for s in SKIPPED if command.startswith(s) or command == s.strip()), None)


def skip_reason(command: str) -> str | None:
    start = skipped_by(command)
    return None if start is None else SKIPPED[start]


# -- running ----------------------------------------------------------------------------------


@cache
def _timeout_commands() -> frozenset[str]:
    """The iamgraph commands that take --timeout (read off the CLI, so new ones count)."""
    from typer.main import get_command

    from iamgraph.cli.app import app

    group = get_command(app)
    return frozenset(
        name
        for name, command in group.commands.items()  # type: ignore[attr-defined]
        if any("--timeout" in p.opts for p in command.params)
    )


@dataclasses.dataclass(frozen=True)
class Plan:
    """How a pasted command is run: the golden case, and how its output is read."""

    case: Case
    pipe: tuple[str, int] | None  # ("tail" | "head", N)
    back: tuple[tuple[str, str], ...]  # (text in the output, the document's path), in order


def plan(pasted: Pasted) -> Plan | None:
    """The golden case for an `iamgraph` command (None for `cat` and `echo $?`)."""
    words = shlex.split(pasted.command, comments=True)
    pipe = None
    if "|" in words:
        at = words.index("|")
        tool = words[at + 1 :]
        if len(tool) != 2 or tool[0] not in ("tail", "head") or not tool[1].startswith("-"):
            raise ValueError(f"{pasted.id}: only `| tail -N` and `| head -N` are understood")
        pipe = (tool[0], int(tool[1][1:]))
        words = words[:at]
    if not words or words[0] != "iamgraph":
        return None
    argv = [w for word in words[1:] for w in _expand(word)]
    setup = None
    back: list[tuple[str, str]] = []
    for k, word in enumerate(argv):
        if word in PLACED:
            place, setup = PLACED[word]
            argv[k] = f"{{out}}/{place}"
            back.append((f"<out>/{place}", word))
        elif k and argv[k - 1] in WRITE_OPTIONS and not word.startswith("/"):
            argv[k] = f"{{out}}/{word}"
    back.append(("<out>/", ""))
    back.append(("<repo>/", ""))
    if argv and argv[0] in _timeout_commands() and "--timeout" not in argv:
        argv += TIMEOUT
    name = f"docs-{pasted.id}"
    return Plan(Case(name, tuple(argv), setup=setup), pipe, tuple(back))


def _expand(word: str) -> list[str]:
    """An argument as bash passes it: a glob that names files becomes them, sorted."""
    if not any(c in word for c in "*?[") or ":" in word:
        return [word]
    found = sorted(glob.glob(word, root_dir=REPO))
    return found or [word]


@dataclasses.dataclass(frozen=True)
class Real:
    """What a pasted command really printed, as the document would show it."""

    lines: tuple[str, ...]
    exit_code: int
    error: str | None = None  # the command did not run (the fork server's message)


def _sections(text: str) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of a golden text (capture._run_here's format; a docs case
    writes no file sections)."""
    head, _, rest = text.partition("\n== stdout\n")
    code = int(head.splitlines()[1].removeprefix("exit "))
    rest = "\n" + rest  # so that an empty stdout splits like any other
    stdout, _, stderr = rest.partition("\n== stderr\n")
    stdout = stdout[1:] + "\n" if stdout[1:] else ""
    stderr = _FILE_SECTION.split(stderr, maxsplit=1)[0]  # a golden case's written files
    return code, _text(stdout), _text(stderr)


def _text(section: str) -> str:
    return section.replace("\n" + NO_NEWLINE.rstrip("\n"), "")


def _lines(text: str) -> list[str]:
    return text.split("\n")[:-1] if text.endswith("\n") else text.split("\n") if text else []


def run(pastes: Iterable[Pasted], goldens: bool = False) -> dict[str, Real]:
    """Run every pasted iamgraph command (two at a time, one forked process each) and read
    `cat` files; return {pasted id: Real}. `echo $?` answers the previous command's exit code.

    With `goldens`, a command that is a golden case (same argv and setup) is read from its
    golden file instead of run: tests/golden/test_golden.py holds that file to the real output,
    so the test checks the same thing in a fraction of the time. The updater runs everything."""
    pastes = list(pastes)
    plans = {p.id: plan(p) for p in pastes if not skip_reason(p.command)}
    known = _golden_texts() if goldens else {}
    texts: dict[str, str | Exception] = {}
    cases = []
    for pl in plans.values():
        if pl is None:
            continue
        if (pl.case.argv, pl.case.setup) in known:
            texts[pl.case.name] = known[pl.case.argv, pl.case.setup]
        else:
            cases.append(pl.case)
    texts.update(run_all(cases) if cases else {})
    real: dict[str, Real] = {}
    previous: Real | None = None
    for p in pastes:
        if skip_reason(p.command):
            previous = None
            continue
        pl = plans[p.id]
        if pl is None:
            real[p.id] = previous_exit(p, previous) or _cat(p)
        else:
            text = texts[pl.case.name]
            if isinstance(text, Exception):
                real[p.id] = Real((), -1, str(text))
            else:
                real[p.id] = _shown(text, pl)
        previous = real[p.id]
    return real


def _golden_texts() -> dict[tuple[tuple[str, ...], str | None], str]:
    from tests.golden.capture import expected_path
    from tests.golden.cases import CASES

    return {
        (c.argv, c.setup): expected_path(c).read_text() for c in CASES if expected_path(c).exists()
    }


def previous_exit(pasted: Pasted, previous: Real | None) -> Real | None:
    if pasted.command.replace(" ", "") != "echo$?":
        return None
    if previous is None:
        return Real((), -1, "`echo $?` must follow an iamgraph command the test runs")
    return Real((str(previous.exit_code),), 0)


def _cat(pasted: Pasted) -> Real:
    words = shlex.split(pasted.command, comments=True)
    if words[0] != "cat" or len(words) != 2:
        return Real((), -1, f"not a command the test knows how to run: {pasted.command!r}")
    path = REPO / words[1]
    if not path.is_file():
        return Real((), 1, f"cat: {words[1]}: no such file")
    return Real(tuple(_lines(path.read_text())), 0)


def _shown(text: str, pl: Plan) -> Real:
    code, stdout, stderr = _sections(text)
    if "<exception " in stderr:
        return Real((), code, f"the command raised: {stderr.strip()}")
    out, err = _lines(stdout), _lines(stderr)
    if pl.pipe is not None:
        tool, n = pl.pipe
        out = out[-n:] if tool == "tail" else out[:n]
    shown = []
    for line in [*err, *out]:
        for found, doc in pl.back:
            line = line.replace(found, doc)
        shown.append(_SECONDS.sub(r"\1<seconds>", line))
    return Real(tuple(shown), code)


# -- comparing and re-pasting ------------------------------------------------------------------


def _is_elision(line: str) -> bool:
    return line.strip() == ELISION


def _same(pasted: str, real: str) -> bool:
    return _SECONDS.sub(r"\1<seconds>", pasted.rstrip()) == real.rstrip()


def matches(pasted: tuple[str, ...], real: tuple[str, ...]) -> bool:
    """Whether the pasted lines show the real output (see the module's docstring)."""
    segments: list[list[str]] = [[]]
    for line in pasted:
        if _is_elision(line):
            segments.append([])
        else:
            segments[-1].append(line)
    if len(segments) == 1:
        return len(real) == len(pasted) and all(map(_same, pasted, real))
    first, *middle, last = segments
    if not _at(first, real, 0):
        return False
    at = len(first)
    for segment in middle:
        found = next(
            (k for k in range(at, len(real) - len(segment) + 1) if _at(segment, real, k)), None
        )
        if found is None:
            return False
        at = found + len(segment)
    return len(real) - len(last) >= at and _at(last, real, len(real) - len(last))


def _at(segment: list[str], real: tuple[str, ...], k: int) -> bool:
    return k + len(segment) <= len(real) and all(
        _same(s, r) for s, r in zip(segment, real[k : k + len(segment)], strict=False)
    )


def repaste(pasted: tuple[str, ...], real: tuple[str, ...]) -> tuple[str, ...]:
    """The lines to paste for `real`: `pasted` itself when it still matches; else the real
    output with the author's `...` kept where they still fit, else the whole output.

    The author's lines are aligned with the real ones (difflib); between two aligned lines
    (or the start and end), a stretch of the author's that holds `...` keeps it: its changed
    lines before the first `...` and after the last one take the same number of real lines
    at that end of the stretch, and the real lines between are elided. A stretch with a
    changed line between two `...` cannot be placed and is pasted whole."""
    if matches(pasted, real):
        return pasted
    kept = [(i, line) for i, line in enumerate(pasted) if not _is_elision(line)]
    blocks = difflib.SequenceMatcher(
        None, [line.rstrip() for _, line in kept], [line.rstrip() for line in real], False
    ).get_matching_blocks()
    pairs = [(kept[a + k][0], b + k) for a, b, size in blocks for k in range(size)]
    bounds = [(-1, -1), *pairs, (len(pasted), len(real))]
    shown = [True] * len(real)
    marks: dict[int, str] = {}  # the real index an elision stands before -> the `...` line
    for (pa, ra), (pb, rb) in itertools.pairwise(bounds):
        gap = pasted[pa + 1 : pb]
        at = [k for k, line in enumerate(gap) if _is_elision(line)]
        if not at:
            continue
        lead, trail = at[0], len(gap) - 1 - at[-1]
        middle = sum(not _is_elision(line) for line in gap[at[0] : at[-1] + 1])
        first, last = ra + 1 + lead, rb - trail  # the real lines to elide: [first, last)
        if middle or first > last:
            continue  # cannot be placed: the stretch is pasted whole
        for k in range(first, last):
            shown[k] = False
        marks[first] = gap[at[0]].rstrip()
    new: list[str] = []
    for k in range(len(real) + 1):
        if k in marks:
            new.append(marks[k])
        if k < len(real) and shown[k]:
            new.append(real[k].rstrip())
    result = tuple(new)
    return result if matches(result, real) else tuple(line.rstrip() for line in real)


def diff(pasted: Pasted, lines: tuple[str, ...]) -> str:
    return "".join(
        difflib.unified_diff(
            [x + "\n" for x in pasted.output],
            [x + "\n" for x in lines],
            f"{pasted.id} (pasted)",
            "real output",
        )
    )


def rewrite(document: Path, new_outputs: dict[int, tuple[str, ...]]) -> str:
    """The document's text with the output of the command at each line replaced."""
    text = (REPO / document).read_text()
    lines = text.split("\n")
    for pasted in sorted(parse(document, text), key=lambda p: -p.start):
        if pasted.line not in new_outputs:
            continue
        body = [INDENT + x if x else "" for x in new_outputs[pasted.line]]
        lines[pasted.start : pasted.end] = body
    return "\n".join(lines)
