"""The bound search across accounts: on small synthetic organizations (bench/synth.py: SCPs,
cross-account trusts, admins in every account, planted paths), the bound (with each account's
closure searched once and paired with the states a search holds elsewhere) proves
`proven-unreachable` only where the exact search does, for the admin goal and for `who-can`
goals. The model checker's generated accounts are single accounts; these are not."""

from __future__ import annotations

import json

import pytest

from iamgraph.graph.bound import Closure
from iamgraph.graph.build import build
from iamgraph.graph.paths import Paths, modes_filter, privesc, who_can
from iamgraph.load.snapshot import load_snapshot
from iamgraph.query.reach import _goal
from iamgraph.verdict import Verdict
from tests.graph.test_bound import _exact, _verdicts
from tests.test_synth import synth

# accounts, principals per account, seed; the MFA modes asked
ORGS = (("3", "10", "5", None), ("4", "8", "11", "no-mfa"))


@pytest.fixture(params=ORGS, ids=lambda o: f"{o[0]}x{o[1]}-seed{o[2]}-{o[3] or 'any'}")
def org(request, tmp_path):
    accounts, per, seed, mfa = request.param
    out = tmp_path / "snap"
    args = ("--accounts", accounts, "--principals-per-account", per, "--plants", "3")
    done = synth(out, *args, "--seed", seed)
    assert done.returncode == 0, done.stderr
    return load_snapshot(out), json.loads((out / "planted.json").read_text()), mfa


def _goals(snap, planted):
    probe = planted["probes"]["who_can"]
    yield [probe["action"]], [probe["resource"]]
    for account in snap.accounts:  # IAM has no resource policies: only from inside B
        yield ["iam:CreateUser"], [f"arn:aws:iam::{account}:user/new-user"]
    yield ["sts:AssumeRole"], [next(a for a in snap.principals if ":role/" in a)]
    yield ["kms:Decrypt"], [f"arn:aws:kms:us-east-1:{next(iter(snap.accounts))}:key/*"]


def test_bound_and_exact_agree_across_accounts(org):
    snap, planted, mfa = org
    pg = build(snap)
    bounded, exact = Paths(pg), _exact(pg)
    allowed = modes_filter(mfa)
    assert _verdicts(privesc(pg, bounded, allowed)) == _verdicts(privesc(pg, exact, allowed))
    for actions, resources in _goals(snap, planted):
        got = who_can(pg, bounded, _goal(bounded, [(actions, resources)], ()), allowed)
        want = who_can(pg, exact, _goal(exact, [(actions, resources)], ()), allowed)
        assert _verdicts(got) == _verdicts(want), (actions, resources)
    closures = [c for c in bounded.bound.everything.values() if isinstance(c, Closure)]
    assert closures, "no account's closure was searched: the test would not exercise it"
    assert any(f.verdict is Verdict.UNREACHABLE for f in privesc(pg, bounded, allowed))


def test_obtainable_asks_administrators_only_for_what_is_not_held_yet(org):
    """`Paths._closure` asks an administrator's steps only toward principals whose states it
    does not hold yet (administrators last): the same states as asking for all of them."""
    snap, _, mfa = org
    allowed = modes_filter(mfa)
    pg = build(snap)
    filtered = Paths(pg).obtainable(allowed)
    everyone = Paths(build(snap))
    everyone._unseen = lambda seen, allowed: None  # every step of every state
    assert filtered == everyone.obtainable(allowed)
    assert any(pg.admin_of(s.arn, s.mode).verdict is Verdict.REACHABLE for s in filtered[0])
