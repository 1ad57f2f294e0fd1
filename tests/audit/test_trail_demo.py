"""The CloudTrail and Organizations families on fixtures/demo-org: exactly the findings its
README implies (facts 1, 12, 13, 15, 19 and the organization tree), worked out from the README,
not from the code."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from iamgraph.audit import organizations, trail
from iamgraph.audit.model import AuditContext
from iamgraph.audit.trail.facts import TRAIL_TAMPER
from iamgraph.finding import Finding
from tests.demo import DEV_TRAIL, ORG_TRAIL
from tests.demo import DEV_TRAIL_BUCKET as DEV_BUCKET
from tests.demo import MGMT as M

AS_OF = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)

EXPECTED = {
    # fact 13: the dev trail is stopped, single-region, write-only, unvalidated, unencrypted,
    # without SNS or CloudWatch Logs, and its bucket has no files (unknown, never clean)
    ("CLOUDTRAIL.NOT_LOGGING", DEV_TRAIL, False),
    ("CLOUDTRAIL.NOT_MULTI_REGION", DEV_TRAIL, False),
    ("CLOUDTRAIL.MANAGEMENT_EVENTS", DEV_TRAIL, False),
    ("CLOUDTRAIL.NO_LOG_VALIDATION", DEV_TRAIL, False),
    ("CLOUDTRAIL.NO_KMS", DEV_TRAIL, False),
    ("CLOUDTRAIL.NO_ALERTING", DEV_TRAIL, False),
    ("CLOUDTRAIL.BUCKET_VERSIONING", DEV_BUCKET, True),
    ("CLOUDTRAIL.BUCKET_LIFECYCLE_DELETES", DEV_BUCKET, True),
    ("CLOUDTRAIL.BUCKET_POLICY_TAMPER", DEV_BUCKET, True),
    # facts 12 and 15: the organization trail, its bucket and key are clean; every account is
    # covered by it (no NO_TRAIL); the key's kms:* goes to its own account root (delegation)
    # fact 19: exactly two non-MFA principals can tamper with a trail
    ("CLOUDTRAIL.TAMPER_WITHOUT_MFA", f"{M}:user/ci-deployer", False),
    ("CLOUDTRAIL.TAMPER_WITHOUT_MFA", f"{M}:role/lambda-org-maintenance", False),
    # the tree: protect-cloudtrail at the root covers every member (no SCP findings); the
    # management account holds workloads
    ("ORG.MANAGEMENT.WORKLOADS", "111122223333", False),
}


@pytest.fixture(scope="module")
def found(demo) -> list[Finding]:
    ctx = AuditContext(demo, AS_OF)
    return [f for c in (*trail.CHECKS, *organizations.CHECKS) for f in c.run(ctx)]


def _get(found: list[Finding], check: str, subject: str) -> Finding:
    [f] = [f for f in found if f.rule.id == check and f.subject == subject]
    return f


def test_exactly_the_findings_the_readme_implies(found) -> None:
    assert {(f.rule.id, f.subject, f.unknown) for f in found} == EXPECTED
    assert len(found) == len(EXPECTED)


def test_dev_trail_facts(found) -> None:
    stopped = _get(found, "CLOUDTRAIL.NOT_LOGGING", DEV_TRAIL)
    assert stopped.evidence["StopLoggingTime"] == "2026-08-27T16:40:05+00:00"
    assert stopped.evidence["stopped_days"] == 84
    events = _get(found, "CLOUDTRAIL.MANAGEMENT_EVENTS", DEV_TRAIL)
    assert events.evidence["form"] == "advanced" and events.evidence["logged"] == ["write"]
    assert "readOnly Equals false" in events.message
    region = _get(found, "CLOUDTRAIL.NOT_MULTI_REGION", DEV_TRAIL)
    assert region.evidence["HomeRegion"] == "us-west-2"
    bucket = _get(found, "CLOUDTRAIL.BUCKET_VERSIONING", DEV_BUCKET)
    assert bucket.evidence["trails"] == ["dev-local-trail"]
    assert "acme-dev-trail-555566667777" in bucket.message


def test_tamper_paths(found) -> None:
    ci = _get(found, "CLOUDTRAIL.TAMPER_WITHOUT_MFA", f"{M}:user/ci-deployer")
    assert ci.evidence["start_mode"] == "keys"  # one active access key, no MFA (fact 4)
    [hop] = ci.evidence["hops"]  # fact 1 (PassRole + Lambda) or fact 18 (UpdateFunctionCode)
    assert (hop["from"], hop["to"]) == (f"{M}:user/ci-deployer", f"{M}:role/lambda-org-maintenance")
    assert ci.evidence["trail"] == ORG_TRAIL
    assert ci.evidence["action"] in TRAIL_TAMPER
    role = _get(found, "CLOUDTRAIL.TAMPER_WITHOUT_MFA", f"{M}:role/lambda-org-maintenance")
    assert role.evidence["hops"] == [] and role.evidence["start_mode"] == "no-mfa"
    assert role.evidence["statements"] == [
        f"{M}:role/lambda-org-maintenance:trail-maintenance TrailMaintenance"
    ]


def test_management_workloads(found) -> None:
    f = _get(found, "ORG.MANAGEMENT.WORKLOADS", "111122223333")
    users = [
        "auditor.kim",
        "ci-deployer",
        "james.chen",
        "maria.garcia",
        "oncall-bot",
        "oncall-engineer",
        "priya.patel",
    ]
    assert f.evidence["users"] == [f"{M}:user/{u}" for u in users]
    roles = ["lambda-cost-reporter", "lambda-org-maintenance", "TrailOperator"]
    assert f.evidence["roles"] == [f"{M}:role/{r}" for r in roles]
    assert set(f.evidence["allowed"]) == {
        f"{M}:role/BreakGlassAdmin",
        f"{M}:role/aws-service-role/organizations.amazonaws.com/AWSServiceRoleForOrganizations",
    }
