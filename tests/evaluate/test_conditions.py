"""Condition operators, policy variables and MFA keys, through `decide` (SEMANTICS C1-C18,
V1-V5, M1-M5).

Every case names its rule id in its pytest id and carries the URL of the AWS page the rule comes
from. Each rule has at least one case that ends allowed and one that ends denied (checked by
`test_every_rule_has_an_allowed_and_a_denied_case`). Most cases use one identity policy of
alice in her own account: an `Allow` carrying the condition (allowed vs implicitDeny), or an
unconditional `Allow` ("Base") plus a `Deny` carrying the condition (allowed vs explicitDeny).
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field

import pytest

from iamgraph.errors import InputError
from iamgraph.model.operators import OPERATORS
from tests.evaluate.builders import (
    OBJECT,
    SESSION,
    USER,
    allow,
    caller,
    deny,
    outcome,
    policy,
    request_with,
    run,
)

_IAM = "https://docs.aws.amazon.com/IAM/latest/UserGuide"
OPS = f"{_IAM}/reference_policies_elements_condition_operators.html"
COND = f"{_IAM}/reference_policies_elements_condition.html"
MULTI = f"{_IAM}/reference_policies_multi-value-conditions.html"
VARS = f"{_IAM}/reference_policies_variables.html"
KEYS = f"{_IAM}/reference_policies_condition-keys.html"
MFA_KC = "https://repost.aws/knowledge-center/mfa-iam-user-aws-cli"

ALLOWED, IMPLICIT, EXPLICIT, UNKNOWN = "allowed", "implicitDeny", "explicitDeny", "unknown"
V2012, V2008 = "2012-10-17", "2008-10-17"

GET = "s3:GetObject"
LIST = "s3:ListBucket"
REGION = "aws:RequestedRegion"
TEAM = "aws:PrincipalTag/team"
RTEAM = "aws:ResourceTag/team"
TAGKEYS = "aws:TagKeys"
IP = "aws:SourceIp"
SECURE = "aws:SecureTransport"
VIA = "aws:ViaAWSService"
PREFIX = "s3:prefix"
MAXKEYS = "s3:max-keys"
NOW = "aws:CurrentTime"
ISSUED = "aws:TokenIssueTime"
SRCARN = "aws:SourceArn"
USERNAME = "aws:username"
MFA = "aws:MultiFactorAuthPresent"
AGE = "aws:MultiFactorAuthAge"
BLOB = "app:Payload"  # a made-up binary-typed key: the evaluator takes any key name
TOPIC = "arn:aws:sns:us-east-1:111122223333:topic-a"
QUEUE = "arn:aws:sqs:us-east-1:111122223333:queue-a"
B64 = base64.b64encode(b"binary-value").decode()  # "YmluYXJ5LXZhbHVl"
B64_OTHER = base64.b64encode(b"other-value").decode()
BASE = allow("*", "*", Sid="Base")


def allow_if(condition: dict, sid: str = "Grant", action: str = GET, resource: str = "*") -> dict:
    return allow(action, resource, Sid=sid, Condition=condition)


def deny_if(condition: dict, sid: str = "Guard", action: str = "*", resource: str = "*") -> dict:
    return deny(action, resource, Sid=sid, Condition=condition)


@dataclass(frozen=True)
class Case:
    doc: str
    statements: tuple[dict, ...]
    context: dict = field(default_factory=dict)
    expected: str = ALLOWED
    sid: str | None = None  # the statement that decided (first deciding reason for a Deny)
    version: str | None = V2012
    action: str = GET
    resource: str = OBJECT
    who: str = USER
    because: str = ""  # for `unknown`: a phrase `unknown_because` must contain


def case(
    id: str,
    doc: str,
    statements: list[dict],
    context: dict,
    expected: str,
    sid: str | None = None,
    *,
    xfail: str | None = None,
    **kw,
):
    marks = [pytest.mark.xfail(strict=True, reason=xfail)] if xfail else []
    c = Case(doc, tuple(statements), context, expected, sid, **kw)
    return pytest.param(c, id=id, marks=marks)


# The operators whose negation is true on a missing key (C2), with a value that the request
# value below matches, and the same for the non-negated operators (C1).
NEGATED = [
    ("StringNotEquals", TEAM, "data", "data"),
    ("StringNotLike", TEAM, "d*", "data"),
    ("StringNotEqualsIgnoreCase", TEAM, "DATA", "data"),
    ("ArnNotEquals", SRCARN, TOPIC, TOPIC),
    ("ArnNotLike", SRCARN, "arn:aws:sns:*:111122223333:topic-*", TOPIC),
    ("NumericNotEquals", MAXKEYS, "10", "10"),
    ("DateNotEquals", NOW, "2025-01-01T00:00:00Z", "2025-01-01T00:00:00Z"),
    ("NotIpAddress", IP, "203.0.113.0/24", "203.0.113.7"),
]
POSITIVE = [
    ("StringEquals", TEAM, "data", "data"),
    ("StringLike", TEAM, "d*", "data"),
    ("StringEqualsIgnoreCase", TEAM, "DATA", "data"),
    ("ArnEquals", SRCARN, TOPIC, TOPIC),
    ("ArnLike", SRCARN, "arn:aws:sns:*:111122223333:topic-*", TOPIC),
    ("NumericEquals", MAXKEYS, "10", "10"),
    ("NumericLessThan", MAXKEYS, "100", "10"),
    ("DateEquals", NOW, "2025-01-01T00:00:00Z", "2025-01-01T00:00:00Z"),
    ("DateLessThan", NOW, "2030-01-01T00:00:00Z", "2025-01-01T00:00:00Z"),
    ("Bool", SECURE, "true", "true"),
    ("BinaryEquals", BLOB, B64, B64),
    ("IpAddress", IP, "203.0.113.0/24", "203.0.113.7"),
]


def _c1_c2_cases():
    out = []
    for op, key, value, present in POSITIVE:
        cond = {op: {key: value}}
        # C1 (OPS): a non-negated operator on a missing key is false.
        out.append(case(f"C1-{op}-missing-key-no-allow", OPS, [allow_if(cond)], {}, IMPLICIT))
        out.append(
            case(
                f"C1-{op}-present-key-allows",
                OPS,
                [allow_if(cond)],
                {key: present},
                ALLOWED,
                "Grant",
            )
        )
        out.append(
            case(
                f"C1-{op}-missing-key-deny-does-not-apply",
                OPS,
                [BASE, deny_if(cond)],
                {},
                ALLOWED,
                "Base",
            )
        )
    for op, key, value, present in NEGATED:
        cond = {op: {key: value}}
        # C2 (OPS): a negated operator on a missing key is true.
        out.append(
            case(f"C2-{op}-negated-missing-key-allows", OPS, [allow_if(cond)], {}, ALLOWED, "Grant")
        )
        out.append(
            case(
                f"C2-{op}-negated-missing-key-denies",
                OPS,
                [BASE, deny_if(cond)],
                {},
                EXPLICIT,
                "Guard",
            )
        )
        out.append(
            case(
                f"C2-{op}-negated-present-matching-no-allow",
                OPS,
                [allow_if(cond)],
                {key: present},
                IMPLICIT,
            )
        )
    return out


CASES = [
    *_c1_c2_cases(),
    # C3 …IfExists (OPS): a missing key makes the condition true; a present one is compared.
    case(
        "C3-deny-StringNotEqualsIfExists-missing-key-still-denies",
        OPS,
        [BASE, deny_if({"StringNotEqualsIfExists": {REGION: ["us-east-1", "eu-west-1"]}})],
        {},
        EXPLICIT,
        "Guard",
    ),
    case(
        "C3-deny-StringNotEqualsIfExists-listed-value-not-denied",
        OPS,
        [BASE, deny_if({"StringNotEqualsIfExists": {REGION: ["us-east-1", "eu-west-1"]}})],
        {REGION: "eu-west-1"},
        ALLOWED,
        "Base",
    ),
    case(
        "C3-deny-StringNotEqualsIfExists-other-value-denies",
        OPS,
        [BASE, deny_if({"StringNotEqualsIfExists": {REGION: ["us-east-1", "eu-west-1"]}})],
        {REGION: "ap-south-1"},
        EXPLICIT,
        "Guard",
    ),
    case(
        "C3-allow-StringEqualsIfExists-missing-key-allows",
        OPS,
        [allow_if({"StringEqualsIfExists": {TEAM: "data"}})],
        {},
        ALLOWED,
        "Grant",
    ),
    case(
        "C3-allow-StringEqualsIfExists-other-value-no-allow",
        OPS,
        [allow_if({"StringEqualsIfExists": {TEAM: "data"}})],
        {TEAM: "ops"},
        IMPLICIT,
    ),
    case(
        "C3-allow-IpAddressIfExists-missing-key-allows",
        OPS,
        [allow_if({"IpAddressIfExists": {IP: "203.0.113.0/24"}})],
        {},
        ALLOWED,
        "Grant",
    ),
    case(
        "C3-allow-NumericLessThanIfExists-present-too-large-no-allow",
        OPS,
        [allow_if({"NumericLessThanIfExists": {MAXKEYS: "10"}})],
        {MAXKEYS: "50"},
        IMPLICIT,
    ),
    case(
        "C3-deny-DateGreaterThanIfExists-missing-key-denies",
        OPS,
        [BASE, deny_if({"DateGreaterThanIfExists": {NOW: "2030-01-01T00:00:00Z"}})],
        {},
        EXPLICIT,
        "Guard",
    ),
    # C4 Null (OPS): "true" iff the key is absent, "false" iff present.
    case(
        "C4-allow-Null-true-key-absent-allows",
        OPS,
        [allow_if({"Null": {ISSUED: "true"}})],
        {},
        ALLOWED,
        "Grant",
    ),
    case(
        "C4-allow-Null-true-key-present-no-allow",
        OPS,
        [allow_if({"Null": {ISSUED: "true"}})],
        {ISSUED: "2025-01-01T00:00:00Z"},
        IMPLICIT,
    ),
    case(
        "C4-allow-Null-false-key-present-allows",
        OPS,
        [allow_if({"Null": {TEAM: "false"}})],
        {TEAM: "data"},
        ALLOWED,
        "Grant",
    ),
    case(
        "C4-allow-Null-false-key-absent-no-allow",
        OPS,
        [allow_if({"Null": {TEAM: "false"}})],
        {},
        IMPLICIT,
    ),
    case(
        "C4-deny-Null-true-untagged-principal-denied",
        OPS,
        [BASE, deny_if({"Null": {TEAM: "true"}})],
        {},
        EXPLICIT,
        "Guard",
    ),
    case(
        "C4-deny-Null-true-tagged-principal-allowed",
        OPS,
        [BASE, deny_if({"Null": {TEAM: "true"}})],
        {TEAM: "data"},
        ALLOWED,
        "Base",
    ),
    case(
        "C4-deny-Null-true-empty-list-is-null",
        OPS,
        [BASE, deny_if({"Null": {TAGKEYS: "true"}})],
        {TAGKEYS: []},
        EXPLICIT,
        "Guard",
    ),
    # C5 values OR (MULTI, COND).
    case(
        "C5-values-ORed-second-value-allows",
        MULTI,
        [allow_if({"StringEquals": {REGION: ["us-east-1", "eu-west-1"]}})],
        {REGION: "eu-west-1"},
        ALLOWED,
        "Grant",
    ),
    case(
        "C5-values-ORed-no-value-matches",
        MULTI,
        [allow_if({"StringEquals": {REGION: ["us-east-1", "eu-west-1"]}})],
        {REGION: "ap-south-1"},
        IMPLICIT,
    ),
    case(
        "C5-deny-ip-values-ORed-second-cidr-denies",
        COND,
        [BASE, deny_if({"IpAddress": {IP: ["198.51.100.0/24", "203.0.113.0/24"]}})],
        {IP: "203.0.113.9"},
        EXPLICIT,
        "Guard",
    ),
    case(
        "C5-deny-ip-values-ORed-outside-not-denied",
        COND,
        [BASE, deny_if({"IpAddress": {IP: ["198.51.100.0/24", "203.0.113.0/24"]}})],
        {IP: "192.0.2.1"},
        ALLOWED,
        "Base",
    ),
    # C6 keys and operators ANDed (MULTI).
    case(
        "C6-keys-ANDed-both-match-allows",
        MULTI,
        [allow_if({"StringEquals": {REGION: "us-east-1", TEAM: "data"}})],
        {REGION: "us-east-1", TEAM: "data"},
        ALLOWED,
        "Grant",
    ),
    case(
        "C6-keys-ANDed-one-mismatch-no-allow",
        MULTI,
        [allow_if({"StringEquals": {REGION: "us-east-1", TEAM: "data"}})],
        {REGION: "us-east-1", TEAM: "ops"},
        IMPLICIT,
    ),
    case(
        "C6-keys-ANDed-one-missing-no-allow",
        MULTI,
        [allow_if({"StringEquals": {REGION: "us-east-1", TEAM: "data"}})],
        {REGION: "us-east-1"},
        IMPLICIT,
    ),
    case(
        "C6-operators-ANDed-both-true-allows",
        MULTI,
        [allow_if({"StringEquals": {REGION: "us-east-1"}, "Bool": {SECURE: "true"}})],
        {REGION: "us-east-1", SECURE: "true"},
        ALLOWED,
        "Grant",
    ),
    case(
        "C6-operators-ANDed-one-false-no-allow",
        MULTI,
        [allow_if({"StringEquals": {REGION: "us-east-1"}, "Bool": {SECURE: "true"}})],
        {REGION: "us-east-1", SECURE: "false"},
        IMPLICIT,
    ),
    case(
        "C6-deny-operators-ANDed-one-false-not-denied",
        MULTI,
        [BASE, deny_if({"StringEquals": {REGION: "us-east-1"}, "Bool": {SECURE: "false"}})],
        {REGION: "us-east-1", SECURE: "true"},
        ALLOWED,
        "Base",
    ),
    case(
        "C6-deny-operators-ANDed-both-true-denies",
        MULTI,
        [BASE, deny_if({"StringEquals": {REGION: "us-east-1"}, "Bool": {SECURE: "false"}})],
        {REGION: "us-east-1", SECURE: "false"},
        EXPLICIT,
        "Guard",
    ),
    # C7 negated operator with several values: NOR (MULTI).
    case(
        "C7-deny-StringNotEquals-NOR-listed-value-not-denied",
        MULTI,
        [BASE, deny_if({"StringNotEquals": {REGION: ["us-east-1", "eu-west-1"]}})],
        {REGION: "eu-west-1"},
        ALLOWED,
        "Base",
    ),
    case(
        "C7-deny-StringNotEquals-NOR-unlisted-value-denies",
        MULTI,
        [BASE, deny_if({"StringNotEquals": {REGION: ["us-east-1", "eu-west-1"]}})],
        {REGION: "ap-south-1"},
        EXPLICIT,
        "Guard",
    ),
    case(
        "C7-allow-StringNotLike-NOR-matches-none-allows",
        MULTI,
        [allow_if({"StringNotLike": {PREFIX: ["secret/*", "private/*"]}})],
        {PREFIX: "public/x"},
        ALLOWED,
        "Grant",
    ),
    case(
        "C7-allow-StringNotLike-NOR-matches-second-no-allow",
        MULTI,
        [allow_if({"StringNotLike": {PREFIX: ["secret/*", "private/*"]}})],
        {PREFIX: "private/x"},
        IMPLICIT,
    ),
    case(
        "C7-deny-NotIpAddress-NOR-in-second-cidr-not-denied",
        MULTI,
        [BASE, deny_if({"NotIpAddress": {IP: ["198.51.100.0/24", "203.0.113.0/24"]}})],
        {IP: "203.0.113.9"},
        ALLOWED,
        "Base",
    ),
    # C8 ForAllValues (MULTI): every request value matches some policy value; true when missing.
    case(
        "C8-ForAllValues-subset-allows",
        MULTI,
        [allow_if({"ForAllValues:StringEquals": {TAGKEYS: ["env", "team"]}})],
        {TAGKEYS: ["env", "team"]},
        ALLOWED,
        "Grant",
    ),
    case(
        "C8-ForAllValues-extra-value-no-allow",
        MULTI,
        [allow_if({"ForAllValues:StringEquals": {TAGKEYS: ["env", "team"]}})],
        {TAGKEYS: ["env", "owner"]},
        IMPLICIT,
    ),
    case(
        "C8-ForAllValues-missing-key-over-permissive-allows",
        MULTI,
        [allow_if({"ForAllValues:StringEquals": {TAGKEYS: ["env", "team"]}})],
        {},
        ALLOWED,
        "Grant",
    ),
    case(
        "C8-ForAllValues-empty-list-over-permissive-allows",
        MULTI,
        [allow_if({"ForAllValues:StringEquals": {TAGKEYS: ["env", "team"]}})],
        {TAGKEYS: []},
        ALLOWED,
        "Grant",
    ),
    case(
        "C8-deny-ForAllValues-missing-key-denies",
        MULTI,
        [BASE, deny_if({"ForAllValues:StringEquals": {TAGKEYS: ["env"]}})],
        {},
        EXPLICIT,
        "Guard",
    ),
    case(
        "C8-ForAllValues-negated-none-forbidden-allows",
        MULTI,
        [allow_if({"ForAllValues:StringNotEquals": {TAGKEYS: ["secret", "owner"]}})],
        {TAGKEYS: ["env", "team"]},
        ALLOWED,
        "Grant",
    ),
    case(
        "C8-ForAllValues-negated-one-forbidden-no-allow",
        MULTI,
        [allow_if({"ForAllValues:StringNotEquals": {TAGKEYS: ["secret", "owner"]}})],
        {TAGKEYS: ["env", "secret"]},
        IMPLICIT,
    ),
    case(
        "C8-ForAllValues-StringLike-all-match-allows",
        MULTI,
        [allow_if({"ForAllValues:StringLike": {TAGKEYS: ["cost-*", "env"]}})],
        {TAGKEYS: ["cost-center", "cost-owner", "env"]},
        ALLOWED,
        "Grant",
    ),
    # C9 ForAnyValue (MULTI): some request value matches; false when missing or empty.
    case(
        "C9-ForAnyValue-one-matches-allows",
        MULTI,
        [allow_if({"ForAnyValue:StringEquals": {TAGKEYS: ["team"]}})],
        {TAGKEYS: ["env", "team", "owner"]},
        ALLOWED,
        "Grant",
    ),
    case(
        "C9-ForAnyValue-none-matches-no-allow",
        MULTI,
        [allow_if({"ForAnyValue:StringEquals": {TAGKEYS: ["team"]}})],
        {TAGKEYS: ["env", "owner"]},
        IMPLICIT,
    ),
    case(
        "C9-ForAnyValue-missing-key-no-allow",
        MULTI,
        [allow_if({"ForAnyValue:StringEquals": {TAGKEYS: ["team"]}})],
        {},
        IMPLICIT,
    ),
    case(
        "C9-ForAnyValue-empty-list-no-allow",
        MULTI,
        [allow_if({"ForAnyValue:StringEquals": {TAGKEYS: ["team"]}})],
        {TAGKEYS: []},
        IMPLICIT,
    ),
    case(
        "C9-deny-ForAnyValue-forbidden-present-denies",
        MULTI,
        [BASE, deny_if({"ForAnyValue:StringEquals": {TAGKEYS: ["secret"]}})],
        {TAGKEYS: ["env", "secret"]},
        EXPLICIT,
        "Guard",
    ),
    case(
        "C9-deny-ForAnyValue-missing-key-not-denied",
        MULTI,
        [BASE, deny_if({"ForAnyValue:StringEquals": {TAGKEYS: ["secret"]}})],
        {},
        ALLOWED,
        "Base",
    ),
    case(
        "C9-deny-ForAnyValue-negated-unlisted-value-denies",
        MULTI,
        [BASE, deny_if({"ForAnyValue:StringNotEquals": {TAGKEYS: ["env", "team"]}})],
        {TAGKEYS: ["env", "owner"]},
        EXPLICIT,
        "Guard",
    ),
    case(
        "C9-deny-ForAnyValue-negated-all-listed-not-denied",
        MULTI,
        [BASE, deny_if({"ForAnyValue:StringNotEquals": {TAGKEYS: ["env", "team"]}})],
        {TAGKEYS: ["team", "env"]},
        ALLOWED,
        "Base",
    ),
    case(
        "C9-ForAnyValue-StringLike-on-multivalued-allows",
        MULTI,
        [allow_if({"ForAnyValue:StringLike": {TAGKEYS: "team*"}})],
        {TAGKEYS: ["env", "team-lead"]},
        ALLOWED,
        "Grant",
    ),
    # C10 value case (OPS, COND).
    case(
        "C10-StringEquals-case-sensitive-no-allow",
        OPS,
        [allow_if({"StringEquals": {TEAM: "Data"}})],
        {TEAM: "data"},
        IMPLICIT,
    ),
    case(
        "C10-StringEqualsIgnoreCase-allows",
        OPS,
        [allow_if({"StringEqualsIgnoreCase": {TEAM: "Data"}})],
        {TEAM: "dATA"},
        ALLOWED,
        "Grant",
    ),
    case(
        "C10-StringLike-case-sensitive-no-allow",
        OPS,
        [allow_if({"StringLike": {PREFIX: "Home/*"}})],
        {PREFIX: "home/alice"},
        IMPLICIT,
    ),
    case(
        "C10-ArnEquals-case-sensitive-no-allow",
        OPS,
        [allow_if({"ArnEquals": {SRCARN: TOPIC.replace("topic-a", "Topic-A")}})],
        {SRCARN: TOPIC},
        IMPLICIT,
    ),
    case(
        "C10-deny-StringNotEquals-case-differs-denies",
        COND,
        [BASE, deny_if({"StringNotEquals": {REGION: "US-EAST-1"}})],
        {REGION: "us-east-1"},
        EXPLICIT,
        "Guard",
    ),
    case(
        "C10-deny-StringNotEqualsIgnoreCase-case-differs-not-denied",
        COND,
        [BASE, deny_if({"StringNotEqualsIgnoreCase": {REGION: "US-EAST-1"}})],
        {REGION: "us-east-1"},
        ALLOWED,
        "Base",
    ),
    # C11 StringLike (OPS): `*` any run, `?` one character, anywhere in the value.
    case(
        "C11-StringLike-star-allows",
        OPS,
        [allow_if({"StringLike": {PREFIX: "home/*"}}, action=LIST)],
        {PREFIX: "home/alice/docs"},
        ALLOWED,
        "Grant",
        action=LIST,
    ),
    case(
        "C11-StringLike-star-matches-empty-run",
        OPS,
        [allow_if({"StringLike": {PREFIX: "home/*"}}, action=LIST)],
        {PREFIX: "home/"},
        ALLOWED,
        "Grant",
        action=LIST,
    ),
    case(
        "C11-StringLike-star-no-match-no-allow",
        OPS,
        [allow_if({"StringLike": {PREFIX: "home/*"}}, action=LIST)],
        {PREFIX: "homework/x"},
        IMPLICIT,
        action=LIST,
    ),
    case(
        "C11-StringLike-question-one-char-allows",
        OPS,
        [allow_if({"StringLike": {PREFIX: "log-?"}}, action=LIST)],
        {PREFIX: "log-7"},
        ALLOWED,
        "Grant",
        action=LIST,
    ),
    case(
        "C11-StringLike-question-not-two-chars",
        OPS,
        [allow_if({"StringLike": {PREFIX: "log-?"}}, action=LIST)],
        {PREFIX: "log-17"},
        IMPLICIT,
        action=LIST,
    ),
    case(
        "C11-StringLike-wildcards-anywhere-deny",
        OPS,
        [BASE, deny_if({"StringLike": {PREFIX: "*-pr?d-*"}})],
        {PREFIX: "app-prod-eu"},
        EXPLICIT,
        "Guard",
    ),
    case(
        "C11-single-valued-operator-on-several-values-unknown",
        OPS,
        [allow_if({"StringLike": {TAGKEYS: "team*"}})],
        {TAGKEYS: ["team", "env"]},
        UNKNOWN,
        because="C11",
    ),
    case(
        "C11-deny-single-valued-operator-on-several-values-unknown",
        OPS,
        [BASE, deny_if({"StringEquals": {TAGKEYS: "secret"}})],
        {TAGKEYS: ["secret", "env"]},
        UNKNOWN,
        because="C11",
    ),
    # C12 key names are case-insensitive, tag-key parts included (COND, VARS).
    case(
        "C12-policy-AWS-SourceIP-matches-request-aws-SourceIp",
        COND,
        [allow_if({"IpAddress": {"AWS:SourceIP": "203.0.113.0/24"}})],
        {"aws:SourceIp": "203.0.113.7"},
        ALLOWED,
        "Grant",
    ),
    case(
        "C12-key-case-differs-value-outside-no-allow",
        COND,
        [allow_if({"IpAddress": {"AWS:SourceIP": "203.0.113.0/24"}})],
        {"aws:SourceIp": "198.51.100.7"},
        IMPLICIT,
    ),
    case(
        "C12-deny-key-case-differs-still-denies",
        COND,
        [BASE, deny_if({"StringEquals": {"AWS:REQUESTEDREGION": "us-east-1"}})],
        {"aws:RequestedRegion": "us-east-1"},
        EXPLICIT,
        "Guard",
    ),
    case(
        "C12-tag-key-part-case-insensitive",
        VARS,
        [allow_if({"StringEquals": {"aws:PrincipalTag/TEAM": "data"}})],
        {"aws:principaltag/team": "data"},
        ALLOWED,
        "Grant",
    ),
    case(
        "C12-key-name-case-free-but-value-case-sensitive",
        COND,
        [allow_if({"StringEquals": {"aws:PrincipalTag/TEAM": "Data"}})],
        {"aws:principaltag/team": "data"},
        IMPLICIT,
    ),
    # C13 numeric, integers and decimals (OPS).
    case(
        "C13-NumericLessThan-allows",
        OPS,
        [allow_if({"NumericLessThan": {MAXKEYS: "10"}})],
        {MAXKEYS: "5"},
        ALLOWED,
        "Grant",
    ),
    case(
        "C13-NumericLessThan-boundary-no-allow",
        OPS,
        [allow_if({"NumericLessThan": {MAXKEYS: "10"}})],
        {MAXKEYS: "10"},
        IMPLICIT,
    ),
    case(
        "C13-NumericEquals-decimal-equals-integer",
        OPS,
        [allow_if({"NumericEquals": {MAXKEYS: "1.0"}})],
        {MAXKEYS: "1"},
        ALLOWED,
        "Grant",
    ),
    case(
        "C13-NumericLessThanEquals-decimal-above-no-allow",
        OPS,
        [allow_if({"NumericLessThanEquals": {MAXKEYS: "0.5"}})],
        {MAXKEYS: "0.75"},
        IMPLICIT,
    ),
    case(
        "C13-NumericGreaterThanEquals-decimal-allows",
        OPS,
        [allow_if({"NumericGreaterThanEquals": {MAXKEYS: "2.5"}})],
        {MAXKEYS: "2.50"},
        ALLOWED,
        "Grant",
    ),
    case(
        "C13-deny-NumericGreaterThan-denies",
        OPS,
        [BASE, deny_if({"NumericGreaterThan": {AGE: "3600"}})],
        {AGE: "7200"},
        EXPLICIT,
        "Guard",
    ),
    case(
        "C13-deny-NumericNotEquals-equal-decimal-not-denied",
        OPS,
        [BASE, deny_if({"NumericNotEquals": {MAXKEYS: "0"}})],
        {MAXKEYS: "0.0"},
        ALLOWED,
        "Base",
    ),
    # C14 dates, ISO-8601 and epoch (OPS).
    case(
        "C14-DateLessThan-iso-allows",
        OPS,
        [allow_if({"DateLessThan": {NOW: "2030-01-01T00:00:00Z"}})],
        {NOW: "2025-06-01T12:00:00Z"},
        ALLOWED,
        "Grant",
    ),
    case(
        "C14-DateLessThan-iso-after-no-allow",
        OPS,
        [allow_if({"DateLessThan": {NOW: "2030-01-01T00:00:00Z"}})],
        {NOW: "2031-01-01T00:00:00Z"},
        IMPLICIT,
    ),
    case(
        "C14-DateGreaterThan-epoch-policy-iso-request-allows",
        OPS,
        [allow_if({"DateGreaterThan": {NOW: "1735689600"}})],  # 2025-01-01T00:00:00Z
        {NOW: "2025-06-01T00:00:00Z"},
        ALLOWED,
        "Grant",
    ),
    case(
        "C14-DateGreaterThan-epoch-policy-earlier-request-no-allow",
        OPS,
        [allow_if({"DateGreaterThan": {NOW: "1735689600"}})],
        {NOW: "2024-12-31T23:59:59Z"},
        IMPLICIT,
    ),
    case(
        "C14-DateEquals-iso-and-epoch-same-instant",
        OPS,
        [allow_if({"DateEquals": {NOW: "2025-01-01T00:00:00Z"}})],
        {NOW: "1735689600"},
        ALLOWED,
        "Grant",
    ),
    case(
        "C14-DateEquals-iso-offset-same-instant",
        OPS,
        [allow_if({"DateEquals": {NOW: "2025-01-01T01:00:00+01:00"}})],
        {NOW: "2025-01-01T00:00:00Z"},
        ALLOWED,
        "Grant",
    ),
    case(
        "C14-deny-DateLessThan-old-session-denies",
        OPS,
        [BASE, deny_if({"DateLessThan": {ISSUED: "2024-05-01T00:00:00Z"}})],
        {ISSUED: "2024-04-01T08:00:00Z"},
        EXPLICIT,
        "Guard",
        who=SESSION,
    ),
    case(
        "C14-deny-DateLessThan-new-session-not-denied",
        OPS,
        [BASE, deny_if({"DateLessThan": {ISSUED: "2024-05-01T00:00:00Z"}})],
        {ISSUED: "2024-06-01T08:00:00Z"},
        ALLOWED,
        "Base",
        who=SESSION,
    ),
    # C15 Bool (OPS).
    case(
        "C15-Bool-true-allows",
        OPS,
        [allow_if({"Bool": {SECURE: "true"}})],
        {SECURE: "true"},
        ALLOWED,
        "Grant",
    ),
    case(
        "C15-Bool-true-request-false-no-allow",
        OPS,
        [allow_if({"Bool": {SECURE: "true"}})],
        {SECURE: "false"},
        IMPLICIT,
    ),
    case(
        "C15-Bool-json-boolean-value-allows",
        OPS,
        [allow_if({"Bool": {SECURE: True}})],
        {SECURE: "true"},
        ALLOWED,
        "Grant",
    ),
    case(
        "C15-deny-Bool-false-insecure-denies",
        OPS,
        [BASE, deny_if({"Bool": {SECURE: "false"}})],
        {SECURE: "false"},
        EXPLICIT,
        "Guard",
    ),
    case(
        "C15-deny-Bool-false-secure-not-denied",
        OPS,
        [BASE, deny_if({"Bool": {SECURE: "false"}})],
        {SECURE: "true"},
        ALLOWED,
        "Base",
    ),
    case(
        "C15-Bool-policy-variable-unknown",
        VARS,
        [allow_if({"Bool": {SECURE: "${aws:ViaAWSService}"}})],
        {SECURE: "true", VIA: "true"},
        UNKNOWN,
        because="C15",
    ),
    case(
        "C15-deny-Bool-policy-variable-unknown",
        VARS,
        [BASE, deny_if({"Bool": {SECURE: "${aws:ViaAWSService}"}})],
        {SECURE: "false", VIA: "false"},
        UNKNOWN,
        because="C15",
    ),
    # C16 IpAddress / NotIpAddress, IPv4 and IPv6 (OPS).
    case(
        "C16-IpAddress-v4-inside-allows",
        OPS,
        [allow_if({"IpAddress": {IP: "203.0.113.0/24"}})],
        {IP: "203.0.113.7"},
        ALLOWED,
        "Grant",
    ),
    case(
        "C16-IpAddress-v4-outside-no-allow",
        OPS,
        [allow_if({"IpAddress": {IP: "203.0.113.0/24"}})],
        {IP: "198.51.100.7"},
        IMPLICIT,
    ),
    case(
        "C16-IpAddress-single-address-allows",
        OPS,
        [allow_if({"IpAddress": {IP: "203.0.113.7/32"}})],
        {IP: "203.0.113.7"},
        ALLOWED,
        "Grant",
    ),
    case(
        "C16-IpAddress-v6-inside-allows",
        OPS,
        [allow_if({"IpAddress": {IP: ["203.0.113.0/24", "2001:db8::/32"]}})],
        {IP: "2001:db8:1::5"},
        ALLOWED,
        "Grant",
    ),
    case(
        "C16-IpAddress-v6-outside-no-allow",
        OPS,
        [allow_if({"IpAddress": {IP: ["203.0.113.0/24", "2001:db8::/32"]}})],
        {IP: "2001:db9::1"},
        IMPLICIT,
    ),
    case(
        "C16-IpAddress-v4-request-v6-cidr-no-allow",
        OPS,
        [allow_if({"IpAddress": {IP: "2001:db8::/32"}})],
        {IP: "203.0.113.7"},
        IMPLICIT,
    ),
    case(
        "C16-deny-NotIpAddress-v6-inside-not-denied",
        OPS,
        [BASE, deny_if({"NotIpAddress": {IP: ["203.0.113.0/24", "2001:db8::/32"]}})],
        {IP: "2001:db8::7"},
        ALLOWED,
        "Base",
    ),
    case(
        "C16-deny-NotIpAddress-outside-denies",
        OPS,
        [BASE, deny_if({"NotIpAddress": {IP: ["203.0.113.0/24", "2001:db8::/32"]}})],
        {IP: "198.51.100.7"},
        EXPLICIT,
        "Guard",
    ),
    case(
        "C16-deny-NotIpAddress-via-vpc-endpoint-no-source-ip-denies",
        OPS,
        [BASE, deny_if({"NotIpAddress": {IP: "203.0.113.0/24"}})],
        {"aws:SourceVpce": "vpce-1a2b3c4d"},
        EXPLICIT,
        "Guard",
    ),
    case(
        "C16-allow-IpAddress-via-vpc-endpoint-no-source-ip-no-allow",
        OPS,
        [allow_if({"IpAddress": {IP: "203.0.113.0/24"}})],
        {"aws:SourceVpce": "vpce-1a2b3c4d"},
        IMPLICIT,
    ),
    # C17 ARN operators: per colon-delimited segment (OPS).
    case(
        "C17-ArnLike-wildcards-within-segments-allows",
        OPS,
        [allow_if({"ArnLike": {SRCARN: "arn:aws:sns:*:111122223333:topic-*"}})],
        {SRCARN: TOPIC},
        ALLOWED,
        "Grant",
    ),
    case(
        "C17-ArnLike-star-cannot-span-colon",
        OPS,
        [allow_if({"ArnLike": {SRCARN: "arn:aws:sns:*:topic-a"}})],
        {SRCARN: TOPIC},
        IMPLICIT,
    ),
    case(
        "C17-StringLike-star-spans-colon",
        OPS,
        [allow_if({"StringLike": {SRCARN: "arn:aws:sns:*:topic-a"}})],
        {SRCARN: TOPIC},
        ALLOWED,
        "Grant",
    ),
    case(
        "C17-ArnEquals-takes-wildcards-like-ArnLike",
        OPS,
        [allow_if({"ArnEquals": {SRCARN: "arn:aws:sns:us-east-1:*:topic-?"}})],
        {SRCARN: TOPIC},
        ALLOWED,
        "Grant",
    ),
    case(
        "C17-ArnEquals-star-cannot-span-colon",
        OPS,
        [allow_if({"ArnEquals": {SRCARN: "arn:aws:*:topic-a"}})],
        {SRCARN: TOPIC},
        IMPLICIT,
    ),
    *[
        case(
            f"C17-deny-{op}-matching-not-denied",
            OPS,
            [BASE, deny_if({op: {SRCARN: "arn:aws:sns:us-east-1:111122223333:topic-*"}})],
            {SRCARN: TOPIC},
            ALLOWED,
            "Base",
        )
        for op in ("ArnNotEquals", "ArnNotLike")
    ],
    *[
        case(
            f"C17-deny-{op}-other-arn-denies",
            OPS,
            [BASE, deny_if({op: {SRCARN: "arn:aws:sns:us-east-1:111122223333:topic-*"}})],
            {SRCARN: QUEUE},
            EXPLICIT,
            "Guard",
        )
        for op in ("ArnNotEquals", "ArnNotLike")
    ],
    *[
        case(
            f"C17-deny-{op}-star-cannot-span-colon-denies",
            OPS,
            [BASE, deny_if({op: {SRCARN: "arn:aws:sns:*:topic-a"}})],
            {SRCARN: TOPIC},
            EXPLICIT,
            "Guard",
        )
        for op in ("ArnNotEquals", "ArnNotLike")
    ],
    # C18 BinaryEquals on base-64 text (OPS).
    case(
        "C18-BinaryEquals-same-bytes-allows",
        OPS,
        [allow_if({"BinaryEquals": {BLOB: B64}})],
        {BLOB: B64},
        ALLOWED,
        "Grant",
    ),
    case(
        "C18-BinaryEquals-other-bytes-no-allow",
        OPS,
        [allow_if({"BinaryEquals": {BLOB: B64}})],
        {BLOB: B64_OTHER},
        IMPLICIT,
    ),
    case(
        "C18-BinaryEquals-base64-case-is-other-bytes",
        OPS,
        [allow_if({"BinaryEquals": {BLOB: B64}})],
        {BLOB: B64.upper()},
        IMPLICIT,
    ),
    case(
        "C18-deny-BinaryEquals-same-bytes-denies",
        OPS,
        [BASE, deny_if({"BinaryEquals": {BLOB: B64}})],
        {BLOB: B64},
        EXPLICIT,
        "Guard",
    ),
    # V1 policy variables in Resource and in String/ARN values (VARS).
    case(
        "V1-username-in-Resource-own-folder-allows",
        VARS,
        [allow(GET, "arn:aws:s3:::acme-data/home/${aws:username}/*", Sid="Home")],
        {USERNAME: "alice"},
        ALLOWED,
        "Home",
        resource="arn:aws:s3:::acme-data/home/alice/notes.txt",
    ),
    case(
        "V1-username-in-Resource-other-folder-no-allow",
        VARS,
        [allow(GET, "arn:aws:s3:::acme-data/home/${aws:username}/*", Sid="Home")],
        {USERNAME: "alice"},
        IMPLICIT,
        resource="arn:aws:s3:::acme-data/home/bob/notes.txt",
    ),
    case(
        "V1-deny-username-in-Resource-denies",
        VARS,
        [BASE, deny(GET, "arn:aws:s3:::acme-data/home/${aws:username}/*", Sid="Guard")],
        {USERNAME: "alice"},
        EXPLICIT,
        "Guard",
        resource="arn:aws:s3:::acme-data/home/alice/notes.txt",
    ),
    case(
        "V1-username-in-StringLike-allows",
        VARS,
        [allow_if({"StringLike": {PREFIX: "home/${aws:username}/*"}}, action=LIST)],
        {USERNAME: "alice", PREFIX: "home/alice/docs"},
        ALLOWED,
        "Grant",
        action=LIST,
        resource="arn:aws:s3:::acme-data",
    ),
    case(
        "V1-username-in-StringLike-other-user-no-allow",
        VARS,
        [allow_if({"StringLike": {PREFIX: "home/${aws:username}/*"}}, action=LIST)],
        {USERNAME: "alice", PREFIX: "home/bob/docs"},
        IMPLICIT,
        action=LIST,
        resource="arn:aws:s3:::acme-data",
    ),
    case(
        "V1-variable-name-case-insensitive",
        VARS,
        [allow_if({"StringEquals": {TEAM: "${AWS:ResourceTag/TEAM}"}})],
        {TEAM: "data", RTEAM: "data"},
        ALLOWED,
        "Grant",
    ),
    case(
        "V1-variable-in-ArnLike-allows",
        VARS,
        [allow_if({"ArnLike": {SRCARN: "arn:aws:iam::111122223333:user/${aws:username}"}})],
        {USERNAME: "alice", SRCARN: USER},
        ALLOWED,
        "Grant",
    ),
    case(
        "V1-arn-valued-variable-in-ArnEquals-allows",
        VARS,
        [allow_if({"ArnEquals": {SRCARN: "${aws:PrincipalArn}"}})],
        {"aws:PrincipalArn": USER, SRCARN: USER},
        ALLOWED,
        "Grant",
    ),
    case(
        "V1-arn-valued-variable-in-ArnEquals-other-arn-no-allow",
        VARS,
        [allow_if({"ArnEquals": {SRCARN: "${aws:PrincipalArn}"}})],
        {"aws:PrincipalArn": USER, SRCARN: USER.replace("alice", "bob")},
        IMPLICIT,
    ),
    case(
        "V1-multivalued-key-in-Resource-unknown",
        VARS,
        [allow(GET, "arn:aws:s3:::acme-data/${aws:TagKeys}/*", Sid="Tags")],
        {TAGKEYS: ["env", "team"]},
        UNKNOWN,
        resource="arn:aws:s3:::acme-data/env/x",
        because="multivalued",
    ),
    case(
        "V1-multivalued-key-in-StringEquals-unknown",
        VARS,
        [allow_if({"StringEquals": {TEAM: "${aws:TagKeys}"}})],
        {TEAM: "env", TAGKEYS: ["env", "team"]},
        UNKNOWN,
        because="multivalued",
    ),
    # V2 missing variable: StringEquals/StringLike never match, the negations do (VARS).
    case(
        "V2-StringEquals-missing-variable-no-allow",
        VARS,
        [allow_if({"StringEquals": {TEAM: "${aws:ResourceTag/team}"}})],
        {TEAM: "data"},
        IMPLICIT,
    ),
    case(
        "V2-StringEquals-variable-present-allows",
        VARS,
        [allow_if({"StringEquals": {TEAM: "${aws:ResourceTag/team}"}})],
        {TEAM: "data", RTEAM: "data"},
        ALLOWED,
        "Grant",
    ),
    case(
        "V2-StringLike-missing-variable-no-allow",
        VARS,
        [allow_if({"StringLike": {PREFIX: "${aws:ResourceTag/team}*"}})],
        {PREFIX: "data/x"},
        IMPLICIT,
    ),
    case(
        "V2-StringNotEquals-missing-variable-allows",
        VARS,
        [allow_if({"StringNotEquals": {TEAM: "${aws:ResourceTag/team}"}})],
        {TEAM: "data"},
        ALLOWED,
        "Grant",
    ),
    case(
        "V2-StringNotLike-missing-variable-allows",
        VARS,
        [allow_if({"StringNotLike": {PREFIX: "${aws:ResourceTag/team}*"}})],
        {PREFIX: "data/x"},
        ALLOWED,
        "Grant",
    ),
    case(
        "V2-deny-StringNotEquals-missing-variable-denies",
        VARS,
        [BASE, deny_if({"StringNotEquals": {TEAM: "${aws:ResourceTag/team}"}})],
        {TEAM: "data"},
        EXPLICIT,
        "Guard",
    ),
    case(
        "V2-deny-StringEquals-missing-variable-not-denied",
        VARS,
        [BASE, deny_if({"StringEquals": {TEAM: "${aws:ResourceTag/team}"}})],
        {TEAM: "data"},
        ALLOWED,
        "Base",
    ),
    case(
        "V2-missing-variable-in-Resource-no-allow",
        VARS,
        [allow(GET, "arn:aws:s3:::acme-data/home/${aws:username}/*", Sid="Home")],
        {},
        IMPLICIT,
        resource="arn:aws:s3:::acme-data/home/alice/notes.txt",
        who=SESSION,
    ),
    case(
        "V2-deny-NotResource-with-missing-variable-denies",
        VARS,
        [
            BASE,
            {
                "Effect": "Deny",
                "Sid": "Guard",
                "Action": "*",
                "NotResource": "arn:aws:s3:::acme-data/home/${aws:username}/*",
            },
        ],
        {},
        EXPLICIT,
        "Guard",
        resource="arn:aws:s3:::acme-data/home/alice/notes.txt",
        who=SESSION,
    ),
    # V3 default values (VARS).
    case(
        "V3-default-used-when-key-absent-allows",
        VARS,
        [allow_if({"StringEquals": {RTEAM: "${aws:PrincipalTag/team, 'company-wide'}"}})],
        {RTEAM: "company-wide"},
        ALLOWED,
        "Grant",
    ),
    case(
        "V3-default-used-when-key-absent-other-value-no-allow",
        VARS,
        [allow_if({"StringEquals": {RTEAM: "${aws:PrincipalTag/team, 'company-wide'}"}})],
        {RTEAM: "data"},
        IMPLICIT,
    ),
    case(
        "V3-key-present-wins-over-default-allows",
        VARS,
        [allow_if({"StringEquals": {RTEAM: "${aws:PrincipalTag/team, 'company-wide'}"}})],
        {RTEAM: "data", TEAM: "data"},
        ALLOWED,
        "Grant",
    ),
    case(
        "V3-key-present-default-not-used-no-allow",
        VARS,
        [allow_if({"StringEquals": {RTEAM: "${aws:PrincipalTag/team, 'company-wide'}"}})],
        {RTEAM: "company-wide", TEAM: "data"},
        IMPLICIT,
    ),
    case(
        "V3-default-in-Resource-allows",
        VARS,
        [allow(GET, "arn:aws:s3:::acme-data/${aws:PrincipalTag/team, 'shared'}/*", Sid="Team")],
        {},
        ALLOWED,
        "Team",
        resource="arn:aws:s3:::acme-data/shared/readme.txt",
    ),
    # V4 variables only under Version 2012-10-17 (VARS).
    *[
        case(
            f"V4-{label}-variable-literal-no-allow",
            VARS,
            [allow(GET, "arn:aws:s3:::acme-data/home/${aws:username}/*", Sid="Home")],
            {USERNAME: "alice"},
            IMPLICIT,
            version=version,
            resource="arn:aws:s3:::acme-data/home/alice/notes.txt",
        )
        for label, version in (("2008-10-17", V2008), ("no-version", None))
    ],
    *[
        case(
            f"V4-{label}-literal-text-matches-itself",
            VARS,
            [allow(GET, "arn:aws:s3:::acme-data/home/${aws:username}/*", Sid="Home")],
            {USERNAME: "alice"},
            ALLOWED,
            "Home",
            version=version,
            resource="arn:aws:s3:::acme-data/home/${aws:username}/notes.txt",
        )
        for label, version in (("2008-10-17", V2008), ("no-version", None))
    ],
    case(
        "V4-2008-variable-in-condition-literal-no-allow",
        VARS,
        [allow_if({"StringEquals": {PREFIX: "${aws:username}"}})],
        {USERNAME: "alice", PREFIX: "alice"},
        IMPLICIT,
        version=V2008,
    ),
    case(
        "V4-2008-deny-variable-literal-StringNotEquals-denies",
        VARS,
        [BASE, deny_if({"StringNotEquals": {PREFIX: "${aws:username}"}})],
        {USERNAME: "alice", PREFIX: "alice"},
        EXPLICIT,
        "Guard",
        version=V2008,
    ),
    case(
        "V4-2012-same-deny-substitutes-not-denied",
        VARS,
        [BASE, deny_if({"StringNotEquals": {PREFIX: "${aws:username}"}})],
        {USERNAME: "alice", PREFIX: "alice"},
        ALLOWED,
        "Base",
    ),
    # V5 escapes ${*}, ${?}, ${$} are literal characters (VARS).
    case(
        "V5-Resource-escaped-star-matches-key-named-star",
        VARS,
        [allow(GET, "arn:aws:s3:::acme-data/${*}", Sid="Star")],
        {},
        ALLOWED,
        "Star",
        resource="arn:aws:s3:::acme-data/*",
    ),
    case(
        "V5-Resource-escaped-star-is-no-wildcard",
        VARS,
        [allow(GET, "arn:aws:s3:::acme-data/${*}", Sid="Star")],
        {},
        IMPLICIT,
        resource="arn:aws:s3:::acme-data/report.csv",
    ),
    case(
        "V5-deny-Resource-escaped-star-other-key-not-denied",
        VARS,
        [BASE, deny(GET, "arn:aws:s3:::acme-data/${*}", Sid="Guard")],
        {},
        ALLOWED,
        "Base",
        resource="arn:aws:s3:::acme-data/report.csv",
    ),
    case(
        "V5-deny-Resource-escaped-star-key-named-star-denies",
        VARS,
        [BASE, deny(GET, "arn:aws:s3:::acme-data/${*}", Sid="Guard")],
        {},
        EXPLICIT,
        "Guard",
        resource="arn:aws:s3:::acme-data/*",
    ),
    case(
        "V5-StringLike-escaped-question-is-literal",
        VARS,
        [allow_if({"StringLike": {PREFIX: "faq${?}*"}})],
        {PREFIX: "faq?/intro"},
        ALLOWED,
        "Grant",
    ),
    case(
        "V5-StringLike-escaped-question-not-one-char",
        VARS,
        [allow_if({"StringLike": {PREFIX: "faq${?}*"}})],
        {PREFIX: "faqs/intro"},
        IMPLICIT,
    ),
    case(
        "V5-StringEquals-escaped-dollar-spells-variable-text",
        VARS,
        [allow_if({"StringEquals": {PREFIX: "${$}{aws:username}"}})],
        {USERNAME: "alice", PREFIX: "${aws:username}"},
        ALLOWED,
        "Grant",
    ),
    case(
        "V5-StringEquals-escaped-dollar-not-substituted",
        VARS,
        [allow_if({"StringEquals": {PREFIX: "${$}{aws:username}"}})],
        {USERNAME: "alice", PREFIX: "alice"},
        IMPLICIT,
    ),
    # M1 long-term access keys carry no aws:MultiFactorAuthPresent (KEYS, MFA-KC).
    case(
        "M1-deny-Bool-false-does-not-stop-long-term-keys",
        MFA_KC,
        [BASE, deny_if({"Bool": {MFA: "false"}})],
        {},
        ALLOWED,
        "Base",
    ),
    case(
        "M1-deny-Bool-false-stops-non-mfa-temporary-creds",
        KEYS,
        [BASE, deny_if({"Bool": {MFA: "false"}})],
        {MFA: "false"},
        EXPLICIT,
        "Guard",
        who=SESSION,
    ),
    # M2 Deny + BoolIfExists false: AWS's recommended form (KEYS).
    case(
        "M2-deny-BoolIfExists-false-stops-long-term-keys",
        KEYS,
        [BASE, deny_if({"BoolIfExists": {MFA: "false"}})],
        {},
        EXPLICIT,
        "Guard",
    ),
    case(
        "M2-deny-BoolIfExists-false-stops-non-mfa-temporary-creds",
        KEYS,
        [BASE, deny_if({"BoolIfExists": {MFA: "false"}})],
        {MFA: "false"},
        EXPLICIT,
        "Guard",
        who=SESSION,
    ),
    case(
        "M2-deny-BoolIfExists-false-lets-mfa-session-through",
        KEYS,
        [BASE, deny_if({"BoolIfExists": {MFA: "false"}})],
        {MFA: "true", AGE: "120"},
        ALLOWED,
        "Base",
        who=SESSION,
    ),
    # M3 Allow + Bool true vs BoolIfExists true (KEYS).
    case(
        "M3-allow-Bool-true-mfa-session-allows",
        KEYS,
        [allow_if({"Bool": {MFA: "true"}})],
        {MFA: "true", AGE: "120"},
        ALLOWED,
        "Grant",
        who=SESSION,
    ),
    case(
        "M3-allow-Bool-true-long-term-keys-no-allow",
        KEYS,
        [allow_if({"Bool": {MFA: "true"}})],
        {},
        IMPLICIT,
    ),
    case(
        "M3-allow-Bool-true-non-mfa-session-no-allow",
        KEYS,
        [allow_if({"Bool": {MFA: "true"}})],
        {MFA: "false"},
        IMPLICIT,
        who=SESSION,
    ),
    case(
        "M3-allow-BoolIfExists-true-long-term-keys-allows",
        KEYS,
        [allow_if({"BoolIfExists": {MFA: "true"}})],
        {},
        ALLOWED,
        "Grant",
    ),
    case(
        "M3-allow-BoolIfExists-true-mfa-session-allows",
        KEYS,
        [allow_if({"BoolIfExists": {MFA: "true"}})],
        {MFA: "true", AGE: "120"},
        ALLOWED,
        "Grant",
        who=SESSION,
    ),
    case(
        "M3-allow-BoolIfExists-true-non-mfa-session-no-allow",
        KEYS,
        [allow_if({"BoolIfExists": {MFA: "true"}})],
        {MFA: "false"},
        IMPLICIT,
        who=SESSION,
    ),
    # M4 aws:MultiFactorAuthAge is present only when MFA was used (KEYS).
    case(
        "M4-allow-recent-mfa-allows",
        KEYS,
        [allow_if({"NumericLessThan": {AGE: "3600"}})],
        {MFA: "true", AGE: "600"},
        ALLOWED,
        "Grant",
        who=SESSION,
    ),
    case(
        "M4-allow-mfa-age-long-term-keys-no-allow",
        KEYS,
        [allow_if({"NumericLessThan": {AGE: "3600"}})],
        {},
        IMPLICIT,
    ),
    case(
        "M4-allow-mfa-age-non-mfa-session-no-allow",
        KEYS,
        [allow_if({"NumericLessThan": {AGE: "3600"}})],
        {MFA: "false"},
        IMPLICIT,
        who=SESSION,
    ),
    case(
        "M4-deny-stale-mfa-denies",
        KEYS,
        [BASE, deny_if({"NumericGreaterThan": {AGE: "3600"}})],
        {MFA: "true", AGE: "7200"},
        EXPLICIT,
        "Guard",
        who=SESSION,
    ),
    case(
        "M4-deny-mfa-age-absent-without-mfa-not-denied",
        KEYS,
        [BASE, deny_if({"NumericGreaterThan": {AGE: "3600"}})],
        {MFA: "false"},
        ALLOWED,
        "Base",
        who=SESSION,
    ),
    # M5 console sign-in and service-forwarded calls carry MultiFactorAuthPresent (KEYS).
    case(
        "M5-deny-Bool-false-stops-console-without-mfa",
        KEYS,
        [BASE, deny_if({"Bool": {MFA: "false"}})],
        {MFA: "false"},
        EXPLICIT,
        "Guard",
    ),
    case(
        "M5-deny-Bool-false-stops-service-forwarded-call",
        KEYS,
        [BASE, deny_if({"Bool": {MFA: "false"}})],
        {MFA: "false", VIA: "true"},
        EXPLICIT,
        "Guard",
        who=SESSION,
    ),
    case(
        "M5-deny-Bool-false-lets-console-with-mfa-through",
        KEYS,
        [BASE, deny_if({"Bool": {MFA: "false"}})],
        {MFA: "true", AGE: "30"},
        ALLOWED,
        "Base",
    ),
    case(
        "M5-allow-Bool-false-matches-console-without-mfa",
        KEYS,
        [allow_if({"Bool": {MFA: "false"}})],
        {MFA: "false"},
        ALLOWED,
        "Grant",
    ),
]


@pytest.mark.parametrize("c", CASES)
def test_condition_rule(c: Case) -> None:
    """One rule case; the rule id is the prefix of the case id, the AWS page is `c.doc`."""
    req = request_with(c.action, c.resource, c.context)
    d = run(req, identity=[policy(*c.statements, version=c.version)], who=caller(c.who))
    assert outcome(d) == c.expected, (d.unknown_because, d.deciding)
    sids = [r.sid for r in d.deciding]
    if c.expected == EXPLICIT:
        assert sids[0] == c.sid
    elif c.expected == ALLOWED:
        assert c.sid in sids
        assert all(r.effect == "Allow" for r in d.deciding)
    elif c.expected == IMPLICIT:
        assert sids == []
        assert d.lacking
    else:
        assert c.because and any(c.because in u for u in d.unknown_because), d.unknown_because


RULES = [f"C{i}" for i in range(1, 19)] + [f"V{i}" for i in range(1, 6)]
RULES += [f"M{i}" for i in range(1, 6)]


def test_every_rule_has_an_allowed_and_a_denied_case() -> None:
    """Coverage guard for this file: each of C1-C18, V1-V5, M1-M5 (SEMANTICS.md) ends both
    allowed and denied in at least one case."""
    seen: dict[str, set[str]] = {r: set() for r in RULES}
    for p in CASES:
        rule = re.match(r"[CVM]\d+", p.id).group(0)
        result = p.values[0].expected
        seen[rule].add("denied" if result in (IMPLICIT, EXPLICIT) else result)
    missing = {r: s for r, s in seen.items() if not {"allowed", "denied"} <= s}
    assert not missing


def test_every_documented_negated_operator_is_covered_by_c2() -> None:
    """C2 (OPS): the C2 table lists every negated operator the model knows."""
    negated = {name for name, spec in OPERATORS.items() if spec.negated}
    assert negated == {op for op, *_ in NEGATED}


@pytest.mark.parametrize("op", ["NullIfExists", "ForAllValues:Null", "ForAnyValue:Null"])
def test_c3_c4_null_takes_no_ifexists_or_qualifier(op: str) -> None:
    """C3, C4 (OPS): IfExists applies to any operator except Null; Null is its own test of
    presence, so a policy using NullIfExists is rejected, not read as some other operator."""
    with pytest.raises(InputError):
        policy(allow_if({op: {TEAM: "true"}}))


@pytest.mark.parametrize(
    "op,key,value",
    [
        ("NumericLessThan", MAXKEYS, "${aws:PrincipalTag/limit}"),
        ("DateLessThan", NOW, "${aws:PrincipalTag/expiry}"),
        ("IpAddress", IP, "${aws:PrincipalTag/cidr}"),
        ("BinaryEquals", BLOB, "${aws:PrincipalTag/blob}"),
    ],
    ids=["C13-numeric", "C14-date", "C16-ip", "C18-binary"],
)
def test_operators_without_variables_never_grant_through_one(op: str, key: str, value: str) -> None:
    """C13, C14, C16, C18 (OPS): these operators take no policy variables, so an Allow whose
    value is one must not grant by substituting the tag's value (whatever else it answers)."""
    tags = {
        "aws:PrincipalTag/limit": "100",
        "aws:PrincipalTag/expiry": "2030-01-01T00:00:00Z",
        "aws:PrincipalTag/cidr": "203.0.113.0/24",
        "aws:PrincipalTag/blob": B64,
    }
    present = {
        MAXKEYS: "5",
        NOW: "2025-01-01T00:00:00Z",
        IP: "203.0.113.7",
        BLOB: B64,
    }
    req = request_with(GET, OBJECT, {**tags, key: present[key]})
    d = run(req, identity=[policy(allow_if({op: {key: value}}))])
    assert outcome(d) != ALLOWED


def test_c11_unknown_statement_does_not_hide_a_certain_deny() -> None:
    """C11 (OPS) with E2: an Allow the evaluator cannot read does not matter when another
    statement certainly denies; the outcome is the Deny."""
    pol = policy(
        allow_if({"StringLike": {TAGKEYS: "team*"}}),
        deny_if({"StringEquals": {REGION: "us-east-1"}}),
    )
    d = run(
        request_with(GET, OBJECT, {TAGKEYS: ["team", "env"], REGION: "us-east-1"}), identity=[pol]
    )
    assert outcome(d) == EXPLICIT
    assert d.deciding[0].sid == "Guard"


def test_c15_unknown_deny_leaves_an_allow_in_doubt() -> None:
    """C15 (OPS, VARS): a Deny whose Bool value is a policy variable may or may not apply, so
    a request that an unconditional Allow grants is `unknown`, not allowed."""
    pol = policy(BASE, deny_if({"Bool": {SECURE: "${aws:ViaAWSService}"}}))
    d = run(request_with(GET, OBJECT, {SECURE: "true", VIA: "true"}), identity=[pol])
    assert outcome(d) == UNKNOWN
    assert any("C15" in u for u in d.unknown_because)


def test_c15_uncertain_allow_does_not_matter_when_another_allow_grants() -> None:
    """C15 (OPS, VARS) and the SEMANTICS preamble: `unknown` only where the verdict would depend
    on the open point. Here an unconditional Allow grants and nothing denies, so whether the
    Bool-with-variable Allow applies cannot change the outcome."""
    pol = policy(BASE, allow_if({"Bool": {SECURE: "${aws:ViaAWSService}"}}))
    d = run(request_with(GET, OBJECT, {SECURE: "true", VIA: "true"}), identity=[pol])
    assert outcome(d) == ALLOWED
    assert "Base" in [r.sid for r in d.deciding]
