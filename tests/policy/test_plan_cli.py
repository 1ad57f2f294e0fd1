"""`iamgraph diff SNAPSHOT --plan PLAN.json` (issue 6, item 1) end to end: a plan that adds a
PassRole path is caught with the plan's line, values unknown until apply are reported as
assumptions, and an AWS managed policy the snapshot lacks makes the answer UNKNOWN (exit 3)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from iamgraph.catalog import catalog
from iamgraph.cli.app import app
from tests.conftest import FIXTURES, REPO

runner = CliRunner()
PLANS = FIXTURES / "plans"
DEMO = "fixtures/demo-org"


@pytest.fixture(autouse=True)
def at_repo_root(monkeypatch):
    monkeypatch.chdir(REPO)


def diff(plan, *args):
    return runner.invoke(app, ["diff", DEMO, "--plan", f"fixtures/plans/{plan}", *args])


def test_a_plan_that_adds_a_passrole_path():
    result = diff("passrole-path.json", "--invariants", "iamgraph.toml", "-f", "json")
    assert result.exit_code == 1, result.output
    out = json.loads(result.stdout)
    assert out["result"] == "FAIL"
    assert [a.split(" = ")[0] for a in out["assumptions"]] == [
        "aws_iam_policy.oncall_runbooks.arn",
        "aws_iam_user_policy_attachment.oncall_runbooks.policy_arn",
    ]
    (changed,) = out["principals"]
    assert changed["principal"] == "arn:aws:iam::111122223333:user/oncall-engineer"
    assert changed["services"] == {"lambda": ["Write", "Read"], "iam": ["Write"]}
    # witnesses name a resource, not an empty name after `function:` (DESIGN: realistic)
    named = [a["resource"] for a in changed["new_access"]]
    assert named and not [r for r in named if r.endswith((":", "/"))], named
    trail = next(i for i in out["invariants"] if i["name"] == "no-non-mfa-trail-tampering")
    assert [b["principal"] for b in trail["newly_breaking"]] == [changed["principal"]]
    findings = [f for f in out["findings"] if f["rule"] == "IAMG-P001"]
    lines = (PLANS / "passrole-path.json").read_text().splitlines()
    for f in findings:
        (loc,) = f["locations"]
        file, line, _ = loc.rsplit(":", 2)
        assert file == "fixtures/plans/passrole-path.json"
        assert lines[int(line) - 1].lstrip().startswith('"policy": ')


def test_a_plan_that_changes_nothing_is_proven_equal():
    result = diff("harmless-refactor.json", "-f", "json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["result"] == "PASS"
    # StartLogging+StopLogging written as cloudtrail:*Logging: equal today, and the PASS
    # says the wildcard will also match what AWS adds later (DESIGN, proofs and the catalog)
    (changed,) = out["principals"]
    (note,) = changed["notes"]
    assert note.startswith("'cloudtrail:*Logging' (Sid OrgTrailMaintenance ")
    count = sum(hi - lo for lo, hi in catalog().intervals("cloudtrail:*Logging"))
    assert count >= 2 and f"matches {count} actions" in note and "AWS adds later" in note
    text = diff("harmless-refactor.json")
    assert text.exit_code == 0
    assert "  note for arn:aws:iam::111122223333:role/lambda-org-maintenance: 'cloudtrail:*" in (
        text.stdout
    )


def test_an_aws_managed_policy_missing_from_the_snapshot_is_unknown():
    """The plan attaches PowerUserAccess (not in the snapshot) to app-server, and
    developer-readonly (in it) to ops-automation: the first is UNKNOWN naming the ARN, the
    second is new access; a FAIL outranks an UNKNOWN."""
    result = diff("aws-managed-missing.json", "-f", "json")
    assert result.exit_code == 1, result.output
    out = json.loads(result.stdout)
    (unresolved,) = out["unresolved"]
    assert "arn:aws:iam::aws:policy/PowerUserAccess" in unresolved
    assert unresolved.endswith("affects arn:aws:iam::444455556666:role/app-server")
    by = {p["principal"]: p["result"] for p in out["principals"]}
    assert by == {
        "arn:aws:iam::444455556666:role/app-server": "UNKNOWN",
        "arn:aws:iam::444455556666:role/ops-automation": "FAIL",
    }
    open_ = [f for f in out["findings"] if f["rule"] == "IAMG-P005"]
    assert {f["subject"] for f in open_} == {
        "arn:aws:iam::444455556666:role/app-server",
        "fixtures/plans/aws-managed-missing.json",
    }


def test_plan_and_after_are_exclusive(tmp_path):
    result = runner.invoke(app, ["diff", DEMO])
    assert result.exit_code == 2
    assert (
        result.stderr.strip()
        == f"iamgraph: {DEMO}: AFTER: give the AFTER snapshot or --plan PLAN.json"
    )
