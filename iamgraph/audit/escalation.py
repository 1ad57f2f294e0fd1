"""Least privilege, proven on the graph: principals that are not administrators but can make
themselves one. Where a pattern tool flags policies that hold a risky action, this check names
the principal only when a whole path to admin exists (every step replayed), and shows it."""

from __future__ import annotations

from collections.abc import Iterator

from iamgraph.audit.model import AuditContext
from iamgraph.finding import Finding, Rule, Severity, check, found, rules_of
from iamgraph.verdict import Verdict


def _escalation(ctx: AuditContext) -> Iterator[Finding]:
    from iamgraph.graph.paths import modes_filter, privesc

    pg = ctx.graph
    for f in privesc(pg, ctx.paths, modes_filter(None)):
        hops = [
            {"from": h.source, "to": h.target, "method": h.method, "mfa_before": h.mode_from.value}
            for h in f.hops
        ]
        if f.verdict is Verdict.REACHABLE and f.hops:
            via = " -> ".join(f"{h.target} ({h.method})" for h in f.hops)
            yield found(
                f.principal,
                f"{f.principal} is not an administrator but can become one: {via}",
                {"principal": f.principal, "path": hops, "start": f.hops[0].mode_from.value},
            )
        elif f.verdict is Verdict.UNKNOWN:
            yield found(
                f.principal,
                f"whether {f.principal} can become an administrator is undecided: "
                + "; ".join(f.reasons),
                {"principal": f.principal, "reasons": list(f.reasons), "path": hops},
                unknown=True,
            )


def _partial(ctx: AuditContext) -> Iterator[Finding]:
    """Principals whose Allow statements name actions of escalation methods (what a pattern
    tool flags) but that are proven unable to become admin: the finding says which methods,
    and that no path exists, so a reviewer can close the pattern tool's alarm with a proof."""
    from iamgraph.graph.methods import METHODS
    from iamgraph.graph.paths import modes_filter, privesc

    pg = ctx.graph
    for f in privesc(pg, ctx.paths, modes_filter(None)):
        p = ctx.snapshot.principals[f.principal]
        if f.verdict is not Verdict.UNREACHABLE or p.policies.unresolved:
            continue
        named = {  # every action of the method named (AssumeRole alone is not a privilege)
            m.name: [s.action for s in m.steps]
            for m in METHODS
            if m.name != "AssumeRole"
            and all(pg.builder.identity_allows(f.principal, s.action) for s in m.steps)
        }
        if not named:
            continue
        yield found(
            f.principal,
            f"{f.principal} holds actions of {len(named)} escalation method(s) "
            f"({', '.join(sorted(named)[:5])}{', ...' if len(named) > 5 else ''}) but is proven "
            "unable to become an administrator by any of them",
            {"principal": f.principal, "methods": {m: sorted(a) for m, a in sorted(named.items())}},
        )


check(
    id="IAM.PRIVESC.PATH",
    title="No principal can make itself an administrator",
    severity=Severity.HIGH,
    practice="least privilege",
    reads="permission graph (42 escalation methods, each step proven and replayed)",
    remediation=(
        "Remove one step of the path: the permission, trust or pass-role grant each hop names."
    ),
)(_escalation)

check(
    id="IAM.PRIVESC.PARTIAL",
    title="Escalation actions held without a path to admin (proven)",
    severity=Severity.LOW,
    practice="least privilege",
    reads="identity policies (the actions named) and the permission graph (the proof of no path)",
    remediation=(
        "Drop the escalation actions the principal does not need; none of them leads to admin "
        "today, but a later grant could complete a path."
    ),
)(_partial)

CHECKS: tuple[Rule, ...] = tuple(rules_of(__name__))
