"""The answers of `can`, `who-can`, `ask`, `paths`, `privesc` and `graph` as plain text lines:
the verdict, the path hop by hop, the witness request and what set its context."""

from __future__ import annotations

import textwrap
from collections import Counter

from iamgraph.evaluate.request import ContextValue
from iamgraph.graph.methods import BY_NAME
from iamgraph.query.answer import METHOD_NOTE, Answered, Escalation, Picture
from iamgraph.query.reach import Reach
from iamgraph.render.headline import (
    admins_headline,
    can_headline,
    method_words,
    names,
    privesc_headline,
    who_can_headline,
)
from iamgraph.render.text import Para, Said, path_lines, reason_line, short, table
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


def fitted(lines: list[Said]) -> list[Said]:
    """Each line longer than a terminal's width as a paragraph that `say` wraps, its
    continuation lines indented under it."""
    out: list[Said] = []
    for line in lines:
        if isinstance(line, str) and len(line) > 72:
            body = line.lstrip(" ")
            out.append(Para(body, line[: len(line) - len(body)], "    "))
        else:
            out.append(line)
    return out


HIDDEN = "proven-unreachable rows are left out; --all shows them"


def _counted(verdicts: list[Verdict], what: str, show_all: bool) -> str:
    """`40 principals: 2 reachable, 38 proven-unreachable`: the verdicts that occur."""
    counts = Counter(verdicts)
    found = [
        f"{counts[v]} {v.value}"
        for v in (Verdict.REACHABLE, Verdict.UNREACHABLE, Verdict.UNKNOWN)
        if counts[v]
    ]
    line = f"{len(verdicts)} {what}: {', '.join(found) or 'none'}"
    return line if show_all or not counts[Verdict.UNREACHABLE] else f"{line} ({HIDDEN})"


def via_cell(r: Reach, name: dict[str, str]) -> str:
    """The table's `via` cell: the hops, and how the credential counted with is obtained."""
    parts = [hops_cell(r.hops, name)] if r.hops else []
    if r.obtained and r.start is not None:
        first = r.obtained[0]
        more = f", +{len(r.obtained) - 1} steps" if len(r.obtained) > 1 else ""
        parts.insert(0, f"held: {name[first.source]} ({method_words(first.method)}{more})")
    return "; then ".join(parts) or "-"


def hops_cell(hops, name: dict[str, str]) -> str:
    """`dev-admin (AssumeRole) -> ...`: each hop's target by name, its method spaced so that a
    narrow column wraps between the actions."""
    return " -> ".join(
        f"{'itself' if h.target == h.source else name[h.target]} ({method_words(h.method)})"
        for h in hops
    )


def who_can_lines(
    reaches: tuple[Reach, ...] | list[Reach],
    actions: list[str] | tuple[str, ...],
    resources: list[str] | tuple[str, ...],
    mfa: str | None = None,
    show_all: bool = False,
) -> list[Said]:
    """The answer first (`render.headline`), then a table of the principals that can or may
    (every principal with `show_all`), why each unknown is, and the counts."""
    name = names(
        [
            *(r.answer.principal for r in reaches),
            *(h.target for r in reaches for h in r.hops),
            *(h.source for r in reaches for h in r.obtained),
        ]
    )
    shown = [r for r in reaches if show_all or r.answer.verdict is not Verdict.UNREACHABLE]
    asked = {(a, r) for a in actions for r in resources}
    requests = {
        (r.answer.witness.action, r.answer.witness.resource) for r in shown if r.answer.witness
    }
    witnessed = not requests <= asked or len(requests) > 1  # else the headline says it
    rows = []
    for r in shown:
        a = r.answer
        w = a.witness
        row = [short(a.principal), a.verdict.value, via_cell(r, name)]
        if witnessed:
            row.append(f"{w.action} on {short(w.resource)}" if w else "-")
        rows.append(row)
    lines: list[Said] = [Para(who_can_headline(reaches, actions, resources, mfa))]
    if rows:
        headers = ["principal", "verdict", "via", "request"][: len(rows[0])]
        lines.append(table(headers, rows))
    for r in reaches:
        if r.answer.verdict is Verdict.UNKNOWN:
            lines.append(f"unknown for {short(r.answer.principal)}:")
            lines += [Para(why, "    ") for why in r.answer.reasons]
    lines.append(Para(_counted([r.answer.verdict for r in reaches], "principals", show_all)))
    return lines


def can_answer_lines(
    reach: Reach,
    actions: list[str] | tuple[str, ...],
    resources: list[str] | tuple[str, ...],
    where: Where,
    mfa: str | None = None,
) -> list[Said]:
    """`can`: the answer first, then the verdict with its path and witness, each long line
    wrapped."""
    return [Para(can_headline(reach, actions, resources, mfa)), *fitted(can_lines(reach, where))]


def ask_lines(answered: Answered, show_all: bool = False) -> list[Said]:
    """The answer first, what the question was understood as, then the answer of the command
    it maps to (`can`, `who-can`, `paths` or `privesc`), as that command writes it."""
    query, one = answered.query, answered.one
    mfa, where = query.mfa, list(query.where)
    understood = fitted(list(query.describe()))
    if answered.escalations is not None:
        body = privesc_lines(answered.escalations, mfa, show_all)
        if query.admins:  # "who is admin": the answer is who is, not who may become one
            body[0] = Para(admins_headline(answered.escalations))
    elif one is None:
        body = who_can_lines(answered.reaches, answered.actions, answered.resources, mfa, show_all)
    elif query.command == "paths" and query.to is not None:
        target = "admin" if query.to == "admin" else short(query.to)
        what = "become admin" if query.to == "admin" else f"reach {target}"
        head = can_headline(one, answered.actions, answered.resources, mfa, what)
        rest = paths_lines(one, where, query.to, query.principal or "")
        body = [Para(head), *fitted(rest)]
    else:
        head = can_headline(one, answered.actions, answered.resources, mfa)
        body = [Para(head), *fitted(can_lines(one, where))]
    notes = fitted([f"    {n}" for n in answered.notes])
    return [body[0], *understood, *body[1:], *notes]


def paths_lines(reach: Reach, where: Where, to: str | None, source: str) -> list[str]:
    """`can`'s lines, and where admin was reached for `--to admin`."""
    lines = can_lines(reach, where)
    if reach.answer.verdict is Verdict.REACHABLE and to == "admin":
        last = reach.hops[-1].target if reach.hops else source
        lines.append(f"    admin at {last}")
    return lines


def privesc_lines(
    escalations: tuple[Escalation, ...], mfa: str | None = None, show_all: bool = False
) -> list[Said]:
    """The answer first, then a table of the principals that are or can become admin or are
    unknown (every principal with `show_all`), why each unknown is, and the counts."""
    name = names(
        [
            *(e.found.principal for e in escalations),
            *(h.target for e in escalations for h in e.found.hops),
        ]
    )
    rows = [
        [
            short(e.found.principal),
            {True: "yes", False: "no", None: "unknown"}[e.admin],
            e.found.verdict.value,
            hops_cell(e.found.hops, name) or "-",
        ]
        for e in escalations
        if show_all or e.found.verdict is not Verdict.UNREACHABLE
    ]
    lines: list[Said] = [Para(privesc_headline(escalations, mfa))]
    if rows:
        lines.append(table(["principal", "admin", "verdict", "path to admin"], rows))
    for e in escalations:
        if e.found.verdict is Verdict.UNKNOWN:
            lines.append(f"unknown for {short(e.found.principal)}:")
            lines += [Para(r, "    ") for r in e.found.reasons]
    counts = Counter(e.found.verdict.value for e in escalations)
    admins = sum(1 for e in escalations if e.admin)
    hidden = "" if show_all or not counts["proven-unreachable"] else f" ({HIDDEN})"
    lines.append(
        Para(
            f"{counts['reachable']} reachable ({admins} admin already), "
            f"{counts['proven-unreachable']} proven-unreachable, {counts['unknown']} unknown"
            f"{hidden}; " + METHOD_NOTE
        )
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
