"""JSON parsing that remembers where every value stands in the text.

Findings point into files (`file:line:col`, SARIF regions), so the parser records the offset of
every value by its path. Strings are decoded by the standard library's C `scanstring`; the rest
is a small recursive-descent parser over a compiled token pattern. It sits below the loaders so
that policy documents held as JSON strings (SCP `Content`, a bucket `Policy`, a Terraform
`policy`) go through the same hardened parser as files: bounded depth, no `NaN`, no number
Python cannot hold, no lone surrogate.
"""

from __future__ import annotations

import bisect
import json
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from json.decoder import scanstring  # type: ignore[attr-defined]

from iamgraph.errors import InputError, PathPart

_WS = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?")


def _plain(stdlib_message: str) -> str:
    """`Unterminated string starting at` -> `unterminated string`."""
    text = stdlib_message.removesuffix(" starting at").removesuffix(" at")
    return text[:1].lower() + text[1:]


# Python refuses to convert longer digit strings (sys.get_int_max_str_digits); no AWS number
# comes near it, so a longer one is refused with its path rather than raised as ValueError.
MAX_INT_DIGITS = 4300
# a `\uD800`-`\uDFFF` escape: only then can a decoded string hold a lone surrogate, which no
# writer (UTF-8, SARIF, SVG) can encode
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


class _SyntaxError(Exception):
    def __init__(self, message: str, pos: int, path: tuple[PathPart, ...] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos
        self.path = path  # set when the JSON is well-formed but the value is refused


# Where each value stands: a scalar's offset, or a container's offset with its children's (a
# list for an array, a dict by key for an object), in the value's own shape. A tree rather than
# a dict keyed by path: a path tuple per value cost about 8 bytes of memory per byte of a large
# authorization-details file, the tree a fraction of it.
Where = int | tuple[int, list | dict]


def _offset(where: Where) -> int:
    return where if isinstance(where, int) else where[0]


@dataclass(frozen=True)
class Located:
    """A parsed JSON document with the offset of every value (`where`, in the value's shape)."""

    file: str
    text: str
    value: object
    where: Where = field(repr=False)
    _line_starts: list[int] = field(repr=False, default_factory=list)

    def position(self, path: Sequence[PathPart]) -> tuple[int, int]:
        """1-based (line, column) of the value at `path`, or of its nearest located ancestor."""
        return self.line_col(_locate(self.where, path))

    def line_col(self, offset: int) -> tuple[int, int]:
        starts = self._line_starts
        line = bisect.bisect_right(starts, offset) - 1
        return line + 1, offset - starts[line] + 1


def _locate(where: Where, path: Sequence[PathPart]) -> int:
    for part in path:
        if isinstance(where, int):
            break
        children = where[1]
        if isinstance(children, dict):
            if not isinstance(part, str) or part not in children:
                break
        elif not isinstance(part, int) or not 0 <= part < len(children):
            break
        where = children[part]
    return _offset(where)


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
    try:
        value, end, where = _value(text, _WS.match(text, 0).end(), ())
        if _SURROGATE_ESCAPE.search(text):
            _refuse_lone_surrogates(value, (), where)
        end = _WS.match(text, end).end()
        if end != len(text):
            raise _SyntaxError("extra data after the JSON value", end)
    except _SyntaxError as exc:
        starts = _line_starts(text)
        line = bisect.bisect_right(starts, exc.pos) - 1
        col = exc.pos - starts[line] + 1
        if exc.path is not None:
            raise InputError(file, exc.path, exc.message, (line + 1, col)) from None
        raise InputError(
            file,
            "$",
            f"invalid JSON at line {line + 1} column {col}: {exc.message}",
            (line + 1, col),
        ) from None
    except RecursionError:
        raise InputError(file, "$", "invalid JSON: nested too deeply") from None
    return Located(file, text, value, where, _line_starts(text))


def _value(s: str, i: int, path: tuple[PathPart, ...]) -> tuple[object, int, Where]:
    try:
        ch = s[i]
    except IndexError:
        raise _SyntaxError("unexpected end of input, expected a value", i) from None
    if ch == '"':
        try:
            value, end = scanstring(s, i + 1, True)
        except json.JSONDecodeError as exc:
            raise _SyntaxError(_plain(exc.msg), exc.pos) from None
        return value, end, i
    if ch == "{":
        return _object(s, i, path)
    if ch == "[":
        return _array(s, i, path)
    if s.startswith("true", i):
        return True, i + 4, i
    if s.startswith("false", i):
        return False, i + 5, i
    if s.startswith("null", i):
        return None, i + 4, i
    m = _NUMBER.match(s, i)
    if m and m.end() > i:
        return _number(m, path), m.end(), i
    raise _SyntaxError(f"unexpected character {ch!r}, expected a value", i)


def _number(m: re.Match[str], path: tuple[PathPart, ...]) -> int | float:
    """A JSON number, or a refusal naming its path: AWS stores no infinite or 4,300-digit one."""
    text = m.group()
    if not (m.group(1) or m.group(2)):
        if len(text.lstrip("-")) > MAX_INT_DIGITS:
            raise _SyntaxError(f"number too long ({len(text)} characters)", m.start(), path)
        return int(text)
    number = float(text)
    if number in (float("inf"), float("-inf")):
        raise _SyntaxError(f"number out of range: {text[:20]}", m.start(), path)
    return number


def _refuse_lone_surrogates(value: object, path: tuple[PathPart, ...], where: Where) -> None:
    """A `\\uD800` escape without its pair decodes to a code point no UTF-8 writer can encode."""
    if isinstance(value, str):
        if _SURROGATE.search(value):
            raise _SyntaxError(
                "string holds a lone surrogate (\\uD800-\\uDFFF)", _offset(where), path
            )
    elif isinstance(value, dict):
        children = where[1]
        for key, item in value.items():
            if _SURROGATE.search(key):
                raise _SyntaxError(
                    "property name holds a lone surrogate (\\uD800-\\uDFFF)", _offset(where), path
                )
            _refuse_lone_surrogates(item, (*path, key), children[key])
    elif isinstance(value, list):
        children = where[1]
        for i, item in enumerate(value):
            _refuse_lone_surrogates(item, (*path, i), children[i])


def _object(s: str, start: int, path: tuple[PathPart, ...]) -> tuple[dict, int, Where]:
    obj: dict[str, object] = {}
    children: dict[str, Where] = {}
    i = _WS.match(s, start + 1).end()
    if s.startswith("}", i):
        return obj, i + 1, (start, children)
    while True:
        if not s.startswith('"', i):
            raise _SyntaxError("expected a property name in double quotes", i)
        try:
            key, i = scanstring(s, i + 1, True)
        except json.JSONDecodeError as exc:
            raise _SyntaxError(_plain(exc.msg), exc.pos) from None
        key = sys.intern(key)  # one object per distinct key, as json.loads keeps them
        i = _WS.match(s, i).end()
        if not s.startswith(":", i):
            raise _SyntaxError("expected ':' after a property name", i)
        i = _WS.match(s, i + 1).end()
        obj[key], i, children[key] = _value(s, i, (*path, key))
        i = _WS.match(s, i).end()
        if s.startswith(",", i):
            i = _WS.match(s, i + 1).end()
            continue
        if s.startswith("}", i):
            return obj, i + 1, (start, children)
        raise _SyntaxError("expected ',' or '}' in an object", i)


def _array(s: str, start: int, path: tuple[PathPart, ...]) -> tuple[list, int, Where]:
    arr: list[object] = []
    children: list[Where] = []
    i = _WS.match(s, start + 1).end()
    if s.startswith("]", i):
        return arr, i + 1, (start, children)
    while True:
        item, i, where = _value(s, i, (*path, len(arr)))
        arr.append(item)
        children.append(where)
        i = _WS.match(s, i).end()
        if s.startswith(",", i):
            i = _WS.match(s, i + 1).end()
            continue
        if s.startswith("]", i):
            return arr, i + 1, (start, children)
        raise _SyntaxError("expected ',' or ']' in an array", i)
