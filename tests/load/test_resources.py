"""S3 bucket folders, KMS key policies and SNS topic attributes (FORMATS 1.7)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from iamgraph.errors import InputError
from iamgraph.load.kms import load_key_policy
from iamgraph.load.s3 import load_bucket
from iamgraph.load.sns import load_topic_attributes
from iamgraph.model.policy import Effect, PolicyKind

RESOURCES = Path(__file__).resolve().parents[2] / "fixtures" / "loaders" / "resources"
LOG_BUCKET = "org-cloudtrail-logs-111122223333"
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
TOPIC = "arn:aws:sns:us-east-1:111122223333:cloudtrail-delivery"
ACCOUNT = "111122223333"


def write(path: Path, value: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2))
    return path


def test_bucket_with_all_three_files() -> None:
    bucket = load_bucket(RESOURCES / "s3" / LOG_BUCKET, ACCOUNT)
    assert bucket.name == LOG_BUCKET
    assert bucket.arn == f"arn:aws:s3:::{LOG_BUCKET}"
    assert bucket.has_policy_file
    assert bucket.policy is not None
    assert bucket.policy.kind is PolicyKind.RESOURCE
    assert bucket.policy.name == f"arn:aws:s3:::{LOG_BUCKET}"
    assert [s.sid for s in bucket.policy.statements] == [
        "AWSCloudTrailAclCheck",
        "AWSCloudTrailWrite",
        "DenyInsecureTransport",
    ]
    deny = bucket.policy.statements[2]
    assert deny.effect is Effect.DENY and deny.principal.is_everyone
    assert bucket.policy.source.file == str(
        RESOURCES / "s3" / LOG_BUCKET / "get-bucket-policy.json"
    )
    assert bucket.versioning == "Enabled" and bucket.mfa_delete == "Disabled"
    expire, abort = bucket.lifecycle
    assert (expire.rule_id, expire.enabled, expire.expiration_days) == (
        "expire-logs-after-7-years",
        True,
        2555,
    )
    assert expire.noncurrent_expiration_days == 30
    assert abort.enabled is False and abort.expiration_days is None
    assert abort.raw["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 7}


def test_bucket_with_versioning_never_enabled() -> None:
    bucket = load_bucket(RESOURCES / "s3" / "app-assets-111122223333", ACCOUNT)
    assert bucket.versioning == ""
    assert bucket.policy is None and bucket.has_policy_file is False
    assert bucket.lifecycle is None


def test_empty_bucket_folder_gives_nothing_collected(tmp_path: Path) -> None:
    folder = tmp_path / "s3" / "empty-bucket"
    folder.mkdir(parents=True)
    bucket = load_bucket(folder, ACCOUNT)
    assert (bucket.versioning, bucket.mfa_delete, bucket.lifecycle) == (None, None, None)


def test_bucket_policy_that_is_not_json(tmp_path: Path) -> None:
    folder = tmp_path / "snap" / "s3" / "broken"
    write(folder / "get-bucket-policy.json", {"Policy": "{Version: 2012-10-17}"})
    with pytest.raises(InputError) as info:
        load_bucket(folder, ACCOUNT)
    assert str(info.value) == (
        f"{tmp_path}/snap/s3/broken/get-bucket-policy.json: $.Policy: policy document is not valid JSON "
        "(Expecting property name enclosed in double quotes at char 1)"
    )


def test_bad_versioning_status(tmp_path: Path) -> None:
    folder = tmp_path / "s3" / "b"
    write(folder / "get-bucket-versioning.json", {"Status": "On"})
    with pytest.raises(InputError) as info:
        load_bucket(folder, ACCOUNT)
    assert str(info.value) == (
        f"{tmp_path}/s3/b/get-bucket-versioning.json: $.Status: Status must be Enabled or Suspended, got 'On'"
    )


def test_lifecycle_days_must_be_numbers(tmp_path: Path) -> None:
    folder = tmp_path / "s3" / "b"
    rule = {"ID": "r", "Status": "Enabled", "Expiration": {"Days": "30"}}
    write(folder / "get-bucket-lifecycle-configuration.json", {"Rules": [rule]})
    with pytest.raises(InputError) as info:
        load_bucket(folder, ACCOUNT)
    assert str(info.value) == (
        f"{tmp_path}/s3/b/get-bucket-lifecycle-configuration.json: $.Rules[0].Expiration.Days: "
        "Days must be a number, got a string"
    )


def test_missing_bucket_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        load_bucket(tmp_path / "s3" / "gone", ACCOUNT)
    assert str(info.value) == f"{tmp_path}/s3/gone: $: bucket folder not found"


def test_kms_key_policy() -> None:
    key = load_key_policy(RESOURCES / "kms" / f"{KEY_ID}.json", KEY_ID, ACCOUNT, "key.json")
    assert (key.key_id, key.account) == (KEY_ID, ACCOUNT)
    assert key.policy.name == f"kms key {KEY_ID}"
    assert key.policy.id == "Key policy created by CloudTrail"
    root, trail, decrypt = key.policy.statements
    assert root.principal.aws == ("arn:aws:iam::111122223333:root",)
    assert trail.principal.service == ("cloudtrail.amazonaws.com",)
    assert decrypt.actions == ("kms:Decrypt", "kms:ReEncryptFrom")
    assert decrypt.source.file == "key.json" and decrypt.source.line == 2


def test_kms_policy_without_principal_is_an_error(tmp_path: Path) -> None:
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:*"}]}
    path = write(tmp_path / "key.json", {"Policy": json.dumps(document)})
    with pytest.raises(InputError) as info:
        load_key_policy(path, KEY_ID, ACCOUNT, "key.json")
    assert str(info.value) == (
        "key.json: $.Policy.Statement[0]: missing required element 'Principal' in a resource policy"
    )


def test_sns_topic_attributes() -> None:
    topic = load_topic_attributes(RESOURCES / "sns" / "cloudtrail-delivery.json", ACCOUNT)
    assert topic.arn == TOPIC
    assert topic.name == "cloudtrail-delivery"
    assert topic.account == ACCOUNT
    assert topic.attributes["SubscriptionsConfirmed"] == "1"
    assert topic.attributes["DisplayName"] == ""
    assert topic.policy.name == TOPIC
    assert topic.policy.version == "2008-10-17"
    assert [s.sid for s in topic.policy.statements] == [
        "__default_statement_ID",
        "AWSCloudTrailSNSPolicy",
    ]


def test_sns_topic_without_policy(tmp_path: Path) -> None:
    path = write(tmp_path / "t.json", {"Attributes": {"TopicArn": TOPIC, "Owner": ACCOUNT}})
    assert load_topic_attributes(path, ACCOUNT).policy is None


def test_sns_topic_arn_that_is_not_an_arn(tmp_path: Path) -> None:
    path = write(tmp_path / "t.json", {"Attributes": {"TopicArn": "cloudtrail-delivery"}})
    with pytest.raises(InputError) as info:
        load_topic_attributes(path, ACCOUNT, "t.json")
    assert str(info.value) == (
        "t.json: $.Attributes.TopicArn: not an ARN "
        "(expected arn:partition:service:region:account:resource): 'cloudtrail-delivery'"
    )


def test_sns_attribute_values_must_be_strings(tmp_path: Path) -> None:
    path = write(
        tmp_path / "t.json", {"Attributes": {"TopicArn": TOPIC, "SubscriptionsConfirmed": 1}}
    )
    with pytest.raises(InputError) as info:
        load_topic_attributes(path, ACCOUNT, "t.json")
    assert str(info.value) == (
        "t.json: $.Attributes.SubscriptionsConfirmed: "
        "SubscriptionsConfirmed must be a string, got a number"
    )
