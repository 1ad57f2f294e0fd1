"""Witness replay: the one place a candidate witness becomes a concrete request that the
evaluator (`evaluate.layers.decide`) decides. A `reachable` verdict rests on it: whatever z3
or a guess proposed, only the evaluator's Allow makes it a witness.

A question says how its candidates are replayed with a `ReplayContext`, data rather than a
closure, so every caller's request is built by the same code in the same order:

    the credential's MFA keys, the query's `where`, the keys the caller chose  (later wins)
    then the rest of the credential context, then `pins`, then the time keys  (only if absent)

and the items of a witness are the request's context in that order.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from iamgraph.evaluate.gather import (
    Mfa,
    credential_clock,
    credential_context,
    find_principal,
    mfa_context,
    policies_for,
    time_context,
)
from iamgraph.evaluate.layers import Decision, Outcome, PolicySet, decide
from iamgraph.evaluate.request import CallerType, ContextValue, Request
from iamgraph.model.snapshot import Snapshot
from iamgraph.solvers.constraints import MFA_KEYS

Entry = tuple[str, ContextValue]


@dataclass(frozen=True)
class ReplayContext:
    """How a candidate (action, resource, the keys the caller chose, the MFA mode) becomes the
    request the evaluator decides. The default: the chosen keys alone, decided under the
    PolicySet that was solved.

    The credential context comes from one of: `credentials` (its entries per MFA mode, worked
    out once by the caller), or `snapshot` and `principal` (`gather.credential_context` for
    the witness's own resource, as `can` asks). With `gather`, the layers are gathered again
    for the witness's action and resource (`gather.policies_for`, then `transform`, the
    graph's "with these permissions gained"). With `clock`, the request carries the
    credential's clock at `floor` (KEYS) and the time keys its policies read; `floor` is also
    the earliest time the solver lets a request be made (None: any time)."""

    credentials: Mapping[Mfa, tuple[Entry, ...]] | None = None
    snapshot: Snapshot | None = None
    principal: str | None = None
    gather: bool = False
    transform: Callable[[PolicySet], PolicySet] | None = None
    where: tuple[Entry, ...] = ()  # the query's own entries, before the chosen keys
    pins: tuple[Entry, ...] = ()  # added after the credential's, where the request lacks them
    clock: bool = False
    floor: datetime | None = None

    @staticmethod
    def mfa_of(caller_type: CallerType, modes: tuple[Mfa, ...], **more) -> ReplayContext:
        """A caller the snapshot does not describe: per mode, only its MFA keys (M1-M5)."""
        creds = {m: tuple(mfa_context(caller_type, m)) for m in modes}
        return ReplayContext(credentials=creds, **more)

    def request(
        self,
        ps: PolicySet,
        name: str,
        resource: str,
        chosen: list[Entry],
        mode: Mfa,
        read: set[str] | None = None,
    ) -> tuple[PolicySet, Request]:
        """The layers that decide the candidate, and its request. `read`: the time keys'
        readers when the request is decided under more than `ps` (`implies`)."""
        layers = ps
        creds: list[Entry] = []
        if self.credentials is not None:
            creds = list(self.credentials[mode])
        elif self.snapshot is not None and self.principal is not None:
            creds = credential_context(self.snapshot, self.principal, resource, mode)
        if self.gather and self.snapshot is not None and self.principal is not None:
            layers = policies_for(self.snapshot, self.principal, name, resource)
            layers = self.transform(layers) if self.transform else layers
        clock = None
        if self.clock:
            caller = (
                find_principal(self.snapshot, self.principal)[1]
                if self.snapshot is not None and self.principal is not None
                else layers.caller
            )
            clock = credential_clock(caller.type, mode, self.floor)
        mfa = [e for e in creds if e[0].lower() in MFA_KEYS]
        req = Request.build(name, resource, [*mfa, *self.where, *chosen], clock)
        req = req.with_context([e for e in creds if e[0].lower() not in MFA_KEYS])
        req = req.with_context(self.pins)
        if clock is not None:
            req = req.with_context(
                time_context(clock, layers.keys_read() if read is None else read)
            )
        return layers, req


def items(req: Request) -> tuple[Entry, ...]:
    """Every key the request carries, as given, in the request's order."""
    return tuple((req.names[k], v) for k, v in req.context.items())


def replay(
    ps: PolicySet,
    how: ReplayContext,
    name: str,
    resource: str,
    chosen: list[Entry],
    mode: Mfa,
) -> tuple[Decision, tuple[Entry, ...]]:
    """The evaluator's decision on the candidate, and the context items its witness shows."""
    layers, req = how.request(ps, name, resource, chosen, mode)
    return decide(layers, req), items(req)


def lacks(
    a: PolicySet,
    b: PolicySet,
    how: ReplayContext,
    name: str,
    resource: str,
    chosen: list[Entry],
    mode: Mfa,
) -> bool:
    """Does `a` allow the candidate and `b` deny it (implicitly or explicitly)? One request,
    decided on both sides (`implies`); an unknown on either side is not a difference."""
    _, req = how.request(a, name, resource, chosen, mode, read=a.keys_read() | b.keys_read())
    return decide(a, req).allowed and decide(b, req).outcome in (
        Outcome.IMPLICIT_DENY,
        Outcome.EXPLICIT_DENY,
    )
