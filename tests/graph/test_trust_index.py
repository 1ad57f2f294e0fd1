"""`trusting_roles` looks roles up by the names their trust policies hold (issue 18: the scan of
every role for every principal was quadratic). It must return exactly what the scan returned,
in the same order, for every principal of every fixture and for generated trust policies."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from iamgraph.evaluate.matching import principal_match
from iamgraph.evaluate.request import Caller, CallerType
from iamgraph.graph.build import trusting_roles
from iamgraph.load.snapshot import load_snapshot
from iamgraph.model.policy import Effect, PolicyKind, parse_policy
from iamgraph.model.principals import PrincipalKind
from iamgraph.model.source import SourceRef
from tests.conftest import DEMO, FIXTURES


def scan(snap, p):
    """The definition: every role whose trust has an Allow whose Principal names `p`."""
    if p.kind is PrincipalKind.ROOT:
        caller = Caller(p.arn, CallerType.ROOT, p.account)
    else:
        caller = Caller.from_arn(p.arn)
    return [
        role
        for role in snap.principals.values()
        if role.kind is PrincipalKind.ROLE
        and role.arn != p.arn
        and role.trust is not None
        and any(
            s.effect is Effect.ALLOW
            and s.principal is not None
            and not s.not_principal
            and principal_match(s.principal, caller) is not None
            for s in role.trust.statements
        )
    ]


def snapshots():
    yield load_snapshot(DEMO)
    for folder in sorted((FIXTURES / "privesc").iterdir()):
        if (folder / "accounts").is_dir():
            yield load_snapshot(folder)


def test_the_index_returns_what_the_scan_returns_on_every_fixture():
    compared = 0
    for snap in snapshots():
        for p in snap.principals.values():
            assert [r.arn for r in trusting_roles(snap, p)] == [r.arn for r in scan(snap, p)]
            compared += 1
    assert compared > 100


ACCOUNTS = ("111122223333", "444455556666")
NAMES = st.sampled_from(
    [
        "*",
        *ACCOUNTS,
        *(f"arn:aws:iam::{a}:root" for a in ACCOUNTS),
        *(f"arn:aws:iam::{a}:{k}/{n}" for a in ACCOUNTS for k in ("user", "role") for n in "ab"),
        "arn:aws:sts::111122223333:assumed-role/a/session",
    ]
)


@given(st.data())
def test_the_index_agrees_on_generated_trusts(data):
    """Roles a and b in two accounts, users a and b, each role's trust a random mix of
    Allow and Deny statements and names: the index must not miss or add a role."""
    from dataclasses import replace

    snap = load_snapshot(FIXTURES / "privesc" / "credentials-and-trust")
    roles = [p for p in snap.principals.values() if p.kind is PrincipalKind.ROLE]
    principals = dict(snap.principals)
    for role in roles:
        statements = []
        for _ in range(data.draw(st.integers(0, 3))):
            names = data.draw(st.lists(NAMES, min_size=1, max_size=3))
            block = "*" if "*" in names and data.draw(st.booleans()) else {"AWS": names}
            effect = data.draw(st.sampled_from(["Allow", "Deny"]))  # no NotPrincipal in trusts
            statements.append({"Effect": effect, "Principal": block, "Action": "sts:AssumeRole"})
        doc = {"Version": "2012-10-17", "Statement": statements}
        trust = parse_policy(
            json.loads(json.dumps(doc)), kind=PolicyKind.TRUST, source=SourceRef("t", ())
        )
        principals[role.arn] = replace(role, role=replace(role.role, trust=trust))
    snap = replace(snap, principals=principals)
    for p in snap.principals.values():
        assert [r.arn for r in trusting_roles(snap, p)] == [r.arn for r in scan(snap, p)]
