"""Every principal over the permission graph: who can tamper with a trail without MFA
(`ask "can any non-MFA principal tamper with the trail"`), paths included.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

from iamgraph.audit.model import AuditContext
from iamgraph.audit.trail.facts import (
    TRAIL_TAMPER,
    deciding_statements,
    reason_source,
    sorted_trails,
)
from iamgraph.finding import Finding, found
from iamgraph.model.principals import PrincipalKind
from iamgraph.model.snapshot import Snapshot
from iamgraph.verdict import Verdict

if TYPE_CHECKING:  # the solver pulls in z3, slow to load: imported where it is used
    from iamgraph.graph.build import Hop
    from iamgraph.query.reach import Reach


# -- every principal, over paths -----------------------------------------------------------------


def run_tamper_without_mfa(ctx: AuditContext) -> Iterator[Finding]:
    """`ask "can any non-MFA principal tamper with the trail"`, over every trail."""
    from iamgraph.query import reach as query

    snap = ctx.snapshot
    arns = [t.arn for t in sorted_trails(snap)]
    if not arns:
        return
    for account in sorted({t.account for t in sorted_trails(snap)}):
        data = snap.accounts.get(account)
        if data is None or not data.has_iam:
            yield found(
                account,
                f"account {account} owns a trail but the snapshot has no IAM authorization "
                "details for it: its principals cannot be checked",
                {"account": account, "missing": f"accounts/{account}/iam/"},
                unknown=True,
            )
    pg = ctx.graph
    reaches = query.who_can(pg, ctx.paths, [(list(TRAIL_TAMPER), arns)], "no-mfa")
    for reach in reaches:
        answer = reach.answer
        hops = [_hop(h) for h in reach.hops]
        assumed = _assumed_credential(snap, answer.principal)
        if answer.verdict is Verdict.REACHABLE and assumed:
            finding = _tamper_finding(snap, reach, hops)
            yield replace(
                finding,
                message=f"{finding.message}, if it holds such credentials: {assumed}",
                evidence={**finding.evidence, "assumed": assumed},
                unknown=True,
            )
        elif answer.verdict is Verdict.REACHABLE:
            yield _tamper_finding(snap, reach, hops)
        elif answer.verdict is Verdict.UNKNOWN:
            yield found(
                answer.principal,
                f"whether {answer.principal} can tamper with a trail without MFA cannot be told: "
                + "; ".join(answer.reasons),
                {"principal": answer.principal, "hops": hops, "reasons": list(answer.reasons)},
                unknown=True,
            )


def _assumed_credential(snap: Snapshot, arn: str) -> str | None:
    """A user's or root's credentials are read off the credential report; without one the
    graph assumes every kind, so a path from there is only as sure as that assumption."""
    p = snap.principals.get(arn)
    if p is None or p.kind is PrincipalKind.ROLE:
        return None
    data = snap.accounts.get(p.account)
    if data is not None and data.credential_report is not None:
        return None
    return f"no credential report for {p.account}"


def _hop(h: Hop) -> dict:
    return {
        "from": h.source,
        "to": h.target,
        "method": h.method,
        "gain": h.gain.value,
        "mode_from": h.mode_from.value,
        "mode_to": h.mode_to.value,
        "detail": h.detail,
        "steps": [list(s) for s in h.actions],
    }


_MODE_WORDS = {"keys": "long-term access keys", "no-mfa": "a session without MFA"}


def _tamper_finding(snap: Snapshot, reach: Reach, hops: list[dict]) -> Finding:
    answer = reach.answer
    w = answer.witness
    trail = snap.trails.get(w.resource) if w else None
    name = trail.name if trail else (w.resource if w else "a trail")
    via = f" through {len(hops)} hop(s) to {hops[-1]['to']}" if hops else " directly"
    start = reach.start.mode.value if reach.start else None
    held = _MODE_WORDS.get(start, start)
    kind = snap.principals[answer.principal].kind if answer.principal in snap.principals else None
    return found(
        answer.principal,
        f"{answer.principal} can {w.action if w else 'tamper with'} trail {name} without MFA"
        f" (with {held}){via}",
        {
            "principal": answer.principal,
            "kind": kind.value if isinstance(kind, PrincipalKind) else None,
            "start_mode": start,
            "action": w.action if w else None,
            "trail": w.resource if w else None,
            "acting_as": w.principal if w else None,
            "hops": hops,
            "statements": deciding_statements(w.decision) if w else [],
        },
        reason_source(w.decision.deciding[-1]) if w and w.decision.deciding else None,
    )
