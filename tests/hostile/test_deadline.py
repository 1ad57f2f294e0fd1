"""Issue 17, class 2: a total budget (`--deadline`) and patterns z3 cannot take in bounded time.

`--timeout` bounds one z3 check; before the deadline, `who-can --action '*' --resource '*'` on
the demo organization made thousands of them (462 s), and a 5 KB `StringLike` of 2,500 `*a`
pieces spent 90 s inside z3's assert, where no timeout applies. Past the deadline every question
not yet decided is `unknown` ("deadline"), never proven; answers proven before it stand.
No test here measures time: each asserts what the answer says (the hang guards are generous
subprocess timeouts, never the thing under test).
"""

import json
import time

import pytest
from typer.testing import CliRunner

from iamgraph import deadline
from iamgraph.cli.app import app
from iamgraph.load.snapshot import load_snapshot
from iamgraph.solvers.properties import can
from iamgraph.solvers.regex import MAX_WILDCARDS
from iamgraph.verdict import Verdict
from tests.conftest import REPO

DEMO = REPO / "fixtures" / "demo-org"
ALICE = "arn:aws:iam::111122223333:user/maria.garcia"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_within_keeps_the_earlier_end_and_zero_means_none():
    assert not deadline.expired()
    with deadline.within(0):
        assert not deadline.expired()
        assert deadline.clamp_ms(5000) == 5000
    with deadline.within(3600):
        assert 1 <= deadline.clamp_ms(10_000_000) <= 3_600_000
        with deadline.within(1e-9):  # the inner end is earlier: it wins
            time.sleep(0.001)
            assert deadline.expired()
            assert deadline.clamp_ms(5000) == 1  # never 0, which z3 reads as "no limit"
            with pytest.raises(deadline.DeadlineExpired):
                deadline.check()
        with deadline.within(0):  # no limit of its own: the outer one still holds
            assert deadline.clamp_ms(10_000_000) <= 3_600_000
    assert not deadline.expired()


def test_a_question_asked_after_the_deadline_is_unknown_not_proven():
    snap = load_snapshot(DEMO)
    # decided without the deadline: a proof either way
    free = can(snap, ALICE, ["iam:CreateUser"], ["*"])
    assert free.verdict is not Verdict.UNKNOWN
    with deadline.within(1e-9):
        time.sleep(0.001)
        late = can(snap, ALICE, ["iam:CreateUser"], ["*"])
    assert late.verdict is Verdict.UNKNOWN
    assert late.reasons == ("deadline",)


def test_privesc_past_the_deadline_proves_nothing_it_did_not_decide():
    """The library call, the snapshot loaded first (the CLI's deadline covers loading too)."""
    from iamgraph.query.answer import privesc
    from iamgraph.render.json import privesc_json

    snap = load_snapshot(DEMO)
    with deadline.within(1e-9):
        time.sleep(0.001)
        rows = privesc_json(privesc(snap))["principals"]
    verdicts = {r["verdict"] for r in rows}
    assert "proven-unreachable" not in verdicts
    unknown = [r for r in rows if r["verdict"] == "unknown"]
    assert unknown and all(any("deadline" in why for why in r["reasons"]) for r in unknown)
    # what was decided in Python before any solver call (plain administrators) still stands
    assert all(r["admin"] for r in rows if r["verdict"] == "reachable")


def test_a_deadline_that_passes_while_loading_is_one_line_and_exit_3():
    result = CliRunner().invoke(app, ["privesc", str(DEMO), "--deadline", "0.001", "-q"])
    assert result.exit_code == 3
    assert result.stderr.strip() == (
        "iamgraph: the deadline (0.001 s) passed while reading the input: every answer is unknown"
    )
    assert "proven-unreachable" not in result.stdout


def test_without_a_deadline_the_same_principals_are_decided():
    code, out = run("privesc", str(DEMO), "--deadline", "0", "-q", "-f", "json")
    assert code in (0, 3)
    rows = json.loads(out)["principals"]
    assert not any("deadline" in why for r in rows for why in r["reasons"])
    assert any(r["verdict"] == "proven-unreachable" for r in rows)


def test_diff_policy_past_the_deadline_is_unknown_and_says_why(tmp_path):
    """NEW only narrows OLD (a condition added): PASS, but only z3 can prove it; past the
    deadline it is UNKNOWN (exit 3) with the reason, never PASS."""
    grant = {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/*"}
    narrowed = {**grant, "Condition": {"StringLike": {"aws:PrincipalTag/team": "x*y"}}}
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(json.dumps({"Version": "2012-10-17", "Statement": [grant]}))
    new.write_text(json.dumps({"Version": "2012-10-17", "Statement": [narrowed]}))
    code, out = run("diff-policy", str(old), str(new), "--deadline", "0.001")
    assert code == 3, out
    assert "deadline" in out
    assert "PASS" not in out
    code, out = run("diff-policy", str(old), str(new), "--deadline", "0")
    assert code == 0, out
    assert out.startswith("PASS")


def test_every_analysis_command_takes_deadline():
    for command in (
        "simulate",
        "can",
        "who-can",
        "ask",
        "paths",
        "privesc",
        "graph",
        "diff-policy",
        "check-access",
        "check",
        "diff",
        "audit",
    ):
        code, out = run(command, "--help")
        assert code == 0
        assert "--deadline" in out, command


def test_who_can_everything_stops_at_the_deadline(demo):
    """The issue's 462-second question ends once its 2 s are spent: every principal it had not
    decided is unknown ("deadline"), none proven-unreachable by omission. (The CLI runs the
    same call inside the same `within`; loading is left out here so a loaded machine cannot
    spend the 2 s before the question starts.)"""
    from iamgraph.query.answer import who_can
    from iamgraph.render.json import who_can_json

    with deadline.within(2):
        out = who_can_json(who_can(demo, [(["*"], ["*"])]))
    assert out["verdict"] == "unknown"
    rows = out["principals"]
    assert any("deadline" in why for r in rows for why in r["reasons"])
    undecided = [r for r in rows if r["verdict"] == "unknown"]
    assert undecided
    # a proof of absence needs the search to have finished: with the deadline cut, none is
    # given for a principal whose answer mentions it
    assert not any(
        r["verdict"] == "proven-unreachable" and any("deadline" in w for w in r["reasons"])
        for r in rows
    )


def _like(n: int) -> dict:
    return {"StringLike": {"aws:PrincipalTag/team": "*a" * n}}


def test_a_pattern_with_too_many_wildcards_is_left_open_not_encoded(tmp_path):
    """2,500 `*a` pieces in a 5 KB policy (within AWS's size limits) spent 90 s in z3's
    assert. Above MAX_WILDCARDS the condition is a havoc: the answer that depends on it is
    unknown, named, and never PASS (new truly grants a tag of 65 a's that old refuses)."""
    many = MAX_WILDCARDS + 1

    def policy(cond: dict) -> str:
        st = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": cond}
        return json.dumps({"Version": "2012-10-17", "Statement": [st]})

    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(policy(_like(many + 5)))
    new.write_text(policy(_like(many)))
    code, out = run("diff-policy", str(old), str(new), "--deadline", "120")
    assert code == 3, out
    assert f"{many} wildcards is not encoded" in out or f"{many + 5} wildcards" in out
    assert "PASS" not in out
    # a Resource element likewise
    res = "arn:aws:s3:::" + "*a" * many
    st = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": res}
    new.write_text(json.dumps({"Version": "2012-10-17", "Statement": [st]}))
    old.write_text(policy(_like(1)))
    code, out = run("diff-policy", str(old), str(new), "--deadline", "120")
    assert code in (1, 3), out  # FAIL with a replayed witness, or unknown: never PASS
    assert "PASS" not in out
