"""Concrete requests tried before z3: most reachable answers are one obvious request away.

An Allow statement names the action, the resource and usually the condition values that open
it; the request they spell out is replayed through the evaluator, and if it is allowed it is
the witness (a replayed witness is a witness however it was found). A guess that fails proves
nothing: z3 decides then. This is what keeps `who-can` over many reachable principals fast,
since z3's first satisfiable check costs tens of milliseconds even on small formulas.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from iamgraph.catalog import catalog
from iamgraph.evaluate.conditions import as_date
from iamgraph.evaluate.gather import Mfa, credential_clock
from iamgraph.evaluate.layers import PolicySet
from iamgraph.evaluate.matching import Uncertain, action_matches, glob_match, resource_matches
from iamgraph.evaluate.request import (
    CURRENT_TIME,
    EPOCH_TIME,
    TOKEN_ISSUE_TIME,
    CallerType,
    Clock,
    ContextValue,
    Request,
)
from iamgraph.model.operators import Family, numeric_value
from iamgraph.model.patterns import common_string, glob_tokens
from iamgraph.model.policy import Condition, Effect, PolicyKind, Statement, parse_policy
from iamgraph.model.source import SourceRef

MAX_GUESSES = 12  # each costs one evaluator call (tens of microseconds)
REGION = "us-east-1"

Guess = tuple[str, str, list[tuple[str, ContextValue]], Mfa]
# what the root user's requests are guessed from: it needs no Allow in its own account (E1)
_ROOT_ALLOWS = parse_policy(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
    kind=PolicyKind.IDENTITY,
    source=SourceRef("(the root user's own access)"),
).statements[0]


def guesses(
    ps: PolicySet,
    action_set: str | tuple[tuple[int, int], ...],
    resource: str,
    modes: tuple[Mfa, ...],
    *,
    known: list[str] = (),
    may_choose: Callable[[str], bool],
    floor: datetime | None = None,
) -> Iterator[Guess]:
    """Requests in the query's set (action in `action_set`, resource matching `resource`),
    each with the context values some Allow statement asks for. `may_choose(key)` says whether
    the caller controls a key; other keys are left to the pinned context. Time keys follow
    each mode's credential and `floor` (`Clock`): no aws:TokenIssueTime on access keys, no
    time before the floor."""
    account = ps.resource_account or ps.caller.account
    allows = [
        st
        for p in (*ps.identity, ps.resource_policy)
        if p is not None
        for st in p.statements
        if st.effect is Effect.ALLOW
    ]
    if ps.caller.type is CallerType.ROOT:  # E1: no statement grants it, it holds everything
        allows.append(_ROOT_ALLOWS)
    read = ps.keys_read()
    seen: set[tuple] = set()
    count = 0
    for st in allows:
        for name in _actions(st, action_set, resource):
            for arn, filled in _resources(st, resource, account, known, may_choose):
                chosen = context_for(st, may_choose, filled, read)
                for mode in modes:
                    timed = within_clock(chosen, credential_clock(ps.caller.type, mode, floor))
                    key = (name, arn, tuple(timed), mode)
                    if key in seen:
                        continue
                    seen.add(key)
                    yield name, arn, timed, mode
                    count += 1
                    if count >= MAX_GUESSES:
                        return


def _actions(st: Statement, action_set, resource: str) -> list[str]:
    if isinstance(action_set, str):
        return [action_set] if action_matches(st.actions, action_set) != st.not_action else []
    if st.not_action:
        return []
    cat = catalog()
    found: list[str] = []
    for pattern in st.actions:
        for lo, hi in cat.intervals(pattern):
            for a_lo, a_hi in action_set:
                for i in range(max(lo, a_lo), min(hi, a_hi)):
                    info = cat.actions[i]
                    if resource == "*" or cat.resource_pattern_fits(info, resource):
                        found.append(info.full_name)
                        break
                if len(found) >= 2:
                    return found
    return found


def _resources(
    st: Statement, query: str, account: str | None, known: list[str], may_choose
) -> list[tuple[str, list[tuple[str, ContextValue]]]]:
    """ARNs in the query's set that the statement's Resource names, each with the values it
    gave to the pattern's variables (a caller-chosen `${aws:RequestedRegion}`, say)."""
    if not any(c in query for c in "*?") or query == "*":
        return [(query, [])]
    out = [(a, []) for a in known if _in_query(query, a)][:2]
    filled = concrete_arn(query, account, names=False) or query
    patterns = list(st.resources or ()) if not st.not_resource else []
    for pattern in patterns:
        chosen: list[tuple[str, ContextValue]] = []
        text = fill_variables(pattern, may_choose, chosen)
        if text is None:
            continue
        named = concrete_arn(text, account)  # wildcards given names where that fits the query
        if named is not None and _in_query(query, named):
            out.append((named, chosen))
            return out
        arn = common_string(glob_tokens(text), glob_tokens(filled))
        if arn is not None and _in_query(query, arn):
            out.append((arn, chosen))
            return out
    arn = concrete_arn(query, account)
    if arn is not None and _in_query(query, arn):
        out.append((arn, []))
    return out


def fill_variables(pattern: str, may_choose, chosen: list) -> str | None:
    """The pattern with each `${key}` of a caller-chosen key given a value (recorded in
    `chosen`); None when a variable names a key the caller does not choose."""

    def value(m: re.Match) -> str:
        inner = m.group(1)
        if inner in ("*", "?", "$"):
            return inner
        key = inner.split(",", 1)[0].strip()
        if not may_choose(key.lower()):
            raise LookupError(key)
        v = REGION if key.lower() == "aws:requestedregion" else "example"
        chosen.append((key, ContextValue((v,))))
        return v

    try:
        return re.sub(r"\$\{([^}]*)\}", value, pattern)
    except LookupError:
        return None


def _in_query(query: str, arn: str) -> bool:
    try:
        return resource_matches((query,), arn, Request.build("x:y", arn, []), False)
    except Uncertain:
        return False


def concrete_arn(pattern: str, account: str | None, *, names: bool = True) -> str | None:
    """An ARN the pattern matches: a real region, the account, and (with `names`) a name for
    each wildcard of the resource part."""
    parts = pattern.split(":", 5)
    if len(parts) != 6:
        return None
    if parts[3] and any(c in parts[3] for c in "*?"):
        parts[3] = REGION if glob_match(parts[3], REGION) else None
    if parts[4] and any(c in parts[4] for c in "*?"):
        parts[4] = account if account and glob_match(parts[4], account) else None
    if parts[3] is None or parts[4] is None or any(c in p for p in parts[:3] for c in "*?"):
        return None
    if names:
        parts[5] = parts[5].replace("*", "example").replace("?", "x")
    return ":".join(parts)


EVERY_REQUEST = (("aws:RequestedRegion", REGION), ("aws:SecureTransport", "true"))


def context_for(
    st: Statement, may_choose: Callable[[str], bool], filled: list, read: set[str]
) -> list:
    """For each condition on a caller-controlled key, a value that satisfies it if any one
    does: the first listed value (wildcards filled in, the first address of a CIDR)."""
    chosen: dict[str, tuple[str, ContextValue]] = {k.lower(): (k, v) for k, v in filled}
    for key, value in EVERY_REQUEST:  # what every real request carries, where a policy reads it
        if key.lower() in read and key.lower() not in chosen and may_choose(key.lower()):
            chosen[key.lower()] = (key, ContextValue((value,)))
    for cond in st.conditions:
        lower = cond.key.lower()
        if lower in chosen or not may_choose(lower) or not cond.values:
            continue
        value = cond.values[0]
        if "${" in value and cond.parsed.spec.family in (Family.STRING, Family.ARN):
            extra: list = []  # a variable of a key the caller chooses: give it a value too
            value = fill_variables(value, lambda k: k not in chosen and may_choose(k), extra)
            if value is None:
                continue
            for k, v in extra:
                chosen.setdefault(k.lower(), (k, v))
        value = _satisfying(cond, value)
        if value is not None:
            chosen[lower] = (cond.key, ContextValue((value,)))
    return list(chosen.values())


def _satisfying(cond: Condition, v: str) -> str | None:
    spec = cond.parsed.spec
    if spec.negated or "${" in v:
        return None
    if spec.family in (Family.STRING, Family.ARN):
        return v.replace("*", "example").replace("?", "x")
    if spec.family is Family.BOOL:
        return v.lower()
    if spec.family is Family.IP:
        try:
            return str(ipaddress.ip_network(v.strip(), strict=False)[0])
        except ValueError:
            return None
    if spec.family is Family.NUMERIC:
        return _beside(spec.comparison, v, _as_number, lambda n, d: str(n + d), 1)
    if spec.family is Family.DATE:
        return _beside(spec.comparison, v, as_date, _date_text, timedelta(days=1))
    return None


def _as_number(v: str) -> Decimal:
    number = numeric_value(v)
    if number is None:
        raise ValueError(f"{v!r} is not a number")
    return number


def _date_text(t: datetime, d: timedelta) -> str:
    return (t + d).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _beside(comparison: str, v: str, parse, shift, step) -> str | None:
    """A value on the open side of a numeric or date comparison: the bound itself where it
    is included, one step past it where it is not (lt: one less, gt: one more)."""
    delta = {"equals": None, "le": None, "ge": None, "lt": -step, "gt": step}
    if comparison not in delta:
        return None
    if delta[comparison] is None:
        return v
    try:
        return shift(parse(v), delta[comparison])
    except (Uncertain, ArithmeticError, ValueError, OverflowError):
        return None


def within_clock(chosen: list, clock: Clock) -> list:
    """`chosen` as a credential of `clock` can send it: aws:TokenIssueTime dropped on access
    keys, a time before the floor moved up to it (the replay then says if it still fits)."""
    out = []
    for key, value in chosen:
        lower = key.lower()
        if lower == TOKEN_ISSUE_TIME and clock.temporary is False:
            continue
        floor = {TOKEN_ISSUE_TIME: clock.token_floor, CURRENT_TIME: clock.floor}.get(lower)
        if lower == EPOCH_TIME:
            floor = clock.floor
        if floor is not None and value.single is not None:
            try:
                early = as_date(value.single) < floor
            except Uncertain:
                early = False
            if early and lower == EPOCH_TIME:
                value = ContextValue((str(math.ceil(floor.timestamp())),), type=value.type)
            elif early:  # whole seconds, not before the floor
                up = timedelta(
                    microseconds=-floor.microsecond, seconds=1 if floor.microsecond else 0
                )
                value = ContextValue((_date_text(floor, up),), type=value.type)
        out.append((key, value))
    return out
