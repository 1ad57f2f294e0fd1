"""`aws iam get-account-password-policy` output (FORMATS 1.3).

A missing policy (`NoSuchEntity`, no file) is the caller's concern; this reads one that exists.
"""

from __future__ import annotations

from pathlib import Path

from iamgraph.load.fields import Doc
from iamgraph.model.credentials import PasswordPolicy


def load_password_policy(path: Path | str, display: str | None = None) -> PasswordPolicy:
    """`{"PasswordPolicy": {...}}`; absent booleans are False, absent limits None."""
    doc = Doc.read(path, display)
    top = doc.obj(doc.root, ())
    where = ("PasswordPolicy",)
    policy = doc.field(top, (), "PasswordPolicy", dict)

    def flag(key: str) -> bool:
        return doc.field(policy, where, key, bool, required=False, default=False)

    def number(key: str) -> int | None:
        return doc.field(policy, where, key, int, required=False)

    return PasswordPolicy(
        minimum_length=doc.field(policy, where, "MinimumPasswordLength", int),
        require_symbols=flag("RequireSymbols"),
        require_numbers=flag("RequireNumbers"),
        require_uppercase=flag("RequireUppercaseCharacters"),
        require_lowercase=flag("RequireLowercaseCharacters"),
        allow_users_to_change=flag("AllowUsersToChangePassword"),
        expire_passwords=flag("ExpirePasswords"),
        max_age=number("MaxPasswordAge"),
        reuse_prevention=number("PasswordReusePrevention"),
        hard_expiry=doc.field(policy, where, "HardExpiry", bool, required=False),
        file=doc.file,
    )
