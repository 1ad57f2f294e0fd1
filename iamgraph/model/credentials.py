"""Credential report rows, the password policy and the account summary."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

ROOT_USER = "<root_account>"


class Mfa(StrEnum):
    """How the credential signs: M1-M5."""

    LONG_TERM_KEYS = "keys"  # access keys: aws:MultiFactorAuthPresent absent (M1)
    NO_MFA = "no-mfa"  # temporary credentials without MFA: present, false (M5)
    MFA = "mfa"  # temporary credentials with MFA: true, with an age (M4)


@dataclass(frozen=True)
class AccessKey:
    active: bool
    last_rotated: datetime | None
    last_used: datetime | None
    last_used_region: str | None
    last_used_service: str | None


@dataclass(frozen=True)
class CredentialRow:
    """One row of the credential report; None stands for N/A, no_information, not_supported."""

    user: str
    arn: str
    created: datetime | None
    password_enabled: bool | None  # None for the root user (`not_supported`)
    password_last_used: datetime | None
    password_last_changed: datetime | None
    password_next_rotation: datetime | None
    mfa_active: bool
    access_keys: tuple[AccessKey, AccessKey]
    certs_active: tuple[bool, bool]
    line: int

    @property
    def is_root(self) -> bool:
        return self.user == ROOT_USER


@dataclass(frozen=True)
class CredentialReport:
    account: str
    rows: tuple[CredentialRow, ...]
    generated: datetime | None
    file: str

    @property
    def root(self) -> CredentialRow | None:
        return next((r for r in self.rows if r.is_root), None)


@dataclass(frozen=True)
class PasswordPolicy:
    minimum_length: int
    require_symbols: bool
    require_numbers: bool
    require_uppercase: bool
    require_lowercase: bool
    allow_users_to_change: bool
    expire_passwords: bool
    max_age: int | None
    reuse_prevention: int | None
    hard_expiry: bool | None
    file: str


@dataclass(frozen=True)
class AccountSummary:
    values: dict[str, int]
    file: str

    def get(self, key: str, default: int = 0) -> int:
        return self.values.get(key, default)
