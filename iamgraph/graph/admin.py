"""Admin: a principal whose own permissions allow every action on every resource that the SCPs
of its account allow (so an SCP that denies leaving the organization to everyone does not make
the account's administrators non-admin). Decided by the solver, never by policy names.

The question is the solver's `implies`: does the principal's full layers allow every request
(any catalog action, any resource, any context the caller may choose) that the SCPs alone allow?
Unsat proves admin; a model is replayed through the evaluator on both sides before "not admin"
is said. A few common actions are tried concretely first, which settles most non-admins without
z3.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from iamgraph.evaluate.gather import (
    Mfa,
    credential_context,
    policies_for,
    time_floor,
)
from iamgraph.evaluate.layers import PolicySet
from iamgraph.evaluate.request import CallerType
from iamgraph.model.policy import Effect, PolicyKind, parse_policy
from iamgraph.model.snapshot import Snapshot
from iamgraph.model.source import SourceRef
from iamgraph.solvers.constraints import fixed_for
from iamgraph.solvers.properties import implies
from iamgraph.solvers.replay import ReplayContext
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
    how = ReplayContext(credentials={mode: tuple(pinned)}, clock=True, floor=time_floor(snap))
    answer = implies(
        scp_only,
        full,
        pinned,
        mode,
        replay=how,
        fixed=fixed_for(snap, full.caller.account),
        probes=PROBES,
        timeout_ms=timeout_ms,
        tags=("scp", "own"),
    )
    return Admin(answer.verdict, answer.counter, answer.reasons)


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
