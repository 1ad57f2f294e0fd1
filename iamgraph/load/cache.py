"""The snapshot's persistent cache (`.iamgraph-cache/` under the snapshot), and the parsed
snapshot kept in it.

A second query on an unchanged organization should not parse it again, nor work out again the
steps the first one solved: the CLI opens a `Session` around a command (`caching`), the loader
asks it for the snapshot (`Session.snapshot`), the graph layer for the graph it built
(`iamgraph.graph.store`), and once the command has answered the session writes what it learned.

An entry is reused only under its exact key: every input file's relative path and bytes, the
snapshot argument as given (files are named as the user reached them), the options that change
what is loaded or answered, iamgraph's version, the catalog's data version, a digest of
iamgraph's own source (an edit never reuses an answer of older code) and this file format. A
missing, damaged or mismatched entry is ignored and replaced; a folder that cannot be written
only means no cache. Nothing is written once the command's deadline has passed (an answer it
cut short is `unknown` for the deadline's sake, not the input's), nor when the inputs changed
while the command ran. Entries are pickles: whoever can write into the snapshot folder can
already decide every answer iamgraph gives about it.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import importlib.util
import io
import os
import pickle
import struct
import sys
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

from iamgraph import deadline
from iamgraph.errors import InputError
from iamgraph.model.snapshot import Snapshot
from iamgraph.outputs import writing

FORMAT = 1  # bump when what an entry holds changes shape
FOLDER = ".iamgraph-cache"
KEEP = 2  # entries kept per kind (snapshot, graph): the latest, and one for other options
ENV_OFF = "IAMGRAPH_NO_CACHE"
_MAGIC = b"iamgraph-cache\n"  # then the payload's length and CRC-32, then the pickle
_PARTIAL_AGE_S = 600.0  # a temporary file older than this was left by a killed writer


def enabled_by_env() -> bool:
    """False when $IAMGRAPH_NO_CACHE is set to anything but empty or 0."""
    return os.environ.get(ENV_OFF, "") in ("", "0")


# -- keys -------------------------------------------------------------------------------------


@cache
def source_digest() -> str:
    """sha256 over iamgraph's Python source (the package and its solvers), so that a changed
    iamgraph never reads an entry an older one wrote (an editable install keeps its version).
    About 200 files: a few milliseconds, once per process."""
    h = hashlib.sha256()
    for name in ("iamgraph", "iamgraph.solvers"):
        spec = importlib.util.find_spec(name)
        for folder in spec.submodule_search_locations or () if spec else ():
            base = Path(folder)
            for path in sorted(base.rglob("*.py")):
                h.update(str(path.relative_to(base)).encode() + b"\0")
                h.update(path.read_bytes())
                h.update(b"\0")
    return h.hexdigest()


def inputs_digest(root: Path) -> str:
    """sha256 over every input file's path (relative to the snapshot) and bytes, in sorted
    order; the cache folder itself is no input. A single-file snapshot is that file."""
    h = hashlib.sha256()
    if root.is_file():
        files = [(root.name, root)]
    else:
        files = []
        for folder, dirs, names in os.walk(root):
            dirs[:] = sorted(d for d in dirs if d != FOLDER)
            rel = os.path.relpath(folder, root)
            files += [(os.path.normpath(os.path.join(rel, n)), Path(folder, n)) for n in names]
        files.sort()
    for rel, path in files:
        h.update(rel.encode("utf-8", "surrogateescape") + b"\0")
        with path.open("rb") as fh:
            h.update(hashlib.file_digest(fh, "sha256").digest())
    return h.hexdigest()


def versions() -> tuple:
    """What every entry's key holds besides the inputs: the format, Python's version (pickles
    of one may not load in another), iamgraph's version and source, and the catalog's data."""
    from iamgraph import __version__
    from iamgraph.catalog import data_version

    return (FORMAT, sys.version_info[:2], __version__, data_version(), source_digest())


def digest(key: tuple) -> str:
    return hashlib.sha256(repr(key).encode("utf-8", "surrogateescape")).hexdigest()[:32]


# -- entries ----------------------------------------------------------------------------------


def folder_of(root: Path) -> Path:
    """Where a snapshot's entries go: inside the folder, or beside a single-file snapshot."""
    return (root.parent if root.is_file() else root) / FOLDER


def read_entry(path: Path, key: tuple, load: Callable[[pickle.Unpickler], None] | None = None):
    """The value stored at `path` under exactly `key`, else None: a missing, unreadable,
    damaged (its checksum) or stale entry is no entry. `load` may prepare the unpickler."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    head = len(_MAGIC) + 12
    if len(data) < head or not data.startswith(_MAGIC):
        return None
    size, crc = struct.unpack(">QI", data[len(_MAGIC) : head])
    payload = memoryview(data)[head:]
    if len(payload) != size or zlib.crc32(payload) != crc:
        return None
    collecting = gc.isenabled()
    gc.disable()  # hundreds of thousands of new objects: the collector would triple the time
    try:
        reader = pickle.Unpickler(io.BytesIO(payload))
        if load is not None:
            load(reader)
        found = reader.load()
    except Exception:  # a stale class or any other surprise: unpickling can raise anything
        return None
    finally:
        if collecting:
            gc.enable()
    if not isinstance(found, dict) or found.get("key") != key:
        return None
    # What an entry holds lives as long as the command: out of the collector's sight, where
    # each full collection would walk its millions of objects again (seconds at 5,000 principals)
    gc.freeze()
    return found.get("value")


def write_entry(path: Path, key: tuple, value: Any, dump=None) -> None:
    """Write the entry whole (temporary file and rename) with its length and checksum, and keep
    the folder to `KEEP` entries of its kind; `dump(file) -> pickler` may replace the plain
    pickler (persistent ids). Raises OSError or InputError when the folder cannot take it,
    pickle errors when the value cannot be stored: the caller skips the cache then."""
    buf = io.BytesIO()
    pickler = dump(buf) if dump else pickle.Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dump({"key": key, "value": value})
    payload = buf.getbuffer()
    with writing(path, FOLDER, binary=True) as fh:
        fh.write(_MAGIC + struct.pack(">QI", len(payload), zlib.crc32(payload)))
        fh.write(payload)
    _prune(path.parent, path.name.split("-", 1)[0], keep=path)


def _prune(folder: Path, kind: str, keep: Path) -> None:
    """Delete all but the newest `KEEP` entries of `kind`, and temporary files a killed writer
    left behind."""
    now = time.time()
    entries = []
    for p in folder.iterdir():
        with contextlib.suppress(OSError):
            if p.name.endswith(".partial") and now - p.stat().st_mtime > _PARTIAL_AGE_S:
                p.unlink()
            elif p.name.startswith(f"{kind}-") and p.suffix == ".pickle" and p != keep:
                entries.append((p.stat().st_mtime, p))
    for _, p in sorted(entries, reverse=True)[KEEP - 1 :]:
        with contextlib.suppress(OSError):
            p.unlink()


# -- the session of one command ---------------------------------------------------------------


@dataclass
class Origin:
    """Where a loaded snapshot came from: its cache folder, its key and the inputs' digest."""

    root: Path
    folder: Path
    key: tuple
    inputs: str
    unchanged: bool | None = None  # the inputs still hash to `inputs` (once the command answered)


@dataclass
class Session:
    """The cache of one command: the snapshots it loaded (by object id, with their origin)
    and what to write once it has answered."""

    origins: dict[int, Origin] = field(default_factory=dict)
    saves: list[Callable[[], None]] = field(default_factory=list)
    kept: dict = field(default_factory=dict)  # what the layers above keep for the command
    # one line on stderr at most (a folder that cannot be written), then silence
    problem: str | None = None

    def origin(self, snap: Snapshot) -> Origin | None:
        return self.origins.get(id(snap))

    def snapshot(
        self, path: Path | str, strict: bool, size_limit: bool, load: Callable[[], Snapshot]
    ) -> Snapshot:
        """The snapshot at `path` from its entry if one matches, else `load()` (saved once
        the command has answered)."""
        root = Path(path)
        try:
            inputs = inputs_digest(root)
            key = (*versions(), "snapshot", str(path), strict, size_limit, inputs)
        except OSError:  # unreadable input: the loader says what is wrong with it
            return load()
        folder = folder_of(root)
        entry = folder / f"snapshot-{digest(key)}.pickle"
        origin = Origin(root, folder, key, inputs)
        snap = read_entry(entry, key)
        if not isinstance(snap, Snapshot):
            snap = load()
            # `replace` leaves out the indexes derived since (`Snapshot.memo`)
            self.saves.append(lambda: self.write(entry, key, replace(snap), origin))
        self.origins[id(snap)] = origin
        return snap

    def write(self, path: Path, key: tuple, value: Any, origin: Origin, dump=None) -> None:
        """Write an entry if the inputs are still those it was keyed by; a folder that cannot
        take it is one note (`problem`), a value that cannot be pickled is skipped."""
        if self.problem is not None:
            return
        try:
            if origin.unchanged is None:  # hashed again once, before the first write
                origin.unchanged = inputs_digest(origin.root) == origin.inputs
            if not origin.unchanged:
                return  # the input changed while the command ran: the entry would lie
            write_entry(path, key, value, dump)
        except (OSError, InputError) as exc:
            why = exc.message if isinstance(exc, InputError) else (exc.strerror or str(exc))
            self.problem = f"{origin.folder}: {why}"
        except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
            return  # something this iamgraph holds cannot be stored: no entry, same answers

    def save(self) -> str | None:
        """Write what the command learned, unless its deadline passed (an answer it cut short
        must not outlive it); the one note to show, if the folder refused."""
        if deadline.expired():
            return None
        for save in self.saves:
            save()
        self.saves.clear()
        return self.problem


_current: ContextVar[Session | None] = ContextVar("iamgraph_cache", default=None)


def current() -> Session | None:
    """The open session, if the command uses the cache."""
    return _current.get()


@contextmanager
def caching(enabled: bool = True) -> Iterator[Session | None]:
    """Open a session for the block (none when not `enabled` or $IAMGRAPH_NO_CACHE is set).
    The caller saves (`Session.save`) once the command has answered, and only then."""
    session = Session() if enabled and enabled_by_env() else None
    token = _current.set(session)
    try:
        yield session
    finally:
        _current.reset(token)
