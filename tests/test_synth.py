"""bench/synth.py, the synthetic organization of the scale benchmark (issue 18): at a tiny size it
is the same for the same seed, loads with nothing missing and nothing unreadable, lints clean,
and `privesc` finds every planted escalation path (one of each of the 11 planted kinds, so
recall 100 %), by the planted method to the planted target, and no other non-admin principal
reaches admin. The generator runs as a script (bench/ is not importable from the tests), with
its built-in AWS managed policies so that nothing outside the clone is read."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from iamgraph.cli.app import app
from iamgraph.load.snapshot import load_snapshot
from tests.conftest import REPO

runner = CliRunner()
SYNTH = REPO / "bench" / "synth.py"
SCALE = REPO / "bench" / "scale.py"
KINDS = {
    "passrole-lambda": "PassRole+lambda:CreateFunction+InvokeFunction",
    "create-policy-version": "CreatePolicyVersion",
    "cross-account-assume-role": "AssumeRole",
    "attach-role-policy": "AttachRolePolicy",
    "update-assume-role-policy": "UpdateAssumeRolePolicy",
    "passrole-ec2": "PassRole+ec2:RunInstances",
    "delete-role-boundary": "DeleteRolePermissionsBoundary",
    "add-user-to-group": "AddUserToGroup",
    "create-access-key": "CreateAccessKey",
    "set-default-policy-version": "SetDefaultPolicyVersion",
    "put-user-policy": "PutUserPolicy",
}


def synth(out: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SYNTH), "--builtin-managed", *args, str(out)],
        capture_output=True,
        text=True,
        check=False,
    )


def files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


TINY = ("--accounts", "3", "--principals-per-account", "12", "--plants", "4", "--seed", "7")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "org"
    done = synth(out, *TINY)
    assert done.returncode == 0, done.stderr
    assert "3 accounts, 36 principals, 12 planted paths" in done.stdout
    return out


def test_same_seed_same_files_other_seed_other_files(tiny, tmp_path):
    again = tmp_path / "again"
    assert synth(again, *TINY).returncode == 0
    assert files(again) == files(tiny)
    other = tmp_path / "other"
    assert synth(other, *TINY[:-1], "8").returncode == 0
    theirs, ours = files(other), files(tiny)
    assert theirs["planted.json"] != ours["planted.json"]


def test_principal_count_and_clean_load(tiny):
    snap = load_snapshot(tiny, strict=True)
    planted = json.loads((tiny / "planted.json").read_text())
    users_and_roles = [p for p in snap.principals.values() if p.kind.value != "root"]
    assert len(users_and_roles) == planted["principals"] == 3 * 12
    assert len(snap.accounts) == 3 and snap.organization is not None
    assert snap.gaps == () and snap.warnings == () and snap.unreadable == ()
    assert {p["kind"] for p in planted["paths"]} == set(KINDS)
    assert all(KINDS[p["kind"]] == p["method"] for p in planted["paths"])


def test_lint_is_clean(tiny):
    result = runner.invoke(app, ["lint", str(tiny), "--strict", "--include-aws-managed"])
    assert result.exit_code == 0, result.output
    assert "0 errors, 0 warnings" in result.output


def test_privesc_finds_every_planted_path_and_nothing_else(tiny):
    result = runner.invoke(app, ["privesc", str(tiny), "-f", "json"])
    assert result.exit_code == 0, result.output  # every principal decided
    got = {p["principal"]: p for p in json.loads(result.stdout)["principals"]}
    planted = json.loads((tiny / "planted.json").read_text())["paths"]
    missed = []
    for p in planted:
        f = got[p["source"]]
        hops = f["path"]
        end = p["source"] if p["target"] == "admin" else p["target"]
        found = (
            f["verdict"] == "reachable"
            and f["admin"] is False
            and hops[0]["method"] == p["method"]
            and hops[-1 if p["target"] != "admin" else 0]["to"] == end
        )
        if not found:
            missed.append((p["kind"], f["verdict"], [h["method"] for h in hops]))
    assert missed == []
    sources = {p["source"] for p in planted}
    others = [a for a, f in got.items() if f["verdict"] != "proven-unreachable" and not f["admin"]]
    assert sorted(set(others) - sources) == []


def test_scale_reports_recall_on_a_tiny_run(tmp_path):
    out = tmp_path / "scale.json"
    done = subprocess.run(
        [
            sys.executable,
            str(SCALE),
            "--sizes",
            "",
            "--custom",
            "2x6",
            "--commands",
            "privesc",
            "--builtin-managed",
            "--workdir",
            str(tmp_path / "work"),
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    size = json.loads(out.read_text())["sizes"][0]
    assert size["principals"] == 12
    run = size["runs"]["privesc"]
    assert run["exit_code"] == 0 and run["unknown"] == 0 and run["extra"]["recall"] == 1.0
    assert "| 12 (2 x 6) |" in done.stdout and "100% (4/4)" in done.stdout
