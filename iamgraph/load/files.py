"""The one way a loader reads a file: a regular file, whole, up to a size cap.

A snapshot comes from whoever wrote the pull request or controls the account, so a file can be
a FIFO (a plain open blocks forever), a link to `/dev/zero` (a plain read fills memory), a
symlink loop or a link to nothing (`Path.exists()` says False, which read as "not collected").
Here each is an InputError naming the file; the caller decides whether that stops the run.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from iamgraph.errors import InputError

# No file of a snapshot, policy or settings file comes near this; a larger one is refused
# rather than read into memory (README, "Bad input"). Loading costs about ten times a file's
# size (75 MB of authorization details: 770 MB resident), so the cap keeps one under 2 GB.
MAX_FILE_BYTES = 128 * 1024 * 1024

_KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def present(path: Path) -> bool:
    """Whether something is at `path`: a dangling link or a loop is present (and unreadable),
    not absent as `Path.exists()` would say."""
    try:
        os.lstat(path)
    except OSError:
        return False
    return True


def read_bytes(path: Path | str, display: str | None = None, expected: str = "JSON") -> bytes:
    """The bytes of the regular file at `path` (symlinks followed); anything else, or a file
    above MAX_FILE_BYTES, is an InputError naming the file. Opened non-blocking so a FIFO is
    seen by `fstat` instead of waiting for a writer."""
    name = display or str(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        why = "symlink to a missing file" if present(Path(path)) else "file not found"
        raise InputError(name, "$", why) from None
    except IsADirectoryError:
        raise InputError(name, "$", f"is a folder, expected {expected}") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise InputError(name, "$", "symlink loop, cannot be read") from None
        raise InputError(name, "$", f"cannot read: {exc.strerror}") from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise InputError(name, "$", f"is a folder, expected {expected}")
        if not stat.S_ISREG(st.st_mode):
            kind = next((k for test, k in _KINDS if test(st.st_mode)), "not a regular file")
            raise InputError(name, "$", f"is {kind}, not a regular file; expected {expected}")
        if st.st_size > MAX_FILE_BYTES:
            raise InputError(name, "$", _too_big(st.st_size))
        chunks, total = [], 0
        while total <= MAX_FILE_BYTES:  # the file may grow after fstat: read at most cap + 1
            chunk = os.read(fd, min(1 << 20, MAX_FILE_BYTES + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > MAX_FILE_BYTES:
            raise InputError(name, "$", _too_big(total))
        return b"".join(chunks)
    except OSError as exc:
        raise InputError(name, "$", f"cannot read: {exc.strerror}") from None
    finally:
        os.close(fd)


def _too_big(size: int) -> str:
    return f"{size} bytes, above the {MAX_FILE_BYTES}-byte limit for one file"
