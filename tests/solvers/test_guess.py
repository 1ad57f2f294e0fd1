"""The concrete requests `solve` tries before z3 (`solvers/guess.py`), the witness strings of
`patterns.common_string`, and the proof that a Resource with a variable cannot reach a query
(`encode._may_hold`). Variables follow SEMANTICS V1; resource matching P3.

AWS: "IAM policy elements: Variables and tags"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html) - a
variable is replaced by the request's value of the key, so `${aws:RequestedRegion}` in a
Resource follows the region the caller sends the request to.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from iamgraph.catalog import catalog
from iamgraph.evaluate.gather import Mfa
from iamgraph.evaluate.layers import Outcome, PolicySet, decide
from iamgraph.evaluate.matching import glob_match
from iamgraph.evaluate.request import ContextValue, Request
from iamgraph.model.patterns import common_string, glob_tokens, intersects
from iamgraph.solvers.guess import guesses
from iamgraph.solvers.solve import solve
from iamgraph.verdict import Verdict
from tests.evaluate.builders import ACCOUNT, allow, caller, deny, levels, policy

REGISTRY = [
    "arn:aws:s3:::*-image-registry-${aws:RequestedRegion}-*/*",
    "arn:aws:s3:::*-image-registry-${aws:RequestedRegion}/*",
]


def alice(*statements: dict) -> PolicySet:
    return PolicySet(caller=caller(), resource_account=ACCOUNT, identity=(policy(*statements),))


def _solve(ps: PolicySet, action: str, resource: str, *, guess: bool = True, pinned=()):
    return solve(  # replayed on the chosen keys alone
        ps,
        "alice",
        action,
        resource,
        list(pinned),
        (Mfa.LONG_TERM_KEYS,),
        fixed=lambda k: k.startswith("aws:principaltag/"),
        guess=guess,
    )


# -- common_string -----------------------------------------------------------------------------

GLOBS = st.text(alphabet="ab/*?-", max_size=8)


@given(GLOBS, GLOBS)
def test_common_string_is_matched_by_both_or_none_exists(a, b):
    s = common_string(glob_tokens(a), glob_tokens(b))
    assert (s is not None) == intersects(glob_tokens(a), glob_tokens(b))
    if s is not None:
        assert glob_match(a, s) and glob_match(b, s), (a, b, s)


def test_common_string_crosses_a_slash_where_a_star_may():
    """P3: in the resource part `*` spans `/`, so an object key can hold the bucket pattern."""
    s = common_string(
        glob_tokens("arn:aws:s3:::*-image-registry-us-east-1/*"),
        glob_tokens("arn:aws:s3:::corp-data/*"),
    )
    assert s is not None and s.startswith("arn:aws:s3:::corp-data/")
    assert "-image-registry-us-east-1/" in s


# -- a variable of a caller-chosen key in a Resource ------------------------------------------


def test_requested_region_variable_gives_a_witness_with_the_region():
    """V1: the caller chooses the region, and an object key in corp-data can carry the
    registry's bucket-name pattern (a `*` spans `/`, P3): reachable, with the region shown."""
    ps = alice(allow("s3:GetObject", REGISTRY))
    answer = _solve(ps, "s3:GetObject", "arn:aws:s3:::corp-data/*")
    assert answer.verdict is Verdict.REACHABLE, answer.reasons
    context = dict(answer.witness.context)
    region = context["aws:RequestedRegion"].values[0]
    assert f"-image-registry-{region}" in answer.witness.resource
    assert answer.witness.resource.startswith("arn:aws:s3:::corp-data/")
    assert answer.witness.decision.outcome is Outcome.ALLOWED


def test_requested_region_variable_without_witness_is_not_a_proof():
    """Without the guess, z3 treats the variable as havoc (it is not encoded in a Resource):
    the answer is unknown, never unreachable."""
    ps = alice(allow("s3:GetObject", REGISTRY))
    answer = _solve(ps, "s3:GetObject", "arn:aws:s3:::corp-data/*", guess=False)
    assert answer.verdict is not Verdict.UNREACHABLE


def test_variable_pattern_that_cannot_reach_the_query_is_proven_unreachable():
    """Whatever region the caller names, `...-image-registry-<region>...` never matches a
    bucket-level ARN without that text: proven-unreachable rather than unknown."""
    ps = alice(allow("s3:GetObject", REGISTRY))
    for resource in ("arn:aws:s3:::corp-data/reports.csv", "arn:aws:s3:::corp-?ata/r?.csv"):
        answer = _solve(ps, "s3:GetObject", resource, guess=False)
        assert answer.verdict is Verdict.UNREACHABLE, (resource, answer.reasons)


# -- what a guess may and may not choose ------------------------------------------------------


def test_guess_fills_condition_values_the_caller_controls():
    ps = alice(
        allow(
            "s3:ListBucket",
            "arn:aws:s3:::corp-data",
            Condition={
                "StringLike": {"s3:prefix": "home/*"},
                "IpAddress": {"aws:SourceIp": "203.0.113.0/24"},
            },
        )
    )
    found = list(
        guesses(ps, "s3:ListBucket", "arn:aws:s3:::corp-data", (Mfa.NO_MFA,), may_choose=bool)
    )
    assert found
    name, arn, chosen, _ = found[0]
    values = {k: v.values[0] for k, v in chosen}
    assert name == "s3:ListBucket" and arn == "arn:aws:s3:::corp-data"
    assert values == {"s3:prefix": "home/example", "aws:SourceIp": "203.0.113.0"}
    answer = _solve(ps, "s3:ListBucket", "arn:aws:s3:::corp-data")
    assert answer.verdict is Verdict.REACHABLE
    assert dict(answer.witness.context)["aws:SourceIp"] == ContextValue(("203.0.113.0",))
    assert dict(answer.witness.context)["s3:prefix"] == ContextValue(("home/example",))


def test_a_service_key_the_action_never_carries_is_absent():
    """The service authorization reference lists s3:prefix for the ListBucket family only: a
    GetObject request never carries it, so a grant that requires it never applies (C1), and
    neither the guesses nor z3 may make one up (issue 14, the model checker's
    key-the-action-never-carries class, there with iam:PolicyARN on CreatePolicyVersion).
    https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html"""
    ps = alice(
        allow(
            "s3:GetObject",
            "arn:aws:s3:::corp-data/*",
            Condition={"StringLike": {"s3:prefix": "home/*"}},
        )
    )
    for guess in (True, False):
        answer = _solve(ps, "s3:GetObject", "arn:aws:s3:::corp-data/*", guess=guess)
        assert answer.verdict is Verdict.UNREACHABLE, answer
    # a pattern that also names the ListBucket family is still reachable, through those actions
    wide = alice(allow("s3:*", "*", Condition={"StringLike": {"s3:prefix": "home/*"}}))
    answer = _solve(wide, catalog().intervals("s3:List*"), "arn:aws:s3:::corp-data", guess=False)
    assert answer.verdict is Verdict.REACHABLE
    assert catalog().carries(answer.witness.action, "s3:prefix"), answer.witness.action
    assert answer.witness.action != "s3:ListAllMyBuckets"


def test_guess_never_chooses_a_credential_key():
    """aws:PrincipalTag/* is fixed by the credential (alice has no tag): the Allow cannot hold,
    and the guess must not invent the tag."""
    ps = alice(
        allow(
            "s3:GetObject",
            Condition={"StringEquals": {"aws:PrincipalTag/team": "data"}},
        )
    )
    answer = _solve(ps, "s3:GetObject", "arn:aws:s3:::corp-data/*")
    assert answer.verdict is Verdict.UNREACHABLE


def test_guess_that_hits_a_deny_falls_through_to_z3():
    """The first obvious request (the listed region) is denied; z3 finds another region."""
    ps = alice(
        allow("s3:GetObject", Condition={"StringLike": {"aws:RequestedRegion": "eu-*"}}),
        deny("s3:GetObject", Condition={"StringEquals": {"aws:RequestedRegion": "eu-example"}}),
    )
    answer = _solve(ps, "s3:GetObject", "arn:aws:s3:::corp-data/x")
    assert answer.verdict is Verdict.REACHABLE
    region = dict(answer.witness.context)["aws:RequestedRegion"].values[0]
    assert region.startswith("eu-") and region != "eu-example"


def test_guess_sends_the_region_a_policy_reads():
    """Every real request carries aws:RequestedRegion: a region lock that denies requests
    without it (C2) must not make the obvious request fail."""
    ps = alice(
        allow("ec2:RunInstances"),
        deny(
            "*",
            Condition={"StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}},
        ),
    )
    (name, arn, chosen, _), *_ = guesses(
        ps,
        "ec2:RunInstances",
        "arn:aws:ec2:*:111122223333:instance/*",
        (Mfa.NO_MFA,),
        may_choose=bool,
    )
    assert dict((k, v.values[0]) for k, v in chosen) == {"aws:RequestedRegion": "us-east-1"}
    assert decide(ps, Request.build(name, arn, chosen)).outcome is Outcome.ALLOWED


def test_guess_ignores_statements_for_other_actions():
    ps = alice(allow("s3:PutObject", "arn:aws:s3:::corp-data/*"))
    assert not list(
        guesses(ps, "s3:GetObject", "arn:aws:s3:::corp-data/*", (Mfa.NO_MFA,), may_choose=bool)
    )


def test_guess_steps_past_an_excluded_bound_of_a_numeric_or_date_comparison():
    """DateLessThan/NumericGreaterThan exclude the value they name (C13, C14): the guess is one
    step past it (a day, one unit), the bound itself where the operator includes it. Each
    guess is replayed, so the evaluator, not the guess, says it is allowed."""
    ps = alice(
        allow(
            "iam:CreatePolicyVersion",
            Condition={
                "DateLessThan": {"aws:CurrentTime": "2020-01-01T00:00:01Z"},
                "NumericGreaterThan": {"s3:max-keys": "10"},
                "NumericLessThanEquals": {"aws:MultiFactorAuthAge": "3600"},
            },
        )
    )
    (name, arn, chosen, _), *_ = guesses(
        ps, "iam:CreatePolicyVersion", "*", (Mfa.NO_MFA,), may_choose=bool
    )
    values = {k: v.values[0] for k, v in chosen}
    assert values == {
        "aws:CurrentTime": "2019-12-31T00:00:01Z",
        "s3:max-keys": "11",
        "aws:MultiFactorAuthAge": "3600",
    }
    assert decide(ps, Request.build(name, arn, chosen)).outcome is Outcome.ALLOWED


def test_guess_of_an_unreadable_date_bound_is_left_to_z3():
    ps = alice(allow("s3:GetObject", Condition={"DateGreaterThan": {"aws:CurrentTime": "soon"}}))
    found = list(guesses(ps, "s3:GetObject", "*", (Mfa.NO_MFA,), may_choose=bool))
    assert all("aws:CurrentTime" not in dict(chosen) for _, _, chosen, _ in found)


# -- the root user -----------------------------------------------------------------------------


def test_the_root_user_is_guessed_from_its_own_access():
    """E1: the root user needs no Allow in its own account, so no statement names what it may
    do; its requests are guessed as if one allowed everything (still replayed: an SCP that
    denies is the evaluator's to apply). Without it every root question went to z3 (0.2-0.3 s
    each at 1,000 principals, one per compute method and account)."""
    root = caller(f"arn:aws:iam::{ACCOUNT}:root")
    ps = PolicySet(caller=root, resource_account=ACCOUNT)
    pattern = f"arn:aws:codebuild:*:{ACCOUNT}:project/*"
    found = list(guesses(ps, "codebuild:StartBuild", pattern, (Mfa.NO_MFA,), may_choose=bool))
    assert found and all(glob_match(pattern, arn) for _, arn, _, _ in found)
    name, arn, chosen, _ = found[0]
    assert decide(ps, Request.build(name, arn, chosen)).outcome is Outcome.ALLOWED
    assert _solve(ps, "codebuild:StartBuild", pattern).verdict is Verdict.REACHABLE
    denied = PolicySet(
        caller=root,
        resource_account=ACCOUNT,
        scp_levels=levels((policy(allow(), deny("codebuild:*"), kind="scp"),)),
    )
    assert _solve(denied, "codebuild:StartBuild", pattern).verdict is Verdict.UNREACHABLE
