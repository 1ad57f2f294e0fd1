"""The permission graph kept in the snapshot's cache (load/cache.py), so that a second query on
an unchanged organization starts from the steps the first one solved.

What is stored is the `PermissionGraph` (its builder's answer caches, the admin verdicts, every
state's steps) and the `Paths` over it (direct answers, the bound search's closed sets for the
admin goal), pickled whole with the snapshot as a persistent reference, minus what cannot
outlive the process: a state still being expanded holds a generator, so its steps are dropped
and worked out again (the edges it drew are redrawn under the same keys); the closed sets of
other goals are keyed by closures of one question. Their attributes are saved generically, so
that the engine may grow caches without this module changing.
"""

from __future__ import annotations

import copy
import pickle
import types
from collections.abc import Callable

from iamgraph.graph.build import PermissionGraph
from iamgraph.graph.paths import Paths
from iamgraph.load import cache
from iamgraph.model.snapshot import Snapshot

Graph = tuple[PermissionGraph, Paths]
_SNAPSHOT = "snapshot"  # the persistent id of the snapshot the graph was built over
_ADMIN = "admin-goal"  # what `Paths.admin_goal` is stored as, in the keys of goal caches


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
        if before is not None and _size(graph) == before:
            return  # nothing new was worked out: the entry already holds it all
        session.write(path, key, _stored(graph), origin, dump=_dumper(snap, graph[1]))

    session.saves.append(save)
    session.kept[key] = graph
    return graph


def _stored(graph: Graph) -> dict:
    """Copies of the graph and the paths with what cannot be pickled left out."""
    pg, paths = graph
    g = copy.copy(pg)
    done = {k for k, v in pg.pending.items() if v is None}
    g.pending = dict.fromkeys(done)
    g.expanded = {k: v for k, v in pg.expanded.items() if k in done}
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
    return {"pg": g, "paths": p}


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


def _dumper(snap: Snapshot, paths: Paths):
    def dump(fh) -> pickle.Pickler:
        pickler = pickle.Pickler(fh, protocol=pickle.HIGHEST_PROTOCOL)

        def persistent_id(obj):
            if obj is snap:
                return _SNAPSHOT
            if type(obj) is types.MethodType and obj.__self__ is paths:
                raise pickle.PicklingError("a method of the paths")  # a goal left in a key
            return None

        pickler.persistent_id = persistent_id
        return pickler

    return dump


def _restore(path, key: tuple, snap: Snapshot) -> Graph | None:
    def load(reader: pickle.Unpickler) -> None:
        def persistent_load(pid):
            if pid != _SNAPSHOT:
                raise pickle.UnpicklingError(f"unknown persistent id {pid!r}")
            return snap

        reader.persistent_load = persistent_load

    found = cache.read_entry(path, key, load)
    if not isinstance(found, dict):
        return None
    pg, paths = found.get("pg"), found.get("paths")
    if not isinstance(pg, PermissionGraph) or not isinstance(paths, Paths):
        return None
    if pg.snap is not snap or paths.pg is not pg:
        return None
    bound = getattr(paths, "bound", None)
    if bound is not None:
        for name, value in vars(bound).items():
            if isinstance(value, dict):
                setattr(bound, name, _goal_keys(value, _ADMIN, paths.admin_goal))
    return pg, paths


def _size(graph: Graph) -> tuple[int, ...]:
    """How much of the graph would be stored: the lengths of the dictionaries of the graph, its
    builder, the paths and their bound search, and the edges drawn. Unchanged since the entry
    was read: nothing to save."""
    stored = _stored(graph)
    pg, paths = stored["pg"], stored["paths"]
    parts = (pg, pg.builder, paths, getattr(paths, "bound", None))
    dicts = [v for part in parts if part is not None for v in vars(part).values()]
    sizes = [len(v) for v in dicts if isinstance(v, dict)]
    return (*sizes, pg.graph.number_of_edges())
