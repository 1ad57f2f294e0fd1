"""Issue 17 class 8: every output is written whole or not at all, and a path that cannot be
written is one exit-2 line naming it, never a traceback (`iamgraph/outputs.py`)."""

from __future__ import annotations

import errno
import os

from typer.testing import CliRunner

from iamgraph.cli.app import app
from tests.conftest import FIXTURES

runner = CliRunner()
PRIVESC = FIXTURES / "privesc"
SMALL = next(p for p in sorted(PRIVESC.iterdir()) if p.is_dir())
DEMO = FIXTURES / "demo-org"
AS_OF = ["--as-of", "2026-11-20"]


def _run(*args: str):
    return runner.invoke(app, [*args], catch_exceptions=False)


def test_render_onto_a_path_whose_parent_is_a_file(tmp_path):
    (tmp_path / "file").write_text("x")
    target = tmp_path / "file" / "out.dot"
    result = _run("privesc", str(SMALL), "--render", str(target))
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"iamgraph: {target}: --render: cannot write the output: {tmp_path / 'file'} is not a folder"
    ]


def test_render_onto_a_folder(tmp_path):
    target = tmp_path / "out.dot"
    target.mkdir()
    result = _run("privesc", str(SMALL), "--render", str(target))
    assert result.exit_code == 2
    # typer refuses a folder before any work: its usage panel, exit 2
    assert "--render" in result.stderr and "Traceback" not in result.stderr


def test_audit_output_onto_a_folder(tmp_path):
    target = tmp_path / "report.json"
    target.mkdir()
    result = _run("audit", str(DEMO), *AS_OF, "-f", "json", "--output", str(target))
    assert result.exit_code == 2
    assert "--output" in result.stderr and "Traceback" not in result.stderr


def test_a_full_disk_leaves_the_previous_output_whole(tmp_path, monkeypatch):
    target = tmp_path / "out.dot"
    target.write_text("the previous diagram\n")

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    result = _run("privesc", str(SMALL), "--render", str(target))
    assert result.exit_code == 2
    assert f"{target}: --render: cannot write the output: No space left on device" in (
        result.stderr
    )
    assert target.read_text() == "the previous diagram\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.dot"]  # no partial file left


def test_a_full_disk_leaves_the_previous_audit_report_whole(tmp_path, monkeypatch):
    target = tmp_path / "report.md"
    target.write_text("the previous report\n")
    monkeypatch.setattr(os, "fsync", lambda fd: (_ for _ in ()).throw(OSError(28, "full")))
    result = _run("audit", str(DEMO), *AS_OF, "-f", "markdown", "--output", str(target))
    assert result.exit_code == 2
    assert target.read_text() == "the previous report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.md"]


def test_a_planted_symlink_is_replaced_not_written_through(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("not yours\n")
    target = tmp_path / "out" / "diagram.dot"
    target.parent.mkdir()
    target.symlink_to(outside)
    result = _run("privesc", str(SMALL), "--render", str(target))
    assert result.exit_code in (0, 3)
    assert outside.read_text() == "not yours\n"
    assert not target.is_symlink() and target.read_text().startswith("digraph")


def test_the_writer_refuses_a_folder_itself(tmp_path):
    """The library's own guard, for callers that do not go through typer's option checks."""
    import pytest

    from iamgraph.errors import InputError
    from iamgraph.outputs import write_whole

    with pytest.raises(InputError) as info:
        write_whole(tmp_path, "x", "--output")
    assert str(info.value) == f"{tmp_path}: --output: cannot write the output: it is a folder"


def test_a_full_disk_during_collect_leaves_no_truncated_snapshot_file(tmp_path, monkeypatch):
    """`collect --resume` takes a file that exists as collected: a half-written one would be
    read as a broken response forever after. The collector writes through the same writer."""
    import pytest

    from iamgraph.collect.writer import write_json
    from iamgraph.errors import InputError

    target = tmp_path / "iam" / "get-account-summary.json"
    write_json(target, {"SummaryMap": {"Users": 3}})
    before = target.read_text()

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(InputError) as info:
        write_json(target, {"SummaryMap": {"Users": 4}})
    assert "No space left on device" in str(info.value)
    assert target.read_text() == before
    assert [p.name for p in target.parent.iterdir()] == ["get-account-summary.json"]
