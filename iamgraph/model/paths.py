"""Ids that become file names, and the one check that a path stays under its root.

A snapshot names files after Organizations ids (`list-accounts-for-parent/<parent id>.json`,
`describe-policy/<policy id>.json`), and the collector writes API-returned ids the same way. An
id is checked against the pattern AWS documents for it before it touches a path, so `../x` can
never be one; `under` then checks the joined path itself, so any other way out is refused too.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

# The patterns of the Organizations API reference (ListChildren ParentId, DescribePolicy PolicyId,
# https://docs.aws.amazon.com/organizations/latest/APIReference/API_DescribePolicy.html). The
# AWS-managed policies' ids (`p-FullAWSAccess`, `p-RCPFullAWSAccess`) fit the policy pattern.
ID_PATTERNS: dict[str, re.Pattern[str]] = {
    "root": re.compile(r"r-[0-9a-z]{4,32}"),
    "OU": re.compile(r"ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}"),
    "policy": re.compile(r"p-[0-9a-zA-Z_]{8,128}"),
    "account": re.compile(r"\d{12}"),
}


def id_problem(kind: str, value: str) -> str | None:
    """Why `value` is not a valid `kind` id (`root`, `OU`, `policy`, `account`), or None."""
    if ID_PATTERNS[kind].fullmatch(value):
        return None
    return f"not a valid {kind} id: {value!r} (expected {ID_PATTERNS[kind].pattern})"


def parent_problem(value: str) -> str | None:
    """A parent in the tree is the root or an OU."""
    if ID_PATTERNS["root"].fullmatch(value) or ID_PATTERNS["OU"].fullmatch(value):
        return None
    return f"not a valid root or OU id: {value!r}"


def under(root: Path, path: Path) -> bool:
    """Whether `path`, with `..` and symlinks resolved, stays inside `root` (resolved too).

    `os.path.realpath` rather than `Path.resolve`: on a symlink loop it returns a path instead
    of raising, and the read of that path then reports the loop."""
    real_root = Path(os.path.realpath(root))
    return Path(os.path.realpath(path)).is_relative_to(real_root)
