"""MFA along every path (issue 14, case 2; M1-M5): with `--mfa` every state a path reaches
carries MFA, with `--no-mfa` none does, and the answer at the end is made in that mode. Before
the fix only the starting states were filtered, so `who-can --mfa` listed ci-deployer (access
keys only) through a Lambda session, which never has MFA."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from iamgraph.cli.app import app
from tests.conftest import REPO
from tests.demo import CI_DEPLOYER as CI
from tests.demo import MGMT
from tests.demo import ORG_TRAIL as TRAIL

runner = CliRunner()
DEMO = "fixtures/demo-org"


@pytest.fixture(autouse=True)
def at_repo_root(monkeypatch):
    monkeypatch.chdir(REPO)


def run(*args):
    return runner.invoke(app, list(args))


@pytest.fixture(scope="module")
def with_mfa():
    result = runner.invoke(
        app,
        ["who-can", str(REPO / DEMO), "--action", "cloudtrail:StopLogging", "--resource", TRAIL,
         "--mfa", "-f", "json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return {p["principal"]: p for p in json.loads(result.stdout)["principals"]}


def test_who_can_with_mfa_leaves_out_the_access_key_user(with_mfa):
    assert with_mfa[CI]["verdict"] == "proven-unreachable"


def test_who_can_with_mfa_answers_in_mfa_states_only(with_mfa):
    reachable = [p for p in with_mfa.values() if p["verdict"] == "reachable"]
    assert reachable
    for p in reachable:
        assert p["witness"]["mfa"] == "mfa", p["principal"]
        assert p["witness"]["context"]["aws:MultiFactorAuthPresent"] == ["true"]
        for hop in p["path"]:
            assert (hop["mfa_before"], hop["mfa_after"]) == ("mfa", "mfa"), p["principal"]


def test_can_and_who_can_agree_on_the_access_key_user(with_mfa):
    result = run("can", DEMO, CI, "cloudtrail:StopLogging", TRAIL, "--mfa", "-f", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["verdict"] == with_mfa[CI]["verdict"]


def test_ask_with_mfa_is_the_same_question():
    result = run("ask", DEMO, "who can stop logging on the trail with MFA", "-f", "json")
    assert result.exit_code == 0, result.output
    got = {p["principal"]: p["verdict"] for p in json.loads(result.stdout)["principals"]}
    assert got[CI] == "proven-unreachable"


def test_without_mfa_the_lambda_path_stays():
    """The other direction still holds: ci-deployer's keys reach the trail through the Lambda
    role's session (no MFA anywhere on the path)."""
    result = run(
        "paths", DEMO, "--from", CI, "--action", "cloudtrail:StopLogging", "--resource", TRAIL,
        "--no-mfa", "-f", "json",
    )  # fmt: skip
    out = json.loads(result.stdout)
    assert out["verdict"] == "reachable"
    assert all(h["mfa_after"] != "mfa" for h in out["path"])


def test_privesc_with_mfa_paths_keep_mfa():
    result = run("privesc", DEMO, "--mfa", "-f", "json")
    assert result.exit_code in (0, 3), result.output
    for p in json.loads(result.stdout)["principals"]:
        for hop in p["path"]:
            assert hop["mfa_after"] == "mfa", (p["principal"], hop["method"])


def test_a_role_with_mfa_is_listed_only_through_an_mfa_path(with_mfa):
    """lambda-org-maintenance and TrailOperator stay in the `--mfa` list, and rightly: an
    administrator with an MFA device (maria.garcia) may rewrite their trust and assume them
    with her MFA session, so a session of each with MFA exists. The path that obtains it
    carries MFA at every state; a Lambda session (no MFA) is not part of it."""
    from iamgraph.evaluate.gather import Mfa
    from iamgraph.graph.build import build
    from iamgraph.graph.paths import Paths, modes_filter
    from iamgraph.load.snapshot import load_snapshot
    from iamgraph.verdict import Verdict

    snap = load_snapshot(REPO / DEMO)
    pg = build(snap)
    paths = Paths(pg)
    allowed = modes_filter("mfa")
    maria = f"{MGMT}:user/maria.garcia"
    for role in ("lambda-org-maintenance", "TrailOperator"):
        arn = f"{MGMT}:role/{role}"
        assert with_mfa[arn]["verdict"] == "reachable"

        def holds(s, arn=arn):
            return Verdict.REACHABLE if s.arn == arn else Verdict.UNREACHABLE

        found = paths.search(maria, paths.own_starts(maria, allowed), holds, allowed)
        assert found.verdict is Verdict.REACHABLE
        assert [h.method for h in found.hops] == ["UpdateAssumeRolePolicy"]
        assert all(h.mode_from is Mfa.MFA and h.mode_to is Mfa.MFA for h in found.hops)
