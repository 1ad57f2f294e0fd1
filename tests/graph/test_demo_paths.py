"""The demo organization over paths: seeded facts 1, 2, 3, 6, 10, 18 and 19 through
`iamgraph paths`, `privesc`, `who-can`, `can` and `graph` (fixtures/demo-org/README.md)."""

from __future__ import annotations

import html
import json

import pytest
from typer.testing import CliRunner

from iamgraph.cli.app import app
from tests.conftest import REPO
from tests.demo import MGMT
from tests.demo import ORG_TRAIL as TRAIL

runner = CliRunner()
DEMO = "fixtures/demo-org"


@pytest.fixture(autouse=True)
def at_repo_root(monkeypatch):
    monkeypatch.chdir(REPO)


def run(*args):
    return runner.invoke(app, list(args))


def test_fact_1_ci_deployer_deletes_the_trail_through_the_lambda_role():
    result = run(
        "paths", DEMO, "--from", f"{MGMT}:user/ci-deployer", "--action", "cloudtrail:DeleteTrail",
        "--resource", TRAIL, "--no-mfa", "-f", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["verdict"] == "reachable" and out["direct"] is False
    (hop,) = out["path"]
    assert hop["method"] == "PassRole+lambda:CreateFunction+InvokeFunction"
    assert (hop["from"], hop["to"]) == (
        f"{MGMT}:user/ci-deployer",
        f"{MGMT}:role/lambda-org-maintenance",
    )
    assert (hop["mfa_before"], hop["mfa_after"]) == ("keys", "no-mfa")
    assert [a["action"] for a in hop["actions"]] == [
        "iam:PassRole",
        "lambda:CreateFunction",
        "lambda:InvokeFunction",
    ]
    assert any("PassLambdaRoles" in s for s in hop["statements"])
    w = out["witness"]
    assert (w["principal"], w["action"], w["resource"]) == (
        f"{MGMT}:role/lambda-org-maintenance",
        "cloudtrail:DeleteTrail",
        TRAIL,
    )


def test_fact_2_scp_blocks_the_hop_into_trail_operator():
    result = run(
        "paths", DEMO, "--from", "arn:aws:iam::444455556666:role/ops-automation",
        "--to", f"{MGMT}:role/TrailOperator", "-f", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["verdict"] == "proven-unreachable"


def test_fact_3_break_glass_needs_mfa_the_engineer_has_not():
    result = run(
        "paths", DEMO, "--from", f"{MGMT}:user/oncall-engineer", "--to", "admin", "-f", "json"
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["verdict"] == "proven-unreachable"


def test_fact_6_dev_users_become_dev_admin():
    result = run("paths", DEMO, "--from", "arn:aws:iam::555566667777:user/dev.one", "--to", "admin")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "reachable  arn:aws:iam::555566667777:user/dev.one"
    assert any("--AssumeRole--> 555566667777:role/dev-admin" in line for line in lines)


def test_fact_10_oncall_bot_reaches_platform_deploy_without_mfa():
    result = run(
        "paths", DEMO, "--from", f"{MGMT}:user/oncall-bot", "--to",
        "arn:aws:iam::444455556666:role/PlatformDeploy", "--no-mfa", "-f", "json",
    )  # fmt: skip
    out = json.loads(result.stdout)
    assert out["verdict"] == "reachable"
    assert [h["method"] for h in out["path"]] == ["AssumeRole"]
    assert out["path"][0]["mfa_after"] == "no-mfa"


def test_fact_18_platform_engineers_reach_only_the_cost_reporter():
    result = run(
        "paths", DEMO, "--from", f"{MGMT}:user/priya.patel", "--to",
        f"{MGMT}:role/lambda-cost-reporter", "-f", "json",
    )  # fmt: skip
    out = json.loads(result.stdout)
    assert out["verdict"] == "reachable"
    (hop,) = out["path"]
    assert hop["method"] == "lambda:UpdateFunctionCode"
    assert (
        hop["detail"] == "via arn:aws:lambda:us-east-1:111122223333:function:platform-cost-report"
    )
    result = run(
        "paths", DEMO, "--from", f"{MGMT}:user/priya.patel", "--to",
        f"{MGMT}:role/lambda-org-maintenance", "-f", "json",
    )  # fmt: skip
    assert json.loads(result.stdout)["verdict"] == "proven-unreachable"


def test_fact_19_who_can_delete_the_trail_without_mfa(demo):
    result = run(
        "who-can", DEMO, "--action", "cloudtrail:DeleteTrail", "--resource", TRAIL, "--no-mfa",
        "-f", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert len(out["principals"]) == len(demo.principals)
    by = {p["principal"]: p for p in out["principals"]}
    assert sorted(a for a, p in by.items() if p["verdict"] == "reachable") == [
        f"{MGMT}:role/lambda-org-maintenance",
        f"{MGMT}:user/ci-deployer",
    ]
    assert all(
        p["verdict"] == "proven-unreachable" for p in by.values() if p["verdict"] != "reachable"
    )
    assert by[f"{MGMT}:role/BreakGlassAdmin"]["reasons"] == [
        "no credential of it without MFA can be obtained"
    ]
    assert by[f"{MGMT}:user/ci-deployer"]["direct"] is False
    assert by[f"{MGMT}:role/lambda-org-maintenance"]["direct"] is True


def test_privesc_json_has_one_entry_per_principal(demo):
    result = run("privesc", DEMO, "-f", "json")
    assert result.exit_code == 3, result.output  # SecurityTooling: ReadOnlyAccess text missing
    out = json.loads(result.stdout)
    entries = out["principals"]
    assert [e["principal"] for e in entries] == list(demo.principals)
    for e in entries:
        assert set(e) == {"principal", "admin", "verdict", "path", "reasons"}
        for hop in e["path"]:
            assert {"from", "to", "method", "actions"} <= set(hop)
    by = {e["principal"]: e for e in entries}
    dev_one = by["arn:aws:iam::555566667777:user/dev.one"]
    assert (dev_one["admin"], dev_one["verdict"]) == (False, "reachable")
    assert [h["method"] for h in dev_one["path"]] == ["AssumeRole"]
    assert by[f"{MGMT}:root"]["admin"] is True
    assert by["arn:aws:iam::333344445555:role/SecurityTooling"]["verdict"] == "unknown"
    assert by[f"{MGMT}:user/ci-deployer"]["verdict"] == "proven-unreachable"


def test_paths_needs_a_goal():
    result = run("paths", DEMO, "--from", f"{MGMT}:user/ci-deployer")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "iamgraph: paths: --to: give either --to, or --action with --resource"
    )


def test_unknown_render_format_is_bad_input(tmp_path):
    result = run("privesc", DEMO, "--render", str(tmp_path / "out.gif"))
    assert result.exit_code == 2
    assert "the format must be one of svg, png, pdf, dot" in result.stderr
    assert not (tmp_path / "out.gif").exists()


def test_graph_renders_the_whole_organization(tmp_path):
    out = tmp_path / "org.dot"
    result = run("graph", DEMO, "--render", str(out))
    assert result.exit_code == 0, result.output
    source = out.read_text()
    assert source.startswith("digraph iamgraph {")
    for cluster in ("OU Security", "OU Workloads", "acme-management 111122223333"):
        assert cluster in source
    assert "PassRole+lambda:CreateFunction+InvokeFunction" in source
    assert result.stdout.splitlines()[0].startswith("40 principals, ")


def test_graph_one_account_escalation_only(tmp_path):
    out = tmp_path / "dev.dot"
    result = run(
        "graph", DEMO, "--render", str(out), "--account", "555566667777", "--escalation-only"
    )
    assert result.exit_code == 0, result.output
    source = out.read_text()
    assert "acme-dev 555566667777" in source and "acme-management" not in source
    assert "dev-admin" in source


def test_ask_renders_an_svg(tmp_path):
    out = tmp_path / "trail.svg"
    result = run("ask", DEMO, "can any non-MFA principal delete the trail", "--render", str(out))
    assert result.exit_code == 0, result.output
    svg = html.unescape(out.read_text())
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    for text in (
        "ci-deployer",
        "lambda-org-maintenance",
        "acme-org-trail",
        "cloudtrail:DeleteTrail",
    ):
        assert text in svg
    assert f"wrote {out}" in result.stderr
