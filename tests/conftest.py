"""Shared paths and the hypothesis profiles (small for CI, larger for a nightly run)."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"
DEMO = FIXTURES / "demo-org"

# CI runs the same examples every time (a failure there is a change's, never the draw's); the
# nightly profile draws new ones, and what it finds becomes a named regression test.
settings.register_profile("ci", max_examples=60, deadline=None, derandomize=True)
settings.register_profile(
    "nightly", max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# The catalog's disk cache (`iamgraph.catalog.cache_dir`) goes to a folder of this run, never
# the user's home; every `iamgraph` subprocess the tests start inherits it.
os.environ["IAMGRAPH_CACHE_DIR"] = tempfile.mkdtemp(prefix="iamgraph-test-cache-")
atexit.register(shutil.rmtree, os.environ["IAMGRAPH_CACHE_DIR"], ignore_errors=True)
# No command writes a snapshot cache (`.iamgraph-cache/`) into fixtures/: the cache's own tests
# (tests/cli/test_snapshot_cache.py) turn it on for copies in tmp_path.
os.environ["IAMGRAPH_NO_CACHE"] = "1"
# Text answers wrap at the terminal's width (COLUMNS, else 80 off a terminal): tests that read
# whole lines get a width no line reaches, whatever the shell's; the golden cases set 100.
os.environ["COLUMNS"] = "1000"


@pytest.fixture(scope="session")
def demo():
    from iamgraph.load.snapshot import load_snapshot

    return load_snapshot(DEMO)
