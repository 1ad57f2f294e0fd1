"""diff-policy on policy variables (issue 16, item 1): writing a value as a string or as a
one-element list changes nothing, so the answer is PASS both ways, proven; an element the
encoding leaves open is one Boolean for both policies. A real widening still FAILs."""

import json

import pytest
from typer.testing import CliRunner

from iamgraph.cli.app import app
from tests.conftest import REPO

runner = CliRunner()
D = "fixtures/policies/diff"
STRING, LIST = f"{D}/home-folder-string.json", f"{D}/home-folder-list.json"


@pytest.fixture(autouse=True)
def at_repo_root(monkeypatch):
    monkeypatch.chdir(REPO)


@pytest.mark.parametrize("old,new", [(STRING, LIST), (LIST, STRING)])
def test_string_or_one_element_list_is_pass(old, new):
    result = runner.invoke(app, ["diff-policy", old, new, "--timeout", "120"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("PASS:"), result.output


def test_a_widened_home_folder_still_fails(tmp_path):
    doc = json.loads((REPO / LIST).read_text())
    doc["Statement"][1]["Resource"] = ["arn:aws:s3:::acme-home-555566667777/home/*"]
    widened = tmp_path / "widened.json"
    widened.write_text(json.dumps(doc))
    result = runner.invoke(app, ["diff-policy", STRING, str(widened), "--timeout", "120"])
    assert result.exit_code == 1, result.output
    assert "s3:PutObject on arn:aws:s3:::acme-home-555566667777/home/" in result.stdout
