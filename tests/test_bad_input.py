"""Bad input gives one line `iamgraph: <file>: <json-path>: <message>` on stderr and exit 2.

Every case in `CASES` is a file or snapshot folder under fixtures/bad (see its README.md), or a
folder made in tmp_path (`{tmp}`) for what git cannot hold: an empty folder, a missing path.
Paths are given relative to the repository root, which is the working directory.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from iamgraph.cli.app import app

ROOT = Path(__file__).resolve().parents[1]
BAD = ROOT / "fixtures" / "bad"
B = "fixtures/bad"
# The shape every message has, checked apart from the exact text.
ONE_LINE = re.compile(r"^iamgraph: \S.*: (\$|line \d+)\S*: \S.*$")


def snapshot_case(case_id: str, args: list[str], expected: str):
    return pytest.param(args, expected, id=case_id)


CASES = [
    # -- single files: JSON syntax and encoding --
    pytest.param(
        ["summary", f"{B}/truncated.json"],
        f"iamgraph: {B}/truncated.json: $: invalid JSON at line 8 column 27: unterminated string",
        id="truncated",
    ),
    pytest.param(
        ["summary", f"{B}/trailing-comma.json"],
        f"iamgraph: {B}/trailing-comma.json: $: invalid JSON at line 12 column 9: "
        "expected a property name in double quotes",
        id="trailing-comma",
    ),
    pytest.param(
        ["summary", f"{B}/not-utf8.json"],
        f"iamgraph: {B}/not-utf8.json: $: not UTF-8 text (byte 89)",
        id="not-utf8",
    ),
    pytest.param(
        ["summary", f"{B}/empty.json"],
        f"iamgraph: {B}/empty.json: $: empty file, expected JSON",
        id="empty-file",
    ),
    # -- get-account-authorization-details: shape, required fields, ARNs --
    pytest.param(
        ["summary", f"{B}/top-level-list.json"],
        f"iamgraph: {B}/top-level-list.json: $: expected an object, got a list",
        id="top-level-list",
    ),
    pytest.param(
        ["summary", f"{B}/user-detail-list-object.json"],
        f"iamgraph: {B}/user-detail-list-object.json: $.UserDetailList: "
        "UserDetailList must be a list, got an object",
        id="user-detail-list-object",
    ),
    pytest.param(
        ["summary", f"{B}/user-missing-username.json"],
        f"iamgraph: {B}/user-missing-username.json: $.UserDetailList[0]: "
        "missing required field 'UserName'",
        id="user-missing-username",
    ),
    pytest.param(
        ["summary", f"{B}/user-arn-not-arn.json"],
        f"iamgraph: {B}/user-arn-not-arn.json: $.UserDetailList[0].Arn: not an ARN "
        "(expected arn:partition:service:region:account:resource): 'user/alice'",
        id="user-arn-not-arn",
    ),
    pytest.param(
        ["summary", f"{B}/arn-account-11-digits.json"],
        f"iamgraph: {B}/arn-account-11-digits.json: $.UserDetailList[0].Arn: account must be "
        "12 digits, got '11112222333' in 'arn:aws:iam::11112222333:user/alice'",
        id="arn-account-11-digits",
    ),
    pytest.param(
        ["summary", f"{B}/role-arn-is-user-arn.json"],
        f"iamgraph: {B}/role-arn-is-user-arn.json: $.RoleDetailList[0].Arn: expected an IAM "
        "role ARN, got 'arn:aws:iam::111122223333:user/app-server'",
        id="role-arn-is-user-arn",
    ),
    pytest.param(
        ["summary", f"{B}/managed-policy-two-defaults.json"],
        f"iamgraph: {B}/managed-policy-two-defaults.json: $.Policies[0].PolicyVersionList[1]: "
        "two versions are marked IsDefaultVersion",
        id="managed-policy-two-defaults",
    ),
    # -- policy documents inside a dump --
    pytest.param(
        ["summary", f"{B}/trust-policy-number.json"],
        f"iamgraph: {B}/trust-policy-number.json: $.RoleDetailList[0].AssumeRolePolicyDocument: "
        "policy document must be an object or a string, got a number",
        id="trust-policy-number",
    ),
    pytest.param(
        ["summary", f"{B}/policy-document-not-json.json"],
        f"iamgraph: {B}/policy-document-not-json.json: "
        "$.UserDetailList[0].UserPolicyList[0].PolicyDocument: "
        "policy document is not valid JSON (Expecting value at char 0)",
        id="policy-document-not-json",
    ),
    pytest.param(
        ["summary", f"{B}/policy-document-urlencoded-list.json"],
        f"iamgraph: {B}/policy-document-urlencoded-list.json: "
        "$.RoleDetailList[0].AssumeRolePolicyDocument: "
        "policy document must be a JSON object, got a list",
        id="policy-document-urlencoded-list",
    ),
    pytest.param(
        ["summary", f"{B}/statement-missing-effect.json"],
        f"iamgraph: {B}/statement-missing-effect.json: "
        "$.UserDetailList[0].UserPolicyList[0].PolicyDocument.Statement[0]: "
        "missing required element 'Effect'",
        id="statement-missing-effect",
    ),
    pytest.param(
        ["summary", f"{B}/effect-lowercase.json"],
        f"iamgraph: {B}/effect-lowercase.json: "
        "$.UserDetailList[0].UserPolicyList[0].PolicyDocument.Statement[0].Effect: "
        "Effect must be 'Allow' or 'Deny', got 'allow'",
        id="effect-lowercase",
    ),
    pytest.param(
        ["summary", f"{B}/action-and-notaction.json"],
        f"iamgraph: {B}/action-and-notaction.json: "
        "$.UserDetailList[0].UserPolicyList[0].PolicyDocument.Statement[0]: "
        "a statement may have Action or NotAction, not both",
        id="action-and-notaction",
    ),
    pytest.param(
        ["summary", f"{B}/identity-no-resource.json"],
        f"iamgraph: {B}/identity-no-resource.json: "
        "$.UserDetailList[0].UserPolicyList[0].PolicyDocument.Statement[0]: "
        "missing required element 'Resource' (or 'NotResource')",
        id="identity-no-resource",
    ),
    pytest.param(
        ["summary", f"{B}/principal-in-identity-policy.json"],
        f"iamgraph: {B}/principal-in-identity-policy.json: "
        "$.UserDetailList[0].UserPolicyList[0].PolicyDocument.Statement[0].Principal: "
        "Principal is not allowed in an identity policy",
        id="principal-in-identity-policy",
    ),
    pytest.param(
        ["summary", f"{B}/condition-stringequalz.json"],
        f"iamgraph: {B}/condition-stringequalz.json: "
        "$.UserDetailList[0].UserPolicyList[0].PolicyDocument.Statement[0].Condition"
        ".StringEqualz: unknown condition operator 'StringEqualz'",
        id="condition-stringequalz",
    ),
    pytest.param(
        ["summary", f"{B}/condition-forallvalues-null.json"],
        f"iamgraph: {B}/condition-forallvalues-null.json: "
        "$.UserDetailList[0].UserPolicyList[0].PolicyDocument.Statement[0].Condition"
        "['ForAllValues:Null']: 'ForAllValues:Null': Null cannot take ForAllValues or ForAnyValue",
        id="condition-forallvalues-null",
    ),
    pytest.param(
        ["summary", f"{B}/condition-value-object.json"],
        f"iamgraph: {B}/condition-value-object.json: "
        "$.UserDetailList[0].UserPolicyList[0].PolicyDocument.Statement[0].Condition"
        ".StringEquals['aws:PrincipalTag/team']: "
        "condition value must be a string, number or boolean, got an object",
        id="condition-value-object",
    ),
    # -- snapshot folders --
    snapshot_case(
        "snapshot-bad-account-dir",
        ["summary", f"{B}/snapshot-bad-account-dir"],
        f"iamgraph: {B}/snapshot-bad-account-dir/accounts/prod: $: "
        "account folder name must be a 12-digit account id",
    ),
    snapshot_case(
        "snapshot-org-missing-id",
        ["summary", f"{B}/snapshot-org-missing-id"],
        f"iamgraph: {B}/snapshot-org-missing-id/organization/describe-organization.json: "
        "$.Organization: missing required field 'Id'",
    ),
    snapshot_case(
        "snapshot-scp-content-not-json",
        ["summary", f"{B}/snapshot-scp-content-not-json"],
        f"iamgraph: {B}/snapshot-scp-content-not-json/organization/describe-policy/"
        "p-deny0001.json: $.Policy.Content: "
        "policy document is not valid JSON (Expecting ',' delimiter at char 154)",
    ),
    snapshot_case(
        "snapshot-summary-string-value",
        ["summary", "--strict", f"{B}/snapshot-summary-string-value"],
        f"iamgraph: {B}/snapshot-summary-string-value/accounts/111122223333/iam/"
        "get-account-summary.json: $.SummaryMap.AccountMFAEnabled: "
        "AccountMFAEnabled must be a number, got a string",
    ),
    snapshot_case(
        "snapshot-credential-report-no-mfa",
        ["summary", "--strict", f"{B}/snapshot-credential-report-no-mfa"],
        f"iamgraph: {B}/snapshot-credential-report-no-mfa/accounts/111122223333/iam/"
        "credential-report.csv: line 1: credential report lacks column(s) mfa_active",
    ),
    snapshot_case(
        "snapshot-trail-islogging-yes",
        ["summary", "--strict", f"{B}/snapshot-trail-islogging-yes"],
        f"iamgraph: {B}/snapshot-trail-islogging-yes/accounts/111122223333/cloudtrail/"
        "get-trail-status/main-trail.json: $.IsLogging: IsLogging must be a boolean, got a string",
    ),
    snapshot_case(
        "snapshot-lambda-role-not-arn",
        ["summary", "--strict", f"{B}/snapshot-lambda-role-not-arn"],
        f"iamgraph: {B}/snapshot-lambda-role-not-arn/accounts/111122223333/lambda/"
        "list-functions.json: $.Functions[0].Role: not an ARN "
        "(expected arn:partition:service:region:account:resource): 'nightly-export-role'",
    ),
    snapshot_case(
        "snapshot-instances-not-list",
        ["summary", "--strict", f"{B}/snapshot-instances-not-list"],
        f"iamgraph: {B}/snapshot-instances-not-list/accounts/111122223333/ec2/"
        "describe-instances.json: $.Reservations: Reservations must be a list, got an object",
    ),
    snapshot_case(
        "snapshot-ssm-node-id-number",
        ["summary", "--strict", f"{B}/snapshot-ssm-node-id-number"],
        f"iamgraph: {B}/snapshot-ssm-node-id-number/accounts/111122223333/ssm/"
        "describe-instance-information/eu-west-1.json: $.InstanceInformationList[0].InstanceId: "
        "InstanceId must be a string, got a number",
    ),
    pytest.param(
        ["summary", "{tmp}/empty-snapshot"],
        "iamgraph: {tmp}/empty-snapshot: $: not a snapshot: no organization/ or accounts/ "
        "folder inside",
        id="summary-empty-folder",
    ),
    pytest.param(
        ["summary", "{tmp}/no-such-snapshot"],
        "iamgraph: {tmp}/no-such-snapshot: $: snapshot not found",
        id="summary-missing-path",
    ),
    # -- lint --strict: a file that cannot be read is an input error (without --strict: one
    # IAMG-L010 finding, test_lint_without_strict_reports_one_finding_and_goes_on) --
    pytest.param(
        ["lint", "--strict", f"{B}/policy-truncated.json"],
        f"iamgraph: {B}/policy-truncated.json: $: invalid JSON at line 8 column 1: "
        "expected ',' or '}' in an object",
        id="lint-policy-truncated",
    ),
    pytest.param(
        ["lint", "--strict", f"{B}/empty.json"],
        f"iamgraph: {B}/empty.json: $: empty file, expected JSON",
        id="lint-empty-file",
    ),
    pytest.param(
        ["lint", "--strict", f"{B}/not-utf8.json"],
        f"iamgraph: {B}/not-utf8.json: $: not UTF-8 text (byte 89)",
        id="lint-not-utf8",
    ),
    pytest.param(
        ["lint", "--strict", f"{B}/trailing-comma.json"],
        f"iamgraph: {B}/trailing-comma.json: $: invalid JSON at line 12 column 9: "
        "expected a property name in double quotes",
        id="lint-trailing-comma",
    ),
    pytest.param(
        ["lint", "--strict", f"{B}/top-level-list.json"],
        f"iamgraph: {B}/top-level-list.json: $: expected an object, got a list",
        id="lint-top-level-list",
    ),
    pytest.param(
        ["lint", "--strict", f"{B}/user-missing-username.json"],
        f"iamgraph: {B}/user-missing-username.json: $.UserDetailList[0]: "
        "missing required field 'UserName'",
        id="lint-user-missing-username",
    ),
    pytest.param(
        ["lint", "{tmp}/empty-snapshot"],
        "iamgraph: {tmp}/empty-snapshot: $: not a snapshot: no organization/ or accounts/ "
        "folder inside",
        id="lint-empty-folder",
    ),
    pytest.param(
        ["lint", "--strict", "{tmp}/no-such-policy.json"],
        "iamgraph: {tmp}/no-such-policy.json: $: file not found",
        id="lint-missing-path",
    ),
]


@pytest.fixture
def repo(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Run from the repository root; `{tmp}` holds an empty folder and nothing else."""
    monkeypatch.chdir(ROOT)
    (tmp_path / "empty-snapshot").mkdir()
    return tmp_path


def run(args: list[str], tmp: Path):
    argv = [a.replace("{tmp}", str(tmp)) for a in args]
    return CliRunner().invoke(app, argv)


def check_contract(result) -> list[str]:
    """Exit 2, nothing on stdout, one line on stderr, no traceback; returns stderr's lines."""
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert "Traceback" not in result.stderr
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert result.stderr.endswith("\n")
    return lines


@pytest.mark.parametrize(("args", "expected"), CASES)
def test_bad_input_gives_one_line_and_exit_2(args: list[str], expected: str, repo: Path) -> None:
    result = run(args, repo)
    lines = check_contract(result)
    assert lines[0] == expected.replace("{tmp}", str(repo))


def _args(case) -> list[str]:
    return case.values[0]


@pytest.mark.parametrize("args", [_args(c) for c in CASES], ids=[c.id for c in CASES])
def test_every_case_keeps_the_input_error_rule(args: list[str], repo: Path) -> None:
    """The contract, apart from the exact wording: one well-formed line, exit 2."""
    result = run(args, repo)
    (line,) = check_contract(result)
    assert ONE_LINE.match(line), line


def _tree(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_bad_inputs_are_left_unchanged(repo: Path) -> None:
    before = _tree(BAD)
    tmp_before = sorted(str(p) for p in repo.rglob("*"))
    for case in CASES:
        run(_args(case), repo)
    assert _tree(BAD) == before
    assert sorted(str(p) for p in repo.rglob("*")) == tmp_before
    assert not (repo / "no-such-snapshot").exists()
    assert not (repo / "no-such-policy.json").exists()


def test_the_table_covers_every_fixture() -> None:
    """Every file and snapshot folder in fixtures/bad is used by some case."""
    used = {Path(a).parts[2] for c in CASES for a in _args(c)[1:] if a.startswith(B)}
    present = {p.name for p in BAD.iterdir() if p.name != "README.md"}
    assert present == used


# An optional file that cannot be read is left out with one warning (default), or stops the run
# with exit 2 (`--strict`, the cases above): the same fixtures, now without --strict.
DEGRADED = [
    ("snapshot-summary-string-value", "iam/get-account-summary.json"),
    ("snapshot-credential-report-no-mfa", "iam/credential-report.csv"),
    ("snapshot-trail-islogging-yes", "cloudtrail/get-trail-status/main-trail.json"),
    ("snapshot-lambda-role-not-arn", "lambda/list-functions.json"),
    ("snapshot-instances-not-list", "ec2/describe-instances.json"),
    ("snapshot-ssm-node-id-number", "ssm/describe-instance-information/eu-west-1.json"),
]


@pytest.mark.parametrize(("name", "rel"), DEGRADED, ids=[d[0] for d in DEGRADED])
def test_unreadable_optional_file_is_left_out_with_one_warning(
    name: str, rel: str, repo: Path
) -> None:
    strict = next(c for c in CASES if c.id == name)
    result = run(["summary", f"{B}/{name}"], repo)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.splitlines()
    file = f"{B}/{name}/accounts/111122223333/{rel}"
    # the same file, JSON path and reason as --strict, named once, as a warning
    assert line.startswith("iamgraph: warning: " + strict.values[1][len("iamgraph: ") :]), line
    assert file in line
    assert f"{file} unreadable" in result.stdout  # the summary lists it among what is lacking


# Without --strict, lint reports the file it cannot read as one IAMG-L010 error finding (the same
# file, JSON path and reason as the --strict line) and goes on: exit 1, nothing on stderr. A folder
# is a snapshot whose loader decides what it requires: lint-empty-folder stays exit 2 without it.
LINT_FILES = [c for c in CASES if c.id.startswith("lint-") and "--strict" in _args(c)]


@pytest.mark.parametrize(
    ("args", "expected"), [c.values for c in LINT_FILES], ids=[c.id for c in LINT_FILES]
)
def test_lint_without_strict_reports_one_finding_and_goes_on(
    args: list[str], expected: str, repo: Path
) -> None:
    args = [a for a in args if a != "--strict"]
    result = run([*args, "fixtures/policies/home-folder-2008.json"], repo)  # after it: linted
    assert result.exit_code == 1, result.output
    assert result.stderr == ""
    file, path, message = expected.replace("{tmp}", str(repo))[len("iamgraph: ") :].split(": ", 2)
    finding, other, totals = result.stdout.splitlines()
    assert re.fullmatch(
        rf"{re.escape(file)}(:\d+:\d+)?: error IAMG-L010: {re.escape(message)} \[{re.escape(path)}\]",
        finding,
    ), finding
    assert other.startswith("fixtures/policies/home-folder-2008.json:4:")
    assert "warning IAMG-L007" in other
    assert totals == "1 errors, 1 warnings"
