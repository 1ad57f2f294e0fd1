"""Password policy loader (FORMATS 1.3)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from iamgraph.errors import InputError
from iamgraph.load.password_policy import load_password_policy

FIXTURE = (
    Path(__file__).resolve().parents[2]
    / "fixtures"
    / "loaders"
    / "credentials"
    / "get-account-password-policy.json"
)


def write(tmp_path: Path, value: object) -> Path:
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(value, indent=2))
    return path


def test_full_policy() -> None:
    policy = load_password_policy(FIXTURE, "pp.json")
    assert policy.minimum_length == 14
    assert policy.require_symbols and policy.require_uppercase
    assert policy.require_lowercase is False
    assert policy.max_age == 90
    assert policy.reuse_prevention == 24
    assert policy.hard_expiry is False
    assert policy.file == "pp.json"


def test_minimal_policy_defaults(tmp_path: Path) -> None:
    policy = load_password_policy(write(tmp_path, {"PasswordPolicy": {"MinimumPasswordLength": 8}}))
    assert policy.minimum_length == 8
    assert not policy.require_numbers and not policy.expire_passwords
    assert policy.max_age is None and policy.reuse_prevention is None
    assert policy.hard_expiry is None


def test_minimum_length_is_required(tmp_path: Path) -> None:
    path = write(tmp_path, {"PasswordPolicy": {"RequireSymbols": True}})
    with pytest.raises(InputError) as info:
        load_password_policy(path, "policy.json")
    assert str(info.value) == (
        "policy.json: $.PasswordPolicy: missing required field 'MinimumPasswordLength'"
    )


def test_max_age_must_be_a_number(tmp_path: Path) -> None:
    path = write(tmp_path, {"PasswordPolicy": {"MinimumPasswordLength": 8, "MaxPasswordAge": "90"}})
    with pytest.raises(InputError) as info:
        load_password_policy(path, "policy.json")
    assert str(info.value) == (
        "policy.json: $.PasswordPolicy.MaxPasswordAge: "
        "MaxPasswordAge must be a number, got a string"
    )
