"""`iamgraph check`: the starter invariants (iamgraph.toml) on the demo organization (facts 1,
6, 19, 20), allow-lists, and bad invariant files (one line, file and place, exit 2)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from iamgraph.cli.app import app
from tests.conftest import REPO
from tests.demo import MGMT

runner = CliRunner()
DEMO = "fixtures/demo-org"


@pytest.fixture(autouse=True)
def at_repo_root(monkeypatch):
    monkeypatch.chdir(REPO)


def check(*args):
    return runner.invoke(app, ["check", DEMO, *args])


def test_starter_invariants_on_the_demo_organization():
    result = check("-f", "json")
    assert result.exit_code == 1, result.output
    out = json.loads(result.stdout)
    by = {i["name"]: i for i in out["invariants"]}
    assert out["result"] == "FAIL"
    trail = by["no-non-mfa-trail-tampering"]
    assert trail["result"] == "FAIL"
    assert sorted(b["principal"] for b in trail["breaking"]) == [
        f"{MGMT}:role/lambda-org-maintenance",
        f"{MGMT}:user/ci-deployer",
    ]
    (deployer,) = [b for b in trail["breaking"] if b["principal"].endswith("ci-deployer")]
    assert [h["method"] for h in deployer["path"]] == [
        "PassRole+lambda:CreateFunction+InvokeFunction"
    ]
    assert by["no-non-mfa-trail-bucket-tampering"]["result"] == "PASS"
    assert by["no-non-mfa-trail-key-tampering"]["result"] == "PASS"
    escalation = by["no-escalation-to-admin"]
    assert escalation["result"] == "FAIL"
    assert sorted(b["principal"] for b in escalation["breaking"]) == [
        "arn:aws:iam::555566667777:user/dev.one",
        "arn:aws:iam::555566667777:user/dev.two",
    ]
    assert [u["principal"] for u in escalation["unknown"]] == [
        "arn:aws:iam::333344445555:role/SecurityTooling"
    ]


def test_allow_list_and_unknown_exit_codes(tmp_path):
    toml = tmp_path / "inv.toml"
    toml.write_text(
        '[[invariant]]\nname = "trail"\nask = "can any non-MFA principal tamper with the trail"\n'
        f'allow = ["{MGMT}:user/ci-deployer", "{MGMT}:role/lambda-*"]\n'
        '[[invariant]]\nname = "admins"\nescalation = true\nallow = ["arn:aws:iam::555566667777:user/dev.*"]\n'
    )
    result = check("--invariants", str(toml))
    assert result.exit_code == 3, result.output  # SecurityTooling: admin undecided
    lines = result.stdout.splitlines()
    # the answer first: never PASS while one is unknown (issue 19), then the open invariant
    assert lines[0] == (
        f"UNKNOWN: none of 2 invariants in {toml} is shown broken, but 1 is unknown: admins: "
        "whether arn:aws:iam::333344445555:role/SecurityTooling is admin: policy text not in "
        "the snapshot: arn:aws:iam::aws:policy/ReadOnlyAccess. 1 holds (proven)."
    )
    assert lines[1] == "UNKNOWN  admins"
    assert lines[-1] == "hold (proven): trail"
    every = check("--invariants", str(toml), "--all").stdout.splitlines()
    assert every[1:3] == ["PASS     trail", "UNKNOWN  admins"]
    assert check("--invariants", str(toml), "--unknown", "pass").exit_code == 0
    assert check("--invariants", str(toml), "--unknown", "fail").exit_code == 1


@pytest.mark.parametrize(
    "text, where, message",
    [
        ("[[invariant]\nname=1", "$", "not TOML: "),
        (
            '[[invariant]]\nname = "x"\nask = "who can delete the trail"\nextra = 1\n',
            "$.invariant[0].extra",
            "unknown key",
        ),
        (
            '[[invariant]]\nname = "x"\nask = "who can delete the trail"\nescalation = true\n',
            "$.invariant[0]",
            "give exactly one of",
        ),
        (
            '[[invariant]]\nname = "x"\nask = "who can delete the trial"\n',
            "$.invariant[0].ask",
            'understood "who can delete", not "the trial"',
        ),
        ('[[invariant]]\nname = ""\nescalation = true\n', "$.invariant[0].name", "name must be"),
        ('title = "no invariants"\n', "$.title", "unknown table"),
        (
            '[[suppression]]\nrule = "IAMG-P001"\njustification = "ok"\n',
            "$",
            "expected one or more [[invariant]] tables",
        ),
        ('[[invariant]]\nname = "x"\nexposure = "open"\n', "$.invariant[0].exposure", "expected"),
        ('[[invariant]]\nname = "x"\naudit = "NO.SUCH"\n', "$.invariant[0].audit", "no audit"),
        (
            '[[invariant]]\nname = "x"\nescalation = true\n[[suppression]]\nrule = "IAMG-P003"\n',
            "$.suppression[0].justification",
            "needs a justification",
        ),
    ],
)
def test_bad_invariant_files(tmp_path, text, where, message):
    toml = tmp_path / "bad.toml"
    toml.write_text(text)
    result = check("--invariants", str(toml))
    assert result.exit_code == 2, result.output
    line = result.stderr.strip()
    assert line.startswith(f"iamgraph: {toml}: {where}: ") and message in line
    assert "\n" not in line


def test_missing_invariants_file(tmp_path):
    result = check("--invariants", str(tmp_path / "none.toml"))
    assert result.exit_code == 2
    assert result.stderr.strip() == f"iamgraph: {tmp_path / 'none.toml'}: $: no such file"
