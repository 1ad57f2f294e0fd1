"""`iamgraph-diff-policy-hook FILE ...`: the pre-commit hook behind `.pre-commit-hooks.yaml`.

pre-commit passes the changed policy files; each is compared with its version at the base
revision (`PRE_COMMIT_FROM_REF` when pre-commit runs on a range, else `HEAD`) by
`iamgraph diff-policy`. A file new at this commit is compared with a policy that grants
nothing, so everything it grants is reported. The worst exit code wins (1 over 3 over 0).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import typer

from iamgraph.cli.app import app
from iamgraph.load.revision import base_policy


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    options, files = _split(argv)
    ref = os.environ.get("PRE_COMMIT_FROM_REF") or "HEAD"
    worst = 0
    with tempfile.TemporaryDirectory(prefix="iamgraph-hook-") as tmp:
        for i, path in enumerate(files):
            old = base_policy(path, ref, Path(tmp), i)
            code = _exit_code(["diff-policy", str(old), path, *options])
            worst = max(worst, code, key=lambda c: {0: 0, 3: 1, 1: 2}.get(c, 3))
    return worst


# diff-policy's options that take no value; every other one does (`--type scp`)
FLAGS = frozenset({"--no-size-limit"})


def _split(argv: list[str]) -> tuple[list[str], list[str]]:
    """Options (`args:` in the hook config) from file names; every diff-policy option but a
    flag (`FLAGS`) takes a value (`--type scp`, `--format json`, `--suppressions FILE`)."""
    options, files = [], []
    i = 0
    while i < len(argv):
        if argv[i].startswith("-"):
            has_value = "=" not in argv[i] and argv[i] not in FLAGS and i + 1 < len(argv)
            options += argv[i : i + 2] if has_value else argv[i : i + 1]
            i += 2 if has_value else 1
        else:
            files.append(argv[i])
            i += 1
    return options, files


def _exit_code(args: list[str]) -> int:
    try:
        result = app(args, prog_name="iamgraph", standalone_mode=False)
    except typer.Exit as exc:
        return exc.exit_code
    except SystemExit as exc:
        return int(exc.code or 0)
    return int(result or 0)


if __name__ == "__main__":
    raise SystemExit(main())
