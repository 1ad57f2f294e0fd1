"""Account summary loader (FORMATS 1.4)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from iamgraph.errors import InputError
from iamgraph.load.account_summary import load_account_summary

FIXTURE = (
    Path(__file__).resolve().parents[2]
    / "fixtures"
    / "loaders"
    / "credentials"
    / "get-account-summary.json"
)


def test_summary_values() -> None:
    summary = load_account_summary(FIXTURE, "summary.json")
    assert summary.file == "summary.json"
    assert summary.get("AccountMFAEnabled") == 1
    assert summary.get("AccountAccessKeysPresent") == 0
    assert summary.get("Users") == 3
    assert summary.get("Roles") == 14
    assert summary.get("NotAKey", -1) == -1
    assert len(summary.values) == 34


def test_value_must_be_an_integer(tmp_path: Path) -> None:
    path = tmp_path / "summary.json"
    path.write_text(json.dumps({"SummaryMap": {"Users": 3, "AccountMFAEnabled": True}}))
    with pytest.raises(InputError) as info:
        load_account_summary(path, "summary.json")
    assert str(info.value) == (
        "summary.json: $.SummaryMap.AccountMFAEnabled: "
        "AccountMFAEnabled must be a number, got a boolean"
    )


def test_summary_map_is_required(tmp_path: Path) -> None:
    path = tmp_path / "summary.json"
    path.write_text(json.dumps({"Users": 3}))
    with pytest.raises(InputError) as info:
        load_account_summary(path, "summary.json")
    assert str(info.value) == "summary.json: $: missing required field 'SummaryMap'"
