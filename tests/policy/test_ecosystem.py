"""The CI recipe (issue 6, item 6): the pre-commit hooks, the composite action's script run as
GitHub would run it, and the example workflow's use of the action."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

from iamgraph.cli.hooks import main as diff_policy_hook
from tests.conftest import DEMO, FIXTURES, REPO

DIFF = FIXTURES / "policies" / "diff"


def test_pre_commit_hooks_name_installed_commands():
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert {h["id"] for h in hooks} == {"iamgraph-lint", "iamgraph-diff-policy"}
    for hook in hooks:
        assert hook["language"] == "python" and hook["types"] == ["json"]
        assert hook["entry"].split()[0] in scripts


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


def test_diff_policy_hook_compares_with_the_committed_version(tmp_path, monkeypatch, capsys):
    repo = tmp_path / "repo"
    (repo / "policies").mkdir(parents=True)
    policy = repo / "policies" / "reader.json"
    shutil.copy(DIFF / "reader-wildcard.json", policy)
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "reader")
    monkeypatch.chdir(repo)
    monkeypatch.delenv("PRE_COMMIT_FROM_REF", raising=False)
    assert diff_policy_hook(["policies/reader.json"]) == 0  # unchanged: proven equal
    shutil.copy(DIFF / "reader-expanded.json", policy)
    assert diff_policy_hook(["policies/reader.json"]) == 0  # wildcard spelled out: equal
    shutil.copy(DIFF / "reader-widened.json", policy)
    capsys.readouterr()
    assert diff_policy_hook(["policies/reader.json"]) == 1
    assert "FAIL: policies/reader.json grants access" in capsys.readouterr().out
    fresh = repo / "policies" / "new.json"
    shutil.copy(DIFF / "reader-wildcard.json", fresh)  # not committed: all of it is new
    assert diff_policy_hook(["policies/new.json", "--format", "json"]) == 1
    out = capsys.readouterr().out
    assert json.loads(out)["result"] == "FAIL"


def test_action_script_runs_iamgraph_diff(tmp_path):
    action = yaml.safe_load((REPO / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    step = next(s for s in action["runs"]["steps"] if s.get("id") == "diff")
    after = tmp_path / "after"
    shutil.copytree(DEMO, after)
    path = after / "organization/describe-policy/p-wkld0001.json"
    data = json.loads(path.read_text())
    content = json.loads(data["Policy"]["Content"])
    content["Statement"] = [
        s for s in content["Statement"] if s.get("Sid") != "DenyAssumeIntoManagement"
    ]
    data["Policy"]["Content"] = json.dumps(content)
    path.write_text(json.dumps(data, indent=4))
    inputs = {k: v.get("default", "") for k, v in action["inputs"].items()}
    inputs.update(snapshot=str(DEMO), after=str(after), invariants=str(REPO / "iamgraph.toml"))
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "GITHUB_OUTPUT": str(tmp_path / "output"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"),
    }
    for name, value in step["env"].items():  # ${{ inputs.x }} as GitHub fills it in
        key = value.removeprefix("${{ inputs.").removesuffix(" }}")
        env[name] = inputs[key]
    done = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=tmp_path, env=env, check=False)
    assert done.returncode == 0
    outputs = dict(line.split("=", 1) for line in (tmp_path / "output").read_text().splitlines())
    assert outputs == {"result": "FAIL", "markdown-file": "iamgraph.md", "exit-code": "1"}
    sarif = json.loads((tmp_path / "iamgraph.sarif").read_text())
    assert {r["ruleId"] for r in sarif["runs"][0]["results"]} >= {"IAMG-P001", "IAMG-P003"}
    assert (tmp_path / "summary").read_text().startswith("### iamgraph diff")
    verdict = action["runs"]["steps"][-1]
    assert verdict["run"] == "exit ${{ steps.diff.outputs.exit-code }}"


def test_example_workflow_uses_the_action_inputs():
    action = yaml.safe_load((REPO / "action.yml").read_text())
    workflow = yaml.safe_load((REPO / "docs" / "iamgraph-workflow.yml").read_text())
    steps = workflow["jobs"]["prove"]["steps"]
    use = next(s for s in steps if s.get("id") == "iamgraph")
    assert set(use["with"]) <= set(action["inputs"])
    assert workflow["permissions"]["security-events"] == "write"
