"""One concrete request decided through z3 (every key free but fixed to the request's value):
`simulate --engine solver`, and the differential tests of the encoding against the evaluator.
"""

from __future__ import annotations

import ipaddress
from decimal import Decimal

import z3

from iamgraph import deadline
from iamgraph.catalog import catalog
from iamgraph.evaluate.conditions import as_date
from iamgraph.evaluate.layers import Outcome, PolicySet
from iamgraph.evaluate.matching import Uncertain
from iamgraph.evaluate.request import ContextValue, Request
from iamgraph.model.operators import Family, numeric_value
from iamgraph.solvers.context import Key, Rep, SymContext, key_usage
from iamgraph.solvers.encode import Encoder, Term
from iamgraph.verdict import DEFAULT_TIMEOUT_MS


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
        return numeric_value(v)
    except Uncertain:
        return None


def outcome_of(
    ps: PolicySet, request: Request, timeout_ms: int = DEFAULT_TIMEOUT_MS
) -> tuple[Outcome, tuple[str, ...]]:
    """Decide one concrete request with z3 (every key free but fixed to the request's value)."""
    if deadline.expired():
        return Outcome.UNKNOWN, (deadline.REASON,)
    usage = key_usage(ps.policies())
    ctx = SymContext(usage, {}, request=request.context)
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
        s.set("timeout", deadline.clamp_ms(timeout_ms))
        s.add(*base, z3.Not(f))
        r = s.check()
        return None if r == z3.unknown else r == z3.unsat

    def never(f: z3.BoolRef) -> bool | None:
        s = z3.Solver()
        s.set("timeout", deadline.clamp_ms(timeout_ms))
        s.add(*base, f)
        r = s.check()
        return None if r == z3.unknown else r == z3.unsat

    if always(enc.denied):
        return Outcome.EXPLICIT_DENY, ()
    if never(enc.denied) is not True:
        return Outcome.UNKNOWN, tuple(enc.havoc) or (deadline.or_reason("solver timeout"),)
    if always(enc.allowed):
        return Outcome.ALLOWED, ()
    if never(enc.allowed):
        return Outcome.IMPLICIT_DENY, ()
    return Outcome.UNKNOWN, tuple(enc.havoc) or (deadline.or_reason("solver timeout"),)
