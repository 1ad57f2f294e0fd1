"""Condition operators (C1-C18, V1-V5, M1-M5): one comparison per operator family.

A condition block is true only if every condition in it is true (C6). What AWS's documentation
does not settle raises `Uncertain`, so the decision becomes `unknown` rather than a guess.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import ipaddress
import re
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

from iamgraph.evaluate.matching import MISSING, Uncertain, glob_match, parts_glob, substitute
from iamgraph.evaluate.request import CURRENT_TIME, EPOCH_TIME, TOKEN_ISSUE_TIME, Request
from iamgraph.model.operators import Family, OperatorSpec, numeric_value
from iamgraph.model.patterns import Glob
from iamgraph.model.policy import Condition

Compare = Callable[[OperatorSpec, str, str], bool]  # (operator, request value, policy value)


def _number(text: str) -> Decimal:
    number = numeric_value(text)
    if number is None:
        raise Uncertain(f"{text!r} is not a number")
    return number


def as_date(text: str) -> datetime:
    t = text.strip()
    try:
        if re.fullmatch(r"-?\d+(\.\d+)?", t):
            return datetime.fromtimestamp(float(t), UTC)  # epoch seconds (C14)
        parsed = datetime.fromisoformat(t[:-1] + "+00:00" if t.endswith("Z") else t)
    except (ValueError, OverflowError, OSError):
        raise Uncertain(f"{text!r} is not an ISO-8601 or epoch date") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _ordered(op: OperatorSpec, left, right) -> bool:
    return {
        "equals": left == right,
        "lt": left < right,
        "le": left <= right,
        "gt": left > right,
        "ge": left >= right,
    }[op.comparison]


def compare_string(op: OperatorSpec, value: str, policy: str | Glob) -> bool:
    if isinstance(policy, Glob):  # a Like pattern with substituted variables
        return policy.matches(value)
    if op.comparison == "like":  # C11: `*` and `?` anywhere, case-sensitive
        return glob_match(policy, value)
    if op.ignore_case:
        return value.casefold() == policy.casefold()
    return value == policy  # C10


def compare_numeric(op: OperatorSpec, value: str, policy: str) -> bool:
    return _ordered(op, _number(value), _number(policy))  # C13


def compare_date(op: OperatorSpec, value: str, policy: str) -> bool:
    return _ordered(op, as_date(value), as_date(policy))  # C14


def compare_bool(op: OperatorSpec, value: str, policy: str) -> bool:
    return value.strip().lower() == policy.strip().lower()  # C15


def compare_binary(op: OperatorSpec, value: str, policy: str) -> bool:
    try:  # C18: the policy holds base-64 text; compare the bytes
        return base64.b64decode(value, validate=True) == base64.b64decode(policy, validate=True)
    except (binascii.Error, ValueError):
        raise Uncertain(f"{policy!r} or {value!r} is not base-64") from None


def compare_ip(op: OperatorSpec, value: str, policy: str) -> bool:
    try:  # C16: CIDR, IPv4 or IPv6
        address = ipaddress.ip_address(value.strip())
        network = ipaddress.ip_network(policy.strip(), strict=False)
    except ValueError:
        raise Uncertain(f"{value!r} or {policy!r} is not an IP address or CIDR") from None
    return address.version == network.version and address in network


def compare_arn(op: OperatorSpec, value: str, policy: str | Glob) -> bool:
    """C17: per colon-delimited segment, case-sensitive; `*` cannot span `:`."""
    if isinstance(policy, Glob):
        return policy.matches(value)
    got, want = value.split(":", 5), policy.split(":", 5)
    if len(got) != len(want):
        return False
    return all(glob_match(w, g, colon=False) for w, g in zip(want, got, strict=True))


COMPARE: dict[Family, Compare] = {
    Family.STRING: compare_string,
    Family.NUMERIC: compare_numeric,
    Family.DATE: compare_date,
    Family.BOOL: compare_bool,
    Family.BINARY: compare_binary,
    Family.IP: compare_ip,
    Family.ARN: compare_arn,
}


def condition_holds(cond: Condition, request: Request, variables: bool) -> bool:
    """One condition (one operator, one key, its values) against the request context."""
    spec = cond.parsed.spec
    entry = request.get(cond.key)
    if spec.family is Family.NULL:  # C4: "true" means absent, "false" means present
        absent = entry is None or not entry.values
        return any(v.strip().lower() == ("true" if absent else "false") for v in cond.values)
    if entry is None or (not entry.values and not cond.qualifier):
        if cond.if_exists:
            return True  # C3
        if cond.qualifier == "ForAllValues":
            return True  # C8
        if cond.qualifier == "ForAnyValue":
            return False  # C9
        return spec.negated  # C1, C2
    policy_values = _policy_values(cond, request, variables)
    compare = COMPARE[spec.family]

    def matches_one(value: str) -> bool:  # C5: values are ORed
        return any(p is not MISSING and compare(spec, value, p) for p in policy_values)

    def holds(value: str) -> bool:  # C7: a negated operator is NOR over the policy values
        if spec.negated:
            return not matches_one(value)
        return matches_one(value)

    if cond.qualifier == "ForAllValues":
        return all(holds(v) for v in entry.values)  # C8: true for an empty set
    if cond.qualifier == "ForAnyValue":
        return any(holds(v) for v in entry.values)  # C9
    if len(entry.values) != 1:
        raise Uncertain(
            f"{cond.operator} on {cond.key}, which has {len(entry.values)} values, without "
            "ForAllValues/ForAnyValue (C11)"
        )
    return holds(entry.values[0])


def _policy_values(cond: Condition, request: Request, variables: bool) -> list:
    """Policy values with variables substituted (V1-V5): a string, a compiled pattern for Like
    operators (substituted text and `${*}` escapes are literal), or MISSING."""
    spec = cond.parsed.spec
    out: list = []
    for raw in cond.values:
        if "${" in raw and variables:
            if spec.family is Family.BOOL:
                raise Uncertain(f"policy variable in a Bool condition: {raw!r} (C15)")
            if not spec.variables:
                raise Uncertain(f"policy variable where {spec.name} takes none: {raw!r}")
            parts = substitute(raw, request, variables)
            if parts is MISSING:
                out.append(MISSING)  # V2: StringEquals is false, StringNotEquals true
            elif spec.wildcards:
                colon = spec.family is not Family.ARN
                out.append(parts_glob(parts, colon=colon))
            else:
                out.append("".join(p for p, _ in parts))
        else:
            out.append(raw)
    return out


def time_problems(
    request: Request, read: set[str] | frozenset[str] = frozenset()
) -> tuple[str, ...]:
    """Why no credential usable at the request's `clock` could send this context (KEYS:
    aws:TokenIssueTime only on temporary credentials; aws:CurrentTime and aws:EpochTime always
    present, never before the floor; a token issued no later than the request). Empty: it
    could, or the request has no clock. `read` names the keys the policies read (lower-cased):
    only those must be present, since an absent key no policy reads changes no decision."""
    clock = request.clock
    if clock is None:
        return ()
    out: list[str] = []

    def name(key: str) -> str:
        return request.names.get(key, key)

    token = request.get(TOKEN_ISSUE_TIME)
    if clock.temporary is False and token is not None:
        out.append(f"{name(TOKEN_ISSUE_TIME)} on long-term access keys (only sessions carry it)")
    must = [CURRENT_TIME, EPOCH_TIME] + ([TOKEN_ISSUE_TIME] if clock.temporary else [])
    out += [
        f"{name(k)} missing: every such request carries it"
        for k in must
        if k in read and request.get(k) is None
    ]
    floors = {
        TOKEN_ISSUE_TIME: clock.token_floor,
        CURRENT_TIME: clock.floor,
        EPOCH_TIME: clock.floor,
    }
    times: dict[str, list[datetime]] = {}
    for key, floor in floors.items():
        times[key] = _times(request, key)
        early = [t for t in times[key] if floor is not None and t < floor]
        if early:
            out.append(
                f"{name(key)} {min(early).isoformat()} is before {floor.isoformat()}, the earliest"
                " a credential usable now allows (the snapshot's collection time)"
            )
    for key in (CURRENT_TIME, EPOCH_TIME):
        if (
            times[TOKEN_ISSUE_TIME]
            and times[key]
            and max(times[TOKEN_ISSUE_TIME]) > min(times[key])
        ):
            out.append(f"{name(TOKEN_ISSUE_TIME)} is after the request's {name(key)}")
    return tuple(out)


def _times(request: Request, key: str) -> list[datetime]:
    """The key's values as instants; values that are not dates are left to the operators."""
    entry = request.get(key)
    out = []
    for v in entry.values if entry else ():
        with contextlib.suppress(Uncertain):
            out.append(as_date(v))
    return out
