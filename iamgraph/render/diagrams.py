"""Which diagram each answer draws (`render.dot` draws it): the paths of `can` / `who-can` /
`ask` / `paths` answers and what they end in, the ways to admin of `privesc`, and the
permission graph's picture."""

from __future__ import annotations

from iamgraph.audit.run import DiagramPaths
from iamgraph.model.snapshot import Snapshot
from iamgraph.query.answer import Escalation, Picture
from iamgraph.query.reach import Reach
from iamgraph.render.dot import Goal, diagram
from iamgraph.verdict import Verdict


def answers_diagram(snap: Snapshot, reaches: list[Reach] | tuple[Reach, ...], title: str):
    """Every reachable (and unknown) answer's path and what it ends in."""
    shown = [r for r in reaches if r.answer.verdict is not Verdict.UNREACHABLE]
    hops = [h for r in shown for h in r.hops]
    goals = [
        Goal(r.answer.witness.resource, r.answer.witness.principal, r.answer.witness.action)
        for r in shown
        if r.answer.witness is not None
    ]
    starts = [r.answer.principal for r in shown]
    return diagram(snap, hops, title=title, goals=goals, starts=starts)


def privesc_diagram(snap: Snapshot, escalations: tuple[Escalation, ...]):
    """The reachable ways to admin, each ending in `becomes admin`."""
    found = [e.found for e in escalations]
    hops = [h for f in found if f.verdict is Verdict.REACHABLE for h in f.hops]
    goals = [
        Goal("admin", f.hops[-1].target, "becomes admin")
        for f in found
        if f.verdict is Verdict.REACHABLE and f.hops
    ]
    starts = [f.principal for f in found if f.hops]
    return diagram(snap, hops, title="privilege escalation to admin", goals=goals, starts=starts)


def picture_diagram(snap: Snapshot, p: Picture, accounts: list[str]):
    """The organization's permission graph, administrators in gold."""
    title = "permission graph" + (f" of {', '.join(accounts)}" if accounts else "")
    return diagram(snap, list(p.hops), title=title, principals=p.principals, ends=p.admins)


def audit_diagrams(snap: Snapshot, paths: DiagramPaths) -> list[tuple[str, object]]:
    """The audit report's diagrams with their captions: the escalation paths to admin, and the
    non-MFA paths to tamper with the trail (each left out when there is none)."""
    out: list[tuple[str, object]] = []
    found = paths.escalations
    if found:
        dot = diagram(
            snap,
            [h for f in found if f.verdict is Verdict.REACHABLE for h in f.hops],
            title="privilege escalation to admin",
            goals=[Goal("admin", f.hops[-1].target, "becomes admin") for f in found],
            starts=[f.principal for f in found],
        )
        out.append(("Paths to administrator", dot))
    if paths.tampering:
        dot = answers_diagram(snap, paths.tampering, title="trail tampering without MFA")
        out.append(("Trail tampering without MFA", dot))
    return out
