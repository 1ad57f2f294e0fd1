"""Exposure invariants (issue 6, starter invariants): role trusts that let a principal outside
the organization in, and resource policies open to anyone, proven with the solver.

- T1 (a trust naming an account lets that account's principals assume the role, given their
  own identity allow) and E9 (an RCP binds every caller of the services it supports, anonymous
  ones too) on the demo organization (facts 8, 15).
- `aws:SourceOwner`/`aws:SourceAccount` are only in the request context when an AWS service
  principal makes the call
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html),
  so SNS's default topic policy (`AWS:SourceOwner` = the owner) does not open the topic.
"""

from __future__ import annotations

import json
import shutil

import pytest

from iamgraph.load.snapshot import load_snapshot
from iamgraph.premerge.exposure import foreign_trust, public_resources
from iamgraph.verdict import Verdict
from tests.conftest import DEMO
from tests.demo import MGMT
from tests.demo import TRAIL_BUCKET_NAME as BUCKET
from tests.demo import TRAIL_TOPIC as TOPIC


@pytest.fixture
def copy(tmp_path):
    folder = tmp_path / "org"
    shutil.copytree(DEMO, folder)
    return folder


def edit_json(path, change):
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data, indent=4))


def test_the_demo_organization_is_not_exposed(demo):
    assert foreign_trust(demo) == []
    assert public_resources(demo) == []


def test_a_trust_naming_an_outside_account(copy):
    def widen(data):
        role = next(r for r in data["RoleDetailList"] if r["RoleName"] == "TrailOperator")
        role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["AWS"] = [
            "arn:aws:iam::444455556666:role/ops-automation",  # inside: not an exposure
            "arn:aws:iam::999988887777:root",
        ]

    edit_json(copy / "accounts/111122223333/iam/get-account-authorization-details.json", widen)
    (e,) = foreign_trust(load_snapshot(copy))
    assert (e.resource, e.caller) == (
        f"{MGMT}:role/TrailOperator",
        "arn:aws:iam::999988887777:user/someone",
    )
    assert e.answer.verdict is Verdict.REACHABLE
    assert e.answer.witness.action == "sts:AssumeRole"
    assert e.answer.witness.decision.allowed  # replayed by the evaluator


def test_an_org_condition_keeps_outsiders_out(copy):
    def widen(data):
        role = next(r for r in data["RoleDetailList"] if r["RoleName"] == "TrailOperator")
        st = role["AssumeRolePolicyDocument"]["Statement"][0]
        st["Principal"] = {"AWS": "*"}
        st["Condition"] = {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}

    path = copy / "accounts/111122223333/iam/get-account-authorization-details.json"
    edit_json(path, widen)
    assert foreign_trust(load_snapshot(copy)) == []

    def if_exists(data):  # absent for a principal outside any organization: open
        role = next(r for r in data["RoleDetailList"] if r["RoleName"] == "TrailOperator")
        role["AssumeRolePolicyDocument"]["Statement"][0]["Condition"] = {
            "StringEqualsIfExists": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}
        }

    edit_json(path, if_exists)
    (e,) = foreign_trust(load_snapshot(copy))
    assert e.caller == "arn:aws:iam::999999999999:user/someone-else"
    assert "aws:PrincipalOrgID" not in dict(e.answer.witness.context)


def test_a_public_topic_statement(copy):
    topic = (
        copy / "accounts/111122223333/sns/acme-org-trail-notifications/get-topic-attributes.json"
    )

    def open_up(data):
        policy = json.loads(data["Attributes"]["Policy"])
        policy["Statement"].append(
            {
                "Sid": "AnyoneMaySubscribe",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "SNS:Subscribe",
                "Resource": TOPIC,
            }
        )
        data["Attributes"]["Policy"] = json.dumps(policy)

    edit_json(topic, open_up)
    found = {(e.resource, e.caller): e for e in public_resources(load_snapshot(copy))}
    assert set(found) == {
        (TOPIC, "anonymous"),
        (TOPIC, "arn:aws:iam::999999999999:user/someone-else"),
    }
    assert all(e.answer.witness.action == "sns:Subscribe" for e in found.values())


def test_the_rcp_closes_a_public_bucket_statement(copy):
    """Fact 8: enforce-org-identities denies s3:* to principals outside the organization."""
    policy_file = next((copy / "accounts/222233334444/s3").glob("*/get-bucket-policy.json"))

    def open_up(data):
        policy = json.loads(data["Policy"])
        policy["Statement"].append(
            {
                "Sid": "PublicRead",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{BUCKET}/*",
            }
        )
        data["Policy"] = json.dumps(policy)

    edit_json(policy_file, open_up)
    assert public_resources(load_snapshot(copy)) == []
    shutil.rmtree(copy / "organization")  # without the organization, no RCP applies
    found = public_resources(load_snapshot(copy))
    assert {(e.resource, e.caller) for e in found} == {
        (f"arn:aws:s3:::{BUCKET}/*", "anonymous"),
        (f"arn:aws:s3:::{BUCKET}/*", "arn:aws:iam::999999999999:user/someone-else"),
    }
    # the bucket's Deny of insecure transport still holds: the witness uses TLS
    assert all(
        dict(e.answer.witness.context)["aws:SecureTransport"].values == ("true",) for e in found
    )
