"""Minimal disagreements between the z3 encoding (`iamgraph.solvers`) and the evaluator, found
by tests/solvers/test_agreement.py. Each case states the outcome SEMANTICS.md gives (rule id).

`test_evaluator_*` pins the evaluator's side (it is right on every case here). Each bug below
is fixed; while one is open its solver test is a strict xfail, so that the fix shows as XPASS
and the mark (and the matching `known_disagreement` predicate in cases.py) must go.

Bug 1: a Numeric, Date or IP key read with ForAllValues/ForAnyValue gets neither a value nor a
list in `solvers/context.py` (`SymContext._make` returns a bare Key for a multivalued non-string
key). Pinning a request value then yields `None == RealVal(...)`, i.e. Python False, so the
constraints are unsatisfiable and `outcome_of` reports explicitDeny for anything; an IP value
crashes on `z3.Not(None)`; a plain condition on the same key crashes (`None < RealVal`).
Sets of IP addresses then stayed unencoded (unknown) until session 2 gave each element its own
128-bit value and v6 flag.
Bug 2: a multivalued key that is present with an empty list: the solver treats it as absent for
ForAnyValue:...IfExists and as present for Null, the evaluator does the opposite (C3, C4, C9).
"""

from __future__ import annotations

import pytest

from iamgraph.evaluate.gather import Mfa
from iamgraph.evaluate.layers import Outcome, PolicySet, decide
from iamgraph.evaluate.request import ContextValue, Request
from iamgraph.solvers.outcome import outcome_of
from iamgraph.solvers.replay import ReplayContext
from iamgraph.solvers.solve import solve
from iamgraph.verdict import Verdict
from tests.evaluate.builders import ACCOUNT, allow, caller, deny, policy, request_with

OBJECT = "arn:aws:s3:::acme-data/reports/q1.csv"


def alice(*statements: dict) -> PolicySet:
    """alice (an IAM user of ACCOUNT) with one identity policy, same-account resource."""
    return PolicySet(caller=caller(), resource_account=ACCOUNT, identity=(policy(*statements),))


def empty_tags(action: str = "s3:GetObject") -> Request:
    return Request.build(action, OBJECT, [("aws:TagKeys", ContextValue((), multi=True))])


# (id, policy set, request, expected outcome, rule)
CASES = {
    "1a-numeric": (
        alice(
            allow(
                "s3:GetObject",
                Condition={"ForAnyValue:NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}},
            )
        ),
        request_with("s3:GetObject", OBJECT, {"aws:MultiFactorAuthAge": "60"}),
        Outcome.ALLOWED,  # C9 + C13: one value (60) is < 3600; there is no Deny anywhere (E2)
    ),
    "1a-date": (
        alice(
            allow(
                "s3:GetObject",
                Condition={"ForAllValues:DateGreaterThan": {"aws:CurrentTime": "2024-01-01"}},
            )
        ),
        request_with("s3:GetObject", OBJECT, {"aws:CurrentTime": "2025-01-01T00:00:00Z"}),
        Outcome.ALLOWED,  # C8 + C14: every value is after 2024-01-01
    ),
    "1b-ip": (
        alice(
            allow(
                "s3:GetObject", Condition={"ForAnyValue:IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}
            )
        ),
        request_with("s3:GetObject", OBJECT, {"aws:SourceIp": "10.1.2.3"}),
        Outcome.ALLOWED,  # C9 + C16
    ),
    "1c-mixed": (
        alice(
            allow(
                "s3:GetObject",
                Condition={"ForAnyValue:NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}},
            ),
            deny(
                "s3:GetObject",
                Condition={"NumericGreaterThan": {"aws:MultiFactorAuthAge": "7200"}},
            ),
        ),
        request_with("s3:GetObject", OBJECT, {}),
        Outcome.IMPLICIT_DENY,  # C9: ForAnyValue on a missing key is false; C1: the Deny too
    ),
    "2a-forany-ifexists-empty": (
        alice(
            allow(
                "s3:GetObject",
                Condition={"ForAnyValue:StringEqualsIfExists": {"aws:TagKeys": "env"}},
            )
        ),
        empty_tags(),
        Outcome.IMPLICIT_DENY,  # C3: the key is present, so the base operator applies; C9: empty
    ),
    "2b-null-empty": (
        alice(
            allow("s3:GetObject", Condition={"Null": {"aws:TagKeys": "true"}}),
            deny("s3:PutObject", Condition={"ForAnyValue:StringEquals": {"aws:TagKeys": "env"}}),
        ),
        empty_tags(),
        Outcome.ALLOWED,  # C4 + C8: an empty value set is null, so Null "true" holds
    ),
    # found by the nightly profile in session 2: Null "false" was encoded as "present"
    "2c-null-false-empty": (
        alice(
            allow("s3:GetObject", Condition={"ForAllValues:StringEquals": {"aws:TagKeys": "env"}}),
            deny("s3:GetObject", Condition={"Null": {"aws:TagKeys": "false"}}),
        ),
        empty_tags(),
        Outcome.ALLOWED,  # C8: ForAllValues holds on the empty set; C4: "false" needs a
        # non-null value, and an empty set is null
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_evaluator_gives_the_documented_outcome(name):
    ps, req, expected = CASES[name]
    assert decide(ps, req).outcome is expected


BUG2A = (
    "solver wrong: a present, empty multivalued key is treated as absent, so "
    "ForAnyValue:...IfExists holds; C3 applies the base operator to a present key and C9 makes "
    "ForAnyValue false on an empty set"
)
BUG2B = (
    "solver wrong: Null reads a present, empty multivalued key as present; C4/C8 treat an "
    "empty value set as null"
)


@pytest.mark.parametrize(
    "name",
    [
        "1a-numeric",
        "1a-date",
        "1b-ip",
        "1c-mixed",
        "2a-forany-ifexists-empty",
        "2b-null-empty",
        "2c-null-false-empty",
    ],
)
def test_outcome_of_gives_the_documented_outcome(name):
    ps, req, expected = CASES[name]
    assert outcome_of(ps, req)[0] is expected


def _solve(ps: PolicySet, action: str, resource: str, modes=(Mfa.LONG_TERM_KEYS,)):
    present = (("aws:MultiFactorAuthPresent", ContextValue(("true",))),)
    replay = ReplayContext(credentials={m: present if m is Mfa.MFA else () for m in modes})
    return solve(
        ps, "alice", action, resource, [], modes, replay=replay, fixed=None
    )  # every key free


def test_solve_with_a_key_read_plain_and_qualified():
    """With MFA, an age such as 60 satisfies the Allow (C9) and not the Deny (C13): reachable.
    With long-term keys the age is absent (M4), so the ForAnyValue Allow cannot hold."""
    ps = CASES["1c-mixed"][0]
    assert _solve(ps, "s3:GetObject", OBJECT, (Mfa.MFA,)).verdict is Verdict.REACHABLE
    assert _solve(ps, "s3:GetObject", OBJECT).verdict is Verdict.UNREACHABLE


PROOF_PS = alice(
    allow("s3:GetObject", Condition={"Null": {"aws:TagKeys": "true"}}),
    deny("s3:GetObject", Condition={"ForAnyValue:StringEqualsIfExists": {"aws:TagKeys": "nope"}}),
)


def test_evaluator_allows_the_empty_tag_list_request():
    """C4 + C8: Null "true" holds for the empty set; C3 + C9: the Deny's ForAnyValue is false."""
    assert decide(PROOF_PS, empty_tags()).outcome is Outcome.ALLOWED


def test_solve_does_not_prove_unreachable_what_the_evaluator_allows():
    assert _solve(PROOF_PS, "s3:GetObject", OBJECT).verdict is not Verdict.UNREACHABLE


BUG3 = (
    "solver wrong: solve() blocks a havoc's value after one failed replay and then reports unsat "
    "as proven-unreachable; a havoc for a variable of a free key (V1) is not settled by one "
    "replay (the caller may send aws:username), so the proof is unsound"
)
HOME = "arn:aws:s3:::acme-data/home/alice/notes.txt"
VARIABLE_CASES = {
    "resource": alice(allow("s3:GetObject", "arn:aws:s3:::acme-data/home/${aws:username}/*")),
    "condition": alice(
        allow(
            "s3:GetObject", Condition={"StringEquals": {"aws:PrincipalTag/team": "${aws:username}"}}
        )
    ),
}


@pytest.mark.parametrize("name", list(VARIABLE_CASES))
def test_evaluator_substitutes_the_variable(name):
    """V1: `${aws:username}` becomes the request's value, so alice's request is allowed (E3)."""
    req = request_with(
        "s3:GetObject", HOME, {"aws:username": "alice", "aws:PrincipalTag/team": "alice"}
    )
    assert decide(VARIABLE_CASES[name], req).outcome is Outcome.ALLOWED


@pytest.mark.parametrize("name", list(VARIABLE_CASES))
def test_solve_does_not_prove_unreachable_through_a_free_variable(name):
    assert _solve(VARIABLE_CASES[name], "s3:GetObject", HOME).verdict is not Verdict.UNREACHABLE


# Bug 3 (found while fixing issue 16): once `outcome_of` substituted the request's own values,
# a variable naming a list (V1: single-valued keys only) raised `Uncertain` out of the
# encoder instead of leaving that element open. Both engines now say unknown.
@pytest.mark.parametrize(
    "statement",
    [
        {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::acme-data/${aws:TagKeys}/*",
        },
        allow(Condition={"StringLike": {"aws:RequestedRegion": "${aws:TagKeys}*"}}),
    ],
)
def test_variable_of_a_list_is_unknown_on_both_engines(statement):
    ps = alice(statement)
    req = Request.build(
        "s3:GetObject",
        OBJECT,
        [
            ("aws:TagKeys", ContextValue(("reports",), multi=True)),
            ("aws:RequestedRegion", ContextValue(("reports-1",))),
        ],
    )
    assert decide(ps, req).outcome is Outcome.UNKNOWN  # V1
    outcome, why = outcome_of(ps, req)
    assert outcome is Outcome.UNKNOWN, why
