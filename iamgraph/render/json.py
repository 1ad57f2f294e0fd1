"""The answers of `can`, `who-can`, `ask`, `paths` and `privesc` as JSON documents, and the one
way every command writes JSON on standard output."""

from __future__ import annotations

import re
import sys
from typing import Any

import orjson

from iamgraph.evaluate.request import ContextValue
from iamgraph.query.answer import METHOD_NOTE, Answered, Escalation, overall
from iamgraph.query.reach import Reach
from iamgraph.render.answers import context_groups
from iamgraph.verdict import Answer

Where = list[tuple[str, ContextValue]]
# JSON escapes C0 controls but lets DEL and C1 (U+0080..U+009F; U+009B is a CSI on many
# terminals) through raw; outside strings JSON holds none, so each becomes its `\\u` escape.
_RAW_CONTROL = re.compile("[\x7f-\x9f]")


def print_json(data: Any) -> None:
    """JSON on stdout; orjson keeps large results (lint of a whole organization) fast. No
    control character reaches the terminal raw (issue 17, class 4); the parsed value is exact."""
    text = orjson.dumps(data, option=orjson.OPT_INDENT_2, default=str).decode()
    sys.stdout.write(_RAW_CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n")


def _context_json(answer: Answer) -> dict[str, list[str]]:
    assert answer.witness is not None
    return {k: list(v.values) for k, v in answer.witness.context}


def path_json(reach: Reach) -> list[dict]:
    return [
        {
            "from": h.source,
            "to": h.target,
            "method": h.method,
            "actions": [{"action": a, "resource": r} for a, r in h.actions],
            "mfa_before": h.mode_from.value,
            "mfa_after": h.mode_to.value,
            "gains": h.gain.value,
            "verdict": h.verdict.value,
            "detail": h.detail or None,
            "statements": list(h.statements),
            "reasons": list(h.reasons),
        }
        for h in reach.hops
    ]


def can_json(reach: Reach, actions: list[str], resources: list[str], where: Where) -> dict:
    answer = reach.answer
    witness = None
    if answer.witness is not None:
        w = answer.witness
        groups = context_groups(answer, where)
        witness = {
            "principal": w.principal,
            "action": w.action,
            "resource": w.resource,
            "mfa": w.mfa,
            "context": _context_json(answer),
            "chosen": [k for k, _ in groups["chosen"]],
            "pinned": [k for k, _ in groups["asked"] + groups["credential"]],
            "deciding": [
                {
                    "layer": r.layer.value,
                    "at": r.at or None,
                    "policy": r.policy,
                    "sid": r.sid,
                    "effect": r.effect,
                    "file": r.file,
                    "line": r.line,
                    "column": r.column,
                    "pointer": r.pointer,
                }
                for r in w.decision.deciding
            ],
        }
    return {
        "verdict": answer.verdict.value,
        "principal": answer.principal,
        "actions": actions,
        "resources": resources,
        "direct": not reach.hops,
        "path": path_json(reach),
        "witness": witness,
        "reasons": list(answer.reasons),
        "notes": list(answer.notes),
        "seconds": round(answer.seconds, 3),
    }


def who_can_json(reaches: tuple[Reach, ...] | list[Reach]) -> dict:
    return {
        "verdict": overall(reaches).value,
        "principals": [
            {
                "principal": r.answer.principal,
                "verdict": r.answer.verdict.value,
                "direct": not r.hops,
                "path": path_json(r),
                "witness": None
                if r.answer.witness is None
                else {
                    "principal": r.answer.witness.principal,
                    "action": r.answer.witness.action,
                    "resource": r.answer.witness.resource,
                    "mfa": r.answer.witness.mfa,
                    "context": _context_json(r.answer),
                },
                "reasons": list(r.answer.reasons),
                # how an attacker comes to hold the credential counted with (a role's
                # session given out through PassRole, a rewritten trust): present when so
                **({"obtained": path_json(Reach(r.answer, r.obtained))} if r.obtained else {}),
            }
            for r in reaches
        ],
    }


def ask_json(question: str, answered: Answered) -> dict:
    """The question, what it was understood as, and `can`'s or `who-can`'s document."""
    query = answered.query
    understood = {
        "command": query.command,
        "principal": query.principal,
        "mfa": query.mfa,
        "object": query.target.described if query.target else None,
        "checks": [
            {"actions": list(c.actions), "resources": list(c.resources)} for c in query.checks
        ],
    }
    # additions, present only when the question says them (older documents stay as they were)
    if query.filter:
        understood["filter"] = query.filter.json()
    if query.where:
        understood["where"] = {k: list(v.values) for k, v in query.where}
    if query.to is not None:
        understood["to"] = query.to
    if query.admins:
        understood["admins"] = True
    one = answered.one
    where = list(query.where)
    if answered.escalations is not None:
        body = privesc_json(answered.escalations)
    elif one is None:
        body = who_can_json(answered.reaches)
    elif query.command == "paths" and query.to is not None:
        body = paths_json(one, [], [], where, query.to)
    else:
        body = can_json(one, list(answered.actions), list(answered.resources), where)
    if answered.notes:
        body = {**body, "how": list(answered.notes)}
    return {"question": question, "understood": understood, **body}


def paths_json(
    reach: Reach, actions: list[str], resources: list[str], where: Where, to: str | None
) -> dict:
    return {**can_json(reach, actions, resources, where), "to": to}


def privesc_json(escalations: tuple[Escalation, ...]) -> dict:
    return {
        "principals": [
            {
                "principal": e.found.principal,
                "admin": e.admin,
                "verdict": e.found.verdict.value,
                "path": path_json(Reach(Answer(e.found.principal, e.found.verdict), e.found.hops)),
                "reasons": list(e.found.reasons),
            }
            for e in escalations
        ],
        "notes": [METHOD_NOTE],
    }
