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

from iamgraph import deadline
from iamgraph.evaluate.gather import ROLE_MODES, USER_MODES, Mfa, credential_modes
from iamgraph.evaluate.request import ContextValue
from iamgraph.graph.bound import Bound
from iamgraph.graph.build import Hop, PermissionGraph, anything_from, credential_row
from iamgraph.graph.changes import add, monotone, transform
from iamgraph.graph.methods import Gain
from iamgraph.graph.state import State
from iamgraph.model.principals import PrincipalKind
from iamgraph.solvers.properties import can
from iamgraph.verdict import DEFAULT_TIMEOUT_MS, Answer, Verdict

NON_MFA = frozenset({Mfa.LONG_TERM_KEYS, Mfa.NO_MFA})
EVERY_MODE = frozenset(Mfa)


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
    # who-can: the proven steps by which an attacker holding credentials of their own comes
    # to hold `start` (a role's session given out through PassRole, a rewritten trust, ...);
    # empty when `start` is such a credential itself
    obtained: tuple[Hop, ...] = ()


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
        self.bound = Bound(self)
        # the proven closure of `obtainable`: each state it reached by a step, and from where
        self.obtained_by: dict[State, tuple[State, Hop]] = {}

    # -- where an attacker starts ------------------------------------------------------------
    def own_starts(self, arn: str, allowed: frozenset[Mfa]) -> list[State]:
        """The credentials of `arn` itself: what the credential report says a user or root
        holds (every mode without a report); any session for a role."""
        p = self.pg.snap.principals[arn]
        if p.kind is PrincipalKind.ROLE:
            modes: Iterable[Mfa] = ROLE_MODES
        else:
            modes = credential_modes(credential_row(self.pg.snap, p))
        return [State(arn, m) for m in modes if m in allowed]

    def obtainable(self, allowed: frozenset[Mfa]) -> tuple[set[State], set[State]]:
        """States an attacker can hold at all, from users' and roots' own credentials and
        from roles' sessions given out to someone outside the snapshot: (proven, maybe).
        The maybe set also lets every state change every other (as if one attacker held
        them all): an over-approximation, so that it never hides a state."""
        base = []
        for arn, p in self.pg.snap.principals.items():
            if p.kind is PrincipalKind.ROLE:
                base += [State(arn, m) for m in self.pg.starts.get(arn, ()) if m in allowed]
            else:
                base += self.own_starts(arn, allowed)
        self.obtained_by = {}  # this question's modes only
        proven = self._closure(base, sure=True, allowed=allowed, parents=self.obtained_by)
        return proven, self._maybe(base, allowed)

    def obtaining(self, s: State) -> tuple[Hop, ...]:
        """The proven steps `obtainable` found to `s` from a credential an attacker holds of
        its own, first step first (none when `s` is one)."""
        hops: list[Hop] = []
        seen = {s}
        while s in self.obtained_by:
            s, hop = self.obtained_by[s]
            if s in seen:  # never in a breadth-first closure; a guard, not a case
                break
            seen.add(s)
            hops.append(hop)
        return tuple(reversed(hops))

    def _closure(
        self,
        starts: list[State],
        sure: bool,
        allowed: frozenset[Mfa],
        seen: set[State] | None = None,
        parents: dict[State, tuple[State, Hop]] | None = None,
    ) -> set[State]:
        """Every state reachable from `starts` (added to `seen`, the states already closed);
        `parents` records the state and step each new state was first reached by."""
        seen = seen if seen is not None else set()
        starts = [s for s in starts if s not in seen]
        seen.update(starts)
        queue = deque(s for s in starts if not self._admin(s))
        admins = deque(s for s in starts if self._admin(s))  # last: most of their reach is known
        while queue or admins:
            deadline.check()
            s = queue.popleft() if queue else admins.popleft()
            for _, hop, nxt, _ in self._own(s, sure, self._unseen(seen, allowed)):
                if nxt not in seen and nxt.mode in allowed:
                    seen.add(nxt)
                    (admins if self._admin(nxt) else queue).append(nxt)
                    if parents is not None:
                        parents.setdefault(nxt, (s, hop))
        return seen

    def _unseen(self, seen: set[State], allowed: frozenset[Mfa]) -> Callable[[str], bool]:
        """Principals some of whose unchanged states (in the modes asked) are not in `seen`:
        an administrator's steps lead to unchanged states of other principals only, so the
        steps to anyone else cannot add to a closure."""
        modes = self.pg.modes

        def unseen(arn: str) -> bool:
            return any(State(arn, m) not in seen for m in modes(arn) if m in allowed)

        return unseen

    def _maybe(self, base: list[State], allowed: frozenset[Mfa]) -> set[State]:
        """Every state an attacker may hold, over-approximated: the closure over proven and
        unknown steps, where a principal that another held state may change (`acts_on`) is
        taken to gain anything: as an administrator would, it may then hold every user and
        role of its account and every role whose trust names it or its account. (Following
        the changes themselves for every pair of holders at once grows too fast.)"""
        snap = self.pg.snap
        boosted: set[State] = set()
        checked: set[tuple[State, State]] = set()
        states = self._closure(base, sure=False, allowed=allowed)
        while True:
            account = {s: snap.principals[s.arn].account for s in states}
            held = [s for s in states if not s.gains and not self._admin(s)]
            fresh = set()
            for src in states:
                deadline.check()
                if not self._modifier(src) or self._admin(src):
                    continue
                for x in held:
                    if x in boosted or x in fresh or (src, x) in checked:
                        continue
                    checked.add((src, x))
                    if (
                        x.arn != src.arn
                        and account[x] == account[src]
                        and self.pg.acts_on(src.key, x.key)
                    ):
                        fresh.add(x)
            if not fresh:
                return states
            boosted |= fresh
            extra = [
                State(q.arn, m)
                for x in fresh
                for q in anything_from(snap, snap.principals[x.arn])
                for m in self.pg.modes(q.arn)
                if m in allowed and (m is not Mfa.MFA or x.mode is Mfa.MFA)
            ]
            self._closure(extra, sure=False, allowed=allowed, seen=states)

    # -- the moves out of a state -------------------------------------------------------------
    def _own(self, s: State, sure: bool, wanted: Callable[[str], bool] | None = None):
        """(acting state, hop, next state, holder) for the state's own steps; for an
        administrator, with `wanted`, only those to the principals it picks."""
        if wanted is not None and self._admin(s):
            steps = self.pg.steps_toward(s.arn, s.mode, s.gains, wanted)
        else:
            steps = self.pg.steps(s.arn, s.mode, s.gains)
        hops = [h for h in steps if not sure or h.verdict is Verdict.REACHABLE]
        for hop, nxt in self._successors(s, hops):
            yield s, hop, nxt, None

    def _moves(self, s: State, popped: list[State], seen, sure: bool, acted: set):
        """The state's own steps; then the changes it can make to every other state the
        attacker holds, and those that states already left can make to it (each pair once,
        whichever is found second), so that a role session that attaches a policy to the
        user who assumed it is followed (issue 14)."""
        yield from self._own(s, sure)
        principals = self.pg.snap.principals
        pairs = [(s, x) for x in list(seen)] + [(m, s) for m in popped]
        for src, holder in pairs:
            if (
                src.arn == holder.arn
                or (src, holder) in acted
                or principals[src.arn].account != principals[holder.arn].account
                or not self._modifier(src)
                or self._admin(holder)  # an administrator has nothing to gain in its account
            ):
                continue
            acted.add((src, holder))
            hops = [
                h
                for h in self.pg.acts_on(src.key, holder.key)
                if not sure or h.verdict is Verdict.REACHABLE
            ]
            for hop, nxt in self._successors(holder, hops, singles=False):
                yield src, hop, nxt, holder

    def _admin(self, s: State) -> bool:
        return self.pg.admin_of(s.arn, s.mode, s.gains).verdict is Verdict.REACHABLE

    def _modifier(self, s: State) -> bool:
        return bool(self.pg.modifying(s.key))

    def _successors(self, holder: State, hops: list[Hop], singles: bool = True):
        """Next states: a step that changes `holder` adds its change to the holder's; steps
        that only widen (`changes.monotone`) are also taken all at once, the one state that
        can do whatever any of their subsets could (from a changed state, or for changes made
        by another state, only that one: the search grows with the number of changes, not
        with their subsets; one at a time only keeps a principal's own paths short)."""
        snap = self.pg.snap
        grow: list[Hop] = []
        for hop in hops:
            if hop.target == holder.arn and not hop.changes:  # a new credential of itself
                if hop.mode_to != holder.mode:
                    yield hop, State(holder.arn, hop.mode_to, holder.gains)
                continue
            if not (hop.changes and hop.target == holder.arn):
                yield hop, State(hop.target, hop.mode_to, hop.changes)
                continue
            nxt = State(holder.arn, holder.mode, add(holder.gains, *hop.changes))
            if nxt == holder:
                continue
            if all(monotone(snap, c) for c in hop.changes):
                grow.append(hop)
                # one write of its own choosing still goes alone (a path reads best that way)
                first_admin = hop.admin and singles and not any(h.admin for h in grow[:-1])
                if (holder.gains or not singles) and not first_admin:
                    continue
            yield hop, nxt
        if grow and (len(grow) > 1 or holder.gains or not singles):
            changes = [c for h in grow for c in h.changes]
            nxt = State(holder.arn, holder.mode, add(holder.gains, *changes))
            if nxt != holder:
                yield _merge(grow), nxt

    # -- searches ---------------------------------------------------------------------------
    def search(
        self,
        principal: str,
        starts: list[State],
        goal: Callable[[State], Answer | Verdict],
        allowed: frozenset[Mfa] = EVERY_MODE,
    ) -> Found:
        """Shortest path from any start to a state where `goal` holds, through states whose
        credential mode is in `allowed` only (with MFA: MFA along the whole path). Past the
        deadline the answer is `unknown`, unless a proven path was found first."""
        try:
            return self._search(principal, starts, goal, allowed)
        except deadline.DeadlineExpired:
            return Found(principal, Verdict.UNKNOWN, reasons=(deadline.REASON,))

    def _search(
        self,
        principal: str,
        starts: list[State],
        goal: Callable[[State], Answer | Verdict],
        allowed: frozenset[Mfa],
    ) -> Found:
        starts = [s for s in starts if s.mode in allowed]
        if not starts:
            return Found(principal, Verdict.UNREACHABLE, reasons=("no credential to start from",))
        if self.bound.out_of_reach(starts, goal, allowed):  # most principals: proven cheaply
            return Found(principal, Verdict.UNREACHABLE)
        for sure in (True, False):
            parent: dict[State, tuple[State, Hop, State | None] | None] = {s: None for s in starts}
            queue = deque(starts)
            popped: list[State] = []
            acted: set[tuple[State, State]] = set()

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
                for src, hop, nxt, holder in self._moves(s, popped, parent, sure, acted):
                    deadline.check()
                    if nxt in parent or nxt.mode not in allowed:
                        continue
                    parent[nxt] = (src, hop, holder)
                    answer, verdict = check(nxt)
                    hit = self._hit(principal, parent, nxt, answer, verdict, sure)
                    if hit is not None:
                        return hit
                    queue.append(nxt)
                popped.append(s)
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
        """The hops that lead to `s`: for a change made to a held principal, first the hops
        that obtained the holder, then those that obtained the acting state."""
        out: list[Hop] = []

        def walk(state: State) -> None:
            entry = parent[state]
            if entry is None:
                return
            prev, hop, holder = entry
            if holder is not None:
                walk(holder)
            walk(prev)
            if hop not in out:
                out.append(hop)

        walk(s)
        return tuple(out)

    @staticmethod
    def _root(parent, s: State) -> State:
        while parent[s] is not None:
            s = parent[s][0]
        return s

    # -- goals ------------------------------------------------------------------------------
    def admin_goal(self, s: State) -> Answer:
        if not s.gains and (s.arn, s.mode) not in self.pg.admin:
            return Answer(s.arn, Verdict.UNKNOWN, reasons=("admin not decided",))
        admin = self.pg.admin_of(s.arn, s.mode, s.gains)
        why = tuple(f"whether {s.arn} is admin: {r}" for r in admin.reasons)
        return Answer(s.arn, admin.verdict, reasons=why)

    def direct(
        self,
        s: State,
        actions: list[str],
        resources: list[str],
        where: list[tuple[str, ContextValue]] = (),
    ) -> Answer:
        """Can the state itself make one of the requests (with the changes made to it; SCPs,
        resource policies and RCPs still apply)?"""
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
                transform=transform(self.pg.snap, s.gains),
            )
        return self.direct_cache[key]


def _merge(hops: list[Hop]) -> Hop:
    """Several changes to one principal taken as one step."""
    first = hops[0]
    unknown = any(h.verdict is not Verdict.REACHABLE for h in hops)
    return Hop(
        first.source,
        first.target,
        " + ".join(dict.fromkeys(h.method for h in hops)),
        Gain.ADMIN if any(h.admin for h in hops) else first.gain,
        first.mode_from,
        first.mode_to,
        Verdict.UNKNOWN if unknown else Verdict.REACHABLE,
        tuple(a for h in hops for a in h.actions),
        tuple(dict.fromkeys(st for h in hops for st in h.statements)),
        "; ".join(h.detail for h in hops if h.detail),
        tuple(dict.fromkeys(r for h in hops for r in h.reasons)),
        tuple(dict.fromkeys(loc for h in hops for loc in h.locations)),
        tuple(sorted({c for h in hops for c in h.changes})),
    )


def privesc(
    pg: PermissionGraph, paths: Paths, allowed: frozenset[Mfa], progress=None
) -> list[Found]:
    """For every principal: admin already, a path to admin, or a proof there is none."""
    out = []
    total = len(pg.snap.principals)
    for i, (arn, p) in enumerate(pg.snap.principals.items()):
        if progress:
            progress(i, total, "searching paths to admin")
        starts = paths.own_starts(arn, allowed)
        if not starts and p.kind is not PrincipalKind.ROLE:  # no credential: if it were stolen
            starts = [State(arn, m) for m in USER_MODES if m in allowed]
        out.append(paths.search(arn, starts, paths.admin_goal, allowed))
    return out


def who_can(
    pg: PermissionGraph,
    paths: Paths,
    goal: Callable[[State], Answer],
    allowed: frozenset[Mfa],
    progress=None,
) -> list[Found]:
    """For every principal: can a credential of it (one an attacker can hold) reach a state
    where `goal` holds, itself or through the principals it can become?"""
    if progress:
        progress(0, len(pg.snap.principals), "finding which credentials can be held")
    try:
        proven, maybe = paths.obtainable(allowed)
    except deadline.DeadlineExpired:  # who holds what is not known: nobody is ruled out
        why = (deadline.REASON,)
        return [Found(arn, Verdict.UNKNOWN, reasons=why) for arn in pg.snap.principals]
    out = []
    total = len(pg.snap.principals)
    for i, arn in enumerate(pg.snap.principals):
        if progress:
            progress(i, total, "searching paths")
        starts = _sorted(s for s in proven if s.arn == arn and not s.gains)
        if starts:
            found = paths.search(arn, starts, goal, allowed)
            if found.start is not None:
                found = replace(found, obtained=paths.obtaining(found.start))
            out.append(found)
            continue
        hidden = _sorted(s for s in maybe if s.arn == arn and not s.gains)
        found = paths.search(arn, hidden, goal, allowed) if hidden else None
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
