"""Every phase that takes long at scale reports progress (issue 18, item 5): loading, building
the graph, the path searches of `privesc` and `who-can`, each audit check. The CLI draws these
calls as a rich bar on stderr when it is a terminal; here a recorder stands in for it."""

from __future__ import annotations

from iamgraph.audit.run import audit_snapshot
from iamgraph.query.answer import privesc, who_can
from tests.conftest import DEMO


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[int, int, str]] = []

    def __call__(self, done: int, total: int, label: str) -> None:
        self.calls.append((done, total, label))

    def phase(self, label: str) -> list[tuple[int, int]]:
        return [(d, t) for d, t, lab in self.calls if lab == label]


def _counts_up(steps: list[tuple[int, int]], total: int) -> None:
    assert steps, "phase not reported"
    assert all(t == total for _, t in steps)
    done = [d for d, _ in steps]
    assert done == sorted(done) and done[0] == 0 and done[-1] == total - 1


def test_privesc_reports_each_principal_it_searches(demo):
    rec = Recorder()
    privesc(demo, progress=rec)
    _counts_up(rec.phase("searching paths to admin"), len(demo.principals))
    assert rec.phase("building the permission graph")


def test_who_can_reports_the_credentials_then_each_principal(demo):
    rec = Recorder()
    who_can(demo, [(["iam:CreateUser"], ["*"])], progress=rec)
    _counts_up(rec.phase("searching paths"), len(demo.principals))
    labels = [lab for _, _, lab in rec.calls]
    first = labels.index("finding which credentials can be held")
    assert first < labels.index("searching paths")


def test_audit_reports_loading_and_each_check():
    rec = Recorder()
    audit = audit_snapshot(
        DEMO, ["IAM.ROOT.ACCESS_KEYS", "IAM.PASSWORD.MISSING"], timeout_ms=5000, progress=rec
    )
    assert any(lab.startswith("loading account ") for _, _, lab in rec.calls)
    audited = [lab for _, _, lab in rec.calls if lab.startswith("auditing ")]
    assert audited == [f"auditing {c.id}" for c in audit.checks]


def test_diff_reports_each_phase(demo):
    """The pre-merge diff: the principals' own layers, then each side's graph and its paths to
    admin, in that order (the same snapshot on both sides: every phase still runs)."""
    from iamgraph.premerge.snapshot_diff import diff_snapshots

    rec = Recorder()
    diff_snapshots(demo, demo, timeout_ms=5000, progress=rec)
    total = len(demo.principals)
    _counts_up(rec.phase("comparing each principal's own permissions"), total)
    _counts_up(rec.phase("paths to admin before"), total)
    _counts_up(rec.phase("paths to admin after"), total)
    labels = list(dict.fromkeys(lab for _, _, lab in rec.calls))
    assert labels == [
        "comparing each principal's own permissions",
        "building the graph before",
        "building the graph after",
        "paths to admin before",
        "paths to admin after",
    ]


def test_check_reports_loading_the_graph_and_each_invariant():
    """`check`: loading, the graph, then each invariant by name (issue 19: a bar on anything
    that takes longer than a second)."""
    from iamgraph.premerge.run import check_invariants
    from tests.conftest import REPO

    rec = Recorder()
    checked = check_invariants(DEMO, REPO / "iamgraph.toml", timeout_ms=5000, progress=rec)
    assert any(lab.startswith("loading account ") for _, _, lab in rec.calls)
    names = [o.invariant.name for o in checked.outcomes]
    for i, name in enumerate(names):
        assert rec.phase(f"checking invariant {name}") == [(i, len(names))]
    labels = [lab for _, _, lab in rec.calls]
    assert labels[-1] == f"checking invariant {names[-1]}"
