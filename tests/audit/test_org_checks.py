"""The Organizations family on fixtures/audit/trail (README there)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from iamgraph.audit.model import AuditContext
from iamgraph.audit.organizations import (
    CHECKS,
    MANAGEMENT_ALLOW_LIST,
    full_access,
)
from iamgraph.finding import Finding
from iamgraph.load.snapshot import load_snapshot
from iamgraph.model.policy import PolicyKind, parse_policy
from iamgraph.model.source import SourceRef

TRAIL = Path(__file__).resolve().parents[2] / "fixtures" / "audit" / "trail"
AS_OF = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def _run(name: str) -> dict[str, list[Finding]]:
    ctx = AuditContext(load_snapshot(TRAIL / name), AS_OF)
    return {c.id: list(c.run(ctx)) for c in CHECKS}


@pytest.fixture(scope="module")
def bad() -> dict[str, list[Finding]]:
    return _run("bad")


def test_table() -> None:
    assert [c.id for c in CHECKS] == [
        "ORG.SCP.ONLY_FULL_ACCESS",
        "ORG.SCP.NO_CLOUDTRAIL_PROTECTION",
        "ORG.MANAGEMENT.WORKLOADS",
    ]


def test_clean_organization_has_no_finding() -> None:
    assert {k: v for k, v in _run("clean").items() if v} == {}


def test_only_full_access(bad) -> None:
    [f] = bad["ORG.SCP.ONLY_FULL_ACCESS"]  # Guarded accounts have deny-leave-organization
    assert (f.subject, f.unknown) == ("200000000002", False)
    assert f.evidence["chain"] == [
        {"node": "r-bad1", "name": "Root", "scps": ["FullAWSAccess"]},
        {"node": "ou-bad1-open0001", "name": "Open", "scps": ["FullAWSAccess"]},
        {"node": "200000000002", "name": "bad-open", "scps": ["FullAWSAccess"]},
    ]
    assert "FullAWSAccess" in f.message
    assert f.source.file.endswith("describe-policy/p-FullAWSAccess.json")


def test_no_cloudtrail_protection(bad) -> None:
    found = {f.subject: f for f in bad["ORG.SCP.NO_CLOUDTRAIL_PROTECTION"]}
    # 200000000004 has protect-cloudtrail; the management account is not bound by SCPs (E6)
    assert set(found) == {"200000000002", "200000000003"}
    guarded = found["200000000003"]
    assert guarded.unknown is False
    assert guarded.evidence["allowed"] == ["cloudtrail:StopLogging", "cloudtrail:DeleteTrail"]
    assert guarded.evidence["principal"] == (
        "arn:aws:iam::200000000003:role/iamgraph-ordinary-principal"
    )
    assert (
        guarded.evidence["witness"]["resource"].startswith("arn:aws:cloudtrail:")
        and ":200000000003:trail/" in guarded.evidence["witness"]["resource"]
    )
    # a witness names the account's own trail where it has one
    assert found["200000000002"].evidence["witness"]["resource"] == (
        "arn:aws:cloudtrail:us-west-2:200000000002:trail/stopped-trail"
    )


def test_management_workloads(bad) -> None:
    [f] = bad["ORG.MANAGEMENT.WORKLOADS"]
    m = "arn:aws:iam::200000000001"
    assert (f.subject, f.unknown) == ("200000000001", False)
    assert f.evidence["users"] == [f"{m}:user/admin-mfa", f"{m}:user/ci", f"{m}:user/deployer"]
    assert f.evidence["roles"] == [f"{m}:role/log-janitor", f"{m}:role/trail-admin"]
    assert set(f.evidence["allowed"]) == {
        f"{m}:role/BreakGlassAdmin",
        f"{m}:role/aws-service-role/organizations.amazonaws.com/AWSServiceRoleForOrganizations",
    }
    assert "3 user(s) and 2 role(s)" in f.message


def test_no_organization_folder_is_an_unknown_note() -> None:
    found = _run("gaps")
    for check in CHECKS:
        [f] = found[check.id]
        assert (f.subject, f.unknown) == ("organization", True)
        assert "organization/" in f.message


def test_an_account_in_no_organization_gives_nothing() -> None:
    """snapshot.json records AWSOrganizationsNotInUseException: nothing to check."""
    assert {k: v for k, v in _run("standalone").items() if v} == {}


def _scp(statement: dict):
    return parse_policy(
        {"Version": "2012-10-17", "Statement": [statement]},
        kind=PolicyKind.SCP,
        source=SourceRef("scp"),
    )


def test_full_access_by_content() -> None:
    assert full_access(_scp({"Effect": "Allow", "Action": "*", "Resource": "*"}))
    assert not full_access(_scp({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}))
    assert not full_access(_scp({"Effect": "Deny", "Action": "*", "Resource": "*"}))
    assert not full_access(
        _scp(
            {
                "Effect": "Allow",
                "Action": "*",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:RequestedRegion": "us-east-1"}},
            }
        )
    )


def test_management_allow_list_is_a_constant() -> None:
    assert "BreakGlass*" in MANAGEMENT_ALLOW_LIST
    assert "OrganizationAccountAccessRole" in MANAGEMENT_ALLOW_LIST
