"""Hostile input, issue 17 classes 6, 7 and 10: numbers and dates AWS would reject, policy
documents held as JSON strings, lone surrogates, malformed `iamgraph.toml`.

A file being loaded is refused with exit 2 and one line naming the file and the JSON path; a
value inside a policy condition makes that condition `unknown` in both engines (C13, C14),
never a crash and never a decision. Every input is the smallest that crashed before.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from iamgraph.cli.app import app
from iamgraph.evaluate.conditions import compare_numeric
from iamgraph.evaluate.matching import Uncertain
from iamgraph.load.fields import parse_date
from iamgraph.model.operators import OPERATORS, numeric_value

ROOT = Path(__file__).resolve().parents[2]
USER = "arn:aws:iam::111122223333:user/alice"


def run(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def one_line(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def auth_details(user: dict | None = None, **extra) -> dict:
    """`aws iam get-account-authorization-details` with one user, alice."""
    alice = {
        "Path": "/",
        "UserName": "alice",
        "UserId": "AIDAEXAMPLEALICE0001",
        "Arn": USER,
        "CreateDate": "2023-03-09T10:41:45+00:00",
        "GroupList": [],
        "AttachedManagedPolicies": [],
        "Tags": [],
        "UserPolicyList": [],
    }
    alice.update(user or {})
    return {
        "UserDetailList": [alice],
        "GroupDetailList": [],
        "RoleDetailList": [],
        "Policies": [],
        **extra,
    }


def numeric_policy(value: str) -> dict:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "s3:ListBucket",
                "Resource": "*",
                "Condition": {"NumericLessThan": {"s3:max-keys": value}},
            }
        ],
    }


# -- class 6: numbers in a numeric condition -----------------------------------------------


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e9999", "sNaN", "1e-9999"])
@pytest.mark.parametrize("engine", ["evaluator", "solver"])
def test_policy_number_aws_would_not_compare_is_unknown_in_both_engines(tmp_path, value, engine):
    """C13: NaN crashed the evaluator (decimal.InvalidOperation) and z3 (`parser error`,
    exit 1 which reads as FAIL); both engines now answer unknown on the same values."""
    policy = tmp_path / "p.json"
    policy.write_text(json.dumps(numeric_policy(value)))
    result = run(
        "simulate",
        "--identity-policy",
        str(policy),
        "--action",
        "s3:ListBucket",
        "--resource",
        "arn:aws:s3:::b",
        "--context",
        "s3:max-keys=3",
        "--engine",
        engine,
    )
    assert result.exit_code == 3, result.output  # unknown, not 1 (FAIL) nor a crash
    assert result.stdout.splitlines()[0].split() == ["unknown", "s3:ListBucket", "arn:aws:s3:::b"]
    reason = (
        f"unknown: {policy} statement 0: {value!r} is not a number"
        if engine == "evaluator"
        else "unknown: NumericLessThan on s3:max-keys: value not encodable"
    )
    assert reason in result.stdout


@pytest.mark.parametrize("engine", ["evaluator", "solver"])
def test_a_finite_number_is_still_decided(tmp_path, engine):
    policy = tmp_path / "p.json"
    policy.write_text(json.dumps(numeric_policy("1e3")))
    result = run(
        "simulate",
        *("--identity-policy", str(policy), "--action", "s3:ListBucket"),
        *("--resource", "arn:aws:s3:::b", "--context", "s3:max-keys=3", "--engine", engine),
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.split()[0] == "allowed"


def test_request_value_nan_is_unknown_not_a_crash():
    with pytest.raises(Uncertain, match="'NaN' is not a number"):
        compare_numeric(OPERATORS["NumericLessThan"], "NaN", "5")
    assert numeric_value(" 12.5 ") == numeric_value("1.25e1")
    assert numeric_value("1e308") is not None and numeric_value("1e309") is None


def test_json_number_literal_out_of_range_names_its_path(tmp_path):
    """`1e9999` as a JSON number is no value a document can hold: exit 2 at its path."""
    policy = tmp_path / "p.json"
    policy.write_text(json.dumps(numeric_policy("X")).replace('"X"', "1e9999"))
    result = run("simulate", "--identity-policy", str(policy), "--action", "s3:ListBucket")
    assert result.exit_code == 2
    assert one_line(result) == (
        f"iamgraph: {policy}: $.Statement[0].Condition.NumericLessThan['s3:max-keys']: "
        "number out of range: 1e9999"
    )


def test_five_thousand_digit_integer_names_its_path(tmp_path):
    """Python's int-string limit raised ValueError out of the parser."""
    path = tmp_path / "auth.json"
    path.write_text(
        json.dumps(auth_details({"Tags": [{"Key": "k", "Value": "X"}]})).replace('"X"', "9" * 5000)
    )
    result = run("summary", str(path))
    assert result.exit_code == 2
    assert one_line(result) == (
        f"iamgraph: {path}: $.UserDetailList[0].Tags[0].Value: number too long (5000 characters)"
    )


# -- class 6: dates ------------------------------------------------------------------------


@pytest.mark.parametrize("value", [1e300, "1e300", float("nan"), "inf", -1e13, 10**30])
def test_parse_date_of_no_date_is_none(value):
    assert parse_date(value) is None


@pytest.mark.parametrize("value", ['"1e300"', "1e300"])
def test_authorization_details_date_out_of_range_names_its_path(tmp_path, value):
    """OverflowError out of `parse_date` before."""
    path = tmp_path / "auth.json"
    path.write_text(json.dumps(auth_details({"CreateDate": "X"})).replace('"X"', value))
    result = run("summary", str(path))
    assert result.exit_code == 2
    assert one_line(result) == (
        f"iamgraph: {path}: $.UserDetailList[0].CreateDate: CreateDate is not a date: "
        f"{json.loads(value)!r}"
    )


@pytest.mark.parametrize(
    ("ctype", "value", "message"),
    [
        ("date", "1e300", "not a date: '1e300'"),
        ("numeric", "NaN", "not a valid numeric value: 'NaN'"),
        ("numeric", "Infinity", "not a valid numeric value: 'Infinity'"),
    ],
)
def test_context_entries_refuse_values_aws_would_not_take(ctype, value, message):
    entries = [{"ContextKeyName": "k:x", "ContextKeyValues": [value], "ContextKeyType": ctype}]
    result = run(
        "simulate",
        *("--identity-policy", str(ROOT / "fixtures/policies/read-reports.json")),
        *("--action", "s3:GetObject", "--context-entries", json.dumps(entries)),
    )
    assert result.exit_code == 2
    assert one_line(result) == f"iamgraph: --context-entries: $[0].ContextKeyValues[0]: {message}"


# -- class 7: policy documents held as JSON strings ----------------------------------------


def test_deeply_nested_policy_string_is_refused_not_a_recursion_error(tmp_path):
    path = tmp_path / "auth.json"
    document = "[" * 100_000 + "]" * 100_000
    policy = {"PolicyName": "deep", "PolicyDocument": document}
    path.write_text(json.dumps(auth_details({"UserPolicyList": [policy]})))
    result = run("summary", str(path))
    assert result.exit_code == 2
    assert one_line(result) == (
        f"iamgraph: {path}: $.UserDetailList[0].UserPolicyList[0].PolicyDocument: "
        "policy document is not valid JSON (nested too deeply)"
    )


def test_nan_literal_in_scp_content_is_a_lint_error(tmp_path):
    """`lint` said 0 errors on this SCP and `simulate` crashed on it later."""
    content = '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*",'
    content += '"Resource":"*","Condition":{"NumericGreaterThan":{"s3:max-keys":NaN}}}]}'
    path = tmp_path / "p-nan00001.json"
    summary = {
        "Id": "p-nan00001",
        "Arn": "arn:aws:organizations::111122223333:policy/o-a1b2c3d4e5/service_control_policy/p-nan00001",
        "Name": "nan",
        "Type": "SERVICE_CONTROL_POLICY",
        "AwsManaged": False,
    }
    path.write_text(json.dumps({"Policy": {"PolicySummary": summary, "Content": content}}))
    result = run("lint", str(path))
    assert result.exit_code == 1, result.output
    assert (
        "policy document is not valid JSON (unexpected character 'N', expected a value)"
        in result.stdout
    )
    assert "[$.Policy.Content]" in result.stdout


def test_number_out_of_range_in_terraform_policy_string(tmp_path):
    plan = json.loads((ROOT / "fixtures/plans/bad/policy-not-json.json").read_text())
    doc = json.dumps(numeric_policy("X")).replace('"X"', "1e400")
    plan["resource_changes"][1]["change"]["after"]["policy"] = doc
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    result = run("diff", str(ROOT / "fixtures/demo-org"), "--plan", str(path))
    assert result.exit_code == 2
    assert one_line(result) == (
        f"iamgraph: {path}: $.resource_changes[1].change.after.policy: policy document: "
        "$.Statement[0].Condition.NumericLessThan['s3:max-keys']: number out of range: 1e400"
    )


# -- class 10: lone surrogates and iamgraph.toml -------------------------------------------


@pytest.mark.parametrize("escape", ["\\ud800", "\\udfff", "x\\uDC00y"])
def test_lone_surrogate_in_a_name_is_refused_at_load(tmp_path, escape):
    path = tmp_path / "auth.json"
    path.write_text(json.dumps(auth_details({"UserName": "X"})).replace('"X"', f'"{escape}"'))
    result = run("summary", str(path))
    assert result.exit_code == 2
    assert one_line(result) == (
        f"iamgraph: {path}: $.UserDetailList[0].UserName: "
        "string holds a lone surrogate (\\uD800-\\uDFFF)"
    )


def test_a_surrogate_pair_is_a_character_not_a_refusal(tmp_path):
    path = tmp_path / "auth.json"
    path.write_text(json.dumps(auth_details({"Tags": [{"Key": "k", "Value": "\U0001f600"}]})))
    assert run("summary", str(path)).exit_code == 0


INVARIANT = '[[invariant]]\nname = "no escalation"\nescalation = true\n'


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("invariant = [1]\n", "$.invariant[0]", "expected a [[invariant]] table, got an integer"),
        (
            'suppression = ["x"]\n' + INVARIANT,
            "$.suppression[0]",
            "expected a [[suppression]] table, got a string",
        ),
        ("x = " + "[" * 1500 + "]" * 1500 + "\n", "$", "not TOML: nested too deeply"),
    ],
)
def test_malformed_settings_are_input_errors(tmp_path, text, where, message):
    """TypeError and RecursionError out of load/settings.py before."""
    path = tmp_path / "iamgraph.toml"
    path.write_text(text)
    result = run("check", str(ROOT / "fixtures/demo-org"), "--invariants", str(path))
    assert result.exit_code == 2
    assert one_line(result) == f"iamgraph: {path}: {where}: {message}"
