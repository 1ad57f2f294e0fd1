"""graph.parallel (issue 18 item 4): the per-account work run by one process, by two forked
processes, or by a Dask cluster gives byte-identical answers (privesc and who-can JSON, the
timing field `seconds` aside), on the demo organization and on a small synthetic one. Both
snapshots are below the size where `--jobs` takes effect (`workers.SMALL`), so the tests lower
it; a separate test checks that a small snapshot stays serial and lazy."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from iamgraph.cli.app import app
from iamgraph.graph import parallel
from iamgraph.graph.build import build as build_serial
from iamgraph.verdict import Verdict
from iamgraph.workers import SMALL, Workers
from tests.conftest import DEMO, REPO

runner = CliRunner()
SIZE = ("--accounts", "3", "--principals-per-account", "12", "--seed", "1")


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Path:
    """bench/synth.py at 3 x 12 with its built-in managed policies (nothing outside the clone)."""
    out = tmp_path_factory.mktemp("synth") / "org"
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / "synth.py"), "--builtin-managed", *SIZE, str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture
def every_size(monkeypatch):
    monkeypatch.setattr(parallel, "SMALL", 0)


def run(*args: str) -> tuple[int, str]:
    """(exit code, stdout) without the timing lines (who-can's `seconds`)."""
    done = runner.invoke(app, [*args, "-f", "json", "-q"])
    assert done.exception is None or isinstance(done.exception, SystemExit), done.exception
    lines = [line for line in done.stdout.splitlines() if '"seconds":' not in line]
    return done.exit_code, "\n".join(lines)


def answers(snapshot: Path, *how: str) -> tuple[tuple[int, str], tuple[int, str]]:
    """privesc, and who-can read the planted data bucket, run `how`."""
    planted = json.loads((snapshot / "planted.json").read_text())["probes"]["who_can"]
    return (
        run("privesc", str(snapshot), *how),
        run(
            "who-can",
            str(snapshot),
            "--action",
            planted["action"],
            "--resource",
            planted["resource"],
            *how,
        ),
    )


@pytest.fixture(scope="module")
def serial(synthetic) -> tuple[tuple[int, str], tuple[int, str]]:
    out = answers(synthetic, "--jobs", "1")
    (privesc_code, privesc), (who_code, who) = out
    assert privesc_code == 0 and who_code == 0
    assert '"verdict": "reachable"' in privesc and '"verdict": "reachable"' in who
    return out


def test_demo_privesc_alike_in_one_and_two_processes(every_size):
    one = run("privesc", str(DEMO), "--jobs", "1")
    assert one[0] == 3 and '"verdict": "reachable"' in one[1]  # some escalate, some unknown
    assert run("privesc", str(DEMO), "--jobs", "2") == one


def test_synthetic_alike_in_one_and_two_processes(synthetic, serial, every_size):
    assert answers(synthetic, "--jobs", "2") == serial


def test_synthetic_alike_on_a_dask_cluster(synthetic, serial, every_size):
    distributed = pytest.importorskip("distributed")
    # workers as threads of this process (no interpreters to start on a loaded machine); one
    # thread, as z3 runs one question at a time per process
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        assert answers(synthetic, "--scheduler", cluster.scheduler_address) == serial


def test_workers_fill_the_base_states_up_front(demo, every_size):
    """With two workers every non-administrator's own steps are worked out before any search,
    and they are the steps the lazy serial graph works out when asked."""
    spread = parallel.build(demo, workers=Workers(jobs=2))
    lazy = build_serial(demo)
    assert not lazy.expanded
    assert spread.admin == lazy.admin
    for arn in demo.principals:
        for mode in lazy.modes(arn):
            key = (arn, mode, ())
            if lazy.admin[(arn, mode)].verdict is Verdict.REACHABLE:
                assert key not in spread.expanded  # a search stops at an administrator
                continue
            assert spread.pending[key] is None
            assert spread.expanded[key] == list(lazy.steps(arn, mode))
    assert any(h.verdict is Verdict.REACHABLE for hops in spread.expanded.values() for h in hops)


def test_a_small_snapshot_stays_serial_and_lazy(demo):
    assert len(demo.principals) < SMALL
    pg = parallel.build(demo, workers=Workers(jobs=2))
    assert not pg.expanded and len(pg.admin) == len(build_serial(demo).admin)


def test_options_in_help():
    out = runner.invoke(app, ["privesc", "--help"], env={"COLUMNS": "250"}).stdout
    assert "--jobs" in out and "--scheduler" in out
    assert f"Fewer than {SMALL} principals: always one process" in out
    assert "[default: 1]" in out  # more workers only pay with more cores (README, Workers)
