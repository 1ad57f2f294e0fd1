"""Questions over paths: who can become admin, who can (through others) do an action.

A state is a principal and the MFA mode of the credential the attacker holds for it (plus
whether an escalation gave it admin permissions). Searches run twice: over proven edges (a
`reachable` answer with the shortest path), then also over `unknown` edges (an `unknown`
answer); only when neither finds the goal is the answer `proven-unreachable`, relative to the
method table and the catalog.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from iamgraph.gather import Mfa
from iamgraph.graph.admin import ALLOW_ALL
from iamgraph.graph.build import ROLE_MODES, USER_MODES, Hop, PermissionGraph, _credential_row
from iamgraph.model.principals import PrincipalKind
from iamgraph.request import ContextValue
from iamgraph.solvers.prove import DEFAULT_TIMEOUT_MS, Answer, Verdict, can

NON_MFA = frozenset({Mfa.LONG_TERM_KEYS, Mfa.NO_MFA})


@dataclass(frozen=True)
class State:
    arn: str
    mode: Mfa
    admin: bool = False  # an escalation granted this principal admin permissions


@dataclass(frozen=True)
class Found:
    """The answer for one principal: a verdict, the hops of the shortest path, and the direct
    answer at its end (for action questions)."""

    principal: str
    verdict: Verdict
    hops: tuple[Hop, ...] = ()
    final: Answer | None = None
    start: State | None = None
    reasons: tuple[str, ...] = ()


def modes_filter(mfa: str | None) -> frozenset[Mfa]:
    if mfa == "no-mfa":
        return NON_MFA
    if mfa == "mfa":
        return frozenset({Mfa.MFA})
    return frozenset(Mfa)


class Paths:
    def __init__(self, pg: PermissionGraph, timeout_ms: int = DEFAULT_TIMEOUT_MS) -> None:
        self.pg = pg
        self.timeout_ms = timeout_ms
        self.direct_cache: dict[tuple, Answer] = {}

    # -- where an attacker starts ------------------------------------------------------------
    def own_starts(self, arn: str, allowed: frozenset[Mfa]) -> list[State]:
        """The credentials of `arn` itself: what the credential report says a user or root
        holds (every mode without a report); any session for a role."""
        p = self.pg.snap.principals[arn]
        if p.kind is PrincipalKind.ROLE:
            modes: Iterable[Mfa] = ROLE_MODES
        else:
            modes = _credential_modes(self.pg, arn)
        return [State(arn, m) for m in modes if m in allowed]

    def obtainable(self, allowed: frozenset[Mfa]) -> tuple[set[State], set[State]]:
        """States an attacker can hold at all, from users' and roots' own credentials and
        from roles' sessions given out to someone outside the snapshot: (proven, maybe)."""
        base = []
        for arn, p in self.pg.snap.principals.items():
            if p.kind is PrincipalKind.ROLE:
                base += [State(arn, m) for m in self.pg.starts.get(arn, ()) if m in allowed]
            else:
                base += self.own_starts(arn, allowed)
        proven = self._closure(base, sure=True)
        return proven, self._closure(base, sure=False)

    def _closure(self, starts: list[State], sure: bool) -> set[State]:
        seen = set(starts)
        queue = deque(starts)
        while queue:
            s = queue.popleft()
            for _, nxt in self._next(s, sure):
                if nxt not in seen:
                    seen.add(nxt)
                    queue.append(nxt)
        return seen

    def _next(self, s: State, sure: bool):
        if s.admin:
            return
        for hop in self.pg.steps(s.arn, s.mode):
            if sure and hop.verdict is not Verdict.REACHABLE:
                continue
            yield hop, State(hop.target, hop.mode_to, hop.admin)

    # -- searches ---------------------------------------------------------------------------
    def search(
        self, principal: str, starts: list[State], goal: Callable[[State], Answer | Verdict]
    ) -> Found:
        """Shortest path from any start to a state where `goal` holds."""
        if not starts:
            return Found(principal, Verdict.UNREACHABLE, reasons=("no credential to start from",))
        for sure in (True, False):
            parent: dict[State, tuple[State, Hop] | None] = {s: None for s in starts}
            queue = deque(starts)

            def check(s: State):
                answer = goal(s)  # goals cache their own answers
                return answer, answer if isinstance(answer, Verdict) else answer.verdict

            for s in starts:  # the goal is tested as states are found: BFS order keeps
                answer, verdict = check(s)  # the first hit a shortest path
                hit = self._hit(principal, parent, s, answer, verdict, sure)
                if hit is not None:
                    return hit
            while queue:
                s = queue.popleft()
                for hop, nxt in self._next(s, sure):
                    if nxt in parent:
                        continue
                    parent[nxt] = (s, hop)
                    answer, verdict = check(nxt)
                    hit = self._hit(principal, parent, nxt, answer, verdict, sure)
                    if hit is not None:
                        return hit
                    queue.append(nxt)
        return Found(principal, Verdict.UNREACHABLE)

    def _hit(self, principal, parent, s: State, answer, verdict, sure: bool) -> Found | None:
        if verdict is Verdict.REACHABLE and sure:
            return self._found(principal, parent, s, answer)
        if verdict is not Verdict.UNREACHABLE and not sure:
            hops = self._hops_to(parent, s)
            why = [r for h in hops for r in h.reasons]
            if isinstance(answer, Answer):
                why += list(answer.reasons)
            return Found(
                principal,
                Verdict.UNKNOWN,
                hops,
                answer if isinstance(answer, Answer) else None,
                self._root(parent, s),
                tuple(dict.fromkeys(why)) or ("undecided",),
            )
        return None

    def _found(self, principal, parent, s: State, answer) -> Found:
        return Found(
            principal,
            Verdict.REACHABLE,
            self._hops_to(parent, s),
            answer if isinstance(answer, Answer) else None,
            self._root(parent, s),
        )

    @staticmethod
    def _hops_to(parent, s: State) -> tuple[Hop, ...]:
        hops = []
        while parent[s] is not None:
            s, hop = parent[s]
            hops.append(hop)
        return tuple(reversed(hops))

    @staticmethod
    def _root(parent, s: State) -> State:
        while parent[s] is not None:
            s = parent[s][0]
        return s

    # -- goals ------------------------------------------------------------------------------
    def admin_goal(self, s: State) -> Answer:
        if s.admin:
            return Answer(s.arn, Verdict.REACHABLE)
        admin = self.pg.admin.get((s.arn, s.mode))
        if admin is None:
            return Answer(s.arn, Verdict.UNKNOWN, reasons=("admin not decided",))
        why = tuple(f"whether {s.arn} is admin: {r}" for r in admin.reasons)
        return Answer(s.arn, admin.verdict, reasons=why)

    def direct(
        self,
        s: State,
        actions: list[str],
        resources: list[str],
        where: list[tuple[str, ContextValue]] = (),
    ) -> Answer:
        """Can the state itself make one of the requests? (With granted admin permissions: as
        if its identity allowed everything; SCPs, resource policies and RCPs still apply.)"""
        key = (s, tuple(actions), tuple(resources), tuple(where))
        if key not in self.direct_cache:
            self.direct_cache[key] = can(
                self.pg.snap,
                s.arn,
                actions,
                resources,
                where=list(where),
                timeout_ms=self.timeout_ms,
                modes=(s.mode,),
                transform=_as_admin if s.admin else None,
            )
        return self.direct_cache[key]


def _as_admin(ps):
    return replace(ps, identity=(ALLOW_ALL,), boundary=None, unresolved=())


def _credential_modes(pg: PermissionGraph, arn: str) -> tuple[Mfa, ...]:
    """Keys if an access key is active; a console session without MFA if a password and no
    device; an MFA session if a device (every mode when the report is missing)."""
    row = _credential_row(pg.snap, pg.snap.principals[arn])
    if row is None:
        return USER_MODES
    modes = []
    keys = any(k.active for k in row.access_keys)
    password = row.password_enabled is not False  # the root user always has one
    if keys:
        modes.append(Mfa.LONG_TERM_KEYS)
    if password and not row.mfa_active:
        modes.append(Mfa.NO_MFA)
    if row.mfa_active and (password or keys):
        modes.append(Mfa.MFA)
    return tuple(modes)


def privesc(pg: PermissionGraph, paths: Paths, allowed: frozenset[Mfa]) -> list[Found]:
    """For every principal: admin already, a path to admin, or a proof there is none."""
    out = []
    for arn, p in pg.snap.principals.items():
        starts = paths.own_starts(arn, allowed)
        if not starts and p.kind is not PrincipalKind.ROLE:  # no credential: if it were stolen
            starts = [State(arn, m) for m in USER_MODES if m in allowed]
        out.append(paths.search(arn, starts, paths.admin_goal))
    return out


def who_can(
    pg: PermissionGraph,
    paths: Paths,
    goal: Callable[[State], Answer],
    allowed: frozenset[Mfa],
) -> list[Found]:
    """For every principal: can a credential of it (one an attacker can hold) reach a state
    where `goal` holds, itself or through the principals it can become?"""
    proven, maybe = paths.obtainable(allowed)
    out = []
    for arn in pg.snap.principals:
        starts = _sorted(s for s in proven if s.arn == arn and not s.admin)
        if starts:
            out.append(paths.search(arn, starts, goal))
            continue
        hidden = _sorted(s for s in maybe if s.arn == arn and not s.admin)
        found = paths.search(arn, hidden, goal) if hidden else None
        if found is not None and found.verdict is not Verdict.UNREACHABLE:
            why = ("a credential of it is obtainable only through unknown steps",)
            out.append(replace(found, verdict=Verdict.UNKNOWN, reasons=why + found.reasons))
        else:
            out.append(Found(arn, Verdict.UNREACHABLE, reasons=(_no_credential(allowed),)))
    return out


def _sorted(states) -> list[State]:
    order = {m: i for i, m in enumerate(Mfa)}
    return sorted(states, key=lambda s: order[s.mode])


def _no_credential(allowed: frozenset[Mfa]) -> str:
    if allowed == NON_MFA:
        return "no credential of it without MFA can be obtained"
    return "no credential of it can be obtained"
