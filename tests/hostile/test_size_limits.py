"""Hostile input, issue 17 class 2: policy documents above AWS's own size limits.

A 50 MB `Resource` list drove `lint` to 100 s and 1 GB; no such document can exist in AWS, so it
is bad input: one line naming the file and JSON path, exit 2, unless `--no-size-limit`. Each
limit of `iamgraph/model/limits.py` (IAM and STS quotas, Organizations quotas, the S3, KMS and
SNS policy pages: the URLs are in that table) is tested at the limit (read) and one character
above (refused), through the CLI. Sizes here are measured independently of the code under test:
the documents are ASCII without whitespace, so their size is the length of their compact JSON.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from iamgraph.cli.app import app
from iamgraph.model import limits
from iamgraph.model.limits import document_size

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "fixtures" / "demo-org"
ACCOUNT = "111122223333"
HINT = "(pass --no-size-limit to read it anyway)"
AWS_MANAGED_HINT = (
    "(AWS documents no limit for its own managed policies; the largest is 135,200 characters; "
    "pass --no-size-limit to read it anyway)"
)


def compact(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))


def document(size: int, *, principal: bool = False, effect: str = "Allow") -> dict:
    """A policy whose compact JSON is exactly `size` characters, none of them whitespace: its
    one statement's Sid is the padding. With `principal`, a resource or trust statement."""
    statement: dict = {"Sid": "", "Effect": effect}
    if principal:
        statement["Principal"] = {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
        statement["Action"] = "sts:AssumeRole"
    else:
        statement["Action"] = "s3:GetObject"
        statement["Resource"] = "*"
    doc = {"Version": "2012-10-17", "Statement": [statement]}
    statement["Sid"] = "S" * (size - len(compact(doc)))
    assert len(compact(doc)) == size and not any(c.isspace() for c in compact(doc))
    return doc


def run(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result.exit_code, result.stdout, result.stderr


def refused(*args: str | Path) -> str:
    """Exit 2, nothing on stdout: the one stderr line."""
    code, out, err = run(*args)
    assert code == 2, (out, err)
    assert out == ""
    (line,) = err.splitlines()
    return line


def read(*args: str | Path) -> None:
    code, out, err = run(*args)
    assert code in (0, 1, 3), (out, err)  # answered, whatever the answer
    assert "--no-size-limit" not in err


# -- authorization details: where each document is attached is known ------------------------


def dump(tmp_path: Path, **lists: list) -> Path:
    path = tmp_path / "authorization-details.json"
    path.write_text(json.dumps({"UserDetailList": [], "RoleDetailList": [], **lists}, indent=2))
    return path


def managed(arn: str, doc: dict) -> dict:
    return {
        "Arn": arn,
        "DefaultVersionId": "v1",
        "PolicyVersionList": [{"Document": doc, "VersionId": "v1", "IsDefaultVersion": True}],
    }


def role(name: str, trust: dict, inline: list[dict] = ()) -> dict:
    return {
        "RoleName": name,
        "Arn": f"arn:aws:iam::{ACCOUNT}:role/{name}",
        "AssumeRolePolicyDocument": trust,
        "RolePolicyList": [
            {"PolicyName": f"p{i}", "PolicyDocument": d} for i, d in enumerate(inline)
        ],
    }


@pytest.mark.parametrize(
    ("arn", "limit", "hint"),
    [
        (f"arn:aws:iam::{ACCOUNT}:policy/big", 6_144, HINT),
        ("arn:aws:iam::aws:policy/Big", 262_144, AWS_MANAGED_HINT),
    ],
)
def test_a_managed_policy_at_its_limit_and_one_above(
    tmp_path: Path, arn: str, limit: int, hint: str
) -> None:
    """A customer managed policy: 6,144 characters (IAM quotas). AWS's own managed policies
    have no documented limit (69 of 1,523 are above 6,144) and are held to iamgraph's bound."""
    read("summary", dump(tmp_path, Policies=[managed(arn, document(limit))]))
    path = dump(tmp_path, Policies=[managed(arn, document(limit + 1))])
    allowance = (
        "AWS's limit of 6,144 characters for a customer managed policy"
        if limit == 6_144
        else "the 262,144 characters iamgraph allows a policy AWS manages"
    )
    assert refused("summary", path) == (
        f"iamgraph: {path}: $.Policies[0].PolicyVersionList[0].Document: managed policy {arn} "
        f"(v1) is {limit + 1:,} characters (whitespace not counted), above {allowance} {hint}"
    )


@pytest.mark.parametrize(("kind", "limit"), [("user", 2_048), ("role", 10_240), ("group", 5_120)])
def test_inline_policies_together_at_their_limit_and_one_above(
    tmp_path: Path, kind: str, limit: int
) -> None:
    """The sum of a principal's inline policies (IAM quotas: user 2,048, role 10,240, group
    5,120), each policy within the limit on its own."""
    name = kind.capitalize()
    arn = f"arn:aws:iam::{ACCOUNT}:{kind}/x"

    def principal(total: int) -> dict:
        first = 1_000
        item = {
            f"{name}Name": "x",
            "Arn": arn,
            f"{name}PolicyList": [
                {"PolicyName": "a", "PolicyDocument": document(first)},
                {"PolicyName": "b", "PolicyDocument": document(total - first)},
            ],
        }
        if kind == "role":
            item["AssumeRolePolicyDocument"] = document(200, principal=True)
        return item

    read("summary", dump(tmp_path, **{f"{name}DetailList": [principal(limit)]}))
    path = dump(tmp_path, **{f"{name}DetailList": [principal(limit + 1)]})
    assert refused("summary", path) == (
        f"iamgraph: {path}: $.{name}DetailList[0].{name}PolicyList: inline policies of {arn} "
        f"total {limit + 1:,} characters (whitespace not counted), above AWS's limit of "
        f"{limit:,} characters for a {kind}'s inline policies {HINT}"
    )


def test_one_inline_policy_above_the_limit_is_named_before_the_next_is_read(
    tmp_path: Path,
) -> None:
    path = dump(
        tmp_path, RoleDetailList=[role("x", document(300, principal=True), [document(10_241)])]
    )
    assert refused("summary", path) == (
        f"iamgraph: {path}: $.RoleDetailList[0].RolePolicyList[0].PolicyDocument: inline policy "
        f"p0 of arn:aws:iam::{ACCOUNT}:role/x is 10,241 characters (whitespace not counted), "
        f"above AWS's limit of 10,240 characters for a role's inline policies {HINT}"
    )


def test_a_trust_policy_at_4096_and_one_above(tmp_path: Path) -> None:
    """2,048 by default, raisable to 4,096 (IAM quotas): only what no account can hold."""
    read("summary", dump(tmp_path, RoleDetailList=[role("x", document(4_096, principal=True))]))
    path = dump(tmp_path, RoleDetailList=[role("x", document(4_097, principal=True))])
    assert refused("summary", path) == (
        f"iamgraph: {path}: $.RoleDetailList[0].AssumeRolePolicyDocument: the trust policy of "
        f"arn:aws:iam::{ACCOUNT}:role/x is 4,097 characters (whitespace not counted), above "
        f"AWS's limit of 4,096 characters for a role trust policy {HINT}"
    )


def test_whitespace_is_not_counted(tmp_path: Path) -> None:
    """IAM does not count white space: a pretty-printed policy with spaces inside a value too,
    2,048 characters without them, is a user's whole inline allowance; one more is not."""

    def spaced(size: int) -> dict:
        doc = document(200)
        doc["Statement"][0]["Condition"] = {"StringEquals": {"aws:PrincipalTag/team": "a b " * 300}}
        text = compact(doc)
        doc["Statement"][0]["Sid"] += "S" * (size - (len(text) - text.count(" ")))
        text = compact(doc)
        assert len(text) - text.count(" ") == size and text.count(" ") == 600
        return doc

    def user(size: int) -> Path:
        item = {
            "UserName": "x",
            "Arn": f"arn:aws:iam::{ACCOUNT}:user/x",
            "UserPolicyList": [{"PolicyName": "a", "PolicyDocument": spaced(size)}],
        }
        path = tmp_path / "pretty.json"
        path.write_text(json.dumps({"UserDetailList": [item]}, indent=8))
        return path

    read("summary", user(2_048))
    path = user(2_049)
    assert refused("summary", path) == (
        f"iamgraph: {path}: $.UserDetailList[0].UserPolicyList[0].PolicyDocument: inline policy "
        f"a of arn:aws:iam::{ACCOUNT}:user/x is 2,049 characters (whitespace not counted), above "
        f"AWS's limit of 2,048 characters for a user's inline policies {HINT}"
    )


def test_no_size_limit_reads_an_oversized_dump(tmp_path: Path) -> None:
    arn = f"arn:aws:iam::{ACCOUNT}:policy/big"
    path = dump(tmp_path, Policies=[managed(arn, document(50_000))])
    code, out, err = run("summary", path, "--no-size-limit", "-f", "json")
    assert code == 0, err
    assert json.loads(out)["policies"] == 1


# -- snapshot folders: SCPs and RCPs, bucket, key and topic policies -------------------------


@pytest.fixture
def snap(tmp_path: Path) -> Path:
    copy = tmp_path / "snap"
    shutil.copytree(DEMO, copy)
    return copy


def _content(snap: Path, pid: str, doc: dict) -> Path:
    file = snap / "organization" / "describe-policy" / f"{pid}.json"
    data = json.loads(file.read_text())
    data["Policy"]["Content"] = compact(doc)
    file.write_text(json.dumps(data, indent=4))
    return file


@pytest.mark.parametrize(("pid", "kind"), [("p-prodreg1", "SCP"), ("p-rcpidnt1", "RCP")])
def test_an_scp_or_rcp_at_5120_and_one_above(snap: Path, pid: str, kind: str) -> None:
    """Organizations quotas: 5,120 characters for an SCP and for an RCP."""
    principal = kind == "RCP"
    what = "service control policy" if kind == "SCP" else "resource control policy"
    listed = json.loads((snap / "organization" / "describe-policy" / f"{pid}.json").read_text())
    name = listed["Policy"]["PolicySummary"]["Name"]
    _content(snap, pid, document(5_120, principal=principal, effect="Deny"))
    read("summary", snap)
    file = _content(snap, pid, document(5_121, principal=principal, effect="Deny"))
    assert refused("summary", snap) == (
        f"iamgraph: {file}: $.Policy.Content: {kind} {name} ({pid}) is 5,121 characters "
        f"(whitespace not counted), above AWS's limit of 5,120 characters for a {what} {HINT}"
    )


def _bucket(snap: Path, size: int) -> Path:
    file = (
        snap
        / "accounts/222233334444/s3/acme-org-cloudtrail-logs-222233334444/get-bucket-policy.json"
    )
    file.write_text(json.dumps({"Policy": compact(document(size, principal=True))}))
    return file


def _key(snap: Path, size: int) -> Path:
    file = (
        snap / "accounts/222233334444/kms/6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f/get-key-policy.json"
    )
    file.write_text(
        json.dumps({"Policy": compact(document(size, principal=True)), "PolicyName": "default"})
    )
    return file


def _topic(snap: Path, size: int) -> Path:
    file = snap / "accounts/111122223333/sns/acme-org-trail-notifications/get-topic-attributes.json"
    data = json.loads(file.read_text())
    data["Attributes"]["Policy"] = compact(document(size, principal=True))
    file.write_text(json.dumps(data, indent=4))
    return file


@pytest.mark.parametrize(
    ("write", "limit", "path", "subject", "what"),
    [
        (
            _bucket,
            20_480,
            "$.Policy",
            "the bucket policy of acme-org-cloudtrail-logs-222233334444",
            "an S3 bucket policy",
        ),
        (
            _key,
            32_768,
            "$.Policy",
            "the key policy of 6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f",
            "a KMS key policy",
        ),
        (
            _topic,
            30_720,
            "$.Attributes.Policy",
            "the topic policy of arn:aws:sns:us-east-1:111122223333:acme-org-trail-notifications",
            "an SNS topic policy",
        ),
    ],
)
def test_a_bucket_key_or_topic_policy_at_its_limit_and_one_above(
    snap: Path, write, limit: int, path: str, subject: str, what: str
) -> None:
    """S3: 20 KB; KMS: 32,768 bytes; SNS: 30 KB. The file is optional: unreadable, it is left
    out with a warning (answers that need it unknown) as any other; `--strict` stops (exit 2)."""
    write(snap, limit)
    read("summary", snap, "--strict")
    file = write(snap, limit + 1)
    why = (
        f"{subject} is {limit + 1:,} characters (whitespace not counted), above AWS's limit of "
        f"{limit:,} bytes for {what} {HINT}"
    )
    assert refused("summary", snap, "--strict") == f"iamgraph: {file}: {path}: {why}"
    code, _, err = run("summary", snap)
    assert code == 0
    assert (
        f"iamgraph: warning: {file}: {path}: {why} (left out: what reads it is unknown; "
        "--strict stops)"
    ) in err.splitlines()


# -- a policy in a file of its own: the largest limit of its kind ----------------------------


@pytest.mark.parametrize(
    ("kind", "limit", "principal", "noun", "allowance"),
    [
        (
            "session",
            2_048,
            False,
            "session policy",
            "AWS's limit of 2,048 characters for a session policy",
        ),
        (
            "trust",
            4_096,
            True,
            "trust policy",
            "AWS's limit of 4,096 characters for a role trust policy",
        ),
        (
            "scp",
            5_120,
            False,
            "SCP",
            "AWS's limit of 5,120 characters for a service control policy",
        ),
        (
            "rcp",
            5_120,
            True,
            "RCP",
            "AWS's limit of 5,120 characters for a resource control policy",
        ),
        (
            "resource",
            32_768,
            True,
            "resource policy",
            "AWS's limit of 32,768 bytes for a resource policy, the largest being a KMS key policy",
        ),
        (
            "boundary",
            262_144,
            False,
            "permissions boundary",
            "the 262,144 characters iamgraph allows a permissions boundary",
        ),
        (
            "identity",
            262_144,
            False,
            "identity policy",
            "the 262,144 characters iamgraph allows an identity policy",
        ),
    ],
)
def test_a_policy_file_at_the_largest_limit_of_its_kind_and_one_above(
    tmp_path: Path, kind: str, limit: int, principal: bool, noun: str, allowance: str
) -> None:
    """Where the file will be attached is not known: an identity policy could be AWS's own
    (no documented limit), a resource policy a KMS key policy (32 KB, the largest listed)."""
    file = tmp_path / f"{kind}.json"
    effect = "Deny" if kind in ("scp", "rcp") else "Allow"
    file.write_text(compact(document(limit, principal=principal, effect=effect)))
    read("lint", "--strict", "--kind", kind, file)
    file.write_text(compact(document(limit + 1, principal=principal, effect=effect)))
    hint = AWS_MANAGED_HINT if kind in ("identity", "boundary") else HINT
    assert refused("lint", "--strict", "--kind", kind, file) == (
        f"iamgraph: {file}: $: the {noun} is {limit + 1:,} characters (whitespace not counted), "
        f"above {allowance} {hint}"
    )


def test_lint_reports_an_oversized_file_as_unreadable_and_lints_the_rest(tmp_path: Path) -> None:
    """lint's rule for any file it cannot read: one IAMG-L010 error, the other paths linted."""
    big, fine = tmp_path / "big.json", tmp_path / "fine.json"
    big.write_text(compact(document(2_049)))
    fine.write_text(compact(document(200)))
    code, out, _ = run("lint", "--kind", "session", big, fine, "-f", "json")
    assert code == 1
    (finding,) = json.loads(out)["findings"]
    assert finding["rule"] == "IAMG-L010"
    assert finding["message"] == (
        f"the session policy is 2,049 characters (whitespace not counted), above AWS's limit of "
        f"2,048 characters for a session policy {HINT}"
    )


def test_a_session_policy_for_simulate(tmp_path: Path) -> None:
    identity, session = tmp_path / "identity.json", tmp_path / "session.json"
    identity.write_text(compact(document(200)))
    args = (
        "simulate",
        "--identity-policy",
        identity,
        "--session-policy",
        session,
        "--caller-arn",
        f"arn:aws:iam::{ACCOUNT}:role/x",
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::b/k",
    )
    session.write_text(json.dumps(document(2_048), indent=2))
    read(*args)
    session.write_text(json.dumps(document(2_049), indent=2))
    assert refused(*args) == (
        f"iamgraph: {session}: $: the session policy is 2,049 characters (whitespace not "
        f"counted), above AWS's limit of 2,048 characters for a session policy {HINT}"
    )
    code, _, err = run(*args, "--no-size-limit")
    assert code == 0, err


def test_diff_policy_refuses_an_oversized_new_version(tmp_path: Path) -> None:
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(compact(document(200, principal=True)))
    new.write_text(compact(document(32_769, principal=True)))
    line = refused("diff-policy", old, new, "--type", "resource")
    assert line.startswith(f"iamgraph: {new}: $: the resource policy is 32,769 characters")
    code, _, err = run("diff-policy", old, new, "--type", "resource", "--no-size-limit")
    assert code in (0, 1), err


# -- the pre-check: a file too long to hold one document is refused before the parse ---------


def test_the_precheck_bound_is_eight_times_the_limit_and_64_kib(tmp_path: Path) -> None:
    """An SCP file of 106,496 non-whitespace characters (8 x 5,120 + 65,536) is parsed, then
    refused on its size; one more and it is refused from its text alone."""
    bound = 8 * 5_120 + 64 * 1024
    file = tmp_path / "scp.json"
    file.write_text(compact(document(bound, effect="Deny")))
    assert refused("lint", "--strict", "--kind", "scp", file).endswith(
        f"$: the SCP is {bound:,} characters (whitespace not counted), above AWS's limit of "
        f"5,120 characters for a service control policy {HINT}"
    )
    file.write_text(compact(document(bound + 1, effect="Deny")))
    assert refused("lint", "--strict", "--kind", "scp", file) == (
        f"iamgraph: {file}: $: the file is {bound + 1:,} characters (whitespace not counted), "
        f"more than the {bound:,} a file can need to hold a document within AWS's limit of "
        f"5,120 characters for a service control policy {HINT}"
    )


def test_a_50_mb_resource_list_is_refused_from_its_text(tmp_path: Path) -> None:
    """The issue's case: 1.7 million resources (100 s and 1 GB for lint before)."""
    resources = ",".join(['"arn:aws:s3:::bucket-1234567/*"'] * 1_700_000)
    text = (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject",'
        f'"Resource":[{resources}]}}]}}'
    )
    file = tmp_path / "big.json"
    file.write_text(text)
    assert len(text) > 50_000_000
    assert refused("lint", "--strict", file) == (
        f"iamgraph: {file}: $: the file is {len(text):,} characters (whitespace not counted), "
        "more than the 2,162,688 a file can need to hold a document within the 262,144 "
        f"characters iamgraph allows any policy {AWS_MANAGED_HINT}"
    )


# -- a Terraform plan -------------------------------------------------------------------------


def test_a_planned_managed_policy_above_the_limit(tmp_path: Path) -> None:
    plan = json.loads((REPO / "fixtures/plans/passrole-path.json").read_text())
    index = next(i for i, r in enumerate(plan["resource_changes"]) if r["type"] == "aws_iam_policy")
    plan["resource_changes"][index]["change"]["after"]["policy"] = compact(document(6_145))
    file = tmp_path / "plan.json"
    file.write_text(json.dumps(plan, indent=2))
    assert refused("diff", DEMO, "--plan", file) == (
        f"iamgraph: {file}: $.resource_changes[{index}].change.after.policy: managed policy "
        f"arn:aws:iam::{ACCOUNT}:policy/oncall-runbooks is 6,145 characters (whitespace not "
        f"counted), above AWS's limit of 6,144 characters for a customer managed policy {HINT}"
    )


# -- the measure ------------------------------------------------------------------------------


def test_the_measure_is_never_more_than_any_json_text_of_the_document() -> None:
    assert "".join(c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace()) == limits.SPACES
    doc = document(500)
    assert document_size(doc) == 500
    # whitespace anywhere, Unicode too, is not counted; a float is one character however written
    spaced = {"a": "x \u3000\u2028y", "n": [1e5, 0.5, -2.0, 10]}
    assert document_size(spaced) == len('{"a":"xy","n":[1,1,1,10]}')
    # escapes JSON requires are counted as written
    assert document_size({"q": 'say "hi"\n'}) == len('{"q":"say\\"hi\\"\\n"}')
    # nesting deeper than json.dumps goes is measured without recursion
    deep: list = []
    for _ in range(100_000):
        deep = [deep]
    assert document_size(deep) == 2 * 100_001


def test_the_pre_commit_hook_passes_the_flag_without_taking_a_file_for_its_value() -> None:
    from iamgraph.cli.hooks import _split

    assert _split(["--no-size-limit", "a.json", "--type", "scp", "b.json"]) == (
        ["--no-size-limit", "--type", "scp"],
        ["a.json", "b.json"],
    )
