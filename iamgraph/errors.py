"""The one error type for input iamgraph cannot read.

Every loader and parser raises `InputError` with the file and the JSON path of the offending
value, so the CLI can print one line (`file: $.path: message`) and exit 2 with no traceback.
"""

from __future__ import annotations

from collections.abc import Sequence

PathPart = str | int


def json_path(parts: Sequence[PathPart]) -> str:
    """Render path parts as JSONPath (`$.RoleDetailList[4].AssumeRolePolicyDocument`)."""
    out = ["$"]
    for part in parts:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif part.isidentifier():
            out.append(f".{part}")
        else:
            escaped = part.replace("\\", "\\\\").replace("'", "\\'")
            out.append(f"['{escaped}']")
    return "".join(out)


def json_pointer(parts: Sequence[PathPart]) -> str:
    """Render path parts as an RFC 6901 JSON pointer (`/RoleDetailList/4`)."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


class InputError(Exception):
    """Input iamgraph cannot read: names the file, the JSON path and what is wrong."""

    def __init__(
        self,
        file: str,
        path: Sequence[PathPart] | str,
        message: str,
        position: tuple[int, int] | None = None,
    ) -> None:
        self.file = str(file)
        self.path = path if isinstance(path, str) else json_path(path)
        self.message = message
        self.position = position  # 1-based (line, column) where known, for lint and SARIF
        super().__init__(f"{self.file}: {self.path}: {message}")
