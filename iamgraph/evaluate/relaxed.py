"""Could any context allow this request? A necessary condition, decided without a solver.

At organization scale most questions the graph asks are plainly no: a principal of another
account asks for an object of a bucket whose policy names three roles of its own account, a role
asks to be assumed by a user its trust never mentions. Each such no still cost a solver call
(guesses, an encoding, z3). The decision on a concrete request (E1-E20) can only grow when every
Deny is dropped (E2: a Deny only takes away) and every Allow's conditions are taken as met
(conditions only narrow a statement, P8); what is left depends on the action, the resource and
the caller alone, none of which the solver chooses for a concrete question. So if the evaluator
denies the request under these relaxed layers, no context, MFA mode or time can make AWS allow
it: the answer is a proof (relative to the same layers the solver would have read).

A Resource or NotResource with a policy variable is read as matching every resource, since the
variable's value is the context's to choose. Asked about a resource pattern (any object of a
bucket), every Resource and NotResource is read as matching, so what is left to decide is the
action and who asks (a bucket policy that names none of the caller's ARNs still rules it out).
Anything the evaluator cannot settle (`unknown`: a policy whose text is missing, a principal
form the documentation leaves open) counts as "could".
"""

from __future__ import annotations

from dataclasses import replace

from iamgraph.evaluate.layers import Level, Outcome, PolicySet, decide
from iamgraph.evaluate.request import Request
from iamgraph.model.policy import Effect, Policy, Statement

# (id(policy), any resource) -> (policy, relaxed); holding the policy keeps its id its own
_RELAXED: dict[tuple[int, bool], tuple[Policy, Policy]] = {}


def could_allow(ps: PolicySet, action: str, resource: str, pattern: bool = False) -> bool:
    """False only if no request for `action` on `resource` (with `pattern`, on any resource
    the pattern matches) by `ps.caller` is allowed, whatever its context (a proof); True when
    some context might allow it (then ask the solver)."""

    def _relax(policy: Policy) -> Policy:
        return _relaxed(policy, pattern)

    def _level(level: Level) -> Level:
        return replace(level, policies=tuple(_relax(p) for p in level.policies))

    relaxed = PolicySet(
        caller=ps.caller,
        resource_account=ps.resource_account,
        identity=tuple(_relax(p) for p in ps.identity),
        boundary=_relax(ps.boundary) if ps.boundary is not None else None,
        session=_relax(ps.session) if ps.session is not None else None,
        resource_policy=_relax(ps.resource_policy) if ps.resource_policy is not None else None,
        resource_policy_required=ps.resource_policy_required,
        scp_levels=tuple(_level(lvl) for lvl in ps.scp_levels),
        rcp_levels=tuple(_level(lvl) for lvl in ps.rcp_levels),
        unresolved=ps.unresolved,
    )
    return decide(relaxed, Request.build(action, resource)).outcome is not Outcome.IMPLICIT_DENY


def _relaxed(policy: Policy, any_resource: bool) -> Policy:
    """The policy's Allow statements without their conditions; its Denies gone."""
    hit = _RELAXED.get((id(policy), any_resource))
    if hit is not None and hit[0] is policy:
        return hit[1]
    kept = tuple(_open(st, any_resource) for st in policy.statements if st.effect is Effect.ALLOW)
    relaxed = replace(policy, statements=kept)
    _RELAXED[(id(policy), any_resource)] = (policy, relaxed)
    return relaxed


def _open(st: Statement, any_resource: bool) -> Statement:
    resources, not_resource = st.resources, st.not_resource
    if resources is not None and (any_resource or any("${" in r for r in resources)):
        resources, not_resource = None, False  # the variable may name any resource
    return replace(st, resources=resources, not_resource=not_resource, conditions=())
