"""Admin is decided by the solver: every action on every resource the SCPs allow (issue 5).
Cases on the demo organization and on hand-built snapshots (E1-E6, E20)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from iamgraph.evaluate.gather import Mfa
from iamgraph.graph.admin import Admin, decide_admin, layers
from iamgraph.model.policy import PolicyKind, parse_policy
from iamgraph.model.source import SourceRef
from iamgraph.verdict import Verdict
from tests.demo import DEV, MGMT


def policy(*statements: dict):
    return parse_policy(
        {"Version": "2012-10-17", "Statement": list(statements)},
        kind=PolicyKind.IDENTITY,
        source=SourceRef("test.json"),
        name="test",
    )


@pytest.mark.parametrize(
    "arn, mode, admin",
    [
        (f"{MGMT}:root", Mfa.MFA, True),  # E20
        (f"{MGMT}:role/BreakGlassAdmin", Mfa.MFA, True),  # AdministratorAccess
        # the Dev OU allow-list SCP limits what dev-admin may do, yet it is admin: relative to SCPs
        (f"{DEV}:role/dev-admin", Mfa.NO_MFA, True),
        (f"{MGMT}:role/TrailOperator", Mfa.NO_MFA, False),
        # Admins group: a Deny of everything without MFA (demo fact), so admin only with MFA
        (f"{MGMT}:user/maria.garcia", Mfa.MFA, True),
        (f"{MGMT}:user/maria.garcia", Mfa.LONG_TERM_KEYS, False),
        # fact 10: iam:* and cloudtrail:* cut by the boundary
        ("arn:aws:iam::444455556666:role/PlatformDeploy", Mfa.NO_MFA, False),
    ],
)
def test_demo_admins(demo, arn, mode, admin):
    assert decide_admin(demo, arn, mode).admin is admin


def test_not_admin_names_a_request_it_lacks(demo):
    answer = decide_admin(demo, f"{MGMT}:role/TrailOperator", Mfa.NO_MFA)
    assert answer.verdict is Verdict.UNREACHABLE
    action, resource = answer.lacks
    assert action and resource


def test_missing_policy_text_is_unknown(demo):
    # fact 14: ReadOnlyAccess's document is missing; it could be anything
    answer = decide_admin(demo, "arn:aws:iam::333344445555:role/SecurityTooling", Mfa.NO_MFA)
    assert answer.verdict is Verdict.UNKNOWN
    assert any("ReadOnlyAccess" in r for r in answer.reasons)


def _with(demo, arn, *statements):
    own, _ = layers(demo, arn)
    return replace(own, identity=(policy(*statements),), boundary=None)


def test_not_action_allow_leaving_out_one_service_is_not_admin(demo):
    arn = f"{MGMT}:role/TrailOperator"
    full = _with(demo, arn, {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
    answer = decide_admin(demo, arn, Mfa.NO_MFA, full=full)
    assert answer.verdict is Verdict.UNREACHABLE
    assert answer.lacks[0].lower().startswith("iam:")


def test_allow_everything_but_one_denied_action_is_not_admin_even_found_by_z3(demo):
    """The Deny is on an action no probe tries: the z3 model finds it, and it replays."""
    arn = f"{MGMT}:role/TrailOperator"
    full = _with(
        demo,
        arn,
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": "workspaces:RebootWorkspaces", "Resource": "*"},
    )
    answer = decide_admin(demo, arn, Mfa.NO_MFA, full=full)
    assert answer == Admin(Verdict.UNREACHABLE, answer.lacks)
    assert answer.lacks[0] == "workspaces:RebootWorkspaces"


def test_deny_only_what_the_scp_denies_is_still_admin(demo):
    """protect-cloudtrail (an SCP) denies StopLogging in member accounts; a principal that
    denies itself just that is still admin there (relative to SCPs)."""
    arn = "arn:aws:iam::222233334444:role/LogArchiveReader"
    full = _with(
        demo,
        arn,
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*"},
    )
    # LeaveOrganization is not denied by the SCPs of 222233334444: not admin
    assert decide_admin(demo, arn, Mfa.NO_MFA, full=full).admin is False
    arn = "arn:aws:iam::666677778888:role/ci-runner"  # workloads-guardrails denies it here
    full = _with(
        demo,
        arn,
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*"},
    )
    assert decide_admin(demo, arn, Mfa.NO_MFA, full=full).admin is True
