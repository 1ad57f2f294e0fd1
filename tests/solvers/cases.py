"""Random but well-formed PolicySets and requests, for the evaluator-vs-z3 agreement tests.

Every builder takes a `Pick` (one source of choices), so the same code serves hypothesis
(`DrawPick`, which shrinks towards the first entry of each list and towards "no") and a seeded
`random.Random` (`RandomPick`, for the fixed-seed coverage count). Alphabets are small and the
request draws from the same lists as the policies, so conditions and patterns often match.

Coverage: identity list, boundary, session (role sessions), resource policy (Principal "*",
account id, account root ARN, user/role/session ARNs, NotPrincipal with Deny), SCP and RCP
levels; Allow/Deny; Action/NotAction and Resource/NotResource with wildcards and several
entries; every condition family (String incl. IgnoreCase and Like, Numeric with decimals, Date
ISO and epoch, Bool, IpAddress/NotIpAddress v4 and v6, Arn, Null), IfExists, ForAllValues and
ForAnyValue, missing keys, multivalued aws:TagKeys (including the empty list), policy variables
in Resource and condition values (with defaults and escapes), key-name case (C12), Version
2008-10-17 (V4); callers: users, role sessions and root users of the same or another account.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from iamgraph.evaluate.gather import Mfa
from iamgraph.evaluate.layers import Level, PolicySet
from iamgraph.evaluate.request import Caller, CallerType, ContextValue, Request
from iamgraph.query.simulate import caller_context
from tests.evaluate.builders import ACCOUNT, OTHER, caller, policy

# -- choices ---------------------------------------------------------------------------------


class Pick:
    def one(self, seq: Sequence[Any]) -> Any:
        raise NotImplementedError

    def coin(self, p: float) -> bool:
        raise NotImplementedError

    def count(self, lo: int, hi: int) -> int:
        raise NotImplementedError

    def some(self, seq: Sequence[Any], lo: int, hi: int) -> list[Any]:
        return [self.one(seq) for _ in range(self.count(lo, hi))]


class RandomPick(Pick):
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def one(self, seq):
        return self.rng.choice(list(seq))

    def coin(self, p):
        return self.rng.random() < p

    def count(self, lo, hi):
        return self.rng.randint(lo, hi)


class DrawPick(Pick):
    """Choices drawn by hypothesis; every choice shrinks to the first entry or to False."""

    def __init__(self, draw: Callable) -> None:
        self.draw = draw

    def one(self, seq):
        return self.draw(st.sampled_from(list(seq)))

    def coin(self, p):
        n = round(p * 20)
        return self.draw(st.sampled_from([False] * (20 - n) + [True] * n))

    def count(self, lo, hi):
        return self.draw(st.integers(lo, hi))


# -- alphabets -------------------------------------------------------------------------------

USER_ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"
USER_PARTNER = f"arn:aws:iam::{OTHER}:user/partner"
ROLE_APP = f"arn:aws:iam::{ACCOUNT}:role/app"
SESSION_APP = f"arn:aws:sts::{ACCOUNT}:assumed-role/app/run-1"
ROLE_OPS = f"arn:aws:iam::{OTHER}:role/ops"
SESSION_OPS = f"arn:aws:sts::{OTHER}:assumed-role/ops/night"
CALLERS = (
    USER_ALICE,
    SESSION_APP,
    f"arn:aws:iam::{ACCOUNT}:root",
    USER_PARTNER,
    SESSION_OPS,
    f"arn:aws:iam::{OTHER}:root",
)
ROLE_OF = {SESSION_APP: ROLE_APP, SESSION_OPS: ROLE_OPS}
# Principal values of resource policies: everyone, accounts (E18), users, roles (E14) and a
# session (E15), of both accounts.
PRINCIPALS = (
    "*",
    ACCOUNT,
    OTHER,
    f"arn:aws:iam::{OTHER}:root",
    USER_ALICE,
    ROLE_APP,
    SESSION_APP,
    USER_PARTNER,
    ROLE_OPS,
)

ACTIONS = (
    "s3:GetObject",
    "s3:PutObject",
    "s3:DeleteObject",
    "s3:ListBucket",
    "ec2:DescribeInstances",
    "ec2:RunInstances",
    "iam:ListUsers",
    "S3:getobject",  # P1: action names are case-insensitive
)
ACTION_PATTERNS = (
    "s3:GetObject",
    "*",
    "s3:Get*",
    "s3:*Object",
    "s3:*",
    "ec2:Describe?nstances",
    "ec2:*",
    "iam:List*",
    "s3:PutObject",
    "s3:List*",
)

RESOURCES = (
    "arn:aws:s3:::acme-data/reports/q1.csv",
    "arn:aws:s3:::acme-data",
    "arn:aws:s3:::acme-data/home/alice/notes.txt",
    "arn:aws:s3:::acme-data/data/x.csv",
    "arn:aws:s3:::acme-logs/reports/2024/jan.json",
    "arn:aws:s3:::other-bucket/x.json",
    f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-0abc",
    f"arn:aws:iam::{ACCOUNT}:user/alice",
)
RESOURCE_PATTERNS = (
    "*",
    "arn:aws:s3:::acme-data/*",
    "arn:aws:s3:::acme-data",
    "arn:aws:s3:::acme-*",
    "arn:aws:s3:::*/reports/*",  # P3: `*` spans `/`
    "arn:aws:s3:::acme-data/*.csv",
    "arn:aws:s3:::acme-data/reports/q?.csv",
    "arn:aws:ec2:*:*:instance/*",
    f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-0abc",
    "arn:aws:s3:::other-*/*",
)
# Patterns with policy variables (V1-V5): `outcome_of` substitutes the request's values (its
# keys are all fixed), defaults when a key is absent, escapes as literal characters; a value
# may itself hold `*`, `?` or `:` (aws:PrincipalTag/team below), which stay literal.
VARIABLE_PATTERNS = (
    "arn:aws:s3:::acme-data/home/${aws:username}/*",
    "arn:aws:s3:::acme-data/${aws:PrincipalTag/team, 'data'}/*",
    "arn:aws:s3:::acme-data/reports/q1${*}",
    "arn:aws:iam::*:user/${aws:username}",
    "arn:aws:s3:::acme-data/home/${aws:username, 'alice'}/notes.txt",
    "arn:aws:s3:::acme-${aws:PrincipalTag/team}/*",
    "arn:aws:s3:::acme-data/reports/q${?}.csv",
    "arn:aws:s3:::${aws:PrincipalTag/team,'acme-data'}*",
    "arn:aws:s3:::acme-data/reports/q1.csv${$}",
    "${aws:PrincipalTag/team, 'arn'}:aws:s3:::acme-data/*",  # the value may hold colons
)

STRING = (
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
)
NUMERIC = (
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
)
DATE = tuple(op.replace("Numeric", "Date") for op in NUMERIC)
IP = ("IpAddress", "NotIpAddress")
ARN = ("ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike")
BOOL = ("Bool",)


@dataclass(frozen=True)
class KeySpec:
    name: str
    operators: tuple[str, ...]
    policy_values: tuple[str, ...]
    request_values: tuple[str, ...]
    multi: bool = False
    spellings: tuple[str, ...] = ()  # C12: other cases of the name


KEYS = (
    KeySpec(
        "aws:RequestedRegion",
        STRING,
        ("us-east-1", "eu-west-1", "US-EAST-1", "us-*", "eu-?est-1"),
        ("us-east-1", "eu-west-1", "ap-south-1", "US-East-1"),
        spellings=("AWS:requestedregion",),
    ),
    KeySpec(
        "aws:PrincipalTag/team",
        STRING,
        (
            "data",
            "Data",
            "ops",
            "d*",
            "${aws:username}",
            "${aws:username, 'data'}",
            "${aws:RequestedRegion}-team",
            "d${*}",
            "${aws:PrincipalTag/owner, 'ops'}",
        ),
        ("data", "ops", "DATA", "alice", "d*", "logs", "a:b", "arn"),
        spellings=("aws:principaltag/TEAM",),
    ),
    KeySpec("aws:TagKeys", STRING, ("env", "team", "cost*", "Env"), (), multi=True),
    KeySpec(
        "aws:CalledVia",
        STRING,
        ("athena.amazonaws.com", "cloudformation.amazonaws.com", "*.amazonaws.com", "ATHENA*"),
        (),
        multi=True,
    ),
    KeySpec(
        "aws:SourceIp",
        IP,
        ("203.0.113.0/24", "10.0.0.0/8", "2001:db8::/32", "203.0.113.7/32", "0.0.0.0/0"),
        ("203.0.113.7", "10.1.2.3", "198.51.100.1", "2001:db8::1", "2001:db9::5"),
        spellings=("aws:SourceIP",),
    ),
    KeySpec(
        "aws:MultiFactorAuthAge",
        NUMERIC,
        ("3600", "60", "0.5", "120.25"),
        ("60", "3600", "7200", "0.25", "120.25"),
    ),
    KeySpec(
        "aws:CurrentTime",
        DATE,
        ("2024-01-01T00:00:00Z", "1704067200", "2025-06-30T12:00:00Z", "2024-06-01"),
        ("2024-01-01T00:00:00Z", "2023-12-31T23:59:59Z", "2025-01-01T00:00:00Z", "1751284800"),
    ),
    KeySpec("aws:SecureTransport", BOOL, ("true", "false"), ("true", "false")),
    KeySpec("aws:MultiFactorAuthPresent", BOOL, ("true", "false"), ("true", "false")),
    KeySpec(
        "aws:PrincipalArn",
        ARN,
        (
            f"arn:aws:iam::{ACCOUNT}:*",
            "arn:aws:iam::*:user/alice",
            f"arn:aws:sts::{ACCOUNT}:assumed-role/app/*",
            ROLE_APP,
            "arn:aws:iam::*:role/*",
        ),
        (),  # set from the caller
    ),
)
KEY = {k.name: k for k in KEYS}
TAG_KEYS = ("env", "team", "owner", "costcenter", "Env")
# C8-C10: services a request went through (aws:CalledVia), in any case, possibly repeated
SERVICES = (
    "athena.amazonaws.com",
    "cloudformation.amazonaws.com",
    "ATHENA.amazonaws.com",
    "dynamodb.amazonaws.com",
)
LIST_VALUES = {"aws:TagKeys": TAG_KEYS, "aws:CalledVia": SERVICES}
MFA_KEYS = ("aws:multifactorauthpresent", "aws:multifactorauthage")


# -- policies --------------------------------------------------------------------------------


def _one_or_list(pick: Pick, items: list[str]) -> str | list[str]:
    return items[0] if len(items) == 1 and not pick.coin(0.3) else items


def condition_block(pick: Pick) -> dict:
    block: dict[str, dict[str, Any]] = {}
    for _ in range(pick.count(1, 2)):
        spec = pick.one(KEYS)
        if pick.coin(0.15):
            block.setdefault("Null", {})[spec.name] = pick.one(["true", "false"])  # C4
            continue
        op = pick.one(spec.operators)
        if spec.multi or pick.coin(0.04):
            op = f"{pick.one(['ForAllValues', 'ForAnyValue'])}:{op}"  # C8, C9
        if pick.coin(0.25):
            op += "IfExists"  # C3
        name = pick.one(spec.spellings) if spec.spellings and pick.coin(0.15) else spec.name
        values = list(dict.fromkeys(pick.some(spec.policy_values, 1, 2)))  # C5, C7
        block.setdefault(op, {})[name] = _one_or_list(pick, values)
    return block


def statement(pick: Pick, kind: str, effect: str | None = None) -> dict:
    allow_share = 0.5 if kind in ("scp", "rcp") else 0.7
    st_: dict[str, Any] = {"Effect": effect or ("Allow" if pick.coin(allow_share) else "Deny")}
    actions = list(dict.fromkeys(pick.some(ACTION_PATTERNS, 1, 2)))
    st_["NotAction" if pick.coin(0.2) else "Action"] = _one_or_list(pick, actions)  # P4, P5
    if kind in ("identity", "boundary", "session", "scp") or pick.coin(0.5):
        pool = RESOURCE_PATTERNS + VARIABLE_PATTERNS if pick.coin(0.35) else RESOURCE_PATTERNS
        resources = list(dict.fromkeys(pick.some(pool, 1, 3)))
        st_["NotResource" if pick.coin(0.2) else "Resource"] = _one_or_list(pick, resources)
    if kind == "rcp":
        st_["Principal"] = "*"
    elif kind == "resource":
        who = pick.one(PRINCIPALS)
        if st_["Effect"] == "Deny" and pick.coin(0.15):  # P7
            st_["NotPrincipal"] = {"AWS": list(dict.fromkeys(pick.some([ACCOUNT, who], 1, 2)))}
        else:
            st_["Principal"] = who if who == "*" else {"AWS": who}
    if pick.coin(0.55):
        st_["Condition"] = condition_block(pick)
    return st_


def make_policy(pick: Pick, kind: str, *, first: dict | None = None, name: str = ""):
    statements = [first] if first else []
    statements += [statement(pick, kind) for _ in range(pick.count(0 if first else 1, 3))]
    version = "2008-10-17" if pick.coin(0.05) else "2012-10-17"
    return policy(*statements, kind=kind, version=version, name=name or kind)


FULL_ACCESS = {"Effect": "Allow", "Action": "*", "Resource": "*"}
RCP_FULL_ACCESS = {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}


def make_levels(pick: Pick, kind: str, count: int) -> tuple[Level, ...]:
    out = []
    for i in range(count):
        full = FULL_ACCESS if kind == "scp" else RCP_FULL_ACCESS
        pols = [make_policy(pick, kind, first=full if pick.coin(0.8) else None, name=f"{kind}{i}")]
        if pick.coin(0.3):
            pols.append(make_policy(pick, kind, name=f"{kind}{i}b"))
        out.append(Level(f"node-{i}", f"{kind} level {i}", tuple(pols)))
    return tuple(out)


def make_caller(pick: Pick) -> Caller:
    arn = pick.one(CALLERS)
    c = Caller.from_arn(arn, ROLE_OF.get(arn))
    return caller(c.arn) if c.type is not CallerType.ASSUMED_ROLE else c


def make_policy_set(pick: Pick) -> PolicySet:
    who = make_caller(pick)
    session = who.type is CallerType.ASSUMED_ROLE
    return PolicySet(
        caller=who,
        resource_account=pick.one([ACCOUNT, OTHER]),
        identity=tuple(
            make_policy(pick, "identity", name=f"id{i}") for i in range(pick.count(0, 3))
        ),
        boundary=make_policy(pick, "boundary") if pick.coin(0.3) else None,
        session=make_policy(pick, "session") if session and pick.coin(0.4) else None,
        resource_policy=make_policy(pick, "resource") if pick.coin(0.5) else None,
        resource_policy_required=pick.coin(0.1),
        scp_levels=make_levels(pick, "scp", pick.count(0, 2)),
        rcp_levels=make_levels(pick, "rcp", pick.count(0, 1)),
    )


# -- requests --------------------------------------------------------------------------------


def modes_of(who: Caller) -> tuple[Mfa, ...]:
    """The MFA modes a credential of this caller can have (as `constraints.modes_for`)."""
    if who.type is CallerType.ASSUMED_ROLE:
        return (Mfa.NO_MFA, Mfa.MFA)
    return (Mfa.LONG_TERM_KEYS, Mfa.NO_MFA, Mfa.MFA)


def mfa_entries(who: Caller, mode: Mfa) -> list[tuple[str, ContextValue]]:
    return [e for e in caller_context(who, mode) if e[0].lower() in MFA_KEYS]


def make_context(pick: Pick, who: Caller, *, mfa_mode: Mfa | None = None):
    """Context entries: the caller's own keys, the MFA keys of one mode, and random values for
    the other keys (absent about a third of the time)."""
    entries: list[tuple[str, ContextValue]] = []
    mode = mfa_mode or pick.one(modes_of(who))
    base = [e for e in caller_context(who, mode) if e[0].lower() not in MFA_KEYS]
    for key, value in base:
        if mfa_mode is None and pick.coin(0.1):
            continue  # a request without the caller's keys: variables resolve to null (V2)
        entries.append((key, value))
    if mfa_mode is None and pick.coin(0.2):  # any MFA values, not only the consistent ones
        for name in ("aws:MultiFactorAuthPresent", "aws:MultiFactorAuthAge"):
            spec = KEY[name]
            if pick.coin(0.6):
                entries.append((name, ContextValue((pick.one(spec.request_values),))))
    else:
        entries += mfa_entries(who, mode)
    for spec in KEYS:
        if spec.name.lower() in MFA_KEYS or spec.name == "aws:PrincipalArn":
            continue
        # a request a credential can really send carries aws:CurrentTime (KEYS: always present)
        always = mfa_mode is not None and spec.name.lower() == "aws:currenttime"
        if not always and pick.coin(0.35):
            continue  # C1-C3: missing
        if spec.multi:  # a finite list, empty (C8, C9), with duplicates or in other cases (C10)
            size = pick.one((1, 0, 1, 2, 3, 5))
            values = pick.some(LIST_VALUES[spec.name], size, size)
            if not pick.coin(0.3):
                values = list(dict.fromkeys(values))
            entries.append((spec.name, ContextValue(tuple(values), multi=True)))
        else:
            entries.append((spec.name, ContextValue((pick.one(spec.request_values),))))
    return entries


def make_request(pick: Pick, who: Caller) -> Request:
    return Request.build(pick.one(ACTIONS), pick.one(RESOURCES), make_context(pick, who))


def make_case(pick: Pick) -> tuple[PolicySet, Request]:
    ps = make_policy_set(pick)
    return ps, make_request(pick, ps.caller)


@st.composite
def cases(draw) -> tuple[PolicySet, Request]:
    return make_case(DrawPick(draw))


def make_variable_case(pick: Pick) -> tuple[PolicySet, Request]:
    """One identity policy whose statements read policy variables (V1-V5) in Resource and
    condition values and compare the request's lists (C8-C10), and a request that fixes every
    key: `outcome_of` must decide it as the evaluator does."""
    who = make_caller(pick)
    statements = []
    for _ in range(pick.count(1, 3)):
        st_ = statement(pick, "identity")
        st_.pop("NotResource", None)
        st_.pop("Resource", None)
        key = "NotResource" if pick.coin(0.15) else "Resource"
        st_[key] = _one_or_list(pick, list(dict.fromkeys(pick.some(VARIABLE_PATTERNS, 1, 2))))
        block: dict[str, dict[str, Any]] = {}
        if pick.coin(0.5):
            op = pick.one(STRING)
            block[op] = {
                "aws:PrincipalTag/team": pick.some(KEY["aws:PrincipalTag/team"].policy_values, 1, 2)
            }
        if pick.coin(0.6):
            spec = pick.one([KEY["aws:TagKeys"], KEY["aws:CalledVia"]])
            op = f"{pick.one(['ForAllValues', 'ForAnyValue'])}:{pick.one(STRING)}"
            block.setdefault(op, {})[spec.name] = pick.some(spec.policy_values, 1, 2)
        if block:
            st_["Condition"] = block
        statements.append(st_)
    ps = PolicySet(
        caller=who,
        resource_account=ACCOUNT,
        identity=(policy(*statements, kind="identity", name="vars"),),
    )
    return ps, make_request(pick, who)


@st.composite
def variable_cases(draw) -> tuple[PolicySet, Request]:
    return make_variable_case(DrawPick(draw))


@st.composite
def policy_sets(draw) -> PolicySet:
    return make_policy_set(DrawPick(draw))


def describe(ps: PolicySet, req: Request | None = None) -> str:
    """A readable dump of a case for failure messages."""
    lines = [f"caller={ps.caller.arn} ({ps.caller.type}) resource_account={ps.resource_account}"]
    if ps.resource_policy_required:
        lines.append("resource_policy_required=True")
    for layer, pols in (
        ("identity", ps.identity),
        ("boundary", (ps.boundary,) if ps.boundary else ()),
        ("session", (ps.session,) if ps.session else ()),
        ("resource", (ps.resource_policy,) if ps.resource_policy else ()),
    ):
        for p in pols:
            lines.append(f"{layer} {p.name} v={p.version}: {[_st(s) for s in p.statements]}")
    for lvl in (*ps.scp_levels, *ps.rcp_levels):
        for p in lvl.policies:
            lines.append(f"{lvl.name} {p.name}: {[_st(s) for s in p.statements]}")
    if req is not None:
        ctx = {req.names[k]: v.values if v.multi else v.values[0] for k, v in req.context.items()}
        lines.append(f"request {req.action} {req.resource} {ctx}")
    return "\n".join(lines)


def _st(s) -> str:
    parts = [s.effect.value, ("NotAction" if s.not_action else "Action") + f"={list(s.actions)}"]
    if s.resources is not None:
        parts.append(("NotResource" if s.not_resource else "Resource") + f"={list(s.resources)}")
    if s.principal is not None:
        b = s.principal
        parts.append(
            ("NotPrincipal" if s.not_principal else "Principal")
            + f"={'*' if b.wildcard else list(b.aws)}"
        )
    for c in s.conditions:
        parts.append(f"{c.operator}({c.key}={list(c.values)})")
    return " ".join(parts)


# -- known disagreements (each has an xfail regression in test_regressions.py) -----------------


def all_policies(ps: PolicySet):
    for lvl in (*ps.scp_levels, *ps.rcp_levels):
        yield from lvl.policies
    yield from ps.identity
    for p in (ps.boundary, ps.session, ps.resource_policy):
        if p is not None:
            yield p


def known_disagreement(ps: PolicySet, req: Request | None = None) -> str | None:
    """Why this case hits a reported solver limit (then the agreement tests skip it), or None.
    None open: sets of IP addresses (bug 1b) are encoded since session 2."""
    return None


def known_unsound_proof(ps: PolicySet) -> str | None:
    """Why a proven-unreachable answer for `ps` may be wrong through a reported bug: none open."""
    return None
