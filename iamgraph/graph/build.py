"""The permission graph: principals as nodes, proven escalation steps as edges.

Input: a snapshot. Output: a `networkx.MultiDiGraph` whose nodes are every user, role and
account root (plus the organization root, OUs and accounts, for drawing) and whose edges are
`member_of` (user to group, for drawing) and one `Hop` per escalation step a source can take,
for each MFA mode of the source's credential.

Every step is decided by `solvers.prove.can` (a replayed witness, a proof, or unknown), so an
edge is either proven (`reachable`) or `unknown`; a proven-unreachable step is no edge at all.
Cost stays near linear in the principals: a step is only asked when some Allow statement of the
source (or, for `sts:AssumeRole`, the role's trust policy) could grant it; answers are cached per
source, action and resource, and shared across MFA modes unless a policy reads the MFA keys.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace

import networkx as nx

from iamgraph.evaluate import Layer, Outcome, PolicySet, decide
from iamgraph.gather import Mfa, find_target
from iamgraph.graph.admin import Admin, decide_admin, layers
from iamgraph.graph.methods import METHODS, TARGET, Gain, Method, Target
from iamgraph.matching import action_matches, principal_match
from iamgraph.model.policy import Effect, Policy
from iamgraph.model.principals import Principal, PrincipalKind
from iamgraph.model.snapshot import Snapshot
from iamgraph.request import Caller, CallerType, ContextValue, Request
from iamgraph.solvers.prove import DEFAULT_TIMEOUT_MS, Answer, Verdict, can

USER_MODES = (Mfa.LONG_TERM_KEYS, Mfa.NO_MFA, Mfa.MFA)
ROLE_MODES = (Mfa.NO_MFA, Mfa.MFA)
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

    @property
    def admin(self) -> bool:
        return self.gain is Gain.ADMIN


@dataclass
class PermissionGraph:
    """Nodes and admin verdicts up front; a state's steps are worked out the first time a
    search leaves it (`steps`), so a question pays only for the states it visits."""

    snap: Snapshot
    graph: nx.MultiDiGraph
    builder: Builder
    admin: dict[tuple[str, Mfa], Admin] = field(default_factory=dict)
    starts: dict[str, tuple[Mfa, ...]] = field(default_factory=dict)  # who holds what at first
    expanded: dict[tuple[str, Mfa], list[Hop]] = field(default_factory=dict)
    pending: dict[tuple[str, Mfa], Iterator[Hop] | None] = field(default_factory=dict)

    def steps(self, arn: str, mode: Mfa) -> Iterator[Hop]:
        """Every step out of the state (proven or unknown), each worked out once and only
        when a search gets that far (a search that finds its goal stops early)."""
        key = (arn, mode)
        if key not in self.expanded:
            p = self.snap.principals[arn]
            admin = self.admin[key].verdict is Verdict.REACHABLE
            self.expanded[key] = []
            self.pending[key] = (
                None  # a root user that is admin: nothing to gain
                if admin and p.kind is PrincipalKind.ROOT
                else _hops(self.builder, self, p, mode, ADMIN_METHODS if admin else None)
            )
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
            self.graph.add_edge(
                hop.source, hop.target, key=f"{hop.method}|{mode}|{hop.detail}", hop=hop
            )
            done.append(hop)

    def expand_all(self, progress=None) -> None:
        states = list(self.admin)
        for i, (arn, mode) in enumerate(states):
            for _ in self.steps(arn, mode):
                pass
            if progress:
                progress(i + 1, len(states))

    def hops(self) -> Iterator[Hop]:
        """The steps worked out so far (`expand_all` first for all of them)."""
        for _, _, data in self.graph.edges(data=True):
            if "hop" in data:
                yield data["hop"]

    def modes(self, arn: str) -> tuple[Mfa, ...]:
        return ROLE_MODES if self.snap.principals[arn].kind is PrincipalKind.ROLE else USER_MODES


class Builder:
    def __init__(self, snap: Snapshot, timeout_ms: int = DEFAULT_TIMEOUT_MS) -> None:
        self.snap = snap
        self.timeout_ms = timeout_ms
        self.cache: dict[tuple, Answer] = {}
        self.admin_cache: dict[tuple, Admin] = {}
        self.mfa_read: dict[str, bool] = {}
        self.allows: dict[str, list] = {}
        self.allows_action: dict[tuple[str, str], bool] = {}
        self.trust_cache: dict[tuple[str, str], bool | None] = {}

    # -- the questions the steps ask --------------------------------------------------------
    def ask(self, source: str, mode: Mfa, action: str, resource: str, where=()) -> Answer:
        """Can `source` (signing in `mode`) make this request? Cached; MFA modes share an
        answer unless a policy on either side reads the MFA keys."""
        same = not self._reads_mfa(source) and not self._resource_reads_mfa(resource)
        key = (source, "any" if same else mode, action, resource, tuple(where))
        if key not in self.cache:
            if not self._may_allow(source, action, resource):
                self.cache[key] = Answer(source, Verdict.UNREACHABLE)
            else:
                self.cache[key] = can(
                    self.snap,
                    source,
                    [action],
                    [resource],
                    where=list(where),
                    timeout_ms=self.timeout_ms,
                    modes=(mode,),
                )
        return self.cache[key]

    def is_admin(self, arn: str, mode: Mfa, full: PolicySet | None = None, tag="") -> Admin:
        key = (arn, "any" if not self._reads_mfa(arn) else mode, tag)
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

    def _reads_mfa(self, arn: str) -> bool:
        if arn not in self.mfa_read:
            ps, _ = layers(self.snap, arn)
            self.mfa_read[arn] = any(_reads_mfa(p) for p in ps.policies())
        return self.mfa_read[arn]

    def _resource_reads_mfa(self, resource: str) -> bool:
        role = self.snap.principals.get(resource)
        return bool(role and role.trust and _reads_mfa(role.trust))

    def _may_allow(self, source: str, action: str, resource: str) -> bool:
        """False only when no Allow can grant the request: the source's identity policies
        have no statement for the action, and no resource policy is in play."""
        p = self.snap.principals[source]
        if p.kind is PrincipalKind.ROOT or p.policies.unresolved:
            return True
        target = find_target(self.snap, action, resource)
        if target.policy is not None or target.unresolved:
            return True  # a resource policy (trust, bucket, key, topic) may grant on its own
        return self.identity_allows(source, action)

    def identity_allows(self, source: str, action: str) -> bool:
        """Does some identity Allow statement of `source` name the action (ignoring resources
        and conditions)? Without one, nothing but a resource policy can grant it."""
        p = self.snap.principals[source]
        if p.kind is PrincipalKind.ROOT or p.policies.unresolved:
            return True
        key = (source, action)
        if key not in self.allows_action:  # asked per method step and per audit check: cached
            if source not in self.allows:
                self.allows[source] = [
                    st
                    for pol in p.policies.identity
                    for st in pol.statements
                    if st.effect is Effect.ALLOW
                ]
            self.allows_action[key] = any(
                action_matches(st.actions, action) != st.not_action for st in self.allows[source]
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
    ) -> Hop | None:
        """Every step of `method` asked; None when one is proven impossible."""
        account = self.snap.principals[source].account
        proofs: list[tuple[str, str]] = []
        statements: list[str] = []
        locations: list[tuple[str, int, int]] = []
        reasons = list(unknown)
        for step in method.steps:
            on = resource if step.on == TARGET else step.on.format(account=account)
            extra = where if step.action == "iam:PassRole" else ()
            answer = self.ask(source, mode, step.action, on, extra)
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
            method.gain,
            mode,
            mode_to,
            Verdict.UNKNOWN if reasons else Verdict.REACHABLE,
            tuple(proofs),
            tuple(dict.fromkeys(statements)),
            detail,
            tuple(dict.fromkeys(reasons)),
            tuple(dict.fromkeys(locations)),
        )


def _statement(reason) -> str:
    sid = f" Sid {reason.sid}" if reason.sid else ""
    return f"{reason.layer}: {reason.policy}{sid}"


def _reads_mfa(policy: Policy) -> bool:
    return any(
        c.key.lower().startswith(MFA_PREFIX) for st in policy.statements for c in st.conditions
    )


def session_mode(mode: Mfa) -> Mfa:
    """A role session keeps MFA only if the credential that asked for it had MFA."""
    return Mfa.MFA if mode is Mfa.MFA else Mfa.NO_MFA


def build(snap: Snapshot, timeout_ms: int = DEFAULT_TIMEOUT_MS, progress=None) -> PermissionGraph:
    """Nodes, starting credentials and every principal's admin verdict per MFA mode; the
    steps between them come as searches ask (`PermissionGraph.steps`)."""
    g = nx.MultiDiGraph()
    pg = PermissionGraph(snap, g, Builder(snap, timeout_ms))
    _structure(snap, g)
    principals = list(snap.principals.values())
    for i, p in enumerate(principals):
        for mode in pg.modes(p.arn):
            pg.admin[(p.arn, mode)] = pg.builder.is_admin(p.arn, mode)
        if progress:
            progress(i + 1, len(principals))
    pg.starts = {p.arn: _start_modes(snap, p) for p in principals}
    return pg


def _structure(snap: Snapshot, g: nx.MultiDiGraph) -> None:
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


# An administrator gains nothing in its own account; these still take it to other principals
# (whose trust in turn may lead to other accounts).
ADMIN_METHODS = frozenset({"AssumeRole", "CreateAccessKey", "UpdateAssumeRolePolicy"})


def _hops(
    b: Builder, pg: PermissionGraph, p: Principal, mode: Mfa, only: frozenset[str] | None
) -> Iterator[Hop]:
    snap = b.snap
    assumable: list[str] = []
    for method in METHODS:  # AssumeRole first: other targets depend on it
        if method.name != "AssumeRole":
            continue
        for role in _trusting_roles(snap, p):
            hop = b.hop(method, p.arn, mode, role.arn, role.arn, session_mode(mode))
            if hop is not None:
                if hop.verdict is Verdict.REACHABLE:
                    assumable.append(role.arn)
                yield hop
    for method in ORDER:
        if method.name == "AssumeRole" or (only is not None and method.name not in only):
            continue
        if not all(b.identity_allows(p.arn, step.action) for step in method.steps):
            continue  # no identity Allow names a step, and IAM resources have no policies
        yield from _method_hops(b, pg, p, mode, method, assumable)


# the methods that make the attacker admin in place first: a search stops at the first goal
ORDER = tuple(sorted(METHODS, key=lambda m: m.gain is not Gain.ADMIN))


def _same_account(snap: Snapshot, p: Principal, kind: PrincipalKind) -> list[Principal]:
    return [
        q
        for q in snap.principals.values()
        if q.kind is kind and q.account == p.account and q.arn != p.arn
    ]


def _method_hops(b, pg, p: Principal, mode: Mfa, method: Method, assumable) -> Iterator[Hop]:
    snap = b.snap
    t = method.target
    if t in (Target.OTHER_USER, Target.USER_WITHOUT_PASSWORD, Target.USER_WITH_PASSWORD):
        for u in _same_account(snap, p, PrincipalKind.USER):
            yield from _user_hop(b, p, mode, method, u)
    elif t is Target.SELF_USER and p.kind is PrincipalKind.USER:
        yield from _opt(b.hop(method, p.arn, mode, p.arn, p.arn, mode, "itself"))
    elif t is Target.OWN_GROUP and p.kind is PrincipalKind.USER:
        for group in p.groups:
            yield from _opt(b.hop(method, p.arn, mode, p.arn, group, mode, f"group {group}"))
    elif t is Target.SELF_OR_ASSUMABLE_ROLE:
        for role, to in _self_or_assumable(p, mode, assumable):
            yield from _opt(b.hop(method, p.arn, mode, role, role, to, "attached to the role"))
    elif t in (Target.ATTACHED_POLICY, Target.ADMIN_VERSION_POLICY):
        yield from _policy_hops(b, p, mode, method, assumable)
    elif t is Target.ADMIN_GROUP and p.kind is PrincipalKind.USER:
        own, _ = layers(snap, p.arn)
        for arn, group in snap.groups.items():
            if group.account != p.account or arn in p.groups:
                continue
            extra = tuple(group.inline) + tuple(
                snap.managed_policies[m].document
                for m in group.attached
                if m in snap.managed_policies and snap.managed_policies[m].document
            )
            full = replace(own, identity=own.identity + extra)
            if b.is_admin(p.arn, mode, full, tag=f"+{arn}").verdict is Verdict.UNREACHABLE:
                continue
            yield from _opt(b.hop(method, p.arn, mode, p.arn, arn, mode, f"group {group.name}"))
    elif t is Target.SELF_BOUNDED_USER and p.kind is PrincipalKind.USER:
        if p.policies.boundary is not None and _admin_unbounded(b, p.arn, mode):
            yield from _opt(b.hop(method, p.arn, mode, p.arn, p.arn, mode, "its own boundary"))
    elif t is Target.BOUNDED_ROLE:
        for role, to in _self_or_assumable(p, mode, assumable):
            holder = snap.principals[role]
            if holder.policies.boundary is not None and _admin_unbounded(b, role, to):
                yield from _opt(b.hop(method, p.arn, mode, role, role, to, "the role's boundary"))
    elif t is Target.ROLE:
        for role in _same_account(snap, p, PrincipalKind.ROLE):
            if not role.service_linked:
                yield from _opt(b.hop(method, p.arn, mode, role.arn, role.arn, session_mode(mode)))
    elif t is Target.SERVICE_ROLE:
        yield from _passrole_hops(b, p, mode, method)
    elif t is Target.RUNNER:
        yield from _runner_hops(b, p, mode, method)


def _opt(hop: Hop | None) -> Iterator[Hop]:
    if hop is not None:
        yield hop


def _self_or_assumable(p: Principal, mode: Mfa, assumable: list[str]):
    if p.kind is PrincipalKind.ROLE:
        yield p.arn, mode
    for role in assumable:
        if role != p.arn:
            yield role, session_mode(mode)


def _admin_unbounded(b: Builder, arn: str, mode: Mfa) -> bool:
    """Would the principal be admin (or maybe) without its permissions boundary?"""
    own, _ = layers(b.snap, arn)
    return b.is_admin(arn, mode, replace(own, boundary=None), tag="-boundary").verdict in (
        Verdict.REACHABLE,
        Verdict.UNKNOWN,
    )


def _user_hop(b: Builder, p: Principal, mode: Mfa, method: Method, u: Principal):
    row = _credential_row(b.snap, u)
    unknown: tuple[str, ...] = ()
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
            # Q1: two keys already, active or not: a third needs one of them deleted first
            freed = b.ask(p.arn, mode, "iam:DeleteAccessKey", u.arn)
            if freed.verdict is Verdict.UNREACHABLE:
                return
            if freed.verdict is Verdict.UNKNOWN:
                unknown = (f"{u.arn} has two access keys (Q1); deleting one is undecided",)
    yield from _opt(b.hop(method, p.arn, mode, u.arn, u.arn, to, unknown=unknown))


def _credential_row(snap: Snapshot, u: Principal):
    report = snap.accounts.get(u.account) and snap.accounts[u.account].credential_report
    if not report:
        return None
    return next((r for r in report.rows if r.arn == u.arn), None)


def _policy_hops(b: Builder, p: Principal, mode: Mfa, method: Method, assumable):
    """CreatePolicyVersion / SetDefaultPolicyVersion on a customer managed policy attached to
    the attacker, one of its groups, or a role it can assume."""
    snap = b.snap
    holders = [(p.arn, mode, p.arn)]
    holders += [(r, to, r) for r, to in _self_or_assumable(p, mode, assumable) if r != p.arn]
    for holder, to, node in holders:
        q = snap.principals[holder]
        attached = list(q.user.attached if q.user else q.role.attached if q.role else ())
        for group in q.groups:
            g = snap.groups.get(group)
            attached += list(g.attached) if g else []
        for arn in dict.fromkeys(attached):
            mp = snap.managed_policies.get(arn)
            if mp is None or mp.aws_managed:
                continue
            detail = f"policy {mp.name}"
            if method.target is Target.ADMIN_VERSION_POLICY:
                version = _admin_version(b, holder, to, mp)
                if version is None:
                    continue
                detail = f"policy {mp.name} version {version}"
            yield from _opt(b.hop(method, p.arn, mode, node, arn, to, detail))


def _admin_version(b: Builder, holder: str, mode: Mfa, mp) -> str | None:
    own, _ = layers(b.snap, holder)
    for vid, doc in mp.other_versions:
        identity = tuple(doc if pol is mp.document else pol for pol in own.identity)
        admin = b.is_admin(holder, mode, replace(own, identity=identity), tag=f"{mp.arn}{vid}")
        if admin.verdict is not Verdict.UNREACHABLE:
            return vid
    return None


def _passrole_hops(b: Builder, p: Principal, mode: Mfa, method: Method):
    if p.kind is PrincipalKind.ROOT:
        return
    for role in _same_account(b.snap, p, PrincipalKind.ROLE):
        if method.instance_profile and not role.role.instance_profiles:
            continue
        trusts = b.trusts(role, method.service)
        if trusts is False:
            continue
        unknown = () if trusts else (f"whether {role.arn} trusts {method.service} is undecided",)
        where = (("iam:PassedToService", ContextValue((method.service,))),)
        yield from _opt(
            b.hop(method, p.arn, mode, role.arn, role.arn, Mfa.NO_MFA, where=where, unknown=unknown)
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


def _runner_hops(b: Builder, p: Principal, mode: Mfa, method: Method):
    if p.kind is PrincipalKind.ROOT:
        return
    data = b.snap.accounts.get(p.account)
    inventory = data.inventory if data else None
    if inventory is None or method.inventory not in inventory.collected:
        # which resources exist is unknown: any role that trusts the service may be behind one
        why = f"no {method.inventory} inventory for {p.account}: which resources exist is unknown"
        for role in _same_account(b.snap, p, PrincipalKind.ROLE):
            behind = []  # (resource pattern, detail) of what could run as the role
            if (not method.instance_profile or role.role.instance_profiles) and b.trusts(
                role, method.service
            ) is not False:
                behind.append((_pattern_for(method, p.account), ""))
            if method.node_service and b.trusts(role, method.node_service) is not False:
                behind.append((NODES.format(account=p.account), "via an on-premises node"))
            for pattern, detail in behind:
                hop = b.hop(
                    method, p.arn, mode, role.arn, pattern, Mfa.NO_MFA, detail, unknown=(why,)
                )
                if hop is not None:
                    yield hop
                    break
        return
    for runner in inventory.of(method.inventory):
        if runner.role_arn is None or runner.role_arn not in b.snap.principals:
            continue
        detail = f"via {runner.arn}"
        yield from _opt(b.hop(method, p.arn, mode, runner.role_arn, runner.arn, Mfa.NO_MFA, detail))


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


def _trusting_roles(snap: Snapshot, p: Principal) -> list[Principal]:
    """Roles whose trust policy has an Allow statement whose Principal names `p` (by its ARN,
    its account, or `*`); the solver then decides conditions and the identity side."""
    if p.kind is PrincipalKind.ROOT:
        caller = Caller(p.arn, CallerType.ROOT, p.account)
    else:
        caller = Caller.from_arn(p.arn)
    out = []
    for role in snap.principals.values():
        if role.kind is not PrincipalKind.ROLE or role.arn == p.arn or role.trust is None:
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


def _start_modes(snap: Snapshot, p: Principal) -> tuple[Mfa, ...]:
    """The credential modes an attacker can hold for `p` without any other principal: a user's
    or root's own credentials (all modes; MFA only with a device, when the report says), and
    a role's sessions obtained from outside the snapshot (an identity provider, an account
    whose IAM the snapshot does not hold, or anyone). A service principal is not a source: it
    acts as a role only for whoever can make it (PassRole and existing-compute steps)."""
    if p.kind is not PrincipalKind.ROLE:
        row = _credential_row(snap, p)
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
