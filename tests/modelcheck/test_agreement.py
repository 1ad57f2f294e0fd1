"""iamgraph's `privesc` must agree with the model checker on small generated accounts.

Per principal: `proven-unreachable` is confirmed by a breadth-first search of concrete API
calls up to `search.BOUND` (4) moves; a `reachable` path replays as concrete calls ending on
an admin credential; `unknown` agrees with anything (`compare.py`). 300 accounts per run in CI;
`HYPOTHESIS_PROFILE=nightly` runs 3,000.
"""

from __future__ import annotations

import ast
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from iamgraph.load.snapshot import load_snapshot
from tests.modelcheck.account import ACCOUNT
from tests.modelcheck.aws_files import write_snapshot
from tests.modelcheck.compare import compare
from tests.modelcheck.generate import accounts

NIGHTLY = os.environ.get("HYPOTHESIS_PROFILE") == "nightly"
EXAMPLES = 3000 if NIGHTLY else 300
CHECKER_MODULES = ("account", "moves", "search", "generate", "aws_files", "cases")


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(accounts())
def test_privesc_agrees_with_the_model_checker(account):
    with tempfile.TemporaryDirectory() as folder:
        result = compare(account, Path(folder))
    assert not result.disagreements, "\n".join(map(str, result.disagreements))


@settings(max_examples=25, deadline=None)
@given(accounts())
def test_generated_snapshot_loads_as_written(account):
    """What the engine reads is what the checker searches: same principals, groups, policies
    and attachments, and every compute inventory collected (empty), so compute steps are
    proven absent rather than unknown."""
    with tempfile.TemporaryDirectory() as folder:
        snap = load_snapshot(write_snapshot(account, Path(folder)))
    users = {p: q for p, q in snap.principals.items() if q.user}
    roles = {p: q for p, q in snap.principals.items() if q.role}
    assert sorted(users) == sorted(u.arn for u in account.users)
    assert sorted(roles) == sorted(r.arn for r in account.roles)
    assert sorted(snap.groups) == sorted(g.arn for g in account.groups)
    assert sorted(snap.managed_policies) == sorted(p.arn for p in account.policies)
    for u in account.users:
        got = snap.principals[u.arn].user
        assert set(got.attached) == set(u.attached)
        assert set(got.groups) == set(u.groups)
        assert got.boundary == u.boundary
        assert len(got.inline) == len(u.inline)
    inventory = snap.accounts[ACCOUNT].inventory
    assert not inventory.runners
    assert {
        "lambda-functions",
        "glue-dev-endpoints",
        "cloudformation-stacks",
        "codebuild-projects",
        "sagemaker-notebooks",
        "ec2-instances",
        "ssm-managed-instances",
    } <= set(inventory.collected)


@pytest.mark.parametrize("module", CHECKER_MODULES)
def test_checker_shares_nothing_with_the_graph(module):
    """The oracle must not reuse what it checks: no checker module imports iamgraph.graph or
    iamgraph.solvers (nor iamgraph.evaluate.gather, whose context it writes out by hand)."""
    tree = ast.parse((Path(__file__).parent / f"{module}.py").read_text())
    names = [
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in (node.names if isinstance(node, ast.Import) else [None])
    ]
    banned = ("iamgraph.graph", "iamgraph.solvers", "iamgraph.evaluate.gather")
    assert not [n for n in names if n and n.startswith(banned)]
