"""A total time budget for one command (`--deadline SECONDS`).

`--timeout` bounds one z3 check; a deadline bounds everything after it: the number of checks,
the encodings, the searches over the escalation graph. Once it has passed, every question not yet
decided is `unknown` with the reason "deadline" (never a proof: SEMANTICS' verdict contract).

The budget lives in a context variable that the CLI sets once around a command, because the
places that poll it (each solver call, each search loop) sit many calls below any parameter
list that could carry it; a library caller that sets none has no deadline. Searches stop by
raising `DeadlineExpired`, caught where a partial answer can be turned into `unknown`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

REASON = "deadline"
# One z3 check (`--timeout`); a question that stalls past it is `unknown`. Here rather than in
# `verdict`, which re-exports it, so that the CLI's option defaults load no evaluator.
DEFAULT_TIMEOUT_MS = 5000

_until: ContextVar[float | None] = ContextVar("iamgraph_deadline", default=None)


class DeadlineExpired(Exception):
    """Raised by `check()` inside a search; its catcher answers `unknown` ("deadline")."""


@contextmanager
def within(seconds: float | None) -> Iterator[None]:
    """Run the block with at most `seconds` left (None or 0: no limit of its own). A block
    inside another keeps the earlier of the two ends."""
    end = None if not seconds else time.monotonic() + seconds
    outer = _until.get()
    if outer is not None and (end is None or outer < end):
        end = outer
    token = _until.set(end)
    try:
        yield
    finally:
        _until.reset(token)


def expired() -> bool:
    end = _until.get()
    return end is not None and time.monotonic() >= end


def seconds_left() -> float | None:
    """What is left of the deadline (None: no limit), to hand to work done elsewhere (another
    process) that cannot see this one's context."""
    end = _until.get()
    return None if end is None else max(0.001, end - time.monotonic())


def or_reason(reason: str) -> str:
    """Why a check stopped: "deadline" when the deadline cut it short, else `reason` (what z3
    says about being stopped early is not the cause)."""
    return REASON if expired() else reason


def check() -> None:
    """Stop a search once the deadline has passed."""
    if expired():
        raise DeadlineExpired(REASON)


def clamp_ms(timeout_ms: int) -> int:
    """A solver call's timeout, cut to what is left of the deadline (at least 1 ms: z3 reads
    0 as no limit)."""
    end = _until.get()
    if end is None:
        return timeout_ms
    left = int((end - time.monotonic()) * 1000)
    return max(1, min(timeout_ms, left))
