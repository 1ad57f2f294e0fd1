"""`diff-policy` and `check-access` (issue 6, the single-policy checks): equal policies are
proven equal, every widening is caught with a witness the evaluator confirms, and a PASS
survives random concrete requests. Rules: P2 (action wildcards), C5 (values ORed), C16 (IP
ranges), E2 (a Deny wins), E16/E17 (SCPs; cross-account grants)."""

from __future__ import annotations

import json
import random
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from iamgraph.catalog import catalog
from iamgraph.cli.app import app
from iamgraph.evaluate.layers import decide
from iamgraph.evaluate.request import Request
from iamgraph.load.policy_file import load_policy_file
from iamgraph.model.policy import PolicyKind
from iamgraph.premerge.policy_diff import check_access, diff_policies
from iamgraph.solvers.compare import new_access
from iamgraph.verdict import Result
from tests.conftest import FIXTURES
from tests.solvers.cases import (
    ACTIONS,
    RESOURCES,
    DrawPick,
    make_context,
    make_policy,
    make_policy_set,
)

runner = CliRunner()
DIFF = FIXTURES / "policies" / "diff"


def policy(name: str, kind: PolicyKind | None = None):
    return load_policy_file(DIFF / f"{name}.json", kind)[0]


def test_wildcard_expanded_reordered_and_cidr_split_is_equal_both_ways():
    """s3:GetObject* written out action by action (P2), statements reordered, and 10.0.0.0/8
    split into two /9 ranges (C5, C16): the same requests, proven in both directions."""
    a, b = policy("reader-wildcard"), policy("reader-expanded")
    assert diff_policies(a, b, PolicyKind.IDENTITY).result == Result.PASS
    assert diff_policies(b, a, PolicyKind.IDENTITY).result == Result.PASS


def test_widening_is_caught_per_class_with_replayed_witnesses():
    before, after = policy("reader-wildcard"), policy("reader-widened")
    result = diff_policies(before, after, PolicyKind.IDENTITY)
    assert result.result == Result.FAIL
    classes = {(n.service, n.access_level) for n in result.new_access}
    assert ("s3", "Write") in classes  # s3:PutObject added
    ips = {
        dict(n.context).get("aws:SourceIp").values[0]
        for n in result.new_access
        if dict(n.context).get("aws:SourceIp")
    }
    assert any(ip.startswith("192.0.2.") for ip in ips)  # the widened office range
    for n in result.new_access:
        req = Request.build(n.action, n.resource, n.context)
        assert decide(replace_identity(after), req).allowed
        assert not decide(replace_identity(before), req).allowed


def replace_identity(p):
    from iamgraph.premerge.policy_diff import settings

    (setting,) = settings(PolicyKind.IDENTITY, [p])
    return setting.place(p)


def test_bucket_policy_naming_another_account_is_new_access_for_that_account():
    before, after = policy("bucket-policy-before"), policy("bucket-policy-after")
    assert before.kind is PolicyKind.RESOURCE
    result = diff_policies(before, after, PolicyKind.RESOURCE)
    assert result.result == Result.FAIL
    assert {n.caller for n in result.new_access} == {"arn:aws:iam::777788889999:user/someone"}
    assert {n.action for n in result.new_access} == {"s3:GetObject", "s3:ListBucket"}
    assert diff_policies(after, before, PolicyKind.RESOURCE).result == Result.PASS


def test_scp_that_stops_protecting_update_trail():
    before = policy("scp-protect-trail-before", PolicyKind.SCP)
    after = policy("scp-protect-trail-after", PolicyKind.SCP)
    result = diff_policies(before, after, PolicyKind.SCP)
    assert result.result == Result.FAIL
    assert [n.action for n in result.new_access] == ["cloudtrail:UpdateTrail"]
    assert diff_policies(after, before, PolicyKind.SCP).result == Result.PASS


def test_check_access_finds_the_grant_and_proves_its_absence():
    widened = policy("reader-widened")
    granted = check_access(
        widened, PolicyKind.IDENTITY, ["s3:Put*"], ["arn:aws:s3:::acme-reports/*"]
    )
    assert granted.result == Result.FAIL
    assert granted.new_access[0].action.startswith("s3:Put")
    none = check_access(policy("reader-wildcard"), PolicyKind.IDENTITY, ["s3:Put*", "iam:*"], ["*"])
    assert none.result == Result.PASS


def cli(*args):
    return runner.invoke(app, list(args))


def test_cli_json_shape_and_exit_codes():
    result = cli(
        "diff-policy",
        str(DIFF / "reader-wildcard.json"),
        str(DIFF / "reader-widened.json"),
        "-f",
        "json",
    )
    assert result.exit_code == 1, result.output
    out = json.loads(result.stdout)
    assert out["result"] == "FAIL" and out["complete"] is True
    assert set(out) == {"result", "new_access", "complete", "reasons", "notes"}
    for n in out["new_access"]:
        assert {"action", "resource", "context", "statements"} <= set(n)
        assert any("Sid ReadReports" in s for s in n["statements"])
    result = cli(
        "diff-policy", str(DIFF / "reader-wildcard.json"), str(DIFF / "reader-expanded.json")
    )
    assert result.exit_code == 0 and result.stdout.startswith("PASS: ")
    result = cli(
        "check-access", str(DIFF / "reader-widened.json"), "--action", "s3:PutObject", "-f", "json"
    )
    assert result.exit_code == 1 and json.loads(result.stdout)["result"] == "FAIL"


def test_a_wildcard_the_change_adds_is_noted_on_a_pass():
    """DESIGN: proofs are relative to today's catalog; a wildcard the change adds (P2) also
    grants actions AWS adds later, so the PASS says so, and still passes."""
    expanded, wildcard = policy("reader-expanded"), policy("reader-wildcard")
    result = diff_policies(expanded, wildcard, PolicyKind.IDENTITY)
    count = sum(hi - lo for lo, hi in catalog().intervals("s3:GetObject*"))
    assert result.result == Result.PASS
    (note,) = result.notes
    assert note.startswith(f"'s3:GetObject*' (Sid ReadReports {DIFF / 'reader-wildcard.json'}:")
    assert f"matches {count} actions" in note and "AWS adds later" in note
    assert diff_policies(wildcard, expanded, PolicyKind.IDENTITY).notes == ()
    assert diff_policies(wildcard, wildcard, PolicyKind.IDENTITY).notes == ()
    out = cli("diff-policy", str(DIFF / "reader-expanded.json"), str(DIFF / "reader-wildcard.json"))
    assert out.exit_code == 0 and "  note: 's3:GetObject*'" in out.stdout


def test_notaction_allow_is_noted_and_a_deny_wildcard_is_not(tmp_path):
    def write(name, statements):
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps({"Version": "2012-10-17", "Statement": statements}))
        return load_policy_file(path)[0]

    base = write("base", [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}])
    denies = write(
        "denies",
        [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
            {"Effect": "Deny", "Action": "s3:Delete*", "Resource": "*"},
        ],
    )
    everything_else = write(
        "notaction", [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]
    )
    assert diff_policies(base, denies, PolicyKind.IDENTITY).notes == ()
    result = diff_policies(base, everything_else, PolicyKind.IDENTITY)
    assert result.result == Result.FAIL
    assert [n.split(" (")[0] for n in result.notes] == ["NotAction 'iam:*'"]


def test_cli_bad_input():
    result = cli("diff-policy", str(DIFF / "missing.json"), str(DIFF / "reader-widened.json"))
    assert result.exit_code == 2
    assert result.stderr.strip() == f"iamgraph: {DIFF / 'missing.json'}: $: no such file"
    result = cli(
        "diff-policy", str(DIFF / "reader-wildcard.json"), str(DIFF / "bucket-policy-after.json")
    )
    assert result.exit_code == 2 and "reads as identity" in result.stderr


# -- soundness: a PASS survives random requests; a FAIL's witnesses replay ------------------


@given(st.data())
def test_new_access_is_sound(data):
    pick = DrawPick(data.draw)
    before = make_policy_set(pick)
    extra = make_policy(pick, "identity", name="added")
    after = replace(before, identity=(*before.identity, extra)) if pick.coin(0.7) else before
    result = new_access(before, after, timeout_ms=2000)
    if result.result == Result.FAIL:
        for n in result.new_access:
            req = Request.build(n.action, n.resource, n.context)
            assert decide(after, req).allowed and not decide(before, req).allowed
    if result.result == Result.PASS:
        rng = random.Random(data.draw(st.integers(0, 2**32)))
        for _ in range(12):
            req = Request.build(
                rng.choice(ACTIONS), rng.choice(RESOURCES), make_context(pick, before.caller)
            )
            if decide(after, req).allowed:
                assert decide(before, req).outcome.value in ("allowed", "unknown"), req


@given(st.data())
def test_a_policy_set_never_fails_against_itself(data):
    """Identical sides: no witness can replay, so never FAIL (PASS, or UNKNOWN where the
    encoding leaves parts open on both sides)."""
    ps = make_policy_set(DrawPick(data.draw))
    assert new_access(ps, ps, timeout_ms=2000).result != Result.FAIL


QUACKY = FIXTURES / "policies" / "quacky"
PASS, FAIL, UNKNOWN = Result.PASS, Result.FAIL, Result.UNKNOWN
# (folder, older, newer, result, the new actions when the list is short). Customer-style pairs
# from the Quacky papers (fixtures/policies/quacky/README.md), compared both ways.
QUACKY_PAIRS = [
    ("delete", "delete-more-permissive-1", "delete-more-permissive-2", PASS, None),
    # NotAction sns:Delete* allows every other service's actions: more than 50 classes (capped)
    ("delete", "delete-more-permissive-2", "delete-more-permissive-1", FAIL, None),
    ("numeric", "numeric-equivalent-1", "numeric-equivalent-2", PASS, ()),
    ("numeric", "numeric-equivalent-2", "numeric-equivalent-1", PASS, ()),
    # s3:prefix never comes with GetObject, so neither side grants anything; the way back is
    # left open by ${aws:username} (not encoded): UNKNOWN, never a FAIL without a witness
    ("prefix", "s3-prefix-incomparable-1", "s3-prefix-incomparable-2", PASS, ()),
    ("prefix", "s3-prefix-incomparable-2", "s3-prefix-incomparable-1", UNKNOWN, ()),
    ("ec2_limit_ebs_volume_size", "initial", "fixed", PASS, ()),
    ("ec2_limit_ebs_volume_size", "fixed", "initial", FAIL, ("ec2:RunInstances",)),
    (
        "iam_policy_allow_adding_deleting_users",
        "fixed",
        "initial",
        FAIL,
        ("iam:CreateUser", "iam:DeleteUser"),
    ),
    (
        "iam_policy_allow_adding_deleting_users",
        "initial",
        "fixed",
        FAIL,
        ("iam:CreateUser", "iam:DeleteUser"),
    ),
    ("s3_remove_permissions_individual_files", "policy1", "policy2", FAIL, ("s3:GetObject",)),
    ("s3_remove_permissions_individual_files", "policy2", "policy1", PASS, ()),
]


@pytest.mark.parametrize(("folder", "old", "new", "expected", "actions"), QUACKY_PAIRS)
def test_quacky_pairs(folder, old, new, expected, actions):
    """Real policy pairs: the result each way, and every FAIL names a witness that replays
    (its statements); a generous timeout so a loaded machine does not turn them UNKNOWN."""
    before = load_policy_file(QUACKY / folder / f"{old}.json")[0]
    after = load_policy_file(QUACKY / folder / f"{new}.json")[0]
    result = diff_policies(before, after, after.kind, timeout_ms=60_000)
    assert result.result == expected, result.reasons
    if actions is not None:
        assert tuple(sorted({n.action for n in result.new_access})) == actions
    if expected == FAIL:
        assert result.new_access and all(n.statements for n in result.new_access)
    if expected == UNKNOWN:
        assert result.reasons


def test_a_grant_behind_a_key_the_action_never_carries_is_no_new_access():
    """s3:prefix comes only with the ListBucket family (service authorization reference), so an
    added GetObject grant that requires it grants nothing: PASS, proven, as `can` says too
    (was a FAIL whose witness gave GetObject an s3:prefix; issue 14)."""
    from iamgraph.model.policy import parse_policy
    from iamgraph.model.source import SourceRef

    def doc(*statements):
        body = {"Version": "2012-10-17", "Statement": list(statements)}
        return parse_policy(body, kind=PolicyKind.IDENTITY, source=SourceRef("t.json"), name="t")

    read = {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::corp-data"}
    prefixed = {
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::corp-data/*",
        "Condition": {"StringLike": {"s3:prefix": "home/*"}},
    }
    assert diff_policies(doc(read), doc(read, prefixed), PolicyKind.IDENTITY).result == Result.PASS
    listed = dict(prefixed, Action="s3:ListBucketVersions", Resource="arn:aws:s3:::corp-data")
    widened = diff_policies(doc(read), doc(read, listed), PolicyKind.IDENTITY)
    assert widened.result == Result.FAIL
    assert [n.action for n in widened.new_access] == ["s3:ListBucketVersions"]
