"""`simulate` custom mode with a federated caller: `--caller-arn` naming an IAM OIDC or SAML
identity provider stands for whoever holds its token or assertion (T2, T3). The request is the
provider's STS call on a role, decided by the role's trust policy and the role account's RCPs
(E9; SCPs do not apply, Q2), with the token's keys from `--context-entries`.

AWS pages these facts come from:
- Trust principal `{"Federated": <provider ARN>}` and the `HOST:aud`/`HOST:sub` keys:
  https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html and
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html
  ("Available keys for OIDC federation": `token.actions.githubusercontent.com:sub` ...).
- GitHub's subject format `repo:ORG/REPO:ref:refs/heads/BRANCH`, `repo:ORG/REPO:pull_request`:
  https://docs.github.com/en/actions/deployment/security-hardening-your-deployments/about-security-hardening-with-openid-connect
- `SAML:aud` = `https://signin.aws.amazon.com/saml` in a SAML trust:
  https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_saml.html and the
  same condition-keys page ("Available keys for SAML federation").
- IAM Identity Center roles (`aws-reserved/sso.amazonaws.com/`, provider
  `AWSSSO_..._DO_NOT_DELETE`): https://docs.aws.amazon.com/singlesignon/latest/userguide/referencingpermissionsets.html
"""

import json

import pytest
from typer.testing import CliRunner

from iamgraph.cli.app import app
from tests.conftest import REPO

runner = CliRunner()
S = "fixtures/simulate"
ACCOUNT = "555566667777"
GITHUB = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
DEPLOY_ROLE = f"arn:aws:iam::{ACCOUNT}:role/github-actions-deploy"
SSO = f"arn:aws:iam::{ACCOUNT}:saml-provider/AWSSSO_5f2c8e1a9b3d4c07_DO_NOT_DELETE"
SSO_ROLE = (
    f"arn:aws:iam::{ACCOUNT}:role/aws-reserved/sso.amazonaws.com/eu-west-1/"
    "AWSReservedSSO_AdministratorAccess_0a1b2c3d4e5f6789"
)
ENGINES = ("evaluator", "solver")

GITHUB_DEPLOY = [
    "--resource-policy",
    f"{S}/github-deploy-trust.json",
    "--caller-arn",
    GITHUB,
    "--action",
    "sts:AssumeRoleWithWebIdentity",
    "--resource",
    DEPLOY_ROLE,
]
SSO_ADMIN = [
    "--resource-policy",
    f"{S}/sso-administrator-trust.json",
    "--caller-arn",
    SSO,
    "--action",
    "sts:AssumeRoleWithSAML",
    "--action",
    "sts:TagSession",
    "--resource",
    SSO_ROLE,
]
ANY_REPO = [
    "--resource-policy",
    f"{S}/github-any-repo-trust.json",
    "--caller-arn",
    GITHUB,
    "--action",
    "sts:AssumeRoleWithWebIdentity",
    "--resource",
    f"arn:aws:iam::{ACCOUNT}:role/github-actions-readonly",
    "--context",
    "token.actions.githubusercontent.com:aud=sts.amazonaws.com",
    "--context",
    "token.actions.githubusercontent.com:sub=repo:mallory/fork:ref:refs/heads/main",
]
RCP_LEVEL = [
    "--rcp-level",
    f"fixtures/demo-org/organization/describe-policy/p-RCPFullAWSAccess.json,{S}/rcp-github-org-only.json",
]

# (args, decisions): every request here decided the same by both engines
FEDERATED_CASES = {
    "github-main": (
        [*GITHUB_DEPLOY, "--context-entries", f"file://{S}/github-token-main.json"],
        ["allowed"],
    ),
    "github-pull-request": (
        [*GITHUB_DEPLOY, "--context-entries", f"file://{S}/github-token-pull-request.json"],
        ["implicitDeny"],
    ),
    "github-no-token-keys": (GITHUB_DEPLOY, ["implicitDeny"]),
    "sso-assertion": (
        [*SSO_ADMIN, "--context-entries", f"file://{S}/sso-assertion.json"],
        ["allowed", "allowed"],
    ),
    "sso-other-audience": (
        [*SSO_ADMIN, "--context", "SAML:aud=https://signin.aws.amazon.com/saml/acs/x"],
        ["implicitDeny", "implicitDeny"],
    ),
    "any-repo-without-rcp": (ANY_REPO, ["allowed"]),
    "any-repo-with-rcp": ([*ANY_REPO, *RCP_LEVEL], ["explicitDeny"]),
}


@pytest.fixture(autouse=True)
def at_repo_root(monkeypatch):
    monkeypatch.chdir(REPO)


def sim(*args):
    return runner.invoke(app, ["simulate", *args])


def decisions(args, engine):
    result = sim("-f", "json", "--engine", engine, *args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["EvaluationResults"]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", list(FEDERATED_CASES))
def test_both_engines_decide_federated_callers(case, engine):
    args, expected = FEDERATED_CASES[case]
    assert [r["EvalDecision"] for r in decisions(args, engine)] == expected


def test_github_main_branch_is_allowed_by_the_trust_statement():
    """T2: the token's `sub` names the main branch, which the trust policy lists."""
    (res,) = decisions(
        [*GITHUB_DEPLOY, "--context-entries", f"file://{S}/github-token-main.json"], "evaluator"
    )
    assert [(m["Sid"], m["JsonPointer"]) for m in res["MatchedStatements"]] == [
        ("GitHubActionsDeployFromMain", "/Statement/0")
    ]
    # no identity side (T2): only the trust policy is reported as deciding
    assert res["EvalDecisionDetails"] == {"resource": "allowed"}
    # the request carries the token's keys and nothing of an IAM credential
    keys = [e["ContextKeyName"] for e in res["ContextEntries"]]
    assert "token.actions.githubusercontent.com:sub" in keys
    assert not {"aws:PrincipalArn", "aws:PrincipalAccount", "aws:MultiFactorAuthPresent"} & set(
        keys
    )


def test_a_pull_request_workflow_is_not_the_main_branch():
    result = sim(*GITHUB_DEPLOY, "--context-entries", f"file://{S}/github-token-pull-request.json")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0].split() == [
        "implicitDeny",
        "sts:AssumeRoleWithWebIdentity",
        DEPLOY_ROLE,
    ]


def test_an_assertion_without_saml_aud_is_missing_context():
    (res, _) = decisions(SSO_ADMIN, "evaluator")
    assert res["EvalDecision"] == "implicitDeny"
    assert res["MissingContextValues"] == ["SAML:aud"]


def test_the_rcp_denies_tokens_of_other_github_orgs():
    """E9, Q2: an RCP of the role's account applies to external principals too."""
    (res,) = decisions([*ANY_REPO, *RCP_LEVEL], "evaluator")
    (deny,) = [m for m in res["MatchedStatements"] if m["Decisive"]]
    assert (deny["SourcePolicyType"], deny["Sid"]) == ("rcp", "DenyGitHubTokensOfOtherOrgs")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            ["--identity-policy", f"{S}/data-engineer.json"],
            f"--identity-policy does not apply to {SSO}: a federated caller has no identity policy",
        ),
        (
            ["--scp-level", f"{S}/full-aws-access.json"],
            f"--scp-level does not apply to {SSO}: SCPs do not apply to principals outside",
        ),
        (["--mfa", "mfa"], f"--mfa does not apply to {SSO}"),
        (
            ["--caller-role-arn", SSO_ROLE],
            f"--caller-role-arn does not apply to {SSO}",
        ),
    ],
)
def test_options_that_do_not_apply_to_a_federated_caller_exit_2(extra, message):
    result = sim(*SSO_ADMIN, *extra)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"iamgraph: simulate: $: {message}"), result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--caller-arn", SSO, "--action", "sts:AssumeRoleWithSAML", "--resource", SSO_ROLE],
            f"the role's trust policy decides sts:AssumeRoleWithSAML for {SSO}: pass it with "
            "--resource-policy",
        ),
        (
            [
                "--resource-policy",
                f"{S}/sso-administrator-trust.json",
                "--caller-arn",
                SSO,
                "--action",
                "sts:AssumeRoleWithWebIdentity",
                "--resource",
                SSO_ROLE,
            ],
            f"{SSO} makes sts:AssumeRoleWithSAML (with sts:TagSession, sts:SetSourceIdentity), "
            "not sts:AssumeRoleWithWebIdentity",
        ),
        (
            [
                "--resource-policy",
                f"{S}/github-deploy-trust.json",
                "--caller-arn",
                GITHUB,
                "--action",
                "s3:GetObject",
                "--resource",
                DEPLOY_ROLE,
            ],
            f"{GITHUB} makes sts:AssumeRoleWithWebIdentity",
        ),
        (
            [
                "--resource-policy",
                f"{S}/github-deploy-trust.json",
                "--caller-arn",
                GITHUB,
                "--action",
                "sts:AssumeRoleWithWebIdentity",
            ],
            "sts:AssumeRoleWithWebIdentity is made on an IAM role ARN, not '*'",
        ),
    ],
)
def test_requests_a_federated_caller_cannot_make_exit_2(args, message):
    result = sim(*args)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"iamgraph: simulate: $: {message}"), result.stderr


def test_an_iam_caller_arn_that_is_no_provider_still_exits_2():
    result = sim("--caller-arn", f"arn:aws:iam::{ACCOUNT}:policy/x", "--action", "s3:GetObject")
    assert result.exit_code == 2
    assert "not a caller ARN" in result.stderr
