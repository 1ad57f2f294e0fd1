"""The answer commands' text output fits 100 columns (issue 19): every golden case of `ask`,
`who-can`, `can`, `privesc`, `check` and `audit` in text format, run with COLUMNS=100, has
no stdout line wider than 100 characters, unless the line is one word (an ARN or a path that
cannot be broken) on its own; and the answer comes first: the first line says YES, NO or
UNKNOWN (PASS, FAIL or UNKNOWN), or, for an error, stdout is empty."""

from __future__ import annotations

import re
import shlex

import pytest

from tests.golden.capture import EXPECTED
from tests.golden.cases import CASES

COMMANDS = {"ask", "who-can", "can", "privesc", "check", "audit"}
WIDTH = 100
NOT_TEXT = {"json", "sarif", "markdown", "html"}


def _text_case(argv: tuple[str, ...]) -> bool:
    if not argv or argv[0] not in COMMANDS or "--list" in argv:
        return False
    for flag in ("-f", "--format"):
        if flag in argv and argv[argv.index(flag) + 1] in NOT_TEXT:
            return False
    return not any(a in ("-o", "--output") for a in argv)


CHECKED = [c for c in CASES if _text_case(c.argv)]


def _stdout(name: str) -> list[str]:
    lines = (EXPECTED / f"{name}.txt").read_text().splitlines()
    start = lines.index("== stdout") + 1
    return lines[start : lines.index("== stderr", start)]


def test_the_cases_cover_every_answer_command():
    assert {c.argv[0] for c in CHECKED} == COMMANDS
    assert len(CHECKED) >= 40


@pytest.mark.parametrize("case", CHECKED, ids=lambda c: c.name)
def test_text_fits_100_columns(case):
    wide = [
        line
        for line in _stdout(case.name)
        if len(line) > WIDTH and len(line.strip().split(" ")) > 1
    ]
    assert not wide, f"{shlex.join(case.argv)}: lines over {WIDTH} columns:\n" + "\n".join(wide)


ANSWER = re.compile(r"^(YES|NO|UNKNOWN|PASS|FAIL): ")


@pytest.mark.parametrize("case", CHECKED, ids=lambda c: c.name)
def test_the_answer_comes_first(case):
    lines = _stdout(case.name)
    assert not lines or ANSWER.match(lines[0]), f"{case.name} starts with {lines[0]!r}"
