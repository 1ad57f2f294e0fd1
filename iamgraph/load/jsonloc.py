"""JSON parsing that remembers where every value stands in the file.

Findings point into files (`file:line:col`, SARIF regions), so the parser records the offset of
every value by its path. Strings are decoded by the standard library's C `scanstring`; the rest
is a small recursive-descent parser over a compiled token pattern.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from json.decoder import scanstring  # type: ignore[attr-defined]
from pathlib import Path

from iamgraph.errors import InputError, PathPart
from iamgraph.load.files import read_bytes

_WS = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?")


def _plain(stdlib_message: str) -> str:
    """`Unterminated string starting at` -> `unterminated string`."""
    text = stdlib_message.removesuffix(" starting at").removesuffix(" at")
    return text[:1].lower() + text[1:]


class _SyntaxError(Exception):
    def __init__(self, message: str, pos: int) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos


@dataclass(frozen=True)
class Located:
    """A parsed JSON document with the offset of every value, keyed by its path."""

    file: str
    text: str
    value: object
    offsets: dict[tuple[PathPart, ...], int] = field(repr=False)
    _line_starts: list[int] = field(repr=False, default_factory=list)

    def position(self, path: Sequence[PathPart]) -> tuple[int, int]:
        """1-based (line, column) of the value at `path`, or of its nearest located ancestor."""
        key = tuple(path)
        while key not in self.offsets and key:
            key = key[:-1]
        return self.line_col(self.offsets.get(key, 0))

    def line_col(self, offset: int) -> tuple[int, int]:
        starts = self._line_starts
        line = bisect.bisect_right(starts, offset) - 1
        return line + 1, offset - starts[line] + 1


def _line_starts(text: str) -> list[int]:
    starts = [0]
    find = text.find
    i = find("\n")
    while i != -1:
        starts.append(i + 1)
        i = find("\n", i + 1)
    return starts


def parse_located(text: str, file: str = "<string>") -> Located:
    """Parse JSON text; raise InputError with line and column on a syntax error."""
    offsets: dict[tuple[PathPart, ...], int] = {}
    try:
        value, end = _value(text, _WS.match(text, 0).end(), (), offsets)
        end = _WS.match(text, end).end()
        if end != len(text):
            raise _SyntaxError("extra data after the JSON value", end)
    except _SyntaxError as exc:
        starts = _line_starts(text)
        line = bisect.bisect_right(starts, exc.pos) - 1
        col = exc.pos - starts[line] + 1
        raise InputError(
            file,
            "$",
            f"invalid JSON at line {line + 1} column {col}: {exc.message}",
            (line + 1, col),
        ) from None
    except RecursionError:
        raise InputError(file, "$", "invalid JSON: nested too deeply") from None
    return Located(file, text, value, offsets, _line_starts(text))


def _value(s: str, i: int, path: tuple[PathPart, ...], offsets: dict) -> tuple[object, int]:
    offsets[path] = i
    try:
        ch = s[i]
    except IndexError:
        raise _SyntaxError("unexpected end of input, expected a value", i) from None
    if ch == '"':
        try:
            return scanstring(s, i + 1, True)
        except json.JSONDecodeError as exc:
            raise _SyntaxError(_plain(exc.msg), exc.pos) from None
    if ch == "{":
        return _object(s, i + 1, path, offsets)
    if ch == "[":
        return _array(s, i + 1, path, offsets)
    if s.startswith("true", i):
        return True, i + 4
    if s.startswith("false", i):
        return False, i + 5
    if s.startswith("null", i):
        return None, i + 4
    m = _NUMBER.match(s, i)
    if m and m.end() > i:
        text = m.group()
        return (float(text) if m.group(1) or m.group(2) else int(text)), m.end()
    raise _SyntaxError(f"unexpected character {ch!r}, expected a value", i)


def _object(s: str, i: int, path: tuple[PathPart, ...], offsets: dict) -> tuple[dict, int]:
    obj: dict[str, object] = {}
    i = _WS.match(s, i).end()
    if s.startswith("}", i):
        return obj, i + 1
    while True:
        if not s.startswith('"', i):
            raise _SyntaxError("expected a property name in double quotes", i)
        try:
            key, i = scanstring(s, i + 1, True)
        except json.JSONDecodeError as exc:
            raise _SyntaxError(_plain(exc.msg), exc.pos) from None
        i = _WS.match(s, i).end()
        if not s.startswith(":", i):
            raise _SyntaxError("expected ':' after a property name", i)
        i = _WS.match(s, i + 1).end()
        obj[key], i = _value(s, i, (*path, key), offsets)
        i = _WS.match(s, i).end()
        if s.startswith(",", i):
            i = _WS.match(s, i + 1).end()
            continue
        if s.startswith("}", i):
            return obj, i + 1
        raise _SyntaxError("expected ',' or '}' in an object", i)


def _array(s: str, i: int, path: tuple[PathPart, ...], offsets: dict) -> tuple[list, int]:
    arr: list[object] = []
    i = _WS.match(s, i).end()
    if s.startswith("]", i):
        return arr, i + 1
    while True:
        item, i = _value(s, i, (*path, len(arr)), offsets)
        arr.append(item)
        i = _WS.match(s, i).end()
        if s.startswith(",", i):
            i = _WS.match(s, i + 1).end()
            continue
        if s.startswith("]", i):
            return arr, i + 1
        raise _SyntaxError("expected ',' or ']' in an array", i)


def read_text(path: Path | str, display: str | None = None, expected: str = "JSON") -> str:
    """Read a text file; every failure is an InputError naming the file."""
    name = display or str(path)
    raw = read_bytes(path, name, expected)
    return decode_text(raw, name, "$", expected)


def decode_text(raw: bytes, name: str, where: str, expected: str) -> str:
    """UTF-8 (with or without a BOM), not blank."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(name, where, f"not UTF-8 text (byte {exc.start})") from None
    if not text.strip():
        raise InputError(name, where, f"empty file, expected {expected}")
    return text


def read_located(path: Path | str, display: str | None = None) -> Located:
    """Read and parse a JSON file; every failure is an InputError naming the file."""
    name = display or str(path)
    return parse_located(read_text(path, name), name)
