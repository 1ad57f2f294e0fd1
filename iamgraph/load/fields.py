"""Typed access to parsed JSON, every failure an InputError naming the file and JSON path.

Loaders read fields through a `Doc` so that wrong types and missing required fields all give the
same one-line error, and every policy document is parsed with its line and column.
"""

from __future__ import annotations

from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from iamgraph.errors import InputError, PathPart
from iamgraph.load.jsonloc import Located, read_located
from iamgraph.model.arn import ArnError, parse_arn
from iamgraph.model.policy import (
    Policy,
    PolicyKind,
    decode_document,
    parse_policy,
    parse_policy_collecting,
)
from iamgraph.model.source import SourceRef

Path_ = tuple[PathPart, ...]
_MISSING = object()

# Set by `lint`: policy grammar errors are collected here instead of stopping the load.
policy_errors: ContextVar[list[InputError] | None] = ContextVar("policy_errors", default=None)
_TYPE_NAMES = {
    str: "a string",
    bool: "a boolean",
    int: "a number",
    list: "a list",
    dict: "an object",
}


class Doc:
    """A located JSON file and helpers that validate while they read."""

    def __init__(self, located: Located) -> None:
        self.located = located
        self.file = located.file
        self.root = located.value

    @classmethod
    def read(cls, path: Path | str, display: str | None = None) -> Doc:
        return cls(read_located(path, display))

    def error(self, path: Path_, message: str) -> InputError:
        return InputError(self.file, path, message, self.located.position(path))

    def source(self, path: Path_) -> SourceRef:
        line, col = self.located.position(path)
        return SourceRef(self.file, tuple(path), line, col)

    def obj(self, value: Any, path: Path_) -> dict:
        if not isinstance(value, dict):
            raise self.error(path, f"expected an object, got {_name(value)}")
        return value

    def field(
        self,
        obj: dict,
        path: Path_,
        key: str,
        typ: type,
        *,
        required: bool = True,
        default: Any = None,
    ) -> Any:
        value = obj.get(key, _MISSING)
        if value is _MISSING or (value is None and not required):
            if required:
                raise self.error(path, f"missing required field {key!r}")
            return default
        ok = isinstance(value, typ) and not (typ is int and isinstance(value, bool))
        if not ok:
            raise self.error(
                (*path, key),
                f"{key} must be {_expected(typ)}, got {_name(value)}",
            )
        return value

    def items(
        self, obj: dict, path: Path_, key: str, *, required: bool = True
    ) -> list[tuple[Path_, dict]]:
        """A list of objects, each with its path."""
        values = self.field(obj, path, key, list, required=required, default=[])
        out = []
        for i, item in enumerate(values):
            out.append(((*path, key, i), self.obj(item, (*path, key, i))))
        return out

    def strings(
        self, obj: dict, path: Path_, key: str, *, required: bool = False
    ) -> tuple[str, ...]:
        values = self.field(obj, path, key, list, required=required, default=[])
        for i, v in enumerate(values):
            if not isinstance(v, str):
                raise self.error((*path, key, i), f"expected a string, got {_name(v)}")
        return tuple(values)

    def arn(self, obj: dict, path: Path_, key: str, *, required: bool = True) -> str | None:
        value = self.field(obj, path, key, str, required=required)
        if value is None:
            return None
        try:
            parse_arn(value)
        except ArnError as exc:
            raise self.error((*path, key), str(exc)) from None
        return value

    def date(self, obj: dict, path: Path_, key: str, *, required: bool = False) -> datetime | None:
        value = self.field(obj, path, key, (str, int, float), required=required)
        if value is None or value == "":
            return None
        parsed = parse_date(value)
        if parsed is None:
            raise self.error((*path, key), f"{key} is not a date: {value!r}")
        return parsed

    def policy(self, obj: dict, path: Path_, key: str, *, kind: PolicyKind, name: str) -> Policy:
        """Parse a policy document held as an object, JSON string or URL-encoded string."""
        if key not in obj:
            raise self.error(path, f"missing required field {key!r}")
        return self.policy_value(obj[key], (*path, key), kind=kind, name=name)

    def policy_value(self, value: Any, path: Path_, *, kind: PolicyKind, name: str) -> Policy:
        source = self.source(path)
        collected = policy_errors.get()
        try:
            document = decode_document(value, self.file, path)
        except InputError as exc:
            if collected is None:
                raise
            collected.append(
                InputError(exc.file, exc.path, exc.message, (source.line, source.column))
            )
            return Policy(kind, None, None, (), source, name)
        if isinstance(value, dict):
            locate = self.located.position
        else:  # inside a string: every element points at the string itself

            def locate(_p, _pos=(source.line, source.column)):
                return _pos

        if collected is None:
            return parse_policy(document, kind=kind, source=source, locate=locate, name=name)
        policy, errors = parse_policy_collecting(
            document, kind=kind, source=source, locate=locate, name=name
        )
        collected.extend(errors)
        return policy


def parse_date(value: Any) -> datetime | None:
    """Parse CLI ISO-8601 (`Z`, `+00:00`), boto3 `str(datetime)` (`2023-03-09 10:41:45+00:00`)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _epoch(value)
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        try:
            return _epoch(float(text))
        except ValueError:
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _epoch(seconds: float) -> datetime | None:
    """Epoch seconds, or None for `1e300`, `NaN` or `inf`: no date in years 1 to 9999."""
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _name(value: Any) -> str:
    if value is None:
        return "null"
    return _TYPE_NAMES.get(type(value), type(value).__name__)


def _expected(typ: type | tuple) -> str:
    if isinstance(typ, tuple):
        return " or ".join(_expected(t) for t in typ)
    return _TYPE_NAMES.get(typ, typ.__name__)
