"""What a change made along an escalation path does to the principal's layers (G1 groups,
E10 boundaries, E2 Denies), and which changes only widen (the search takes those at once)."""

from __future__ import annotations

from pathlib import Path

import pytest

from iamgraph.evaluate.gather import policies_for
from iamgraph.evaluate.layers import decide
from iamgraph.evaluate.request import Request
from iamgraph.graph.changes import Change, ChangeKind, add, apply, monotone
from iamgraph.load.snapshot import load_snapshot
from tests.conftest import FIXTURES

A = "arn:aws:iam::210000000007"


@pytest.fixture(scope="module")
def snap():
    return load_snapshot(Path(FIXTURES / "privesc" / "gained-permissions"))


def allowed(snap, arn, action, resource, gains=()):
    ps = apply(snap, policies_for(snap, arn, action, resource), gains)
    return decide(ps, Request.build(action, resource, [])).allowed


def test_joining_a_group_adds_its_policies(snap):
    user, group = f"{A}:user/privesc-sre-user", f"{A}:group/privesc-sre-group"
    target = f"{A}:user/privesc-sre-user"
    assert not allowed(snap, user, "iam:AttachUserPolicy", target)
    assert allowed(snap, user, "iam:AttachUserPolicy", target, (Change(ChangeKind.GROUP, group),))


def test_lifting_a_boundary_gives_back_what_it_withheld(snap):
    user = f"{A}:user/boundary-lifter"
    other = f"{A}:user/platform-admin"
    assert not allowed(snap, user, "iam:CreateAccessKey", other)  # E10: cut by the boundary
    assert allowed(snap, user, "iam:CreateAccessKey", other, (Change(ChangeKind.NO_BOUNDARY),))


def test_a_version_made_default_replaces_the_old_text(snap):
    user = f"{A}:user/version-switcher"
    v1 = (Change(ChangeKind.VERSION, f"{A}:policy/deploy-tools", "v1"),)
    assert allowed(snap, user, "iam:SetDefaultPolicyVersion", f"{A}:policy/deploy-tools")
    assert allowed(snap, user, "iam:PutUserPolicy", user, v1)
    assert not allowed(snap, user, "iam:SetDefaultPolicyVersion", f"{A}:policy/deploy-tools", v1)


def test_a_new_version_or_boundary_replaces_the_earlier_one():
    p = f"{A}:policy/deploy-tools"
    gains = add((), Change(ChangeKind.VERSION, p, "v1"))
    assert add(gains, Change(ChangeKind.VERSION, p, "v3")) == (Change(ChangeKind.VERSION, p, "v3"),)
    lifted = add((Change(ChangeKind.BOUNDARY, f"{A}:policy/x"),), Change(ChangeKind.NO_BOUNDARY))
    assert lifted == (Change(ChangeKind.NO_BOUNDARY),)


def test_only_allow_only_additions_are_monotone(snap):
    assert monotone(snap, Change(ChangeKind.GROUP, f"{A}:group/analytics"))
    assert monotone(snap, Change(ChangeKind.NO_BOUNDARY))
    assert monotone(snap, Change(ChangeKind.EVERYTHING))
    assert not monotone(snap, Change(ChangeKind.VERSION, f"{A}:policy/deploy-tools", "v1"))
    assert not monotone(snap, Change(ChangeKind.BOUNDARY, f"{A}:policy/s3-only-boundary"))
    # a policy the snapshot does not hold is not known to only widen
    assert not monotone(snap, Change(ChangeKind.POLICY, f"{A}:policy/not-there"))


def test_a_text_the_snapshot_lacks_is_unresolved_not_empty(snap):
    ps = policies_for(snap, f"{A}:user/analytics-joiner", "s3:GetObject", "*")
    gained = apply(snap, ps, (Change(ChangeKind.POLICY, f"{A}:policy/not-there"),))
    assert gained.unresolved and not ps.unresolved
