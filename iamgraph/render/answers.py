"""The answers of `can`, `who-can`, `ask`, `paths`, `privesc` and `graph` as plain text lines:
the verdict, the path hop by hop, the witness request and what set its context."""

from __future__ import annotations

import textwrap
from collections import Counter

from iamgraph.evaluate.request import ContextValue
from iamgraph.graph.methods import BY_NAME
from iamgraph.query.answer import METHOD_NOTE, Answered, Escalation, Picture, overall
from iamgraph.query.reach import Reach
from iamgraph.render.text import path_lines, plain_table, reason_line, short
from iamgraph.verdict import Answer, Verdict

Where = list[tuple[str, ContextValue]]


def _value(v: ContextValue) -> str:
    return v.values[0] if len(v.values) == 1 and not v.multi else "[" + ", ".join(v.values) + "]"


def _pairs(items: list[tuple[str, ContextValue]]) -> str:
    return ", ".join(f"{k}={_value(v)}" for k, v in items) or "(none)"


def _wrapped(label: str, items: list[tuple[str, ContextValue]]) -> list[str]:
    text = textwrap.fill(
        f"{label}: {_pairs(items)}",
        width=100,
        initial_indent="    ",
        subsequent_indent="        ",
        break_long_words=False,
        break_on_hyphens=False,
    )
    return text.splitlines()


def context_groups(answer: Answer, where: Where) -> dict[str, list[tuple[str, ContextValue]]]:
    """The witness's context split by who set each key: the solver, the question, the credential."""
    w = answer.witness
    assert w is not None
    chosen = {k.lower() for k in w.chosen}
    asked = {k.lower() for k, _ in where}
    groups: dict[str, list[tuple[str, ContextValue]]] = {
        "chosen": [],
        "asked": [],
        "credential": [],
    }
    for k, v in w.context:
        group = "chosen" if k.lower() in chosen else "asked" if k.lower() in asked else "credential"
        groups[group].append((k, v))
    return groups


def can_lines(reach: Reach, where: Where) -> list[str]:
    """The verdict, the path, and the witness request (or why unknown, or the proof's notes)."""
    answer = reach.answer
    lines = [f"{answer.verdict.value}  {answer.principal}"]
    if reach.hops:
        lines.append("    path:")
        lines += [f"      {line}" for line in path_lines(reach)]
    if answer.verdict is Verdict.REACHABLE and answer.witness is not None:
        w = answer.witness
        groups = context_groups(answer, where)
        who = f" as {w.principal}" if w.principal != answer.principal else ""
        lines.append(f"    witness{who}: {w.action} on {w.resource}, MFA mode {w.mfa}")
        lines += _wrapped("chosen by the solver", groups["chosen"])
        if where:
            lines += _wrapped("pinned by --context", groups["asked"])
        lines += _wrapped("pinned by the credential", groups["credential"])
        lines += [f"    {reason_line(r)}" for r in w.decision.deciding]
    elif answer.verdict is Verdict.UNKNOWN:
        lines += [f"    unknown: {why}" for why in answer.reasons]
    else:
        lines += [f"    proof: {note}" for note in answer.notes]
        lines += [f"    because: {why}" for why in answer.reasons]
    return lines


def who_can_lines(reaches: tuple[Reach, ...] | list[Reach]) -> list[str]:
    """A table of every principal's verdict and path, why each unknown is, the overall verdict."""
    rows = []
    for r in reaches:
        a = r.answer
        via = " -> ".join(f"{short(h.target)} ({h.method})" for h in r.hops) or "-"
        rows.append(
            [
                a.principal,
                a.verdict.value,
                via,
                a.witness.action if a.witness else "-",
                a.witness.resource if a.witness else "-",
            ]
        )
    lines = plain_table(["principal", "verdict", "via", "action", "resource"], rows).splitlines()
    for r in reaches:
        if r.answer.verdict is Verdict.UNKNOWN:
            lines.append(f"unknown for {r.answer.principal}:")
            lines += [f"    {why}" for why in r.answer.reasons]
    lines.append(f"verdict: {overall(reaches).value}")
    return lines


def ask_lines(answered: Answered) -> list[str]:
    """What the question was understood as, then the answer of the command it maps to:
    `can`, `who-can`, `paths` or `privesc`, written as that command writes it."""
    query, one = answered.query, answered.one
    where = list(query.where)
    if answered.escalations is not None:
        body = privesc_lines(answered.escalations)
    elif one is None:
        body = who_can_lines(answered.reaches)
    elif query.command == "paths" and query.to is not None:
        body = paths_lines(one, where, query.to, query.principal or "")
    else:
        body = can_lines(one, where)
    return [*query.describe(), *body, *(f"    {n}" for n in answered.notes)]


def paths_lines(reach: Reach, where: Where, to: str | None, source: str) -> list[str]:
    """`can`'s lines, and where admin was reached for `--to admin`."""
    lines = can_lines(reach, where)
    if reach.answer.verdict is Verdict.REACHABLE and to == "admin":
        last = reach.hops[-1].target if reach.hops else source
        lines.append(f"    admin at {last}")
    return lines


def privesc_lines(escalations: tuple[Escalation, ...]) -> list[str]:
    """A table of every principal: admin already, verdict, path to admin; then the counts."""
    rows = [
        [
            e.found.principal,
            {True: "yes", False: "no", None: "unknown"}[e.admin],
            e.found.verdict.value,
            " -> ".join(f"{short(h.target)} ({h.method})" for h in e.found.hops) or "-",
        ]
        for e in escalations
    ]
    lines = plain_table(["principal", "admin", "verdict", "path to admin"], rows).splitlines()
    for e in escalations:
        if e.found.verdict is Verdict.UNKNOWN:
            lines.append(f"unknown for {e.found.principal}:")
            lines += [f"    {r}" for r in e.found.reasons]
    counts = Counter(e.found.verdict.value for e in escalations)
    admins = {e.found.principal: e.admin for e in escalations}
    lines.append(
        f"{counts['reachable']} reachable ({sum(1 for a in admins.values() if a)} admin already), "
        f"{counts['proven-unreachable']} proven-unreachable, {counts['unknown']} unknown; "
        + METHOD_NOTE
    )
    return lines


def picture_lines(p: Picture) -> list[str]:
    """What `graph` drew: principals, steps (unknown ones), administrators, steps per family."""
    families = Counter(BY_NAME[h.method].family.value for h in p.hops)
    return [
        f"{len(p.principals)} principals, {len(p.hops)} escalation steps "
        f"({sum(h.verdict is Verdict.UNKNOWN for h in p.hops)} unknown), "
        f"administrators: {len(set(p.admins))} (gold; their steps inside their own account "
        "are not drawn)",
        *[f"    {family}: {n}" for family, n in sorted(families.items())],
    ]
