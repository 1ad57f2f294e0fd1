"""The actions and resources of a question, checked against the IAM action catalog before any
work is done: a name that names nothing is bad input; with `allow_unknown_action`, a well-formed
action the catalog does not know is set apart, for the answer to be `unknown`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from iamgraph.catalog import request_problems, unknown_action_reason
from iamgraph.errors import InputError


@dataclass(frozen=True)
class Asked:
    """The actions of a question the catalog knows, and why the rest can only be `unknown`."""

    known: tuple[str, ...]
    unknown: tuple[str, ...]

    @property
    def reasons(self) -> tuple[str, ...]:
        return tuple(unknown_action_reason(a) for a in self.unknown)


NOTHING_UNKNOWN = Asked((), ())


def checked_request(
    command: str,
    actions: Iterable[str],
    resources: Iterable[str],
    allow_unknown_action: bool = False,
    labels: tuple[str, str] = ("--action", "--resource"),
) -> Asked:
    """Refuse (InputError, exit 2) the first action or resource of a question that names
    nothing, with the closest catalog names; with `allow_unknown_action`, a well-formed action
    the catalog does not know is set apart instead, for the command to answer `unknown`."""
    actions = list(actions)
    unknown: list[str] = []
    for p in request_problems(actions, resources):
        if p.kind == "action" and not p.malformed and allow_unknown_action:
            unknown.append(p.value)
            continue
        label = labels[0] if p.kind == "action" else labels[1]
        admit = " (--allow-unknown-action answers unknown for it)"
        hint = "" if p.malformed or p.suggestions else admit
        raise InputError(command, label, p.message + hint)
    return Asked(tuple(a for a in actions if a not in unknown), tuple(unknown))
