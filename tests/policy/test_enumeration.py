"""The classes of new access are all listed, or the rest is UNKNOWN (issue 14, item 6).

`diff-policy` once dropped the `s3:ListBucket` class on a loaded machine and said nothing:
the enumeration stopped on a wall-clock budget. These tests make the solver give up (a
timeout, simulated: z3 answers `unknown`) or the clock race, without any real timing, and
check that what was not finished is an UNKNOWN finding beside the classes found, never a
shorter FAIL (DESIGN: `unknown` is never printed as safe).
"""

from __future__ import annotations

import json
import time

import pytest
import z3
from typer.testing import CliRunner

from iamgraph.cli.app import app
from iamgraph.load.policy_file import load_policy_file
from iamgraph.model.policy import PolicyKind
from iamgraph.premerge.policy_diff import diff_policies, settings
from iamgraph.solvers import compare
from iamgraph.solvers.compare import new_access
from iamgraph.verdict import Result
from tests.conftest import FIXTURES, REPO

runner = CliRunner()
DIFF = FIXTURES / "policies" / "diff"
OLD, NEW = DIFF / "reader-wildcard.json", DIFF / "reader-widened.json"
EVERY_CLASS = ["s3:GetObject", "s3:ListBucket", "s3:PutObject"]  # sorted
SOLVER = z3.Solver  # the real one, before any test patches it


@pytest.fixture(autouse=True)
def at_repo_root(monkeypatch):
    monkeypatch.chdir(REPO)


def load(path):
    return load_policy_file(path)[0]


def gives_up_after(answers: int) -> type[SOLVER]:
    """A solver that answers `answers` checks, then times out on every other, as z3 does when
    a machine is too busy (no real timeout is waited for)."""

    class GivesUp(SOLVER):
        calls = 0

        def check(self, *assumptions):
            type(self).calls += 1
            return z3.unknown if type(self).calls > answers else super().check(*assumptions)

        def reason_unknown(self):
            return "timeout"

    return GivesUp


def test_every_class_is_listed_in_a_fixed_order():
    result = diff_policies(load(OLD), load(NEW), PolicyKind.IDENTITY)
    assert result.result == Result.FAIL and result.complete
    assert [n.action for n in result.new_access] == EVERY_CLASS


def test_a_slow_clock_does_not_shorten_the_list(monkeypatch):
    """A clock that runs 10 s per reading (a machine under heavy load): the enumeration
    has no time budget, so every class is still found (before: only s3:PutObject)."""
    real = time.perf_counter
    ticks = iter(range(10**9))
    monkeypatch.setattr(time, "perf_counter", lambda: real() + 10.0 * next(ticks))
    result = diff_policies(load(OLD), load(NEW), PolicyKind.IDENTITY)
    assert [n.action for n in result.new_access] == EVERY_CLASS and result.complete


def test_a_solver_timeout_mid_enumeration_leaves_the_rest_unknown(monkeypatch):
    """The solver finds one class, then times out: FAIL (that class is proven new) but not
    complete, with the reason (before: a FAIL of one class, the rest a mere note)."""
    monkeypatch.setattr(compare.z3, "Solver", gives_up_after(1))
    result = diff_policies(load(OLD), load(NEW), PolicyKind.IDENTITY)
    assert result.result == Result.FAIL
    assert len(result.new_access) == 1 and result.new_access[0].action in EVERY_CLASS
    assert not result.complete
    assert any("solver gave up (timeout)" in r and "more may exist" in r for r in result.reasons)


def test_a_solver_timeout_before_any_class_is_unknown(monkeypatch):
    monkeypatch.setattr(compare.z3, "Solver", gives_up_after(0))
    monkeypatch.setattr(compare, "_obvious", lambda *a: iter(()))
    result = diff_policies(load(OLD), load(NEW), PolicyKind.IDENTITY)
    assert result.result == Result.UNKNOWN and result.new_access == ()
    assert result.reasons == ("solver gave up (timeout)",)


def test_the_class_limit_is_unfinished_enumeration():
    before, after = load(OLD), load(NEW)
    (setting,) = settings(PolicyKind.IDENTITY, [before, after])
    result = new_access(setting.place(before), setting.place(after), limit=1)
    assert result.result == Result.FAIL and len(result.new_access) == 1
    assert not result.complete
    assert result.reasons == ("stopped after 1 classes of new access: more may exist",)


def test_cli_reports_the_unfinished_part_as_unknown(monkeypatch, tmp_path):
    """Text, JSON and SARIF carry the open question; once the class found is accepted
    (suppressed), the check is UNKNOWN (exit 3), not PASS (before: exit 0)."""
    monkeypatch.setattr(compare.z3, "Solver", gives_up_after(1))
    text = runner.invoke(app, ["diff-policy", str(OLD), str(NEW)])
    assert text.exit_code == 1, text.output
    assert "1 classes found; whether there are more is unknown" in text.stdout.splitlines()[0]
    assert "  unknown: solver gave up (timeout) after 1 classes" in text.stdout
    monkeypatch.setattr(compare.z3, "Solver", gives_up_after(1))
    doc = json.loads(runner.invoke(app, ["diff-policy", str(OLD), str(NEW), "-f", "json"]).stdout)
    assert doc["result"] == "FAIL" and doc["complete"] is False
    monkeypatch.setattr(compare.z3, "Solver", gives_up_after(1))
    sarif = runner.invoke(app, ["diff-policy", str(OLD), str(NEW), "-f", "sarif"])
    rules = [r["ruleId"] for r in json.loads(sarif.stdout)["runs"][0]["results"]]
    assert sorted(rules) == ["IAMG-P001", "IAMG-P005"]
    accepted = tmp_path / "accepted.toml"
    accepted.write_text(
        '[[suppression]]\nrule = "IAMG-P001"\nmatch = "s3:* *Sid ReadReports"\n'
        'justification = "the nightly job reads and writes reports (SEC-42)"\n'
    )
    monkeypatch.setattr(compare.z3, "Solver", gives_up_after(1))
    gate = runner.invoke(app, ["diff-policy", str(OLD), str(NEW), "--suppressions", str(accepted)])
    assert gate.exit_code == 3, gate.output
    assert gate.stdout.startswith("UNKNOWN")
