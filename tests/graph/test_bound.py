"""The bound search (`graph.bound`) proves `proven-unreachable` only where the exact search
does: on every generated account (the model checker's), for the admin goal and for direct
action goals, every principal gets the same verdict with the bound as without it. Also: a
start inside a closed set already searched is answered from it, and agrees with the exact
search."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iamgraph.graph.admin import layers
from iamgraph.graph.bound import TOP
from iamgraph.graph.build import build
from iamgraph.graph.changes import apply
from iamgraph.graph.paths import Paths, modes_filter, privesc, who_can
from iamgraph.load.snapshot import load_snapshot
from iamgraph.query.reach import _goal
from iamgraph.verdict import Verdict
from tests.modelcheck.account import ACCOUNT, arn
from tests.modelcheck.aws_files import write_snapshot
from tests.modelcheck.generate import ROLE_NAME, accounts

GOALS = (
    # only principals the role's trust names may: a bound state must reach them, not do it
    (["sts:AssumeRole"], [arn("role", ROLE_NAME)]),
    (["iam:CreateUser"], ["*"]),
    (["s3:GetObject"], ["arn:aws:s3:::data-bucket/report.csv"]),
    (["ec2:RunInstances"], ["*"]),
)


class _NoBound:
    """The exact search alone."""

    def out_of_reach(self, starts, goal, allowed) -> bool:
        return False


def _exact(pg) -> Paths:
    paths = Paths(pg)
    paths.bound = _NoBound()
    return paths


def _verdicts(found) -> dict[str, Verdict]:
    return {f.principal: f.verdict for f in found}


def _snapshot(account, folder: str):
    return load_snapshot(write_snapshot(account, Path(folder)))


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(accounts(), st.sampled_from(GOALS), st.sampled_from([None, "no-mfa"]))
def test_bound_agrees_with_the_exact_search(account, check, mfa):
    with tempfile.TemporaryDirectory() as folder:
        snap = _snapshot(account, folder)
    allowed = modes_filter(mfa)
    pg = build(snap)
    bounded = Paths(pg)
    exact = _exact(build(snap))
    assert _verdicts(privesc(pg, bounded, allowed)) == _verdicts(privesc(exact.pg, exact, allowed))
    got = who_can(pg, bounded, _goal(bounded, [check], ()), allowed)
    want = who_can(exact.pg, exact, _goal(exact, [check], ()), allowed)
    assert _verdicts(got) == _verdicts(want)


def test_top_bounds_every_change():
    """TOP leaves one identity policy that allows everything and no boundary: at least what
    any change could give (the SCPs, session and resource policies are left as they are)."""
    from tests.modelcheck import cases

    with tempfile.TemporaryDirectory() as folder:
        snap = _snapshot(cases.boundary_survives_the_write(), folder)
    bounded = next(p for p in snap.principals.values() if p.policies.boundary is not None)
    own, _ = layers(snap, bounded.arn)
    assert own.boundary is not None
    top = apply(snap, own, TOP)
    assert top.boundary is None
    assert [st.actions for p in top.identity for st in p.statements] == [("*",)]
    assert top.caller == own.caller and top.session == own.session


# an instance of an account outside the snapshot: EC2 has no resource policy, so no one may
CROSS_ACCOUNT = (["ec2:TerminateInstances"], ["arn:aws:ec2:us-east-1:999999999999:instance/i-0"])


def test_a_start_inside_a_closed_set_is_answered_from_it():
    """Two administrators of one account reach the same states: the second search is answered
    from the set the first closed, and says what the exact search says."""
    from tests.modelcheck import cases

    with tempfile.TemporaryDirectory() as folder:
        snap = _snapshot(cases.assume_admin_role_with_mfa(), folder)
    pg = build(snap)
    paths = Paths(pg)
    goal = _goal(paths, [CROSS_ACCOUNT], ())
    allowed = modes_filter(None)
    first = who_can(pg, paths, goal, allowed)
    closed = paths.bound.closed[(goal, allowed)]
    assert closed, "the bound search left no closed set"
    inside = [s for s in closed[0] if not s.gains and s.arn != closed_root(snap)]
    assert len({s.arn for s in inside}) > 1
    searched = len(closed)
    for s in inside:
        assert paths.search(s.arn, [s], goal, allowed).verdict is Verdict.UNREACHABLE
    assert len(paths.bound.closed[(goal, allowed)]) == searched  # no new search was needed
    exact = _exact(build(snap))
    want = who_can(exact.pg, exact, _goal(exact, [CROSS_ACCOUNT], ()), allowed)
    assert _verdicts(first) == _verdicts(want)
    assert set(_verdicts(want).values()) == {Verdict.UNREACHABLE}


def closed_root(snap) -> str:
    return f"arn:aws:iam::{ACCOUNT}:root"
