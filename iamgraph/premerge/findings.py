"""The pre-merge commands' results (`diff-policy`, `check-access`, `check`, `diff`) as
findings: one rule per kind of property, one item per class of new access, per new path to
admin, per principal breaking an invariant, and per question left open."""

from __future__ import annotations

from collections.abc import Iterable

from iamgraph.finding import Finding, Location, Rule
from iamgraph.graph.build import Hop
from iamgraph.premerge.invariants import InvariantResult
from iamgraph.premerge.rules import ACCESS_GRANTED, INVARIANT_BROKEN, NEW_ACCESS, NOT_PROVEN
from iamgraph.verdict import Comparison, NewAccess, Result


def access_items(comparison: Comparison, subject: str, rule: Rule = NEW_ACCESS) -> list[Finding]:
    """One item per class of new (or granted) access, and one for an open question."""
    items = [_access(n, subject, rule) for n in comparison.new_access]
    if not comparison.complete:  # UNKNOWN, or FAIL whose list may not be all: an open question
        what = "gains access" if comparison.result == Result.UNKNOWN else "gains more access"
        items.append(
            Finding(
                NOT_PROVEN,
                subject,
                f"could not decide whether {subject} {what}: " + "; ".join(comparison.reasons),
                key=f"{rule.id} unknown",
                unknown=True,
                details=tuple(comparison.reasons),
            )
        )
    return items


def _access(n: NewAccess, subject: str, rule: Rule) -> Finding:
    by = f" to {n.caller}" if n.caller else ""
    level = f" ({n.service}, {n.access_level})" if n.access_level else f" ({n.service})"
    context = ", ".join(
        f"{k}={'|'.join(v.values)}" for k, v in n.context if n.chosen is None or k in n.chosen
    )
    verb = "grants" if rule is ACCESS_GRANTED else "newly grants"
    return Finding(
        rule,
        subject,
        f"{verb} {n.action} on {n.resource}{by}{level}",
        # stable across runs and line moves: the action, the caller and the granting
        # statements by name (the witness resource is the solver's choice, not part of it)
        key=" ".join(
            [n.action, n.caller, *(_unlocated(s) for s in (*n.statements, *n.denied_before))]
        ).strip(),
        locations=tuple(Location(f, line, col) for f, line, col in n.locations),
        details=(
            *([f"with {context}"] if context else []),
            *(f"no longer denied by {s}" for s in n.denied_before),
            *(f"by {s}" for s in n.statements),
        ),
        properties={
            "action": n.action,
            "resource": n.resource,
            "service": n.service,
            "accessLevel": n.access_level,
            **({"caller": n.caller} if n.caller else {}),
        },
    )


def _unlocated(label: str) -> str:
    """A statement label without its trailing `(file:line:col)`."""
    return label.rsplit(" (", 1)[0] if label.endswith(")") else label


def hop_lines(hops: Iterable[Hop]) -> tuple[str, ...]:
    return tuple(
        f"{h.source} -> {h.target} by {h.method} ({h.mode_from.value} -> {h.mode_to.value})"
        for h in hops
    )


def hop_locations(hops: Iterable[Hop]) -> tuple[Location, ...]:
    return tuple(dict.fromkeys(Location(*loc) for h in hops for loc in h.locations))


def path_item(rule: Rule, principal: str, hops: tuple[Hop, ...], what: str, key: str) -> Finding:
    via = " -> ".join(f"{h.target} ({h.method})" for h in hops) or "its own permissions"
    return Finding(
        rule,
        principal,
        f"{principal} {what} via {via}",
        key=key,
        locations=hop_locations(hops),
        details=hop_lines(hops),
    )


def invariant_items(
    outcomes: Iterable[InvariantResult], where: dict[str, Location]
) -> list[Finding]:
    """Each principal breaking an invariant (and each left undecided), located at the
    invariant's table in the invariants file unless the path names a statement."""
    items = []
    for o in outcomes:
        name, at = o.invariant.name, where.get(o.invariant.name)
        for r in o.breaking:
            item = path_item(
                INVARIANT_BROKEN, r.answer.principal, r.hops, f"breaks invariant {name}", name
            )
            items.append(_with_fallback(_with_final(item, r), at))
        for r in o.undecided:
            items.append(
                Finding(
                    NOT_PROVEN,
                    r.answer.principal,
                    f"invariant {name} undecided for {r.answer.principal}: "
                    + "; ".join(r.answer.reasons),
                    key=f"{name} unknown",
                    locations=(at,) if at else (),
                    unknown=True,
                    details=tuple(r.answer.reasons),
                )
            )
    return items


def _with_final(item: Finding, reach) -> Finding:
    """Add the statements that allow the last request (the goal itself) to the locations."""
    from dataclasses import replace

    w = reach.answer.witness
    if w is None or w.decision is None:
        return item
    final = tuple(
        Location(r.file, r.line, r.column)
        for r in w.decision.reasons
        if r.effect == "Allow" and r.line and r.layer in ("identity", "resource")
    )
    return replace(item, locations=tuple(dict.fromkeys((*item.locations, *final))))


def _with_fallback(item: Finding, at: Location | None) -> Finding:
    if item.locations or at is None:
        return item
    from dataclasses import replace

    return replace(item, locations=(at,))
