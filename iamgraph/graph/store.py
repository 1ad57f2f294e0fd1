"""The permission graph kept in the snapshot's cache (load/cache.py), so that a second query on
an unchanged organization starts from the steps the first one solved.

What is stored is the `PermissionGraph` (its builder's answer caches, the admin verdicts, every
state's steps) and the `Paths` over it (direct answers, the bound search's closed sets for the
admin goal), pickled without the snapshot (it has its own entry), minus what cannot outlive the
process: a state still being expanded holds a generator, so its steps are dropped and worked
out again (the edges it drew are redrawn under the same keys); the closed sets of other goals
are keyed by closures of one question. Attributes are saved generically, so that the engine
may grow caches without this module changing.

The builder (every solver answer, the bulk of an entry) and the drawing (`PermissionGraph.drawing`)
are only needed when a query works out a step the entry lacks: they are stored as pickles of
their own and unpickled on first use (`_Later`), so a query the entry answers reads neither.

A question asked before (`remembered`: can, who-can, paths, privesc with the same arguments)
is answered from its own entry without the graph.
"""

from __future__ import annotations

import copy
import functools
import inspect
import pickle
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from iamgraph.graph.build import PermissionGraph
from iamgraph.graph.paths import Paths
from iamgraph.load import cache
from iamgraph.model.snapshot import Snapshot

Graph = tuple[PermissionGraph, Paths]
_SNAPSHOT = "<the snapshot>"  # what stands for the snapshot in a stored attribute
_ADMIN = "admin-goal"  # what `Paths.admin_goal` is stored as, in the keys of goal caches
LATER = ("builder", "drawing")  # attributes of the graph unpickled on first use
# An entry is rewritten when the command added more than this share to what it held: a query
# whose searches visit states in another order (sets) adds a few steps, not worth seconds.
GROWTH = 1.01


def graph_for(snap: Snapshot, timeout_ms: int, make: Callable[[], Graph]) -> Graph:
    """The graph of `snap` from its cache entry if the command's session has one that
    matches, else `make()`; either is saved (with what the command added) once it answered."""
    session = cache.current()
    origin = session.origin(snap) if session is not None else None
    if origin is None:
        return make()
    key = (*origin.key, "graph", timeout_ms)
    if key in session.kept:  # asked again in the same command
        return session.kept[key]
    path = origin.folder / f"graph-{cache.digest(key)}.pickle"
    graph = _restore(path, key, snap)
    before = None
    if graph is None:
        graph = make()
    else:
        before = _size(graph)

    def save() -> None:
        if before is not None and sum(_size(graph)) <= sum(before) * GROWTH:
            return  # little or nothing new: working it out again costs less than a rewrite
        session.write(path, key, _stored(graph, snap), origin)

    session.saves.append(save)
    session.kept[key] = graph
    return graph


class _Later:
    """An attribute of the graph kept pickled until first used: then unpickled, put in its
    place on the graph, and everything asked of this stand-in passed on to it."""

    def __init__(self, blob: bytes, snap: Snapshot, owner: object, name: str, held: int) -> None:
        # held: the entries of its dictionaries (what `_size` counts for it while pickled)
        object.__setattr__(self, "_later", (blob, snap, owner, name, held))
        object.__setattr__(self, "_value", None)

    def value(self) -> Any:
        found = object.__getattribute__(self, "_value")
        if found is None:
            blob, snap, owner, name, _ = object.__getattribute__(self, "_later")
            found = _unpickle(blob, snap)
            object.__setattr__(self, "_value", found)
            setattr(owner, name, found)
        return found

    def __getattr__(self, name: str) -> Any:
        return getattr(_Later.value(self), name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(_Later.value(self), name, value)


def _unpickle(blob: bytes, snap: Snapshot) -> Any:
    return _attached(pickle.loads(blob), snap)


def _detached(obj: Any, snap: Snapshot) -> Any:
    """A shallow copy of `obj` whose attributes that held the snapshot say so instead: the
    snapshot has its own entry (and a callback per pickled object to find it costs seconds)."""
    out = copy.copy(obj)
    for name, value in vars(obj).items():
        if value is snap:
            setattr(out, name, _SNAPSHOT)
    return out


def _attached(obj: Any, snap: Snapshot) -> Any:
    for name, value in vars(obj).items():
        if isinstance(value, str) and value == _SNAPSHOT:
            setattr(obj, name, snap)
    return obj


def _stored(graph: Graph, snap: Snapshot) -> dict:
    """Copies of the graph and the paths with what cannot be pickled left out, and the parts
    unpickled on first use as pickles of their own (still the entry's bytes if never used)."""
    pg, paths = graph
    g = _detached(pg, snap)
    done = {k for k, v in pg.pending.items() if v is None}
    g.pending = dict.fromkeys(done)
    g.expanded = {k: v for k, v in pg.expanded.items() if k in done}
    later = {}
    for name in LATER:
        if name in vars(g):
            part = vars(g)[name]
            if type(part) is _Later and object.__getattribute__(part, "_value") is None:
                blob, *_, held = object.__getattribute__(part, "_later")
            else:
                blob = pickle.dumps(_detached(part, snap), protocol=pickle.HIGHEST_PROTOCOL)
                held = sum(len(v) for v in vars(part).values() if isinstance(v, dict))
            later[name] = (blob, held)
            setattr(g, name, None)
    p = copy.copy(paths)
    p.pg = g
    bound = getattr(paths, "bound", None)
    if bound is not None:
        b = copy.copy(bound)
        for name, value in vars(bound).items():
            if value is paths:
                setattr(b, name, p)
            elif isinstance(value, dict):
                setattr(b, name, _goal_keys(value, paths.admin_goal, _ADMIN))
        p.bound = b
    return {"pg": g, "paths": p, "later": later}


def _goal_keys(d: dict, old, new) -> dict:
    """`d` with keys `(goal, ...)` kept only for the goal `old`, put as `new` (the others are
    closures of one question)."""
    out = {}
    for k, v in d.items():
        if isinstance(k, tuple) and k and (callable(k[0]) or k[0] == old):
            if k[0] == old:
                out[(new, *k[1:])] = v
        else:
            out[k] = v
    return out


def _restore(path, key: tuple, snap: Snapshot) -> Graph | None:
    found = cache.read_entry(path, key)
    if not isinstance(found, dict):
        return None
    pg, paths, later = found.get("pg"), found.get("paths"), found.get("later")
    if not isinstance(pg, PermissionGraph) or not isinstance(paths, Paths):
        return None
    if paths.pg is not pg or not isinstance(later, dict):
        return None
    _attached(pg, snap)
    try:
        for name, (blob, held) in later.items():
            setattr(pg, name, _Later(bytes(blob), snap, pg, name, int(held)))
    except (TypeError, ValueError):  # not as this module writes it
        return None
    bound = getattr(paths, "bound", None)
    if bound is not None:
        for name, value in vars(bound).items():
            if isinstance(value, dict):
                setattr(bound, name, _goal_keys(value, _ADMIN, paths.admin_goal))
    return pg, paths


def _size(graph: Graph) -> tuple[int, ...]:
    """How much the graph holds: the lengths of the dictionaries of the graph, the paths, their
    bound search (the goals kept) and the builder once unpickled, and the states fully
    expanded."""
    pg, paths = graph
    parts = [pg, paths]
    builder = vars(pg).get("builder")
    if type(builder) is _Later and object.__getattribute__(builder, "_value") is None:
        stored = object.__getattribute__(builder, "_later")[4]  # as many as when written
    else:
        stored, parts = 0, [*parts, builder]
    dicts = [v for part in parts for v in vars(part).values() if isinstance(v, dict)]
    bound = getattr(paths, "bound", None)
    if bound is not None:
        dicts += [
            _goal_keys(v, paths.admin_goal, _ADMIN)
            for v in vars(bound).values()
            if isinstance(v, dict)
        ]
    return (*(len(v) for v in dicts), stored, sum(v is None for v in pg.pending.values()))


# -- answers ----------------------------------------------------------------------------------

ANSWERS_KEPT = 32  # questions remembered per snapshot and timeout, the most recent


@dataclass
class _Book:
    """The answers of one snapshot's entry, by question, oldest first."""

    answers: dict[str, Any]
    added: bool = False


def remembered(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A query function (`fn(snap, ..., timeout_ms=..., progress=..., graph=...)`) whose answers
    are kept in the snapshot's cache by question: every argument but the snapshot, the
    progress callback and a graph passed in (then it is not remembered). The same question on
    the unchanged snapshot is answered from the entry, without the graph."""
    signature = inspect.signature(fn)

    @functools.wraps(fn)
    def run(snap: Snapshot, *args: Any, **kwargs: Any) -> Any:
        session = cache.current()
        origin = session.origin(snap) if session is not None else None
        if origin is None or kwargs.get("graph") is not None:
            return fn(snap, *args, **kwargs)
        bound = signature.bind(snap, *args, **kwargs)
        bound.apply_defaults()
        given = {k: v for k, v in bound.arguments.items() if k not in ("snap", "progress")}
        question = repr((fn.__module__, fn.__qualname__, sorted(given.items())))
        book = _book(session, origin, given.get("timeout_ms"))
        if question in book.answers:
            book.answers[question] = book.answers.pop(question)  # now the most recent
            return book.answers[question]
        answer = fn(snap, *args, **kwargs)
        book.answers[question] = answer
        while len(book.answers) > ANSWERS_KEPT:
            del book.answers[next(iter(book.answers))]
        book.added = True
        return answer

    return run


def _book(session: cache.Session, origin: cache.Origin, timeout_ms: Any) -> _Book:
    key = (*origin.key, "answers", timeout_ms)
    if key not in session.kept:
        path = origin.folder / f"answers-{cache.digest(key)}.pickle"
        found = cache.read_entry(path, key)
        book = _Book(found if isinstance(found, dict) else {})

        def save() -> None:
            if book.added:
                session.write(path, key, book.answers, origin)

        session.saves.append(save)
        session.kept[key] = book
    return session.kept[key]
