"""The permission graph: principals as nodes, proven escalation steps as edges.

Input: a snapshot. Output: a `networkx.MultiDiGraph` (`PermissionGraph.graph`) whose nodes are
every user, role and account root (plus the organization root, OUs and accounts, for drawing)
and whose edges are `member_of` (user to group, for drawing) and one `Hop` per escalation step a
source can take, for each MFA mode of the source's credential. The steps are kept as they are
worked out (`Drawing`) and the networkx graph is made from them when asked for: importing
networkx costs a third of a second that a first `can` or `who-can` need not pay.

Every step is decided by `solvers.properties.can` (a replayed witness, a proof, or unknown), so an
edge is either proven (`reachable`) or `unknown`; a proven-unreachable step is no edge at all.
Cost stays near linear in the principals: a step is only asked when some Allow statement of the
source (or, for `sts:AssumeRole`, the role's trust policy) could grant it; answers are cached per
source, action and resource, and shared across MFA modes unless a policy reads the MFA keys.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from iamgraph.evaluate.gather import ROLE_MODES, USER_MODES, Mfa, find_target
from iamgraph.evaluate.layers import Layer, Outcome, PolicySet, decide
from iamgraph.evaluate.matching import action_matches, principal_match, resource_matches
from iamgraph.evaluate.request import Caller, CallerType, ContextValue, Request
from iamgraph.graph.admin import Admin, decide_admin, layers
from iamgraph.graph.changes import ADMIN_POLICY, Change, ChangeKind, Gains, apply, transform
from iamgraph.graph.classes import signature
from iamgraph.graph.methods import METHODS, TARGET, Gain, Method, Step, Target
from iamgraph.model.policy import Effect, Policy
from iamgraph.model.principals import Principal, PrincipalKind
from iamgraph.model.snapshot import Snapshot
from iamgraph.solvers.properties import can, moved
from iamgraph.verdict import DEFAULT_TIMEOUT_MS, Answer, Verdict

MFA_PREFIX = "aws:multifactorauth"


@dataclass(frozen=True)
class Hop:
    """One escalation step from a source credential to what the attacker holds afterwards."""

    source: str
    target: str  # the principal whose credential (or, for ADMIN, whose permissions) is gained
    method: str
    gain: Gain
    mode_from: Mfa
    mode_to: Mfa  # the target's credential mode afterwards (the source's own for ADMIN on self)
    verdict: Verdict  # REACHABLE (every step replayed) or UNKNOWN
    actions: tuple[tuple[str, str], ...]  # (action, resource) each step was proven on
    statements: tuple[str, ...]  # the Allow statements that granted the steps
    detail: str = ""  # which policy, group, function, ... the step goes through
    reasons: tuple[str, ...] = ()  # why unknown
    locations: tuple[tuple[str, int, int], ...] = ()  # (file, line, column) of `statements`
    changes: Gains = ()  # what the step changes in the target's configuration

    @property
    def admin(self) -> bool:
        return self.gain is Gain.ADMIN


Key = tuple[str, Mfa, Gains]  # a state: principal, credential mode, changes made to it


class Drawing:
    """The steps worked out so far, one per source, target, method, mode and detail: the
    edges of the networkx graph, which is made from them when asked for. Kept per source, then
    per target, in the order they came, as networkx keeps a multigraph's edges."""

    def __init__(self) -> None:
        self.out: dict[str, dict[str, dict[str, Hop]]] = {}

    def add(self, hop: Hop, mode: Mfa) -> None:
        key = f"{hop.method}|{mode}|{hop.detail}"
        self.out.setdefault(hop.source, {}).setdefault(hop.target, {})[key] = hop

    def edges(self, order) -> Iterator[tuple[str, str, str, Hop]]:
        """(source, target, key, hop), sources in `order` (the graph's nodes) first."""
        sources = [a for a in order if a in self.out]
        sources += [a for a in self.out if a not in set(sources)]
        for source in sources:
            for target, keyed in self.out[source].items():
                for key, hop in keyed.items():
                    yield source, target, key, hop


@dataclass
class PermissionGraph:
    """Nodes and admin verdicts up front; a state's steps are worked out the first time a
    search leaves it (`steps`), so a question pays only for the states it visits."""

    snap: Snapshot
    builder: Builder
    drawing: Drawing = field(default_factory=Drawing)
    admin: dict[tuple[str, Mfa], Admin] = field(default_factory=dict)
    starts: dict[str, tuple[Mfa, ...]] = field(default_factory=dict)  # who holds what at first
    expanded: dict[Key, list[Hop]] = field(default_factory=dict)
    pending: dict[Key, Iterator[Hop] | None] = field(default_factory=dict)
    acting: dict[tuple[Key, Key], list[Hop]] = field(default_factory=dict)
    modifiers: dict[Key, tuple[Method, ...]] = field(default_factory=dict)
    gained_admin: dict[Key, Admin] = field(default_factory=dict)

    def admin_of(self, arn: str, mode: Mfa, gains: Gains = ()) -> Admin:
        """Is the principal admin in this state (with the changes made to it)? Asked for every
        state a search reaches, so each answer is kept (the layers with the changes applied
        cost more to build than to look up)."""
        if not gains:
            return self.admin[(arn, mode)]
        key = (arn, mode, gains)
        if key not in self.gained_admin:
            own, _ = layers(self.snap, arn)
            full = apply(self.snap, own, gains)
            self.gained_admin[key] = self.builder.is_admin(arn, mode, full, tag=repr(gains))
        return self.gained_admin[key]

    def steps_toward(
        self, arn: str, mode: Mfa, gains: Gains, wanted: Callable[[str], bool]
    ) -> Iterator[Hop]:
        """An administrator's steps (the state must be one) to the principals `wanted` picks:
        a closure that already holds most of what an administrator reaches asks only for the
        rest. Not kept as the state's steps (they are not all of them); the builder still
        keeps every answer."""
        key = (arn, mode, gains)
        if key in self.expanded and self.pending.get(key, 0) is None:  # all worked out already
            return (h for h in self.expanded[key] if wanted(h.target))
        p = self.snap.principals[arn]
        return _hops(self.builder, self, p, key, ADMIN_METHODS, wanted)

    def steps(self, arn: str, mode: Mfa, gains: Gains = ()) -> Iterator[Hop]:
        """Every step out of the state (proven or unknown), each worked out once and only
        when a search gets that far (a search that finds its goal stops early)."""
        key = (arn, mode, gains)
        if key not in self.expanded:
            p = self.snap.principals[arn]
            admin = self.admin_of(arn, mode, gains).verdict is Verdict.REACHABLE
            self.expanded[key] = []
            # an administrator (a root user too) only goes on to other principals
            self.pending[key] = _hops(self.builder, self, p, key, ADMIN_METHODS if admin else None)
        done = self.expanded[key]
        i = 0
        while True:
            if i < len(done):
                yield done[i]
                i += 1
                continue
            source = self.pending.get(key)
            hop = next(source, None) if source is not None else None
            if hop is None:
                self.pending[key] = None
                return
            self._draw(hop, mode)
            done.append(hop)

    def acts_on(self, source: Key, holder: Key) -> list[Hop]:
        """The steps by which `source` changes the configuration of `holder`, another
        principal the attacker holds (a role session attaching a policy to the user that
        assumed it, say)."""
        pair = (source, holder)
        if pair not in self.acting:
            hops = [
                hop
                for method in self.modifying(source)
                for hop in _modify(self.builder, source, holder, method)
            ]
            for hop in hops:
                self._draw(hop, source[1])
            self.acting[pair] = hops
        return self.acting[pair]

    def modifying(self, source: Key) -> tuple[Method, ...]:
        """The methods by which the state may change a principal's configuration: those whose
        every action some identity Allow names (most states have none)."""
        if source not in self.modifiers:
            self.modifiers[source] = tuple(
                m
                for m in ORDER
                if m.modifies
                and all(
                    self.builder.identity_allows(source[0], st.action, source[2]) for st in m.steps
                )
            )
        return self.modifiers[source]

    def _draw(self, hop: Hop, mode: Mfa) -> None:
        self.drawing.add(hop, mode)

    @property
    def graph(self):
        """The networkx.MultiDiGraph of the principals (and the organization, for drawing) and
        of the steps worked out so far."""
        import networkx as nx

        g = nx.MultiDiGraph()
        _structure(self.snap, g)
        for source, target, key, hop in self.drawing.edges(g.nodes):
            g.add_edge(source, target, key=key, hop=hop)
        return g

    def expand_all(self, progress=None) -> None:
        states = list(self.admin)
        for i, (arn, mode) in enumerate(states):
            for _ in self.steps(arn, mode):
                pass
            if progress:
                progress(i + 1, len(states))

    def hops(self) -> Iterator[Hop]:
        """The steps worked out so far (`expand_all` first for all of them)."""
        order = [*self.snap.principals, *self.snap.groups]
        for *_, hop in self.drawing.edges(order):
            yield hop

    def modes(self, arn: str) -> tuple[Mfa, ...]:
        return ROLE_MODES if self.snap.principals[arn].kind is PrincipalKind.ROLE else USER_MODES


class Builder:
    def __init__(self, snap: Snapshot, timeout_ms: int = DEFAULT_TIMEOUT_MS) -> None:
        self.snap = snap
        self.timeout_ms = timeout_ms
        self.cache: dict[tuple, Answer] = {}
        self.classes: dict[tuple, Answer] = {}  # a solved answer per class of resources
        self.admin_cache: dict[tuple, Admin] = {}
        self.mfa_read: dict[tuple[str, Gains], bool] = {}
        self.allows: dict[tuple[str, Gains], list] = {}
        self.allows_action: dict[tuple[str, str, Gains], bool] = {}
        self.trust_cache: dict[tuple[str, str], bool | None] = {}

    # -- the questions the steps ask --------------------------------------------------------
    def ask(
        self, source: str, mode: Mfa, action: str, resource: str, where=(), gains: Gains = ()
    ) -> Answer:
        """Can `source` (signing in `mode`, with the changes `gains` made to it) make this
        request? Cached; MFA modes share an answer unless a policy on either side reads the
        MFA keys."""
        same = not self._reads_mfa(source, gains) and not self._resource_reads_mfa(resource)
        key = (source, "any" if same else mode, action, resource, tuple(where), gains)
        if key not in self.cache:
            if not self._may_allow(source, action, resource, gains):
                self.cache[key] = Answer(source, Verdict.UNREACHABLE)
            else:
                self.cache[key] = self._solve(key, source, mode, action, resource, where, gains)
        return self.cache[key]

    def _solve(self, key, source, mode, action, resource, where, gains) -> Answer:
        """One solver question per class of resources the source's policies cannot tell
        apart (`classes.signature`): a proof serves the class, a witness is moved to each
        resource and replayed; anything else is asked again."""
        changed = transform(self.snap, gains)
        sig = signature(self.snap, source, action, resource, changed)
        cls = None if sig is None else (*key[:2], action, key[4], gains, sig)
        known = self.classes.get(cls) if cls is not None else None
        if known is not None:
            if known.verdict is Verdict.UNREACHABLE:
                return known
            answer = moved(self.snap, known, resource, where=list(where), transform=changed)
            if answer is not None:
                return answer
        answer = can(
            self.snap,
            source,
            [action],
            [resource],
            where=list(where),
            timeout_ms=self.timeout_ms,
            modes=(mode,),
            transform=changed,
        )
        if cls is not None and answer.verdict is not Verdict.UNKNOWN:
            self.classes.setdefault(cls, answer)
        return answer

    def is_admin(self, arn: str, mode: Mfa, full: PolicySet | None = None, tag="") -> Admin:
        reads = self._reads_mfa(arn) or (full is not None and any(map(_reads_mfa, full.identity)))
        key = (arn, mode if reads else "any", tag)
        if key not in self.admin_cache:
            self.admin_cache[key] = decide_admin(
                self.snap, arn, mode, full=full, timeout_ms=self.timeout_ms
            )
        return self.admin_cache[key]

    def trusts(self, role: Principal, service: str) -> bool | None:
        key = (role.arn, service)
        if key not in self.trust_cache:
            self.trust_cache[key] = _trusts_service(self.snap, role, service)
        return self.trust_cache[key]

    def _reads_mfa(self, arn: str, gains: Gains = ()) -> bool:
        key = (arn, gains)
        if key not in self.mfa_read:
            ps, _ = layers(self.snap, arn)
            ps = apply(self.snap, ps, gains)
            self.mfa_read[key] = any(_reads_mfa(p) for p in ps.policies())
        return self.mfa_read[key]

    def _resource_reads_mfa(self, resource: str) -> bool:
        role = self.snap.principals.get(resource)
        return bool(role and role.trust and _reads_mfa(role.trust))

    def _may_allow(self, source: str, action: str, resource: str, gains: Gains = ()) -> bool:
        """False only when no Allow can grant the request: the source's identity policies
        have no statement for the action, and no resource policy is in play."""
        p = self.snap.principals[source]
        if p.kind is PrincipalKind.ROOT or p.policies.unresolved:
            return True
        target = find_target(self.snap, action, resource)
        if target.policy is not None or target.unresolved:
            return True  # a resource policy (trust, bucket, key, topic) may grant on its own
        if not self.identity_allows(source, action, gains):
            return False
        if "*" in resource or "?" in resource:
            return True
        # some Allow naming the action must also name the resource (P3, as the evaluator reads
        # it; a pattern with a policy variable may match anything)
        probe = Request.build(action, resource, [])
        return (
            any(
                action_matches(st.actions, action) != st.not_action
                and (
                    st.resources is None
                    or st.not_resource
                    or any("${" in r for r in st.resources)
                    or resource_matches(st.resources, resource, probe, variables=False)
                )
                for st in self.allows.get((source, gains), ())
            )
            or (source, gains) not in self.allows
        )

    def identity_allows(self, source: str, action: str, gains: Gains = ()) -> bool:
        """Does some identity Allow statement of `source` (with the changes `gains` made to
        it) name the action (ignoring resources and conditions)? Without one, nothing but a
        resource policy can grant it."""
        p = self.snap.principals[source]
        if p.kind is PrincipalKind.ROOT or p.policies.unresolved:
            return True
        key = (source, action, gains)
        if key not in self.allows_action:  # asked per method step and per audit check: cached
            if (source, gains) not in self.allows:
                identity = p.policies.identity
                if gains:
                    full = apply(self.snap, layers(self.snap, source)[0], gains)
                    if full.unresolved:
                        self.allows_action[key] = True
                        return True
                    identity = full.identity
                self.allows[(source, gains)] = [
                    st for pol in identity for st in pol.statements if st.effect is Effect.ALLOW
                ]
            self.allows_action[key] = any(
                action_matches(st.actions, action) != st.not_action
                for st in self.allows[(source, gains)]
            )
        return self.allows_action[key]

    # -- steps ------------------------------------------------------------------------------
    def hop(
        self,
        method: Method,
        source: str,
        mode: Mfa,
        target: str,
        resource: str,
        mode_to: Mfa,
        detail: str = "",
        where=(),
        unknown: tuple[str, ...] = (),
        gains: Gains = (),
        changes: Gains = (),
        gain: Gain | None = None,
        first: tuple[Step, ...] = (),
    ) -> Hop | None:
        """Every step of `method` asked (by `source` with the changes `gains` made to it),
        after the calls `first` needs (a key deleted to make room, Q1); None when one is proven
        impossible. `changes`: what the step does to the target."""
        account = self.snap.principals[source].account
        proofs: list[tuple[str, str]] = []
        statements: list[str] = []
        locations: list[tuple[str, int, int]] = []
        reasons = list(unknown)
        for step in (*first, *method.steps):
            on = resource if step.on == TARGET else step.on.format(account=account)
            extra = where if step.action == "iam:PassRole" or method.pinned_by else ()
            answer = self.ask(source, mode, step.action, on, extra, gains)
            if answer.verdict is Verdict.UNREACHABLE:
                return None
            if answer.verdict is Verdict.UNKNOWN:
                reasons += answer.reasons or (f"{step.action} on {on}: undecided",)
                proofs.append((step.action, on))
                continue
            w = answer.witness
            proofs.append((w.action, w.resource))
            allows = [r for r in w.decision.reasons if r.effect == "Allow"]
            statements += [_statement(r) for r in allows]
            # where to fix it: the grants of the principal and the resource, not the SCP allows
            locations += [
                (r.file, r.line, r.column)
                for r in allows
                if r.line and r.layer in (Layer.IDENTITY, Layer.RESOURCE)
            ]
        return Hop(
            source,
            target,
            method.name,
            gain or method.gain,
            mode,
            mode_to,
            Verdict.UNKNOWN if reasons else Verdict.REACHABLE,
            tuple(proofs),
            tuple(dict.fromkeys(statements)),
            detail,
            tuple(dict.fromkeys(reasons)),
            tuple(dict.fromkeys(locations)),
            changes,
        )


def _statement(reason) -> str:
    sid = f" Sid {reason.sid}" if reason.sid else ""
    return f"{reason.layer}: {reason.policy}{sid}"


def _reads_mfa(policy: Policy) -> bool:
    """Does the policy read a key whose value depends on the credential's mode (MFA keys, and
    aws:TokenIssueTime, which only sessions carry)?"""
    return any(
        c.key.lower().startswith(MFA_PREFIX) or c.key.lower() == "aws:tokenissuetime"
        for st in policy.statements
        for c in st.conditions
    )


OUTSIDE_MODES = (Mfa.NO_MFA, Mfa.MFA)  # a session the attacker starts from its own account


def session_mode(mode: Mfa) -> Mfa:
    """A role session keeps MFA only if the credential that asked for it had MFA."""
    return Mfa.MFA if mode is Mfa.MFA else Mfa.NO_MFA


def build(
    snap: Snapshot, timeout_ms: int = DEFAULT_TIMEOUT_MS, progress=None, admin: bool = True
) -> PermissionGraph:
    """Nodes, starting credentials and every principal's admin verdict per MFA mode (unless
    `admin` is False: `graph.parallel` fills them in); the steps between them come as searches
    ask (`PermissionGraph.steps`)."""
    pg = PermissionGraph(snap, Builder(snap, timeout_ms))
    principals = list(snap.principals.values()) if admin else []
    for i, p in enumerate(principals):
        for mode in pg.modes(p.arn):
            pg.admin[(p.arn, mode)] = pg.builder.is_admin(p.arn, mode)
        if progress:
            progress(i + 1, len(principals))
    pg.starts = {p.arn: _start_modes(snap, p) for p in snap.principals.values()}
    return pg


def _structure(snap: Snapshot, g) -> None:
    org = snap.organization
    if org is not None:
        for node in org.nodes.values():
            g.add_node(node.node_id, kind=node.kind.value, name=node.name, parent=node.parent)
    for arn, p in snap.principals.items():
        g.add_node(arn, kind=p.kind.value, name=p.name, account=p.account)
        for group in p.groups:
            g.add_edge(arn, group, key="member_of", kind="member_of")
    for arn, group in snap.groups.items():
        g.add_node(arn, kind="group", name=group.name, account=group.account)


# An administrator gains nothing by changing itself; the methods that take it to other
# principals stay (their identity may matter to a resource policy, an SCP exemption or a trust
# elsewhere). All of them: an SCP that denies one (iam:UpdateAssumeRolePolicy, say) leaves it
# an administrator that still reaches a role through iam:PassRole.
ADMIN_METHODS = frozenset(m.name for m in METHODS if not m.modifies)


def _everyone(arn: str) -> bool:
    return True


def _hops(
    b: Builder,
    pg: PermissionGraph,
    p: Principal,
    src: Key,
    only: frozenset[str] | None,
    wanted: Callable[[str], bool] = _everyone,
) -> Iterator[Hop]:
    """The steps out of `src`: with `only`, those methods; `wanted` picks the principals whose
    credentials are asked for (changes to a held principal are not filtered)."""
    snap = b.snap
    _, mode, gains = src
    assumable: list[str] = []
    for method in METHODS:  # AssumeRole first: other targets depend on it
        # STS refuses AssumeRole to root user credentials ("Roles may not be assumed by root
        # accounts"; https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html)
        if method.name != "AssumeRole" or p.kind is PrincipalKind.ROOT:
            continue
        for role in trusting_roles(snap, p):
            if not wanted(role.arn):
                continue
            hop = b.hop(method, p.arn, mode, role.arn, role.arn, session_mode(mode), gains=gains)
            if hop is not None:
                if hop.verdict is Verdict.REACHABLE:
                    assumable.append(role.arn)
                yield hop
    for method in ORDER:
        if method.name == "AssumeRole" or (only is not None and method.name not in only):
            continue
        if not all(b.identity_allows(p.arn, step.action, gains) for step in method.steps):
            continue  # no identity Allow names a step, and IAM resources have no policies
        if method.modifies:
            holders = [src]  # `_modify` skips the kinds of principal a method does not fit
            if method.target in _ASSUMABLE:
                holders += [(r, session_mode(mode), ()) for r in assumable if r != p.arn]
            for holder in holders:
                yield from _modify(b, src, holder, method)
        else:
            yield from _method_hops(b, p, src, method, wanted)


# the methods that make the attacker admin in place first: a search stops at the first goal
ORDER = tuple(sorted(METHODS, key=lambda m: m.gain is not Gain.ADMIN))
# methods that also change a role the attacker can assume (without holding its session yet)
_ASSUMABLE = frozenset(
    {Target.SELF_OR_ASSUMABLE_ROLE, Target.BOUNDED_ROLE, Target.ATTACHED_POLICY}
    | {Target.POLICY_VERSION}
)


def _same_account(snap: Snapshot, p: Principal, kind: PrincipalKind) -> list[Principal]:
    return [q for q in _by_account(snap).get(p.account, ()) if q.kind is kind and q.arn != p.arn]


def _by_account(snap: Snapshot) -> dict[str, tuple[Principal, ...]]:
    """The principals of each account, in snapshot order: asked per state and method, a scan
    of every principal would make the steps grow with the square of the organization."""
    index = snap.memo.get("by_account")
    if index is None:
        grouped: dict[str, list[Principal]] = {}
        for q in snap.principals.values():
            grouped.setdefault(q.account, []).append(q)
        index = snap.memo["by_account"] = {a: tuple(v) for a, v in grouped.items()}
    return index


def account_members(snap: Snapshot, account: str) -> list[Principal]:
    """The users and roles of an account (not its root user), in snapshot order."""
    return [q for q in _by_account(snap).get(account, ()) if q.kind is not PrincipalKind.ROOT]


def anything_from(snap: Snapshot, p: Principal) -> list[Principal]:
    """Who a principal with every permission could become: every user and role of its
    account (keys, trust rewritten, passed to compute) and every role whose trust names it or
    its account (an over-approximation for the searches that prove absence)."""
    return account_members(snap, p.account) + trusting_roles(snap, p)


def _method_hops(
    b: Builder, p: Principal, src: Key, method: Method, wanted: Callable[[str], bool] = _everyone
) -> Iterator[Hop]:
    """Steps to another principal's credentials (not changes to a held principal)."""
    snap = b.snap
    _, mode, gains = src
    t = method.target
    if t in (Target.OTHER_USER, Target.USER_WITHOUT_PASSWORD, Target.USER_WITH_PASSWORD):
        # a user's own new keys or password change its credential's mode (M1, M5), which an
        # MFA condition may read: itself is a target too
        itself = [p] if p.kind is PrincipalKind.USER else []
        for u in [*_same_account(snap, p, PrincipalKind.USER), *itself]:
            if wanted(u.arn):
                yield from _user_hop(b, p, src, method, u)
    elif t is Target.ROLE:
        # A trust the attacker writes may name an account of its own outside the organization
        # and the role is assumed from there: no policy of the snapshot's principals applies to
        # that call, and the attacker signs in there with or without MFA as it likes.
        for role in _same_account(snap, p, PrincipalKind.ROLE):
            if not role.service_linked and wanted(role.arn):
                for to in OUTSIDE_MODES:
                    yield from _opt(b.hop(method, p.arn, mode, role.arn, role.arn, to, gains=gains))
    elif t is Target.SERVICE_ROLE:
        yield from _passrole_hops(b, p, src, method, wanted)
    elif t is Target.RUNNER:
        yield from _runner_hops(b, p, src, method, wanted)


def _modify(b: Builder, src: Key, holder: Key, method: Method) -> Iterator[Hop]:
    """The steps by which `src` changes the configuration of `holder` (itself, a role it can
    assume, or another principal the attacker holds), each with the change it makes."""
    snap = b.snap
    arn, _, held = holder
    q = snap.principals[arn]
    if q.kind is PrincipalKind.ROOT or q.account != snap.principals[src[0]].account:
        return  # IAM changes stay in the attacker's account
    user = q.kind is PrincipalKind.USER
    t = method.target

    def step(resource: str, change: Change, detail: str, gain=None) -> Iterator[Hop]:
        yield from _opt(_change(b, src, holder, method, resource, change, detail, gain=gain))

    if t is Target.SELF_USER and user:
        yield from _write(b, src, holder, method, arn, "itself")
    elif t is Target.OWN_GROUP and user:
        for group in _groups(q, held):
            yield from _write(b, src, holder, method, group, f"group {group}")
    elif t is Target.SELF_OR_ASSUMABLE_ROLE and not user:
        yield from _write(b, src, holder, method, arn, "attached to the role")
    elif t is Target.GROUP and user:
        member = set(_groups(q, held))
        for garn, group in sorted(snap.groups.items()):
            if group.account == q.account and garn not in member:
                yield from step(garn, Change(ChangeKind.GROUP, garn), f"group {group.name}")
    elif t in (Target.ATTACHED_POLICY, Target.POLICY_VERSION):
        boundary = _boundary(q, held)
        for parn in dict.fromkeys([*_attached(snap, q, held), *([boundary] if boundary else [])]):
            mp = snap.managed_policies.get(parn)
            if mp is None or mp.aws_managed:
                continue
            what = "boundary policy" if parn == boundary else "policy"
            if t is Target.ATTACHED_POLICY:
                everything = Change(ChangeKind.EVERYTHING, parn)
                yield from step(parn, everything, f"{what} {mp.name}", gain=Gain.ADMIN)
                continue
            current = next(
                (c.version for c in held if c.kind is ChangeKind.VERSION and c.ref == parn), ""
            )
            for vid, _doc in mp.other_versions:
                if vid != current:
                    change = Change(ChangeKind.VERSION, parn, vid)
                    yield from step(parn, change, f"{what} {mp.name} version {vid}")
    elif t in (Target.BOUNDED_USER, Target.BOUNDED_ROLE) and user == (t is Target.BOUNDED_USER):
        if not _bounded(q, held):
            return  # no boundary to lift (setting one only narrows)
        if method.pinned_by is None:
            yield from step(arn, Change(ChangeKind.NO_BOUNDARY), "its boundary removed")
            return
        yield from _pinned(b, src, holder, method, arn, "its boundary")


def _change(
    b: Builder,
    src: Key,
    holder: Key,
    method: Method,
    resource: str,
    change: Change,
    detail: str,
    where=(),
    gain: Gain | None = None,
) -> Hop | None:
    """The step by which `src` makes `change` to `holder` (asked on `resource`)."""
    source, mode, gains = src
    arn, to, _ = holder
    return b.hop(
        method, source, mode, arn, resource, to, detail, where,
        gains=gains, changes=(change,), gain=gain,
    )  # fmt: skip


def _write(b: Builder, src: Key, holder: Key, method: Method, resource: str, detail: str):
    """Put*Policy writes a text of the attacker's choosing; Attach*Policy attaches
    AdministratorAccess unless a condition on the policy ARN pins what may be attached."""
    if method.pinned_by is None:
        change = Change(ChangeKind.EVERYTHING, resource)
        yield from _opt(_change(b, src, holder, method, resource, change, detail))
        return
    yield from _pinned(b, src, holder, method, resource, detail)


def _pinned(b: Builder, src: Key, holder: Key, method: Method, resource: str, detail: str):
    """A step that names a managed policy (attached, or set as boundary) in the request
    (`method.pinned_by`): AdministratorAccess if allowed (admin, or no boundary at all), else
    each policy of the snapshot it is allowed for, gained as it is."""
    snap = b.snap
    arn, _, held = holder
    boundary = method.target in (Target.BOUNDED_USER, Target.BOUNDED_ROLE)

    def ask(policy: str, change: Change, gain=None):
        where = ((method.pinned_by, ContextValue((policy,), type="arn")),)
        name = policy.rsplit("/", 1)[-1]
        return _change(b, src, holder, method, resource, change, f"{detail}: {name}", where, gain)

    full = Change(ChangeKind.NO_BOUNDARY) if boundary else Change(ChangeKind.EVERYTHING)
    hop = ask(ADMIN_POLICY, full, None if boundary else Gain.ADMIN)
    if hop is not None:
        yield hop
        if hop.verdict is Verdict.REACHABLE:
            return  # every other policy is a subset of it
    # One question for every policy at once (the key left free) before one per policy: a
    # proof that no value of the key is allowed rules out each policy (most states that name
    # the action are held back by a boundary, an SCP or a condition on something else).
    source, mode, gains = src
    if any(
        st.on == TARGET
        and b.ask(source, mode, st.action, resource, (), gains).verdict is Verdict.UNREACHABLE
        for st in method.steps
    ):
        return
    q = snap.principals[arn]
    have = set() if boundary else set(_attached(snap, q, held))
    for parn, mp in sorted(snap.managed_policies.items()):
        if parn in have or parn == ADMIN_POLICY or mp.document is None:
            continue
        if not (mp.aws_managed or parn.split(":")[4] == q.account):
            continue
        kind = ChangeKind.BOUNDARY if boundary else ChangeKind.POLICY
        yield from _opt(ask(parn, Change(kind, parn)))


def _groups(q: Principal, held: Gains) -> list[str]:
    return list(dict.fromkeys([*q.groups, *(c.ref for c in held if c.kind is ChangeKind.GROUP)]))


def _attached(snap: Snapshot, q: Principal, held: Gains) -> list[str]:
    """Managed policies attached to the principal, its groups, and by earlier changes."""
    attached = list(q.user.attached if q.user else q.role.attached if q.role else ())
    for group in _groups(q, held):
        g = snap.groups.get(group)
        attached += list(g.attached) if g else []
    attached += [c.ref for c in held if c.kind is ChangeKind.POLICY]
    return list(dict.fromkeys(attached))


def _bounded(q: Principal, held: Gains) -> bool:
    lifted = [c for c in held if c.kind in (ChangeKind.BOUNDARY, ChangeKind.NO_BOUNDARY)]
    if lifted:
        return lifted[-1].kind is ChangeKind.BOUNDARY
    return q.policies.boundary is not None or q.policies.boundary_arn is not None


def _boundary(q: Principal, held: Gains) -> str | None:
    """The managed policy that is the principal's boundary now (after earlier changes)."""
    lifted = [c for c in held if c.kind in (ChangeKind.BOUNDARY, ChangeKind.NO_BOUNDARY)]
    if lifted:
        return lifted[-1].ref or None
    return q.policies.boundary_arn


def _opt(hop: Hop | None) -> Iterator[Hop]:
    if hop is not None:
        yield hop


def _user_hop(b: Builder, p: Principal, src: Key, method: Method, u: Principal):
    _, mode, gains = src
    row = credential_row(b.snap, u)
    unknown: tuple[str, ...] = ()
    first: tuple[Step, ...] = ()
    if method.gain is Gain.CONSOLE:
        if row is None:
            unknown = (f"no credential report row for {u.arn}: its password and MFA are unknown",)
        else:
            has_password = bool(row.password_enabled)
            wanted = method.target is Target.USER_WITH_PASSWORD
            if has_password != wanted or row.mfa_active:
                return  # the wrong kind of user, or sign-in needs the victim's MFA device
        to = Mfa.NO_MFA
    else:
        to = Mfa.LONG_TERM_KEYS
        if row is not None and all(k.last_rotated is not None for k in row.access_keys):
            first = (Step("iam:DeleteAccessKey"),)  # Q1: two keys already, active or not
    yield from _opt(
        b.hop(method, p.arn, mode, u.arn, u.arn, to, unknown=unknown, gains=gains, first=first)
    )


def credential_row(snap: Snapshot, u: Principal):
    """The principal's row of its account's credential report, by ARN; None without one."""
    report = snap.accounts.get(u.account) and snap.accounts[u.account].credential_report
    if not report:
        return None
    return next((r for r in report.rows if r.arn == u.arn), None)


def _passrole_hops(b: Builder, p: Principal, src: Key, method: Method, wanted=_everyone):
    _, mode, gains = src
    for role in _same_account(b.snap, p, PrincipalKind.ROLE):
        if not wanted(role.arn):
            continue
        if method.instance_profile and not role.role.instance_profiles:
            continue
        trusts = b.trusts(role, method.service)
        if trusts is False:
            continue
        unknown = () if trusts else (f"whether {role.arn} trusts {method.service} is undecided",)
        where = (("iam:PassedToService", ContextValue((method.service,))),)
        yield from _opt(
            b.hop(
                method,
                p.arn,
                mode,
                role.arn,
                role.arn,
                Mfa.NO_MFA,
                where=where,
                unknown=unknown,
                gains=gains,
            )
        )


def _trusts_service(snap: Snapshot, role: Principal, service: str) -> bool | None:
    """Does the role's trust policy let the service assume it (for the role's own account)?"""
    ps = PolicySet(
        caller=Caller(service, CallerType.SERVICE),
        resource_account=role.account,
        resource_policy=role.trust,
        resource_policy_required=True,
    )
    req = Request.build(
        "sts:AssumeRole",
        role.arn,
        [
            ("aws:SourceAccount", ContextValue((role.account,))),
            ("aws:PrincipalIsAWSService", ContextValue(("true",), type="boolean")),
        ],
    )
    outcome = decide(ps, req).outcome
    return None if outcome is Outcome.UNKNOWN else outcome is Outcome.ALLOWED


def _runner_hops(b: Builder, p: Principal, src: Key, method: Method, wanted=_everyone):
    _, mode, gains = src
    data = b.snap.accounts.get(p.account)
    inventory = data.inventory if data else None
    if inventory is None or method.inventory not in inventory.collected:
        # which resources exist is unknown: any role that trusts the service may be behind one
        why = f"no {method.inventory} inventory for {p.account}: which resources exist is unknown"
        left_out = inventory.unreadable.get(method.inventory) if inventory else None
        if left_out:
            why = f"{method.inventory} inventory left out ({left_out})"
        for role in _same_account(b.snap, p, PrincipalKind.ROLE):
            if not wanted(role.arn):
                continue
            behind = []  # (resource pattern, detail) of what could run as the role
            if (not method.instance_profile or role.role.instance_profiles) and b.trusts(
                role, method.service
            ) is not False:
                behind.append((_pattern_for(method, p.account), ""))
            if method.node_service and b.trusts(role, method.node_service) is not False:
                behind.append((NODES.format(account=p.account), "via an on-premises node"))
            for pattern, detail in behind:
                hop = b.hop(
                    method,
                    p.arn,
                    mode,
                    role.arn,
                    pattern,
                    Mfa.NO_MFA,
                    detail,
                    unknown=(why,),
                    gains=gains,
                )
                if hop is not None:
                    yield hop
                    break
        return
    for runner in inventory.of(method.inventory):
        if runner.role_arn is None or runner.role_arn not in b.snap.principals:
            continue
        if not wanted(runner.role_arn):
            continue
        detail = f"via {runner.arn}"
        yield from _opt(
            b.hop(method, p.arn, mode, runner.role_arn, runner.arn, Mfa.NO_MFA, detail, gains=gains)
        )


PATTERNS = {
    "lambda-functions": "arn:aws:lambda:*:{account}:function:*",
    "glue-dev-endpoints": "arn:aws:glue:*:{account}:devEndpoint/*",
    "cloudformation-stacks": "arn:aws:cloudformation:*:{account}:stack/*",
    "codebuild-projects": "arn:aws:codebuild:*:{account}:project/*",
    "sagemaker-notebooks": "arn:aws:sagemaker:*:{account}:notebook-instance/*",
    "ec2-instances": "arn:aws:ec2:*:{account}:instance/*",
    "ssm-managed-instances": "arn:aws:ec2:*:{account}:instance/*",
}
NODES = "arn:aws:ssm:*:{account}:managed-instance/*"  # SSM hybrid (on-premises) nodes


def _pattern_for(method: Method, account: str) -> str:
    return PATTERNS[method.inventory].format(account=account)


def trusting_roles(snap: Snapshot, p: Principal) -> list[Principal]:
    """Roles whose trust policy has an Allow statement whose Principal names `p` (by its ARN,
    its account, or `*`); the solver then decides conditions and the identity side."""
    if p.kind is PrincipalKind.ROOT:
        caller = Caller(p.arn, CallerType.ROOT, p.account)
    else:
        caller = Caller.from_arn(p.arn)
    index = _trust_index(snap)
    # every way `principal_match` can name an IAM caller: `*`, its account, its ARN, its role
    names = {caller.account, f"arn:aws:iam::{caller.account}:root", caller.arn}
    if caller.role_arn:
        names.add(caller.role_arn)
    candidates = {i for name in names for i in index.by_name.get(name, ())} | index.everyone
    out = []
    for i in sorted(candidates):  # snapshot order, as a scan of every role gives
        role = index.roles[i]
        if role.arn == p.arn:
            continue
        if any(
            st.effect is Effect.ALLOW
            and st.principal is not None
            and not st.not_principal
            and principal_match(st.principal, caller) is not None
            for st in role.trust.statements
        ):
            out.append(role)
    return out


@dataclass(frozen=True)
class _TrustIndex:
    """The roles by the principal names their trust policies' Allow statements hold, so that
    who trusts a principal is a lookup, not a scan of every role (quadratic in the roles)."""

    roles: tuple[Principal, ...]
    by_name: dict[str, tuple[int, ...]]
    everyone: frozenset[int]


def _trust_index(snap: Snapshot) -> _TrustIndex:
    index = snap.memo.get("trust_index")
    if index is not None:
        return index
    roles = tuple(
        r for r in snap.principals.values() if r.kind is PrincipalKind.ROLE and r.trust is not None
    )
    by_name: dict[str, list[int]] = {}
    everyone: set[int] = set()
    for i, role in enumerate(roles):
        for st in role.trust.statements:
            if st.effect is not Effect.ALLOW or st.principal is None or st.not_principal:
                continue
            if st.principal.is_everyone:
                everyone.add(i)
            for name in st.principal.aws:
                by_name.setdefault(name, []).append(i)
    index = _TrustIndex(roles, {k: tuple(v) for k, v in by_name.items()}, frozenset(everyone))
    snap.memo["trust_index"] = index
    return index


def _start_modes(snap: Snapshot, p: Principal) -> tuple[Mfa, ...]:
    """The credential modes an attacker can hold for `p` without any other principal: a user's
    or root's own credentials (all modes; MFA only with a device, when the report says), and
    a role's sessions obtained from outside the snapshot (an identity provider, an account
    whose IAM the snapshot does not hold, or anyone). A service principal is not a source: it
    acts as a role only for whoever can make it (PassRole and existing-compute steps)."""
    if p.kind is not PrincipalKind.ROLE:
        row = credential_row(snap, p)
        if row is not None and not row.mfa_active:
            return (Mfa.LONG_TERM_KEYS, Mfa.NO_MFA)
        return USER_MODES
    modes: set[Mfa] = set()
    accounts = {a for a, data in snap.accounts.items() if data.has_iam}
    for st in p.trust.statements if p.trust else ():
        if st.effect is not Effect.ALLOW or st.principal is None or st.not_principal:
            continue
        block = st.principal
        outside = block.is_everyone or bool(block.federated)
        outside = outside or any(_account_of(a) not in accounts for a in block.aws if a != "*")
        if not outside:
            continue
        needs_mfa = any(c.key.lower().startswith(MFA_PREFIX) for c in st.conditions)
        modes.add(Mfa.MFA)
        if not needs_mfa:
            modes.add(Mfa.NO_MFA)
    return tuple(m for m in ROLE_MODES if m in modes)


def _account_of(principal: str) -> str:
    if principal.isdigit():
        return principal
    parts = principal.split(":")
    return parts[4] if len(parts) > 4 else principal
