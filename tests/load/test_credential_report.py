"""Credential report: CSV and CLI JSON forms, None values, line/column errors."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from iamgraph.errors import InputError
from iamgraph.load.credential_report import load_credential_report

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "loaders" / "credentials"
CSV = FIXTURES / "credential-report.csv"
JSON = FIXTURES / "get-credential-report.json"
ACCOUNT = "111122223333"
HEADER = (
    "user,arn,password_enabled,mfa_active,access_key_1_active,access_key_1_last_rotated,"
    "access_key_2_active,access_key_2_last_rotated"
)


def test_csv_rows_and_root() -> None:
    report = load_credential_report(CSV, ACCOUNT, "credential-report.csv")
    assert report.account == ACCOUNT
    assert report.file == "credential-report.csv"
    assert report.generated is None
    assert [r.user for r in report.rows] == ["<root_account>", "alice", "bob", "ci-deploy"]
    assert [r.line for r in report.rows] == [2, 3, 4, 5]
    root = report.root
    assert root is not None and root.is_root
    assert root.mfa_active is True
    assert root.password_enabled is None  # not_supported
    assert root.password_last_changed is None
    assert root.password_last_used == datetime(2024, 5, 20, 8, 14, 2, tzinfo=UTC)
    assert not root.access_keys[0].active and root.access_keys[0].last_rotated is None


def test_csv_user_values() -> None:
    rows = {r.user: r for r in load_credential_report(CSV, ACCOUNT).rows}
    bob = rows["bob"]
    assert bob.arn == "arn:aws:iam::111122223333:user/ops/bob"
    assert bob.password_enabled is True and bob.mfa_active is False
    assert bob.password_last_used is None  # no_information
    assert bob.access_keys[0].last_rotated == datetime(2020, 7, 20, 14, 25, tzinfo=UTC)
    assert bob.access_keys[0].last_used_region == "eu-west-1"
    assert bob.access_keys[1].active is True and bob.access_keys[1].last_used is None
    ci = rows["ci-deploy"]
    assert ci.password_enabled is False
    assert ci.access_keys[0].last_used_service == "cloudformation"
    assert ci.certs_active == (False, False)


def test_cli_json_form_gives_the_same_rows() -> None:
    from_csv = load_credential_report(CSV, ACCOUNT)
    from_json = load_credential_report(JSON, ACCOUNT)
    assert from_json.rows == from_csv.rows
    assert from_json.generated == datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def test_json_detected_by_content_not_name(tmp_path: Path) -> None:
    path = tmp_path / "report.txt"
    path.write_text(JSON.read_text())
    assert len(load_credential_report(path, ACCOUNT).rows) == 4


def test_minimal_header_without_optional_columns(tmp_path: Path) -> None:
    path = tmp_path / "report.csv"
    path.write_text(
        f"{HEADER}\nalice,arn:aws:iam::111122223333:user/alice,true,true,false,N/A,false,N/A\n"
    )
    (row,) = load_credential_report(path, ACCOUNT).rows
    assert row.created is None and row.certs_active == (False, False)
    assert row.access_keys[0].last_used_region is None


def test_missing_column_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "report.csv"
    path.write_text("user,arn,password_enabled\n<root_account>,arn:aws:iam::1:root,not_supported\n")
    with pytest.raises(InputError) as info:
        load_credential_report(path, ACCOUNT, "report.csv")
    assert str(info.value) == (
        "report.csv: line 1: credential report lacks column(s) mfa_active, access_key_1_active, "
        "access_key_1_last_rotated, access_key_2_active, access_key_2_last_rotated"
    )


def test_bad_boolean_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "report.csv"
    lines = CSV.read_text().splitlines()
    lines[3] = lines[3].replace(",false,true,2020-07-20T14:25", ",yes,true,2020-07-20T14:25")
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError) as info:
        load_credential_report(path, ACCOUNT, "report.csv")
    assert (
        str(info.value) == "report.csv: line 4 column mfa_active: expected true or false, got 'yes'"
    )
    assert info.value.path == "line 4 column mfa_active"


def test_error_inside_json_content_is_prefixed(tmp_path: Path) -> None:
    text = f"{HEADER}\nalice,arn:aws:iam::111122223333:user/alice,maybe,true,false,N/A,false,N/A\n"
    content = base64.b64encode(text.encode()).decode()
    path = tmp_path / "report.json"
    path.write_text(json.dumps({"Content": content, "ReportFormat": "text/csv"}))
    with pytest.raises(InputError) as info:
        load_credential_report(path, ACCOUNT, "report.json")
    assert str(info.value) == (
        "report.json: $.Content line 2 column password_enabled: expected true or false, got 'maybe'"
    )


def test_content_that_is_not_base64(tmp_path: Path) -> None:
    """`Content` without a comma is base64 or nothing (CSV text always has commas)."""
    path = tmp_path / "report.json"
    path.write_text(json.dumps({"Content": "%%% not base64 %%%", "ReportFormat": "text/csv"}))
    with pytest.raises(InputError) as info:
        load_credential_report(path, ACCOUNT, "report.json")
    assert str(info.value) == "report.json: $.Content: Content is neither base64 nor CSV text"


def test_content_as_csv_text_is_read_as_csv(tmp_path: Path) -> None:
    """cloudmapper stores the report decoded: its CSV is checked like any other."""
    path = tmp_path / "report.json"
    path.write_text(json.dumps({"Content": "user,arn,mfa_active", "ReportFormat": "text/csv"}))
    with pytest.raises(InputError) as info:
        load_credential_report(path, ACCOUNT, "report.json")
    assert str(info.value).startswith(
        "report.json: $.Content line 1: credential report lacks column(s) password_enabled"
    )


def test_bad_arn_and_short_row(tmp_path: Path) -> None:
    path = tmp_path / "report.csv"
    path.write_text(f"{HEADER}\nalice,not-an-arn,true,true,false,N/A,false,N/A\n")
    with pytest.raises(InputError) as info:
        load_credential_report(path, ACCOUNT, "report.csv")
    assert str(info.value).startswith("report.csv: line 2 column arn: not an ARN")
    path.write_text(f"{HEADER}\nalice,arn:aws:iam::111122223333:user/alice,true\n")
    with pytest.raises(InputError) as info:
        load_credential_report(path, ACCOUNT, "report.csv")
    assert str(info.value) == "report.csv: line 2: expected 8 fields, got 3"


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        load_credential_report(tmp_path / "nope.csv", ACCOUNT, "nope.csv")
    assert str(info.value) == "nope.csv: $: file not found"
