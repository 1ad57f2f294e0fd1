"""A PolicySet's decision as one z3 formula, mirroring `iamgraph.evaluate.layers` name by name.

Input: a `PolicySet` (the same object the evaluator takes), the request's action (a name, or a
z3 integer over catalog ids), its resource (an ARN, or a z3 string), and a `SymContext`.
Output: `allowed` and `denied` formulas. What is concrete (the caller, pinned keys) is decided in
Python with the evaluator's own matchers, so both engines agree by construction there; free
keys, symbolic actions and resources are encoded. Anything not encoded exactly becomes a fresh
Boolean ("havoc"), recorded in `havoc`: a proof with havocs is still a proof (the true value is
one of the choices), and every witness is replayed through the evaluator before it is shown.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from dataclasses import dataclass, field
from decimal import Decimal

import z3

from iamgraph.catalog import catalog
from iamgraph.evaluate.conditions import as_date, condition_holds
from iamgraph.evaluate.layers import PolicySet
from iamgraph.evaluate.matching import (
    Uncertain,
    action_matches,
    not_principal_excludes,
    principal_match,
    resource_matches,
    substitute,
)
from iamgraph.evaluate.request import CallerType, Request
from iamgraph.model.operators import Family, numeric_value
from iamgraph.model.patterns import Token, glob_tokens, intersects
from iamgraph.model.policy import Condition, Effect, Policy, Statement
from iamgraph.solvers import regex
from iamgraph.solvers.context import Key, Rep, SymContext


@dataclass
class Term:
    """The request's action and resource: concrete strings, or z3 terms."""

    action: str | z3.ArithRef
    resource: str | z3.SeqRef
    resource_pattern: str | None = None  # what a symbolic resource ranges over


@dataclass
class Encoded:
    allowed: z3.BoolRef
    denied: z3.BoolRef  # an explicit Deny applies
    havoc: list[str] = field(default_factory=list)
    allows: list[z3.BoolRef] = field(default_factory=list)  # each identity/resource Allow
    havoc_vars: list[z3.BoolRef] = field(default_factory=list)  # the Booleans left open


class Encoder:
    def __init__(self, ps: PolicySet, term: Term, ctx: SymContext, tag: str = "") -> None:
        self.ps = ps
        self.tag = tag  # keeps the havocs of two encodings over one context apart
        self.term = term
        self.ctx = ctx
        self.havoc: list[str] = []
        self.havoc_vars: list[z3.BoolRef] = []
        # what policy variables read: the pinned keys, or the whole request `outcome_of` decides
        names = {**(ctx.request or {}), **ctx.pinned}
        self.pinned_request = Request(
            term.action if isinstance(term.action, str) else "",
            term.resource if isinstance(term.resource, str) else "",
            names,
            {k: k for k in names},
        )

    def fresh(self, why: str, same: tuple | None = None) -> z3.BoolRef:
        """A Boolean for what is not encoded. `same` names the truth value it stands for by
        content (a condition's, a Resource element's over the term's resource), which is one
        value per request whatever the reason it is not encoded: equal contents share one
        Boolean, in this encoding and in another over the same context and term, so two
        policies that spell one element alike stay alike (`diff-policy`)."""
        self.havoc.append(why)
        if same is None:
            var = z3.Bool(f"havoc[{self.tag}{len(self.havoc)}]")
        else:
            digest = hashlib.sha256(repr(same).encode()).hexdigest()[:20]
            var = z3.Bool(f"havoc[={digest}]")
        if not any(var.eq(v) for v in self.havoc_vars):
            self.havoc_vars.append(var)
        return var

    # -- statement_applies -------------------------------------------------------------------
    def applies(self, policy: Policy, st: Statement) -> z3.BoolRef | bool:
        """False when it certainly does not apply (so callers can skip it)."""
        if st.principal is not None:
            if st.not_principal:
                if not_principal_excludes(st.principal, self.ps.caller):
                    return False
            elif principal_match(st.principal, self.ps.caller) is None:
                return False
        action = self.action(st)
        if action is False:
            return False
        res = self.resource(policy, st)
        if res is False:
            return False
        conds = [self.condition(policy, c) for c in st.conditions]
        if any(c is False for c in conds):
            return False
        parts = [p for p in (action, res, *conds) if p is not True]
        return z3.And(*parts) if parts else True

    def action(self, st: Statement) -> z3.BoolRef | bool:
        a = self.term.action
        cat = catalog()
        if isinstance(a, str):
            info = cat.lookup(a)
            if info is None:  # not in the catalog: match the name as the evaluator does
                return action_matches(st.actions, a) != st.not_action
            inside = any(lo <= info.id < hi for p in st.actions for lo, hi in cat.intervals(p))
            return inside != st.not_action
        spans = [iv for p in st.actions for iv in cat.intervals(p)]
        inside = (
            z3.Or(*[z3.And(a >= lo, a < hi) for lo, hi in spans]) if spans else z3.BoolVal(False)
        )
        return z3.Not(inside) if st.not_action else inside

    def resource(self, policy: Policy, st: Statement) -> z3.BoolRef | bool:
        if st.resources is None:
            return True
        r = self.term.resource
        if isinstance(r, str):
            if any(self._free_variable(p, policy) for p in st.resources):
                if not any(_may_hold(p, r) for p in st.resources):
                    return st.not_resource  # no value of the variables lets a pattern match
                return self.fresh(
                    f"Resource with a variable of a free key in {_where(policy, st)}",
                    ("resource", st.resources, st.not_resource, r, True),
                )
            try:
                hit = resource_matches(
                    st.resources, r, self.pinned_request, policy.variables_enabled
                )
            except Uncertain as exc:
                return self.fresh(
                    str(exc),
                    ("resource", st.resources, st.not_resource, r, policy.variables_enabled),
                )
            return hit != st.not_resource
        terms = [self._resource_term(policy, st, p, r) for p in st.resources]
        inside = z3.Or(*terms)
        return z3.Not(inside) if st.not_resource else inside

    def _resource_term(self, policy: Policy, st: Statement, pattern: str, r: z3.SeqRef):
        if pattern == "*":
            return z3.BoolVal(True)
        wild = regex.too_wild(pattern)
        if wild is not None:
            return self.fresh(f"Resource: {wild}", ("pattern", pattern, str(r)))
        if self._free_variable(pattern, policy):
            if self.term.resource_pattern is not None and not _may_hold(
                pattern, self.term.resource_pattern
            ):
                return z3.BoolVal(False)
            return self.fresh(
                f"Resource {pattern!r} uses a variable of a free key", ("pattern", pattern, str(r))
            )
        text = pattern
        if policy.variables_enabled and "${" in pattern:
            try:
                parts = substitute(pattern, self.pinned_request, True)
            except Uncertain as exc:  # a list read as a variable (V1), unknown there too
                return self.fresh(str(exc), ("pattern", pattern, str(r)))
            if parts is None:  # V2: a variable of an absent key: the pattern matches nothing
                return z3.BoolVal(False)
            # substituted values and escapes are literal, even `*`, `?` and `:` (V1, V5)
            text = "".join(piece for piece, _ in parts)
            query = self.term.resource_pattern
            if query is not None and not intersects(glob_tokens(_loose(parts)), glob_tokens(query)):
                return z3.BoolVal(False)
            return z3.InRe(r, regex.resource_parts(tuple(parts)))
        if text.count(":") < 5:  # P3: only a `*` that ends a segment crosses `:`
            return z3.InRe(r, regex.short_resource(text))
        query = self.term.resource_pattern
        if query is not None:  # decide in Python what holds for the whole query pattern
            if not _may_overlap(text, query):
                return z3.BoolVal(False)
            if _covers(text, query):
                return z3.BoolVal(True)
        return z3.InRe(r, regex.resource(text))

    def _free_variable(self, text: str, policy: Policy) -> bool:
        if not policy.variables_enabled or "${" not in text:
            return False
        for inner in re.findall(r"\$\{([^}]*)\}", text):
            if inner in ("*", "?", "$"):
                continue
            key = inner.split(",", 1)[0].strip().lower()
            if not self.ctx.substitutable(key):
                return True
        return False

    # -- conditions ------------------------------------------------------------------------
    def condition(self, policy: Policy, cond: Condition) -> z3.BoolRef | bool:
        lower = cond.key.lower()
        site = ("condition", cond.operator, lower, cond.values, policy.variables_enabled)
        variables = any(self._free_variable(v, policy) for v in cond.values)
        if self.ctx.known(lower) and not variables:
            try:
                return condition_holds(cond, self.pinned_request, policy.variables_enabled)
            except Uncertain as exc:
                return self.fresh(str(exc), site)
        key = self.ctx.key(cond.key)
        if variables:
            exact = self._equals_free_variable(policy, cond)
            if exact is not None:
                return exact
            return self.fresh(
                f"condition {cond.operator} on {cond.key} reads a free policy variable", site
            )
        if key is None:
            return self.fresh(f"condition {cond.operator} on {cond.key}: key not encoded", site)
        values = self._resolve(cond, policy)
        if values is None:
            return self.fresh(
                f"condition {cond.operator} on {cond.key} with a policy variable", site
            )
        return self._condition(cond, key, values, site)

    def _equals_free_variable(self, policy: Policy, cond: Condition) -> z3.BoolRef | None:
        """StringEquals / StringNotEquals whose values read keys the caller chooses: the value
        becomes a concatenation of literals and those keys' strings, exactly (V1-V3); a variable
        of an absent key matches nothing (V2). None where this is not the case."""
        spec = cond.parsed.spec
        if spec.family is not Family.STRING or spec.comparison != "equals" or spec.ignore_case:
            return None
        if cond.qualifier:
            return None
        lower = cond.key.lower()
        if lower in self.ctx.pinned:
            pinned = self.ctx.pinned[lower]
            if len(pinned.values) != 1:
                return None
            value, present = z3.StringVal(pinned.values[0]), z3.BoolVal(True)
        elif self.ctx.known(lower):
            value, present = z3.StringVal(""), z3.BoolVal(False)
        else:
            key = self.ctx.key(cond.key)
            if key is None or key.value is None or key.usage.rep is not Rep.STRING:
                return None
            value, present = key.value, key.present
        matches = []
        for text in cond.values:
            term = self._string_term(text)
            if term is None:
                return None
            available, expr = term
            matches.append(z3.And(available, value == expr))
        any_match = z3.Or(*matches) if matches else z3.BoolVal(False)
        holds = z3.Not(any_match) if spec.negated else any_match
        missing = z3.BoolVal(True) if cond.if_exists else z3.BoolVal(spec.negated)  # C1-C3
        return z3.If(present, holds, missing)

    def _string_term(self, text: str) -> tuple[z3.BoolRef, z3.SeqRef] | None:
        """`text` with every `${...}` replaced: (whether all its keys are present, the string)."""

        pieces: list[z3.SeqRef] = []
        available: list[z3.BoolRef] = []
        pos = 0
        for m in re.finditer(r"\$\{([^}]*)\}", text):
            pieces.append(z3.StringVal(text[pos : m.start()]))
            pos = m.end()
            inner = m.group(1)
            if inner in ("*", "?", "$"):  # V5
                pieces.append(z3.StringVal(inner))
                continue
            name, _, default = inner.partition(",")
            name = name.strip()
            default_value = default.strip()[1:-1] if default.strip().startswith("'") else None
            lower = name.lower()
            if lower in self.ctx.pinned:
                pinned = self.ctx.pinned[lower]
                if len(pinned.values) != 1 or pinned.multi:
                    return None
                pieces.append(z3.StringVal(pinned.values[0]))
                continue
            key = None if self.ctx.known(lower) else self.ctx.key(name)
            if key is None:  # known to be absent
                if default_value is None:
                    available.append(z3.BoolVal(False))
                else:
                    pieces.append(z3.StringVal(default_value))
                continue
            if key.value is None or key.usage.rep is not Rep.STRING:
                return None
            if default_value is None:
                available.append(key.present)
                pieces.append(key.value)
            else:  # V3
                pieces.append(z3.If(key.present, key.value, z3.StringVal(default_value)))
        pieces.append(z3.StringVal(text[pos:]))
        expr = z3.Concat(*pieces) if len(pieces) > 1 else pieces[0]
        return (z3.And(*available) if available else z3.BoolVal(True)), expr

    def _resolve(self, cond: Condition, policy: Policy) -> list | None:
        """Policy values with known variables substituted (V1-V5): a string, a regex for Like
        operators, or None for a variable whose key is absent (V2). None overall where the
        evaluator would not substitute (non-string operators: `unknown` there too)."""
        if not policy.variables_enabled or not any("${" in v for v in cond.values):
            return list(cond.values)
        spec = cond.parsed.spec
        if spec.family not in (Family.STRING, Family.ARN):
            return None
        out: list = []
        for v in cond.values:
            if "${" not in v:
                out.append(v)
                continue
            try:
                parts = substitute(v, self.pinned_request, True)
            except Uncertain:  # a list read as a variable (V1): the evaluator is unsure too
                return None
            if parts is None:
                out.append(None)
            elif spec.wildcards:
                colon = spec.family is not Family.ARN
                out.append(regex.parts(parts, colon=colon))
            else:
                out.append("".join(piece for piece, _ in parts))
        return out

    def _condition(self, cond: Condition, key: Key, values: list, site: tuple) -> z3.BoolRef:
        spec = cond.parsed.spec
        if spec.comparison == "like" or spec.family is Family.ARN:
            wild = next(filter(None, map(regex.too_wild, cond.values)), None)
            if wild is not None:
                return self.fresh(f"{cond.operator} on {cond.key}: {wild}", site)
        if spec.family is Family.NULL:  # C4: an empty set counts as absent too
            absent = z3.Not(key.present)
            if key.count is not None:
                absent = z3.Or(absent, key.count == 0)
            options = [
                absent if v.strip().lower() == "true" else z3.Not(absent) for v in cond.values
            ]
            options = [
                o
                for o, v in zip(options, cond.values, strict=True)
                if v.strip().lower() in ("true", "false")
            ]
            return z3.Or(*options) if options else z3.BoolVal(False)
        if key.usage.rep is Rep.OPAQUE or (key.value is None and key.count is None):
            return self.fresh(f"{cond.key} is read as several types or as a non-string set", site)
        if cond.if_exists:
            missing = z3.BoolVal(True)  # C3
        elif cond.qualifier == "ForAllValues":
            missing = z3.BoolVal(True)  # C8
        elif cond.qualifier == "ForAnyValue":
            missing = z3.BoolVal(False)  # C9
        else:
            missing = z3.BoolVal(spec.negated)  # C1, C2
        if cond.qualifier:
            if key.count is None:
                return self.fresh(
                    f"{cond.operator} on {cond.key} read as a single value elsewhere", site
                )
            holds = [
                self._holds(cond, key, e, values, _elem_v6(key, i)) for i, e in enumerate(key.elems)
            ]
            if any(h is None for h in holds):
                return self.fresh(f"{cond.operator} on {cond.key}: value not encodable", site)
            inside = [z3.And(i < key.count, h) for i, h in enumerate(holds)]
            if cond.qualifier == "ForAllValues":
                present = z3.And(*[z3.Implies(i < key.count, h) for i, h in enumerate(holds)])
            else:
                present = z3.Or(*inside)
            # a present but empty set: ForAllValues true (C8), ForAnyValue false (C9)
            return z3.If(key.present, present, missing)
        if key.count is not None:  # a plain operator on a set: a single value compares (C11)
            holds = self._holds(cond, key, key.elems[0], values, _elem_v6(key, 0))
            if holds is None:
                return self.fresh(f"{cond.operator} on {cond.key}: value not encodable", site)
            several = self.fresh(
                f"{cond.operator} on several values of {cond.key} (C11)", (*site, "several")
            )
            empty = z3.Or(z3.Not(key.present), key.count == 0)  # read as missing
            return z3.If(empty, missing, z3.If(key.count == 1, holds, several))
        holds = self._holds(cond, key, key.value, values, key.v6)
        if holds is None:
            return self.fresh(f"{cond.operator} on {cond.key}: value not encodable", site)
        return z3.If(key.present, holds, missing)

    def _holds(
        self, cond: Condition, key: Key, value: z3.ExprRef, values: list, v6: z3.BoolRef | None
    ) -> z3.BoolRef | None:
        """The operator on one request value: OR over policy values (C5), NOR if negated (C7)."""
        spec = cond.parsed.spec
        matches = []
        for p in values:
            if p is None:  # V2: a variable of an absent key matches nothing
                continue
            if isinstance(p, z3.ReRef):
                matches.append(z3.InRe(value, p))
                continue
            m = self._compare(spec.family, spec.comparison, spec.ignore_case, value, p, v6)
            if m is None:
                return None
            matches.append(m)
        any_match = z3.Or(*matches) if matches else z3.BoolVal(False)
        return z3.Not(any_match) if spec.negated else any_match

    def _compare(self, family: Family, comparison: str, ignore_case: bool, v, p: str, v6):
        if family is Family.STRING:
            if comparison == "like":
                return z3.InRe(v, regex.glob(p, colon=True))
            if ignore_case:
                return z3.InRe(v, regex.literal(p, ignore_case=True))
            return v == z3.StringVal(p)
        if family is Family.ARN:
            return z3.InRe(v, regex.glob(p, colon=False))
        if family is Family.BOOL:  # C15: compared trimmed and without regard to case
            ws = z3.Star(z3.Union(*[z3.Re(c) for c in " \t\n\r\x0b\x0c"]))
            return z3.InRe(v, z3.Concat(ws, regex.literal(p.strip().lower(), ignore_case=True), ws))
        if family is Family.NUMERIC:
            num = numeric_value(p)
            if num is None:
                return None
            return _order(comparison, v, z3.RealVal(str(num)))
        if family is Family.DATE:
            try:
                when = as_date(p)
            except Uncertain:
                return None
            return _order(comparison, v, z3.RealVal(str(Decimal(str(when.timestamp())))))
        if family is Family.IP:
            try:
                net = ipaddress.ip_network(p.strip(), strict=False)
            except ValueError:
                return None
            width = 32 if net.version == 4 else 128
            shift = width - net.prefixlen
            mask = ((1 << width) - 1) >> shift << shift if shift < width else 0
            if v6 is None:
                return None
            version = z3.Not(v6) if net.version == 4 else v6
            return z3.And(
                version,
                (v & z3.BitVecVal(mask, 128)) == z3.BitVecVal(int(net.network_address), 128),
            )
        return None

    # -- matching and decide ------------------------------------------------------------------
    def matching(self, policies, effect: Effect) -> list[tuple[Statement, z3.BoolRef]]:
        out = []
        for policy in policies:
            for st in policy.statements:
                if st.effect is effect:
                    f = self.applies(policy, st)
                    if f is not False:
                        out.append((st, z3.BoolVal(True) if f is True else f))
        return out

    def decide(self) -> Encoded:
        ps = self.ps
        caller = ps.caller
        layers: list[tuple[Policy, ...]] = [lvl.policies for lvl in ps.scp_levels]
        layers += [lvl.policies for lvl in ps.rcp_levels]
        layers.append(ps.identity)
        for p in (ps.boundary, ps.session, ps.resource_policy):
            if p is not None:
                layers.append((p,))
        deny_terms = [f for policies in layers for _, f in self.matching(policies, Effect.DENY)]
        for missing in ps.unresolved:  # E2: a policy we cannot read might deny
            deny_terms.append(self.fresh(f"policy text not in the snapshot: {missing}"))
        denied = z3.Or(*deny_terms) if deny_terms else z3.BoolVal(False)

        guards = []
        for lvl in (*ps.scp_levels, *ps.rcp_levels):
            allows = [f for _, f in self.matching(lvl.policies, Effect.ALLOW)]
            guards.append(z3.Or(*allows) if allows else z3.BoolVal(False))

        root = caller.type is CallerType.ROOT
        service = caller.type in (CallerType.SERVICE, CallerType.ANONYMOUS, CallerType.WEB_IDENTITY)
        identity = [f for _, f in self.matching(ps.identity, Effect.ALLOW)]
        allows = list(identity)
        identity += [self.fresh(f"policy text not in the snapshot: {m}") for m in ps.unresolved]
        identity_ok = z3.BoolVal(True) if root or service else _any(identity)
        if ps.boundary is None or root:
            boundary_ok = z3.BoolVal(True)
        else:
            boundary_ok = _any([f for _, f in self.matching((ps.boundary,), Effect.ALLOW)])
        session_ok = (
            z3.BoolVal(True)
            if ps.session is None
            else _any([f for _, f in self.matching((ps.session,), Effect.ALLOW)])
        )
        chain = z3.And(identity_ok, boundary_ok, session_ok)
        grants: dict[str, list[z3.BoolRef]] = {}
        if ps.resource_policy is not None:
            for st, f in self.matching((ps.resource_policy,), Effect.ALLOW):
                m = (
                    None
                    if st.principal is None or st.not_principal
                    else principal_match(st.principal, caller)
                )
                grants.setdefault(m.how if m else "everyone", []).append(f)
                allows.append(f)
        kinds = ("user", "session", "everyone", "service", "federated")
        direct = _any([f for k in kinds for f in grants.get(k, [])])
        via_role = _any(grants.get("role", []))
        via_account = _any(grants.get("account", []))

        def combine(same: bool) -> z3.BoolRef:
            if same:
                base = [direct, z3.And(via_role, boundary_ok, session_ok)]
                if ps.resource_policy_required:
                    return z3.Or(*base, z3.And(via_account, chain))
                return z3.Or(*base, chain)
            return z3.And(chain, z3.Or(direct, via_role, via_account))

        if service:
            core = combine(False)
        elif ps.resource_account is None and _account_in_arn(self.term.resource_pattern):
            pattern = regex.with_segment(self.term.resource_pattern, 4, caller.account)
            same = z3.InRe(self.term.resource, regex.resource(pattern))
            core = z3.If(same, combine(True), combine(False))
        elif ps.resource_account is None:  # same- or cross-account: either, the replay decides
            core = z3.If(
                self.fresh("the resource's account is not known"), combine(True), combine(False)
            )
        else:
            core = combine(caller.account == ps.resource_account)
        allowed = z3.And(z3.Not(denied), *guards, core)
        return Encoded(allowed, denied, self.havoc, allows, self.havoc_vars)


def _may_overlap(pattern: str, query: str) -> bool:
    """Can some ARN match both? Segment by segment, as `regex.resource` matches (P3)."""
    a, b = pattern.split(":", 5), query.split(":", 5)
    if len(a) != 6 or len(b) != 6:
        return True
    return all(
        intersects(_tokens(x, i), _tokens(y, i)) for i, (x, y) in enumerate(zip(a, b, strict=True))
    )


def _loose(parts: list[tuple[str, bool]]) -> str:
    """A substituted pattern as one glob (its `*` spans `:`) where a literal `*` or `?` is
    `*`: it matches at least what the pattern matches, so "no overlap" with it is exact."""
    return "".join(
        piece if is_pattern else "".join("*" if c in "*?" else c for c in piece)
        for piece, is_pattern in parts
    )


def _elem_v6(key: Key, i: int) -> z3.BoolRef | None:
    return key.elem_v6[i] if key.elem_v6 else None


def _may_hold(pattern: str, query: str) -> bool:
    """Can some value of the pattern's variables make it match an ARN of `query`? Each
    variable becomes `*` and the whole ARN one glob (a value may even hold `:`): a superset of
    what the pattern matches, so `False` is exact."""
    loose = re.sub(r"\$\{[^}]*\}", "*", pattern)
    return intersects(glob_tokens(loose), glob_tokens(query))


def _tokens(segment: str, index: int) -> tuple[Token, ...]:
    """Wildcards of the first five segments cannot cross `:`; the resource part's can."""
    if index == 5:
        return glob_tokens(segment)
    return tuple(
        Token(excluded=_COLON, repeat=True)
        if c == "*"
        else Token(excluded=_COLON)
        if c == "?"
        else Token(chars=c)
        for c in segment
    )


_COLON = frozenset(":")


def _covers(pattern: str, query: str) -> bool:
    """Does every ARN matching `query` match `pattern`? Only the sure case: `pattern` is a
    literal prefix holding all five colons, then `*`, and `query` starts with that prefix."""
    if not pattern.endswith("*") or any(c in pattern[:-1] for c in "*?"):
        return False
    prefix = pattern[:-1]
    return (
        prefix.count(":") >= 5
        and query.startswith(prefix)
        and not any(c in query[: len(prefix)] for c in "*?")
    )


def _account_in_arn(pattern: str | None) -> bool:
    """Does a resource pattern carry the account (unlike S3 buckets), so that "same account"
    can be read off the ARN?"""
    return bool(pattern) and pattern.count(":") >= 5 and pattern.split(":", 5)[4] != ""


def _any(terms: list[z3.BoolRef]) -> z3.BoolRef:
    return z3.Or(*terms) if terms else z3.BoolVal(False)


def _order(comparison: str, left, right) -> z3.BoolRef:
    return {
        "equals": left == right,
        "lt": left < right,
        "le": left <= right,
        "gt": left > right,
        "ge": left >= right,
    }[comparison]


def _where(policy: Policy, st: Statement) -> str:
    return f"{policy.name or policy.source.file} statement {st.sid or st.index}"
