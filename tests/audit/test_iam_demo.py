"""The IAM audit families on the demo organization: exactly the findings its README seeds.

Expected values come from fixtures/demo-org/README.md (fact 4 for credentials and password
policies; facts 6, 10 and the account tables for policies) and the files it describes, not from
running the checks.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from iamgraph.audit import credentials, passwords, permissions, root
from iamgraph.audit.model import AuditContext
from iamgraph.finding import Finding
from tests.demo import DEV_ID as DEV
from tests.demo import LOGS_ID as LOGS
from tests.demo import MGMT_ID as MGMT
from tests.demo import PROD_ID as PROD
from tests.demo import SECURITY_ID as SEC
from tests.demo import SHARED_ID as SHARED

AS_OF = datetime(2026, 11, 20, 8, 0, 0, tzinfo=UTC)
CHECKS = {c.id: c for m in (root, passwords, credentials, permissions) for c in m.CHECKS}


def arn(account: str, kind: str, name: str) -> str:
    return f"arn:aws:iam::{account}:{kind}/{name}"


# (check, subject) for every finding the README seeds; any other finding is a false alarm
EXPECTED: dict[str, list[str]] = {
    # fact 4: the dev root has no MFA and its password was used 2026-10-03 (47 days before)
    "IAM.ROOT.ACCESS_KEYS": [],
    "IAM.ROOT.NO_MFA": [f"arn:aws:iam::{DEV}:root"],
    "IAM.ROOT.RECENT_USE": [f"arn:aws:iam::{DEV}:root"],
    # fact 4: no policy in security tooling; prod weak; dev 12/reuse 5/no expiry; shared reuse 12
    "IAM.PASSWORD.MISSING": [SEC],
    "IAM.PASSWORD.LENGTH": [PROD, DEV],
    "IAM.PASSWORD.REUSE": [PROD, DEV, SHARED],
    "IAM.PASSWORD.SYMBOLS": [PROD],
    "IAM.PASSWORD.NUMBERS": [PROD],
    "IAM.PASSWORD.UPPERCASE": [PROD],
    "IAM.PASSWORD.LOWERCASE": [],
    "IAM.PASSWORD.EXPIRY": [PROD, DEV, SHARED],
    # fact 4: credentials
    "IAM.MFA.CONSOLE_USER": [arn(PROD, "user", "sam.okafor")],
    "IAM.CREDS.KEY_AGE": [
        arn(MGMT, "user", "ci-deployer"),
        arn(PROD, "user", "legacy-batch"),
        arn(PROD, "user", "legacy-batch"),
    ],
    "IAM.CREDS.KEY_UNUSED": [arn(PROD, "user", "legacy-batch")],
    "IAM.CREDS.TWO_ACTIVE_KEYS": [arn(PROD, "user", "legacy-batch")],
    "IAM.CREDS.PASSWORD_NEVER_USED": [],
    "IAM.CREDS.PASSWORD_UNUSED": [],
    # priya.patel: password enabled and access key 1 active (the only such user)
    "IAM.CREDS.CONSOLE_AND_KEYS": [arn(MGMT, "user", "priya.patel")],
    # the two users with directly attached policies (account tables, fact 16)
    "IAM.POLICY.USER_ATTACHED": [
        arn(SEC, "user", "sec-analyst"),
        arn(SHARED, "user", "artifact-publisher"),
    ],
    "IAM.POLICY.INLINE": [
        arn(MGMT, "user", "ci-deployer"),  # deploy-lambdas (fact 1)
        arn(MGMT, "user", "oncall-engineer"),  # assume-break-glass (fact 3)
        arn(MGMT, "group", "Admins"),  # RequireMFA
        arn(MGMT, "role", "lambda-org-maintenance"),  # trail-maintenance (fact 1)
        arn(MGMT, "role", "lambda-cost-reporter"),  # cost-explorer-read
        arn(MGMT, "role", "TrailOperator"),  # org-trail-operations (fact 2)
        arn(LOGS, "role", "LogArchiveReader"),  # read-trail-logs (fact 9)
        arn(SEC, "role", "SecurityTooling"),  # assume-log-archive-reader (fact 9)
        arn(SEC, "role", "GuardDutyResponder"),  # isolate-instances
        arn(PROD, "user", "legacy-batch"),  # legacy-batch-access (fact 17)
        arn(PROD, "group", "SupportViewers"),  # support-read
        arn(PROD, "role", "ops-automation"),  # ops-automation (fact 2)
        arn(PROD, "role", "app-server"),  # app-data-access
        arn(PROD, "role", "PlatformDeploy"),  # deploy-permissions (fact 10)
        arn(DEV, "role", "dev-lambda-exec"),  # dev-tables
        arn(SHARED, "role", "ci-runner"),  # ci-runner (fact 17)
    ],
    # fact 10: deploy-permissions allows service:* on *; fact 11: platform-engineer v2 has
    # logs:* and cloudwatch:* on *; deploy-boundary is only a boundary
    "IAM.POLICY.FULL_ADMIN_OUTSIDE_ADMIN_ROLES": [
        arn(PROD, "role", "PlatformDeploy"),
        arn(MGMT, "policy", "platform-engineer"),
    ],
    "IAM.POLICY.NOTACTION_ALLOW": [arn(DEV, "policy", "dev-power-user")],  # fact 6
    "IAM.POLICY.PASSROLE_STAR": [arn(PROD, "role", "PlatformDeploy")],  # iam:* on * (fact 10)
    "IAM.POLICY.DUPLICATES_AWS_MANAGED": [],
    # every trust names a service, an account of the organization, or a principal in it
    "IAM.TRUST.ANY_PRINCIPAL": [],
    "IAM.TRUST.WHOLE_FOREIGN_ACCOUNT": [],
    "IAM.TRUST.OIDC_WITHOUT_SUB": [],
}


@pytest.fixture(scope="module")
def ctx(demo) -> AuditContext:
    return AuditContext(demo, as_of=AS_OF)


def run(ctx: AuditContext, check: str) -> list[Finding]:
    return list(CHECKS[check].run(ctx))


def one(ctx: AuditContext, check: str, subject: str) -> Finding:
    (f,) = [f for f in run(ctx, check) if f.subject == subject]
    return f


def test_every_check_is_expected():
    assert set(EXPECTED) == set(CHECKS)


@pytest.mark.parametrize("check", sorted(EXPECTED))
def test_exactly_the_seeded_findings(ctx, check):
    found = run(ctx, check)
    assert all(f.unknown is False for f in found), found
    assert sorted(f.subject for f in found) == sorted(EXPECTED[check])


def test_dev_root(ctx):
    mfa = one(ctx, "IAM.ROOT.NO_MFA", f"arn:aws:iam::{DEV}:root")
    assert (mfa.evidence["mfa_active"], mfa.evidence["AccountMFAEnabled"]) == (False, 0)
    recent = one(ctx, "IAM.ROOT.RECENT_USE", f"arn:aws:iam::{DEV}:root")
    assert recent.evidence["uses"] == [
        {"credential": "password", "last_used": "2026-10-03T19:22:47+00:00", "age_days": 47}
    ]
    # the dev report is the CLI's JSON form: the CSV line is evidence, the ref names Content
    assert recent.source.file.endswith("555566667777/iam/credential-report.json")
    assert recent.source.path == ("Content",)


def test_management_root_used_more_than_90_days_ago_is_idle(ctx):
    # 2026-07-21 is 121 days before collection
    assert all(MGMT not in f.subject for f in run(ctx, "IAM.ROOT.RECENT_USE"))


def test_prod_password_policy_fields(ctx):
    facts = {
        check: (f.evidence["field"], f.evidence["value"], f.evidence["required"])
        for check in CHECKS
        if check.startswith("IAM.PASSWORD.") and check != "IAM.PASSWORD.MISSING"
        for f in run(ctx, check)
        if f.subject == PROD
    }
    assert facts == {
        "IAM.PASSWORD.LENGTH": ("MinimumPasswordLength", 8, 14),
        "IAM.PASSWORD.REUSE": ("PasswordReusePrevention", None, 24),
        "IAM.PASSWORD.SYMBOLS": ("RequireSymbols", False, True),
        "IAM.PASSWORD.NUMBERS": ("RequireNumbers", False, True),
        "IAM.PASSWORD.UPPERCASE": ("RequireUppercaseCharacters", False, True),
        "IAM.PASSWORD.EXPIRY": ("MaxPasswordAge", None, 90),
    }


def test_other_weak_fields(ctx):
    def value(check: str, account: str):
        return one(ctx, check, account).evidence["value"]

    assert value("IAM.PASSWORD.LENGTH", DEV) == 12
    assert value("IAM.PASSWORD.REUSE", DEV) == 5
    assert value("IAM.PASSWORD.REUSE", SHARED) == 12


def test_stale_keys(ctx):
    ages = sorted(
        (f.subject.rsplit("/", 1)[-1], f.evidence["key"], f.evidence["last_rotated"])
        for f in run(ctx, "IAM.CREDS.KEY_AGE")
    )
    assert ages == [
        ("ci-deployer", 1, "2024-02-02T11:20:45+00:00"),
        ("legacy-batch", 1, "2023-08-15T09:30:12+00:00"),
        ("legacy-batch", 2, "2024-11-01T13:45:00+00:00"),
    ]
    ci = one(ctx, "IAM.CREDS.KEY_AGE", arn(MGMT, "user", "ci-deployer"))
    assert ci.evidence["age_days"] == 1021
    assert ci.source.file.endswith("111122223333/iam/credential-report.csv")
    assert ci.source.line == ci.evidence["line"] == 8
    key2 = [f for f in run(ctx, "IAM.CREDS.KEY_AGE") if f.evidence["key"] == 2]
    assert key2[0].evidence["age_days"] == 748


def test_legacy_batch_key_1_unused_354_days(ctx):
    f = one(ctx, "IAM.CREDS.KEY_UNUSED", arn(PROD, "user", "legacy-batch"))
    assert (f.evidence["key"], f.evidence["unused_days"]) == (1, 354)


def test_platform_deploy_statement(ctx):
    f = one(ctx, "IAM.POLICY.FULL_ADMIN_OUTSIDE_ADMIN_ROLES", arn(PROD, "role", "PlatformDeploy"))
    assert f.evidence["policy"] == "deploy-permissions"
    assert f.evidence["wildcard_actions"] == [
        "cloudformation:*",
        "ec2:*",
        "lambda:*",
        "s3:*",
        "dynamodb:*",
        "iam:*",
        "cloudtrail:*",
    ]
    assert f.source.file.endswith("get-account-authorization-details/page-2.json")
    assert f.source.line > 0
    engineer = one(
        ctx, "IAM.POLICY.FULL_ADMIN_OUTSIDE_ADMIN_ROLES", arn(MGMT, "policy", "platform-engineer")
    )
    assert engineer.evidence["sid"] == "Observability"
    assert engineer.evidence["wildcard_actions"] == ["logs:*", "cloudwatch:*"]


def test_dev_power_user_notaction(ctx):
    f = one(ctx, "IAM.POLICY.NOTACTION_ALLOW", arn(DEV, "policy", "dev-power-user"))
    assert f.evidence["sid"] == "PowerUser"
    assert f.evidence["not_action"] == ["iam:*", "organizations:*", "account:*"]
    assert f.evidence["attached_to"] == [arn(DEV, "group", "DevTeam")]


def test_service_linked_role_has_no_inline_finding(ctx):
    subjects = {f.subject for f in run(ctx, "IAM.POLICY.INLINE")}
    assert arn(MGMT, "role", "AWSServiceRoleForOrganizations") not in subjects
