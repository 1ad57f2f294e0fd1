"""Admin: a principal whose own permissions allow every action on every resource that the SCPs
of its account allow (so an SCP that denies leaving the organization to everyone does not make
the account's administrators non-admin). Decided by the solver, never by policy names.

The question is one formula: is there a request (any catalog action, any resource, any context
the caller may choose) that the SCPs alone allow and the principal's full layers do not? Unsat
proves admin; a model is replayed through the evaluator on both sides before "not admin" is said.
A few common actions are tried concretely first, which settles most non-admins without z3.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import z3

from iamgraph.catalog import catalog
from iamgraph.evaluate.gather import (
    Mfa,
    credential_clock,
    credential_context,
    policies_for,
    request_context,
    time_context,
    time_floor,
)
from iamgraph.evaluate.layers import Outcome, PolicySet, decide
from iamgraph.evaluate.request import CallerType, Request
from iamgraph.model.policy import Effect, PolicyKind, parse_policy
from iamgraph.model.snapshot import Snapshot
from iamgraph.model.source import SourceRef
from iamgraph.solvers.context import SymContext, key_usage
from iamgraph.solvers.encode import Encoder, Term
from iamgraph.solvers.prove import carried_keys, fixed_for, mode_constraint
from iamgraph.verdict import DEFAULT_TIMEOUT_MS, Verdict

ALLOW_ALL = parse_policy(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
    kind=PolicyKind.IDENTITY,
    source=SourceRef("<every action on every resource>"),
    name="every action on every resource",
)

# tried concretely before z3: an administrator may do all of them
PROBES = (
    "iam:CreateUser",
    "iam:AttachRolePolicy",
    "iam:PassRole",
    "sts:AssumeRole",
    "ec2:RunInstances",
    "s3:DeleteBucket",
    "lambda:CreateFunction",
    "kms:ScheduleKeyDeletion",
    "cloudtrail:DeleteTrail",
    "dynamodb:DeleteTable",
    "organizations:DescribeOrganization",
    "support:CreateCase",
)


@dataclass(frozen=True)
class Admin:
    """`verdict`: REACHABLE = admin (proven), UNREACHABLE = not admin (`lacks` is a request the
    SCPs allow and the principal may not make, replayed), UNKNOWN (`reasons`)."""

    verdict: Verdict
    lacks: tuple[str, str] | None = None
    reasons: tuple[str, ...] = ()

    @property
    def admin(self) -> bool | None:
        return {Verdict.REACHABLE: True, Verdict.UNREACHABLE: False}.get(self.verdict)


def layers(snap: Snapshot, arn: str) -> tuple[PolicySet, PolicySet]:
    """The principal's own layers, and the same caller with every action allowed (SCPs only)."""
    ps = policies_for(snap, arn, "iam:GetUser", "*")
    full = replace(ps, resource_policy=None, resource_policy_required=False, rcp_levels=())
    return full, replace(full, identity=(ALLOW_ALL,), boundary=None, session=None, unresolved=())


def decide_admin(
    snap: Snapshot,
    arn: str,
    mode: Mfa,
    *,
    full: PolicySet | None = None,
    timeout_ms: int = DEFAULT_TIMEOUT_MS,
) -> Admin:
    """Is `arn`, signing with credentials of `mode`, an administrator? `full` replaces the
    principal's own layers (to ask "would it be admin without its boundary?")."""
    own, scp_only = layers(snap, arn)
    full = full or own
    if _plainly_admin(full):
        return Admin(Verdict.REACHABLE)
    pinned = credential_context(snap, arn, "*", mode)
    clock = credential_clock(full.caller.type, mode, time_floor(snap))
    times = time_context(clock, full.keys_read() | scp_only.keys_read())
    for action in PROBES:
        req = Request.build(action, "*", [*request_context("*"), *pinned, *times], clock)
        lacks = _lacks(scp_only, full, req)
        if lacks:
            return Admin(Verdict.UNREACHABLE, (action, "*"))
    return _solve(snap, arn, mode, full, scp_only, pinned, timeout_ms, clock)


def _plainly_admin(ps: PolicySet) -> bool:
    """Proven without z3 (E1-E4): an unconditional Allow of `*` on `*` in the identity policies
    (and in the boundary, if any), and no Deny statement in either: then the principal's layers
    allow exactly what the SCPs allow. A root user needs no identity Allow (E20)."""

    def allows_all(policies) -> bool:
        return any(
            st.effect is Effect.ALLOW
            and not st.not_action
            and "*" in st.actions
            and st.resources is not None
            and not st.not_resource
            and "*" in st.resources
            and not st.conditions
            for p in policies
            for st in p.statements
        )

    def denies(policies) -> bool:
        return any(st.effect is Effect.DENY for p in policies for st in p.statements)

    side = (
        *ps.identity,
        *((ps.boundary,) if ps.boundary else ()),
        *((ps.session,) if ps.session else ()),
    )
    if ps.unresolved or denies(side):
        return False
    root = ps.caller.type is CallerType.ROOT
    return (
        (root or allows_all(ps.identity))
        and all(p is None or allows_all((p,)) for p in (ps.boundary, ps.session))
        and not (root and (ps.boundary or ps.session))
    )


def _lacks(scp_only: PolicySet, full: PolicySet, req: Request) -> bool:
    return decide(scp_only, req).allowed and decide(full, req).outcome in (
        Outcome.IMPLICIT_DENY,
        Outcome.EXPLICIT_DENY,
    )


def _solve(snap, arn, mode, full, scp_only, pinned, timeout_ms, clock) -> Admin:
    policies = [p for ps in (full, scp_only) for p in ps.policies()]
    ctx = SymContext(
        key_usage(policies),
        {k.lower(): v for k, v in pinned},
        fixed=fixed_for(snap, full.caller.account),
    )
    cat = catalog()
    action = z3.Int("action")
    resource = z3.String("resource")
    term = Term(action, resource)
    allowed_by_scps = Encoder(scp_only, term, ctx, tag="scp").decide()
    allowed_in_full = Encoder(full, term, ctx, tag="own").decide()
    solver = z3.Solver()
    solver.set("timeout", timeout_ms)
    solver.add(
        *ctx.constraints,
        # the mode's MFA keys (M1: none at all on access keys) and time keys
        mode_constraint(ctx, (mode,), full.caller.type, clock.floor)[0],
        action >= 0,
        action < len(cat.actions),
        *carried_keys(ctx, action, {k.lower() for k, _ in pinned}),
        allowed_by_scps.allowed,
        z3.Not(allowed_in_full.allowed),
    )
    result = solver.check()
    if result == z3.unsat:
        return Admin(Verdict.REACHABLE)
    if result != z3.sat:
        return Admin(Verdict.UNKNOWN, reasons=(f"solver gave up ({solver.reason_unknown()})",))
    model = solver.model()
    name = cat.actions[model.eval(action, model_completion=True).as_long()].full_name
    res = model.eval(resource, model_completion=True).as_string()
    req = Request.build(name, res, [*ctx.values(model), *pinned], clock)
    if _lacks(scp_only, full, req):
        return Admin(Verdict.UNREACHABLE, (name, res))
    reasons = tuple(dict.fromkeys([*allowed_by_scps.havoc, *allowed_in_full.havoc]))
    return Admin(Verdict.UNKNOWN, reasons=reasons or ("the solver's candidate did not replay",))
