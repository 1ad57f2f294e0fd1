"""The symbolic request context: for every condition key a presence bit and a typed value.

Input: how the policies use each key (`usage`), the keys the credential pins, and the MFA
modes a query allows. Output: z3 variables and the constraints that keep them well-formed,
and the reverse step from a z3 model to concrete `ContextValue`s for the witness.
A key the policies use in incompatible ways (a string here, a number there) is `opaque`: the
encoder then treats conditions on it as unknown Booleans (sound for proofs, checked by replay).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, getcontext
from enum import StrEnum

import z3

from iamgraph.evaluate.request import (
    CURRENT_TIME,
    EPOCH_TIME,
    MAX_SESSION,
    TIME_KEYS,
    TOKEN_ISSUE_TIME,
    ContextValue,
)
from iamgraph.model.operators import Family
from iamgraph.model.policy import Policy

MAX_ELEMENTS = 4


class Rep(StrEnum):
    STRING = "string"
    REAL = "real"  # Numeric, and Date as epoch seconds
    IP = "ip"
    PRESENCE = "presence"  # only Null conditions read it
    OPAQUE = "opaque"


_REP = {
    Family.STRING: Rep.STRING,
    Family.ARN: Rep.STRING,
    Family.BOOL: Rep.STRING,
    Family.NUMERIC: Rep.REAL,
    Family.DATE: Rep.REAL,
    Family.IP: Rep.IP,
    Family.BINARY: Rep.OPAQUE,
}


@dataclass
class Usage:
    """How the policies read one key."""

    name: str
    reps: set[Rep] = field(default_factory=set)
    families: set[Family] = field(default_factory=set)
    qualified: int = 0  # ForAllValues / ForAnyValue conditions
    plain: bool = False

    @property
    def rep(self) -> Rep:
        reps = self.reps - {Rep.PRESENCE}
        if not reps:
            return Rep.PRESENCE
        return reps.pop() if len(reps) == 1 else Rep.OPAQUE

    @property
    def multi(self) -> bool:
        return self.qualified > 0


def key_usage(policies: Iterable[Policy]) -> dict[str, Usage]:
    out: dict[str, Usage] = {}
    for policy in policies:
        for st in policy.statements:
            for cond in st.conditions:
                u = out.setdefault(cond.key.lower(), Usage(cond.key))
                fam = cond.parsed.spec.family
                u.families.add(fam)
                u.reps.add(Rep.PRESENCE if fam is Family.NULL else _REP[fam])
                if cond.qualifier:
                    u.qualified += 1
                elif fam is not Family.NULL:
                    u.plain = True
            if policy.variables_enabled:  # keys read through `${...}` are single strings (V1)
                texts = [*(st.resources or ()), *(v for c in st.conditions for v in c.values)]
                for name in _variables(texts):
                    u = out.setdefault(name.lower(), Usage(name))
                    u.reps.add(Rep.STRING)
                    u.families.add(Family.STRING)
                    u.plain = True
    return out


def _variables(texts: Iterable[str]) -> list[str]:
    names = []
    for text in texts:
        for inner in re.findall(r"\$\{([^}]*)\}", text):
            if inner not in ("*", "?", "$"):
                names.append(inner.split(",", 1)[0].strip())
    return names


@dataclass
class Key:
    name: str
    usage: Usage
    present: z3.BoolRef
    value: z3.ExprRef | None = None  # single value (String, Real, or the IP address bits)
    v6: z3.BoolRef | None = None
    count: z3.ArithRef | None = None  # multivalued: how many values
    elems: list[z3.ExprRef] = field(default_factory=list)
    elem_v6: list[z3.BoolRef] = field(default_factory=list)  # per element of an IP set


class SymContext:
    """z3 variables for the free keys; pinned keys stay concrete (see `pinned`)."""

    def __init__(
        self,
        usage: dict[str, Usage],
        pinned: dict[str, ContextValue],
        tag: str = "",
        fixed: Callable[[str], bool] | None = None,
        request: Mapping[str, ContextValue] | None = None,
    ) -> None:
        self.usage = usage
        self.pinned = pinned  # lower-cased key -> value the credential fixes
        # one concrete request's context (`outcome_of`): every key stays symbolic for the
        # conditions, but a policy variable reads its value (V1-V3; a key not in it is absent)
        # and a list gets as many elements as it holds
        self.request = request
        # keys the credential fixes but does not carry (a tag the principal lacks): absent
        self.fixed = fixed
        self.absent = {k for k in usage if k not in pinned and fixed is not None and fixed(k)}
        self.keys: dict[str, Key] = {}
        self.constraints: list[z3.BoolRef] = []
        self.tag = tag
        for lower, u in usage.items():
            if lower not in pinned and lower not in self.absent:
                self.keys[lower] = self._make(lower, u)

    def known(self, lower: str) -> bool:
        """Is the key's value (or its absence) fixed rather than chosen by the caller?"""
        return lower in self.pinned or (self.fixed is not None and self.fixed(lower))

    def substitutable(self, lower: str) -> bool:
        """Can a policy variable of this key be replaced by its value (or its absence)?"""
        return self.request is not None or self.known(lower)

    def _make(self, lower: str, u: Usage) -> Key:
        t = f"{self.tag}{u.name}"
        key = Key(u.name, u, z3.Bool(f"present[{t}]"))
        rep = u.rep
        if u.multi:  # sets of strings, numbers and IP addresses
            make = {
                Rep.STRING: z3.String,
                Rep.REAL: z3.Real,
                Rep.IP: lambda name: z3.BitVec(name, 128),
            }.get(rep)
            if make is not None:
                # one element per condition that may need a witness element suffices
                n = max(1, min(MAX_ELEMENTS, u.qualified + (1 if u.plain else 0)))
                given = self.request.get(lower) if self.request is not None else None
                if given is not None:  # a concrete list: room for every value it holds
                    n = max(n, len(given.values))
                key.count = z3.Int(f"count[{t}]")
                key.elems = [make(f"{t}[{i}]") for i in range(n)]
                self.constraints += [key.count >= 0, key.count <= n]
                if rep is Rep.IP:
                    key.elem_v6 = [z3.Bool(f"v6[{t}][{i}]") for i in range(n)]
                    self.constraints += [
                        _ip_shape(e, v6) for e, v6 in zip(key.elems, key.elem_v6, strict=True)
                    ]
            return key
        if rep is Rep.STRING:
            key.value = z3.String(t)
        elif rep is Rep.REAL:
            key.value = z3.Real(t)
        elif rep is Rep.IP:
            key.value = z3.BitVec(t, 128)
            key.v6 = z3.Bool(f"v6[{t}]")
            self.constraints.append(_ip_shape(key.value, key.v6))
        return key

    def key(self, name: str) -> Key | None:
        return self.keys.get(name.lower())

    def time_constraint(self, temporary: bool | None, floor: datetime | None) -> z3.BoolRef:
        """The time keys a credential can carry (`iamgraph.request.Clock`, KEYS): aws:CurrentTime
        and aws:EpochTime always, never before `floor`; aws:TokenIssueTime only on a session
        (`temporary`; absent on access keys, either when None), issued at most `MAX_SESSION`
        before `floor` and not after the request. `floor` None: any time (over-approximation).
        Only free keys are constrained; pinned ones were decided by whoever pinned them."""
        parts: list[z3.BoolRef] = []
        seconds = None if floor is None else floor.timestamp()
        for k in TIME_KEYS:  # one value each, even where a policy reads it as a set
            key = self.keys.get(k)
            if key is not None and key.count is not None:
                parts.append(z3.Implies(key.present, key.count == 1))
        token = self.keys.get(TOKEN_ISSUE_TIME)
        if token is not None and temporary is False:
            parts.append(z3.Not(token.present))
        elif token is not None and temporary:
            parts.append(token.present)
            if seconds is not None:
                parts += _at_least(token, seconds - MAX_SESSION.total_seconds())
        now = [self.keys[k] for k in (CURRENT_TIME, EPOCH_TIME) if k in self.keys]
        for key in now:
            parts.append(key.present)
            if seconds is not None:
                parts += _at_least(key, seconds)
            if token is not None and temporary is not False:
                a, b = _instant(token), _instant(key)
                if a is not None and b is not None:  # a token is issued before it is used
                    parts.append(z3.Implies(z3.And(token.present, key.present), a <= b))
        return z3.And(*parts) if parts else z3.BoolVal(True)

    def values(self, model: z3.ModelRef) -> list[tuple[str, ContextValue]]:
        """The concrete context a model stands for (free keys that are present)."""
        out = []
        for key in self.keys.values():
            if not z3.is_true(model.eval(key.present, model_completion=True)):
                continue
            if key.count is not None:
                n = model.eval(key.count, model_completion=True).as_long()
                vals = tuple(self._element(model, key, i) for i in range(n))
                out.append((key.name, ContextValue(vals, multi=True, type=_type(key.usage))))
            elif key.value is not None:
                out.append(
                    (key.name, ContextValue((self._scalar(model, key),), type=_type(key.usage)))
                )
            else:
                out.append((key.name, ContextValue(("x",))))  # only its presence matters
        return out

    def _element(self, model: z3.ModelRef, key: Key, i: int) -> str:
        v = model.eval(key.elems[i], model_completion=True)
        if key.usage.rep is Rep.IP:
            return _address(model, v, key.elem_v6[i])
        return v.as_string() if key.usage.rep is Rep.STRING else _decimal(v)

    def _scalar(self, model: z3.ModelRef, key: Key) -> str:
        v = model.eval(key.value, model_completion=True)
        if key.usage.rep is Rep.STRING:
            return v.as_string()
        if key.usage.rep is Rep.REAL:
            return _decimal(v)
        return _address(model, v, key.v6)


def _instant(key: Key) -> z3.ArithRef | None:
    """A time key's one value as epoch seconds, where it is encoded as a single number."""
    if key.usage.rep is not Rep.REAL:
        return None
    if key.count is not None:
        return key.elems[0]
    return key.value


def _at_least(key: Key, seconds: float) -> list[z3.BoolRef]:
    """A time key's value, where encoded as a number, is at least `seconds` (epoch)."""
    value = _instant(key)
    if value is None:  # read as a string or in several ways: left free, the replay checks it
        return []
    return [z3.Implies(key.present, value >= z3.RealVal(str(Decimal(str(seconds)))))]


def _ip_shape(bits: z3.BitVecRef, v6: z3.BoolRef) -> z3.BoolRef:
    """An IPv4 address is a 128-bit value below 2**32."""
    return z3.Or(v6, z3.ULT(bits, z3.BitVecVal(1 << 32, 128)))


def _address(model: z3.ModelRef, v: z3.ExprRef, v6: z3.BoolRef) -> str:
    bits = v.as_long()
    if z3.is_true(model.eval(v6, model_completion=True)):
        return str(ipaddress.IPv6Address(bits))
    return str(ipaddress.IPv4Address(bits & 0xFFFFFFFF))


def _decimal(v: z3.ExprRef) -> str:
    frac = v.as_fraction()
    getcontext().prec = 50
    return format((Decimal(frac.numerator) / Decimal(frac.denominator)).normalize(), "f")


def _type(u: Usage) -> str:
    if u.families <= {Family.BOOL, Family.NULL}:
        return "boolean"
    return {Rep.REAL: "numeric", Rep.IP: "ip"}.get(u.rep, "string")
