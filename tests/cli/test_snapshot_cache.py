"""The snapshot cache (`.iamgraph-cache/`, iamgraph/load/cache.py and graph/store.py): a second
query answers byte for byte as the first and as `--no-cache`, without the solver; a changed
input, a damaged entry or a folder that cannot be written never changes an answer.

Every test works on a copy of fixtures/demo-org in tmp_path (the suite sets IAMGRAPH_NO_CACHE
for everything else, so fixtures/ never holds a cache)."""

from __future__ import annotations

import os
import shutil

import pytest
from typer.testing import CliRunner

from iamgraph.cli.app import app
from iamgraph.load import cache
from tests.conftest import DEMO

runner = CliRunner()
M = "arn:aws:iam::111122223333"
TRAIL = "arn:aws:cloudtrail:us-east-1:111122223333:trail/acme-org-trail"
DEV_ONE = "arn:aws:iam::555566667777:user/dev.one"
T = ["--timeout", "120"]


@pytest.fixture
def snap(tmp_path, monkeypatch):
    """A copy of the demo organization, with the cache turned on (and without the cache that
    `make demo` leaves in fixtures/demo-org)."""
    monkeypatch.delenv(cache.ENV_OFF, raising=False)
    folder = tmp_path / "demo-org"
    shutil.copytree(DEMO, folder, ignore=shutil.ignore_patterns(cache.FOLDER))
    return folder


@pytest.fixture
def solver(monkeypatch):
    """Counts the solver's `can` calls, wherever the graph and the queries make them."""
    import iamgraph.graph.build as build
    import iamgraph.graph.paths as paths
    from iamgraph.solvers import properties

    calls = []
    real = properties.can

    def counting(*args, **kwargs):
        calls.append(args[1] if len(args) > 1 else kwargs.get("principal"))
        return real(*args, **kwargs)

    for module in (build, paths, properties):
        monkeypatch.setattr(module, "can", counting)
    return calls


def commands(folder) -> dict[str, list[str]]:
    s = str(folder)
    return {
        "privesc": ["privesc", s, *T],
        "who-can": ["who-can", s, "--action", "cloudtrail:StopLogging", "--resource", TRAIL, *T],
        "paths": ["paths", s, "--from", DEV_ONE, "--to", "admin", "-f", "json", *T],
    }


def run(args: list[str]):
    result = runner.invoke(app, args)
    assert result.exit_code in (0, 3), result.output
    return result.exit_code, result.stdout


def entries(folder) -> list[str]:
    found = folder / cache.FOLDER
    return sorted(p.name.split("-")[0] for p in found.iterdir()) if found.is_dir() else []


@pytest.mark.parametrize("command", ["privesc", "who-can", "paths"])
def test_second_run_answers_as_the_first_and_as_no_cache_without_the_solver(snap, solver, command):
    args = commands(snap)[command]
    first = run(args)
    assert entries(snap) == ["answers", "graph", "snapshot"]
    assert solver, "the first run works the answer out"
    solver.clear()
    second = run(args)
    assert solver == []  # everything came from the cache
    uncached = run([*args, "--no-cache"])
    assert first == second == uncached


def test_another_question_starts_from_the_steps_privesc_solved(snap, solver):
    run(commands(snap)["privesc"])
    solver.clear()
    cached = run(commands(snap)["paths"])
    from_cache = len(solver)
    solver.clear()
    uncached = run([*commands(snap)["paths"], "--no-cache"])
    assert cached == uncached
    assert from_cache < len(solver)  # the steps privesc expanded were not asked again
    solver.clear()
    who = run(commands(snap)["who-can"])
    assert who == run([*commands(snap)["who-can"], "--no-cache"])


def test_a_changed_input_file_is_a_new_entry(snap, solver):
    args = commands(snap)["privesc"]
    first = run(args)
    report = snap / "accounts" / "111122223333" / "iam" / "credential-report.csv"
    report.write_bytes(report.read_bytes() + b"\n")  # a byte more, the same content
    solver.clear()
    assert run(args) == first
    assert solver, "a changed input must not reuse the entry"
    names = sorted(p.name for p in (snap / cache.FOLDER).glob("snapshot-*"))
    assert len(names) == 2  # the new entry beside the previous one (KEEP = 2)


@pytest.mark.parametrize("damage", ["flip", "truncate", "garbage"])
def test_a_damaged_entry_is_ignored_and_replaced(snap, solver, damage):
    args = commands(snap)["privesc"]
    first = run(args)
    for path in (snap / cache.FOLDER).iterdir():
        data = bytearray(path.read_bytes())
        if damage == "flip":
            data[len(data) // 2] ^= 0x01  # one bit inside the pickle, which may still load
        elif damage == "truncate":
            data = data[: len(data) // 2]
        else:
            data = bytearray(b"not a cache entry")
        path.write_bytes(bytes(data))
    solver.clear()
    assert run(args) == first
    assert solver, "a damaged entry must not be read"
    solver.clear()
    assert run(args) == first
    assert solver == []  # replaced by a sound entry


def test_an_entry_of_other_options_is_not_used(snap, solver):
    run(commands(snap)["privesc"])
    solver.clear()
    run(["privesc", str(snap), "--timeout", "60"])
    assert solver, "another solver timeout is another key"


def test_a_folder_that_cannot_be_written_is_one_line_and_the_same_answer(snap):
    (snap / cache.FOLDER).write_text("a file where the cache folder would go")
    args = commands(snap)["privesc"]
    result = runner.invoke(app, args)
    uncached = runner.invoke(app, [*args, "--no-cache"])
    assert (result.exit_code, result.stdout) == (uncached.exit_code, uncached.stdout)
    notes = [line for line in result.stderr.splitlines() if "cache" in line]
    assert len(notes) == 1 and notes[0].startswith("iamgraph: no cache written: "), notes
    quiet = runner.invoke(app, [*args, "-q"])
    assert quiet.stdout == uncached.stdout and "cache" not in quiet.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder")
def test_a_read_only_snapshot_folder_means_no_cache(snap):
    args = commands(snap)["privesc"]
    expected = run([*args, "--no-cache"])
    snap.chmod(0o555)
    try:
        result = runner.invoke(app, args)
    finally:
        snap.chmod(0o755)
    assert (result.exit_code, result.stdout) == expected
    assert not (snap / cache.FOLDER).exists()


def test_nothing_is_written_once_the_deadline_has_passed(snap, monkeypatch):
    monkeypatch.setattr(cache.deadline, "expired", lambda: True)
    runner.invoke(app, commands(snap)["privesc"])
    assert entries(snap) == []


def test_no_cache_option_and_environment(snap, monkeypatch):
    run([*commands(snap)["privesc"], "--no-cache"])
    assert entries(snap) == []
    monkeypatch.setenv(cache.ENV_OFF, "1")
    run(commands(snap)["privesc"])
    assert entries(snap) == []


def test_entries_are_bounded(snap):
    for timeout in ("100", "110", "120"):
        run(["privesc", str(snap), "--timeout", timeout])
    assert entries(snap).count("graph") == cache.KEEP
    assert entries(snap).count("answers") == cache.KEEP
