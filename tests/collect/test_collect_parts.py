"""The parts of `collect` that need no AWS: CLI-shaped JSON, IAM action names, option parsing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from iamgraph.collect.calls import READ_ONLY, iam_action, resource_of
from iamgraph.collect.options import parse_accounts, parse_regions
from iamgraph.collect.writer import cli_json
from iamgraph.errors import InputError


def test_json_as_the_cli_prints_it():
    response = {
        "When": datetime(2024, 3, 11, 10, 15, 27, tzinfo=timezone(timedelta(hours=1))),
        "Naive": datetime(2024, 3, 11, 9, 15, 27, 500000),
        "Blob": b"a,b\n",
        "Name": "Zoë",
        "ResponseMetadata": {"RequestId": "x"},
    }
    assert cli_json(response) == (
        "{\n"
        '    "When": "2024-03-11T09:15:27+00:00",\n'
        '    "Naive": "2024-03-11T09:15:27.500000+00:00",\n'
        '    "Blob": "YSxiCg==",\n'
        '    "Name": "Zoë"\n'
        "}\n"
    )
    assert cli_json({"A": [datetime(2024, 1, 1, tzinfo=UTC)]}) == (
        '{\n    "A": [\n        "2024-01-01T00:00:00+00:00"\n    ]\n}\n'
    )


@pytest.mark.parametrize(
    ("service", "operation", "action"),
    [
        ("iam", "GetAccountAuthorizationDetails", "iam:GetAccountAuthorizationDetails"),
        ("iam", "GenerateCredentialReport", "iam:GenerateCredentialReport"),
        ("s3", "GetBucketPolicy", "s3:GetBucketPolicy"),
        ("s3", "ListBuckets", "s3:ListAllMyBuckets"),
        ("s3", "GetBucketLifecycleConfiguration", "s3:GetLifecycleConfiguration"),
        ("organizations", "ListTargetsForPolicy", "organizations:ListTargetsForPolicy"),
        ("sts", "GetCallerIdentity", None),
    ],
)
def test_iam_action_of_an_operation(service, operation, action):
    assert iam_action(service, operation) == action


def test_only_reads_pass():
    reads = ["GetBucketPolicy", "ListRoots", "DescribeTrails", "BatchGetProjects", "AssumeRole"]
    writes = ["CreateUser", "PutBucketPolicy", "DeleteTrail", "StopLogging", "Getaway"]
    assert all(READ_ONLY.match(op) for op in [*reads, "GenerateCredentialReport"])
    assert not any(READ_ONLY.match(op) for op in writes)


def test_resource_of_a_call():
    assert resource_of("s3", "GetBucketPolicy", {"Bucket": "logs"}, "aws", "us-east-1", "1") == (
        "arn:aws:s3:::logs"
    )
    assert resource_of(
        "kms", "GetKeyPolicy", {"KeyId": "k1"}, "aws", "eu-west-1", "111122223333"
    ) == ("arn:aws:kms:eu-west-1:111122223333:key/k1")
    assert resource_of("iam", "GetAccountSummary", {}, "aws", "aws-global", "1") == "*"


def test_options():
    assert parse_accounts(" 111122223333, 444455556666,111122223333") == (
        "111122223333",
        "444455556666",
    )
    assert parse_regions("us-east-1,eu-west-1") == ("us-east-1", "eu-west-1")
    assert parse_accounts(None) == () and parse_regions("") == ()
    with pytest.raises(InputError, match="not a 12-digit account id: 'abc'"):
        parse_accounts("abc")
    with pytest.raises(InputError, match="no account id given"):
        parse_accounts(",")
