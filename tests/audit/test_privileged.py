"""The privileged family (IAM.MFA.PRIVILEGED_NO_MFA, IAM.MFA.SENSITIVE_WITHOUT_MFA,
IAM.ACCESS.PERMISSIONS_MANAGEMENT): a finding and a clean case per check on
fixtures/audit/privileged, and on fixtures/demo-org exactly the findings its README implies
(facts 1, 3, 4, 5, 6, 10, 14, 17, 19, 20), worked out from the files, not from the code."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from iamgraph.audit import privileged
from iamgraph.audit.checks import BY_ID
from iamgraph.audit.model import AuditContext
from iamgraph.finding import Finding, Severity
from iamgraph.load.snapshot import load_snapshot
from tests.conftest import FIXTURES
from tests.demo import DEV, PROD, SHARED
from tests.demo import LOGS as LOG
from tests.demo import MGMT as M
from tests.demo import SECURITY as SEC

AS_OF = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
FIXTURE_AS_OF = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)
PRIV, SENS, PM = (
    "IAM.MFA.PRIVILEGED_NO_MFA",
    "IAM.MFA.SENSITIVE_WITHOUT_MFA",
    "IAM.ACCESS.PERMISSIONS_MANAGEMENT",
)
BAD = "arn:aws:iam::210987654321"
OAAR = "role/OrganizationAccountAccessRole"
ALL_GROUPS = ["IAM writes", "CloudTrail tampering", "KMS key deletion", "Organizations writes"]


def _run(snap, as_of) -> list[Finding]:
    ctx = AuditContext(snap, as_of)
    return [f for c in privileged.CHECKS for f in c.run(ctx)]


@pytest.fixture(scope="module")
def demo_found(demo) -> list[Finding]:
    return _run(demo, AS_OF)


@pytest.fixture(scope="module")
def bad() -> list[Finding]:
    return _run(load_snapshot(FIXTURES / "audit" / "privileged" / "bad"), FIXTURE_AS_OF)


@pytest.fixture(scope="module")
def clean() -> list[Finding]:
    return _run(load_snapshot(FIXTURES / "audit" / "privileged" / "clean"), FIXTURE_AS_OF)


def _get(found: list[Finding], check: str, subject: str) -> Finding:
    [f] = [f for f in found if f.rule.id == check and f.subject == subject]
    return f


def _keys(found: list[Finding], check: str) -> set[tuple[str, bool]]:
    return {(f.subject, f.unknown) for f in found if f.rule.id == check}


def test_the_checks_are_in_the_table() -> None:
    assert BY_ID[PRIV].severity is Severity.CRITICAL
    assert BY_ID[SENS].severity is Severity.HIGH
    assert BY_ID[PM].severity is Severity.INFO


# -- the small fixtures ------------------------------------------------------------------------


def test_bad_fixture(bad) -> None:
    assert _keys(bad, PRIV) == {
        (f"{BAD}:user/admin-keys", False),
        (f"{BAD}:user/escalator", False),
    }
    assert _keys(bad, SENS) == {
        (f"{BAD}:user/admin-keys", False),
        (f"{BAD}:user/escalator", False),
        (f"{BAD}:user/console-no-mfa", False),
        (f"{BAD}:role/key-janitor", False),
    }
    assert _keys(bad, PM) == {(f"{BAD}:user/escalator", False)}


def test_privileged_evidence(bad) -> None:
    own = _get(bad, PRIV, f"{BAD}:user/admin-keys").evidence
    assert own["privileged"] == "own admin" and own["hops"] == []
    assert own["start_mode"] == "keys"
    assert own["credentials"] == {
        "password_enabled": False,
        "mfa_active": False,
        "active_access_keys": 1,
    }
    path = _get(bad, PRIV, f"{BAD}:user/escalator").evidence
    assert path["privileged"] == "path to admin"
    [hop] = path["hops"]
    assert hop["from"] == hop["to"] == f"{BAD}:user/escalator"


def test_sensitive_evidence(bad) -> None:
    admin = _get(bad, SENS, f"{BAD}:user/admin-keys").evidence
    assert list(admin["groups"]) == ALL_GROUPS  # no organization: no SCP cuts anything
    esc = _get(bad, SENS, f"{BAD}:user/escalator").evidence["groups"]
    assert esc == {
        "IAM writes": {
            "action": "iam:AttachUserPolicy",
            "resource": f"{BAD}:user/escalator",
            "mfa": "keys",
            "statements": [f"{BAD}:user/escalator:self-attach AttachToSelf"],
        }
    }
    console = _get(bad, SENS, f"{BAD}:user/console-no-mfa").evidence
    assert console["modes"] == ["no-mfa"]  # a password without MFA: a console session
    assert console["groups"]["CloudTrail tampering"]["action"] in (
        "cloudtrail:StopLogging",
        "cloudtrail:DeleteTrail",
    )
    janitor = _get(bad, SENS, f"{BAD}:role/key-janitor").evidence
    assert list(janitor["groups"]) == ["KMS key deletion"]


def test_clean_fixture(clean) -> None:
    # admin-mfa: admin only with MFA and holds no credential without it; break-glass: its
    # trust requires MFA (M3), so no session without MFA exists; reader: Read on one bucket
    assert clean == []


# -- the demo organization ---------------------------------------------------------------------


def test_demo_privileged_without_mfa(demo_found) -> None:
    # fact 20: the admins are maria.garcia and james.chen (MFA only: Admins denies without
    # it; both have a device and a password, no keys), both BreakGlassAdmins (MFA-only
    # trust, fact 3), dev-admin and every OrganizationAccountAccessRole (their trusts name
    # an account root whose principals with credentials without MFA have no sts:AssumeRole
    # on them, fact 19), and the root users. dev.one/dev.two reach dev-admin (fact 6) and
    # hold only passwords with MFA devices (dev credential report). Every root has MFA but
    # the dev root (fact 4), which is admin; and it may create keys for dev.one and dev.two
    # (keys carry no MFA, M1) and rewrite the trust of dev-admin and OrganizationAccountAccess
    # Role, whose sessions it then obtains from outside without MFA: all of them are found.
    assert _keys(demo_found, PRIV) == {
        (f"{DEV}:root", False),
        (f"{DEV}:user/dev.one", False),
        (f"{DEV}:user/dev.two", False),
        (f"{DEV}:role/dev-admin", False),
        (f"{DEV}:role/OrganizationAccountAccessRole", False),
    }
    one = _get(demo_found, PRIV, f"{DEV}:user/dev.one").evidence
    assert one["start_mode"] == "keys" and [h["to"] for h in one["hops"]] == [
        f"{DEV}:role/dev-admin"
    ]
    ev = _get(demo_found, PRIV, f"{DEV}:root").evidence
    assert ev["privileged"] == "own admin" and ev["start_mode"] == "no-mfa"
    assert ev["credentials"]["mfa_active"] is False
    assert ev["credentials"]["active_access_keys"] == 0


DEMO_SENSITIVE = {
    # fact 1: PassRole (an IAM write) with the long-term key
    f"{M}:user/ci-deployer": ["IAM writes"],
    # fact 1: the Lambda-trusted role (sessions never carry MFA) may tamper with trails
    f"{M}:role/lambda-org-maintenance": ["CloudTrail tampering"],
    # fact 2: its trust names ops-automation without an MFA condition; no SCP in management
    f"{M}:role/TrailOperator": ["CloudTrail tampering"],
    # OrganizationAccountAccessRole trusts the management root with no MFA condition and is
    # admin; protect-cloudtrail exempts it by name
    f"{LOG}:{OAAR}": ALL_GROUPS,
    f"{SEC}:{OAAR}": ALL_GROUPS,
    f"{PROD}:{OAAR}": ALL_GROUPS,  # prod-region-lock: us-east-1 is allowed
    f"{SHARED}:{OAAR}": ALL_GROUPS,
    # fact 5: the dev allow-list has iam and kms, only CloudTrail reads, no organizations
    f"{DEV}:{OAAR}": ["IAM writes", "KMS key deletion"],
    f"{DEV}:role/dev-admin": ["IAM writes", "KMS key deletion"],
    # fact 10: the boundary leaves iam:PassRole (Write) and cuts cloudtrail:*
    f"{PROD}:role/PlatformDeploy": ["IAM writes"],
}


def test_demo_sensitive_without_mfa(demo_found) -> None:
    # users with credentials without MFA: ci-deployer, oncall-bot, oncall-engineer,
    # priya.patel (a key besides her device), legacy-batch, artifact-publisher (keys) and
    # sam.okafor (password without MFA); all but ci-deployer lack sensitive permissions
    # (fact 11: PlatformEngineers have only iam:Get*/List*). BreakGlassAdmin: MFA-only
    # trust, so skipped. SecurityTooling: ReadOnlyAccess is missing (fact 14): unknown.
    expected = {(arn, False) for arn in DEMO_SENSITIVE}
    expected.add((f"{SEC}:role/SecurityTooling", True))
    assert _keys(demo_found, SENS) == expected
    for arn, groups in DEMO_SENSITIVE.items():
        assert list(_get(demo_found, SENS, arn).evidence["groups"]) == groups, arn
    ci = _get(demo_found, SENS, f"{M}:user/ci-deployer").evidence["groups"]["IAM writes"]
    assert ci["action"] == "iam:PassRole" and ci["mfa"] == "keys"
    assert ci["resource"].startswith(f"{M}:role/lambda-")


DEMO_PM = {
    # platform-engineer v2 (fact 11): logs:* and cloudwatch:*
    f"{M}:user/priya.patel": ["cloudwatch", "logs"],
    f"{M}:user/oncall-bot": ["cloudwatch", "logs"],
    # fact 10: the boundary's services, all of them, and no iam permissions management
    f"{PROD}:role/PlatformDeploy": ["cloudformation", "dynamodb", "ec2", "lambda", "s3"],
    # fact 6 and 5: NotAction iam/organizations/account, cut by the dev allow-list
    f"{DEV}:user/dev.one": [
        "cloudwatch",
        "dynamodb",
        "ec2",
        "kms",
        "lambda",
        "logs",
        "s3",
        "sns",
        "sqs",
    ],
    f"{DEV}:user/dev.two": [
        "cloudwatch",
        "dynamodb",
        "ec2",
        "kms",
        "lambda",
        "logs",
        "s3",
        "sns",
        "sqs",
    ],
}


def test_demo_permissions_management(demo_found) -> None:
    # legacy-batch's s3:* never applies (fact 17: the misspelt condition key is never in a
    # request); SecurityTooling: missing policy, unknown
    expected = {(arn, False) for arn in DEMO_PM}
    expected.add((f"{SEC}:role/SecurityTooling", True))
    assert _keys(demo_found, PM) == expected
    for arn, services in DEMO_PM.items():
        assert _get(demo_found, PM, arn).evidence["services"] == services, arn
