import pytest

from iamgraph.model.arn import ArnError, account_root_arn, parse_arn


def test_parse_iam_user_with_path():
    arn = parse_arn("arn:aws:iam::111122223333:user/ops/alice")
    assert (arn.partition, arn.service, arn.region, arn.account) == (
        "aws",
        "iam",
        "",
        "111122223333",
    )
    assert (arn.resource_type, arn.resource_id, arn.name) == ("user", "ops/alice", "alice")
    assert str(arn) == "arn:aws:iam::111122223333:user/ops/alice"


def test_colon_separated_resource_keeps_its_colons():
    arn = parse_arn("arn:aws:logs:us-east-1:111122223333:log-group:/aws/lambda/x:*")
    assert arn.resource_type == "log-group"
    assert arn.resource_id == "/aws/lambda/x:*"


def test_s3_object_has_no_account_or_region():
    arn = parse_arn("arn:aws:s3:::acme-logs/AWSLogs/111122223333/x.json.gz")
    assert arn.account == "" and arn.region == ""


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("user/alice", "not an ARN"),
        ("arn:aws:iam::11112222333:user/alice", "account must be 12 digits"),
        ("arn:aws-mars:iam::111122223333:user/alice", "unknown partition"),
        ("arn:aws:IAM::111122223333:user/alice", "bad service"),
        ("arn:aws:iam::111122223333:", "empty resource"),
    ],
)
def test_rejects_malformed(text, fragment):
    with pytest.raises(ArnError, match=fragment):
        parse_arn(text)


def test_account_principal_shorthand_is_the_root_arn():
    # E18: "AWS": "123456789012" means arn:aws:iam::123456789012:root
    assert account_root_arn("123456789012") == "arn:aws:iam::123456789012:root"
