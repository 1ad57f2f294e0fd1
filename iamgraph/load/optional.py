"""Reading an optional file of a snapshot: unreadable means left out, unless the run is strict.

A credential report, password policy, bucket, key or topic policy, or inventory file that cannot
be read degrades the answers that need it to `unknown`, exactly as if it had not been collected;
the loader reports it to `skip` (which records it for the CLI to name once on stderr). With no
`skip` (`--strict`) the InputError stops the run as before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from iamgraph.errors import InputError

Skip = Callable[[InputError], None] | None
T = TypeVar("T")


def optional(skip: Skip, read: Callable[..., T], *args: object) -> T | None:
    """`read(*args)`, or None after handing its InputError to `skip` (re-raised when strict)."""
    try:
        return read(*args)
    except InputError as exc:
        if skip is None:
            raise
        skip(exc)
        return None


def reason(exc: InputError) -> str:
    """The InputError in words, without the file (which the caller names)."""
    return f"{exc.path}: {exc.message}"
