"""One unreadable optional file degrades the answers that read it to `unknown`; `--strict` stops.

fixtures/degrade is a one-account snapshot where every answer below is decided. Each case copies
it, breaks one optional file the way a hand edit or a tool would, and checks: the snapshot loads,
the file is named once on stderr (file, JSON path, reason), the answer that reads it is `unknown`
with that reason, and `--strict` exits 2 with the same line as an input error.
"""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from iamgraph.cli.app import app
from iamgraph.load.authorization_details import load_authorization_details
from iamgraph.load.credential_report import load_credential_report

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "degrade"
ACCOUNT = "111122223333"
ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"
BUCKET = "acme-reports-111122223333"


def _csv_cut_off(text: str) -> str:
    """The download stopped inside alice's row."""
    return text[: text.index("alice,") + 60] + "\n"


def _length_as_string(text: str) -> str:
    return text.replace('"MinimumPasswordLength": 16', '"MinimumPasswordLength": "16"')


def _policy_cut_off(text: str) -> str:
    doc = json.loads(text)
    doc["Policy"] = doc["Policy"][:70]
    return json.dumps(doc, indent=4)


def _functions_object(text: str) -> str:
    doc = json.loads(text)
    doc["Functions"] = doc["Functions"][0]  # one function saved as an object, not a list
    return json.dumps(doc, indent=4)


# (id, file below the account folder, how it breaks, the command, the answer's exit code when
#  the file is readable, a phrase of the unknown answer, the reason in the warning)
CASES = [
    pytest.param(
        "iam/credential-report.csv",
        _csv_cut_off,
        ["audit", "--check", "IAM.MFA.CONSOLE_USER"],
        1,  # readable: alice has a console password and no MFA (a finding)
        "no readable credential report",
        "line 3: expected 22 fields, got",
        id="credential-report",
    ),
    pytest.param(
        "iam/get-account-password-policy.json",
        _length_as_string,
        ["audit", "--check", "IAM.PASSWORD.MISSING", "--check", "IAM.PASSWORD.LENGTH"],
        0,  # readable: a policy is set and 16 characters is long enough
        "no readable password policy file",
        "$.PasswordPolicy.MinimumPasswordLength: MinimumPasswordLength must be a number",
        id="password-policy",
    ),
    pytest.param(
        f"s3/{BUCKET}/get-bucket-policy.json",
        _policy_cut_off,
        [
            "simulate",
            "--principal",
            ALICE,
            "--action",
            "s3:GetObject",
            "--resource",
            f"arn:aws:s3:::{BUCKET}/q3.csv",
        ],
        0,  # readable: implicitDeny (alice has no Allow, the policy grants only a partner)
        f"bucket policy of arn:aws:s3:::{BUCKET}/q3.csv",
        "$.Policy: policy document is not valid JSON",
        id="bucket-policy",
    ),
    pytest.param(
        "lambda/list-functions.json",
        _functions_object,
        ["privesc"],
        0,  # readable: alice reaches nightly-export through its function (reachable)
        "lambda-functions inventory left out",
        "$.Functions: Functions must be a list, got an object",
        id="inventory",
    ),
]


def _snapshot(tmp_path: Path, rel: str, breaks) -> Path:
    snap = tmp_path / "snap"
    shutil.copytree(FIXTURE, snap)
    file = snap / "accounts" / ACCOUNT / rel
    file.write_text(breaks(file.read_text()))
    return snap


def _run(command: list[str], snap: Path, *extra: str):
    return CliRunner().invoke(app, [command[0], str(snap), *extra, *command[1:]])


@pytest.mark.parametrize(("rel", "breaks", "command", "readable", "answer", "reason"), CASES)
def test_one_corrupt_optional_file_degrades_to_unknown(
    tmp_path: Path, rel, breaks, command, readable, answer, reason
) -> None:
    assert _run(command, FIXTURE).exit_code == readable  # decided while the file is readable
    snap = _snapshot(tmp_path, rel, breaks)
    file = str(snap / "accounts" / ACCOUNT / rel)
    result = _run(command, snap)
    assert "Traceback" not in result.stderr
    assert result.exit_code == 3, result.output  # the answer that reads the file: unknown
    (line,) = result.stderr.splitlines()  # named once
    assert line.startswith(f"iamgraph: warning: {file}: "), line
    assert reason in line
    assert answer in result.stdout
    assert f"{file} unreadable: " in result.stdout and reason in result.stdout  # with the reason


@pytest.mark.parametrize(("rel", "breaks", "command", "readable", "answer", "reason"), CASES)
def test_strict_stops_at_the_corrupt_file(
    tmp_path: Path, rel, breaks, command, readable, answer, reason
) -> None:
    snap = _snapshot(tmp_path, rel, breaks)
    result = _run(command, snap, "--strict")
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"iamgraph: {snap / 'accounts' / ACCOUNT / rel}: ")
    assert reason in line


def test_authorization_details_stay_required(tmp_path: Path) -> None:
    snap = _snapshot(tmp_path, "iam/get-account-authorization-details.json", lambda t: t[:-40])
    result = _run(["summary"], snap)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"iamgraph: {snap}/accounts/{ACCOUNT}/iam/")


# -- what the tools people use write -----------------------------------------------------------


def test_credential_report_content_as_decoded_csv(tmp_path: Path) -> None:
    """cloudmapper keeps get-credential-report's JSON with `Content` already decoded."""
    csv_text = (FIXTURE / "accounts" / ACCOUNT / "iam" / "credential-report.csv").read_text()
    decoded, encoded = tmp_path / "decoded.json", tmp_path / "encoded.json"
    base = {"ReportFormat": "text/csv", "GeneratedTime": "2025-06-02T07:00:00Z"}
    decoded.write_text(json.dumps({**base, "Content": csv_text}))
    encoded.write_text(
        json.dumps({**base, "Content": base64.b64encode(csv_text.encode()).decode()})
    )
    a, b = load_credential_report(decoded, ACCOUNT), load_credential_report(encoded, ACCOUNT)
    assert a.rows == b.rows
    assert [r.user for r in a.rows if not r.is_root] == ["alice"]
    assert a.generated == b.generated


def test_credential_report_content_neither_base64_nor_csv(tmp_path: Path) -> None:
    bad = tmp_path / "report.json"
    bad.write_text(json.dumps({"Content": "not base64!", "ReportFormat": "text/csv"}))
    with pytest.raises(Exception, match=r"\$\.Content: Content is neither base64 nor CSV text"):
        load_credential_report(bad, ACCOUNT)


def test_managed_policy_without_name_or_id(tmp_path: Path) -> None:
    """moto and LocalStack leave PolicyName and PolicyId out of Policies[]: the ARN names it."""
    doc = json.loads(
        (
            FIXTURE / "accounts" / ACCOUNT / "iam" / "get-account-authorization-details.json"
        ).read_text()
    )
    entry = doc["Policies"][0]
    del entry["PolicyName"], entry["PolicyId"], entry["Path"]
    entry["Arn"] = "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"
    doc["RoleDetailList"][0]["AttachedManagedPolicies"][0]["PolicyArn"] = entry["Arn"]
    dump = tmp_path / "dump.json"
    dump.write_text(json.dumps(doc))
    (policy,) = load_authorization_details(dump).policies
    assert (policy.name, policy.path, policy.policy_id) == ("ViewOnlyAccess", "/job-function/", "")
    assert policy.document is not None
