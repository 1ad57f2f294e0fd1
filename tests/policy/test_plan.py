"""`apply_plan`: Terraform plans (fixtures/plans, against fixtures/demo-org) applied to the
snapshot, checked by their effects on principals and the organization, by what had to be
assumed or left unknown, by where each changed policy points in the plan file, and by what
`diff_snapshots` then reports. Small plans for edge cases are written in tmp_path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from iamgraph.errors import InputError
from iamgraph.evaluate.gather import policies_for
from iamgraph.load.settings import Invariant
from iamgraph.load.snapshot import load_snapshot
from iamgraph.model.plan import TRUST, PlannedSnapshot
from iamgraph.model.source import SourceRef
from iamgraph.premerge.plan.apply import apply_plan
from iamgraph.premerge.snapshot_diff import diff_snapshots
from iamgraph.verdict import Result
from tests.conftest import FIXTURES
from tests.demo import MGMT, PROD, SHARED

PLANS = FIXTURES / "plans"
TRAIL = Invariant(
    "no-non-mfa-trail-tampering", ask="can any non-MFA principal tamper with the trail"
)


def plan(demo, name: str, **kw) -> PlannedSnapshot:
    return apply_plan(demo, PLANS / name, **kw)


def line_at(ref: SourceRef) -> str:
    """The text of the plan file from the ref's line and column on."""
    return Path(ref.file).read_text().splitlines()[ref.line - 1][ref.column - 1 :]


def names(principal) -> list[str]:
    return [p.name for p in principal.policies.identity]


def statements(principal) -> dict[str, object]:
    return {st.sid: st for p in principal.policies.identity for st in p.statements if st.sid}


def attrs(planned: PlannedSnapshot) -> list[tuple[str, str, str]]:
    return [(a.address, a.attribute, a.value) for a in planned.assumptions]


# -- (a) a new policy attached to a user opens a PassRole path to the trail -----------------


@pytest.fixture(scope="module")
def passrole(demo):
    return plan(demo, "passrole-path.json")


def test_passrole_plan_attaches_the_new_policy(demo, passrole):
    arn = f"{MGMT}:policy/oncall-runbooks"
    user = passrole.snapshot.principals[f"{MGMT}:user/oncall-engineer"]
    assert arn in names(user)
    passing = statements(user)["PassRunbookRoles"]
    assert passing.actions == ("iam:PassRole",)
    assert passing.resources == (f"{MGMT}:role/lambda-*",)
    assert set(statements(user)["RunbookFunctions"].actions) >= {
        "lambda:CreateFunction",
        "lambda:InvokeFunction",
    }
    assert arn not in names(demo.principals[f"{MGMT}:user/oncall-engineer"])  # input untouched
    assert passrole.account == "111122223333"  # from the user's ARN in prior_state
    assert attrs(passrole) == [
        ("aws_iam_policy.oncall_runbooks", "arn", arn),
        ("aws_iam_user_policy_attachment.oncall_runbooks", "policy_arn", arn),
    ]
    assert "aws_iam_policy.oncall_runbooks.arn" in passrole.assumptions[1].reason
    assert passrole.unresolved == ()


def test_passrole_plan_sources_point_at_the_policy_string(passrole):
    arn = f"{MGMT}:policy/oncall-runbooks"
    ref = passrole.sources[(arn, "oncall-runbooks")]
    assert ref.file == str(PLANS / "passrole-path.json")
    assert ref.path == ("resource_changes", 1, "change", "after", "policy")
    assert line_at(ref).startswith('"{\\n  \\"Version\\": \\"2012-10-17\\"')
    policy = passrole.snapshot.managed_policies[arn].document
    assert policy.source == ref
    assert {(st.source.line, st.source.column) for st in policy.statements} == {
        (ref.line, ref.column)
    }


def test_passrole_plan_diff_reports_new_access_and_the_path_to_the_trail(demo, passrole):
    diff = diff_snapshots(demo, passrole.snapshot, [TRAIL], "inline")
    assert diff.result == Result.FAIL
    (change,) = diff.changed
    assert change.principal == f"{MGMT}:user/oncall-engineer"
    assert change.comparison.result == Result.FAIL
    new = {n.action for n in change.comparison.new_access}
    assert {"iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"} <= new
    plan_file = str(PLANS / "passrole-path.json")
    assert all(loc[0] == plan_file for n in change.comparison.new_access for loc in n.locations)
    (newly,) = diff.newly_breaking(0)
    assert newly.answer.principal == f"{MGMT}:user/oncall-engineer"
    (hop,) = newly.hops
    assert hop.method == "PassRole+lambda:CreateFunction+InvokeFunction"
    assert hop.target == f"{MGMT}:role/lambda-org-maintenance"
    assert {loc[0] for loc in hop.locations} == {plan_file}
    assert diff.repaired(0) == []


# -- (b) an inline policy refactored into an equivalent managed policy ----------------------


@pytest.fixture(scope="module")
def refactor(demo):
    return plan(demo, "harmless-refactor.json")


def test_refactor_replaces_the_inline_policy_with_the_managed_one(refactor):
    role = refactor.snapshot.principals[f"{MGMT}:role/lambda-org-maintenance"]
    arn = f"{MGMT}:policy/lambda/lambda-trail-maintenance"  # the path is part of the ARN
    assert names(role) == [arn]
    assert role.role.inline == () and role.role.attached == (arn,)
    assert "cloudtrail:*Logging" in statements(role)["OrgTrailMaintenance"].actions
    assert refactor.account == "111122223333"  # provider allowed_account_ids
    assert attrs(refactor) == [
        ("aws_iam_policy.lambda_trail_maintenance", "arn", arn),
        ("aws_iam_role_policy_attachment.lambda_trail_maintenance", "policy_arn", arn),
    ]
    ref = refactor.sources[(arn, "lambda-trail-maintenance")]
    assert line_at(ref).startswith('"{\\"Statement\\":[{\\"Action\\":[\\"logs:PutLogEvents\\"')


def test_refactor_diff_proves_nothing_new(demo, refactor):
    diff = diff_snapshots(demo, refactor.snapshot, [TRAIL], "inline")
    assert [(c.principal, c.comparison.result) for c in diff.changed] == [
        (f"{MGMT}:role/lambda-org-maintenance", Result.PASS)
    ]
    assert diff.new_escalation == ()
    assert diff.newly_breaking(0) == [] and diff.repaired(0) == []
    assert diff.result == Result.PASS


# -- (c) an AWS managed policy the snapshot does not hold ----------------------------------


def test_missing_aws_managed_policy_is_unresolved(demo):
    planned = plan(demo, "aws-managed-missing.json")
    power = "arn:aws:iam::aws:policy/PowerUserAccess"
    app = f"{PROD}:role/app-server"
    assert planned.account == "444455556666"  # from the provider's assume_role ARN
    (u,) = planned.unresolved
    assert (u.address, u.what, u.principals) == (
        "aws_iam_role_policy_attachment.app_server_power_user",
        power,
        (app,),
    )
    assert "not in the snapshot" in u.reason
    assert power in planned.snapshot.principals[app].policies.unresolved
    assert power in policies_for(planned.snapshot, app, "ec2:RunInstances", "*").unresolved
    ops = planned.snapshot.principals[f"{PROD}:role/ops-automation"]
    assert f"{PROD}:policy/developer-readonly" in names(ops)  # in the snapshot: resolved
    assert ops.policies.unresolved == ()
    assert any(power in g for g in planned.snapshot.gaps)


# -- (d) an SCP edit that lets member accounts stop logging --------------------------------


@pytest.fixture(scope="module")
def scp_edit(demo):
    return plan(demo, "scp-edit.json")


def test_scp_edit_changes_the_content_only(demo, scp_edit):
    scp = scp_edit.snapshot.organization.policies["p-prot3ctct"]
    (deny,) = scp.document.statements
    assert "cloudtrail:StopLogging" not in deny.actions
    assert "cloudtrail:DeleteTrail" in deny.actions
    assert scp.targets == ("r-a1b2",)
    was = demo.organization.policies["p-prot3ctct"]
    assert "cloudtrail:StopLogging" in was.document.statements[0].actions  # input untouched
    ref = scp_edit.sources[(scp.arn, "protect-cloudtrail")]
    assert ref.path == ("resource_changes", 0, "change", "after", "content")
    assert Path(ref.file).read_text().splitlines()[ref.line - 1].lstrip().startswith('"content"')
    assert scp_edit.assumptions == () and scp_edit.unresolved == ()
    assert scp_edit.account is None  # an SCP needs no account: none was asked for


def test_scp_edit_diff_reports_stop_logging_in_member_accounts(demo, scp_edit):
    diff = diff_snapshots(demo, scp_edit.snapshot)
    by = {c.principal: c.comparison for c in diff.changed}
    for account in ("222233334444", "333344445555", "444455556666", "666677778888"):
        root = by[f"arn:aws:iam::{account}:root"]
        assert root.result == Result.FAIL
        assert {n.action for n in root.new_access} == {"cloudtrail:StopLogging"}
    assert by["arn:aws:iam::555566667777:root"].result == Result.PASS  # Dev allow-list
    assert not [p for p in by if p.startswith(MGMT)]  # SCPs do not bind the management account
    assert diff.result == Result.FAIL


# -- (e) a role with inline_policy blocks trusting a whole account -------------------------


@pytest.fixture(scope="module")
def release_role(demo):
    return plan(demo, "role-trusts-account.json")


def test_role_created_with_inline_blocks_and_account_trust(release_role):
    arn = f"{SHARED}:role/automation/release-automation"
    boundary = f"{SHARED}:policy/boundaries/release-boundary"
    role = release_role.snapshot.principals[arn]
    assert release_role.account == "666677778888"  # data.aws_caller_identity in prior_state
    (st,) = role.trust.statements
    assert st.principal.aws == ("arn:aws:iam::444455556666:root",) and st.actions == (
        "sts:AssumeRole",
    )
    assert names(role) == [f"{arn}:publish-artifacts", f"{arn}:read-release-parameters"]
    assert role.policies.boundary_arn == boundary
    assert [s.sid for s in role.policies.boundary.statements] == ["ReleaseServices", "NoIamWrites"]
    assert ("aws_iam_role.release_automation", "permissions_boundary", boundary) in attrs(
        release_role
    )
    assert ("aws_iam_role_policy.release_staging", "role", "release-automation") in attrs(
        release_role
    )
    assert release_role.skipped == ("aws_s3_bucket.release_staging",)


def test_role_policy_text_unknown_until_apply_is_unresolved(release_role):
    arn = f"{SHARED}:role/automation/release-automation"
    (u,) = release_role.unresolved
    assert u.address == "aws_iam_role_policy.release_staging"
    assert u.what == f"inline policy release-staging-bucket of {arn}"
    assert u.principals == (arn,)
    role = release_role.snapshot.principals[arn]
    assert any("release-staging-bucket" in x for x in role.policies.unresolved)


def test_role_sources_point_at_trust_and_blocks(release_role):
    arn = f"{SHARED}:role/automation/release-automation"
    trust = release_role.sources[(arn, TRUST)]
    assert trust.path[-1] == "assume_role_policy"
    assert line_at(trust).startswith('"{\\"Statement\\":[{\\"Action\\":\\"sts:AssumeRole\\"')
    block = release_role.sources[(arn, "read-release-parameters")]
    assert block.path[-3:] == ("inline_policy", 1, "policy")
    assert line_at(block).startswith('"{\\"Statement\\":[{\\"Action\\":\\"ssm:GetParameter\\"')


# -- users, groups, memberships and deletes -------------------------------------------------


@pytest.fixture(scope="module")
def people(demo):
    return plan(demo, "users-and-groups.json")


def test_users_groups_and_memberships(people):
    p = people.snapshot.principals
    bot = p[f"{MGMT}:user/automation/release-bot"]
    managers = f"{MGMT}:group/ReleaseManagers"
    assert bot.groups == (managers,)
    assert names(bot) == [f"{managers}:release-read"]
    assert bot.user.tags == (("purpose", "releases"),)
    assert managers in p[f"{MGMT}:user/priya.patel"].groups
    assert set(p[f"{MGMT}:user/oncall-bot"].groups) == {
        f"{MGMT}:group/PlatformEngineers",
        f"{MGMT}:group/Auditors",
    }
    ref = people.sources[(managers, "release-read")]
    assert line_at(ref).startswith('"{\\n  \\"Version\\"')
    assert attrs(people) == [
        ("aws_iam_user.release_bot", "arn", f"{MGMT}:user/automation/release-bot"),
        ("aws_iam_group.release_managers", "arn", managers),
    ]
    assert people.unresolved == ()


def test_deletes_remove_the_user_and_the_inline_policy(demo, people):
    p = people.snapshot.principals
    assert f"{MGMT}:user/auditor.kim" not in p
    assert f"{MGMT}:user/auditor.kim" in demo.principals
    assert p[f"{MGMT}:user/ci-deployer"].policies.identity == ()
    assert len(demo.principals[f"{MGMT}:user/ci-deployer"].policies.identity) == 1


def test_exclusive_policy_attachment_and_a_policy_update(people):
    p = people.snapshot.principals
    engineer = f"{MGMT}:policy/platform-engineer"
    assert engineer in names(p[f"{MGMT}:role/lambda-cost-reporter"])
    assert engineer in people.snapshot.groups[f"{MGMT}:group/PlatformEngineers"].attached
    audit = people.snapshot.managed_policies[f"{MGMT}:policy/security-audit-readonly"]
    assert (audit.default_version, audit.versions) == ("v2", ("v1", "v2"))
    assert [v for v, _ in audit.other_versions] == ["v1"]  # the old default stays a version
    assert audit.document.statements[-1].sid == "AccessAnalyzerRead"
    assert "AccessAnalyzerRead" in statements(p[f"{MGMT}:user/oncall-bot"])


# -- a new SCP attached through a reference, an attachment removed -------------------------


def test_new_scp_attached_by_reference_and_a_detached_one(demo):
    planned = plan(demo, "scp-create.json")
    org = planned.snapshot.organization
    (new,) = [p for p in org.policies.values() if p.name == "deny-root-user"]
    assert new.targets == ("ou-a1b2-sec00001",)
    assert new.policy_id.startswith("p-") and len(new.policy_id) == 10
    assert attrs(planned) == [
        ("aws_organizations_policy.deny_root_user", "id", new.policy_id),
        ("aws_organizations_policy.deny_root_user", "arn", new.arn),
        ("aws_organizations_policy_attachment.deny_root_user_security", "policy_id", new.policy_id),
    ]
    assert "ou-a1b2-prd00001" not in org.policies["p-prodreg1"].targets
    assert "ou-a1b2-prd00001" in demo.organization.policies["p-prodreg1"].targets
    assert planned.skipped == ("aws_organizations_policy.cost_center_tags",)  # a tag policy
    levels = policies_for(planned.snapshot, "arn:aws:iam::222233334444:root", "s3:ListBucket", "*")
    assert any(
        p.name == f"deny-root-user ({new.policy_id})"
        for lv in levels.scp_levels
        for p in lv.policies
    )
    prod = policies_for(planned.snapshot, f"{PROD}:role/app-server", "ec2:RunInstances", "*")
    assert not any("prod-region-lock" in p.name for lv in prod.scp_levels for p in lv.policies)


# -- bad plans -------------------------------------------------------------------------------

BAD = PLANS / "bad"


@pytest.mark.parametrize(
    ("file", "path", "message"),
    [
        ("human-readable.json", "$", "invalid JSON at line 1 column 1: unexpected character 'T'"),
        ("state-not-plan.json", "$", "not a Terraform plan"),
        ("format-version-2.json", "$.format_version", "unsupported plan format_version '2.0'"),
        (
            "actions-not-list.json",
            "$.resource_changes[0].change.actions",
            "actions must be a list, got a string",
        ),
        (
            "users-not-list.json",
            "$.resource_changes[0].change.after.users",
            "users must be a list, got a string",
        ),
        (
            "policy-not-json.json",
            "$.resource_changes[1].change.after.policy",
            "policy document is not valid JSON (Expecting value at char 0)",
        ),
        (
            "statement-missing-effect.json",
            "$.resource_changes[0].change.after.policy.Statement[0]",
            "missing required element 'Effect'",
        ),
        ("no-account.json", "$", "cannot decide which AWS account the plan applies to"),
    ],
)
def test_bad_plans_are_one_line_input_errors(demo, file, path, message):
    with pytest.raises(InputError) as info:
        apply_plan(demo, BAD / file)
    err = info.value
    assert (err.file, err.path) == (str(BAD / file), path)
    assert message in err.message
    assert "\n" not in str(err)


def test_bad_policy_string_error_has_the_line_of_the_string(demo):
    with pytest.raises(InputError) as info:
        apply_plan(demo, BAD / "policy-not-json.json")
    line, column = info.value.position
    text = (BAD / "policy-not-json.json").read_text().splitlines()[line - 1]
    assert text[column - 1 :].startswith('"Version: ')


def test_an_explicit_account_decides(demo):
    planned = apply_plan(demo, BAD / "no-account.json", account="111122223333")
    assert planned.account == "111122223333"
    assert f"{MGMT}:policy/deploy" in planned.snapshot.managed_policies
    with pytest.raises(InputError, match="account must be 12 digits"):
        apply_plan(demo, BAD / "no-account.json", account="prod")


def test_a_one_account_snapshot_settles_the_account_of_a_plan_that_names_none():
    """Issue 16 item 5: with one account in the snapshot the plan can only be for it; the
    default is said as an assumption. With several (the demo) the error above stays."""
    one = load_snapshot(FIXTURES / "privesc" / "iam-writes")
    (only,) = one.accounts
    planned = apply_plan(one, BAD / "no-account.json")
    assert planned.account == only
    assert f"arn:aws:iam::{only}:policy/deploy" in planned.snapshot.managed_policies
    assert ("plan", "account", only) in [
        (a.address, a.attribute, a.value) for a in planned.assumptions
    ]
    # an account the caller gives still wins
    given = apply_plan(one, BAD / "no-account.json", account="111122223333")
    assert given.account == "111122223333"
    assert "plan" not in [a.address for a in given.assumptions]


def test_a_missing_plan_file_is_an_input_error(demo, tmp_path):
    with pytest.raises(InputError, match="file not found"):
        apply_plan(demo, tmp_path / "plan.json")


# -- edge cases on small plans made here -----------------------------------------------------


def write_plan(tmp_path, changes, config=(), provider=None, modules=None) -> Path:
    """A minimal `terraform show -json` plan around `changes` (type, name, actions, before,
    after, after_unknown[, module])."""
    rcs = []
    for rtype, name, actions, before, after, unknown, *module in changes:
        prefix = f"{module[0]}." if module else ""
        rcs.append(
            {
                "address": f"{prefix}{rtype}.{name}",
                **({"module_address": module[0]} if module else {}),
                "mode": "managed",
                "type": rtype,
                "name": name,
                "provider_name": "registry.terraform.io/hashicorp/aws",
                "change": {
                    "actions": actions,
                    "before": before,
                    "after": after,
                    "after_unknown": unknown,
                },
            }
        )
    root = {"resources": list(config), "module_calls": modules or {}}
    expressions = provider or {"allowed_account_ids": {"constant_value": ["111122223333"]}}
    doc = {
        "format_version": "1.2",
        "terraform_version": "1.9.8",
        "planned_values": {"root_module": {}},
        "resource_changes": rcs,
        "configuration": {
            "provider_config": {"aws": {"name": "aws", "expressions": expressions}},
            "root_module": root,
        },
    }
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(doc, indent=2))
    return path


def config(rtype, name, **expressions):
    return {
        "address": f"{rtype}.{name}",
        "mode": "managed",
        "type": rtype,
        "name": name,
        "expressions": expressions,
    }


ALLOW_S3 = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
)


def test_unknown_trust_is_the_worst_case_and_said(demo, tmp_path):
    path = write_plan(
        tmp_path,
        [
            (
                "aws_iam_role",
                "x",
                ["create"],
                None,
                {"name": "x", "path": "/"},
                {"arn": True, "assume_role_policy": True},
            )
        ],
    )
    planned = apply_plan(demo, path)
    role = planned.snapshot.principals[f"{MGMT}:role/x"]
    (st,) = role.trust.statements
    assert st.principal.aws == ("*",)
    assert ("aws_iam_role.x", "assume_role_policy", "any principal may assume the role") in attrs(
        planned
    )
    assert [u.what for u in planned.unresolved] == [f"trust policy of {MGMT}:role/x"]


def test_unknown_scp_content_makes_member_principals_unknown(demo, tmp_path):
    before = {
        "id": "p-wkld0001",
        "name": "workloads-guardrails",
        "type": "SERVICE_CONTROL_POLICY",
        "content": "{}",
    }
    path = write_plan(
        tmp_path,
        [
            (
                "aws_organizations_policy",
                "w",
                ["update"],
                before,
                {
                    "id": "p-wkld0001",
                    "name": "workloads-guardrails",
                    "type": "SERVICE_CONTROL_POLICY",
                },
                {"content": True},
            )
        ],
    )
    planned = apply_plan(demo, path)
    (u,) = planned.unresolved
    accounts = {a.split(":")[4] for a in u.principals}
    assert accounts == {"444455556666", "555566667777", "666677778888"}  # under Workloads
    assert planned.snapshot.organization.policies["p-wkld0001"].document.statements == ()
    ops = planned.snapshot.principals[f"{PROD}:role/ops-automation"]
    assert any("workloads-guardrails" in x for x in ops.policies.unresolved)
    assert planned.snapshot.principals[f"{MGMT}:user/ci-deployer"].policies.unresolved == ()


def test_unknown_managed_policy_text_reaches_the_attached_principals(demo, tmp_path):
    path = write_plan(
        tmp_path,
        [
            (
                "aws_iam_policy",
                "p",
                ["create"],
                None,
                {"name": "p", "path": "/"},
                {"arn": True, "policy": True},
            ),
            (
                "aws_iam_role_policy_attachment",
                "a",
                ["create"],
                None,
                {"role": "TrailOperator"},
                {"policy_arn": True},
            ),
        ],
        config=[
            config(
                "aws_iam_role_policy_attachment",
                "a",
                policy_arn={"references": ["aws_iam_policy.p.arn", "aws_iam_policy.p"]},
            )
        ],
    )
    planned = apply_plan(demo, path)
    (u,) = planned.unresolved
    assert (u.address, u.what, u.principals) == (
        "aws_iam_policy.p",
        f"{MGMT}:policy/p",
        (f"{MGMT}:role/TrailOperator",),
    )


def test_deleting_a_group_and_an_attached_policy(demo, tmp_path):
    auditors = {"arn": f"{MGMT}:group/Auditors", "name": "Auditors", "path": "/"}
    policy = {"arn": f"{MGMT}:policy/platform-engineer", "name": "platform-engineer"}
    path = write_plan(
        tmp_path,
        [
            ("aws_iam_group", "auditors", ["delete"], auditors, None, {}),
            ("aws_iam_policy", "pe", ["delete"], policy, None, {}),
        ],
    )
    planned = apply_plan(demo, path)
    p = planned.snapshot.principals
    assert f"{MGMT}:group/Auditors" not in p[f"{MGMT}:user/auditor.kim"].groups
    assert p[f"{MGMT}:user/auditor.kim"].policies.unresolved == ()  # not a dangling group
    (u,) = planned.unresolved  # PlatformEngineers still has it attached
    assert u.what == f"{MGMT}:policy/platform-engineer" and "still attached" in u.reason
    assert set(u.principals) == {f"{MGMT}:user/priya.patel", f"{MGMT}:user/oncall-bot"}


def test_references_inside_a_module(demo, tmp_path):
    module = "module.iam"
    path = write_plan(
        tmp_path,
        [
            (
                "aws_iam_policy",
                "p",
                ["create"],
                None,
                {"name": "p", "path": "/", "policy": ALLOW_S3},
                {"arn": True},
                module,
            ),
            (
                "aws_iam_user_policy_attachment",
                "a",
                ["create"],
                None,
                {"user": "ci-deployer"},
                {"policy_arn": True},
                module,
            ),
        ],
        modules={
            "iam": {
                "module": {
                    "resources": [
                        config(
                            "aws_iam_user_policy_attachment",
                            "a",
                            policy_arn={"references": ["aws_iam_policy.p.arn", "aws_iam_policy.p"]},
                        )
                    ]
                }
            }
        },
    )
    planned = apply_plan(demo, path)
    assert f"{MGMT}:policy/p" in names(planned.snapshot.principals[f"{MGMT}:user/ci-deployer"])
    assert attrs(planned)[-1] == (
        "module.iam.aws_iam_user_policy_attachment.a",
        "policy_arn",
        f"{MGMT}:policy/p",
    )


def test_a_replaced_role_keeps_its_attachments(demo, tmp_path):
    arn = f"{PROD}:role/app-server"
    trust = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )
    old = {"arn": arn, "name": "app-server", "path": "/", "assume_role_policy": "{}"}
    path = write_plan(
        tmp_path,
        [
            (
                "aws_iam_role",
                "app",
                ["delete", "create"],
                old,
                {"name": "app-server", "path": "/", "assume_role_policy": trust},
                {"arn": True},
            )
        ],
        provider={"allowed_account_ids": {"constant_value": ["444455556666"]}},
    )
    planned = apply_plan(demo, path)
    role = planned.snapshot.principals[arn]
    assert role.trust.statements[0].principal.service == ("ecs-tasks.amazonaws.com",)
    assert names(role) == names(demo.principals[arn])


def test_ambiguous_account_names_the_accounts(demo, tmp_path):
    before = {"arn": f"{PROD}:user/lee.wong", "name": "lee.wong", "path": "/"}
    path = write_plan(
        tmp_path,
        [
            ("aws_iam_user", "lee", ["update"], before, {**before, "path": "/"}, {}),
            (
                "aws_iam_user_policy",
                "p",
                ["create"],
                None,
                {"user": "lee.wong", "name": "p", "policy": ALLOW_S3},
                {},
            ),
        ],
    )
    with pytest.raises(InputError, match=r"it names several \(111122223333, 444455556666\)"):
        apply_plan(demo, path)
    planned = apply_plan(demo, path, account="444455556666")
    assert f"{PROD}:user/lee.wong:p" in names(planned.snapshot.principals[f"{PROD}:user/lee.wong"])


def test_role_blocks_and_managed_arns_unknown_until_apply(demo, tmp_path):
    """Set in the configuration but unknown: managed_policy_arns through a reference to a
    planned policy (assumed), inline_policy blocks not at all (unresolved)."""
    trust = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "ec2.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )
    path = write_plan(
        tmp_path,
        [
            (
                "aws_iam_policy",
                "p",
                ["create"],
                None,
                {"name": "p", "path": "/", "policy": ALLOW_S3},
                {"arn": True},
            ),
            (
                "aws_iam_role",
                "r",
                ["create"],
                None,
                {
                    "name": "r",
                    "path": "/",
                    "assume_role_policy": trust,
                    "inline_policy": [{"name": "i"}],
                },
                {"arn": True, "managed_policy_arns": True, "inline_policy": [True]},
            ),
        ],
        config=[
            config(
                "aws_iam_role",
                "r",
                managed_policy_arns={"references": ["aws_iam_policy.p.arn", "aws_iam_policy.p"]},
                inline_policy=[
                    {"name": {"constant_value": "i"}, "policy": {"references": ["local.x"]}}
                ],
            )
        ],
    )
    planned = apply_plan(demo, path)
    role = planned.snapshot.principals[f"{MGMT}:role/r"]
    assert names(role) == [f"{MGMT}:policy/p"]
    assert ("aws_iam_role.r", "managed_policy_arns", f"{MGMT}:policy/p") in attrs(planned)
    (u,) = planned.unresolved
    assert u.what == f"inline policy i of {MGMT}:role/r"
    assert u.principals == (f"{MGMT}:role/r",)


def test_types_not_modelled_are_unresolved_or_skipped(demo, tmp_path):
    path = write_plan(
        tmp_path,
        [
            ("aws_iam_access_key", "k", ["create"], None, {"user": "ci-deployer"}, {"id": True}),
            ("aws_s3_bucket", "b", ["create"], None, {"bucket": "b"}, {"arn": True}),
            ("aws_iam_user", "u", ["no-op"], {"name": "ci-deployer"}, {"name": "ci-deployer"}, {}),
        ],
    )
    planned = apply_plan(demo, path)
    assert [(u.address, u.principals) for u in planned.unresolved] == [("aws_iam_access_key.k", ())]
    assert "not modelled" in planned.unresolved[0].reason
    assert planned.skipped == ("aws_s3_bucket.b",)
    assert planned.applied == ()


def test_a_plan_that_is_not_an_object(demo, tmp_path):
    path = tmp_path / "plan.json"
    path.write_text("[]")
    with pytest.raises(InputError, match="expected an object, got a list"):
        apply_plan(demo, path)
