"""The worked examples of AWS's policy evaluation logic page, as tests.

Source: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
(sections "Example identity-based and resource-based policy evaluation" and "The difference
between explicit and implicit denies"; 2023 text in awsdocs/iam-user-guide).
"""

from __future__ import annotations

import pytest

from tests.evaluate.builders import caller, outcome, policy, request, run

CARLOS = "arn:aws:iam::123456789012:user/carlossalazar"

CARLOS_IDENTITY = policy(
    {
        "Sid": "AllowS3ListRead",
        "Effect": "Allow",
        "Action": [
            "s3:GetBucketLocation",
            "s3:GetAccountPublicAccessBlock",
            "s3:ListAccessPoints",
            "s3:ListAllMyBuckets",
        ],
        "Resource": "arn:aws:s3:::*",
    },
    {
        "Sid": "AllowS3Self",
        "Effect": "Allow",
        "Action": "s3:*",
        "Resource": ["arn:aws:s3:::carlossalazar/*", "arn:aws:s3:::carlossalazar"],
    },
    {"Sid": "DenyS3Logs", "Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::*log*"},
)
CARLOS_BUCKET = policy(
    {
        "Effect": "Allow",
        "Principal": {"AWS": CARLOS},
        "Action": "s3:*",
        "Resource": ["arn:aws:s3:::carlossalazar/*", "arn:aws:s3:::carlossalazar"],
    },
    kind="resource",
)


def carlos(action, resource, resource_policy=None):
    return run(
        request(action, resource),
        who=caller(CARLOS),
        identity=[CARLOS_IDENTITY],
        resource_policy=resource_policy,
        resource_account="123456789012",
    )


def test_saving_to_the_logs_bucket_is_explicitly_denied():
    d = carlos("s3:PutObject", "arn:aws:s3:::carlossalazar-logs")
    assert outcome(d) == "explicitDeny" and [r.sid for r in d.deciding] == ["DenyS3Logs"]


def test_saving_to_his_own_bucket_is_allowed_by_both_policies():
    d = carlos("s3:PutObject", "arn:aws:s3:::carlossalazar/report.txt", CARLOS_BUCKET)
    assert outcome(d) == "allowed"
    assert {r.layer.value for r in d.reasons} == {"identity", "resource"}


def test_either_policy_alone_is_enough_within_the_account():
    # "If one of the policy types allows the request and the other doesn't, it is still allowed."
    assert outcome(carlos("s3:PutObject", "arn:aws:s3:::carlossalazar/report.txt")) == "allowed"
    only_bucket = run(
        request("s3:PutObject", "arn:aws:s3:::carlossalazar/report.txt"),
        who=caller(CARLOS),
        resource_policy=CARLOS_BUCKET,
        resource_account="123456789012",
    )
    assert outcome(only_bucket) == "allowed"


GET_LIST = policy(
    {
        "Sid": "AllowGetList",
        "Effect": "Allow",
        "Action": ["iam:Get*", "iam:List*"],
        "Resource": "*",
    },
    {"Sid": "DenyReports", "Effect": "Deny", "Action": "iam:*Report", "Resource": "*"},
)
GRANT_REPORTS = policy(
    {"Effect": "Allow", "Action": "iam:GenerateCredentialReport", "Resource": "*"}
)


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        ("iam:GetUser", "allowed"),
        ("iam:ListRoles", "allowed"),
        ("iam:CreatePolicy", "implicitDeny"),
        ("iam:GetOrganizationsAccessReport", "explicitDeny"),
        ("iam:GenerateCredentialReport", "explicitDeny"),  # even with a second policy granting it
    ],
)
def test_explicit_and_implicit_denies(action, expected):
    d = run(request(action, "*"), identity=[GET_LIST, GRANT_REPORTS])
    assert outcome(d) == expected
