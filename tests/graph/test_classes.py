"""Resource classes (`graph.classes`): a question answered for one resource of a class and
carried to another gives the verdict `can` gives when asked afresh, and every carried witness
is the evaluator's Allow for the new resource. Checked on the model checker's generated
accounts (statements on `*` or on the generated ARNs, MFA and tag conditions, boundaries,
Denies) and on the demo organization (SCPs, RCPs, several accounts)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings

from iamgraph.evaluate.gather import Mfa
from iamgraph.evaluate.layers import decide
from iamgraph.graph.build import Builder
from iamgraph.graph.classes import signature
from iamgraph.load.snapshot import load_snapshot
from iamgraph.model.principals import PrincipalKind
from iamgraph.solvers.properties import can
from iamgraph.verdict import Verdict
from tests.conftest import REPO
from tests.modelcheck.aws_files import write_snapshot
from tests.modelcheck.generate import accounts

# the per-target questions of the escalation methods (`graph.methods`)
ACTIONS = {
    PrincipalKind.ROLE: ("iam:PassRole", "iam:UpdateAssumeRolePolicy", "iam:AttachRolePolicy"),
    PrincipalKind.USER: ("iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:PutUserPolicy"),
}


def _agree(snap, sources, kinds=(PrincipalKind.ROLE, PrincipalKind.USER)) -> int:
    """Ask every question through a Builder (classes on) and afresh; return how many answers
    were carried from another resource of their class."""
    carried = 0
    for source in sources:
        p = snap.principals[source]
        targets = [
            q for q in snap.principals.values() if q.account == p.account and q.kind in kinds
        ]
        builder = Builder(snap)
        for q in targets:
            for action in ACTIONS[q.kind]:
                mode = Mfa.NO_MFA
                before = len(builder.classes)
                got = builder.ask(source, mode, action, q.arn)
                fresh = can(snap, source, [action], [q.arn], modes=(mode,))
                assert got.verdict == fresh.verdict, (source, action, q.arn, got, fresh)
                if got.verdict is Verdict.REACHABLE:
                    w = got.witness
                    assert (w.action, w.resource) == (action, q.arn)
                    assert w.decision.allowed
                sig = signature(snap, source, action, q.arn)
                carried += sig is not None and len(builder.classes) == before
    return carried


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(accounts())
def test_carried_answers_agree_with_fresh_ones(account):
    with tempfile.TemporaryDirectory() as folder:
        snap = load_snapshot(write_snapshot(account, Path(folder)))
    _agree(snap, [a for a, p in snap.principals.items() if p.kind is not PrincipalKind.ROOT])


def test_demo_organization_answers_are_carried_and_agree():
    snap = load_snapshot(REPO / "fixtures" / "demo-org")
    sources = [a for a, p in snap.principals.items() if p.kind is not PrincipalKind.ROOT]
    assert _agree(snap, sources) > 0  # the classes are used at all


def test_a_carried_witness_is_the_evaluators_allow():
    """The witness moved to another role is decided again, under that role's own layers."""
    snap = load_snapshot(REPO / "fixtures" / "demo-org")
    builder = Builder(snap)
    for source, p in snap.principals.items():
        roles = [q.arn for q in snap.principals.values() if q.role and q.account == p.account]
        for role in roles:
            got = builder.ask(source, Mfa.NO_MFA, "iam:PassRole", role)
            if got.verdict is Verdict.REACHABLE:
                from iamgraph.evaluate.gather import policies_for
                from iamgraph.evaluate.request import Request

                w = got.witness
                ps = policies_for(snap, source, w.action, w.resource)
                req = Request.build(w.action, w.resource, list(w.context))
                assert decide(ps, req).allowed
