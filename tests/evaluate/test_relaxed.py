"""`could_allow` is a necessary condition: whenever the evaluator allows a request in some
context, the relaxed layers (Denies dropped, E2; Allow conditions taken as met) allow it too.
`solve` takes its "no" as a proof, so a request it rules out that some context allows would be a
false proof; these cases come from the same builders as the solver's agreement tests."""

from __future__ import annotations

import random
from collections import Counter

from hypothesis import event, given

from iamgraph.evaluate.layers import Outcome, PolicySet, decide
from iamgraph.evaluate.relaxed import could_allow
from iamgraph.solvers.solve import solve
from iamgraph.verdict import Verdict
from tests.evaluate.builders import caller, policy
from tests.solvers.cases import (
    RandomPick,
    cases,
    describe,
    make_case,
    make_variable_case,
    modes_of,
    variable_cases,
)

SEED = 20261208
ANY = "arn:aws:*:*:*:*"  # asked as a pattern: every resource


@given(cases())
def test_an_allowed_request_is_never_ruled_out(case):
    ps, req = case
    outcome = decide(ps, req).outcome
    event(f"outcome {outcome}")
    if outcome is Outcome.ALLOWED:
        assert could_allow(ps, req.action, req.resource), describe(ps, req)
        assert could_allow(ps, req.action, ANY, pattern=True), describe(ps, req)


@given(variable_cases())
def test_policy_variables_never_rule_out_an_allowed_request(case):
    ps, req = case
    if decide(ps, req).outcome is Outcome.ALLOWED:
        assert could_allow(ps, req.action, req.resource), describe(ps, req)


def test_fixed_seed_run_rules_out_only_what_nothing_allows():
    """3,000 seeded cases: no allowed request is ruled out, and the check does rule out some
    (else it would be a test that cannot fail), each of which `solve` without the check, in
    z3, also proves unreachable."""
    rng = random.Random(SEED)
    ruled_out: Counter[str] = Counter()
    for i in range(3000):
        make = make_variable_case if i % 4 == 0 else make_case
        ps, req = make(RandomPick(rng))
        could = could_allow(ps, req.action, req.resource)
        if decide(ps, req).outcome is Outcome.ALLOWED:
            assert could, describe(ps, req)
            assert could_allow(ps, req.action, ANY, pattern=True), describe(ps, req)
        if not could:
            ruled_out["all"] += 1
            if ruled_out["all"] <= 40:  # z3 agrees: no request of any context is allowed
                answer = solve(ps, "p", req.action, req.resource, [], modes_of(ps.caller))
                assert answer.verdict is Verdict.UNREACHABLE, describe(ps, req)
    assert ruled_out["all"] >= 100, ruled_out


def test_a_conditional_allow_could_allow_and_a_deny_does_not_rule_out():
    """The two relaxations, one each: a condition no request meets here, a Deny on everything."""
    who = caller("arn:aws:iam::111122223333:user/alice")
    cond = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    allow = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": cond}
    deny = {"Effect": "Deny", "Action": "*", "Resource": "*"}
    ps = PolicySet(caller=who, resource_account="111122223333", identity=(policy(allow, deny),))
    assert could_allow(ps, "s3:GetObject", "arn:aws:s3:::b/k")
    assert not could_allow(ps, "s3:PutObject", "arn:aws:s3:::b/k")


def test_cross_account_needs_the_resource_policy_to_name_the_caller():
    """E17: across accounts both sides must allow; a bucket policy naming other principals
    rules the caller out whatever its own policies say."""
    who = caller("arn:aws:iam::444455556666:user/bob")
    grant = {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}
    bucket = {
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::111122223333:role/reader"},
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::b/*",
        "Condition": {"Bool": {"aws:SecureTransport": "true"}},
    }
    ps = PolicySet(
        caller=who,
        resource_account="111122223333",
        identity=(policy(grant),),
        resource_policy=policy(bucket, kind="resource"),
    )
    assert not could_allow(ps, "s3:GetObject", "arn:aws:s3:::b/k")
    named = PolicySet(
        caller=caller("arn:aws:iam::111122223333:role/reader"),
        resource_account="111122223333",
        resource_policy=policy(bucket, kind="resource"),
    )
    assert could_allow(named, "s3:GetObject", "arn:aws:s3:::b/k")
