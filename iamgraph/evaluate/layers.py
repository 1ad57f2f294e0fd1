"""AWS's decision procedure for one request, with reasons (SEMANTICS E1-E20, T1, G1).

`decide(policies, request)` follows "How AWS enforcement code logic evaluates requests": an
explicit Deny anywhere wins (E2); every SCP and RCP level must allow (E4, E9); then the
identity side and the resource side are combined as the caller and resource accounts require
(E3, E13-E19). It is the oracle the z3 encoding is tested against and that replays witnesses,
so it stays small and readable. Anything the documentation leaves open makes the decision
`unknown`, with the reason, never a guess.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum

from iamgraph.evaluate.conditions import condition_holds, time_problems
from iamgraph.evaluate.matching import (
    PrincipalMatch,
    Uncertain,
    action_matches,
    not_principal_excludes,
    principal_match,
    resource_matches,
)
from iamgraph.evaluate.request import Caller, CallerType, Request
from iamgraph.model.policy import Effect, Policy, Statement


class Layer(StrEnum):
    SCP = "scp"
    RCP = "rcp"
    IDENTITY = "identity"
    BOUNDARY = "boundary"
    SESSION = "session"
    RESOURCE = "resource"


class Outcome(StrEnum):
    """AWS's own words, plus `unknown` where iamgraph cannot decide."""

    ALLOWED = "allowed"
    EXPLICIT_DENY = "explicitDeny"
    IMPLICIT_DENY = "implicitDeny"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Level:
    """One SCP or RCP level: the policies attached at a root, OU or account (E4)."""

    node: str  # r-..., ou-..., or the account id
    name: str
    policies: tuple[Policy, ...]


@dataclass(frozen=True)
class PolicySet:
    """The layers that apply to one request, and the facts that decide how they combine."""

    caller: Caller
    resource_account: str | None  # None: not known (then same- vs cross-account is unknown)
    identity: tuple[Policy, ...] = ()  # inline, managed and group policies (G1)
    boundary: Policy | None = None
    session: Policy | None = None
    resource_policy: Policy | None = None
    resource_policy_required: bool = False  # E19: role trust and KMS key policies
    scp_levels: tuple[Level, ...] = ()  # root first; empty when SCPs do not apply
    rcp_levels: tuple[Level, ...] = ()
    unresolved: tuple[str, ...] = ()  # policies that apply but whose text is not known
    assumptions: tuple[str, ...] = ()  # what the caller of decide() took for granted

    def policies(self) -> Iterator[Policy]:
        """Every policy of every layer (SCPs, RCPs, identity, boundary, session, resource)."""
        for lvl in (*self.scp_levels, *self.rcp_levels):
            yield from lvl.policies
        yield from self.identity
        for p in (self.boundary, self.session, self.resource_policy):
            if p is not None:
                yield p

    def keys_read(self) -> set[str]:
        """The condition keys (lower-cased) any statement of these layers reads."""
        return {
            c.key.lower() for p in self.policies() for st in p.statements for c in st.conditions
        }


@dataclass(frozen=True)
class Reason:
    """A statement that matched the request, and where it stands."""

    layer: Layer
    effect: str  # Allow | Deny
    policy: str
    sid: str | None
    file: str
    pointer: str
    line: int
    column: int
    at: str = ""  # the OU, root or account of an SCP/RCP level


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    reasons: tuple[Reason, ...]  # every matching statement, Allow and Deny
    deciding: tuple[Reason, ...]  # the statements that decided (the Denies, or the Allows used)
    lacking: tuple[str, ...]  # for an implicit deny: where an Allow was missing
    details: dict[str, str] = field(default_factory=dict)  # per layer: its own verdict
    missing_context: tuple[str, ...] = ()  # condition keys the matching statements read, absent
    unknown_because: tuple[str, ...] = ()
    assumptions: tuple[str, ...] = ()

    @property
    def allowed(self) -> bool:
        return self.outcome is Outcome.ALLOWED


class _Run:
    """One evaluation: the request, the reasons found, and what made it uncertain."""

    def __init__(self, request: Request, caller: Caller) -> None:
        self.request = request
        self.caller = caller
        self.reasons: list[Reason] = []
        self.missing: dict[str, None] = {}
        self.uncertain: list[tuple[Effect | None, str]] = []  # (effect of the statement, why)

    def applies(self, policy: Policy, st: Statement) -> bool | None:
        """Does the statement apply to this request? None: it cannot be told (recorded)."""
        req = self.request
        try:
            hit = action_matches(st.actions, req.action) != st.not_action  # P4, P5
            if hit and st.resources is not None:
                inside = resource_matches(st.resources, req.resource, req, policy.variables_enabled)
                hit = inside != st.not_resource  # P6: NOT (any listed pattern)
            if hit and st.principal is not None:
                if st.not_principal:
                    hit = not not_principal_excludes(st.principal, self.caller)  # P7
                else:
                    hit = principal_match(st.principal, self.caller) is not None
            if not hit:
                return False
            for cond in st.conditions:
                if req.get(cond.key) is None:
                    self.missing.setdefault(req.names.get(cond.key.lower(), cond.key), None)
            return all(condition_holds(c, req, policy.variables_enabled) for c in st.conditions)
        except Uncertain as exc:
            self.uncertain.append(
                (st.effect, f"{policy.name or policy.source.file} {_sid(st)}: {exc}")
            )
            return None

    def matching(
        self, layer: Layer, policies: Iterable[Policy], effect: Effect, at: str = ""
    ) -> list[tuple[Reason, Statement]]:
        out = []
        for policy in policies:
            for st in policy.statements:
                if st.effect is effect and self.applies(policy, st):
                    reason = _reason(layer, policy, st, at)
                    self.reasons.append(reason)
                    out.append((reason, st))
        return out


def _sid(st: Statement) -> str:
    return f"statement {st.sid}" if st.sid else f"statement {st.index}"


def _reason(layer: Layer, policy: Policy, st: Statement, at: str) -> Reason:
    src = st.source
    return Reason(
        layer, st.effect.value, policy.name, st.sid, src.file, src.pointer, src.line, src.column, at
    )


def decide(ps: PolicySet, request: Request) -> Decision:
    """Allowed, explicitly denied or implicitly denied, with the statements that decided.
    A request whose `clock` rules out its time keys (a token issue time on access keys, a time
    before the snapshot was taken) is no request AWS can receive: `unknown`, never allowed."""
    impossible = time_problems(request, ps.keys_read()) if request.clock else ()
    if impossible:
        return Decision(
            Outcome.UNKNOWN,
            (),
            (),
            (),
            unknown_because=tuple(f"no credential usable now sends this: {p}" for p in impossible),
            assumptions=ps.assumptions,
        )
    run = _Run(request, ps.caller)
    details: dict[str, str] = {}

    # E2: a Deny in any applicable policy is final.
    denies: list[Reason] = []
    for layer, policies, at in _layers(ps):
        found = [r for r, _ in run.matching(layer, policies, Effect.DENY, at)]
        denies += found
        if found:
            details[_key(layer, at)] = Outcome.EXPLICIT_DENY
    if denies:
        return _finish(run, ps, Outcome.EXPLICIT_DENY, denies, (), details, final_deny=True)

    # E4, E9: every SCP level (for the caller) and RCP level (for the resource) must allow.
    lacking: list[str] = []
    guard_allows: list[Reason] = []
    for layer, levels in ((Layer.SCP, ps.scp_levels), (Layer.RCP, ps.rcp_levels)):
        for level in levels:
            allows = [r for r, _ in run.matching(layer, level.policies, Effect.ALLOW, level.node)]
            details[_key(layer, level.node)] = Outcome.ALLOWED if allows else Outcome.IMPLICIT_DENY
            guard_allows += allows
            if not allows:
                lacking.append(f"{layer.value} at {level.node} ({level.name})")
    if lacking:
        return _finish(run, ps, Outcome.IMPLICIT_DENY, (), lacking, details)

    allowed, used, why = _identity_and_resource(run, ps, details)
    if allowed:
        return _finish(run, ps, Outcome.ALLOWED, guard_allows + used, (), details)
    return _finish(run, ps, Outcome.IMPLICIT_DENY, (), why, details)


def _layers(ps: PolicySet):
    for level in ps.scp_levels:
        yield Layer.SCP, level.policies, level.node
    for level in ps.rcp_levels:
        yield Layer.RCP, level.policies, level.node
    yield Layer.IDENTITY, ps.identity, ""
    if ps.boundary is not None:
        yield Layer.BOUNDARY, (ps.boundary,), ""
    if ps.session is not None:
        yield Layer.SESSION, (ps.session,), ""
    if ps.resource_policy is not None:
        yield Layer.RESOURCE, (ps.resource_policy,), ""


def _key(layer: Layer, at: str) -> str:
    return f"{layer.value}:{at}" if at else layer.value


def _identity_and_resource(run: _Run, ps: PolicySet, details: dict[str, str]):
    """E3, E10-E19: combine identity, boundary, session and resource policy allows."""
    caller = ps.caller
    root = caller.type is CallerType.ROOT
    service = caller.type in (CallerType.SERVICE, CallerType.ANONYMOUS, CallerType.WEB_IDENTITY)
    identity = run.matching(Layer.IDENTITY, ps.identity, Effect.ALLOW)
    boundary = run.matching(Layer.BOUNDARY, (ps.boundary,), Effect.ALLOW) if ps.boundary else []
    session = run.matching(Layer.SESSION, (ps.session,), Effect.ALLOW) if ps.session else []
    resource = (
        run.matching(Layer.RESOURCE, (ps.resource_policy,), Effect.ALLOW)
        if ps.resource_policy
        else []
    )

    # E1, E20: the root user has full access to its own account; services have no identity side.
    identity_ok = root or service or bool(identity)
    boundary_ok = ps.boundary is None or root or bool(boundary)  # E10, E11
    session_ok = ps.session is None or bool(session)  # E12
    chain_ok = identity_ok and boundary_ok and session_ok
    for layer, ok, present in (
        (Layer.IDENTITY, identity_ok, not service),  # services, tokens: no identity side
        (Layer.BOUNDARY, boundary_ok, ps.boundary is not None),
        (Layer.SESSION, session_ok, ps.session is not None),
    ):
        if present:
            details[layer.value] = Outcome.ALLOWED if ok else Outcome.IMPLICIT_DENY
    if ps.resource_policy is not None:
        details[Layer.RESOURCE.value] = Outcome.ALLOWED if resource else Outcome.IMPLICIT_DENY

    grants: dict[str, list[Reason]] = {}
    for reason, st in resource:
        match = _resource_principal(st, caller)
        grants.setdefault(match.how if match else "everyone", []).append(reason)
    direct = grants.get("user", []) + grants.get("session", []) + grants.get("everyone", [])
    direct += grants.get("service", []) + grants.get("federated", [])
    via_role = grants.get("role", [])
    via_account = grants.get("account", [])
    chain = [r for r, _ in identity + boundary + session]

    def combine(same: bool) -> tuple[bool, list[Reason], list[str]]:
        if same:
            if direct:  # E13, E15: a grant to the user or session ARN stands on its own
                return True, direct, []
            if via_role and boundary_ok and session_ok:  # E14: cut by boundary and session
                return True, via_role + [r for r, _ in boundary + session], []
            if ps.resource_policy_required:  # E19: trust and key policies must name the caller
                if via_account and chain_ok:  # the account delegates to its IAM policies (E18)
                    return True, via_account + chain, []
                return False, [], _lacking(ps, identity_ok, boundary_ok, session_ok, True)
            if chain_ok:  # E3: within one account an identity allow is enough
                return True, chain, []
            return False, [], _lacking(ps, identity_ok, boundary_ok, session_ok, False)
        # E17: across accounts both sides must allow (T1 for sts:AssumeRole).
        resource_ok = bool(direct or via_role or via_account)
        if chain_ok and resource_ok:
            return True, chain + direct + via_role + via_account, []
        return False, [], _lacking(ps, identity_ok, boundary_ok, session_ok, not resource_ok)

    if ps.resource_account is None or service:
        if service:  # a service principal is never in the resource's account (E17 applies)
            return combine(False)
        same_result, cross_result = combine(True), combine(False)
        if same_result[0] != cross_result[0]:
            run.uncertain.append(
                (None, "the resource's account is not known: same- or cross-account?")
            )
        return cross_result if not cross_result[0] else same_result
    return combine(caller.account == ps.resource_account)


def _resource_principal(st: Statement, caller: Caller) -> PrincipalMatch | None:
    if st.principal is None or st.not_principal:
        return None  # NotPrincipal + Allow names no one in particular: treat as everyone
    return principal_match(st.principal, caller)


def _lacking(
    ps: PolicySet, identity_ok: bool, boundary_ok: bool, session_ok: bool, resource_needed: bool
) -> list[str]:
    out = []
    if not identity_ok:
        out.append("identity: no Allow in the caller's identity policies")
    if not boundary_ok:
        out.append("boundary: the permissions boundary does not allow it")
    if not session_ok:
        out.append("session: the session policy does not allow it")
    if resource_needed:
        if ps.resource_policy is None:
            out.append("resource: no resource policy grants it (cross-account access needs one)")
        else:
            out.append("resource: the resource policy does not allow this principal")
    return out


def _finish(
    run: _Run, ps: PolicySet, outcome: Outcome, deciding, lacking, details, final_deny: bool = False
) -> Decision:
    # What could change the outcome: nothing can undo a Deny that certainly matched; an allowed
    # request can only turn into a deny; an implicit deny could turn either way.
    if final_deny:
        unknown: list[str] = []
    elif outcome is Outcome.ALLOWED:
        unknown = [why for effect, why in run.uncertain if effect is not Effect.ALLOW]
    else:
        unknown = [why for _, why in run.uncertain]
    if ps.unresolved and not final_deny:  # a missing policy could add an Allow or a Deny
        unknown += [f"policy text not in the snapshot: {p}" for p in ps.unresolved]
    return Decision(
        outcome=Outcome.UNKNOWN if unknown else outcome,
        reasons=tuple(run.reasons),
        deciding=tuple(deciding),
        lacking=tuple(lacking),
        details={k: str(v) for k, v in details.items()},
        missing_context=tuple(run.missing),
        unknown_because=tuple(unknown),
        assumptions=ps.assumptions,
    )
