"""Every command's output, as golden files: exit code, stdout, stderr and written files of each
case in `cases.py` must equal `expected/<name>.txt` byte for byte (after `capture.normalize`).

A difference is a behaviour change. If it is intended, regenerate the file
(`python tests/golden/regenerate.py NAME`) and say in the commit message why the output changed.
"""

from __future__ import annotations

import difflib
from datetime import date

import pytest

from tests.golden.capture import EXPECTED, expected_path, run_all
from tests.golden.cases import CASES


@pytest.fixture(scope="module")
def outputs(request) -> dict:
    """Every selected case's output, run two at a time (each in a process of its own) once
    for the module; each test then compares one."""
    selected = []
    for item in request.session.items:
        callspec = getattr(item, "callspec", None)
        if item.module is request.module and callspec is not None and "case" in callspec.params:
            selected.append(callspec.params["case"])
    return run_all(selected)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_output_is_unchanged(case, outputs):
    path = expected_path(case)
    assert path.exists(), f"no golden file: run python tests/golden/regenerate.py {case.name}"
    expected = path.read_text()
    actual = outputs[case.name]
    if isinstance(actual, Exception):
        pytest.fail(f"case {case.name} did not run: {actual}", pytrace=False)
    if actual != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(True),
                actual.splitlines(True),
                f"expected/{case.name}.txt",
                "actual",
            )
        )
        pytest.fail(
            f"output of `{case.name}` changed (a behaviour change; if intended, run "
            f"python tests/golden/regenerate.py {case.name} and say why in the commit):\n{diff}",
            pytrace=False,
        )


def test_every_golden_file_has_a_case():
    names = {c.name for c in CASES}
    stale = sorted(p.name for p in EXPECTED.glob("*.txt") if p.stem not in names)
    assert stale == [], "golden files without a case (delete them or restore the case)"


def test_no_golden_depends_on_the_day_it_runs():
    """An output that prints today's date (an audit without --as-of) passes the day it is
    captured and fails the next: every case that dates must pin the clock."""
    today = date.today().isoformat()
    dated = sorted(p.name for p in EXPECTED.glob("*.txt") if today in p.read_text())
    assert dated == [], f"goldens holding today's date {today}: pin it with --as-of"
