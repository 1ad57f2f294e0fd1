"""Issue 16 item 7: `lint` leaves findings in AWS managed policies (which the user cannot
change) out of the findings and the exit code by default, counts them in one line, and shows
them with `--include-aws-managed`."""

import json

import pytest
from typer.testing import CliRunner

from iamgraph.cli.app import app
from iamgraph.premerge.lint import lint_run
from tests.conftest import FIXTURES, REPO

DUMP = FIXTURES / "loaders" / "aws-managed" / "get-account-authorization-details.json"
EXCERPT = FIXTURES / "loaders" / "cloudsplaining" / "example-excerpt.json"
runner = CliRunner()


@pytest.fixture(autouse=True)
def at_repo_root(monkeypatch):
    monkeypatch.chdir(REPO)


def test_only_the_customer_policy_finding_is_shown():
    linted = lint_run([DUMP])
    assert [(f.rule.id, f.subject) for f in linted.findings] == [
        ("IAMG-L003", "arn:aws:iam::444455556666:policy/audit-exports")
    ]
    assert linted.aws_managed_hidden == 6


def test_include_shows_the_aws_managed_ones():
    linted = lint_run([DUMP], include_aws_managed=True)
    assert linted.aws_managed_hidden == 0
    assert sorted({f.subject for f in linted.findings}) == [
        "arn:aws:iam::444455556666:policy/audit-exports",
        "arn:aws:iam::aws:policy/SecurityAudit",
        "arn:aws:iam::aws:policy/aws-service-role/AWSSupportServiceRolePolicy",
    ]


def test_cli_counts_them_in_one_line_and_they_do_not_fail_the_run(tmp_path):
    only_aws = json.loads(DUMP.read_text())
    only_aws["Policies"] = only_aws["Policies"][1:]  # the customer policy's mistake left out
    path = tmp_path / "dump.json"
    path.write_text(json.dumps(only_aws, indent=4))
    result = runner.invoke(app, ["lint", str(path)])
    assert result.exit_code == 0, result.stdout
    assert result.stdout.splitlines() == [
        "6 findings in AWS managed policies not shown; --include-aws-managed shows them",
        "0 errors, 0 warnings",
    ]
    shown = runner.invoke(app, ["lint", "--include-aws-managed", str(path)])
    assert shown.exit_code == 1
    assert shown.stdout.splitlines()[-1] == "6 errors, 0 warnings"


def test_json_says_how_many_were_left_out():
    result = runner.invoke(app, ["lint", "-f", "json", str(DUMP.relative_to(REPO))])
    doc = json.loads(result.stdout)
    assert doc["aws_managed_not_shown"] == 6
    assert len(doc["findings"]) == 1
    assert result.exit_code == 1


def test_the_cloudsplaining_excerpt_has_nothing_hidden():
    assert lint_run([EXCERPT]).aws_managed_hidden == 0
