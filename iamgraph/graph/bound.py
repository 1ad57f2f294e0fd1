"""A cheap proof that a goal is out of reach: the search over an over-approximation.

The exact search follows every configuration change an attacker can make to a principal it
holds, and the combinations of changes grow fast (an administrator of an account can change
every principal of it in many ways, each a state). Most principals cannot reach most goals, and
proving that takes the exact search through all of those states. This search replaces every
changed state of a principal by one that bounds them all, TOP: the principal with its identity
policies replaced by everything and no boundary (its SCPs, RCPs, session policy and the
resource policies still apply). From TOP, and from an administrator, it assumes the principal
can become every principal of its account, in every mode, changed or not, and every role whose
trust names it or its account: no escalation method reaches further (IAM changes and passed
roles stay in the account, a foreign role is reached only through its trust). A principal that
may change others (`PermissionGraph.modifying`) is taken to change every principal of its
account it holds.

Every exact state is thus covered by a bound state that can do at least as much, so when no
state of the bound search may satisfy the goal, no exact state does: `proven-unreachable`.
When one may, nothing is concluded and the exact search runs.

A finished bound search leaves a set of states closed under its moves. Whoever starts inside
such a set can reach nothing outside it, so the next search with the same goal whose starts
all lie in one of them is proven as well, without a search (the administrators of an account
all reach the same states: one search serves them all).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

from iamgraph import deadline
from iamgraph.graph.build import PermissionGraph, account_members, anything_from
from iamgraph.graph.changes import Change, ChangeKind, Gains
from iamgraph.graph.state import State
from iamgraph.model.principals import PrincipalKind
from iamgraph.verdict import Answer, Verdict


class Searcher(Protocol):
    """What the bound needs of `paths.Paths` (which holds a `Bound`): its graph, a state's own
    steps, and whether a state is admin or may change others."""

    pg: PermissionGraph

    def _own(self, s: State, sure: bool) -> Iterator[tuple]: ...

    def _admin(self, s: State) -> bool: ...

    def _modifier(self, s: State) -> bool: ...


TOP: Gains = (Change(ChangeKind.TOP),)


@dataclass(frozen=True)
class Closure:
    """The states reachable from every TOP state of one account (in the allowed modes), closed
    under the bound's moves and pairings, none of which may meet the goal."""

    states: frozenset[State]
    by_account: dict[str, tuple[State, ...]]  # its states of each account
    complete: frozenset[str]  # accounts all of whose users and roles it holds, plain and TOP


_COMPUTING = object()  # an account's closure being worked out: expand its TOP states instead


class Bound:
    """The bound searches of one `Paths`, and the closed state sets they left per goal."""

    def __init__(self, paths: Searcher) -> None:
        self.paths = paths
        self.closed: dict[tuple, list[frozenset[State]]] = {}
        self.member: dict[tuple, dict[State, list[int]]] = {}
        # (goal, modes, account) -> what TOP there reaches (None: a state that may meet the goal)
        self.everything: dict[tuple, Closure | object | None] = {}

    def out_of_reach(
        self, starts: list[State], goal: Callable[[State], Answer | Verdict], allowed
    ) -> bool:
        """True when no state reachable from `starts` may satisfy `goal` (proven); False when
        the bound search met a state where the goal holds or is undecided."""
        key = (goal, allowed)
        member = self.member.setdefault(key, {})
        common = None
        for s in starts:
            ids = set(member.get(s, ()))
            common = ids if common is None else common & ids
        if common:
            return True  # inside a closed set already searched: nothing new to reach
        for (g, modes, _), c in self.everything.items():
            inside = isinstance(c, Closure) and all(s in c.states for s in starts)
            if inside and g == goal and modes == allowed:
                return True  # inside an account's closure
        found = self._search(starts, goal, allowed)
        if found is None:
            return False
        seen = found[0]  # closed together with the account closures it took in whole
        sets = self.closed.setdefault(key, [])
        sets.append(frozenset(seen))
        for s in seen:
            member.setdefault(s, []).append(len(sets) - 1)
        return True

    def _closure(self, account: str, goal, allowed) -> Closure | object | None:
        """What a TOP state or an administrator of `account` reaches: the same for all of them
        (each moves to every TOP state of its account), so searched once per goal."""
        key = (goal, allowed, account)
        if key in self.everything:
            return self.everything[key]
        self.everything[key] = _COMPUTING
        pg = self.paths.pg
        tops = [
            State(q.arn, m, TOP) for q in account_members(pg.snap, account) for m in pg.modes(q.arn)
        ]
        try:
            found = self._search([t for t in tops if t.mode in allowed], goal, allowed)
        except BaseException:  # out of time: not worked out
            del self.everything[key]
            raise
        if found is None:
            self.everything[key] = None
            return None
        seen, merged = found
        states = set(seen).union(*(c.states for c in merged))
        by: dict[str, list[State]] = {}
        principals = pg.snap.principals
        for s in states:
            by.setdefault(principals[s.arn].account, []).append(s)
        complete = frozenset(
            a
            for a in by
            if all(
                State(q.arn, m, g) in states
                for q in account_members(pg.snap, a)
                for m in pg.modes(q.arn)
                if m in allowed
                for g in ((), TOP)
            )
        )
        closure = Closure(frozenset(states), {a: tuple(v) for a, v in by.items()}, complete)
        self.everything[key] = closure
        return closure

    def _search(self, starts: list[State], goal, allowed):
        """The states reachable from `starts`, as (those searched, the account closures taken
        in whole), together closed under the moves; None at a state where the goal may hold."""
        seen: set[State] = set()
        queue: deque[State] = deque()
        principals = self.paths.pg.snap.principals
        merged: list[Closure] = []  # account closures taken in whole
        plain: dict[str, list[State]] = {}  # account -> unchanged states held there
        changers: dict[str, set[str]] = {}  # account -> principals held there that change others
        imported: set[str] = set()  # accounts where merged states are paired with all others
        complete: set[str] = set()  # accounts a merged closure holds entirely

        def known(s: State) -> bool:
            return s in seen or any(s in c.states for c in merged)

        def visit(s: State) -> bool:
            if s.mode not in allowed or known(s):
                return True
            answer = goal(s)
            verdict = answer if isinstance(answer, Verdict) else answer.verdict
            if verdict is not Verdict.UNREACHABLE:
                return False
            seen.add(s)
            queue.append(s)
            return True

        def pair(s: State) -> list[State]:
            """A principal that may change others changes every principal of its account the
            attacker holds; every principal held is changed by those that may."""
            account = principals[s.arn].account
            out = []
            if not s.gains:
                if self.paths._modifier(s):
                    out += [self._top(x) for x in plain.get(account, ()) if x.arn != s.arn]
                if changers.get(account, set()) - {s.arn}:
                    out.append(self._top(s))
                plain.setdefault(account, []).append(s)
            if s.gains or self.paths._modifier(s):
                changers.setdefault(account, set()).add(s.arn)
            return out

        def held(account: str) -> list[State]:
            """Once per account: the merged closures' states there, paired like our own (each
            closure is closed under its own pairings; an account one holds entirely needs
            none, since every change there is already in it)."""
            if account in imported or account in complete:
                return []
            imported.add(account)
            return [n for c in merged for x in c.by_account.get(account, ()) for n in pair(x)]

        def merge(closure: Closure) -> list[State]:
            before = set(imported)
            merged.append(closure)
            for a in closure.complete:
                complete.add(a)
                changers.setdefault(a, set()).add("*")  # its TOP states change the others
            out = []
            for a, states in closure.by_account.items():
                if a in complete:
                    continue
                if a in before:
                    out += [n for x in states for n in pair(x)]
                else:
                    out += held(a)
            return out

        for s in starts:
            if not visit(self._bounded(s)):
                return None
        while queue:
            deadline.check()
            s = queue.popleft()
            account = principals[s.arn].account
            nexts = held(account) + pair(s)
            root = principals[s.arn].kind is PrincipalKind.ROOT
            if s.gains or self.paths._admin(s):
                closure = _COMPUTING if root else self._closure(account, goal, allowed)
                if closure is None:
                    return None  # TOP here may meet the goal
                if isinstance(closure, Closure):
                    nexts += merge(closure)
                else:  # being worked out (or a root user): its moves, one by one
                    nexts += list(self._anything(s))
            else:
                for _, _, nxt, _ in self.paths._own(s, sure=False):  # (proven and unknown alike)
                    nexts.append(self._bounded(nxt))
            for nxt in nexts:
                if not visit(nxt):
                    return None
        return seen, merged

    def _anything(self, s: State) -> Iterator[State]:
        """Who a principal with every permission may become: every principal of its account
        (as it is, and changed), every role whose trust names it or its account, and every
        role the account's compute runs as."""
        pg = self.paths.pg
        snap = pg.snap
        p = snap.principals[s.arn]
        data = snap.accounts.get(p.account)
        inventory = data.inventory if data else None
        runners = [
            snap.principals[r.role_arn]
            for r in (inventory.runners if inventory else ())
            if r.role_arn in snap.principals
        ]
        for q in dict.fromkeys([*anything_from(snap, p), *runners]):
            for m in pg.modes(q.arn):
                yield State(q.arn, m)
                if q.account == p.account:
                    yield State(q.arn, m, TOP)

    @staticmethod
    def _bounded(s: State) -> State:
        return s if not s.gains else State(s.arn, s.mode, TOP)

    @staticmethod
    def _top(s: State) -> State:
        return State(s.arn, s.mode, TOP)
