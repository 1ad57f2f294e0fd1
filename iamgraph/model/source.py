"""Where a piece of a policy came from, so findings can point into the file."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from iamgraph.errors import PathPart, json_path, json_pointer

Locator = Callable[[Sequence[PathPart]], tuple[int, int]]


def no_locator(_path: Sequence[PathPart]) -> tuple[int, int]:
    return (0, 0)


@dataclass(frozen=True)
class At:
    """A locator that puts every path at one position (a policy held inside a JSON string):
    a class rather than a closure, so that a loaded snapshot pickles (load/cache.py)."""

    position: tuple[int, int]

    def __call__(self, _path: Sequence[PathPart]) -> tuple[int, int]:
        return self.position


@dataclass(frozen=True)
class SourceRef:
    """File, path inside the file, and 1-based line/column (0 when unknown).

    For a policy held as a JSON string inside another document (an SCP's `Content`, a bucket
    policy's `Policy`), `path` runs through the string: `/Policy/Content/Statement/0`, and the
    line and column are those of the string in the file.
    """

    file: str
    path: tuple[PathPart, ...] = ()
    line: int = 0
    column: int = 0

    @property
    def pointer(self) -> str:
        return json_pointer(self.path)

    @property
    def json_path(self) -> str:
        return json_path(self.path)

    def child(self, *parts: PathPart, locate: Locator = no_locator) -> SourceRef:
        path = (*self.path, *parts)
        line, column = locate(path)
        return SourceRef(self.file, path, line or self.line, column or self.column)

    def __str__(self) -> str:
        where = f":{self.line}:{self.column}" if self.line else ""
        return f"{self.file}{where} ({self.pointer or '/'})"
