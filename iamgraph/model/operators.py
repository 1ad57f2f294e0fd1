"""The condition operators AWS documents, one entry each (SEMANTICS.md C1-C18).

The parser accepts an operator only if its base name is in `OPERATORS`; anything else is an
input error, never silently false. Names are matched case-insensitively and canonicalised.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum

# C13 compares "integer or decimal values". `NaN`, `Infinity` and values past a double's range
# (`1e9999`) name no number AWS is known to compare, and z3 cannot read the first two: the
# evaluator and the solver both read numbers through `numeric_value`, so both say unknown on
# the same values, and no huge exponent or digit string reaches z3.
MAX_EXPONENT = 308
MAX_DIGITS = 400


class Family(StrEnum):
    STRING = "String"
    NUMERIC = "Numeric"
    DATE = "Date"
    BOOL = "Bool"
    BINARY = "Binary"
    IP = "IpAddress"
    ARN = "Arn"
    NULL = "Null"


@dataclass(frozen=True)
class OperatorSpec:
    """One base operator: its family, comparison, and the documented restrictions."""

    name: str
    family: Family
    comparison: str  # equals | like | lt | le | gt | ge | in_cidr | null
    negated: bool = False
    ignore_case: bool = False
    variables: bool = False  # policy variables allowed in values (V1, C13, C14, C16, C18)
    wildcards: bool = False  # `*` and `?` in values (C11, C17)


def _ops(*specs: OperatorSpec) -> dict[str, OperatorSpec]:
    return {s.name: s for s in specs}


S, N, D, A = Family.STRING, Family.NUMERIC, Family.DATE, Family.ARN

OPERATORS: dict[str, OperatorSpec] = _ops(
    OperatorSpec("StringEquals", S, "equals", variables=True),
    OperatorSpec("StringNotEquals", S, "equals", negated=True, variables=True),
    OperatorSpec("StringEqualsIgnoreCase", S, "equals", ignore_case=True, variables=True),
    OperatorSpec(
        "StringNotEqualsIgnoreCase", S, "equals", negated=True, ignore_case=True, variables=True
    ),
    OperatorSpec("StringLike", S, "like", variables=True, wildcards=True),
    OperatorSpec("StringNotLike", S, "like", negated=True, variables=True, wildcards=True),
    OperatorSpec("NumericEquals", N, "equals"),
    OperatorSpec("NumericNotEquals", N, "equals", negated=True),
    OperatorSpec("NumericLessThan", N, "lt"),
    OperatorSpec("NumericLessThanEquals", N, "le"),
    OperatorSpec("NumericGreaterThan", N, "gt"),
    OperatorSpec("NumericGreaterThanEquals", N, "ge"),
    OperatorSpec("DateEquals", D, "equals"),
    OperatorSpec("DateNotEquals", D, "equals", negated=True),
    OperatorSpec("DateLessThan", D, "lt"),
    OperatorSpec("DateLessThanEquals", D, "le"),
    OperatorSpec("DateGreaterThan", D, "gt"),
    OperatorSpec("DateGreaterThanEquals", D, "ge"),
    OperatorSpec("Bool", Family.BOOL, "equals"),
    OperatorSpec("BinaryEquals", Family.BINARY, "equals"),
    OperatorSpec("IpAddress", Family.IP, "in_cidr"),
    OperatorSpec("NotIpAddress", Family.IP, "in_cidr", negated=True),
    OperatorSpec("ArnEquals", A, "like", variables=True, wildcards=True),
    OperatorSpec("ArnLike", A, "like", variables=True, wildcards=True),
    OperatorSpec("ArnNotEquals", A, "like", negated=True, variables=True, wildcards=True),
    OperatorSpec("ArnNotLike", A, "like", negated=True, variables=True, wildcards=True),
    OperatorSpec("Null", Family.NULL, "null"),
)

_BY_LOWER = {name.lower(): spec for name, spec in OPERATORS.items()}

QUALIFIERS = ("ForAllValues", "ForAnyValue")


@dataclass(frozen=True)
class ParsedOperator:
    """`ForAllValues:StringNotEqualsIfExists` split into its parts."""

    spec: OperatorSpec
    qualifier: str  # "", "ForAllValues" or "ForAnyValue"
    if_exists: bool

    @property
    def name(self) -> str:
        prefix = f"{self.qualifier}:" if self.qualifier else ""
        return f"{prefix}{self.spec.name}{'IfExists' if self.if_exists else ''}"


class OperatorError(ValueError):
    """An operator AWS does not accept, with the reason in words."""


def parse_operator(text: str) -> ParsedOperator:
    """Split an operator as written into qualifier, base and IfExists (names in any case)."""
    qualifier = ""
    rest = text
    if ":" in text:
        head, rest = text.split(":", 1)
        matches = [q for q in QUALIFIERS if q.lower() == head.lower()]
        if not matches:
            raise OperatorError(
                f"unknown condition operator {text!r}: the qualifier must be ForAllValues or "
                "ForAnyValue"
            )
        qualifier = matches[0]
    if_exists = False
    spec = _BY_LOWER.get(rest.lower())
    if spec is None and rest.lower().endswith("ifexists"):
        spec = _BY_LOWER.get(rest[: -len("IfExists")].lower())
        if_exists = True
        if spec is not None and spec.family is Family.NULL:
            raise OperatorError(f"{text!r}: Null cannot take IfExists (C3)")
    if spec is None:
        raise OperatorError(f"unknown condition operator {text!r}")
    if qualifier and spec.family is Family.NULL:
        raise OperatorError(f"{text!r}: Null cannot take ForAllValues or ForAnyValue")
    return ParsedOperator(spec, qualifier, if_exists)


def numeric_value(text: str) -> Decimal | None:
    """A numeric condition or context value (C13), or None where it is none AWS would compare."""
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        return None
    if not number.is_finite() or abs(number.adjusted()) > MAX_EXPONENT:
        return None
    if len(number.as_tuple().digits) > MAX_DIGITS:
        return None
    return number
