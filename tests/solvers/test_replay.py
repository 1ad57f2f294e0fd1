"""Witness replay happens in one place (`solvers/replay.py`), from data a question gives `solve`
(`ReplayContext`), and `implies` (the admin test) replays its counterexample on both sides.

Time keys and the credential clock follow KEYS; MFA keys M1-M5; a request's keys are
case-insensitive (C12), so a key the caller chose is not overwritten by a credential default.
"""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path

from iamgraph.evaluate.gather import Mfa, mfa_context
from iamgraph.evaluate.layers import PolicySet
from iamgraph.evaluate.request import ContextValue
from iamgraph.solvers.properties import implies
from iamgraph.solvers.replay import ReplayContext, replay
from iamgraph.solvers.solve import solve
from iamgraph.verdict import Verdict
from tests.evaluate.builders import ACCOUNT, OBJECT, ROLE, allow, caller, deny, policy

REPO = Path(__file__).resolve().parents[2]
FLOOR = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def ps_of(*statements: dict, who=None) -> PolicySet:
    return PolicySet(
        caller=who or caller(), resource_account=ACCOUNT, identity=(policy(*statements),)
    )


def v(*values: str, type_: str = "string") -> ContextValue:
    return ContextValue(tuple(values), type=type_)


def test_the_request_is_built_in_the_documented_order():
    """MFA keys, the query's `where`, the chosen keys; then the rest of the credential, the
    pins and the time keys, each only where the request lacks it."""
    when = {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}
    ps = ps_of(allow("s3:GetObject", OBJECT, Condition=when), who=caller(ROLE))
    creds = (
        ("aws:PrincipalArn", v(ROLE)),
        *mfa_context(ps.caller.type, Mfa.NO_MFA),
        ("aws:SourceVpc", v("vpc-credential")),  # the caller chose another: its choice stays
    )
    how = ReplayContext(
        credentials={Mfa.NO_MFA: creds},
        where=(("aws:SourceIp", v("10.0.0.1")),),
        pins=(("aws:PrincipalArn", v("pinned-loses")), ("aws:ResourceAccount", v(ACCOUNT))),
        clock=True,
        floor=FLOOR,
    )
    chosen = [("aws:sourcevpc", v("vpc-chosen"))]
    decision, items = replay(ps, how, "s3:GetObject", OBJECT, chosen, Mfa.NO_MFA)
    assert [k for k, _ in items] == [
        "aws:MultiFactorAuthPresent",
        "aws:SourceIp",
        "aws:sourcevpc",
        "aws:PrincipalArn",
        "aws:ResourceAccount",
        "aws:CurrentTime",
    ]
    values = dict(items)
    assert values["aws:sourcevpc"] == v("vpc-chosen")
    assert values["aws:PrincipalArn"] == v(ROLE)
    assert values["aws:CurrentTime"] == v("2026-03-01T12:00:00Z", type_="date")
    assert decision.allowed


def test_without_a_clock_no_time_key_is_added():
    when = {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}
    ps = ps_of(allow("s3:GetObject", OBJECT, Condition=when))
    decision, items = replay(ps, ReplayContext(floor=FLOOR), "s3:GetObject", OBJECT, [], Mfa.MFA)
    assert items == ()
    assert not decision.allowed  # a condition on a key the request lacks does not hold


def test_solve_replays_with_the_credentials_of_the_mode_it_picked():
    """Only an MFA session is allowed (M4): the witness carries that mode's MFA keys, which
    `solve` took from the context it was given, not from a closure."""
    ps = ps_of(
        allow("s3:GetObject", OBJECT, Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}})
    )
    modes = (Mfa.LONG_TERM_KEYS, Mfa.MFA)
    answer = solve(
        ps,
        "alice",
        "s3:GetObject",
        OBJECT,
        [],
        modes,
        replay=ReplayContext.mfa_of(ps.caller.type, modes),
        fixed=None,
    )
    assert answer.verdict is Verdict.REACHABLE
    assert answer.witness.mfa == "mfa"
    assert dict(answer.witness.context)["aws:MultiFactorAuthPresent"].values == ("true",)
    assert answer.witness.decision.allowed


def test_implies_proves_a_superset():
    narrow = ps_of(allow("s3:GetObject"))
    wide = ps_of(allow("s3:*"))
    assert implies(narrow, wide, [], Mfa.LONG_TERM_KEYS).verdict is Verdict.REACHABLE


def test_implies_names_a_request_only_the_first_allows():
    wide = ps_of(allow("s3:*"))
    narrow = ps_of(allow("s3:Get*"))
    answer = implies(wide, narrow, [], Mfa.LONG_TERM_KEYS)
    assert answer.verdict is Verdict.UNREACHABLE
    action, _resource = answer.counter
    assert action.lower().startswith("s3:") and not action.lower().startswith("s3:get")


def test_implies_tries_the_probes_first():
    everything = ps_of(allow())
    but_one = ps_of(allow(), deny("iam:CreateUser"))
    probes = ("s3:ListAllMyBuckets", "iam:CreateUser")
    answer = implies(everything, but_one, [], Mfa.LONG_TERM_KEYS, probes=probes)
    assert answer.counter == ("iam:CreateUser", "*")


def test_implies_says_unknown_when_its_candidate_does_not_replay():
    """The second side's text is missing: z3 treats it as anything, the evaluator as unknown,
    so no counterexample replays and "not implied" is never said."""
    everything = ps_of(allow())
    missing = PolicySet(
        caller=caller(), resource_account=ACCOUNT, identity=(), unresolved=("ReadOnlyAccess",)
    )
    answer = implies(everything, missing, [], Mfa.LONG_TERM_KEYS)
    assert answer.verdict is Verdict.UNKNOWN
    assert answer.counter is None


def test_no_replay_closure_is_left():
    """Issue 15: a witness is re-decided only by `solvers/replay.py`, never by a function
    written inside another one and handed to `solve`."""
    nested = []
    for root in ("iamgraph", "solvers", "cli"):
        for path in sorted((REPO / root).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for outer in ast.walk(tree):
                if not isinstance(outer, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                for inner in ast.walk(outer):
                    closure = inner is not outer and isinstance(inner, ast.FunctionDef)
                    if closure and inner.name == "replay":
                        nested.append(f"{path.relative_to(REPO)}:{inner.lineno}")
    assert nested == []
