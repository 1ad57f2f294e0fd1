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
from typing import Protocol

from iamgraph import deadline
from iamgraph.graph.build import PermissionGraph, anything_from
from iamgraph.graph.changes import Change, ChangeKind, Gains
from iamgraph.graph.state import State
from iamgraph.verdict import Answer, Verdict


class Searcher(Protocol):
    """What the bound needs of `paths.Paths` (which holds a `Bound`): its graph, a state's own
    steps, and whether a state is admin or may change others."""

    pg: PermissionGraph

    def _own(self, s: State, sure: bool) -> Iterator[tuple]: ...

    def _admin(self, s: State) -> bool: ...

    def _modifier(self, s: State) -> bool: ...


TOP: Gains = (Change(ChangeKind.TOP),)


class Bound:
    """The bound searches of one `Paths`, and the closed state sets they left per goal."""

    def __init__(self, paths: Searcher) -> None:
        self.paths = paths
        self.closed: dict[tuple, list[frozenset[State]]] = {}
        self.member: dict[tuple, dict[State, list[int]]] = {}

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
        seen = self._search(starts, goal, allowed)
        if seen is None:
            return False
        sets = self.closed.setdefault(key, [])
        sets.append(frozenset(seen))
        for s in seen:
            member.setdefault(s, []).append(len(sets) - 1)
        return True

    def _search(self, starts: list[State], goal, allowed) -> set[State] | None:
        """The closed set of bound states reachable from `starts`, or None at a state where
        the goal may hold."""
        seen: set[State] = set()
        queue: deque[State] = deque()
        held: dict[str, list[State]] = {}  # account -> states held there (for the pairing)
        principals = self.paths.pg.snap.principals

        def visit(s: State) -> bool:
            if s in seen or s.mode not in allowed:
                return True
            answer = goal(s)
            verdict = answer if isinstance(answer, Verdict) else answer.verdict
            if verdict is not Verdict.UNREACHABLE:
                return False
            seen.add(s)
            queue.append(s)
            return True

        for s in starts:
            if not visit(self._bounded(s)):
                return None
        while queue:
            deadline.check()
            s = queue.popleft()
            account = principals[s.arn].account
            mine = held.setdefault(account, [])
            nexts = list(self._moves(s))
            if not s.gains and self.paths._modifier(s):
                # it may change every principal of its account the attacker holds
                nexts += [self._top(x) for x in mine if x.arn != s.arn and not x.gains]
            if not s.gains:
                # and every principal that may change others may change it
                nexts += [
                    self._top(s)
                    for x in mine
                    if x.arn != s.arn and (x.gains or self.paths._modifier(x))
                ][:1]
            mine.append(s)
            for nxt in nexts:
                if not visit(nxt):
                    return None
        return seen

    def _moves(self, s: State) -> Iterator[State]:
        if not s.gains and not self.paths._admin(s):  # its own steps, exactly
            for _, _, nxt, _ in self.paths._own(s, sure=False):  # (proven and unknown alike)
                yield self._bounded(nxt)
            return
        yield from self._anything(s)  # an administrator's steps would cost one proof per target

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
