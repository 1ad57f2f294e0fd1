"""The verdict contract, free of z3: what every question's answer is made of.

`reachable` carries a witness the concrete evaluator allowed on replay; `proven-unreachable`
means z3 returned unsat on a complete encoding (relative to the action catalog's version);
`unknown` names what stopped the tool. Anything that only prints or compares verdicts imports
this module, never `solvers`, so it does not pay for loading z3.

A pre-merge comparison (`diff-policy`, `check-access`, `diff`) answers in the same terms:
`Result` PASS is a proof of no new access, FAIL lists each class with a replayed witness,
UNKNOWN says what was left undecided.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from iamgraph.deadline import DEFAULT_TIMEOUT_MS as DEFAULT_TIMEOUT_MS
from iamgraph.evaluate.layers import Decision
from iamgraph.evaluate.request import ContextValue


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


class Result:
    PASS = "PASS"
    FAIL = "FAIL"
    UNKNOWN = "UNKNOWN"


@dataclass(frozen=True)
class NewAccess:
    """One class of new access and the request that witnesses it (replayed on both sides)."""

    action: str
    resource: str
    context: tuple[tuple[str, ContextValue], ...]
    statements: tuple[str, ...]  # the after side's Allow statements that grant it
    service: str
    access_level: str
    caller: str = ""
    chosen: tuple[str, ...] | None = None  # the keys the request chose (None: all of them)
    # (file, line, column) of each granting statement, for SARIF and Markdown locations
    locations: tuple[tuple[str, int, int], ...] = ()
    # the before side's Deny statement the request escapes (an SCP or RCP that lost a Deny)
    denied_before: tuple[str, ...] = ()


@dataclass(frozen=True)
class Comparison:
    """PASS (proven none), FAIL (new access exists: each class listed with a witness) or
    UNKNOWN. `reasons` say what was left undecided: with FAIL, that the list may not be all
    (a solver timeout, the class limit, a candidate that did not replay), which a report must
    show as an open question beside the classes found, never as a shorter list."""

    result: str
    new_access: tuple[NewAccess, ...] = ()
    reasons: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()  # what the verdict does not cover; never turns PASS into UNKNOWN

    @property
    def complete(self) -> bool:
        """Nothing was left undecided: PASS, or FAIL with every class of new access listed."""
        return self.result != Result.UNKNOWN and not self.reasons
