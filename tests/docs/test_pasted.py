"""Every `$ iamgraph ...` command pasted in README.md and docs/*.md prints what the document
shows (see `pasted.py` for the rules: `...` elisions, stderr before stdout, `echo $?`, what is
normalized, and the commands skipped with their reasons).

On a failure, run `python scripts/docs_outputs.py --update` to paste the real outputs back
(it keeps the `...` elisions that still fit) and review `git diff README.md docs/`.
"""

from __future__ import annotations

import pytest

from tests.docs.pasted import (
    SKIPPED,
    diff,
    everything,
    matches,
    plan,
    repaste,
    run,
    skip_reason,
    skipped_by,
)

PASTED = everything()
RUNNABLE = [p for p in PASTED if not skip_reason(p.command)]
FIX = "run `python scripts/docs_outputs.py --update` and review `git diff README.md docs/`"


@pytest.fixture(scope="module")
def real():
    """Every runnable pasted command's output, two at a time, once for the module."""
    return run(RUNNABLE, goldens=True)


@pytest.mark.parametrize("pasted", RUNNABLE, ids=[p.id for p in RUNNABLE])
def test_pasted_output_is_real(pasted, real):
    got = real[pasted.id]
    if got.error is not None:
        pytest.fail(f"{pasted.id}: `{pasted.command}` did not run: {got.error}", pytrace=False)
    if not matches(pasted.output, got.lines):
        pytest.fail(
            f"{pasted.id}: `{pasted.command}` prints something else than the document shows; "
            f"if the new output is right, {FIX}:\n{diff(pasted, got.lines)}",
            pytrace=False,
        )


def test_every_skip_is_used_and_every_command_is_known():
    """A skip that matches no pasted command is stale; a command neither run nor skipped is
    an error (see `run`: it reports what it cannot run)."""
    used = {skipped_by(p.command) for p in PASTED}
    assert [s for s in SKIPPED if s not in used] == []
    for p in RUNNABLE:
        assert plan(p) is not None or p.command.split()[0] in ("cat", "echo"), p.id


def test_the_documents_show_the_commands():
    """The quick start's commands are pasted (a parser that finds nothing checks nothing)."""
    commands = {p.command.split()[1] for p in RUNNABLE if p.command.startswith("iamgraph ")}
    assert {"audit", "privesc", "ask", "summary", "can", "who-can", "diff"} <= commands
    assert len(RUNNABLE) > 60


def test_matching_rules():
    real = ("a", "b", "c", "d")
    assert matches(("a", "b", "c", "d"), real)
    assert matches(("a", "...", "d"), real)
    assert matches(("...", "c", "d"), real)
    assert matches(("a", "b", "..."), real)
    assert matches(("a", "...", "b", "...", "d"), real)  # an elision may stand for nothing
    assert not matches(("a", "c", "d"), real)  # adjacency without `...`
    assert not matches(("a", "b", "c"), real)  # the end without `...`
    assert not matches(("b", "...", "d"), real)  # the start without `...`
    assert not matches(("a", "...", "x", "..."), real)
    assert matches(('  "seconds": 0.5,',), ('  "seconds": <seconds>,',))


def test_repaste_keeps_the_elisions_that_still_fit():
    pasted = ("header", "...", "row ci-deployer", "...", "total 3")
    real = ("new header", "a", "b", "row ci-deployer", "c", "total 4")
    assert repaste(pasted, real) == ("new header", "...", "row ci-deployer", "...", "total 4")
    assert repaste(repaste(pasted, real), real) == repaste(pasted, real)  # idempotent
    assert repaste(("x", "...", "y"), ("x", "z", "y")) == ("x", "...", "y")  # still matches
    # a changed line between two elisions cannot be placed: that stretch is pasted whole
    assert repaste(("a", "...", "gone", "...", "d"), ("a", "b", "c", "d2")) == (
        "a",
        "b",
        "c",
        "d2",
    )
    # lines a new output inserts between two adjacent pasted lines are shown
    assert repaste(("a", "b"), ("a", "new", "b")) == ("a", "new", "b")
