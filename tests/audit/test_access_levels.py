"""The access-level table: per principal and service, the levels its own layers allow, with
replayed witnesses; administrators as one "*" row; unknown never dropped."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from iamgraph.audit.model import AuditContext
from iamgraph.catalog import CLASSIC_LEVELS, catalog
from iamgraph.load.snapshot import load_snapshot
from iamgraph.query.access import AccessRow, Status, access_table
from tests.conftest import FIXTURES
from tests.demo import MGMT as M

AS_OF = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
BAD = "arn:aws:iam::210987654321"


def _levels(rows: list[AccessRow]) -> dict[str, set[str]]:
    return {r.service: {a.level for a in r.levels if a.status is Status.ALLOWED} for r in rows}


@pytest.fixture(scope="module")
def demo_ctx(demo) -> AuditContext:
    return AuditContext(demo, AS_OF)


def test_ci_deployer(demo_ctx) -> None:
    # fact 1: deploy-lambdas: lambda Create/Update*/Invoke (Write) and GetFunction (Read),
    # iam:PassRole (Write) on role/lambda-*, s3 PutObject (Write) and GetObject (Read)
    rows = access_table(demo_ctx.snapshot, [f"{M}:user/ci-deployer"])
    assert _levels(rows) == {
        "iam": {"Write"},
        "lambda": {"Read", "Write"},
        "s3": {"Read", "Write"},
    }
    iam = next(r for r in rows if r.service == "iam").level("Write")
    assert iam.witness[0] == "iam:PassRole" and iam.witness[1].startswith(f"{M}:role/lambda-")


def test_log_archive_reader(demo_ctx) -> None:
    # fact 9: s3:ListBucket (List), s3:GetObject (Read), kms:Decrypt (its catalog level)
    rows = access_table(demo_ctx.snapshot, ["arn:aws:iam::222233334444:role/LogArchiveReader"])
    decrypt = set(catalog().lookup("kms:Decrypt").access_levels)
    assert _levels(rows) == {"s3": {"List", "Read"}, "kms": decrypt}


def test_misspelt_condition_key_never_applies(demo_ctx) -> None:
    # fact 17: BatchBuckets' s3:ResourceAcount is never in a request (C1): no s3 at all;
    # fact 2: its sts:AssumeRole on TrailOperator is denied by workloads-guardrails
    rows = access_table(demo_ctx.snapshot, ["arn:aws:iam::444455556666:user/legacy-batch"])
    assert rows == []


def test_admin_is_one_row(demo_ctx) -> None:
    rows = access_table(
        demo_ctx.snapshot, [f"{M}:user/maria.garcia", "arn:aws:iam::555566667777:root"]
    )
    assert [(r.principal, r.service, r.admin) for r in rows] == [
        (f"{M}:user/maria.garcia", "*", True),
        ("arn:aws:iam::555566667777:root", "*", True),
    ]
    assert {a.level for a in rows[0].levels} == set(CLASSIC_LEVELS)
    assert rows[0].levels[0].mfa == "mfa"  # the Admins group denies everything without MFA


def test_missing_policy_is_unknown(demo_ctx) -> None:
    # fact 14: ReadOnlyAccess is not in the snapshot: nothing proven, nothing dropped
    [row] = access_table(demo_ctx.snapshot, ["arn:aws:iam::333344445555:role/SecurityTooling"])
    assert row.service == "*" and not row.admin
    assert {a.status for a in row.levels} == {Status.UNKNOWN}


def test_boundary_and_scps_cut(demo_ctx) -> None:
    # fact 10: PlatformDeploy's boundary keeps iam:PassRole/Get*/List* and no cloudtrail;
    # fact 5: the dev allow-list keeps dev.one to eleven services, iam excluded by NotAction
    rows = access_table(demo_ctx.snapshot, ["arn:aws:iam::444455556666:role/PlatformDeploy"])
    levels = _levels(rows)
    assert "cloudtrail" not in levels and "logs" not in levels
    assert levels["iam"] == {"List", "Read", "Write"}
    dev = _levels(access_table(demo_ctx.snapshot, ["arn:aws:iam::555566667777:user/dev.one"]))
    assert set(dev) == {
        "cloudtrail", "cloudwatch", "dynamodb", "ec2", "iam", "kms", "lambda", "logs", "s3",
        "sns", "sqs", "sts",
    }  # fmt: skip
    assert dev["iam"] == {"Write"}  # only iam:PassRole on role/dev-*
    assert dev["cloudtrail"] <= {"List", "Read"}


def test_fixture_rows() -> None:
    snap = load_snapshot(FIXTURES / "audit" / "privileged" / "bad")
    ctx = AuditContext(snap, datetime(2026, 6, 30, 12, 0, tzinfo=UTC))
    rows = access_table(ctx.snapshot, [f"{BAD}:user/admin-keys", f"{BAD}:user/escalator"])
    assert [(r.service, r.admin) for r in rows if r.principal.endswith("admin-keys")] == [
        ("*", True)
    ]
    esc = _levels([r for r in rows if r.principal.endswith("escalator")])
    attach = set(catalog().lookup("iam:AttachUserPolicy").access_levels)  # PM (and Write)
    assert esc == {"iam": {"List", "Read", *attach}}
    clean = load_snapshot(FIXTURES / "audit" / "privileged" / "clean")
    ctx = AuditContext(clean, datetime(2026, 6, 30, 12, 0, tzinfo=UTC))
    assert _levels(access_table(ctx.snapshot, ["arn:aws:iam::123450987654:user/reader"])) == {
        "s3": {"Read"}
    }
