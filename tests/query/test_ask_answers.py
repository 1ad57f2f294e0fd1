"""Issue 19: the new kinds of `ask` question answered end to end on the demo organization
(fixtures/demo-org/README.md facts), through `iamgraph ask`, and the errors that name the
closest question the grammar accepts."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from iamgraph.cli.app import app
from tests.conftest import DEMO, REPO
from tests.demo import BREAK_GLASS, CI_DEPLOYER, DEV, DEV_ADMIN, MGMT, MGMT_ID, ORG_TRAIL

runner = CliRunner()
DEV_ONE = f"{DEV}:user/dev.one"
LAMBDA_ORG = f"{MGMT}:role/lambda-org-maintenance"


@pytest.fixture(autouse=True)
def at_repo_root(monkeypatch):
    monkeypatch.chdir(REPO)


def ask(question, *args, snapshot="fixtures/demo-org"):
    return runner.invoke(app, ["ask", str(snapshot), question, *args])


def rows(result):
    """who-can's JSON rows: principal ARN -> verdict."""
    return {p["principal"]: p["verdict"] for p in json.loads(result.stdout)["principals"]}


def test_who_can_assume_break_glass_admin_without_mfa():
    """A role name shared by two accounts, as an object, asks about both roles; fact 3: both
    trusts require MFA, so no credential without MFA assumes either (oncall-engineer's
    identity allow included)."""
    result = ask("who can assume BreakGlassAdmin without MFA", "-f", "json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["understood"]["checks"] == [
        {
            "actions": ["sts:AssumeRole"],
            "resources": [BREAK_GLASS, "arn:aws:iam::222233334444:role/BreakGlassAdmin"],
        }
    ]
    verdicts = {p["principal"]: p["verdict"] for p in out["principals"]}
    assert len(verdicts) == 40
    assert set(verdicts.values()) == {"proven-unreachable"}
    assert out["verdict"] == "proven-unreachable"


def test_can_dev_one_become_admin_is_paths_to_admin():
    """Fact 20: dev-admin is admin by its own permissions; dev.one assumes it."""
    result = ask("can dev.one become admin")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "YES: dev.one can become admin, via dev-admin: AssumeRole."
    assert lines[1] == f"understood as: paths, from {DEV_ONE} to admin, any credential"
    assert lines[2] == f"reachable  {DEV_ONE}"
    assert lines[-1] == f"    admin at {DEV_ADMIN}"


def test_who_is_admin_lists_admins_only():
    result = ask("who are the admins in account acme-dev", "-f", "json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["understood"]["command"] == "privesc"
    assert out["understood"]["filter"] == {
        "accounts": ["555566667777"],
        "kinds": [],
        "outside": False,
    }
    admins = {p["principal"] for p in out["principals"]}
    assert DEV_ADMIN in admins
    assert DEV_ONE not in admins  # not admin by its own permissions (it becomes one)
    assert all(p["admin"] is not False for p in out["principals"])
    assert all(p["principal"].startswith(DEV) for p in out["principals"])


def test_filter_in_account_keeps_that_accounts_rows():
    """Fact 19 over paths, narrowed to the management account: ci-deployer (through
    lambda-org-maintenance) and the Lambda role, and only that account's principals listed."""
    question = "who can delete the trail without MFA in account 111122223333"
    result = ask(question, "-f", "json")
    assert result.exit_code == 0, result.output
    table = rows(result)
    assert table and all(p.split(":")[4] == MGMT_ID for p in table)
    reachable = sorted(p for p, verdict in table.items() if verdict == "reachable")
    assert reachable == [LAMBDA_ORG, CI_DEPLOYER]
    lines = ask(question).stdout.splitlines()
    assert lines[0].startswith("YES: 2 principals can cloudtrail:DeleteTrail")
    assert lines[2] == "    principals: in account 111122223333"


def test_pass_a_role_pins_the_service():
    """ci-deployer passes lambda-* roles to Lambda (fact 1): asked with iam:PassedToService."""
    result = ask("can ci-deployer pass role lambda-org-maintenance to lambda", "-f", "json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["understood"]["where"] == {"iam:PassedToService": ["lambda.amazonaws.com"]}
    assert out["verdict"] == "reachable"


def test_outside_the_organization_is_proven_closed_on_the_demo():
    """Nothing in the demo lets an outsider in (exposure test): proven, with what it is
    relative to."""
    question = "can anyone outside the organization read the log bucket"
    out = json.loads(ask(question, "-f", "json").stdout)
    assert out["verdict"] == "proven-unreachable" and out["principals"] == []
    assert "no resource policy or role trust of the snapshot lets anyone outside in" in out["how"]
    result = ask(question)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("NO: no principal can s3:GetObject")
    assert lines[1] == "understood as: who-can, anyone outside the organization, any credential"
    assert "    no resource policy or role trust of the snapshot lets anyone outside in" in lines


def test_outside_the_organization_through_a_role_it_can_assume(tmp_path):
    """A trust naming an outside account: the outsider assumes TrailOperator, which can delete
    the trail (the management account, no SCP): reachable, and the answer says how."""
    folder = tmp_path / "org"
    shutil.copytree(DEMO, folder)
    auth = folder / "accounts/111122223333/iam/get-account-authorization-details.json"
    data = json.loads(auth.read_text())
    role = next(r for r in data["RoleDetailList"] if r["RoleName"] == "TrailOperator")
    role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["AWS"] = [
        "arn:aws:iam::999988887777:root"
    ]
    auth.write_text(json.dumps(data))
    question = "can anyone outside the organization delete the trail"
    table = rows(ask(question, "-f", "json", snapshot=folder))
    assert table[f"{MGMT}:role/TrailOperator"] == "reachable"
    assert all(v != "reachable" for p, v in table.items() if "TrailOperator" not in p)
    result = ask(question, snapshot=folder)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("YES: ")
    assert (
        f"    {MGMT}:role/TrailOperator: assumable from outside by "
        "arn:aws:iam::999988887777:user/someone"
    ) in result.stdout.splitlines()


def test_error_names_the_closest_question_and_command():
    result = ask("who can stop loging on the trail")
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith('iamgraph: ask: $: understood "who can stop", not "loging on the')
    assert lines[1] == '    closest question it accepts: "who can stop logging on the trail"'
    assert lines[2] == (
        "    answered by: iamgraph who-can fixtures/demo-org --action cloudtrail:StopLogging "
        f"--resource {ORG_TRAIL}"
    )


def test_error_for_a_path_question_names_paths():
    result = ask("how can dev.one reach")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines()[1:] == [
        '    closest question it accepts: "how can dev.one reach admin"',
        f"    answered by: iamgraph paths fixtures/demo-org --from {DEV_ONE} --to admin",
    ]


def test_error_for_an_admin_question_names_privesc():
    result = ask("who is boss")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines()[1:] == [
        '    closest question it accepts: "who is admin"',
        "    answered by: iamgraph privesc fixtures/demo-org",
    ]


def test_ambiguous_subject_names_the_candidates():
    result = ask("can BreakGlassAdmin delete the trail")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        'iamgraph: ask: $: understood "can", not "BreakGlassAdmin" (user or role BreakGlassAdmin '
        f"is ambiguous, give its ARN: {BREAK_GLASS}, arn:aws:iam::222233334444:role/BreakGlassAdmin)"
    )


def test_help_lists_the_grammar():
    text = runner.invoke(app, ["ask", "--help"], terminal_width=120).output
    for part in ("Verbs:", "Subjects:", "Objects:", "Clauses:", "who can VERB OBJECT [CLAUSE...]"):
        assert part in text
    assert "who can assume BreakGlassAdmin" in text


def test_who_outside_can_become_admin_is_refused_not_answered_no(demo):
    """privesc covers the snapshot's principals: an outside filter there would list nobody, a
    false "no"; the error names what answers it."""
    from iamgraph.errors import InputError
    from iamgraph.query.grammar import parse

    with pytest.raises(InputError, match='exposure = "foreign-trust"'):
        parse("who outside the organization can become admin", demo)
