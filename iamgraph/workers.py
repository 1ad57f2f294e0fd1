"""Where a command's per-account work runs (`--jobs N`, `--scheduler ADDRESS`).

How to run is execution configuration, not part of any question (the answers are the same for
any number of workers), so it travels like the deadline: the CLI sets it once (`using`) around a
command, and `graph.parallel` reads it where the permission graph is built; a library caller
that sets none gets the serial, lazy build. Kept free of heavy imports: the CLI reads it to
declare its options.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

# Below this many principals one process does it all, lazily: starting workers and working out
# steps no search would take cost more than they save.
SMALL = 60


@dataclass(frozen=True)
class Workers:
    """`jobs` local processes, or a Dask scheduler's address (`tcp://host:8786`)."""

    jobs: int = 1
    scheduler: str | None = None

    @property
    def serial(self) -> bool:
        return self.scheduler is None and self.jobs <= 1


SERIAL = Workers()
_workers: ContextVar[Workers] = ContextVar("iamgraph_workers", default=SERIAL)


def cores() -> int:
    """The cores this process may run on (its affinity, not the machine's count)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


@contextmanager
def using(workers: Workers) -> Iterator[None]:
    """Build permission graphs inside the block with `workers`."""
    token = _workers.set(workers)
    try:
        yield
    finally:
        _workers.reset(token)


def current() -> Workers:
    return _workers.get()
