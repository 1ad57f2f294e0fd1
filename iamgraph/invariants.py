"""Invariants: named properties an organization must keep, checked on a snapshot.

A file (`iamgraph.toml`) holds `[[invariant]]` tables, each with a `name` and one of:

- `ask = "QUESTION"`: a question in the `ask` grammar that must come back proven-unreachable
  (for "who can" / "any principal" questions: for every principal not matched by `allow`);
- `escalation = true`: no principal that is not already an administrator can become one,
  except those `allow` matches.

`allow` is a list of principal ARN patterns (`*` and `?` as in policies). Each invariant
answers PASS (proven), FAIL (with the principals that break it and their paths) or UNKNOWN.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from iamgraph.errors import InputError
from iamgraph.graph import query as graph_query
from iamgraph.graph.build import PermissionGraph
from iamgraph.graph.paths import Paths, modes_filter, privesc
from iamgraph.graph.query import Reach
from iamgraph.matching import glob_match
from iamgraph.query.grammar import parse
from iamgraph.solvers.prove import Answer, Verdict

KEYS = {"name", "ask", "escalation", "allow", "description"}


@dataclass(frozen=True)
class Invariant:
    name: str
    ask: str | None = None
    escalation: bool = False
    allow: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class Outcome:
    invariant: Invariant
    result: str  # PASS | FAIL | UNKNOWN
    breaking: tuple[Reach, ...] = ()  # the principals that break it, with their paths
    undecided: tuple[Reach, ...] = ()


def load_invariants(path: Path) -> list[Invariant]:
    """Read and check the file; every mistake is one InputError naming the file and place."""
    file = str(path)
    if not path.is_file():
        raise InputError(file, "$", "no such file")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(file, "$", f"not TOML: {exc}") from None
    tables = data.get("invariant")
    if not isinstance(tables, list) or not tables:
        raise InputError(file, "$", "expected one or more [[invariant]] tables")
    out = []
    for i, t in enumerate(tables):
        where = f"$.invariant[{i}]"
        unknown = sorted(set(t) - KEYS)
        if unknown:
            raise InputError(
                file, f"{where}.{unknown[0]}", f"unknown key (expected {sorted(KEYS)})"
            )
        name = t.get("name")
        if not isinstance(name, str) or not name:
            raise InputError(file, f"{where}.name", "name must be a non-empty string")
        ask, escalation = t.get("ask"), t.get("escalation", False)
        if (ask is None) == (escalation is not True):
            raise InputError(file, where, 'give exactly one of ask = "..." or escalation = true')
        if ask is not None and not isinstance(ask, str):
            raise InputError(file, f"{where}.ask", "ask must be a string")
        allow = t.get("allow", [])
        if not isinstance(allow, list) or not all(isinstance(a, str) for a in allow):
            raise InputError(
                file, f"{where}.allow", "allow must be a list of principal ARN patterns"
            )
        out.append(Invariant(name, ask, escalation is True, tuple(allow), t.get("description", "")))
    return out


def check(
    pg: PermissionGraph, paths: Paths, invariants: list[Invariant], file: str
) -> list[Outcome]:
    return [_check(pg, paths, inv, file, i) for i, inv in enumerate(invariants)]


def _allowed(inv: Invariant, arn: str) -> bool:
    return any(glob_match(pattern, arn) for pattern in inv.allow)


def _check(pg: PermissionGraph, paths: Paths, inv: Invariant, file: str, i: int) -> Outcome:
    if inv.escalation:
        found = privesc(pg, paths, modes_filter(None))
        reaches = [
            Reach(Answer(f.principal, f.verdict, None, f.reasons), f.hops, f.start)
            for f in found
            if f.hops or f.verdict is Verdict.UNKNOWN  # already admin is not escalation
        ]
    else:
        try:
            q = parse(inv.ask, pg.snap)
        except InputError as exc:
            raise InputError(file, f"$.invariant[{i}].ask", exc.message) from None
        checks = [(list(c.actions), list(c.resources)) for c in q.checks]
        if q.principal is None:
            reaches = graph_query.who_can(pg, paths, checks, q.mfa)
        else:
            reaches = [graph_query.can(pg, paths, q.principal, checks, q.mfa)]
    relevant = [r for r in reaches if not _allowed(inv, r.answer.principal)]
    breaking = tuple(r for r in relevant if r.answer.verdict is Verdict.REACHABLE)
    undecided = tuple(r for r in relevant if r.answer.verdict is Verdict.UNKNOWN)
    result = "FAIL" if breaking else "UNKNOWN" if undecided else "PASS"
    return Outcome(inv, result, breaking, undecided)
