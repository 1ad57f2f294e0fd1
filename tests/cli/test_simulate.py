"""`iamgraph simulate` in both modes, through CliRunner."""

import json

import pytest
from typer.testing import CliRunner

from iamgraph.cli.app import app
from tests.conftest import REPO
from tests.demo import DATALAKE
from tests.demo import ORG_TRAIL as TRAIL

runner = CliRunner()
S = "fixtures/simulate"


@pytest.fixture(autouse=True)
def at_repo_root(monkeypatch):
    monkeypatch.chdir(REPO)


def sim(*args):
    return runner.invoke(app, ["simulate", *args])


def test_snapshot_mode_scp_deny_with_its_source():
    result = sim(
        "fixtures/demo-org",
        "--principal",
        "arn:aws:iam::444455556666:role/ops-automation",
        "--action",
        "sts:AssumeRole",
        "--resource",
        "arn:aws:iam::111122223333:role/TrailOperator",
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        "explicitDeny  sts:AssumeRole  arn:aws:iam::111122223333:role/TrailOperator",
        "    denied by scp at ou-a1b2-wkl00001: workloads-guardrails (p-wkld0001) Sid DenyAssumeIntoManagement "
        "(fixtures/demo-org/organization/describe-policy/p-wkld0001.json:11:20 /Policy/Content/Statement/1)",
    ]


def test_snapshot_mode_json_is_shaped_like_aws():
    result = sim(
        "fixtures/demo-org",
        "-f",
        "json",
        "--principal",
        "arn:aws:iam::111122223333:user/oncall-engineer",
        "--action",
        "sts:AssumeRole",
        "--resource",
        "arn:aws:iam::111122223333:role/BreakGlassAdmin",
    )
    (res,) = json.loads(result.stdout)["EvaluationResults"]
    assert res["EvalActionName"] == "sts:AssumeRole"
    assert res["EvalDecision"] == "implicitDeny"  # seeded fact 3: long-term keys carry no MFA
    assert res["EvalDecisionDetails"]["resource"] == "implicitDeny"
    assert "aws:MultiFactorAuthPresent" in res["MissingContextValues"]
    keys = {e["ContextKeyName"] for e in res["ContextEntries"]}
    assert "aws:MultiFactorAuthPresent" not in keys and "aws:PrincipalArn" in keys


def test_snapshot_mode_mfa_option():
    result = sim(
        "fixtures/demo-org",
        "-f",
        "json",
        "--mfa",
        "mfa",
        "--principal",
        "arn:aws:iam::111122223333:user/oncall-engineer",
        "--action",
        "sts:AssumeRole",
        "--resource",
        "arn:aws:iam::111122223333:role/BreakGlassAdmin",
    )
    (res,) = json.loads(result.stdout)["EvaluationResults"]
    assert res["EvalDecision"] == "allowed"
    decisive = [
        (s["SourcePolicyType"], s["Sid"]) for s in res["MatchedStatements"] if s["Decisive"]
    ]
    # E19 + E18: the trust names the account root, so the identity allow is needed as well
    assert sorted(decisive, key=str) == [("identity", "AssumeBreakGlass"), ("resource", None)]


def test_snapshot_mode_unknown_exits_3():
    result = sim(
        "fixtures/demo-org",
        "--principal",
        "arn:aws:iam::333344445555:role/SecurityTooling",
        "--action",
        "s3:ListAllMyBuckets",
    )
    assert result.exit_code == 3
    assert (
        "unknown: policy text not in the snapshot: arn:aws:iam::aws:policy/ReadOnlyAccess"
        in result.stdout
    )


def test_custom_mode_boundary_scp_levels_and_mfa_deny():
    result = sim(
        "--identity-policy",
        f"{S}/data-engineer.json",
        "--boundary",
        f"{S}/read-only-boundary.json",
        "--scp-level",
        f"{S}/full-aws-access.json",
        "--scp-level",
        f"{S}/full-aws-access.json,{S}/deny-outside-regions.json",
        "--caller-arn",
        "arn:aws:iam::555566667777:user/dana",
        "--action",
        "s3:GetObject",
        "--action",
        "s3:PutObject",
        "--action",
        "s3:DeleteObject",
        "--resource",
        f"{DATALAKE}/raw/events.json",
        "-f",
        "json",
    )
    results = json.loads(result.stdout)["EvaluationResults"]
    assert [r["EvalDecision"] for r in results] == ["allowed", "implicitDeny", "explicitDeny"]
    assert results[1]["ImplicitDenyBecause"] == [
        "boundary: the permissions boundary does not allow it"
    ]
    assert results[0]["EvalDecisionDetails"] == {
        "scp:scp-level-1": "allowed",
        "scp:scp-level-2": "allowed",
        "identity": "allowed",
        "boundary": "allowed",
    }


def test_custom_mode_region_lock_from_context():
    args = [
        "--identity-policy",
        f"{S}/data-engineer.json",
        "--scp-level",
        f"{S}/full-aws-access.json,{S}/deny-outside-regions.json",
        "--caller-arn",
        "arn:aws:iam::555566667777:user/dana",
        "--action",
        "s3:GetObject",
        "--resource",
        f"{DATALAKE}/raw/events.json",
        "-f",
        "json",
    ]
    west = json.loads(sim(*args, "--context", "aws:RequestedRegion=us-west-2").stdout)
    east = json.loads(
        sim(
            *args,
            "--context-entries",
            '[{"ContextKeyName": "aws:RequestedRegion", "ContextKeyValues": ["eu-west-1"], "ContextKeyType": "string"}]',
        ).stdout
    )
    assert west["EvaluationResults"][0]["EvalDecision"] == "explicitDeny"
    assert east["EvaluationResults"][0]["EvalDecision"] == "allowed"


def test_custom_mode_cross_account_needs_both_sides():
    args = [
        "--resource-policy",
        f"{S}/datalake-bucket-policy.json",
        "--caller-arn",
        "arn:aws:sts::999988887777:assumed-role/partner-ingest/nightly",
        "--resource-owner",
        "555566667777",
        "--action",
        "s3:GetObject",
        "--resource",
        f"{DATALAKE}/shared/export.csv",
        "-f",
        "json",
    ]
    without = json.loads(sim(*args).stdout)["EvaluationResults"][0]
    with_identity = json.loads(sim("--identity-policy", f"{S}/partner-ingest.json", *args).stdout)[
        "EvaluationResults"
    ][0]
    assert without["EvalDecision"] == "implicitDeny"
    assert with_identity["EvalDecision"] == "allowed"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["fixtures/demo-org", "--action", "s3:GetObject"],
            "iamgraph: simulate: $: snapshot mode needs --principal ARN",
        ),
        (
            [
                "fixtures/demo-org",
                "--principal",
                "arn:aws:iam::111122223333:user/ci-deployer",
                "--caller-arn",
                "arn:aws:iam::1:user/x",
                "--action",
                "s3:GetObject",
            ],
            "iamgraph: simulate: $: --caller-arn is for custom mode (without SNAPSHOT)",
        ),
        (
            [
                "fixtures/demo-org",
                "--principal",
                "arn:aws:iam::111122223333:user/nobody",
                "--action",
                "s3:GetObject",
            ],
            "iamgraph: fixtures/demo-org: --principal: no principal arn:aws:iam::111122223333:user/nobody in the snapshot",
        ),
        (
            ["--action", "s3:GetObject", "--context", "novalue"],
            "iamgraph: --context: $: expected KEY=VALUE, got 'novalue'",
        ),
        (
            [
                "--action",
                "s3:GetObject",
                "--context-entries",
                '[{"ContextKeyName": "aws:SourceIp", "ContextKeyValues": ["10.0.0.999"], "ContextKeyType": "ip"}]',
            ],
            "iamgraph: --context-entries: $[0].ContextKeyValues[0]: not a valid ip value: '10.0.0.999'",
        ),
        (
            [
                "--action",
                "s3:GetObject",
                "--context-entries",
                '[{"ContextKeyName": "k", "ContextKeyValues": ["1"], "ContextKeyType": "integer"}]',
            ],
            "iamgraph: --context-entries: $[0].ContextKeyType: unknown ContextKeyType 'integer'",
        ),
        (
            ["--action", "s3:GetObject", "--caller-arn", "alice"],
            "iamgraph: --caller-arn: $: not an ARN (expected arn:partition:service:region:account:resource): 'alice'",
        ),
        (
            [
                "--action",
                "s3:GetObject",
                "--identity-policy",
                "fixtures/policies/grammar-errors.json",
            ],
            "iamgraph: fixtures/policies/grammar-errors.json: $.Statement[0].Effect: Effect must be 'Allow' or 'Deny', got 'allow'",
        ),
    ],
)
def test_usage_and_input_errors_exit_2_with_one_line(args, message):
    result = sim(*args)
    assert result.exit_code == 2
    assert result.stderr.strip() == message
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("fact", "principal", "action", "resource", "extra", "decision"),
    [
        (
            "1",
            "arn:aws:iam::111122223333:role/lambda-org-maintenance",
            "cloudtrail:StopLogging",
            TRAIL,
            [],
            "allowed",
        ),
        (
            "1",
            "arn:aws:iam::111122223333:user/ci-deployer",
            "iam:PassRole",
            "arn:aws:iam::111122223333:role/lambda-org-maintenance",
            ["--context", "iam:PassedToService=lambda.amazonaws.com"],
            "allowed",
        ),
        (
            "1",
            "arn:aws:iam::111122223333:user/ci-deployer",
            "cloudtrail:StopLogging",
            TRAIL,
            [],
            "implicitDeny",
        ),
        (
            "2",
            "arn:aws:iam::444455556666:role/ops-automation",
            "sts:AssumeRole",
            "arn:aws:iam::111122223333:role/TrailOperator",
            [],
            "explicitDeny",
        ),
        (
            "2",
            "arn:aws:iam::111122223333:role/TrailOperator",
            "cloudtrail:DeleteTrail",
            TRAIL,
            [],
            "allowed",
        ),
        (
            "3",
            "arn:aws:iam::111122223333:user/oncall-engineer",
            "sts:AssumeRole",
            "arn:aws:iam::111122223333:role/BreakGlassAdmin",
            [],
            "implicitDeny",
        ),
        (
            "5",
            "arn:aws:iam::555566667777:role/dev-admin",
            "rds:CreateDBInstance",
            "arn:aws:rds:us-east-1:555566667777:db:reports",
            [],
            "implicitDeny",
        ),
        (
            "6",
            "arn:aws:iam::555566667777:user/dev.one",
            "sts:AssumeRole",
            "arn:aws:iam::555566667777:role/dev-admin",
            [],
            "allowed",
        ),
        (
            "7",
            "arn:aws:iam::444455556666:role/PlatformDeploy",
            "ec2:RunInstances",
            "arn:aws:ec2:us-west-2:444455556666:instance/*",
            [],
            "explicitDeny",
        ),
        (
            "14",
            "arn:aws:iam::333344445555:role/SecurityTooling",
            "sts:AssumeRole",
            "arn:aws:iam::222233334444:role/LogArchiveReader",
            [],
            "unknown",
        ),
    ],
)
def test_demo_facts_through_simulate(fact, principal, action, resource, extra, decision):
    """fixtures/demo-org/README.md seeded facts, asked the way a user would."""
    result = sim(
        "fixtures/demo-org",
        "-f",
        "json",
        "--principal",
        principal,
        "--action",
        action,
        "--resource",
        resource,
        *extra,
    )
    assert json.loads(result.stdout)["EvaluationResults"][0]["EvalDecision"] == decision, (
        f"fact {fact}"
    )
    assert result.exit_code == (3 if decision == "unknown" else 0)
