"""AWS's documented size limits for policy documents, and the one measure held against them.

A document above its limit can never exist in AWS, so it is bad input, not a policy to analyse:
a 50 MB `Resource` list cost `lint` 100 s and 1 GB before it was refused (issue 17). Each loader
checks a document against the limit of the place it is attached (a role's inline policies
together, a trust policy, an SCP, a bucket policy, ...); a policy in a file of its own is held
to the largest limit of its kind (`STANDALONE`). `--no-size-limit` reads such documents anyway.

AWS's own managed policies are bound by no documented limit, and 69 of the 1,523 of 2026 are
above the customer limit (`AWSSupportServiceRolePolicy`: 135,200 characters). They, and so an
identity policy or boundary in a file of its own, which could be one of them, are held to
`AWS_MANAGED`: not an AWS limit but a bound, almost twice the largest.

The measure never refuses what AWS accepts. AWS counts the characters of the document text it
stores (IAM without whitespace; Organizations, S3, KMS and SNS with it, some in bytes, which
are never fewer than characters). `document_size` counts the characters of the document's
compact JSON text that are not whitespace, with every number counted as one character: no
JSON text of the same value is shorter (a string is written with the escapes JSON requires
and no others, keys and values once, no space between tokens), and removing all Unicode
whitespace removes at least what any count leaves out. So `document_size(d) > limit` implies
that AWS's own count is above the limit too.

A file that holds one document is refused before it is parsed when its text alone shows the
document cannot fit (`precheck_bound`): parsing records the position of every value and is
where a huge document costs its memory.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace

from iamgraph.model.policy import PolicyKind

IAM_QUOTAS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html"
STS_ASSUME_ROLE = "https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html"
ORGANIZATIONS_QUOTAS = (
    "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html"
)
S3_POLICIES = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-iam-policies.html"
KMS_KEY_POLICY = "https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html"
SNS_POLICY_QUOTAS = "https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-language-api-permissions-reference.html"
AWS_MANAGED_POLICIES = (
    "https://docs.aws.amazon.com/aws-managed-policy/latest/reference/about-managed-policy-reference"
)

NO_LIMIT_HINT = "pass --no-size-limit to read it anyway"


@dataclass(frozen=True)
class Limit:
    """One limit: at most `size` `unit` for `what` (the URL says so, or `note` why not)."""

    name: str  # short id
    what: str  # the phrase after "AWS's limit of N characters for"
    size: int
    unit: str  # "characters" or "bytes"
    url: str
    note: str = ""
    documented: bool = True  # False: a bound of iamgraph's where AWS documents none (`note`)


# "Managed policy size ... cannot exceed 6,144 characters"; IAM does not count white space
MANAGED = Limit("managed", "a customer managed policy", 6_144, "characters", IAM_QUOTAS)
# "the total aggregate policy size (the sum size of all inline policies) per entity"
USER_INLINE = Limit("user-inline", "a user's inline policies", 2_048, "characters", IAM_QUOTAS)
ROLE_INLINE = Limit("role-inline", "a role's inline policies", 10_240, "characters", IAM_QUOTAS)
GROUP_INLINE = Limit("group-inline", "a group's inline policies", 5_120, "characters", IAM_QUOTAS)
# "Role trust policy length: default 2048 characters, maximum quota 4096 characters": an
# account may have raised it, so only what no account can hold is refused
TRUST = Limit(
    "trust", "a role trust policy", 4_096, "characters", IAM_QUOTAS, "2,048 unless raised"
)
# "The plaintext that you use for both inline and managed session policies can't exceed 2,048
# characters"
SESSION = Limit("session", "a session policy", 2_048, "characters", STS_ASSUME_ROLE)
# "Maximum size of a policy document: service control policies 5,120 characters, resource
# control policies 5,120 characters"
SCP = Limit("scp", "a service control policy", 5_120, "characters", ORGANIZATIONS_QUOTAS)
RCP = Limit("rcp", "a resource control policy", 5_120, "characters", ORGANIZATIONS_QUOTAS)
# "Bucket policies are limited to 20 KB in size" (KB read as 1,024 bytes, the larger reading)
BUCKET = Limit("bucket", "an S3 bucket policy", 20_480, "bytes", S3_POLICIES)
# "Up to 32 kilobytes (32,768 bytes)"
KEY = Limit("key", "a KMS key policy", 32_768, "bytes", KMS_KEY_POLICY)
# Policy quotas: "Bytes: 30 kb" (IAM Access Analyzer's topicPolicy: maximum length 30,720)
TOPIC = Limit("topic", "an SNS topic policy", 30_720, "bytes", SNS_POLICY_QUOTAS)

# Not documented: AWS writes its managed policies (arn:aws:iam::aws:policy/...) and AWS-managed
# SCPs and RCPs past the customer limits; the largest in 2026 is 135,200 characters
AWS_MANAGED = Limit(
    "aws-managed",
    "a policy AWS manages",
    262_144,
    "characters",
    AWS_MANAGED_POLICIES,
    "AWS documents no limit for its own managed policies; the largest is 135,200 characters",
    documented=False,
)

LIMITS: tuple[Limit, ...] = (
    MANAGED,
    USER_INLINE,
    ROLE_INLINE,
    GROUP_INLINE,
    TRUST,
    SESSION,
    SCP,
    RCP,
    BUCKET,
    KEY,
    TOPIC,
    AWS_MANAGED,
)

# A policy in a file of its own could be any document of its kind: the largest limit of the
# kind applies (a resource policy of a service not listed here is held to the largest listed).
STANDALONE: dict[PolicyKind, Limit] = {
    PolicyKind.IDENTITY: replace(AWS_MANAGED, name="identity", what="an identity policy"),
    PolicyKind.BOUNDARY: replace(AWS_MANAGED, name="boundary", what="a permissions boundary"),
    PolicyKind.SESSION: SESSION,
    PolicyKind.TRUST: TRUST,
    PolicyKind.SCP: SCP,
    PolicyKind.RCP: RCP,
    PolicyKind.RESOURCE: replace(
        KEY, name="resource", what="a resource policy, the largest being a KMS key policy"
    ),
}
# a file whose kind is not known yet (it is guessed once parsed)
LARGEST: Limit = replace(AWS_MANAGED, name="any", what="any policy")

# A file that holds one document within its limit, as the AWS CLI or an SDK prints it, has at
# most 8 non-whitespace characters for each character AWS counts: policy documents hold only
# U+0009-U+00FF (IAM quotas page), so the longest form of one is a `\\u00e9` escape, URL-encoded
# (`%5Cu00e9`); the rest of a CLI output (describe-policy's summary, a topic's other
# attributes) stays under 64 KiB.
PRECHECK_FACTOR = 8
PRECHECK_SLACK = 64 * 1024

# every character Python calls whitespace (str.isspace): removing all of them from the count
# can only make it smaller than any count AWS makes
SPACES = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
# a JSON number with a fraction or exponent shows a digit before `.`, `e` or `E`; without one
# in the text there is no float to count as one character
_FLOATISH = re.compile(r"\d[.eE]")


def nonspace(text: str) -> int:
    """How many characters of `text` are not whitespace."""
    return len(text) - sum(text.count(c) for c in SPACES)


def document_size(document: object) -> int:
    """The measure of a parsed document held against a limit (see the module docstring)."""
    try:
        text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    except RecursionError:
        return _walk(document, count_all=True)
    size = nonspace(text)
    if _FLOATISH.search(text):
        size -= _walk(document, count_all=False)
    return size


def _walk(document: object, *, count_all: bool) -> int:
    """Without recursion: with `count_all`, the whole measure; else how many characters the
    compact text spends on floats beyond one each."""
    total, stack = 0, [document]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            if count_all:
                total += 2 + max(len(value) * 2 - 1, 0)  # {} and every : and ,
                total += sum(_string(k) for k in value)
            stack.extend(value.values())
        elif isinstance(value, list):
            if count_all:
                total += 2 + max(len(value) - 1, 0)  # [] and every ,
            stack.extend(value)
        elif isinstance(value, float):
            total += 1 if count_all else len(json.dumps(value)) - 1
        elif count_all:
            total += _string(value) if isinstance(value, str) else nonspace(json.dumps(value))
    return total


def _string(value: str) -> int:
    return nonspace(json.dumps(value, ensure_ascii=False))


def precheck_bound(limit: Limit) -> int:
    """The most non-whitespace characters a file holding one document within `limit` needs."""
    return PRECHECK_FACTOR * limit.size + PRECHECK_SLACK


def file_too_big(size: int, limit: Limit) -> str | None:
    """Why a file of `size` non-whitespace characters cannot hold a document within `limit`,
    or None when it might."""
    bound = precheck_bound(limit)
    if size <= bound:
        return None
    return (
        f"the file is {size:,} characters (whitespace not counted), more than the {bound:,} a "
        f"file can need to hold a document within {_allowance(limit)} ({_hint(limit)})"
    )


def too_big(subject: str, size: int, limit: Limit, *, together: bool = False) -> str | None:
    """Why `subject` of `size` (document_size) cannot exist in AWS, or None when it can;
    `together`: the size is the sum of several documents (a principal's inline policies)."""
    if size <= limit.size:
        return None
    return (
        f"{subject} {'total' if together else 'is'} {size:,} characters (whitespace not "
        f"counted), above {_allowance(limit)} ({_hint(limit)})"
    )


def _allowance(limit: Limit) -> str:
    if limit.documented:
        return f"AWS's limit of {limit.size:,} {limit.unit} for {limit.what}"
    return f"the {limit.size:,} {limit.unit} iamgraph allows {limit.what}"


def _hint(limit: Limit) -> str:
    return NO_LIMIT_HINT if limit.documented else f"{limit.note}; {NO_LIMIT_HINT}"
