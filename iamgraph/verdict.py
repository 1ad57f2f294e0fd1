"""The verdict contract, free of z3: what every question's answer is made of.

`reachable` carries a witness the concrete evaluator allowed on replay; `proven-unreachable`
means z3 returned unsat on a complete encoding (relative to the action catalog's version);
`unknown` names what stopped the tool. Anything that only prints or compares verdicts imports
this module, never `solvers`, so it does not pay for loading z3.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from iamgraph.evaluate.layers import Decision
from iamgraph.evaluate.request import ContextValue

DEFAULT_TIMEOUT_MS = 5000  # one z3 check; a question that stalls past it is `unknown`


class Verdict(StrEnum):
    REACHABLE = "reachable"
    UNREACHABLE = "proven-unreachable"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Witness:
    principal: str
    action: str
    resource: str
    context: tuple[tuple[str, ContextValue], ...]  # every key the request carried
    chosen: tuple[str, ...]  # the keys the solver chose (caller-controlled), the rest pinned
    mfa: str
    decision: Decision  # the evaluator's replay: allowed


@dataclass(frozen=True)
class Answer:
    principal: str
    verdict: Verdict
    witness: Witness | None = None
    reasons: tuple[str, ...] = ()
    seconds: float = 0.0
    notes: tuple[str, ...] = field(default=())
