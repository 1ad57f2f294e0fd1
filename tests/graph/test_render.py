"""Diagrams: labels are escaped (quotes, angle brackets, backslashes in names), and without
Graphviz's `dot` the `.dot` source is written with a message on how to install it."""

from __future__ import annotations

from pathlib import Path

import graphviz
import pytest

from iamgraph.evaluate.gather import Mfa
from iamgraph.graph.build import Hop
from iamgraph.graph.methods import Gain
from iamgraph.load.snapshot import load_snapshot
from iamgraph.render.dot import Goal, RenderError, diagram, write
from iamgraph.verdict import Verdict
from tests.conftest import DEMO
from tests.demo import MGMT


@pytest.fixture(scope="module")
def demo_snap():
    return load_snapshot(DEMO)


def hop(source: str, target: str, method: str = "AssumeRole") -> Hop:
    return Hop(
        source, target, method, Gain.SESSION, Mfa.LONG_TERM_KEYS, Mfa.NO_MFA,
        Verdict.REACHABLE, (("sts:AssumeRole", target),), (),
    )  # fmt: skip


def test_hostile_text_stays_text(demo_snap, tmp_path):
    title = 'who can "delete" <b>the</b> trail \\ now'
    dot = diagram(
        demo_snap,
        [hop(f"{MGMT}:user/oncall-bot", "arn:aws:iam::444455556666:role/PlatformDeploy")],
        title=title,
        goals=[Goal('bucket "x" <y>', "arn:aws:iam::444455556666:role/PlatformDeploy", "s3:*")],
    )
    source = dot.source
    assert '\\"delete\\"' in source and "<b>the</b>" in source
    assert "label=<" not in source  # never an HTML-like label
    assert "\\\\ now" in source  # a backslash is doubled, not an escape sequence
    out = write(dot, tmp_path / "hostile.svg")
    svg = out.read_text()
    assert "&lt;b&gt;the&lt;/b&gt;" in svg and "&quot;delete&quot;" in svg


def test_nodes_are_clustered_by_account_inside_ous(demo_snap):
    source = diagram(
        demo_snap,
        [hop(f"{MGMT}:user/oncall-bot", "arn:aws:iam::444455556666:role/PlatformDeploy")],
        title="t",
    ).source
    prod = source.index("acme-prod 444455556666")
    assert source.index("OU Workloads") < source.index("OU Prod") < prod
    assert "shape=hexagon" in source and 'style="rounded,filled"' in source


def test_missing_dot_writes_the_source_and_says_how_to_install(demo_snap, tmp_path, monkeypatch):
    def no_dot(*args, **kwargs):
        raise graphviz.ExecutableNotFound(["dot"])

    monkeypatch.setattr(graphviz.Digraph, "pipe", no_dot)
    dot = diagram(demo_snap, [], title="t", principals=[f"{MGMT}:user/ci-deployer"])
    with pytest.raises(RenderError) as err:
        write(dot, tmp_path / "g.png")
    assert "apt-get install -y graphviz" in str(err.value)
    assert Path(tmp_path / "g.dot").read_text() == dot.source
    assert not (tmp_path / "g.png").exists()
