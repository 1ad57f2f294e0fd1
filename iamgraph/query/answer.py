"""One library call per question: `can`, `who_can`, `ask` (a parsed or structured `Query`),
`paths`, `privesc` and the permission graph's picture.

Each takes a Snapshot and plain options, chooses between direct solving (`--direct`: the
principal's own permissions, `solvers.properties`) and the permission graph (`query.reach`: what any
principal it can become can do), merges the answers of several checks, and returns frozen
results: it never prints and never exits. Bad input is an InputError. `progress(done, total,
label)` may be passed in to hear how far the graph's construction is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from iamgraph.errors import InputError
from iamgraph.evaluate.gather import find_principal
from iamgraph.evaluate.request import ContextValue
from iamgraph.graph import parallel, store
from iamgraph.graph.build import Hop, PermissionGraph
from iamgraph.graph.methods import METHODS
from iamgraph.graph.paths import Found, Paths, State, modes_filter
from iamgraph.graph.paths import privesc as privesc_all
from iamgraph.model.snapshot import Snapshot
from iamgraph.query import reach as over_paths
from iamgraph.query.asked import NOTHING_UNKNOWN, Asked, checked_request
from iamgraph.query.grammar import Query, parse
from iamgraph.query.reach import Check, Reach, proof_note
from iamgraph.solvers import properties
from iamgraph.verdict import DEFAULT_TIMEOUT_MS, Answer, Verdict

Progress = Callable[[int, int, str], None] | None
Where = list[tuple[str, ContextValue]]
Graph = tuple[PermissionGraph, Paths]

METHOD_NOTE = (
    f"relative to the {len(METHODS)} escalation methods of iamgraph.graph.methods "
    "and the IAM action catalog"
)


def graph_for(
    snap: Snapshot, timeout_ms: int, progress: Progress = None, every_state: bool = True
) -> Graph:
    """The permission graph of `snap` and the path search over it. `every_state`: the
    question visits every principal (privesc, who-can), so with several workers each base
    state's steps are worked out up front (`graph.parallel`); a question from one principal
    leaves them to the search."""

    def tick(done: int, total: int) -> None:
        if progress:
            progress(done, total, "building the permission graph")

    def make() -> Graph:
        pg = parallel.build(snap, timeout_ms, tick, steps=every_state)
        return pg, Paths(pg, timeout_ms)

    return store.graph_for(snap, timeout_ms, make)  # a cache session's, if it has one


# -- merging --------------------------------------------------------------------------------


def known_checks(checks: list[Check], asked: Asked) -> list[Check]:
    """The checks without the actions the catalog does not know (and without checks left
    with no action): what can still be proven or shown reachable."""
    out = []
    for actions, resources in checks:
        known = [a for a in actions if a not in asked.unknown]
        if known:
            out.append((known, resources))
    return out


def with_unknown_actions(reach: Reach, asked: Asked) -> Reach:
    """The answer to a question that also names actions the catalog does not know: a request
    shown reachable stays so, anything else is `unknown` (no proof covers those actions)."""
    if not asked.unknown or reach.answer.verdict is Verdict.REACHABLE:
        return reach
    a = reach.answer
    reasons = tuple(dict.fromkeys((*asked.reasons, *a.reasons)))
    return replace(reach, answer=Answer(a.principal, Verdict.UNKNOWN, None, reasons, a.seconds))


def merge(answers: list[Answer]) -> Answer:
    """One principal's answers to several questions, as the answer to their union."""
    reachable = next((a for a in answers if a.verdict is Verdict.REACHABLE), None)
    seconds = sum(a.seconds for a in answers)
    first = answers[0]
    if reachable is not None:
        return Answer(first.principal, Verdict.REACHABLE, reachable.witness, (), seconds)
    reasons = tuple(dict.fromkeys(r for a in answers for r in a.reasons))
    if any(a.verdict is Verdict.UNKNOWN for a in answers):
        return Answer(first.principal, Verdict.UNKNOWN, None, reasons, seconds)
    notes = tuple(dict.fromkeys(n for a in answers for n in a.notes))
    return Answer(first.principal, Verdict.UNREACHABLE, None, (), seconds, notes)


def overall(reaches: list[Reach] | tuple[Reach, ...]) -> Verdict:
    """`reachable` if any principal is, `proven-unreachable` if all are, else `unknown`."""
    verdicts = {r.answer.verdict for r in reaches}
    if Verdict.REACHABLE in verdicts:
        return Verdict.REACHABLE
    if verdicts <= {Verdict.UNREACHABLE}:
        return Verdict.UNREACHABLE
    return Verdict.UNKNOWN


def any_unknown(reaches: list[Reach] | tuple[Reach, ...]) -> bool:
    """Whether some principal is left undecided (who-can's exit code 3)."""
    return any(r.answer.verdict is Verdict.UNKNOWN for r in reaches)


# -- can, who-can, ask ----------------------------------------------------------------------


@store.remembered
def can(
    snap: Snapshot,
    principal: str,
    actions: list[str],
    resources: list[str],
    *,
    asked: Asked = NOTHING_UNKNOWN,
    mfa: str | None = None,
    where: Where = (),
    direct: bool = False,
    timeout_ms: int = DEFAULT_TIMEOUT_MS,
    progress: Progress = None,
) -> Reach:
    """Can `principal` (or, unless `direct`, a principal it can become) make a request for any
    of `actions` on any of `resources`? Actions in `asked.unknown` are left out, and unless the
    rest is shown reachable the answer is `unknown`."""
    find_principal(snap, principal)
    known = [a for a in actions if a not in asked.unknown]
    if not known:
        reach = Reach(Answer(principal, Verdict.UNKNOWN))
    elif direct:
        answer = properties.can(
            snap, principal, known, resources, mfa=mfa, where=where, timeout_ms=timeout_ms
        )
        reach = Reach(answer)
    else:
        pg, paths = graph_for(snap, timeout_ms, progress, every_state=False)
        reach = over_paths.can(pg, paths, principal, [(known, resources)], mfa, where)
    return with_unknown_actions(reach, asked)


@store.remembered
def who_can(
    snap: Snapshot,
    checks: list[Check],
    *,
    asked: Asked = NOTHING_UNKNOWN,
    mfa: str | None = None,
    where: Where = (),
    direct: bool = False,
    timeout_ms: int = DEFAULT_TIMEOUT_MS,
    progress: Progress = None,
    graph: Graph | None = None,
) -> tuple[Reach, ...]:
    """Every principal's answer to any of `checks`, over paths unless `direct` (on `graph` if
    one is given). Actions the catalog does not know (`asked.unknown`) are left out, and
    unless the rest is shown reachable the answer is `unknown`."""
    checks = known_checks(checks, asked)
    if not checks:
        items = [Reach(Answer(arn, Verdict.UNKNOWN)) for arn in snap.principals]
    elif direct:
        per_check = [
            properties.who_can(snap, a, r, mfa=mfa, where=where, timeout_ms=timeout_ms)
            for a, r in checks
        ]
        items = [Reach(merge(list(group))) for group in zip(*per_check, strict=True)]
    else:
        pg, paths = graph or graph_for(snap, timeout_ms, progress)
        items = over_paths.who_can(pg, paths, checks, mfa, where, progress)
    return tuple(with_unknown_actions(r, asked) for r in items)


@dataclass(frozen=True)
class Answered:
    """A query's answer: one principal's (`can`, `paths`), every principal's (`who-can`,
    narrowed by the query's filter), or the escalations of `privesc`."""

    query: Query
    actions: tuple[str, ...]  # every action of its checks, once, in order
    resources: tuple[str, ...]
    reaches: tuple[Reach, ...]
    escalations: tuple[Escalation, ...] | None = None  # privesc
    notes: tuple[str, ...] = ()  # how the rows' principals come in (outside the organization)
    asked: Asked = NOTHING_UNKNOWN  # the actions the catalog does not know, set apart

    @property
    def one(self) -> Reach | None:
        """The answer of a `can` or `paths` query; None for `who-can` and `privesc`."""
        return self.reaches[0] if self.query.command in ("can", "paths") else None

    @property
    def unknown(self) -> bool:
        escalations = self.escalations or ()
        return any_unknown(self.reaches) or any(
            e.found.verdict is Verdict.UNKNOWN for e in escalations
        )


def flat(query: Query) -> tuple[list[str], list[str]]:
    """Every action and every resource of a query's checks, once each, in order."""
    actions = list(dict.fromkeys(a for c in query.checks for a in c.actions))
    resources = list(dict.fromkeys(r for c in query.checks for r in c.resources))
    return actions, resources


def ask_question(
    snap: Snapshot,
    question: str,
    *,
    allow_unknown_action: bool = False,
    direct: bool = False,
    timeout_ms: int = DEFAULT_TIMEOUT_MS,
    progress: Progress = None,
) -> Answered:
    """`ask`'s one call: the question parsed (`query.grammar`), its actions checked against
    the catalog, and answered by the command it maps to. A question about principals outside
    the organization comes back unanswered (no rows): `premerge.outside` answers it (a layer
    above this one), asking `ask` about the roles an outsider can assume."""
    query = parse(question, snap, allow_unknown_action)
    if direct and query.command in ("paths", "privesc"):
        raise InputError("ask", "--direct", f"{query.command} questions follow the graph")
    actions, resources = flat(query)
    asked = checked_request("ask", actions, resources, allow_unknown_action, labels=("$", "$"))
    if query.filter.outside:
        return Answered(query, tuple(actions), tuple(resources), (), asked=asked)
    return ask(snap, query, asked=asked, direct=direct, timeout_ms=timeout_ms, progress=progress)


def ask(
    snap: Snapshot,
    query: Query,
    *,
    asked: Asked = NOTHING_UNKNOWN,
    direct: bool = False,
    timeout_ms: int = DEFAULT_TIMEOUT_MS,
    progress: Progress = None,
    graph: Graph | None = None,
) -> Answered:
    """The answer to a query, parsed from English (`grammar.parse`) or built from its parts
    (`grammar.structured`): `who_can` when it names no principal (the rows its filter keeps),
    `privesc` or `paths` when it asks those, else `can` over its checks, their answers merged
    into one."""
    if query.filter.outside:
        raise InputError("ask", "$", "outside the organization: premerge.outside answers it")
    actions, resources = flat(query)
    checks = [(list(c.actions), list(c.resources)) for c in query.checks]
    where = list(query.where)
    if query.command == "privesc":
        found = privesc(snap, mfa=query.mfa, timeout_ms=timeout_ms, progress=progress, graph=graph)
        kept = tuple(e for e in found if _privesc_keeps(snap, query, e))
        return Answered(query, (), (), (), kept)
    if query.command == "paths" and query.to is not None:
        assert query.principal is not None
        reach = paths(
            snap, query.principal, query.to, [], [], mfa=query.mfa, timeout_ms=timeout_ms,
            progress=progress,
        )  # fmt: skip
        return Answered(query, (), (), (reach,))
    if query.principal is None:
        reaches = who_can(
            snap,
            checks,
            asked=asked,
            mfa=query.mfa,
            where=where,
            direct=direct,
            timeout_ms=timeout_ms,
            progress=progress,
            graph=graph,
        )
        f = query.filter
        if f and not f.outside:
            reaches = tuple(r for r in reaches if f.covers(snap.principals[r.answer.principal]))
        return Answered(query, tuple(actions), tuple(resources), reaches)
    known = known_checks(checks, asked)
    if not known:
        reach = Reach(Answer(query.principal, Verdict.UNKNOWN))
    elif direct:
        answers = [
            properties.can(
                snap, query.principal, a, r, mfa=query.mfa, where=where, timeout_ms=timeout_ms
            )
            for a, r in known
        ]
        reach = Reach(merge(answers))
    else:
        pg, paths_ = graph or graph_for(snap, timeout_ms, progress)
        reach = over_paths.can(pg, paths_, query.principal, known, query.mfa, where)
    reach = with_unknown_actions(reach, asked)
    return Answered(query, tuple(actions), tuple(resources), (reach,))


def _privesc_keeps(snap: Snapshot, query: Query, e: Escalation) -> bool:
    """Whether a privesc row answers the query: its principal ("is X admin": that row, yes or
    no), its filter, and for "who is admin" only who is (or may be: not decided) admin
    already."""
    arn = e.found.principal
    if query.principal is not None:
        return arn == query.principal
    if query.filter and not query.filter.covers(snap.principals[arn]):
        return False
    return not query.admins or e.admin is not False


# -- paths, privesc, the graph --------------------------------------------------------------


@store.remembered
def paths(
    snap: Snapshot,
    source: str,
    to: str | None,
    actions: list[str],
    resources: list[str],
    *,
    asked: Asked = NOTHING_UNKNOWN,
    mfa: str | None = None,
    where: Where = (),
    timeout_ms: int = DEFAULT_TIMEOUT_MS,
    progress: Progress = None,
) -> Reach:
    """The shortest path from `source` to the principal `to`, to admin (`to="admin"`), or,
    with `actions`, to a request for any of them on any of `resources`."""
    find_principal(snap, source)
    if to not in (None, "admin"):
        find_principal(snap, to)
    pg, graph_paths = graph_for(snap, timeout_ms, progress, every_state=False)
    allowed = modes_filter(mfa)
    if actions:
        checks = known_checks([(actions, resources)], asked)
        reach = (
            over_paths.can(pg, graph_paths, source, checks, mfa, where)
            if checks
            else Reach(Answer(source, Verdict.UNKNOWN))
        )
        return with_unknown_actions(reach, asked)
    starts = graph_paths.own_starts(source, allowed)

    def goal(s: State) -> Answer:
        if to == "admin":
            return graph_paths.admin_goal(s)
        hit = Verdict.REACHABLE if s.arn == to and not s.admin else Verdict.UNREACHABLE
        return Answer(s.arn, hit)

    found = graph_paths.search(source, starts, goal, allowed)
    notes = (proof_note(),) if found.verdict is Verdict.UNREACHABLE else ()
    return Reach(Answer(source, found.verdict, None, found.reasons, 0.0, notes), found.hops)


@dataclass(frozen=True)
class Escalation:
    """One principal's way to admin (`found`), and whether it is admin by its own permissions
    in the credential the answer started from (None: not decided)."""

    found: Found
    admin: bool | None


@store.remembered
def privesc(
    snap: Snapshot,
    *,
    mfa: str | None = None,
    timeout_ms: int = DEFAULT_TIMEOUT_MS,
    progress: Progress = None,
    graph: Graph | None = None,
) -> tuple[Escalation, ...]:
    """For every user, role and root user: admin already, a path to admin, or a proof there
    is none (relative to `METHOD_NOTE`)."""
    pg, graph_paths = graph or graph_for(snap, timeout_ms, progress)
    found = privesc_all(pg, graph_paths, modes_filter(mfa), progress)
    return tuple(Escalation(f, _own_admin(pg, f)) for f in found)


def _own_admin(pg: PermissionGraph, f: Found) -> bool | None:
    """Admin by its own permissions, in the credential the answer started from."""
    if f.start is None:
        return False
    admin = pg.admin.get((f.start.arn, f.start.mode))
    return admin.admin if admin else None


@dataclass(frozen=True)
class Picture:
    """What `iamgraph graph` draws: the escalation steps (one per method between two
    principals), the principals shown, and the administrators among them."""

    hops: tuple[Hop, ...]
    principals: frozenset[str]
    admins: tuple[str, ...]


def picture(
    snap: Snapshot,
    accounts: list[str],
    escalation_only: bool,
    *,
    timeout_ms: int = DEFAULT_TIMEOUT_MS,
    progress: Progress = None,
) -> Picture:
    """Every escalation step between the principals of `accounts` (all when empty), without
    an administrator's steps inside its own account (they add nothing to the picture). An
    account the snapshot does not hold is bad input."""
    for a in accounts:
        if a not in snap.account_ids():
            raise InputError(snap.root, "--account", f"no account {a} in the snapshot")
    pg, _ = graph_for(snap, timeout_ms, progress)

    def tick(done: int, total: int) -> None:
        if progress:
            progress(done, total, "working out every step")

    pg.expand_all(tick)
    keep = set(accounts)

    def inside(arn: str) -> bool:
        return not keep or snap.principals[arn].account in keep

    def from_admin_at_home(h: Hop) -> bool:
        admin = pg.admin.get((h.source, h.mode_from))
        same = snap.principals[h.source].account == snap.principals[h.target].account
        return bool(admin and admin.admin) and same

    hops = [
        h for h in pg.hops() if inside(h.source) and inside(h.target) and not from_admin_at_home(h)
    ]
    hops = list({(h.source, h.target, h.method): h for h in hops}.values())  # one per method
    shown = (
        {a for h in hops for a in (h.source, h.target)}
        if escalation_only
        else {a for a in snap.principals if inside(a)}
    )
    admins = [a for (a, _), v in pg.admin.items() if v.admin and a in shown]
    return Picture(tuple(hops), frozenset(shown), tuple(admins))
