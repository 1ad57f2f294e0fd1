"""SCPs and RCPs judged where they stand (issue 14, item 3).

An SCP never grants (E4): a deny-list changes access only beside an Allow at its level,
`FullAWSAccess` by default, and an Allow is needed at every level on the path (E4); a Deny at
any level is final (E5). RCPs likewise (E9): `RCPFullAWSAccess` at every level, custom RCPs
Deny-only with `"Principal": "*"`, applying only to the services that support them. Before,
an SCP was judged as the only SCP above a caller, so two deny-list SCPs always compared PASS
and a deny-list SCP "granted none of s3:GetObject (proven)".

The fixtures under fixtures/policies/scp/ are written after the deny-list examples of
https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_examples.html
(leave the organization, CloudTrail tampering with a role exempted by aws:PrincipalArn,
regions outside an allow-list with aws:RequestedRegion and NotAction for global services)
and the data-perimeter RCP examples of
https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_syntax.html
("The effect of Allow is only supported for the RCPFullAWSAccess policy").
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from iamgraph.cli.app import app
from iamgraph.errors import InputError
from iamgraph.evaluate.layers import decide
from iamgraph.evaluate.request import Request
from iamgraph.load.policy_file import load_policy_file
from iamgraph.model.policy import PolicyKind
from iamgraph.premerge.policy_diff import (
    check_access,
    default_placement,
    diff_policies,
    placement_in,
    settings,
)
from iamgraph.verdict import Result
from tests.conftest import DEMO, FIXTURES, REPO

runner = CliRunner()
SCP = FIXTURES / "policies" / "scp"
PROTECT = DEMO / "organization" / "describe-policy" / "p-prot3ctct.json"


@pytest.fixture(autouse=True)
def at_repo_root(monkeypatch):
    monkeypatch.chdir(REPO)


def scp(name: str, kind: PolicyKind = PolicyKind.SCP):
    return load_policy_file(SCP / f"{name}.json", kind)[0]


def cli(*args):
    return runner.invoke(app, [str(a) for a in args])


def replayed(kind, before, after, n, placement=None) -> None:
    """The witness is allowed beside NEW and denied beside OLD, by the concrete evaluator."""
    (setting,) = settings(kind, [before, after], placement=placement or default_placement(kind))
    req = Request.build(n.action, n.resource, n.context)
    assert decide(setting.place(after), req).allowed
    assert not decide(setting.place(before), req).allowed


# -- beside FullAWSAccess (the default) ---------------------------------------------------------


def test_removing_a_deny_from_a_deny_list_scp_fails_with_a_witness():
    """guardrails loses cloudtrail:StopLogging from its trail statement: StopLogging is new."""
    before, after = scp("guardrails"), scp("guardrails-no-stop-logging")
    result = diff_policies(before, after, PolicyKind.SCP)
    assert result.result == Result.FAIL and result.complete
    assert [n.action for n in result.new_access] == ["cloudtrail:StopLogging"]
    (n,) = result.new_access
    assert n.denied_before == (
        f"scp: {SCP / 'guardrails.json'} Sid DenyCloudTrailTampering ({SCP / 'guardrails.json'}:10:9)",
    )
    replayed(PolicyKind.SCP, before, after, n)


def test_adding_a_deny_passes_and_its_removal_fails_per_action():
    before, after = scp("guardrails"), scp("guardrails-deny-iam-users")
    assert diff_policies(before, after, PolicyKind.SCP).result == Result.PASS
    back = diff_policies(after, before, PolicyKind.SCP)
    assert back.result == Result.FAIL and back.complete
    assert [n.action for n in back.new_access] == [
        "iam:CreateAccessKey",
        "iam:CreateLoginProfile",
        "iam:CreateUser",
    ]
    for n in back.new_access:
        replayed(PolicyKind.SCP, after, before, n)


def test_widening_the_region_allow_list_is_one_class_outside_the_global_services():
    """A third region in the allow-list: whatever the NotAction statement denied is new in
    ap-southeast-2, one class (the Deny it escapes), not thousands of per-service classes."""
    before, after = scp("guardrails"), scp("guardrails-sydney")
    result = diff_policies(before, after, PolicyKind.SCP)
    assert result.result == Result.FAIL and result.complete
    (n,) = result.new_access
    assert dict(n.context)["aws:RequestedRegion"].values == ("ap-southeast-2",)
    assert "Sid DenyOutsideAllowedRegions" in n.denied_before[0]
    assert n.service not in {"iam", "organizations", "sts", "route53", "cloudfront"}
    replayed(PolicyKind.SCP, before, after, n)
    assert diff_policies(after, before, PolicyKind.SCP).result == Result.PASS


def test_two_unrelated_deny_lists_compare_by_what_each_denies():
    """Before: both 'grant nothing', so PASS either way. Beside FullAWSAccess, replacing the
    leave-organization SCP by the CloudTrail one lets LeaveOrganization through."""
    leave, trail = scp("deny-leave-organization"), scp("deny-cloudtrail-tampering")
    result = diff_policies(leave, trail, PolicyKind.SCP)
    assert [n.action for n in result.new_access] == ["organizations:LeaveOrganization"]
    back = diff_policies(trail, leave, PolicyKind.SCP)
    assert back.result == Result.FAIL
    assert {n.action for n in back.new_access} <= {
        "cloudtrail:StopLogging",
        "cloudtrail:DeleteTrail",
        "cloudtrail:UpdateTrail",
        "cloudtrail:PutEventSelectors",
    }
    assert len(back.new_access) == 4  # one class per action pattern of the Deny escaped


def test_check_access_asks_what_a_deny_list_scp_lets_through():
    leave = scp("deny-leave-organization")
    stopped = check_access(leave, PolicyKind.SCP, ["organizations:LeaveOrganization"], ["*"])
    assert stopped.result == Result.PASS  # proven: it is denied at that level
    through = check_access(leave, PolicyKind.SCP, ["s3:GetObject"], ["*"])
    assert through.result == Result.FAIL  # before: "grants none of s3:GetObject (proven)"
    assert through.new_access[0].action == "s3:GetObject"
    # the CloudTrail SCP exempts a security role (aws:PrincipalArn): StopLogging gets
    # through for that role only, and the witness says so
    trail = check_access(
        scp("deny-cloudtrail-tampering"), PolicyKind.SCP, ["cloudtrail:StopLogging"], ["*"]
    )
    assert trail.result == Result.FAIL
    arn = dict(trail.new_access[0].context)["aws:PrincipalArn"].values[0]
    assert arn.startswith("arn:aws:iam::") and arn.endswith(":role/SecurityIncidentResponse")


def test_cli_check_access_on_a_deny_list_scp():
    out = cli(
        "check-access",
        "--type",
        "scp",
        SCP / "deny-leave-organization.json",
        "--action",
        "organizations:LeaveOrganization",
    )
    assert out.exit_code == 0, out.output
    assert out.stdout.startswith("PASS: ") and "lets none of" in out.stdout
    assert "note: judged beside FullAWSAccess at its own level" in out.stdout
    out = cli(
        "check-access",
        "--type",
        "scp",
        SCP / "deny-leave-organization.json",
        "--action",
        "s3:GetObject",
        "-f",
        "json",
    )
    assert (
        out.exit_code == 1 and json.loads(out.stdout)["new_access"][0]["action"] == "s3:GetObject"
    )


# -- RCPs -----------------------------------------------------------------------------------


def test_rcp_that_stops_denying_kms_to_outsiders():
    before, after = (
        scp("rcp-data-perimeter", PolicyKind.RCP),
        scp("rcp-data-perimeter-no-kms", PolicyKind.RCP),
    )
    result = diff_policies(before, after, PolicyKind.RCP)
    assert result.result == Result.FAIL and result.complete
    (n,) = result.new_access
    assert n.service == "kms" and "Sid EnforceOrgIdentities" in n.denied_before[0]
    replayed(PolicyKind.RCP, before, after, n)
    assert diff_policies(after, before, PolicyKind.RCP).result == Result.PASS


def test_rcps_apply_only_to_their_services():
    """E9: an RCP denying `*` still lets ec2 through (EC2 does not support RCPs)."""
    perimeter = scp("rcp-data-perimeter", PolicyKind.RCP)
    assert check_access(perimeter, PolicyKind.RCP, ["ec2:RunInstances"], ["*"]).result == (
        Result.FAIL
    )
    denied = check_access(perimeter, PolicyKind.RCP, ["s3:GetObject"], ["*"])
    assert denied.result == Result.FAIL  # an org principal over TLS gets through
    ctx = dict(denied.new_access[0].context)
    assert ctx["aws:PrincipalOrgID"].values == ("o-a1b2c3d4e5",) or ctx.get(
        "aws:PrincipalIsAWSService"
    ).values == ("true",)


def test_an_rcp_that_allows_is_bad_input(tmp_path):
    doc = json.loads((SCP / "rcp-data-perimeter.json").read_text())
    doc["Statement"][0]["Effect"] = "Allow"
    path = tmp_path / "rcp-allow.json"
    path.write_text(json.dumps(doc))
    out = cli("diff-policy", "--type", "rcp", SCP / "rcp-data-perimeter.json", path)
    assert out.exit_code == 2
    assert "an RCP may only Deny" in out.stderr


def test_cli_type_rcp_is_not_read_as_a_resource_policy():
    out = cli(
        "diff-policy",
        "--type",
        "rcp",
        SCP / "rcp-data-perimeter.json",
        SCP / "rcp-data-perimeter-no-kms.json",
        "-f",
        "json",
    )
    assert out.exit_code == 1, out.output
    doc = json.loads(out.stdout)
    (n,) = doc["new_access"]
    assert "principal" not in n and n["statements"][0].startswith("rcp: RCPFullAWSAccess")
    assert doc["notes"][0] == "judged beside RCPFullAWSAccess at its own level (no snapshot given)"


# -- in the demo organization (--snapshot, --target) ---------------------------------------------


def test_protect_cloudtrail_edited_in_place_at_the_root(demo, tmp_path):
    """OLD is the root's protect-cloudtrail (describe-policy output, Id p-prot3ctct); NEW,
    without StopLogging, takes its place beside FullAWSAccess at r-a1b2: new access. Added
    beside the original instead, it would change nothing, so the FAIL shows it replaced."""
    content = json.loads(json.loads(PROTECT.read_text())["Policy"]["Content"])
    content["Statement"][0]["Action"].remove("cloudtrail:StopLogging")
    new = tmp_path / "protect-cloudtrail.json"
    new.write_text(json.dumps(content, indent=2))
    out = cli(
        "diff-policy", "--type", "scp", "--snapshot", DEMO, "--target", "r-a1b2", PROTECT, new
    )
    assert out.exit_code == 1, out.output
    assert "    cloudtrail:StopLogging on arn:aws:cloudtrail:" in out.stdout
    assert "note: judged at r-a1b2 (Root) in place of p-prot3ctct protect-cloudtrail" in out.stdout
    before = load_policy_file(PROTECT)[0]
    after = load_policy_file(new, PolicyKind.SCP)[0]
    at = placement_in(demo.organization, PolicyKind.SCP, "r-a1b2", ["p-prot3ctct"])
    result = diff_policies(before, after, PolicyKind.SCP, placement=at)
    (n,) = result.new_access
    replayed(PolicyKind.SCP, before, after, n, at)


def test_the_levels_above_decide_in_place(demo):
    """Removing the leave-organization Deny attached at acme-dev: beside FullAWSAccess alone
    it is new access, but in place the Dev OU's allow-list (no organizations:*, no
    FullAWSAccess: E4) and workloads-guardrails above still stop it: PASS (proven)."""
    before, after = scp("deny-leave-organization"), scp("deny-cloudtrail-tampering")
    assert diff_policies(before, after, PolicyKind.SCP).result == Result.FAIL
    at = placement_in(demo.organization, PolicyKind.SCP, "555566667777", [])
    assert [lv.node for lv in at.levels] == [
        "r-a1b2",
        "ou-a1b2-wkl00001",
        "ou-a1b2-dev00001",
        "555566667777",
    ]
    in_place = diff_policies(before, after, PolicyKind.SCP, placement=at)
    assert in_place.result == Result.PASS, in_place
    # and what the Dev OU lets through is what check-access answers there
    out = cli(
        "check-access",
        "--type",
        "scp",
        "--snapshot",
        DEMO,
        "--target",
        "ou-a1b2-dev00001",
        SCP / "deny-leave-organization.json",
        "--action",
        "rds:CreateDBInstance",
    )
    assert out.exit_code == 0, out.output  # not in dev-allowed-services: proven stopped


def test_placement_errors_are_bad_input(demo):
    with pytest.raises(InputError, match="management account"):
        placement_in(demo.organization, PolicyKind.SCP, "111122223333", [])
    with pytest.raises(InputError, match="not a root, OU or account"):
        placement_in(demo.organization, PolicyKind.SCP, "ou-a1b2-nope0000", [])
    leave = SCP / "deny-leave-organization.json"
    out = cli("diff-policy", "--snapshot", DEMO, "--target", "r-a1b2", leave, leave)
    assert out.exit_code == 2 and "has no level" in out.stderr  # an identity policy
    out = cli("diff-policy", "--type", "scp", "--target", "r-a1b2", leave, leave)
    assert out.exit_code == 2 and "give both --snapshot and --target" in out.stderr
