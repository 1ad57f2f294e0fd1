"""Least privilege, proven on the graph: principals that are not administrators but can make
themselves one. Where a pattern tool flags policies that hold a risky action, this check names
the principal only when a whole path to admin exists (every step replayed), and shows it."""

from __future__ import annotations

from collections.abc import Iterator

from iamgraph.audit.model import AuditContext, Check, Finding, Outcome
from iamgraph.severity import Severity


def _escalation(ctx: AuditContext) -> Iterator[Finding]:
    from iamgraph.graph.paths import modes_filter, privesc
    from iamgraph.solvers.prove import Verdict

    pg = ctx.graph
    for f in privesc(pg, ctx.paths, modes_filter(None)):
        hops = [
            {"from": h.source, "to": h.target, "method": h.method, "mfa_before": h.mode_from.value}
            for h in f.hops
        ]
        if f.verdict is Verdict.REACHABLE and f.hops:
            via = " -> ".join(f"{h.target} ({h.method})" for h in f.hops)
            yield Finding(
                "IAM.PRIVESC.PATH",
                f.principal,
                f"{f.principal} is not an administrator but can become one: {via}",
                {"principal": f.principal, "path": hops, "start": f.hops[0].mode_from.value},
            )
        elif f.verdict is Verdict.UNKNOWN:
            yield Finding(
                "IAM.PRIVESC.PATH",
                f.principal,
                f"whether {f.principal} can become an administrator is undecided: "
                + "; ".join(f.reasons),
                {"principal": f.principal, "reasons": list(f.reasons), "path": hops},
                outcome=Outcome.UNKNOWN,
            )


CHECKS: tuple[Check, ...] = (
    Check(
        "IAM.PRIVESC.PATH",
        "No principal can make itself an administrator",
        Severity.HIGH,
        "least privilege",
        "permission graph (42 escalation methods, each step proven and replayed)",
        "Remove one step of the path: the permission, trust or pass-role grant each hop names.",
        _escalation,
    ),
)
