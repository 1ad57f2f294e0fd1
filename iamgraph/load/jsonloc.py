"""Reading JSON files: every failure is one InputError naming the file.

The located parser itself (`parse_located`, `Located`) lives in `iamgraph.model.jsontext`, below
the loaders, so that policy documents held as JSON strings are parsed by it too.
"""

from __future__ import annotations

from pathlib import Path

from iamgraph.errors import InputError
from iamgraph.load.files import read_bytes
from iamgraph.model.jsontext import Located, parse_located

__all__ = ["Located", "decode_text", "parse_located", "read_located", "read_text"]


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
