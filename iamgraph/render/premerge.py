"""The pre-merge commands' reports (`diff-policy`, `check-access`, `check`, `diff`): each
command's own text, JSON document and Markdown summary around its judged findings, written
by `render.report`."""

from __future__ import annotations

from collections.abc import Iterable

from iamgraph.model.policy import PolicyKind
from iamgraph.premerge.invariants import InvariantResult
from iamgraph.premerge.run import AccessCheck, Change, InvariantCheck, PolicyDiff
from iamgraph.premerge.snapshot_diff import SnapshotDiff
from iamgraph.query.reach import Reach
from iamgraph.render.headline import check_headline, method_words, names, obtained_words
from iamgraph.render.json import path_json
from iamgraph.render.markdown import code, escape
from iamgraph.render.report import write
from iamgraph.render.text import Para, Said, short
from iamgraph.verdict import Answer, Comparison, NewAccess, Result


def comparison_json(result: Comparison) -> dict:
    return {
        "result": result.result,
        "new_access": [_access_json(n) for n in result.new_access],
        "complete": result.complete,
        "reasons": list(result.reasons),
        "notes": list(result.notes),
    }


def _access_json(n: NewAccess) -> dict:
    return {
        "action": n.action,
        "resource": n.resource,
        "context": {k: list(v.values) for k, v in n.context},
        "statements": list(n.statements),
        "service": n.service,
        "access_level": n.access_level,
        **({"denied_before": list(n.denied_before)} if n.denied_before else {}),
        **({"principal": n.caller} if n.caller else {}),
    }


def services(new_access: Iterable[NewAccess]) -> dict[str, list[str]]:
    """service -> access levels, the summary a reviewer reads first."""
    out: dict[str, list[str]] = {}
    for n in new_access:
        levels = out.setdefault(n.service, [])
        if n.access_level and n.access_level not in levels:
            levels.append(n.access_level)
    return out


def grouped(new_access: tuple[NewAccess, ...], indent: str = "  ") -> list[str]:
    """New access grouped per service, each service headed by its access levels."""
    lines: list[str] = []
    for service, levels in services(new_access).items():
        lines.append(f"{indent}{service} ({', '.join(levels) or 'no access level'}):")
        for n in (n for n in new_access if n.service == service):
            who = f" by {n.caller}" if n.caller else ""
            lines.append(f"{indent}  {n.action} on {n.resource}{who}")
            shown = [(k, v) for k, v in n.context if n.chosen is None or k in n.chosen]
            context = ", ".join(f"{k}={'|'.join(v.values)}" for k, v in shown)
            if context:
                lines.append(f"{indent}      with {context}")
            lines += [f"{indent}      no longer denied by {s}" for s in n.denied_before]
            lines += [f"{indent}      granted by {s}" for s in n.statements]
    return lines


def _policy_text(result: Comparison, headline: str) -> list[str]:
    return [
        headline,
        *grouped(result.new_access),
        *(f"  unknown: {r}" for r in result.reasons),
        *(f"  note: {r}" for r in result.notes),
    ]


def _classes(result: Comparison) -> str:
    count = f"{len(result.new_access)} classes"
    return count if result.complete else f"{count} found; whether there are more is unknown"


def _services_md(new_access: tuple[NewAccess, ...]) -> list[str]:
    return [
        f"- **{service}**: {', '.join(levels) or 'no access level'}"
        for service, levels in services(new_access).items()
    ]


def _gate(kind: PolicyKind) -> bool:
    """E4, E9: an SCP or RCP never grants; it lets through."""
    return kind in (PolicyKind.SCP, PolicyKind.RCP)


def policy_diff_headline(d: PolicyDiff) -> str:
    old, new, result = d.old, d.new, d.comparison
    if _gate(d.kind):
        headlines = {
            Result.PASS: f"PASS: {new} lets through nothing {old} does not (proven)",
            Result.FAIL: f"FAIL: {new} lets through what {old} does not ({_classes(result)})",
            Result.UNKNOWN: f"UNKNOWN: whether {new} lets through more than {old}",
        }
    else:
        headlines = {
            Result.PASS: f"PASS: {new} grants nothing {old} does not (proven)",
            Result.FAIL: f"FAIL: {new} grants access {old} does not ({_classes(result)})",
            Result.UNKNOWN: f"UNKNOWN: whether {new} grants more than {old}",
        }
    return headlines[d.report.result]


def policy_diff(fmt: str, d: PolicyDiff) -> None:
    write(
        fmt,
        d.report,
        title=f"diff-policy {d.new}",
        text=lambda: _policy_text(d.comparison, policy_diff_headline(d)),
        json_doc=lambda: {**comparison_json(d.comparison), "result": d.report.result},
        findings_in_json=False,
        summary=lambda: [
            *_services_md(d.comparison.new_access),
            *(f"- note: {escape(n)}" for n in d.comparison.notes),
        ],
    )


def access_check_headline(c: AccessCheck) -> str:
    policy, asked = c.policy, ", ".join(c.actions)
    if _gate(c.kind):
        headlines = {
            Result.PASS: f"PASS: {policy} lets none of {asked} through (proven)",
            Result.FAIL: f"FAIL: {policy} lets through {asked}",
            Result.UNKNOWN: f"UNKNOWN: whether {policy} lets through {asked}",
        }
    else:
        headlines = {
            Result.PASS: f"PASS: {policy} grants none of {asked} (proven)",
            Result.FAIL: f"FAIL: {policy} grants {asked}",
            Result.UNKNOWN: f"UNKNOWN: whether {policy} grants {asked}",
        }
    return headlines[c.report.result]


def access_check(fmt: str, c: AccessCheck) -> None:
    write(
        fmt,
        c.report,
        title=f"check-access {c.policy}",
        text=lambda: _policy_text(c.comparison, access_check_headline(c)),
        json_doc=lambda: {**comparison_json(c.comparison), "result": c.report.result},
        findings_in_json=False,
    )


def _reach_line(r: Reach, name: dict[str, str]) -> Para:
    notes = r.answer.notes
    who = short(r.answer.principal)
    if notes and not r.hops:  # an exposure or audit finding: the subject is a resource
        return Para(f"{who}: {'; '.join(notes)}", "    ")
    via = " -> ".join(f"{name[h.target]} ({method_words(h.method)})" for h in r.hops) or "itself"
    held = obtained_words(r, name)
    return Para(f"{who}: {via}" + (f", {held}" if held else ""), "    ")


def _invariants_text(c: InvariantCheck, show_all: bool = False) -> list[Said]:
    """The answer first (`render.headline.check_headline`), then each invariant broken or
    undecided with its principals; the invariants that hold in one line (each on its own
    with `show_all`)."""
    reaches = [r for o in c.outcomes for r in (*o.breaking, *o.undecided)]
    name = names(
        [
            *(r.answer.principal for r in reaches),
            *(h.target for r in reaches for h in r.hops),
            *(h.source for r in reaches for h in r.obtained),
        ]
    )
    suppressed = sum(1 for i in c.report.items if i.suppression)
    head = check_headline(c.report.result, c.outcomes, str(c.file), suppressed)
    lines: list[Said] = [Para(head)]
    held = []
    for o in c.outcomes:
        if o.result == Result.PASS and not show_all:
            held.append(o.invariant.name)
            continue
        lines.append(f"{o.result:<8} {o.invariant.name}")
        lines += [_reach_line(r, name) for r in o.breaking]
        lines += [
            Para(f"unknown for {short(r.answer.principal)}: {'; '.join(r.answer.reasons)}", "    ")
            for r in o.undecided
        ]
    if held:
        lines.append(Para(f"hold (proven): {', '.join(held)}"))
    return lines


def _outcome_json(o: InvariantResult) -> dict:
    return {
        "name": o.invariant.name,
        "result": o.result,
        "breaking": [
            {
                "principal": r.answer.principal,
                "path": path_json(r),
                **({"notes": list(r.answer.notes)} if r.answer.notes else {}),
            }
            for r in o.breaking
        ],
        "unknown": [
            {"principal": r.answer.principal, "reasons": list(r.answer.reasons)}
            for r in o.undecided
        ],
    }


def invariant_check(fmt: str, c: InvariantCheck, image: str = "", show_all: bool = False) -> None:
    write(
        fmt,
        c.report,
        title=f"check {c.folder}",
        text=lambda: _invariants_text(c, show_all),
        json_doc=lambda: {
            "result": c.report.result,
            "invariants": [_outcome_json(o) for o in c.outcomes],
        },
        summary=lambda: [f"- {code(o.invariant.name)}: **{o.result}**" for o in c.outcomes],
        image=image,
    )


def _via(hops) -> str:
    return " -> ".join(f"{h.target} ({h.method})" for h in hops)


def _diff_text(result: SnapshotDiff) -> list[str]:
    lines = []
    grants = [c for c in result.changed if c.comparison.result == Result.FAIL or c.added]
    proven = [c for c in result.changed if c.comparison.result == Result.PASS and not c.added]
    open_ = [c for c in result.changed if c.comparison.result == Result.UNKNOWN]
    lines.append(f"new access: {len(grants)} principals and resources")
    for c in grants:
        what = {"own": "", "trust": " (its trust policy)", "resource": " (its policy)"}[c.policy]
        if c.added:
            lines.append(f"  {c.principal}{what}: new")
            continue
        lines.append(f"  {c.principal}{what}")
        lines += grouped(c.comparison.new_access, "    ")
        lines += [f"    unknown: {r}" for r in c.comparison.reasons]
        lines += [f"    note: {r}" for r in c.comparison.notes]
    lines.append(f"no new access (proven): {len(proven)} changed principals and resources")
    for c in proven:
        lines += [f"  note for {c.principal}: {n}" for n in c.comparison.notes]
    for c in open_:
        lines.append(f"unknown for {c.principal}: {'; '.join(c.comparison.reasons)}")
    lines.append(f"new paths to admin: {len(result.new_escalation)}")
    lines += [f"  {f.principal}: {_via(f.hops)}" for f in result.new_escalation]
    lines.append(f"removed paths to admin: {len(result.lost_escalation)}")
    lines += [f"  {f.principal}: {_via(f.hops)}" for f in result.lost_escalation]
    for i, (inv, b, a) in enumerate(result.invariants):
        lines.append(f"invariant {inv.name}: {b.result} -> {a.result}")
        for r in result.newly_breaking(i):
            lines.append(f"  newly broken by {r.answer.principal}: {_via(r.hops) or 'itself'}")
        for arn in result.repaired(i):
            lines.append(f"  repaired for {arn}")
    return lines


def _change_text(c: Change) -> list[str]:
    return [
        f"{c.report.result}: {c.before} -> {c.side}",
        *(f"assumed: {a}" for a in c.assumptions),
        *(f"unresolved: {u}" for u in c.unresolved),
        *_diff_text(c.diff),
    ]


def _change_json(c: Change) -> dict:
    result = c.diff
    return {
        "result": c.report.result,
        "assumptions": list(c.assumptions),
        "unresolved": list(c.unresolved),
        "principals": [
            {
                "principal": p.principal,
                "policy": p.policy,
                "added": p.added,
                "services": services(p.comparison.new_access),
                **comparison_json(p.comparison),
            }
            for p in result.changed
        ],
        "new_escalation": [
            {
                "principal": f.principal,
                "path": path_json(Reach(Answer(f.principal, f.verdict), f.hops)),
            }
            for f in result.new_escalation
        ],
        "removed_escalation": [
            {
                "principal": f.principal,
                "path": path_json(Reach(Answer(f.principal, f.verdict), f.hops)),
            }
            for f in result.lost_escalation
        ],
        "invariants": [
            {
                "name": inv.name,
                "before": b.result,
                "after": a.result,
                "newly_breaking": [
                    {"principal": r.answer.principal, "path": path_json(r)}
                    for r in result.newly_breaking(i)
                ],
                "repaired": result.repaired(i),
            }
            for i, (inv, b, a) in enumerate(result.invariants)
        ],
    }


def _change_summary(c: Change) -> list[str]:
    result = c.diff
    lines = []
    for p in result.changed:
        if p.comparison.new_access:
            levels = "; ".join(
                f"{s} ({', '.join(ls)})" for s, ls in services(p.comparison.new_access).items()
            )
            lines.append(f"- new access for {code(p.principal)}: {levels}")
    proven = sum(p.comparison.result == Result.PASS and not p.added for p in result.changed)
    lines.append(f"- no new access (proven) for {proven} changed principals and resources")
    lines += [
        f"- note for {code(p.principal)}: {escape(n)}"
        for p in result.changed
        for n in p.comparison.notes
    ]
    lines.append(
        f"- paths to admin: {len(result.new_escalation)} new, {len(result.lost_escalation)} removed"
    )
    for inv, b, a in result.invariants:
        lines.append(f"- invariant {code(inv.name)}: {b.result} → {a.result}")
    lines += [f"- assumed: {a}" for a in c.assumptions]
    lines += [f"- unresolved: {u}" for u in c.unresolved]
    return lines


def change(fmt: str, c: Change, image: str = "") -> None:
    write(
        fmt,
        c.report,
        title=f"diff {c.before} -> {c.side}",
        text=lambda: _change_text(c),
        json_doc=lambda: _change_json(c),
        summary=lambda: _change_summary(c),
        image=image,
    )
