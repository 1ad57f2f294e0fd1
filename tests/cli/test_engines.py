"""`simulate --engine solver` (the z3 encoding) answers exactly what `simulate` (the evaluator)
answers, on every simulate invocation of the test suite and on every demo principal."""

import json

import pytest
from typer.testing import CliRunner

from iamgraph.cli.app import app
from tests.cli.test_simulate import S
from tests.cli.test_simulate_federated import FEDERATED_CASES
from tests.conftest import REPO
from tests.demo import DATALAKE, DEV, DEV_ID, MGMT, PROD
from tests.demo import ORG_TRAIL as TRAIL

runner = CliRunner()
DEMO = "fixtures/demo-org"

CASES = [
    [
        DEMO,
        "--principal",
        f"{PROD}:role/ops-automation",
        "--action",
        "sts:AssumeRole",
        "--resource",
        f"{MGMT}:role/TrailOperator",
    ],
    [
        DEMO,
        "--principal",
        f"{MGMT}:user/oncall-engineer",
        "--action",
        "sts:AssumeRole",
        "--resource",
        f"{MGMT}:role/BreakGlassAdmin",
    ],
    [
        DEMO,
        "--mfa",
        "mfa",
        "--principal",
        f"{MGMT}:user/oncall-engineer",
        "--action",
        "sts:AssumeRole",
        "--resource",
        f"{MGMT}:role/BreakGlassAdmin",
    ],
    [
        DEMO,
        "--principal",
        "arn:aws:iam::333344445555:role/SecurityTooling",
        "--action",
        "s3:ListAllMyBuckets",
    ],
    [
        DEMO,
        "--principal",
        f"{MGMT}:user/ci-deployer",
        "--action",
        "iam:PassRole",
        "--action",
        "lambda:CreateFunction",
        "--resource",
        f"{MGMT}:role/lambda-org-maintenance",
        "--context",
        "iam:PassedToService=lambda.amazonaws.com",
    ],
    [
        "--identity-policy",
        f"{S}/data-engineer.json",
        "--boundary",
        f"{S}/read-only-boundary.json",
        "--scp-level",
        f"{S}/full-aws-access.json",
        "--scp-level",
        f"{S}/full-aws-access.json,{S}/deny-outside-regions.json",
        "--caller-arn",
        f"{DEV}:user/dana",
        "--action",
        "s3:GetObject",
        "--action",
        "s3:PutObject",
        "--action",
        "s3:DeleteObject",
        "--resource",
        f"{DATALAKE}/raw/events.json",
    ],
    [
        "--identity-policy",
        f"{S}/data-engineer.json",
        "--scp-level",
        f"{S}/full-aws-access.json,{S}/deny-outside-regions.json",
        "--caller-arn",
        f"{DEV}:user/dana",
        "--action",
        "s3:GetObject",
        "--resource",
        f"{DATALAKE}/raw/events.json",
        "--context",
        "aws:RequestedRegion=us-west-2",
    ],
    [
        "--identity-policy",
        f"{S}/partner-ingest.json",
        "--resource-policy",
        f"{S}/datalake-bucket-policy.json",
        "--caller-arn",
        "arn:aws:sts::999988887777:assumed-role/partner-ingest/nightly",
        "--resource-owner",
        DEV_ID,
        "--action",
        "s3:GetObject",
        "--resource",
        f"{DATALAKE}/shared/export.csv",
        "--resource",
        f"{DATALAKE}/raw/x.csv",
    ],
]

CASES += [args for args, _ in FEDERATED_CASES.values()]  # web-identity and SAML callers


@pytest.fixture(autouse=True)
def at_repo_root(monkeypatch):
    monkeypatch.chdir(REPO)


def decisions(args, engine):
    result = runner.invoke(app, ["simulate", "-f", "json", "--engine", engine, *args])
    return [r["EvalDecision"] for r in json.loads(result.stdout)["EvaluationResults"]]


@pytest.mark.parametrize("args", CASES, ids=range(len(CASES)))
def test_solver_engine_equals_evaluator(args):
    assert decisions(args, "solver") == decisions(args, "evaluator")


def test_every_demo_principal_on_the_trail_questions(demo):
    args = []
    for arn in demo.principals:
        args.append(
            [
                DEMO,
                "--principal",
                arn,
                "--action",
                "cloudtrail:StopLogging",
                "--action",
                "cloudtrail:DeleteTrail",
                "--action",
                "sts:AssumeRole",
                "--resource",
                TRAIL,
                "--resource",
                f"{MGMT}:role/TrailOperator",
            ]
        )
    for a in args:
        assert decisions(a, "solver") == decisions(a, "evaluator"), a[2]
