"""`solve`: is some request of a set (an action or catalog ids, an ARN or a pattern, the keys the
caller may choose, the MFA modes) allowed under one PolicySet? The obvious requests first
(`guess.py`), then z3 with preferences that make witnesses look real, splitting on the Allow
statements when z3 stalls. Every candidate is replayed here (`replay.py`) before it is a
witness; unsat is a proof only while no candidate has been ruled out.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import lru_cache

import z3

from iamgraph import deadline
from iamgraph.catalog import catalog
from iamgraph.evaluate.gather import Mfa, is_credential_key
from iamgraph.evaluate.layers import Outcome, PolicySet
from iamgraph.evaluate.matching import glob_match
from iamgraph.evaluate.relaxed import could_allow
from iamgraph.evaluate.request import ContextValue
from iamgraph.solvers import regex
from iamgraph.solvers.constraints import MFA_KEYS, carried_keys, mode_constraint
from iamgraph.solvers.context import SymContext, key_usage
from iamgraph.solvers.domains import ActionSet, wild
from iamgraph.solvers.encode import Encoder, Term
from iamgraph.solvers.guess import guesses
from iamgraph.solvers.replay import ReplayContext
from iamgraph.solvers.replay import replay as redecide
from iamgraph.verdict import DEFAULT_TIMEOUT_MS, Answer, Verdict, Witness

RETRIES = 3
FIRST_TRY_MS = 500  # z3 answers most questions at once; one that stalls is split first
PREFERENCE_MS = 60  # how long one try at a nicer-looking witness may take
PREFERENCE_BUDGET_S = 0.15  # and all of them together
PLAIN = ReplayContext()


def solve(
    ps: PolicySet,
    label: str,
    action_set: ActionSet,
    resource: str,
    pinned_entries: list[tuple[str, ContextValue]],
    modes: tuple[Mfa, ...],
    *,
    replay: ReplayContext = PLAIN,
    known: list[str] = (),
    timeout_ms: int = DEFAULT_TIMEOUT_MS,
    fixed: Callable[[str], bool] | None = is_credential_key,
    guess: bool = True,
    exclude: tuple[str, ...] = (),
) -> Answer:
    """Is some request in the set allowed under `ps`? The core of `can`, for any PolicySet.

    `action_set` is one action name or catalog id intervals; `resource` an ARN or a pattern;
    pinned keys are fixed, MFA follows `modes`, every other key is the caller's to choose.
    `replay` says how a candidate becomes the request the evaluator re-decides (`replay.py`,
    done here for every candidate); its `floor` is the earliest time a request can be made
    (`gather.time_floor`; None: any time, an over-approximation). `guess=False` skips the
    concrete requests tried before z3 (tests use it to reach z3's own witnesses); `exclude`
    names resources of the pattern that are asked elsewhere.
    """
    if deadline.expired():
        return Answer(label, Verdict.UNKNOWN, None, (deadline.REASON,))
    how, floor = replay, replay.floor
    # no context allows it (on any resource of a pattern): a proof, without z3
    if isinstance(action_set, str) and not could_allow(ps, action_set, resource, wild(resource)):
        return Answer(label, Verdict.UNREACHABLE)
    if guess:
        found = _try_guesses(
            ps,
            label,
            action_set,
            resource,
            pinned_entries,
            modes,
            how,
            known,
            fixed,
            exclude,
            floor,
        )
        if found is not None:
            return found
    pinned = {k.lower(): v for k, v in pinned_entries}
    usage = key_usage(ps.policies())
    ctx = SymContext(usage, pinned, fixed=fixed)
    if isinstance(action_set, str) and not wild(resource) and set(ctx.keys) <= {MFA_KEYS[0]}:
        settled = _settle_concretely(ps, label, action_set, resource, pinned_entries, modes, how)
        if settled is not None:
            return settled
    constraints = list(ctx.constraints)
    if isinstance(action_set, str):
        action: str | z3.ArithRef = action_set
    else:
        action = z3.Int("action")
        constraints.append(z3.Or(*[z3.And(action >= lo, action < hi) for lo, hi in action_set]))
    constraints += carried_keys(ctx, action, pinned)
    if not wild(resource):
        res: str | z3.SeqRef = resource
    else:
        if resource.count(":") < 5:
            return Answer(
                label,
                Verdict.UNKNOWN,
                None,
                (f"resource pattern {resource!r} is not a full ARN pattern",),
            )
        res, shape = regex.arn_term(resource)
        constraints += shape
        constraints += [res != z3.StringVal(a) for a in exclude]
    mfa_f, mode = mode_constraint(ctx, modes, ps.caller.type, floor)
    constraints.append(mfa_f)
    term = Term(action, res, resource) if wild(resource) else Term(action, res)
    enc = Encoder(ps, term, ctx).decide()
    if z3.is_false(z3.simplify(enc.allowed)):  # no Allow can apply at all: proven in Python
        return Answer(label, Verdict.UNREACHABLE)
    solver = z3.Solver()
    solver.set("timeout", deadline.clamp_ms(timeout_ms))
    solver.add(*constraints, enc.allowed)
    # with a policy text missing no witness can replay as allowed: skip the nicer-looking ones
    preferences = [] if ps.unresolved else _preferences(known, action, action_set, res, resource)
    requested = ctx.key("aws:RequestedRegion")
    if wild(resource) and requested is not None and requested.value is not None and preferences:
        region = resource.split(":", 5)[3]
        # a regional resource is reached through its own region's endpoint
        ties = [
            z3.And(
                requested.present,
                requested.value == z3.StringVal(r),
                z3.InRe(res, regex.resource(regex.with_segment(resource, 3, r))),
            )
            for r in regex.REGIONS
            if glob_match(region, r)
        ]
        if ties and region:
            preferences.insert(0, z3.Or(*ties))
    # a set read by a plain operator compares only when it holds one value (C11)
    preferences += [
        k.count <= 1 for k in ctx.keys.values() if k.count is not None and k.usage.plain
    ]
    cat = catalog()
    blocked = False  # once a candidate is ruled out, unsat no longer proves anything
    solver.set("timeout", deadline.clamp_ms(min(FIRST_TRY_MS, timeout_ms)))  # a quick first try
    for _ in range(RETRIES):
        result, model = _check_preferring(solver, preferences, timeout_ms)
        if result == z3.unsat and not blocked:
            return Answer(label, Verdict.UNREACHABLE)
        if result == z3.unsat:
            break
        if result == z3.unknown:  # z3 may stall on the disjunction: try one Allow at a time
            result, model = _split_on_allows(constraints, enc, timeout_ms)
            if result != z3.sat:  # then the whole question again, with all the time it may take
                solver.set("timeout", deadline.clamp_ms(timeout_ms))
                result, model = _check_preferring(solver, preferences, timeout_ms)
                if result == z3.unsat and not blocked:
                    return Answer(label, Verdict.UNREACHABLE)
        if result != z3.sat:
            why = f"solver gave up ({solver.reason_unknown()})"
            return Answer(label, Verdict.UNKNOWN, None, (deadline.or_reason(why),))
        name = (
            action
            if isinstance(action, str)
            else cat.actions[model.eval(action, model_completion=True).as_long()].full_name
        )
        res_value = (
            res if isinstance(res, str) else model.eval(res, model_completion=True).as_string()
        )
        m = modes[model.eval(mode, model_completion=True).as_long()] if len(modes) > 1 else modes[0]
        chosen = ctx.values(model)  # MFA keys included: the model's age is the one to replay
        chosen = [(k, v) for k, v in chosen if cat.carries(name, k)]  # see `carried_keys`
        names = {k.lower() for k, _ in chosen}
        carried = chosen + [e for e in pinned_entries if e[0].lower() not in names]
        decision, items = redecide(ps, how, name, res_value, carried, m)
        witness = Witness(
            label, name, res_value, items, tuple(k for k, _ in chosen), m.value, decision
        )
        if decision.allowed:
            return Answer(label, Verdict.REACHABLE, witness)
        if decision.outcome is Outcome.UNKNOWN and ps.unresolved:
            break  # a policy whose text is missing: no retry can settle it
        havocs = enc.havoc_vars
        if not havocs:
            return Answer(
                label,
                Verdict.UNKNOWN,
                None,
                (
                    f"internal disagreement: the solver allowed {name} on {res_value}, "
                    f"the evaluator said {decision.outcome.value}",
                ),
            )
        solver.add(z3.Or(*[h != model.eval(h, model_completion=True) for h in havocs]))
        blocked = True
    reasons = tuple(dict.fromkeys(enc.havoc)) or (deadline.or_reason("no witness replayed"),)
    return Answer(label, Verdict.UNKNOWN, None, reasons)


def _settle_concretely(ps, label, action, resource, pinned_entries, modes, how) -> Answer | None:
    """No policy reads a key the caller chooses (the MFA key follows the mode): the request is
    one concrete request per mode, and the evaluator's decisions are the answer."""
    denied = 0
    for m in modes:
        decision, items = redecide(ps, how, action, resource, list(pinned_entries), m)
        if decision.allowed:
            witness = Witness(label, action, resource, items, (), m.value, decision)
            return Answer(label, Verdict.REACHABLE, witness)
        denied += decision.outcome in (Outcome.IMPLICIT_DENY, Outcome.EXPLICIT_DENY)
    return Answer(label, Verdict.UNREACHABLE) if denied == len(modes) else None


def _try_guesses(
    ps,
    label,
    action_set,
    resource,
    pinned_entries,
    modes,
    how,
    known,
    fixed,
    exclude=(),
    floor=None,
):
    """The obvious requests first (`guess.py`): a witness found this way is replayed like
    any other; when none replays, z3 decides."""
    pinned = {k.lower() for k, _ in pinned_entries}
    cat = catalog()

    def may_choose(key: str) -> bool:
        return key not in pinned and key not in MFA_KEYS and not (fixed and fixed(key))

    for name, res, chosen, mode in guesses(
        ps, action_set, resource, modes, known=known, may_choose=may_choose, floor=floor
    ):
        if res in exclude:
            continue
        chosen = [(k, v) for k, v in chosen if cat.carries(name, k)]  # see `carried_keys`
        names = {k.lower() for k, _ in chosen}
        carried = chosen + [e for e in pinned_entries if e[0].lower() not in names]
        decision, items = redecide(ps, how, name, res, carried, mode)
        if decision.allowed:
            witness = Witness(
                label, name, res, items, tuple(k for k, _ in chosen), mode.value, decision
            )
            return Answer(label, Verdict.REACHABLE, witness)
    return None


def _preferences(known_arns, action, action_set, res, pattern: str) -> list[z3.BoolRef]:
    """Extra constraints tried first, so witnesses look real: a resource the snapshot holds,
    an action that takes that kind of resource, wildcards that stand for something."""
    prefs: list[z3.BoolRef] = []
    if not isinstance(res, str):
        known = [a for a in known_arns if glob_match(pattern, a)]
        if known:
            prefs.append(z3.Or(*[res == z3.StringVal(a) for a in known[:200]]))
        if pattern.count(":") >= 5:
            prefs.append(z3.InRe(res, regex.resource_like_a_name(pattern)))
        elif pattern == "*":  # an action that takes no resource ARN: `*`, not z3's ``
            prefs.append(res == z3.StringVal("*"))
    if not isinstance(action, str):
        fits = _fitting_actions(tuple(action_set), pattern)
        if fits:
            prefs.append(z3.Or(*[action == i for i in fits[:2000]]))
    return prefs


@lru_cache(maxsize=1024)
def _fitting_actions(action_set: tuple, pattern: str) -> tuple[int, ...]:
    cat = catalog()
    return tuple(
        i
        for lo, hi in action_set
        for i in range(lo, hi)
        if cat.resource_pattern_fits(cat.actions[i], pattern)
    )


def _split_on_allows(constraints: list[z3.BoolRef], enc, timeout_ms: int):
    """Look for a candidate with one Allow statement and no Deny, each in a small solver of
    its own (z3 can stall on the whole disjunction). Candidates are replayed like any other;
    a failure here proves nothing, so the caller keeps `unknown`."""
    each = max(50, timeout_ms // max(1, len(enc.allows)))
    for f in enc.allows:
        if deadline.expired():
            break
        small = z3.Solver()
        small.set("timeout", deadline.clamp_ms(each))
        small.add(*constraints, f, z3.Not(enc.denied))
        if small.check() == z3.sat:
            return z3.sat, small.model()
    return z3.unknown, None


def _check_preferring(solver: z3.Solver, preferences: list[z3.BoolRef], timeout_ms: int):
    """`check()`, then, if sat, a better-looking model under as many preferences as z3 finds
    quickly (preferences pick among solutions; they never decide sat or unsat)."""
    result = solver.check()
    if result != z3.sat:
        return result, None
    model = solver.model()
    until = time.perf_counter() + PREFERENCE_BUDGET_S
    try:
        for n in range(len(preferences), 0, -1):  # most important first: drop from the end
            left = until - time.perf_counter()
            if left <= 0 or deadline.expired():
                break
            solver.set("timeout", deadline.clamp_ms(int(min(PREFERENCE_MS, left * 1000))))
            solver.push()
            solver.add(*preferences[:n])
            found = solver.check() == z3.sat
            better = solver.model() if found else None
            solver.pop()
            if better is not None:
                return result, better
    finally:
        solver.set("timeout", deadline.clamp_ms(timeout_ms))
    return result, model
