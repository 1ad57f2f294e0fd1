"""Issue 16 item 6: input that contradicts itself is loaded with a warning, never in silence,
and an ARN account that is not a 12-digit id invents no account and no root user (E18)."""

import pytest
from typer.testing import CliRunner

from iamgraph.audit.run import audit_snapshot
from iamgraph.cli.app import app
from iamgraph.load.snapshot import load_snapshot
from iamgraph.premerge.lint import lint_paths
from tests.conftest import FIXTURES, REPO

HERE = FIXTURES / "loaders" / "contradictions"
WRONG = HERE / "wrong-folder"
NOT_ACCOUNT = HERE / "not-an-account.json"


def test_a_folder_holding_another_accounts_dump_is_named_once():
    snap = load_snapshot(WRONG)
    [w] = snap.warnings
    assert "folder of account 111111111111 names account 012345678901 in 2 ARNs" in w.message
    assert w.source.file.endswith(
        "accounts/111111111111/iam/get-account-authorization-details.json"
    )
    assert (w.source.line, w.source.json_path) == (3, "$.UserDetailList[0]")


def test_an_arn_account_that_is_not_an_id_has_no_root_user():
    snap = load_snapshot(NOT_ACCOUNT)
    assert snap.account_ids() == ("444455556666",)
    assert "arn:aws:iam::aws:root" not in snap.principals
    assert "arn:aws:iam::444455556666:root" in snap.principals
    [w] = snap.warnings  # the AWS managed policy arn:aws:iam::aws:policy/SecurityAudit is normal
    assert w.message.startswith("arn:aws:iam::aws:user/X names account 'aws'")
    assert w.source.line == 19


def test_the_audit_reports_no_account_aws():
    audited = audit_snapshot(NOT_ACCOUNT, timeout_ms=60_000)
    subjects = {f.subject for f in audited.found}
    assert "arn:aws:iam::aws:root" not in subjects
    assert "aws" not in subjects  # CLOUDTRAIL.NO_TRAIL for an account `aws` before
    assert "arn:aws:iam::aws:user/X" in subjects  # the entity itself is still audited


@pytest.mark.parametrize(
    "dump",
    [
        FIXTURES / "loaders" / "cloudsplaining" / "example-excerpt.json",  # two accounts, merged
        FIXTURES / "demo-org",
    ],
)
def test_consistent_input_warns_nothing(dump):
    assert load_snapshot(dump).warnings == ()


def test_lint_reports_each_contradiction_as_a_finding():
    findings = lint_paths([WRONG, NOT_ACCOUNT])
    assert [(f.rule.id, f.locations[0].line) for f in findings] == [
        ("IAMG-L009", 19),
        ("IAMG-L009", 3),
    ]


def test_commands_print_the_warning_once_on_stderr(monkeypatch):
    monkeypatch.chdir(REPO)
    result = CliRunner().invoke(app, ["summary", str(WRONG.relative_to(REPO)), "-q"])
    assert result.exit_code == 0, result.stderr
    assert result.stderr.count("iamgraph: warning: ") == 1
    assert "names account 012345678901" in result.stderr
    assert "warning" not in result.stdout
