"""The pre-merge commands' library calls (`premerge.run`, issue 15): the invariants file is read
once for its invariants and its suppressions, the verdict an UNKNOWN counts as, and the audit's
option checks made before any snapshot is read."""

from __future__ import annotations

import tomllib

import pytest
from typer.testing import CliRunner

from iamgraph.audit.run import audit_snapshot
from iamgraph.cli.app import app
from iamgraph.errors import InputError
from iamgraph.premerge import run
from iamgraph.premerge.report import counted
from tests.conftest import REPO

DEMO = REPO / "fixtures/demo-org"
# dev.one and dev.two can become admin on the demo organization (tests/policy/test_invariants.py)
ESCALATION = """[[invariant]]
name = "admins"
escalation = true
allow = ["arn:aws:iam::333344445555:role/SecurityTooling"]

[[suppression]]
rule = "IAMG-P003"
subject = "arn:aws:iam::555566667777:user/dev.*"
justification = "developers' sandbox (SEC-1)"
"""


def test_the_invariants_file_is_read_once_and_its_suppressions_apply(tmp_path, monkeypatch):
    toml = tmp_path / "inv.toml"
    toml.write_text(ESCALATION)
    parsed: list[str] = []
    real = tomllib.loads

    def counting(text: str, **kwargs) -> dict:
        parsed.append(text)
        return real(text, **kwargs)

    monkeypatch.setattr(tomllib, "loads", counting)
    monkeypatch.chdir(REPO)
    result = CliRunner().invoke(app, ["check", str(DEMO), "--invariants", str(toml)])
    # not once for the invariants and again for the suppressions
    assert parsed.count(ESCALATION) == 1
    assert result.exit_code == 0, result.output  # both breaking principals accepted
    lines = result.stdout.splitlines()
    assert lines[0].startswith(
        f"PASS: 1 of 1 invariant in {toml} broken only where suppressed (2 findings): admins"
    )
    assert lines[1] == "FAIL     admins"
    assert [line.split(":")[0] for line in lines if line.startswith("suppressed")] == [
        "suppressed IAMG-P003 arn",
        "suppressed IAMG-P003 arn",
    ]


def test_check_invariants_returns_the_outcomes_and_the_judged_report(tmp_path):
    toml = tmp_path / "inv.toml"
    toml.write_text(ESCALATION)
    checked = run.check_invariants(DEMO, toml, timeout_ms=30_000)
    (outcome,) = checked.outcomes
    assert outcome.result == "FAIL"
    assert sorted(r.answer.principal for r in outcome.breaking) == [
        "arn:aws:iam::555566667777:user/dev.one",
        "arn:aws:iam::555566667777:user/dev.two",
    ]
    assert checked.report.result == "PASS"  # every finding suppressed
    assert all(i.suppression for i in checked.report.items) and checked.report.items
    assert {r.answer.principal for r in checked.paths} == {
        r.answer.principal for r in outcome.breaking
    }


@pytest.mark.parametrize(
    "result, on_unknown, counts",
    [
        ("UNKNOWN", "unknown", "UNKNOWN"),
        ("UNKNOWN", "pass", "PASS"),
        ("UNKNOWN", "fail", "FAIL"),
        ("FAIL", "pass", "FAIL"),  # --unknown never turns a proven verdict
        ("PASS", "fail", "PASS"),
    ],
)
def test_what_a_verdict_counts_as(result, on_unknown, counts):
    assert counted(result, on_unknown) == counts


def test_diff_needs_exactly_one_after_side(tmp_path):
    with pytest.raises(InputError, match="give the AFTER snapshot or --plan"):
        run.diff(DEMO, DEMO, plan=tmp_path / "plan.json", timeout_ms=1000)
    with pytest.raises(InputError, match="give the AFTER snapshot or --plan"):
        run.diff(DEMO, timeout_ms=1000)


def test_the_audit_refuses_a_bad_check_or_date_before_reading_the_snapshot(tmp_path):
    missing = tmp_path / "no-such-snapshot"
    with pytest.raises(InputError) as bad:
        audit_snapshot(missing, ["NO.SUCH.CHECK"], timeout_ms=1000)
    assert str(bad.value).startswith("--check: $: no audit check NO.SUCH.CHECK")
    with pytest.raises(InputError) as late:
        audit_snapshot(missing, as_of="yesterday", timeout_ms=1000)
    assert "not a date: 'yesterday'" in str(late.value)
