"""Issue 16 item 7: whether the password policy was collected is snapshot.json's to say (the
collector records AWS's NoSuchEntity answer as a fact), not guessed from which other iam/ files
are present. A credential report added to a dump must not turn "not collected" into a finding."""

import json
import shutil

from iamgraph.audit.run import audit_snapshot
from tests.conftest import FIXTURES

SOURCE = FIXTURES / "audit" / "iam" / "accounts" / "271828182845"
NO_POLICY = {
    "service": "iam",
    "operation": "GetAccountPasswordPolicy",
    "account": "271828182845",
    "region": "us-east-1",
    "code": "NoSuchEntity",
}


def _snapshot(tmp_path, facts=None):
    """The dump and the credential report of one account, no password policy file."""
    iam = tmp_path / "accounts" / "271828182845" / "iam"
    iam.mkdir(parents=True)
    for name in ("get-account-authorization-details.json", "credential-report.csv"):
        shutil.copy(SOURCE / "iam" / name, iam / name)
    if facts is not None:
        meta = {"collected_at": "2026-06-30T12:00:00Z", "tool": "iamgraph 0.1.0", "facts": facts}
        (tmp_path / "snapshot.json").write_text(json.dumps(meta, indent=4))
    return tmp_path


def _password(tmp_path):
    audited = audit_snapshot(
        tmp_path, ["IAM.PASSWORD.MISSING", "IAM.PASSWORD.LENGTH"], timeout_ms=60_000
    )
    return {(f.rule.id, f.unknown) for f in audited.found}


def test_no_snapshot_json_means_not_collected(tmp_path):
    assert _password(_snapshot(tmp_path)) == {
        ("IAM.PASSWORD.MISSING", True),
        ("IAM.PASSWORD.LENGTH", True),
    }


def test_a_failed_call_means_not_collected(tmp_path):
    denied = {**NO_POLICY, "code": "AccessDenied"}  # a failure, not a fact
    assert _password(_snapshot(tmp_path, facts=[denied])) == {
        ("IAM.PASSWORD.MISSING", True),
        ("IAM.PASSWORD.LENGTH", True),
    }


def test_no_such_entity_means_not_set(tmp_path):
    assert _password(_snapshot(tmp_path, facts=[NO_POLICY])) == {("IAM.PASSWORD.MISSING", False)}


def test_another_accounts_answer_says_nothing_here(tmp_path):
    other = {**NO_POLICY, "account": "141421356237"}
    assert ("IAM.PASSWORD.MISSING", True) in _password(_snapshot(tmp_path, facts=[other]))


def test_the_text_report_groups_the_unknowns_of_one_missing_file(tmp_path):
    from iamgraph.render.audit import audit_text
    from iamgraph.render.text import unwrapped

    audited = audit_snapshot(_snapshot(tmp_path), timeout_ms=60_000)
    lines = unwrapped(audit_text("UNKNOWN", list(audited.report.items), 47, audited.context.as_of))
    need = "accounts/271828182845/iam/get-account-password-policy.json"
    i = lines.index(f"unknown   8 checks need {need}, which the snapshot lacks:")
    assert lines[i + 1].split(", ")[:2] == ["          IAM.PASSWORD.LENGTH", "IAM.PASSWORD.MISSING"]
    assert not any("IAM.PASSWORD.EXPIRY  271828182845" in line for line in lines)
