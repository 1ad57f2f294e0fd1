"""Properties every AWS-like decision procedure has, checked on random policies (hypothesis).

A Deny can only take access away (E2), an Allow can only add it (E3), a boundary, a session
policy or an SCP level can only take it away (E4, E10, E12). The z3 encoding will be tested
against this evaluator case by case; these properties keep the evaluator itself honest.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from iamgraph.evaluate.layers import Outcome
from tests.evaluate.builders import ACCOUNT, OTHER, caller, levels, policy, request, run

ACTIONS = ["s3:GetObject", "s3:PutObject", "s3:*", "s3:Get*", "ec2:*", "*"]
RESOURCES = [
    "*",
    "arn:aws:s3:::acme-data/*",
    "arn:aws:s3:::acme-data/reports/*",
    "arn:aws:s3:::other/*",
]
CONDITIONS = [
    None,
    {"StringEquals": {"aws:RequestedRegion": "us-east-1"}},
    {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
    {"StringNotEquals": {"aws:PrincipalTag/team": "data"}},
    {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
]


@st.composite
def statements(draw, effect=None):
    st_ = {
        "Effect": effect or draw(st.sampled_from(["Allow", "Deny"])),
        ("NotAction" if draw(st.booleans()) and draw(st.booleans()) else "Action"): draw(
            st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=2)
        ),
        "Resource": draw(st.lists(st.sampled_from(RESOURCES), min_size=1, max_size=2)),
    }
    cond = draw(st.sampled_from(CONDITIONS))
    if cond:
        st_["Condition"] = cond
    return st_


def policies(kind="identity", effect=None):
    return st.lists(statements(effect), min_size=1, max_size=3).map(
        lambda sts: policy(*sts, kind=kind)
    )


requests = st.builds(
    lambda action, key, region, ip: request(
        action,
        f"arn:aws:s3:::acme-data/{key}",
        aws__RequestedRegion=region,
        aws__SourceIp=ip,
    ),
    st.sampled_from(["s3:GetObject", "s3:PutObject", "ec2:RunInstances"]),
    st.sampled_from(["reports/q1.csv", "raw/x.json"]),
    st.sampled_from(["us-east-1", "eu-west-1"]),
    st.sampled_from(["203.0.113.7", "198.51.100.1"]),
)
callers = st.sampled_from(
    [f"arn:aws:iam::{ACCOUNT}:user/alice", f"arn:aws:iam::{OTHER}:user/partner"]
)


def rank(outcome: Outcome) -> int:
    return {Outcome.EXPLICIT_DENY: 0, Outcome.IMPLICIT_DENY: 1, Outcome.ALLOWED: 2}[outcome]


@given(requests, callers, policies(), policies(effect="Deny"))
def test_a_deny_never_adds_access(req, who, identity, extra):
    before = run(req, who=caller(who), identity=[identity])
    after = run(req, who=caller(who), identity=[identity, extra])
    assert rank(after.outcome) <= rank(before.outcome)


@given(requests, callers, policies(), policies(effect="Allow"))
def test_an_allow_never_removes_access(req, who, identity, extra):
    before = run(req, who=caller(who), identity=[identity])
    after = run(req, who=caller(who), identity=[identity, extra])
    assert (before.outcome is Outcome.EXPLICIT_DENY) == (after.outcome is Outcome.EXPLICIT_DENY)
    assert rank(after.outcome) >= rank(before.outcome)


@given(
    requests, policies(), policies(kind="boundary"), policies(kind="session"), policies(kind="scp")
)
def test_boundary_session_and_scp_only_take_away(req, identity, boundary, session, scp):
    who = caller(f"arn:aws:sts::{ACCOUNT}:assumed-role/app/run-1")
    base = run(req, who=who, identity=[identity])
    for layers in ({"boundary": boundary}, {"session": session}, {"scp_levels": levels((scp,))}):
        limited = run(req, who=who, identity=[identity], **layers)
        assert rank(limited.outcome) <= rank(base.outcome), layers


@given(requests, callers, policies())
def test_every_allowed_decision_names_an_allow_and_every_explicit_deny_a_deny(req, who, identity):
    d = run(req, who=caller(who), identity=[identity])
    if d.outcome is Outcome.ALLOWED:
        assert d.deciding and all(r.effect == "Allow" for r in d.deciding)
    elif d.outcome is Outcome.EXPLICIT_DENY:
        assert d.deciding and all(r.effect == "Deny" for r in d.deciding)
    else:
        assert d.lacking
