"""The progress bar goes to stderr, and only to a terminal, never with --quiet."""

import io

from rich.console import Console

from iamgraph.cli import common
from iamgraph.load.snapshot import load_snapshot
from tests.conftest import DEMO


def test_no_bar_when_quiet_or_not_a_terminal():
    with common.progress_bar(quiet=True) as update:
        assert update is None
    with common.progress_bar(quiet=False) as update:  # pytest's stderr is not a terminal
        assert update is None


def test_bar_on_a_terminal(monkeypatch):
    console = Console(file=io.StringIO(), force_terminal=True, width=100)
    monkeypatch.setattr(common, "stderr", console)
    with common.progress_bar(quiet=False) as update:
        load_snapshot(DEMO, update)
    assert "loading" in console.file.getvalue()
