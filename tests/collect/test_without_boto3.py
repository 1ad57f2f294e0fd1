"""boto3 is an optional extra: nothing but `collect` may need it.

The checks run in one fresh interpreter where `import boto3` and `import botocore` fail, as they
do where the `collect` extra is not installed.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import REPO

SCRIPT = """
import json, sys
sys.modules['boto3'] = None
sys.modules['botocore'] = None
import iamgraph.cli.app, iamgraph.load.snapshot, iamgraph.graph.build
import iamgraph.collect.options, iamgraph.collect.writer, iamgraph.collect.calls
loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore')
                and sys.modules[m] is not None)
from typer.testing import CliRunner
runner = CliRunner()
help = runner.invoke(iamgraph.cli.app.app, ['--help'])
run = runner.invoke(iamgraph.cli.app.app, ['collect', 'never-written'])
print(json.dumps({'loaded': loaded, 'help': [help.exit_code, help.stdout],
                  'collect': [run.exit_code, run.stderr]}))
"""


@pytest.fixture(scope="module")
def without_boto3() -> dict:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_core_does_not_import_boto3(without_boto3):
    assert without_boto3["loaded"] == []


def test_help_lists_collect_and_collect_says_what_it_needs(without_boto3):
    code, text = without_boto3["help"]
    assert code == 0 and "collect" in text
    code, stderr = without_boto3["collect"]
    assert code == 2
    assert stderr == "iamgraph: collect: boto3 is not installed: pip install 'iamgraph[collect]'\n"
    assert not (REPO / "never-written").exists()
