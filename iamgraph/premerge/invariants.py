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

from dataclasses import dataclass
from pathlib import Path

from iamgraph.errors import InputError
from iamgraph.evaluate.matching import glob_match
from iamgraph.graph.build import PermissionGraph
from iamgraph.graph.paths import Paths, modes_filter, privesc
from iamgraph.load.settings import Invariant, Settings, load_settings
from iamgraph.query import reach as graph_query
from iamgraph.query.grammar import parse
from iamgraph.query.reach import Reach
from iamgraph.verdict import Answer, Verdict


@dataclass(frozen=True)
class InvariantResult:
    """One invariant held to one snapshot: PASS, FAIL with who breaks it, or UNKNOWN."""

    invariant: Invariant
    result: str  # PASS | FAIL | UNKNOWN
    breaking: tuple[Reach, ...] = ()  # the principals that break it, with their paths
    undecided: tuple[Reach, ...] = ()


def load_invariants(path: Path) -> list[Invariant]:
    """Read and check the file (`load.settings`); every mistake is one InputError naming the
    file and place."""
    return list(read_invariants(path).invariants)


def read_invariants(path: Path) -> Settings:
    """The invariants file read once: its invariants, and the suppressions it also holds."""
    return load_settings(path, invariants=True, audit_check=_is_audit_check)


def _is_audit_check(check_id: str) -> bool:
    from iamgraph.audit.checks import BY_ID

    return check_id in BY_ID


def check(
    pg: PermissionGraph, paths: Paths, invariants: list[Invariant], file: str, progress=None
) -> list[InvariantResult]:
    """Each invariant held to the graph; `progress(done, total, label)` hears of each."""
    out = []
    for i, inv in enumerate(invariants):
        if progress:
            progress(i, len(invariants), f"checking invariant {inv.name}")
        out.append(_check(pg, paths, inv, file, i))
    return out


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
        except InputError as exc:  # one line: what was understood, and the closest question
            first, *more = exc.message.splitlines()
            closest = "".join(f"; {m.strip()}" for m in more if "closest question" in m)
            raise InputError(file, f"$.invariant[{i}].ask", first + closest) from None
        if q.command not in ("can", "who-can") or q.filter.outside:
            raise InputError(
                file,
                f"$.invariant[{i}].ask",
                "an invariant asks a can or who-can question about principals of the snapshot "
                f"(this one is answered by {q.command}"
                + (" about principals outside the organization)" if q.filter.outside else ")"),
            )
        checks = [(list(c.actions), list(c.resources)) for c in q.checks]
        where = list(q.where)
        if q.principal is None:
            reaches = graph_query.who_can(pg, paths, checks, q.mfa, where)
            if q.filter:
                reaches = [
                    r for r in reaches if q.filter.covers(pg.snap.principals[r.answer.principal])
                ]
        else:
            reaches = [graph_query.can(pg, paths, q.principal, checks, q.mfa, where)]
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
