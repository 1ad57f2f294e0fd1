"""Every output file is written whole or not at all: reports, diagrams, and the files `collect`
writes. Below the loaders and the collector so that every layer can use it.

The bytes go to a new temporary file beside the target (created exclusively, so never through
a planted symlink), are flushed to disk, and the temporary file is renamed onto the target: a
full disk, a parent that is a file or a folder in the target's place leaves any previous output
as it was, and is one `InputError` naming the file (exit 2), never a traceback.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from iamgraph.errors import InputError


def _refuse(path: Path, option: str, exc: OSError) -> InputError:
    reason = exc.strerror or type(exc).__name__
    return InputError(str(path), option, f"cannot write the output: {reason}")


@contextmanager
def writing(path: Path, option: str, binary: bool = False) -> Iterator[IO]:
    """A file object whose content replaces `path` when the block ends without an exception;
    on any exception the temporary file is removed and `path` is untouched."""
    if path.is_dir():
        raise InputError(str(path), option, "cannot write the output: it is a folder")
    for ancestor in path.parents:
        if ancestor.exists():
            if not ancestor.is_dir():
                raise InputError(
                    str(path), option, f"cannot write the output: {ancestor} is not a folder"
                )
            break
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    except OSError as exc:
        raise _refuse(path, option, exc) from None
    done = False
    try:
        with os.fdopen(
            fd, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8"})
        ) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        done = True
    except OSError as exc:
        raise _refuse(path, option, exc) from None
    finally:
        if not done:
            Path(tmp).unlink(missing_ok=True)


def write_whole(path: Path, data: str | bytes, option: str) -> None:
    """Replace `path` with `data`, whole or not at all."""
    with writing(path, option, binary=isinstance(data, bytes)) as fh:
        fh.write(data)
