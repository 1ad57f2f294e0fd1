"""The CloudTrail family on fixtures/audit/trail (README there): each check fires on `bad/`,
says UNKNOWN on `gaps/`, and stays silent on `clean/` and `standalone/`."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from iamgraph.audit.model import AuditContext
from iamgraph.audit.trail import CHECKS
from iamgraph.audit.trail.bucket import run_bucket_lifecycle_deletes
from iamgraph.audit.trail.configuration import management_coverage
from iamgraph.audit.trail.facts import RETENTION_DAYS, TAMPER_ALLOW_LIST
from iamgraph.audit.trail.grants import allow_listed
from iamgraph.finding import Finding
from iamgraph.load.snapshot import load_snapshot
from iamgraph.model.cloudtrail import (
    AdvancedEventSelector,
    EventSelector,
    EventSelectors,
    FieldSelector,
)
from iamgraph.model.source import SourceRef

TRAIL = Path(__file__).resolve().parents[2] / "fixtures" / "audit" / "trail"
AS_OF = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
BAD_MGMT = "arn:aws:cloudtrail:us-east-1:200000000001:trail/mgmt-trail"
BAD_STOPPED = "arn:aws:cloudtrail:us-west-2:200000000002:trail/stopped-trail"
BAD_BUCKET = "arn:aws:s3:::bad-mgmt-logs-200000000001"
BAD_MEMBER_BUCKET = "arn:aws:s3:::bad-member-logs-200000000002"
BAD_KEY = "arn:aws:kms:us-east-1:200000000001:key/22222222-3333-4444-8555-666666666666"


def _run(name: str) -> dict[str, list[Finding]]:
    ctx = AuditContext(load_snapshot(TRAIL / name), AS_OF)
    return {c.id: list(c.run(ctx)) for c in CHECKS}


@pytest.fixture(scope="module")
def bad() -> dict[str, list[Finding]]:
    return _run("bad")


@pytest.fixture(scope="module")
def gaps() -> dict[str, list[Finding]]:
    return _run("gaps")


def _one(found: dict[str, list[Finding]], check: str, subject: str) -> Finding:
    hits = [f for f in found[check] if f.subject == subject]
    assert len(hits) == 1, (check, subject, found[check])
    return hits[0]


def _subjects(found: dict[str, list[Finding]], check: str) -> set[tuple[str, bool]]:
    return {(f.subject, f.unknown) for f in found[check]}


# -- the table ---------------------------------------------------------------------------------


def test_table_ids_are_unique_and_in_the_family() -> None:
    ids = [c.id for c in CHECKS]
    assert len(ids) == len(set(ids)) == 12
    assert all(i.startswith("CLOUDTRAIL.") and i == i.upper() for i in ids)
    assert all(c.title and c.remediation and c.practice and c.reads for c in CHECKS)


# -- clean cases -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["clean", "standalone"])
def test_no_finding_on_a_well_configured_snapshot(name: str) -> None:
    found = _run(name)
    assert {k: v for k, v in found.items() if v} == {}


# -- one check at a time, on bad/ ----------------------------------------------------------------


def test_no_trail(bad) -> None:
    assert _subjects(bad, "CLOUDTRAIL.NO_TRAIL") == {
        ("200000000002", False),
        ("200000000003", False),
        ("200000000004", False),
    }  # 200000000001 has its own multi-region trail that is logging
    stopped = _one(bad, "CLOUDTRAIL.NO_TRAIL", "200000000002")
    assert stopped.evidence["trails"] == [
        {"trail": BAD_STOPPED, "multi_region": False, "logging": False}
    ]
    assert _one(bad, "CLOUDTRAIL.NO_TRAIL", "200000000003").evidence["trails"] == []


def test_not_logging(bad) -> None:
    assert _subjects(bad, "CLOUDTRAIL.NOT_LOGGING") == {(BAD_STOPPED, False)}
    f = _one(bad, "CLOUDTRAIL.NOT_LOGGING", BAD_STOPPED)
    assert f.evidence["StopLoggingTime"] == "2026-10-02T12:00:00+00:00"
    assert f.evidence["stopped_days"] == 48
    assert "IsLogging false" in f.message and "48 days" in f.message
    assert f.source.file.endswith("get-trail-status/stopped-trail.json")


def test_not_multi_region(bad) -> None:
    assert _subjects(bad, "CLOUDTRAIL.NOT_MULTI_REGION") == {(BAD_STOPPED, False)}
    f = _one(bad, "CLOUDTRAIL.NOT_MULTI_REGION", BAD_STOPPED)
    assert f.evidence["HomeRegion"] == "us-west-2"
    assert f.source.file.endswith("200000000002/cloudtrail/describe-trails.json")


def test_management_events(bad) -> None:
    assert _subjects(bad, "CLOUDTRAIL.MANAGEMENT_EVENTS") == {
        (BAD_MGMT, False),
        (BAD_STOPPED, False),
    }
    basic = _one(bad, "CLOUDTRAIL.MANAGEMENT_EVENTS", BAD_MGMT)
    assert basic.evidence["form"] == "basic" and basic.evidence["logged"] == ["read"]
    advanced = _one(bad, "CLOUDTRAIL.MANAGEMENT_EVENTS", BAD_STOPPED)
    assert advanced.evidence["form"] == "advanced" and advanced.evidence["logged"] == []
    assert "eventSource NotEquals kms.amazonaws.com" in advanced.evidence["restrictions"][0]


def test_no_log_validation(bad) -> None:
    assert _subjects(bad, "CLOUDTRAIL.NO_LOG_VALIDATION") == {(BAD_MGMT, False)}
    assert "LogFileValidationEnabled false" in bad["CLOUDTRAIL.NO_LOG_VALIDATION"][0].message


def test_no_kms(bad) -> None:
    assert _subjects(bad, "CLOUDTRAIL.NO_KMS") == {(BAD_STOPPED, False)}
    f = bad["CLOUDTRAIL.NO_KMS"][0]
    assert f.evidence["S3BucketName"] == "bad-member-logs-200000000002"


def test_no_alerting(bad) -> None:
    # stopped-trail has an SNS topic; mgmt-trail has neither topic nor log group
    assert _subjects(bad, "CLOUDTRAIL.NO_ALERTING") == {(BAD_MGMT, False)}


def test_bucket_versioning(bad) -> None:
    assert _subjects(bad, "CLOUDTRAIL.BUCKET_VERSIONING") == {(BAD_BUCKET, False)}
    f = _one(bad, "CLOUDTRAIL.BUCKET_VERSIONING", BAD_BUCKET)
    assert f.evidence["Status"] == "Suspended" and f.evidence["trails"] == ["mgmt-trail"]
    assert f.source.file.endswith("get-bucket-versioning.json")


def test_bucket_lifecycle_deletes(bad) -> None:
    # the 200000000002 bucket has no lifecycle file, and snapshot.json says none is configured
    assert _subjects(bad, "CLOUDTRAIL.BUCKET_LIFECYCLE_DELETES") == {(BAD_BUCKET, False)}
    f = _one(bad, "CLOUDTRAIL.BUCKET_LIFECYCLE_DELETES", BAD_BUCKET)
    # scratch-cleanup (tmp/, beside the logs) and disabled-rule do not count
    assert f.evidence["rules"] == [
        {"rule": "expire-logs-after-30-days", "expires": ["Expiration Days 30"]}
    ]
    assert f.evidence["retention_days"] == RETENTION_DAYS == 365


def test_bucket_policy_tamper(bad) -> None:
    assert _subjects(bad, "CLOUDTRAIL.BUCKET_POLICY_TAMPER") == {
        (BAD_BUCKET, False),
        (BAD_MEMBER_BUCKET, False),
    }
    janitor = _one(bad, "CLOUDTRAIL.BUCKET_POLICY_TAMPER", BAD_BUCKET)
    assert janitor.evidence["principal"] == "arn:aws:iam::200000000001:role/log-janitor"
    assert janitor.evidence["actions"] == ["s3:DeleteObject"]
    assert janitor.evidence["statements"] == [f"{BAD_BUCKET} JanitorCleansUp"]
    assert janitor.source.file.endswith("get-bucket-policy.json")
    # BreakGlassOnlyByCondition lets "*" in only as role/BreakGlass*: allow-listed, no finding
    anyone = _one(bad, "CLOUDTRAIL.BUCKET_POLICY_TAMPER", BAD_MEMBER_BUCKET)
    assert anyone.evidence["principal"] == "*" and anyone.evidence["anonymous_too"] is True
    assert anyone.evidence["statements"] == [f"{BAD_MEMBER_BUCKET} AnyoneMayDelete"]
    assert anyone.evidence["requests"] == [["s3:DeleteObject", f"{BAD_MEMBER_BUCKET}/*"]]


def test_key_policy_tamper(bad) -> None:
    assert _subjects(bad, "CLOUDTRAIL.KEY_POLICY_TAMPER") == {(BAD_KEY, False)}
    f = _one(bad, "CLOUDTRAIL.KEY_POLICY_TAMPER", BAD_KEY)
    # the own root's kms:* is delegation (E18) and BreakGlassAdmin is allow-listed
    assert f.evidence["principal"] == "arn:aws:iam::999988887777:root"
    assert f.evidence["actions"] == [
        "kms:DisableKey",
        "kms:PutKeyPolicy",
        "kms:ScheduleKeyDeletion",
    ]
    assert f.evidence["statements"] == [
        "kms key 22222222-3333-4444-8555-666666666666 PartnerKeyAdministration"
    ]


def test_tamper_without_mfa(bad) -> None:
    m = "arn:aws:iam::200000000001"
    assert _subjects(bad, "CLOUDTRAIL.TAMPER_WITHOUT_MFA") == {
        (f"{m}:user/deployer", False),
        (f"{m}:user/ci", False),
        (f"{m}:role/trail-admin", False),
    }  # admin-mfa only with MFA, BreakGlassAdmin only with MFA, log-janitor cannot
    deployer = _one(bad, "CLOUDTRAIL.TAMPER_WITHOUT_MFA", f"{m}:user/deployer")
    assert deployer.evidence["hops"] == [] and deployer.evidence["start_mode"] == "keys"
    assert deployer.evidence["action"] == "cloudtrail:StopLogging"
    assert deployer.evidence["trail"] == BAD_MGMT
    ci = _one(bad, "CLOUDTRAIL.TAMPER_WITHOUT_MFA", f"{m}:user/ci")
    [hop] = ci.evidence["hops"]
    assert (hop["from"], hop["to"], hop["method"]) == (
        f"{m}:user/ci",
        f"{m}:role/trail-admin",
        "AssumeRole",
    )
    assert (hop["mode_from"], hop["mode_to"]) == ("keys", "no-mfa")
    assert ci.evidence["action"] == "cloudtrail:DeleteTrail"
    assert ci.evidence["acting_as"] == f"{m}:role/trail-admin"
    assert "1 hop(s)" in ci.message


# -- what the snapshot lacks is UNKNOWN, never clean ---------------------------------------------


def test_gaps_give_only_unknown_findings(gaps) -> None:
    assert all(f.unknown is True for fs in gaps.values() for f in fs)
    g1, g2 = "300000000001", "300000000002"
    gap_trail = f"arn:aws:cloudtrail:us-east-1:{g1}:trail/gap-trail"
    bare_trail = f"arn:aws:cloudtrail:us-east-1:{g2}:trail/bare-trail"
    assert {k: {f.subject for f in v} for k, v in gaps.items()} == {
        "CLOUDTRAIL.NO_TRAIL": {g1, g2},
        "CLOUDTRAIL.NOT_LOGGING": {gap_trail, bare_trail},
        "CLOUDTRAIL.NOT_MULTI_REGION": set(),
        "CLOUDTRAIL.MANAGEMENT_EVENTS": {gap_trail},  # bare-trail: default selectors
        "CLOUDTRAIL.NO_LOG_VALIDATION": set(),
        "CLOUDTRAIL.NO_KMS": set(),
        "CLOUDTRAIL.NO_ALERTING": set(),
        "CLOUDTRAIL.BUCKET_VERSIONING": {
            "arn:aws:s3:::gap-logs-300000000001",
            "arn:aws:s3:::bare-logs-300000000002",
        },
        "CLOUDTRAIL.BUCKET_LIFECYCLE_DELETES": {
            "arn:aws:s3:::gap-logs-300000000001",
            "arn:aws:s3:::bare-logs-300000000002",
        },
        "CLOUDTRAIL.BUCKET_POLICY_TAMPER": {"arn:aws:s3:::bare-logs-300000000002"},
        "CLOUDTRAIL.KEY_POLICY_TAMPER": {
            f"arn:aws:kms:us-east-1:{g1}:key/33333333-4444-4555-8666-777777777777",
            f"arn:aws:kms:us-east-1:{g2}:key/55555555-6666-4777-8888-999999999999",
        },
        "CLOUDTRAIL.TAMPER_WITHOUT_MFA": {
            f"arn:aws:iam::{g1}:user/ops",
            g2,
            f"arn:aws:iam::{g2}:root",
        },
    }


def test_gap_messages_name_what_is_missing(gaps) -> None:
    status = _one(
        gaps,
        "CLOUDTRAIL.NOT_LOGGING",
        "arn:aws:cloudtrail:us-east-1:300000000001:trail/gap-trail",
    )
    assert "get-trail-status/gap-trail.json" in status.message
    versioning = _one(gaps, "CLOUDTRAIL.BUCKET_VERSIONING", "arn:aws:s3:::gap-logs-300000000001")
    assert versioning.evidence["missing"].endswith(
        "300000000001/s3/gap-logs-300000000001/get-bucket-versioning.json"
    )
    bare = _one(gaps, "CLOUDTRAIL.BUCKET_POLICY_TAMPER", "arn:aws:s3:::bare-logs-300000000002")
    assert "no s3/bare-logs-300000000002/ files" in bare.message
    ops = _one(gaps, "CLOUDTRAIL.TAMPER_WITHOUT_MFA", "arn:aws:iam::300000000001:user/ops")
    assert "ReadOnlyAccess" in ops.message
    root = _one(gaps, "CLOUDTRAIL.TAMPER_WITHOUT_MFA", "arn:aws:iam::300000000002:root")
    assert root.evidence["assumed"] == "no credential report for 300000000002"


# -- the pieces, on hand-made values -----------------------------------------------------------


def _selectors(basic=(), advanced=()) -> EventSelectors:
    return EventSelectors("arn:aws:cloudtrail:us-east-1:1:trail/t", basic, advanced, SourceRef("x"))


def test_basic_selectors_split_into_read_and_write_log_everything() -> None:
    split = _selectors(
        basic=(EventSelector("ReadOnly", True, (), ()), EventSelector("WriteOnly", True, (), ()))
    )
    assert management_coverage(split).full
    excluded = _selectors(basic=(EventSelector("All", True, (), ("kms.amazonaws.com",)),))
    cov = management_coverage(excluded)
    assert not cov.full and cov.restrictions == ("EventSelectors[0] excludes kms.amazonaws.com",)
    assert not management_coverage(_selectors(basic=(EventSelector("All", False, (), ()),))).full


def test_advanced_selectors_read_only_field() -> None:
    category = FieldSelector("eventCategory", equals=("Management",))
    everything = _selectors(advanced=(AdvancedEventSelector("all", (category,)),))
    assert management_coverage(everything).full
    not_reads = FieldSelector("readOnly", not_equals=("true",))
    writes = _selectors(advanced=(AdvancedEventSelector("w", (category, not_reads)),))
    assert management_coverage(writes).logged == {"write"}
    data_only = FieldSelector("eventCategory", equals=("Data",))
    none = _selectors(advanced=(AdvancedEventSelector("d", (data_only,)),))
    assert management_coverage(none).logged == frozenset()
    assert management_coverage(None).full  # HasCustomEventSelectors false: AWS's default


def test_expiration_on_a_date_deletes_logs(tmp_path: Path) -> None:
    """A rule with `Expiration.Date` expires every log at once, whatever its age."""
    import json
    import shutil

    snap_dir = tmp_path / "snap"
    shutil.copytree(TRAIL / "bad", snap_dir)
    lifecycle = (
        snap_dir
        / "accounts/200000000001/s3/bad-mgmt-logs-200000000001"
        / "get-bucket-lifecycle-configuration.json"
    )
    rule = {
        "ID": "purge",
        "Filter": {"Prefix": "AWSLogs/"},
        "Status": "Enabled",
        "Expiration": {"Date": "2027-01-01T00:00:00+00:00"},
    }
    lifecycle.write_text(json.dumps({"Rules": [rule]}))
    ctx = AuditContext(load_snapshot(snap_dir), AS_OF)
    [f] = run_bucket_lifecycle_deletes(ctx)
    assert f.evidence["rules"] == [
        {"rule": "purge", "expires": ["Expiration Date 2027-01-01T00:00:00+00:00"]}
    ]


def test_allow_list() -> None:
    assert TAMPER_ALLOW_LIST == ("BreakGlass*",)
    assert allow_listed("arn:aws:iam::1:role/BreakGlassAdmin")
    assert allow_listed("arn:aws:iam::1:user/BreakGlassOps")
    assert not allow_listed("arn:aws:iam::1:user/breakglass-ops")  # case as written (ArnLike)
    assert not allow_listed("arn:aws:iam::1:role/log-janitor")
    assert not allow_listed("arn:aws:iam::1:root")


# -- resource policies on their own: who the solver may pick ---------------------------------


@pytest.fixture(scope="module")
def bad_snapshot():
    return load_snapshot(TRAIL / "bad")


def _grants(snap, statement: dict, *, key: bool = False):
    from iamgraph.audit.trail.grants import policy_grants
    from iamgraph.model.policy import PolicyKind, parse_policy

    policy = parse_policy(
        {"Version": "2012-10-17", "Statement": [statement]},
        kind=PolicyKind.RESOURCE,
        source=SourceRef("test"),
        name="test",
    )
    if key:
        requests = [("kms:ScheduleKeyDeletion", BAD_KEY)]
    else:
        requests = [("s3:DeleteObject", f"{BAD_BUCKET}/*")]
    return {
        g.grantee.label: g.reachable != ()
        for g in policy_grants(snap, policy, "200000000001", requests, required=key)
    }


def test_a_grant_to_an_account_covers_any_of_its_principals(bad_snapshot) -> None:
    """E18: the account's principals decide; a condition on aws:PrincipalArn picks one."""
    found = _grants(
        bad_snapshot,
        {
            "Effect": "Allow",
            "Principal": {"AWS": "999988887777"},
            "Action": "s3:DeleteObject",
            "Resource": f"{BAD_BUCKET}/*",
            "Condition": {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/deleter"}},
        },
    )
    assert found == {"arn:aws:iam::999988887777:root": True}


def test_a_star_grant_narrowed_to_one_account_is_still_found(bad_snapshot) -> None:
    found = _grants(
        bad_snapshot,
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "kms:*",
            "Resource": "*",
            "Condition": {"StringEquals": {"kms:CallerAccount": "999988887777"}},
        },
        key=True,
    )
    assert found == {"*": True}  # anonymous callers carry no kms:CallerAccount


def test_a_star_grant_that_only_break_glass_meets_is_fine(bad_snapshot) -> None:
    allow = {"Effect": "Allow", "Principal": "*", "Action": "s3:DeleteObject"}
    only = {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::200000000001:role/BreakGlassAdmin"}}
    found = _grants(bad_snapshot, {**allow, "Resource": f"{BAD_BUCKET}/*", "Condition": only})
    assert found == {}


def test_a_deny_that_exempts_break_glass_is_fine(bad_snapshot) -> None:
    from iamgraph.audit.trail.grants import policy_grants
    from iamgraph.model.policy import PolicyKind, parse_policy

    policy = parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::200000000001:role/log-janitor"},
                    "Action": "s3:*",
                    "Resource": f"{BAD_BUCKET}/*",
                },
                {
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:DeleteObject",
                    "Resource": f"{BAD_BUCKET}/*",
                    "Condition": {
                        "ArnNotLike": {
                            "aws:PrincipalArn": "arn:aws:iam::200000000001:role/BreakGlassAdmin"
                        }
                    },
                },
            ],
        },
        kind=PolicyKind.RESOURCE,
        source=SourceRef("test"),
    )
    grants = policy_grants(
        bad_snapshot, policy, "200000000001", [("s3:DeleteObject", f"{BAD_BUCKET}/*")], False
    )
    assert grants == []


def test_a_star_grant_within_the_organization(bad_snapshot) -> None:
    found = _grants(
        bad_snapshot,
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:DeleteObject",
            "Resource": f"{BAD_BUCKET}/*",
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-bad0000001"}},
        },
    )
    assert found == {"*": True}
