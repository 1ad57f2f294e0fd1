"""Invariants: named properties an organization must keep, checked on a snapshot.

A file (`iamgraph.toml`) holds `[[invariant]]` tables, each with a `name` and one of:

- `ask = "QUESTION"`: a question in the `ask` grammar that must come back proven-unreachable
  (for "who can" / "any principal" questions: for every principal not matched by `allow`);
- `escalation = true`: no principal that is not already an administrator can become one,
  except those `allow` matches;
- `exposure = "foreign-trust"`: no role can be assumed by a principal outside the organization;
  `exposure = "public"`: no bucket, key or topic policy lets anyone in (`premerge.exposure`);
  `allow` then lists role or resource ARN patterns;
- `audit = "CHECK.ID"`: that audit check (`iamgraph audit`) finds nothing; `allow` lists
  subjects it may find.

`allow` is a list of principal ARN patterns (`*` and `?` as in policies). Each invariant
answers PASS (proven), FAIL (with the principals that break it and their paths) or UNKNOWN.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from iamgraph.errors import InputError
from iamgraph.evaluate.matching import glob_match
from iamgraph.graph import query as graph_query
from iamgraph.graph.build import PermissionGraph
from iamgraph.graph.paths import Paths, modes_filter, privesc
from iamgraph.graph.query import Reach
from iamgraph.premerge.suppressions import read_toml
from iamgraph.query.grammar import parse
from iamgraph.verdict import Answer, Verdict

KEYS = {"name", "ask", "escalation", "exposure", "audit", "allow", "description"}
KINDS = ("ask", "escalation", "exposure", "audit")
EXPOSURES = ("foreign-trust", "public")
TOP_LEVEL = {"invariant", "suppression"}


@dataclass(frozen=True)
class Invariant:
    name: str
    ask: str | None = None
    escalation: bool = False
    allow: tuple[str, ...] = ()
    description: str = ""
    exposure: str | None = None
    audit: str | None = None
    line: int = field(default=0, compare=False)  # of its [[invariant]] header in the file


@dataclass(frozen=True)
class InvariantResult:
    """One invariant held to one snapshot: PASS, FAIL with who breaks it, or UNKNOWN."""

    invariant: Invariant
    result: str  # PASS | FAIL | UNKNOWN
    breaking: tuple[Reach, ...] = ()  # the principals that break it, with their paths
    undecided: tuple[Reach, ...] = ()


def load_invariants(path: Path) -> list[Invariant]:
    """Read and check the file; every mistake is one InputError naming the file and place."""
    file = str(path)
    if not path.is_file():
        raise InputError(file, "$", "no such file")
    data = read_toml(path)
    extra = sorted(set(data) - TOP_LEVEL)
    if extra:
        raise InputError(file, f"$.{extra[0]}", f"unknown table (expected {sorted(TOP_LEVEL)})")
    tables = data.get("invariant")
    if not isinstance(tables, list) or not tables:
        raise InputError(file, "$", "expected one or more [[invariant]] tables")
    lines = _header_lines(path)
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
        given = [k for k in KINDS if k in t and t[k] is not False]
        if len(given) != 1:
            raise InputError(
                file,
                where,
                'give exactly one of ask = "...", escalation = true, exposure = "..." '
                'or audit = "..."',
            )
        ask, escalation = t.get("ask"), t.get("escalation", False)
        exposure, audit = t.get("exposure"), t.get("audit")
        for k in ("ask", "audit"):
            if k in t and not isinstance(t[k], str):
                raise InputError(file, f"{where}.{k}", f"{k} must be a string")
        if escalation is not False and escalation is not True:
            raise InputError(file, f"{where}.escalation", "escalation must be true")
        if exposure is not None and exposure not in EXPOSURES:
            raise InputError(file, f"{where}.exposure", f"expected one of {list(EXPOSURES)}")
        if audit is not None:
            from iamgraph.audit.checks import BY_ID

            if audit not in BY_ID:
                raise InputError(file, f"{where}.audit", f"no audit check {audit}")
        allow = t.get("allow", [])
        if not isinstance(allow, list) or not all(isinstance(a, str) for a in allow):
            raise InputError(
                file, f"{where}.allow", "allow must be a list of principal ARN patterns"
            )
        out.append(
            Invariant(
                name,
                ask,
                escalation is True,
                tuple(allow),
                t.get("description", ""),
                exposure,
                audit,
                lines[i] if i < len(lines) else 0,
            )
        )
    return out


def _header_lines(path: Path) -> list[int]:
    text = path.read_text(encoding="utf-8")
    return [
        n
        for n, line in enumerate(text.splitlines(), start=1)
        if re.match(r"\s*\[\[\s*invariant\s*\]\]", line)
    ]


def check(
    pg: PermissionGraph, paths: Paths, invariants: list[Invariant], file: str
) -> list[InvariantResult]:
    return [_check(pg, paths, inv, file, i) for i, inv in enumerate(invariants)]


def _allowed(inv: Invariant, arn: str) -> bool:
    return any(glob_match(pattern, arn) for pattern in inv.allow)


def _check(pg: PermissionGraph, paths: Paths, inv: Invariant, file: str, i: int) -> InvariantResult:
    if inv.exposure or inv.audit:
        reaches = _exposures(pg, inv) if inv.exposure else _audit(pg, inv)
    elif inv.escalation:
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
    return InvariantResult(inv, result, breaking, undecided)


def _exposures(pg: PermissionGraph, inv: Invariant) -> list[Reach]:
    """Each exposed role or resource as a Reach: the resource in place of a principal, the
    outside caller in `notes`."""
    from iamgraph.premerge.exposure import foreign_trust, public_resources

    find = foreign_trust if inv.exposure == "foreign-trust" else public_resources
    return [
        Reach(
            Answer(
                e.resource,
                e.answer.verdict,
                e.answer.witness,
                e.answer.reasons,
                notes=(f"open to {e.caller}",),
            )
        )
        for e in find(pg.snap, pg.builder.timeout_ms)
    ]


def _audit(pg: PermissionGraph, inv: Invariant) -> list[Reach]:
    """Each finding of the audit check, its subject in place of a principal."""
    from iamgraph.audit.checks import BY_ID
    from iamgraph.audit.run import context_for

    check = BY_ID[inv.audit]
    return [
        Reach(
            Answer(
                f.subject,
                Verdict.UNKNOWN if f.unknown else Verdict.REACHABLE,
                None,
                (f.message,) if f.unknown else (),
                notes=(f.message,),
            )
        )
        for f in check.run(context_for(pg.snap, graph=pg))
    ]
