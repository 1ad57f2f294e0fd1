"""A policy file as it was at a git revision: what the pre-commit hook compares a changed file
with (`iamgraph-diff-policy-hook`)."""

from __future__ import annotations

import subprocess
from pathlib import Path

EMPTY = '{"Version": "2012-10-17", "Statement": []}'  # a policy that grants nothing


def text_at(path: str, ref: str) -> str | None:
    """The file at `ref`, or None when it did not exist there."""
    done = subprocess.run(
        ["git", "show", f"{ref}:./{path}"], capture_output=True, text=True, check=False
    )
    return done.stdout if done.returncode == 0 else None


def base_policy(path: str, ref: str, folder: Path, index: int) -> Path:
    """The file at `ref` written into `folder`; a file new since then is a policy that grants
    nothing, so that everything it grants is reported."""
    old = folder / f"{index}-{Path(path).name}"
    old.write_text(text_at(path, ref) or EMPTY, encoding="utf-8")
    return old
