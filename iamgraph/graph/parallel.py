"""Per-account work spread over processes or a Dask cluster, joined into one permission graph.

`build` does what `graph.build.build` does, and may also work out, up front, every step out of
every principal's own credentials (`PermissionGraph.steps` of each base state). Both are per
principal and independent, so they are cut into tasks (one account, or a slice of a large
one), run by one executor (in this process, a pool of forked processes, or a Dask cluster),
and merged here in snapshot order: admin verdicts into `pg.admin`, step lists into
`pg.expanded` (drawn as a serial run draws them), the solver answers into the builder's cache.
Steps that a search takes later (states with gains, changes to held principals) are still
worked out lazily here; a base state's cross-account `AssumeRole` steps are in its task (every
worker holds the whole snapshot). The answers are the same for any number of workers
(`tests/graph/test_parallel.py` compares them byte for byte: one process, two, a Dask cluster).

Which workers: `iamgraph.workers` (set by the CLI's `--jobs` and `--scheduler`).
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, replace

from iamgraph import deadline
from iamgraph.graph.admin import Admin
from iamgraph.graph.build import Builder, Hop, Key, PermissionGraph
from iamgraph.graph.build import build as build_serial
from iamgraph.model.snapshot import Snapshot
from iamgraph.verdict import DEFAULT_TIMEOUT_MS, Answer, Verdict
from iamgraph.workers import SMALL, Workers, current

TASKS_PER_WORKER = 4  # slices per worker, so that one large account does not leave others idle


@dataclass(frozen=True)
class Task:
    arns: tuple[str, ...]
    steps: bool  # also every step out of each principal's own credentials
    timeout_ms: int
    seconds_left: float | None  # what is left of the command's deadline


@dataclass
class Result:
    admin: dict[tuple[str, object], Admin] = field(default_factory=dict)
    expanded: dict[Key, list[Hop]] = field(default_factory=dict)
    answers: dict[tuple, Answer] = field(default_factory=dict)
    admin_answers: dict[tuple, Admin] = field(default_factory=dict)


def build(
    snap: Snapshot,
    timeout_ms: int = DEFAULT_TIMEOUT_MS,
    progress: Callable[[int, int], None] | None = None,
    *,
    steps: bool = True,
    workers: Workers | None = None,
) -> PermissionGraph:
    """The permission graph of `snap`, its per-principal work run by `workers` (those of
    `iamgraph.workers.using` if not given). `steps`: also work out every base state's steps up
    front (privesc, who-can and audit visit them all); a question from one principal does not."""
    workers = workers or current()
    if workers.serial or len(snap.principals) < SMALL:
        return build_serial(snap, timeout_ms, progress)
    pg = build_serial(snap, timeout_ms, admin=False)
    tasks = _tasks(pg, workers, steps, timeout_ms)
    results: list[Result | None] = [None] * len(tasks)
    total, done = len(snap.principals), 0
    for i, result in _run(snap, tasks, workers):
        results[i] = result
        done += len(tasks[i].arns)
        if progress:
            progress(done, total)
    _merge(pg, tasks, results)
    return pg


def _tasks(pg: PermissionGraph, workers: Workers, steps: bool, timeout_ms: int) -> list[Task]:
    by_account: dict[str, list[str]] = {}
    for arn, p in pg.snap.principals.items():
        by_account.setdefault(p.account, []).append(arn)
    slots = max(workers.jobs, 2) * TASKS_PER_WORKER
    size = max(1, -(-len(pg.snap.principals) // slots))
    left = deadline.seconds_left()
    return [
        Task(tuple(arns[i : i + size]), steps, timeout_ms, left)
        for arns in by_account.values()
        for i in range(0, len(arns), size)
    ]


def _merge(pg: PermissionGraph, tasks: list[Task], results: list[Result | None]) -> None:
    """Into `pg`, in snapshot order (the order of `expand_all` and of the serial build)."""
    for result in results:
        assert result is not None
        for key, answer in result.answers.items():
            pg.builder.cache.setdefault(key, answer)
        for key, admin in result.admin_answers.items():
            pg.builder.admin_cache.setdefault(key, admin)
    by_arn = {arn: r for t, r in zip(tasks, results, strict=True) for arn in t.arns}
    for arn in pg.snap.principals:
        for mode in pg.modes(arn):
            pg.admin[(arn, mode)] = by_arn[arn].admin[(arn, mode)]  # type: ignore[union-attr]
    for arn in pg.snap.principals:
        expanded = by_arn[arn].expanded  # type: ignore[union-attr]
        for mode in pg.modes(arn):
            key = (arn, mode, ())
            if key in expanded:
                for hop in expanded[key]:
                    pg._draw(hop, mode)
                pg.expanded[key] = expanded[key]
                pg.pending[key] = None


# -- in the worker ----------------------------------------------------------------------------

_snapshot: Snapshot | None = None  # a forked worker's snapshot, inherited from the parent
_one_at_a_time = threading.Lock()  # z3 is not thread-safe: one task per process at a time


def work(snap: Snapshot, task: Task) -> Result:
    """One task: the admin verdicts (and base states' steps) of its principals."""
    with _one_at_a_time, deadline.within(task.seconds_left):
        pg = PermissionGraph(snap, Builder(snap, task.timeout_ms))
        result = Result()
        for arn in task.arns:
            for mode in pg.modes(arn):
                pg.admin[(arn, mode)] = result.admin[(arn, mode)] = pg.builder.is_admin(arn, mode)
        if task.steps:  # not an administrator's: a search from it stops there (lazily if not)
            for arn in task.arns:
                for mode in pg.modes(arn):
                    if result.admin[(arn, mode)].verdict is not Verdict.REACHABLE:
                        result.expanded[(arn, mode, ())] = list(pg.steps(arn, mode))
        result.answers = pg.builder.cache
        result.admin_answers = pg.builder.admin_cache
        return result


def _work_forked(task: Task) -> Result:
    assert _snapshot is not None
    return work(_snapshot, task)


# -- executors --------------------------------------------------------------------------------


def _run(snap: Snapshot, tasks: list[Task], workers: Workers) -> Iterator[tuple[int, Result]]:
    """(task index, result) as tasks finish."""
    if workers.scheduler is not None:
        yield from _run_dask(snap, tasks, workers.scheduler)
    else:
        yield from _run_pool(snap, tasks, workers.jobs)


def _run_pool(snap: Snapshot, tasks: list[Task], jobs: int) -> Iterator[tuple[int, Result]]:
    """Forked processes: each inherits the loaded snapshot instead of receiving a copy."""
    global _snapshot
    _snapshot = snap
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(min(jobs, len(tasks)), mp_context=context) as pool:
            futures: dict[Future, int] = {
                pool.submit(_work_forked, t): i for i, t in enumerate(tasks)
            }
            for future in as_completed(futures):
                yield futures[future], future.result()
    finally:
        _snapshot = None


def _run_dask(snap: Snapshot, tasks: list[Task], address: str) -> Iterator[tuple[int, Result]]:
    """A Dask cluster: the snapshot is sent to every worker once (without its indexes, which
    each worker builds for itself), then one task per slice."""
    from distributed import Client
    from distributed import as_completed as dask_completed

    with Client(address, timeout="60s") as client:
        shared = client.scatter(replace(snap), broadcast=True, hash=False)
        futures = [client.submit(work, shared, t, pure=False) for t in tasks]
        index = {f.key: i for i, f in enumerate(futures)}
        for future in dask_completed(futures):
            yield index[future.key], future.result()
