"""`solve` (the core of `can`) with keys the credential fixes: policy variables are substituted
as the evaluator does (V1-V3), escapes are literal characters (V5), and a pinned list is
compared as a finite set (C8-C10), so the answer is decided, never `unknown`."""

from __future__ import annotations

import pytest

from iamgraph.evaluate.gather import Mfa
from iamgraph.evaluate.layers import PolicySet
from iamgraph.evaluate.request import ContextValue
from iamgraph.solvers.solve import solve
from iamgraph.verdict import Verdict
from tests.evaluate.builders import ACCOUNT, allow, caller, policy

TABLE = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table"
DANA = [("aws:username", ContextValue(("dana",)))]
TEAM = [("aws:PrincipalTag/team", ContextValue(("orders",)))]


def dana(*statements: dict) -> PolicySet:
    return PolicySet(
        caller=caller(f"arn:aws:iam::{ACCOUNT}:user/dana"),
        resource_account=ACCOUNT,
        identity=(policy(*statements),),
    )


def ask(ps: PolicySet, action: str, resource: str, pinned) -> Verdict:
    answer = solve(
        ps, "q", action, resource, pinned, (Mfa.NO_MFA,), fixed=lambda k: k.startswith("aws:p")
    )
    return answer.verdict


R, U = Verdict.REACHABLE, Verdict.UNREACHABLE


@pytest.mark.parametrize(
    "pattern,resource,pinned,verdict",
    [
        # V1: the pinned user name
        (f"{TABLE}/home-${{aws:username}}", f"{TABLE}/home-dana", DANA, R),
        (f"{TABLE}/home-${{aws:username}}", f"{TABLE}/home-*", DANA, R),
        (f"{TABLE}/home-${{aws:username}}", f"{TABLE}/home-erin", DANA, U),
        # V3: tag present, its value; absent (fixed: the caller lacks it), the default
        (f"{TABLE}/${{aws:PrincipalTag/team, 'shared'}}", f"{TABLE}/orders", TEAM, R),
        (f"{TABLE}/${{aws:PrincipalTag/team, 'shared'}}", f"{TABLE}/shared", TEAM, U),
        (f"{TABLE}/${{aws:PrincipalTag/team, 'shared'}}", f"{TABLE}/shared", [], R),
        (f"{TABLE}/${{aws:PrincipalTag/team, 'shared'}}", f"{TABLE}/*", [], R),
        # V5: `${*}` is a `*`, not a wildcard, also under a resource pattern
        (f"{TABLE}/odd${{*}}", f"{TABLE}/odd*", [], R),
        (f"{TABLE}/odd${{*}}", f"{TABLE}/oddity", [], U),
        (f"{TABLE}/odd${{?}}${{$}}", f"{TABLE}/odd?$", [], R),
        (f"{TABLE}/odd${{?}}${{$}}", f"{TABLE}/odd1$", [], U),
    ],
)
def test_pinned_variables_are_decided(pattern, resource, pinned, verdict):
    ps = dana(allow("dynamodb:GetItem", pattern))
    assert ask(ps, "dynamodb:GetItem", resource, pinned) is verdict


@pytest.mark.parametrize(
    "tags,verdict",
    [
        (("team", "cost-center"), R),  # C8
        (("team", "Team", "team"), U),  # C10: case-sensitive; a repeat changes nothing
        ((), R),  # C8: the empty list
    ],
)
def test_a_pinned_list_is_a_finite_set(tags, verdict):
    ps = dana(
        allow(
            "ec2:CreateTags",
            Condition={"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "cost-center"]}},
        )
    )
    pinned = [("aws:TagKeys", ContextValue(tags, multi=True))]
    resource = f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-0abc"
    assert ask(ps, "ec2:CreateTags", resource, pinned) is verdict
