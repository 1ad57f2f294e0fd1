"""An administrator whose SCP denies the IAM writes still reaches other principals (467d868).

An SCP deny applies to a member account's users and roles "even if the account administrator
attaches the AdministratorAccess IAM policy with */* permissions to the user" (E4, E5;
https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html#scp-effects-on-permissions),
so the user stays admin *relative to the SCPs* (fixtures/privesc/README.md) while
`iam:UpdateAssumeRolePolicy`, `iam:CreateAccessKey` and the login-profile actions are gone. It
can still pass a Lambda-trusted role to a new function (PassRole+lambda:CreateFunction) and act
as that role, whose ARN is the only principal another role's trust names (T1).

Before the fix an administrator expanded only AssumeRole, CreateAccessKey and
UpdateAssumeRolePolicy, so `who-can` proved platform-admin unable to assume vault-reader: a
false proof. Fixture: fixtures/privesc/admin-under-scp (README.md there)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from iamgraph.cli.app import app
from tests.conftest import FIXTURES

runner = CliRunner()
SNAP = str(FIXTURES / "privesc" / "admin-under-scp")
MGMT, APPS = "arn:aws:iam::260000000001", "arn:aws:iam::260000000002"
ADMIN = f"{APPS}:user/platform-admin"
OAAR = f"{APPS}:role/OrganizationAccountAccessRole"
DEPLOY = f"{APPS}:role/deploy-fn"
VAULT = f"{APPS}:role/vault-reader"
LAMBDA_PASSROLE = (
    "PassRole+lambda:CreateFunction+InvokeFunction",
    "PassRole+lambda:CreateFunction+CreateEventSourceMapping",
)


@pytest.fixture(scope="module")
def who_can():
    result = runner.invoke(
        app, ["who-can", SNAP, "--action", "sts:AssumeRole", "--resource", VAULT, "-f", "json"]
    )
    assert result.exit_code == 0, result.output
    return {p["principal"]: p for p in json.loads(result.stdout)["principals"]}


def _assumes_vault_as_deploy_fn(p: dict) -> None:
    """The answer at the end of the path: deploy-fn's session calls sts:AssumeRole on
    vault-reader (the trust names only deploy-fn)."""
    w = p["witness"]
    assert (w["principal"], w["action"], w["resource"]) == (DEPLOY, "sts:AssumeRole", VAULT)


@pytest.mark.parametrize(
    ("action", "resource"),
    [
        ("iam:UpdateAssumeRolePolicy", VAULT),
        ("iam:CreateAccessKey", f"{APPS}:user/app-developer"),
        ("iam:CreateLoginProfile", f"{APPS}:user/app-developer"),
        ("iam:UpdateLoginProfile", f"{APPS}:user/app-developer"),
    ],
)
def test_the_scp_takes_the_old_admin_methods_away(action, resource):
    """The premise: the SCP deny beats AdministratorAccess (E5), so neither rewriting
    vault-reader's trust nor another user's credentials is a way in."""
    result = runner.invoke(app, ["can", SNAP, ADMIN, action, resource, "-f", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["verdict"] == "proven-unreachable"


def test_the_administrator_stays_admin():
    result = runner.invoke(app, ["privesc", SNAP, "-f", "json"])
    assert result.exit_code == 0, result.output
    got = {p["principal"]: p for p in json.loads(result.stdout)["principals"]}
    assert (got[ADMIN]["admin"], got[ADMIN]["verdict"]) == (True, "reachable")


def test_platform_admin_reaches_vault_reader_through_a_passed_role(who_can):
    p = who_can[ADMIN]
    assert (p["verdict"], p["direct"]) == ("reachable", False), p["reasons"]
    [hop] = p["path"]
    assert (hop["from"], hop["to"], hop["verdict"]) == (ADMIN, DEPLOY, "reachable")
    assert hop["method"] in LAMBDA_PASSROLE
    assert {"action": "iam:PassRole", "resource": DEPLOY} in hop["actions"]
    assert hop["mfa_after"] == "no-mfa"  # a Lambda session never carries MFA
    _assumes_vault_as_deploy_fn(p)


def test_the_member_account_admin_role_does_the_same(who_can):
    p = who_can[OAAR]
    assert p["verdict"] == "reachable", p["reasons"]
    assert [(h["to"], h["method"] in LAMBDA_PASSROLE) for h in p["path"]] == [(DEPLOY, True)]
    _assumes_vault_as_deploy_fn(p)


def test_the_management_admin_gets_there_through_organization_account_access(who_can):
    """Management account (no SCP, E6) -> OrganizationAccountAccessRole (E17: the trust names
    the account, AdministratorAccess allows the call) -> a passed deploy-fn."""
    p = who_can[f"{MGMT}:user/org-admin"]
    assert p["verdict"] == "reachable", p["reasons"]
    assert [h["to"] for h in p["path"]] == [OAAR, DEPLOY]
    assert p["path"][0]["method"] == "AssumeRole"
    assert p["path"][1]["method"] in LAMBDA_PASSROLE
    _assumes_vault_as_deploy_fn(p)


def test_deploy_fn_itself_is_direct(who_can):
    assert (who_can[DEPLOY]["verdict"], who_can[DEPLOY]["path"]) == ("reachable", [])


@pytest.mark.parametrize(
    "principal",
    [
        f"{APPS}:user/app-developer",  # PassRole only on role/app-*: app-thumbnailer, a dead end
        f"{APPS}:role/app-thumbnailer",
        f"{APPS}:role/vault-reader",  # its own trust does not name it
    ],
)
def test_the_traps_stay_proven_unreachable(who_can, principal):
    assert who_can[principal]["verdict"] == "proven-unreachable"


def test_the_member_root_user_can_pass_deploy_fn_too(who_can):
    """The member account's root user is admin relative to the SCPs (E8, E20) and `can` allows
    it iam:PassRole on deploy-fn and lambda:CreateFunction; it may not assume a role itself,
    but a function it creates runs as deploy-fn, which may assume vault-reader."""
    assert who_can[f"{APPS}:root"]["verdict"] == "reachable"


def test_the_management_root_user_takes_org_admins_keys(who_can):
    """A root user may not assume a role (STS: "Roles may not be assumed by root accounts";
    https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html), but the
    management root (no SCP, E6) may create keys for org-admin, who may."""
    p = who_can[f"{MGMT}:root"]
    assert p["verdict"] == "reachable", p["reasons"]
    assert [h["method"] for h in p["path"]][:2] == ["CreateAccessKey", "AssumeRole"]
    assert [h["to"] for h in p["path"]] == [f"{MGMT}:user/org-admin", OAAR, DEPLOY]
    assert p["path"][0]["from"] == f"{MGMT}:root"
