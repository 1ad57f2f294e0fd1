"""boto3 responses written exactly as `aws ... --output json` prints them.

A snapshot made with the CLI and one made by `collect` must be the same files, so the loaders
and the line numbers in findings do not depend on the tool: 4-space indent, non-ASCII kept,
datetimes as ISO 8601 in UTC (`2024-03-11T09:15:27+00:00`), blobs as base64, no
ResponseMetadata, and a final newline.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from iamgraph.errors import InputError
from iamgraph.model.paths import under
from iamgraph.outputs import write_whole

DROPPED = ("ResponseMetadata",)


def cli_value(value: Any) -> Any:
    """The value as the CLI would print it (datetimes and bytes become strings)."""
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).isoformat()
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, Mapping):
        return {str(k): cli_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [cli_value(v) for v in value]
    return value


def response_body(response: Mapping[str, Any]) -> dict[str, Any]:
    """A boto3 response without what the CLI does not print."""
    return {k: v for k, v in response.items() if k not in DROPPED}


def cli_json(response: Mapping[str, Any]) -> str:
    return json.dumps(cli_value(response_body(response)), indent=4, ensure_ascii=False) + "\n"


def write_json(path: Path, response: Mapping[str, Any]) -> None:
    """Whole or not at all (`iamgraph.outputs`): an interrupted or full-disk collection never
    leaves a truncated file that a later `--resume` would take as collected."""
    write_whole(path, cli_json(response), "collect")


def write_files(root: Path, files: Mapping[str, Mapping[str, Any]]) -> None:
    """Write each response under `root` at its relative path (`iam/get-account-summary.json`);
    a path that would leave `root` (a name from the API with `..` or `/`) is refused first."""
    for rel in files:
        if not under(root, root / rel):
            raise InputError(str(root / rel), "$", f"leaves {root}: refused")
    for rel, response in files.items():
        write_json(root / rel, response)
