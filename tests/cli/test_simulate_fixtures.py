"""`simulate --engine solver` decides every fixtures/simulate case the evaluator decides
(issue 16, done-when): custom mode fixes every key (a key not given is absent), so policy
variables are substituted (V1-V5) and request lists compared as finite sets (C8-C10)."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from iamgraph.cli.app import app
from tests.cli.test_engines import CASES as ENGINE_CASES
from tests.conftest import REPO

runner = CliRunner()
S = "fixtures/simulate"
HOME = "arn:aws:s3:::acme-home-555566667777"
INSTANCE = "arn:aws:ec2:eu-west-1:555566667777:instance/i-0a1b2c3d4e5f60718"
RESULTS = "arn:aws:s3:::acme-athena-results-555566667777/queries/2026-11-30.csv"
DANA = "arn:aws:iam::555566667777:user/dana"
CI = "arn:aws:sts::555566667777:assumed-role/data-platform/ci"


def home(*extra: str) -> list[str]:
    return [
        "--identity-policy",
        f"{S}/home-folders.json",
        "--caller-arn",
        DANA,
        "--action",
        "s3:GetObject",
        "--action",
        "s3:PutObject",
        "--resource",
        f"{HOME}/home/dana/notes.txt",
        "--resource",
        f"{HOME}/home/erin/notes.txt",
        "--resource",
        f"{HOME}/teams/data/plan.md",
        "--resource",
        f"{HOME}/teams/company-wide/handbook.pdf",
        "--resource",
        f"{HOME}/home/dana/$RECYCLE.BIN/desktop.ini",
        *extra,
    ]


def tagging(context: str) -> list[str]:
    return [
        "--identity-policy",
        f"{S}/tagging-guardrails.json",
        "--caller-arn",
        CI,
        "--action",
        "ec2:CreateTags",
        "--resource",
        INSTANCE,
        "--context-entries",
        f"file://{S}/context-{context}.json",
    ]


ALLOW, NO, DENY = "allowed", "implicitDeny", "explicitDeny"
# (arguments, the decisions in order): what both engines must answer
NEW_CASES = [
    # V1: ${aws:username} is dana's; V3: the team tag present, so the default is not used;
    # V5: ${$} is a literal `$`, so the recycle-bin Deny applies to PutObject only
    (
        home("--context-entries", f"file://{S}/context-home.json"),
        [ALLOW, NO, ALLOW, NO, ALLOW, ALLOW, NO, ALLOW, NO, DENY],
    ),
    # V3: no team tag, so ${aws:PrincipalTag/team, 'company-wide'} is the default
    (
        home("--context", "s3:prefix=home/dana/"),
        [ALLOW, NO, NO, ALLOW, ALLOW, ALLOW, NO, NO, ALLOW, DENY],
    ),
    (
        [
            "--identity-policy",
            f"{S}/home-folders.json",
            "--caller-arn",
            DANA,
            "--action",
            "s3:ListBucket",
            "--resource",
            HOME,
            "--context",
            "s3:prefix=home/dana/",
        ],
        [ALLOW],
    ),
    (tagging("team-tags"), [ALLOW]),  # C8: every key among the allowed ones
    (tagging("tag-case"), [NO]),  # C10: `Team` is not `team`; a repeated value changes nothing
    (tagging("reserved-tag"), [DENY]),  # C9: one key matches aws:*
    (tagging("no-tags"), [ALLOW]),  # C8: an empty list satisfies ForAllValues
    (
        [
            "--identity-policy",
            f"{S}/tagging-guardrails.json",
            "--caller-arn",
            CI,
            "--action",
            "s3:GetObject",
            "--resource",
            RESULTS,
            "--context-entries",
            f"file://{S}/context-called-via.json",
        ],
        [ALLOW],
    ),
    (
        [
            "--identity-policy",
            f"{S}/tagging-guardrails.json",
            "--caller-arn",
            CI,
            "--action",
            "s3:GetObject",
            "--resource",
            RESULTS,
        ],
        [NO],  # C9: no aws:CalledVia, no match
    ),
]
CUSTOM = [args for args in ENGINE_CASES if args[0].startswith("--")]
EVERY = [args for args, _ in NEW_CASES] + CUSTOM


@pytest.fixture(autouse=True)
def at_repo_root(monkeypatch):
    monkeypatch.chdir(REPO)


def results(args: list[str], engine: str) -> list[dict]:
    result = runner.invoke(app, ["simulate", "-f", "json", "--engine", engine, *args])
    assert result.exit_code in (0, 3), result.output
    return json.loads(result.stdout)["EvaluationResults"]


def test_every_fixture_file_is_asked():
    used = {Path(a.removeprefix("file://")).name for args in EVERY for a in args}
    used |= {Path(p).name for args in EVERY for a in args for p in a.split(",")}
    files = {p.name for p in (REPO / S).glob("*.json")}
    assert files <= used, files - used


@pytest.mark.parametrize("args", EVERY, ids=range(len(EVERY)))
def test_solver_decides_where_the_evaluator_does(args):
    evaluator = [r["EvalDecision"] for r in results(args, "evaluator")]
    solver = results(args, "solver")
    for want, got in zip(evaluator, solver, strict=True):
        if want != "unknown":
            assert got["EvalDecision"] == want, got


@pytest.mark.parametrize("args,expected", NEW_CASES, ids=range(len(NEW_CASES)))
def test_variables_and_lists_decided(args, expected):
    for engine in ("evaluator", "solver"):
        assert [r["EvalDecision"] for r in results(args, engine)] == expected, engine
