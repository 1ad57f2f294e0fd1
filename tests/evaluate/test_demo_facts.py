"""The seeded facts of fixtures/demo-org/README.md through `gather` and `decide`.

Each test names the README fact number and the SEMANTICS rule ids it leans on.
"""

from __future__ import annotations

import dataclasses

import pytest

from iamgraph.evaluate.gather import Mfa, credential_context, policies_for, request_context
from iamgraph.evaluate.layers import Decision, PolicySet, decide
from iamgraph.evaluate.request import Caller, ContextValue, Request
from tests.demo import (
    BREAK_GLASS,
    CI_DEPLOYER,
    DEV_ADMIN,
    DEV_TRAIL,
    ORG_TRAIL,
    PLATFORM_DEPLOY,
    SECURITY_TOOLING,
    TRAIL_KEY,
)
from tests.demo import DEV_ID as DEV
from tests.demo import LOGS_ID as LOGS
from tests.demo import MGMT_ID as MGMT
from tests.demo import PROD_ID as PROD
from tests.demo import SECURITY_ID as TOOLS
from tests.demo import SHARED_ID as SHARED
from tests.demo import TRAIL_BUCKET as LOG_BUCKET
from tests.evaluate.builders import ctx, policy

LOG_OBJECT = f"{LOG_BUCKET}/org/AWSLogs/{MGMT}/CloudTrail/us-east-1/2026/11/19/log.json.gz"


def user(account: str, name: str) -> str:
    return f"arn:aws:iam::{account}:user/{name}"


def role(account: str, name: str) -> str:
    return f"arn:aws:iam::{account}:role/{name}"


ONCALL_ENGINEER = user(MGMT, "oncall-engineer")
ONCALL_BOT = user(MGMT, "oncall-bot")
LAMBDA_MAINT = role(MGMT, "lambda-org-maintenance")
TRAIL_OPERATOR = role(MGMT, "TrailOperator")
OPS_AUTOMATION = role(PROD, "ops-automation")
LEGACY_BATCH = user(PROD, "legacy-batch")
PROD_ADMIN = role(PROD, "OrganizationAccountAccessRole")
DEV_OAAR = role(DEV, "OrganizationAccountAccessRole")
LOG_READER = role(LOGS, "LogArchiveReader")


def entries(pairs: dict[str, str]) -> list[tuple[str, ContextValue]]:
    return ctx(pairs)


def request_for(snap, principal: str, action: str, resource: str, mfa=None, extra=()) -> Request:
    return Request.build(
        action,
        resource,
        credential_context(snap, principal, resource, mfa)
        + request_context(resource)
        + list(extra),
    )


def check(snap, principal, action, resource, mfa=None, extra=(), **replace) -> Decision:
    """gather + decide; `replace` overrides PolicySet fields (to isolate one layer)."""
    ps = policies_for(snap, principal, action, resource)
    if replace:
        ps = dataclasses.replace(ps, **replace)
    return decide(ps, request_for(snap, principal, action, resource, mfa, extra))


def deciding(d: Decision) -> list[tuple[str, str | None, str]]:
    return [(r.layer.value, r.sid, r.at) for r in d.deciding]


# --- fact 1: trail tampering path without MFA ---------------------------------------------------


def test_fact1_lambda_org_maintenance_can_stop_the_org_trail(demo):
    # fact 1, E6: management-account principals are not bound by protect-cloudtrail
    d = check(demo, LAMBDA_MAINT, "cloudtrail:StopLogging", ORG_TRAIL)
    assert d.outcome.value == "allowed"
    assert deciding(d) == [("identity", "TrailMaintenance", "")]
    assert policies_for(demo, LAMBDA_MAINT, "cloudtrail:StopLogging", ORG_TRAIL).scp_levels == ()


@pytest.mark.parametrize(
    "action", ["cloudtrail:DeleteTrail", "cloudtrail:UpdateTrail", "cloudtrail:GetTrailStatus"]
)
def test_fact1_lambda_org_maintenance_other_trail_actions(demo, action):
    # fact 1: the trail-maintenance policy covers `trail/*` of the management account (P3)
    assert check(demo, LAMBDA_MAINT, action, ORG_TRAIL).allowed


def test_fact1_lambda_cost_reporter_has_no_cloudtrail_permissions(demo):
    # fact 1 (denied counterpart): the other lambda-* role cannot touch the trail
    d = check(demo, role(MGMT, "lambda-cost-reporter"), "cloudtrail:StopLogging", ORG_TRAIL)
    assert d.outcome.value == "implicitDeny"


@pytest.mark.parametrize("action", ["lambda:CreateFunction", "lambda:InvokeFunction"])
def test_fact1_ci_deployer_manages_lambdas(demo, action):
    # fact 1: deploy-lambdas allows CreateFunction and InvokeFunction on function:*
    fn = f"arn:aws:lambda:us-east-1:{MGMT}:function:org-maintenance"
    d = check(demo, CI_DEPLOYER, action, fn, Mfa.LONG_TERM_KEYS)
    assert d.outcome.value == "allowed"
    assert deciding(d) == [("identity", "ManageLambdas", "")]


def test_fact1_ci_deployer_cannot_create_functions_in_another_region_account(demo):
    # fact 1 (denied counterpart), P3: the function pattern names us-east-1 of the management account
    fn = f"arn:aws:lambda:us-east-1:{PROD}:function:x"
    assert check(demo, CI_DEPLOYER, "lambda:CreateFunction", fn).outcome.value == "implicitDeny"


def test_fact1_ci_deployer_passes_the_role_to_lambda(demo):
    # fact 1, C10: iam:PassRole on role/lambda-* only with iam:PassedToService=lambda.amazonaws.com
    to_lambda = entries({"iam:PassedToService": "lambda.amazonaws.com"})
    d = check(demo, CI_DEPLOYER, "iam:PassRole", LAMBDA_MAINT, extra=to_lambda)
    assert d.outcome.value == "allowed"
    assert deciding(d) == [("identity", "PassLambdaRoles", "")]


@pytest.mark.parametrize("service", [None, "ec2.amazonaws.com", "Lambda.amazonaws.com"])
def test_fact1_ci_deployer_cannot_pass_the_role_to_anything_else(demo, service):
    # fact 1, C1/C10: without the key, or to another service (case-sensitive), PassRole fails
    extra = entries({"iam:PassedToService": service}) if service else []
    d = check(demo, CI_DEPLOYER, "iam:PassRole", LAMBDA_MAINT, extra=extra)
    assert d.outcome.value == "implicitDeny"


def test_fact1_ci_deployer_cannot_pass_trail_operator(demo):
    # fact 1: TrailOperator is not role/lambda-*
    to_lambda = entries({"iam:PassedToService": "lambda.amazonaws.com"})
    d = check(demo, CI_DEPLOYER, "iam:PassRole", TRAIL_OPERATOR, extra=to_lambda)
    assert d.outcome.value == "implicitDeny"


def test_fact1_lambda_service_can_assume_lambda_org_maintenance(demo):
    # fact 1, T1/E19: the role trusts lambda.amazonaws.com (and not ec2.amazonaws.com)
    trust = demo.principals[LAMBDA_MAINT].trust
    req = Request.build("sts:AssumeRole", LAMBDA_MAINT)
    for service, expected in (
        ("lambda.amazonaws.com", "allowed"),
        ("ec2.amazonaws.com", "implicitDeny"),
    ):
        ps = PolicySet(
            Caller.from_arn(service), MGMT, resource_policy=trust, resource_policy_required=True
        )
        assert decide(ps, req).outcome.value == expected, service


# --- fact 2: path blocked by an SCP -------------------------------------------------------------


def test_fact2_ops_automation_assume_trail_operator_denied_by_scp(demo):
    # fact 2, E5/Q2: workloads-guardrails at the Workloads OU denies the first hop
    d = check(demo, OPS_AUTOMATION, "sts:AssumeRole", TRAIL_OPERATOR)
    assert d.outcome.value == "explicitDeny"
    assert deciding(d) == [("scp", "DenyAssumeIntoManagement", "ou-a1b2-wkl00001")]
    assert "p-wkld0001" in d.deciding[0].policy


def test_fact2_without_the_scp_ops_automation_would_be_allowed(demo):
    # fact 2, T1/E17: the trust names ops-automation and its identity policy allows the role
    d = check(demo, OPS_AUTOMATION, "sts:AssumeRole", TRAIL_OPERATOR, scp_levels=())
    assert d.outcome.value == "allowed"


def test_fact2_trail_operator_can_delete_the_org_trail(demo):
    # fact 2: org-trail-operations allows DeleteTrail (and StopLogging, UpdateTrail)
    for action in ("cloudtrail:DeleteTrail", "cloudtrail:StopLogging", "cloudtrail:UpdateTrail"):
        d = check(demo, TRAIL_OPERATOR, action, ORG_TRAIL)
        assert d.outcome.value == "allowed", action


def test_fact2_trail_operator_cannot_create_trails(demo):
    # fact 2 (denied counterpart): only the three listed actions are granted
    d = check(demo, TRAIL_OPERATOR, "cloudtrail:CreateTrail", ORG_TRAIL)
    assert d.outcome.value == "implicitDeny"


def test_fact2_legacy_batch_to_trail_operator_is_denied(demo):
    # fact 2: the SCP denies legacy-batch too
    d = check(demo, LEGACY_BATCH, "sts:AssumeRole", TRAIL_OPERATOR)
    assert d.outcome.value == "explicitDeny"
    assert deciding(d) == [("scp", "DenyAssumeIntoManagement", "ou-a1b2-wkl00001")]


def test_fact2_legacy_batch_is_a_dead_end_even_without_the_scp(demo):
    # fact 2, T1/E19: the trust does not name legacy-batch, so the identity allow is not enough
    d = check(demo, LEGACY_BATCH, "sts:AssumeRole", TRAIL_OPERATOR, scp_levels=())
    assert d.outcome.value == "implicitDeny"
    assert any(line.startswith("resource:") for line in d.lacking)


# --- fact 3: BreakGlassAdmin needs MFA ----------------------------------------------------------


@pytest.mark.parametrize("mfa", [Mfa.LONG_TERM_KEYS, Mfa.NO_MFA])
def test_fact3_oncall_engineer_without_mfa_cannot_assume_break_glass(demo, mfa):
    # fact 3, M1/M5/C1: the trust's Bool MFAPresent=true fails without MFA
    d = check(demo, ONCALL_ENGINEER, "sts:AssumeRole", BREAK_GLASS, mfa)
    assert d.outcome.value == "implicitDeny"


def test_fact3_oncall_engineer_with_mfa_can_assume_break_glass(demo):
    # fact 3, M3/M4, T1/E18: trust names the account root, identity allows the role
    d = check(demo, ONCALL_ENGINEER, "sts:AssumeRole", BREAK_GLASS, Mfa.MFA)
    assert d.outcome.value == "allowed"
    assert {r.layer.value for r in d.deciding} == {"resource", "identity"}


def test_fact3_stale_mfa_is_not_enough(demo):
    # fact 3, M4/C13: MultiFactorAuthAge must be below 3600
    old = [("aws:MultiFactorAuthAge", ContextValue(("7200",), type="numeric"))]
    d = check(demo, ONCALL_ENGINEER, "sts:AssumeRole", BREAK_GLASS, Mfa.MFA, extra=old)
    assert d.outcome.value == "implicitDeny"


# --- fact 5: Dev OU allow-list ------------------------------------------------------------------


@pytest.mark.parametrize("principal", [DEV_ADMIN, DEV_OAAR])
def test_fact5_rds_is_implicitly_denied_at_the_dev_ou(demo, principal):
    # fact 5, E4: no Allow at the Dev OU level, even for AdministratorAccess
    db = f"arn:aws:rds:us-east-1:{DEV}:db:app"
    d = check(demo, principal, "rds:CreateDBInstance", db)
    assert d.outcome.value == "implicitDeny"
    assert d.lacking == ("scp at ou-a1b2-dev00001 (Dev)",)
    assert d.details["scp:ou-a1b2-dev00001"] == "implicitDeny"


def test_fact5_cloudtrail_create_trail_is_implicitly_denied(demo):
    # fact 5, E4: cloudtrail write actions are not on the allow-list
    d = check(
        demo, DEV_ADMIN, "cloudtrail:CreateTrail", f"arn:aws:cloudtrail:us-west-2:{DEV}:trail/x"
    )
    assert d.outcome.value == "implicitDeny"
    assert d.lacking == ("scp at ou-a1b2-dev00001 (Dev)",)


def test_fact5_stop_logging_is_denied(demo):
    # fact 5, E5: StopLogging is outside the allow-list and protect-cloudtrail denies it outright
    d = check(demo, DEV_ADMIN, "cloudtrail:StopLogging", DEV_TRAIL)
    assert d.outcome.value == "explicitDeny"
    assert deciding(d) == [("scp", "ProtectCloudTrail", "r-a1b2")]


@pytest.mark.parametrize(
    ("action", "resource"),
    [
        ("ec2:RunInstances", f"arn:aws:ec2:us-east-1:{DEV}:instance/*"),
        ("iam:CreateRole", role(DEV, "new-role")),
        ("cloudtrail:DescribeTrails", DEV_TRAIL),
    ],
)
def test_fact5_allow_listed_services_are_allowed(demo, action, resource):
    # fact 5, E4: every level allows these, and AdministratorAccess grants them
    d = check(demo, DEV_ADMIN, action, resource)
    assert d.outcome.value == "allowed"
    assert ("scp", "AllowedServices", "ou-a1b2-dev00001") in deciding(d)


@pytest.mark.parametrize(
    ("action", "resource"),
    [
        ("s3:PutObject", "arn:aws:s3:::acme-dev-trail-555566667777/x"),
        ("sts:AssumeRole", role(DEV, "dev-lambda-exec")),
    ],
)
def test_fact5_s3_and_sts_pass_every_scp_level(demo, action, resource):
    # fact 5, E4: s3:* and sts:AssumeRole are on the allow-list (the final verdict depends on
    # the bucket, which is not in the snapshot, and on dev-lambda-exec's trust)
    d = check(demo, DEV_ADMIN, action, resource)
    assert d.outcome.value != "explicitDeny"
    scp = {k: v for k, v in d.details.items() if k.startswith("scp:")}
    assert scp == {
        "scp:r-a1b2": "allowed",
        "scp:ou-a1b2-wkl00001": "allowed",
        "scp:ou-a1b2-dev00001": "allowed",
        "scp:555566667777": "allowed",
    }


# --- fact 6: dev self-escalation ----------------------------------------------------------------


@pytest.mark.parametrize("name", ["dev.one", "dev.two"])
def test_fact6_dev_users_can_assume_dev_admin(demo, name):
    # fact 6, G1/P4/T1: the group's NotAction policy allows sts:AssumeRole; trust names the root
    d = check(demo, user(DEV, name), "sts:AssumeRole", DEV_ADMIN)
    assert d.outcome.value == "allowed"
    assert ("identity", "PowerUser", "") in deciding(d)


def test_fact6_dev_users_have_no_iam_actions(demo):
    # fact 6, P4: NotAction [iam:*, ...] does not allow iam:CreateUser
    d = check(demo, user(DEV, "dev.one"), "iam:CreateUser", user(DEV, "x"))
    assert d.outcome.value == "implicitDeny"


# --- fact 7: prod region lock -------------------------------------------------------------------


def test_fact7_run_instances_outside_approved_regions_is_denied(demo):
    # fact 7, E5/P5: NotAction Deny with StringNotEquals on aws:RequestedRegion
    d = check(demo, PROD_ADMIN, "ec2:RunInstances", f"arn:aws:ec2:us-west-2:{PROD}:instance/*")
    assert d.outcome.value == "explicitDeny"
    assert deciding(d) == [("scp", "DenyOutsideApprovedRegions", "ou-a1b2-prd00001")]


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1"])
def test_fact7_run_instances_in_approved_regions_is_allowed(demo, region):
    # fact 7
    d = check(demo, PROD_ADMIN, "ec2:RunInstances", f"arn:aws:ec2:{region}:{PROD}:instance/*")
    assert d.outcome.value == "allowed"


def test_fact7_iam_is_not_affected_by_the_region_lock(demo):
    # fact 7, P5: iam:* is in the NotAction list, so iam:CreateRole from us-west-2 passes
    west = entries({"aws:RequestedRegion": "us-west-2"})
    d = check(demo, PROD_ADMIN, "iam:CreateRole", role(PROD, "new-role"), extra=west)
    assert d.outcome.value == "allowed"


# --- fact 8: RCP on the Security OU -------------------------------------------------------------


def _log_bucket_set(demo, caller: Caller) -> PolicySet:
    """The trail bucket's policy and RCP levels (as gather finds them), for any caller."""
    inside = policies_for(demo, LOG_READER, "s3:PutObject", LOG_OBJECT)
    assert [lvl.node for lvl in inside.rcp_levels] == ["r-a1b2", "ou-a1b2-sec00001", LOGS]
    return PolicySet(
        caller, LOGS, resource_policy=inside.resource_policy, rcp_levels=inside.rcp_levels
    )


def test_fact8_cloudtrail_service_still_writes_to_the_bucket(demo):
    # fact 8 and 15, E9: AWS service principals are exempt from enforce-org-identities
    context = {
        "aws:PrincipalIsAWSService": "true",
        "aws:SourceArn": ORG_TRAIL,
        "s3:x-amz-acl": "bucket-owner-full-control",
        "aws:SecureTransport": "true",
    }
    ps = _log_bucket_set(demo, Caller.from_arn("cloudtrail.amazonaws.com"))
    d = decide(ps, Request.build("s3:PutObject", LOG_OBJECT, entries(context)))
    assert d.outcome.value == "allowed"
    assert ("resource", "AWSCloudTrailWrite", "") in deciding(d)


def test_fact8_outside_principal_is_denied_by_the_rcp(demo):
    # fact 8, E9/Q2: a principal outside o-a1b2c3d4e5 is denied by the Security OU's RCP,
    # even with a bucket grant and its own identity allow
    outsider = Caller.from_arn("arn:aws:iam::999988887777:user/outsider")
    ps = dataclasses.replace(
        _log_bucket_set(demo, outsider),
        identity=(policy({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}),),
    )
    context = {
        "aws:PrincipalAccount": "999988887777",
        "aws:PrincipalIsAWSService": "false",
        "aws:SecureTransport": "true",
    }
    d = decide(ps, Request.build("s3:GetObject", LOG_OBJECT, entries(context)))
    assert d.outcome.value == "explicitDeny"
    assert [(r.layer.value, r.at) for r in d.deciding] == [("rcp", "ou-a1b2-sec00001")]
    assert "p-rcpidnt1" in d.deciding[0].policy


def test_fact8_principals_inside_the_org_are_not_denied_by_the_rcp(demo):
    # fact 8: LogArchiveReader carries aws:PrincipalOrgID = o-a1b2c3d4e5
    d = check(demo, LOG_READER, "s3:GetObject", LOG_OBJECT)
    assert d.outcome.value == "allowed"
    assert d.details["rcp:ou-a1b2-sec00001"] == "allowed"


def test_fact8_rcp_applies_to_assume_role_into_the_security_ou(demo):
    # fact 8, E9: the RCP denies sts:AssumeRole on the Security OU's roles to outsiders
    ps = policies_for(demo, SECURITY_TOOLING, "sts:AssumeRole", LOG_READER)
    assert [lvl.node for lvl in ps.rcp_levels] == ["r-a1b2", "ou-a1b2-sec00001", LOGS]


# --- fact 9: cross-account read path ------------------------------------------------------------


def test_fact9_security_tooling_to_log_archive_reader_is_unknown_only_for_readonly_access(demo):
    # fact 9 and 14, T1/E17: trust and identity both allow; only the missing ReadOnlyAccess
    # document keeps the verdict open (it could hold a Deny)
    d = check(demo, SECURITY_TOOLING, "sts:AssumeRole", LOG_READER)
    assert d.outcome.value == "unknown"
    assert d.unknown_because == (
        "policy text not in the snapshot: arn:aws:iam::aws:policy/ReadOnlyAccess",
    )
    layers = {r.layer.value for r in d.deciding}
    assert {"identity", "resource"} <= layers


def test_fact9_without_the_missing_document_the_path_is_allowed(demo):
    # fact 9: with the missing document set aside, both sides allow
    d = check(demo, SECURITY_TOOLING, "sts:AssumeRole", LOG_READER, unresolved=())
    assert d.outcome.value == "allowed"


@pytest.mark.parametrize(
    ("action", "resource"),
    [("s3:ListBucket", LOG_BUCKET), ("s3:GetObject", LOG_OBJECT), ("kms:Decrypt", TRAIL_KEY)],
)
def test_fact9_log_archive_reader_reads_the_trail_logs(demo, action, resource):
    # fact 9
    assert check(demo, LOG_READER, action, resource).outcome.value == "allowed"


def test_fact9_log_archive_reader_cannot_write_the_bucket(demo):
    # fact 9 (denied counterpart): read only
    d = check(demo, LOG_READER, "s3:PutObject", LOG_OBJECT)
    assert d.outcome.value == "implicitDeny"


# --- fact 10: PlatformDeploy and its boundary ---------------------------------------------------


@pytest.mark.parametrize(
    "action", ["cloudtrail:CreateTrail", "cloudtrail:DescribeTrails", "cloudtrail:GetTrailStatus"]
)
def test_fact10_boundary_removes_cloudtrail(demo, action):
    # fact 10, E10: cloudtrail:* is granted inline but not in the boundary
    trail = f"arn:aws:cloudtrail:us-east-1:{PROD}:trail/deploy"
    d = check(demo, PLATFORM_DEPLOY, action, trail)
    assert d.outcome.value == "implicitDeny"
    assert d.details["identity"] == "allowed"
    assert d.details["boundary"] == "implicitDeny"


def test_fact10_boundary_denies_create_user(demo):
    # fact 10, E10: an explicit deny in the boundary wins
    d = check(demo, PLATFORM_DEPLOY, "iam:CreateUser", user(PROD, "x"))
    assert d.outcome.value == "explicitDeny"
    assert deciding(d) == [("boundary", "BoundaryDeny", "")]


def test_fact10_boundary_removes_most_of_iam(demo):
    # fact 10, E10: iam:CreateRole is granted inline but outside the boundary
    d = check(demo, PLATFORM_DEPLOY, "iam:CreateRole", role(PROD, "x"))
    assert d.outcome.value == "implicitDeny"


@pytest.mark.parametrize(
    ("action", "resource"),
    [
        ("ec2:RunInstances", f"arn:aws:ec2:us-east-1:{PROD}:instance/*"),
        ("iam:PassRole", role(PROD, "ops-automation")),
    ],
)
def test_fact10_platform_deploy_keeps_ec2_and_pass_role(demo, action, resource):
    # fact 10, E10: inside both the inline policy and the boundary
    assert check(demo, PLATFORM_DEPLOY, action, resource).outcome.value == "allowed"


def test_fact10_oncall_bot_reaches_platform_deploy_without_mfa(demo):
    # fact 10, G1/T1/E17: PlatformEngineers' policy + trust of the management root, no MFA
    d = check(demo, ONCALL_BOT, "sts:AssumeRole", PLATFORM_DEPLOY, Mfa.LONG_TERM_KEYS)
    assert d.outcome.value == "allowed"


def test_fact10_ci_runner_is_a_dead_end(demo):
    # fact 10, T1/E17: the trust names only 111122223333
    d = check(demo, role(SHARED, "ci-runner"), "sts:AssumeRole", PLATFORM_DEPLOY)
    assert d.outcome.value == "implicitDeny"


# --- fact 11: only the default version counts ---------------------------------------------------


def test_fact11_platform_engineers_have_no_pass_role(demo):
    # fact 11: v2 (default) has no iam:PassRole; v1's iam:* does not count
    d = check(demo, ONCALL_BOT, "iam:PassRole", LAMBDA_MAINT)
    assert d.outcome.value == "implicitDeny"


def test_fact11_platform_engineers_write_only_platform_functions(demo):
    # fact 11: lambda write on function:platform-* only
    fn = f"arn:aws:lambda:us-east-1:{MGMT}:function:"
    assert check(demo, ONCALL_BOT, "lambda:UpdateFunctionCode", fn + "platform-api").allowed
    d = check(demo, ONCALL_BOT, "lambda:UpdateFunctionCode", fn + "org-maintenance")
    assert d.outcome.value == "implicitDeny"


# --- fact 14: SecurityTooling's missing ReadOnlyAccess ------------------------------------------


@pytest.mark.parametrize(
    ("action", "resource"),
    [
        ("ec2:DescribeInstances", f"arn:aws:ec2:us-east-1:{TOOLS}:instance/i-0abc"),
        ("iam:CreateUser", user(TOOLS, "x")),
        ("s3:GetObject", LOG_OBJECT),
    ],
)
def test_fact14_security_tooling_is_unknown_never_denied(demo, action, resource):
    # fact 14: the missing document could allow anything, so no implicit deny is claimed
    d = check(demo, SECURITY_TOOLING, action, resource)
    assert d.outcome.value == "unknown"
    assert any("ReadOnlyAccess" in why for why in d.unknown_because)


def test_fact14_a_certain_scp_deny_still_stands(demo):
    # fact 14, E2: a Deny that certainly matches is final whatever the missing policy says
    d = check(demo, SECURITY_TOOLING, "cloudtrail:StopLogging", ORG_TRAIL)
    assert d.outcome.value == "explicitDeny"
    assert deciding(d) == [("scp", "ProtectCloudTrail", "r-a1b2")]


# --- fact 15: trail bucket protections ----------------------------------------------------------


def test_fact15_only_break_glass_may_delete_log_objects(demo):
    # fact 15, E2/C2: the bucket Deny spares only 222233334444's BreakGlassAdmin
    d = check(demo, LOG_READER, "s3:DeleteObject", LOG_OBJECT)
    assert d.outcome.value == "explicitDeny"
    assert deciding(d) == [("resource", "DenyLogTamperingExceptBreakGlass", "")]
    assert check(demo, role(LOGS, "BreakGlassAdmin"), "s3:DeleteObject", LOG_OBJECT).allowed


def test_fact15_insecure_transport_is_denied(demo):
    # fact 15: s3:* is denied when aws:SecureTransport is false
    insecure = [("aws:SecureTransport", ContextValue(("false",), type="boolean"))]
    d = check(demo, LOG_READER, "s3:GetObject", LOG_OBJECT, extra=insecure)
    assert d.outcome.value == "explicitDeny"
    assert deciding(d) == [("resource", "DenyInsecureTransport", "")]
