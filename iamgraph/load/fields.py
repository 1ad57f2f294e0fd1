"""Typed access to parsed JSON, every failure an InputError naming the file and JSON path.

Loaders read fields through a `Doc` so that wrong types and missing required fields all give the
same one-line error, and every policy document is parsed with its line and column. A `Doc` also
holds every policy document it reads to the AWS size limit the loader names (model/limits.py),
unless it was read with `size_limit=False` (`--no-size-limit`).
"""

from __future__ import annotations

from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from iamgraph.errors import InputError, PathPart
from iamgraph.load.jsonloc import Located, parse_located, read_text
from iamgraph.model.arn import ArnError, parse_arn
from iamgraph.model.limits import Limit, document_size, file_too_big, nonspace, too_big
from iamgraph.model.policy import (
    Policy,
    PolicyKind,
    decode_document,
    parse_policy,
    parse_policy_collecting,
)
from iamgraph.model.source import At, SourceRef

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

    def __init__(self, located: Located, *, size_limit: bool = True) -> None:
        self.located = located
        self.file = located.file
        self.root = located.value
        self.size_limit = size_limit

    @classmethod
    def read(
        cls,
        path: Path | str,
        display: str | None = None,
        *,
        size_limit: bool = True,
        holds: Limit | None = None,
    ) -> Doc:
        """Read and parse a JSON file. `holds`: the file holds one policy document within that
        limit, so a text too long to hold one is refused before the parse, whose record of
        every value's position is what a huge document costs in memory."""
        name = display or str(path)
        text = read_text(path, name)
        if size_limit and holds is not None:
            why = file_too_big(nonspace(text), holds)
            if why:
                raise InputError(name, "$", why)
        return cls(parse_located(text, name), size_limit=size_limit)

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

    def policy(
        self,
        obj: dict,
        path: Path_,
        key: str,
        *,
        kind: PolicyKind,
        name: str,
        limit: Limit | None = None,
        subject: str = "",
    ) -> Policy:
        """Parse a policy document held as an object, JSON string or URL-encoded string."""
        return self.sized_policy(
            obj, path, key, kind=kind, name=name, limit=limit, subject=subject
        )[0]

    def sized_policy(
        self,
        obj: dict,
        path: Path_,
        key: str,
        *,
        kind: PolicyKind,
        name: str,
        limit: Limit | None = None,
        subject: str = "",
    ) -> tuple[Policy, int]:
        """`policy`, and the document's size (model/limits.py) for a limit on several."""
        if key not in obj:
            raise self.error(path, f"missing required field {key!r}")
        return self.sized_policy_value(
            obj[key], (*path, key), kind=kind, name=name, limit=limit, subject=subject
        )

    def policy_value(
        self,
        value: Any,
        path: Path_,
        *,
        kind: PolicyKind,
        name: str,
        limit: Limit | None = None,
        subject: str = "",
    ) -> Policy:
        return self.sized_policy_value(
            value, path, kind=kind, name=name, limit=limit, subject=subject
        )[0]

    def sized_policy_value(
        self,
        value: Any,
        path: Path_,
        *,
        kind: PolicyKind,
        name: str,
        limit: Limit | None = None,
        subject: str = "",
    ) -> tuple[Policy, int]:
        """The policy at `path` and its size (0 where not measured). Above `limit` (when this
        Doc holds documents to limits) it is an InputError, raised even while `lint` collects
        grammar errors: the document is bad input, not a policy with mistakes."""
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
            return Policy(kind, None, None, (), source, name), 0
        size = 0  # measured only where it is held to a limit
        if limit is not None and self.size_limit:
            size = document_size(document)
            self.within(size, limit, path, subject or f"policy {name}")
        if isinstance(value, dict):
            locate = self.located.position
        else:  # inside a string: every element points at the string itself
            locate = At((source.line, source.column))

        if collected is None:
            policy = parse_policy(document, kind=kind, source=source, locate=locate, name=name)
            return policy, size
        policy, errors = parse_policy_collecting(
            document, kind=kind, source=source, locate=locate, name=name
        )
        collected.extend(errors)
        return policy, size

    def within(
        self, size: int, limit: Limit, path: Path_, subject: str, *, together: bool = False
    ) -> None:
        """Refuse `subject` of `size` above `limit`, unless this Doc reads without limits."""
        why = too_big(subject, size, limit, together=together) if self.size_limit else None
        if why:
            raise self.error(path, why)


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
