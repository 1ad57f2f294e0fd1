"""Time-bound keys: aws:TokenIssueTime, aws:CurrentTime and aws:EpochTime (issue 14, item 5).

AWS's "global condition context keys" page (KEYS, IAM/latest/UserGuide/
reference_policies_condition-keys.html): aws:TokenIssueTime is in the request context only when
the principal signs with temporary credentials, "not present in AWS CLI, AWS API, or AWS SDK
requests that are made using access keys"; console sign-in uses temporary credentials (M5), so a
console session carries it, as every role session does; aws:CurrentTime and aws:EpochTime are
"always included". No request is made before the snapshot was collected (its time floor), and a
session lives at most 36 hours (STS GetSessionToken, DurationSeconds up to 129,600), so one still
usable at the floor was issued at most 36 hours before it.

The fixture is fixtures/privesc/time-bound (its README lists every principal), the first case
BishopFox iam-vulnerable's fp5-nonExploitableConditionConstraint.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import z3
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from iamgraph.cli.app import app
from iamgraph.evaluate.conditions import as_date, time_problems
from iamgraph.evaluate.gather import Mfa, credential_clock, time_floor, with_as_of
from iamgraph.evaluate.layers import PolicySet, decide
from iamgraph.evaluate.request import Caller, CallerType, Clock, ContextValue, Request
from iamgraph.load.snapshot import load_snapshot
from iamgraph.model.policy import PolicyKind, parse_policy
from iamgraph.model.source import SourceRef
from iamgraph.solvers.context import SymContext, key_usage
from iamgraph.solvers.guess import within_clock
from iamgraph.solvers.properties import can
from iamgraph.solvers.replay import ReplayContext
from iamgraph.solvers.solve import solve
from iamgraph.verdict import Verdict
from tests.conftest import FIXTURES

FOLDER = FIXTURES / "privesc" / "time-bound"
ACCOUNT = "250000000001"
FLOOR = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # snapshot.json collected_at
TOKEN_FLOOR = FLOOR - timedelta(hours=36)
ACTION = "iam:CreatePolicyVersion"


def arn(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:{name}"


@pytest.fixture(scope="module")
def snap():
    return load_snapshot(FOLDER)


# -- the floor -----------------------------------------------------------------------------------


def test_floor_is_the_collection_time(snap):
    assert time_floor(snap) == FLOOR


def test_as_of_overrides_the_collection_time(snap):
    later = datetime(2027, 3, 1, tzinfo=UTC)
    assert time_floor(with_as_of(snap, later)) == later


def test_without_collected_at_the_newest_time_in_the_data_is_the_floor(snap):
    # incident-responder's RoleLastUsed (2026-11-10T07:31:55Z) is the newest date in the data:
    # the data was collected after it
    floor = time_floor(replace(snap, meta={}))
    assert floor == datetime(2026, 11, 10, 7, 31, 55, tzinfo=UTC)


def test_with_no_time_at_all_there_is_no_floor(snap):
    empty = replace(snap, meta={}, principals={}, groups={}, accounts={})
    assert time_floor(empty) is None


# -- can, per principal and credential mode ------------------------------------------------------


@pytest.mark.parametrize(
    "who",
    [
        "user/fp5-legacy-maintainer",  # before this change: reachable with a 2019 token on keys
        "role/fp5-legacy-maintainer-role",
        "user/window-migrator",  # aws:CurrentTime before the floor
        "user/bootstrap-operator",  # aws:EpochTime before the floor
    ],
)
def test_grants_only_the_past_allows_are_proven_unreachable(snap, who):
    answer = can(snap, arn(who), [ACTION], ["*"])
    assert answer.verdict is Verdict.UNREACHABLE, answer


def test_fp5_user_is_unreachable_in_every_credential_mode(snap):
    for mode in (Mfa.LONG_TERM_KEYS, Mfa.NO_MFA, Mfa.MFA):
        answer = can(snap, arn("user/fp5-legacy-maintainer"), [ACTION], ["*"], modes=(mode,))
        assert answer.verdict is Verdict.UNREACHABLE, (mode, answer)


def _context(answer) -> dict[str, str]:
    return {k.lower(): v.values[0] for k, v in answer.witness.context}


def test_a_token_issued_after_the_floor_is_reachable_with_a_session(snap):
    answer = can(snap, arn("user/session-maintainer"), [ACTION], ["*"])
    assert answer.verdict is Verdict.REACHABLE, answer
    assert answer.witness.mfa != Mfa.LONG_TERM_KEYS.value
    issued = as_date(_context(answer)["aws:tokenissuetime"])
    assert issued > datetime(2027, 1, 1, tzinfo=UTC)


def test_a_token_condition_never_holds_for_access_keys(snap):
    answer = can(snap, arn("user/session-maintainer"), [ACTION], ["*"], modes=(Mfa.LONG_TERM_KEYS,))
    assert answer.verdict is Verdict.UNREACHABLE, answer


def test_null_token_issue_time_true_means_access_keys(snap):
    answer = can(snap, arn("user/keys-pipeline"), [ACTION], ["*"])
    assert answer.verdict is Verdict.REACHABLE, answer
    assert answer.witness.mfa == Mfa.LONG_TERM_KEYS.value
    assert "aws:tokenissuetime" not in _context(answer)
    for mode in (Mfa.NO_MFA, Mfa.MFA):  # a session always carries a token issue time
        answer = can(snap, arn("user/keys-pipeline"), [ACTION], ["*"], modes=(mode,))
        assert answer.verdict is Verdict.UNREACHABLE, (mode, answer)


def test_a_window_after_the_floor_is_reachable(snap):
    answer = can(snap, arn("user/freeze-maintainer"), [ACTION], ["*"])
    assert answer.verdict is Verdict.REACHABLE, answer
    now = as_date(_context(answer)["aws:currenttime"])
    assert now > datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC)


def test_revoking_older_sessions_does_not_revoke_sessions_usable_now(snap):
    # AWSRevokeOlderSessions denies tokens issued before 2026-11-10; with the floor the role
    # may still act, and its witness carries a token issued after the floor minus 36 hours
    answer = can(snap, arn("role/incident-responder"), ["iam:CreateUser"], ["*"])
    assert answer.verdict is Verdict.REACHABLE, answer


def test_without_a_floor_any_time_is_possible_an_over_approximation(snap):
    """No time known at all: today's behaviour, any time (never a false proof). Access keys
    still carry no token issue time."""
    bare = replace(snap, meta={}, groups={}, accounts={})
    bare = replace(
        bare,
        principals={
            k: replace(p, user=replace(p.user, created=None)) if p.user else p
            for k, p in bare.principals.items()
            if p.role is None
        },
    )
    assert time_floor(bare) is None
    fp5 = arn("user/fp5-legacy-maintainer")
    session = can(bare, fp5, [ACTION], ["*"], modes=(Mfa.NO_MFA,))
    assert session.verdict is Verdict.REACHABLE, session
    keys = can(bare, fp5, [ACTION], ["*"], modes=(Mfa.LONG_TERM_KEYS,))
    assert keys.verdict is Verdict.UNREACHABLE, keys


def test_a_given_token_issue_time_rules_out_access_keys(snap):
    where = [("aws:TokenIssueTime", ContextValue(("2027-02-01T00:00:00Z",)))]
    who = arn("user/session-maintainer")
    answer = can(snap, who, [ACTION], ["*"], where=where, modes=(Mfa.LONG_TERM_KEYS,))
    assert answer.verdict is Verdict.UNKNOWN, answer
    answer = can(snap, who, [ACTION], ["*"], where=where)
    assert answer.verdict is Verdict.REACHABLE, answer
    assert answer.witness.mfa != Mfa.LONG_TERM_KEYS.value


def test_the_cli_says_proven_unreachable_for_fp5():
    result = CliRunner().invoke(
        app, ["can", str(FOLDER), arn("user/fp5-legacy-maintainer"), ACTION, "*"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("NO: fp5-legacy-maintainer cannot "), result.output
    assert "\nproven-unreachable  " in result.output, result.output


# -- privesc on the fixture: tests/graph/test_privesc_fixtures.py holds it to expected.json ----


# -- the evaluator's replay --------------------------------------------------------------------

ALICE = Caller.from_arn(arn("user/alice"))
ROLE = Caller.from_arn(arn("role/app"))


def _ps(caller: Caller, condition: dict) -> PolicySet:
    doc = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": condition}],
    }
    pol = parse_policy(doc, kind=PolicyKind.IDENTITY, source=SourceRef("t.json"), name="t")
    return PolicySet(caller, ACCOUNT, identity=(pol,))


def _req(clock: Clock | None, **times: str) -> Request:
    names = {"tit": "aws:TokenIssueTime", "now": "aws:CurrentTime", "epoch": "aws:EpochTime"}
    return Request.build(
        "s3:ListAllMyBuckets",
        "*",
        [(names[k], ContextValue((v,))) for k, v in times.items()],
        clock,
    )


def test_replay_rejects_a_token_issue_time_on_access_keys():
    ps = _ps(ALICE, {"DateLessThan": {"aws:TokenIssueTime": "2020-01-01T00:00:01Z"}})
    req = _req(Clock(temporary=False, floor=FLOOR), tit="2019-06-01T00:00:00Z")
    decision = decide(ps, req)
    assert not decision.allowed and decision.unknown_because, decision
    assert decide(ps, replace(req, clock=None)).allowed  # without a clock: taken as given


def test_replay_rejects_times_before_the_floor():
    ps = _ps(ALICE, {"DateLessThan": {"aws:CurrentTime": "2026-06-30T00:00:00Z"}})
    assert not decide(ps, _req(Clock(False, FLOOR), now="2026-06-01T00:00:00Z")).allowed
    assert decide(ps, _req(Clock(False, None), now="2026-06-01T00:00:00Z")).allowed


def test_replay_rejects_a_missing_time_key_a_policy_reads():
    ps = _ps(ROLE, {"Null": {"aws:TokenIssueTime": "true"}})
    assert not decide(ps, _req(Clock(True, FLOOR))).allowed  # a session carries it
    assert decide(ps, _req(Clock(None, FLOOR))).allowed  # not known: either


def test_replay_accepts_a_token_up_to_36_hours_before_the_floor():
    ps = _ps(ROLE, {"DateLessThan": {"aws:TokenIssueTime": "2026-11-23T00:00:00Z"}})
    ok = _req(Clock(True, FLOOR), tit="2026-11-22T21:00:00Z", now="2026-11-24T09:00:00Z")
    assert time_problems(ok) == ()
    late = _req(Clock(True, FLOOR), tit="2026-11-22T20:59:59Z")
    assert time_problems(late)
    after = _req(Clock(True, FLOOR), tit="2026-11-25T00:00:00Z", now="2026-11-24T10:00:00Z")
    assert time_problems(after)  # issued after the request was made
    assert decide(ps, ok).allowed


def test_guesses_respect_the_clock():
    chosen = [
        ("aws:TokenIssueTime", ContextValue(("2019-12-31T00:00:01Z",))),
        ("aws:CurrentTime", ContextValue(("2019-12-31T00:00:01Z",))),
        ("aws:EpochTime", ContextValue(("1577836799",))),
    ]
    keys = dict(within_clock(chosen, Clock(False, FLOOR)))
    assert "aws:TokenIssueTime" not in keys
    assert as_date(keys["aws:CurrentTime"].values[0]) == FLOOR
    assert as_date(keys["aws:EpochTime"].values[0]) == FLOOR
    session = dict(within_clock(chosen, Clock(True, FLOOR)))
    assert as_date(session["aws:TokenIssueTime"].values[0]) == TOKEN_FLOOR
    assert dict(within_clock(chosen, Clock(True, None))) == dict(chosen)  # no floor: as chosen


# -- z3 and the evaluator agree on the time keys, for each credential mode ---------------------

KEYS = ("aws:TokenIssueTime", "aws:CurrentTime", "aws:EpochTime")
DATES = (
    "2019-12-31T23:59:59Z",
    "2026-11-22T20:59:59Z",  # one second before the token floor
    "2026-11-22T21:00:00Z",  # the token floor (36 h before the floor)
    "2026-11-24T08:59:59Z",
    "2026-11-24T09:00:00Z",  # the floor
    "2026-11-24T09:00:01Z",
    "2027-01-01T00:00:00Z",
)
CALLERS = {
    CallerType.USER: (Mfa.LONG_TERM_KEYS, Mfa.NO_MFA, Mfa.MFA),
    CallerType.ASSUMED_ROLE: (Mfa.NO_MFA, Mfa.MFA),
}
OPERATORS = ("DateLessThan", "DateGreaterThanEquals", "DateEquals", "DateNotEquals")


def _epoch(text: str) -> str:
    return str(int(as_date(text).timestamp()))


@st.composite
def time_cases(draw):
    caller_type = draw(st.sampled_from(sorted(CALLERS)))
    mode = draw(st.sampled_from(CALLERS[caller_type]))
    floor = draw(st.sampled_from((FLOOR, None)))
    read = draw(st.lists(st.sampled_from(KEYS), min_size=1, max_size=3, unique=True))
    conditions = {}
    for key in read:
        op = draw(st.sampled_from(OPERATORS))
        value = draw(st.sampled_from(DATES))
        if key == "aws:EpochTime" and draw(st.booleans()):
            op, value = op.replace("Date", "Numeric"), _epoch(value)
        conditions.setdefault(op, {})[key] = value
    times = {}
    for key in KEYS:
        if draw(st.integers(0, 3)) == 0:
            continue  # absent
        value = draw(st.sampled_from(DATES))
        times[key] = _epoch(value) if key == "aws:EpochTime" else value
    return caller_type, mode, floor, conditions, times


def _caller(caller_type: CallerType) -> Caller:
    return ALICE if caller_type is CallerType.USER else ROLE


@given(time_cases())
def test_z3_time_constraint_agrees_with_the_evaluator(case):
    """For one concrete context, the z3 model of a credential (`SymContext.time_constraint`)
    admits it exactly when the evaluator's replay (`time_problems`) does."""
    caller_type, mode, floor, conditions, times = case
    ps = _ps(_caller(caller_type), conditions)
    clock = credential_clock(caller_type, mode, floor)
    ctx = SymContext(key_usage(ps.policies()), {})
    solver = z3.Solver()
    solver.add(*ctx.constraints, ctx.time_constraint(clock.temporary, clock.floor))
    for lower, key in ctx.keys.items():
        name = next(k for k in KEYS if k.lower() == lower)
        if name not in times:
            solver.add(z3.Not(key.present))
        else:
            seconds = as_date(times[name]).timestamp()
            value = key.value if key.count is None else key.elems[0]
            solver.add(key.present, value == z3.RealVal(str(int(seconds))))
    req = Request.build("s3:ListAllMyBuckets", "*", [], clock).with_context(
        [(k, ContextValue((v,))) for k, v in times.items() if k.lower() in ctx.keys]
    )
    problems = time_problems(req, set(ctx.keys))
    assert (solver.check() == z3.sat) == (not problems), (case, problems)


def _possible_requests(caller_type, modes, floor, conditions):
    """Concrete requests a credential can send: each mode, times at or after the floor (the
    policy's own dates and the floor's neighbours), a token issued at most 36 h earlier."""
    base = floor or datetime(2026, 1, 1, tzinfo=UTC)
    nows = {base, base + timedelta(seconds=1), base + timedelta(days=400)}
    nows |= {as_date(v) for vals in conditions.values() for v in vals.values()}
    nows = {n for n in nows if floor is None or n >= floor}
    for mode in modes:
        clock = credential_clock(caller_type, mode, floor)
        for now in sorted(nows):
            for age in (timedelta(0), timedelta(hours=1), timedelta(hours=36)):
                issued = now - age
                if floor is not None and issued < clock.token_floor:
                    continue
                entries = [
                    ("aws:CurrentTime", ContextValue((now.strftime("%Y-%m-%dT%H:%M:%SZ"),))),
                    ("aws:EpochTime", ContextValue((str(int(now.timestamp())),))),
                ]
                if clock.temporary:
                    entries.append(
                        (
                            "aws:TokenIssueTime",
                            ContextValue((issued.strftime("%Y-%m-%dT%H:%M:%SZ"),)),
                        )
                    )
                yield mode, Request.build("s3:ListAllMyBuckets", "*", entries, clock)


@given(time_cases())
def test_solve_per_mode_agrees_with_the_evaluator(case):
    """`solve` over the time keys, for each credential mode: a witness replays without a time
    problem, and a proof is never contradicted by a request a credential can send."""
    caller_type, mode, floor, conditions, _ = case
    ps = _ps(_caller(caller_type), conditions)
    modes = (mode,)

    # the request carries the credential's clock and the time keys the policies read
    replay = ReplayContext(clock=True, floor=floor)
    answer = solve(ps, "t", "s3:ListAllMyBuckets", "*", [], modes, replay=replay, fixed=None)
    if answer.verdict is Verdict.UNKNOWN:  # only a solver that ran out of time may say so
        assert all(r.startswith("solver gave up") for r in answer.reasons), answer
        return
    if answer.verdict is Verdict.REACHABLE:
        assert answer.witness.decision.allowed
        return
    for m, req in _possible_requests(caller_type, modes, floor, conditions):
        assert not time_problems(req, ps.keys_read()), req
        assert not decide(ps, req).allowed, (m, req, conditions)
