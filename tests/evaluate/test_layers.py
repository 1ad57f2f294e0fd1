"""Evaluation order and layers, E1-E20 (SEMANTICS.md).

Doc keys: EVAL = docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html,
XACCT = .../reference_policies_evaluation-logic-cross-account.html,
BND = .../access_policies_boundaries.html, SCP/RCP = docs.aws.amazon.com/organizations/latest/
userguide/orgs_manage_policies_scps.html and ..._rcps.html.
"""

from __future__ import annotations

import pytest

from tests.demo import ORG_TRAIL as TRAIL
from tests.evaluate.builders import (
    ACCOUNT,
    BUCKET,
    OBJECT,
    OTHER,
    ROLE,
    SESSION,
    USER,
    allow,
    caller,
    deny,
    grant,
    levels,
    outcome,
    policy,
    request,
    run,
)

GET = request("s3:GetObject")
PUT = request("s3:PutObject")
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
FULL = policy(allow(), kind="scp", name="FullAWSAccess")


def test_E1_default_is_implicit_deny():
    d = run(GET)
    assert outcome(d) == "implicitDeny"
    assert d.lacking == ("identity: no Allow in the caller's identity policies",)


def test_E1_root_user_has_full_access_by_default():
    assert outcome(run(GET, who=caller(ROOT))) == "allowed"


@pytest.mark.parametrize(
    "layer",
    ["identity", "boundary", "session", "resource_policy", "scp_levels"],
)
def test_E2_a_deny_in_any_layer_is_final(layer):
    allows = {"identity": [policy(allow())]}
    layers = {
        "identity": {"identity": [policy(allow()), policy(deny("s3:GetObject"), name="deny")]},
        "boundary": {"boundary": policy(allow("s3:*"), deny("s3:GetObject"), kind="boundary")},
        "session": {"session": policy(allow(), deny("s3:GetObject"), kind="session")},
        "resource_policy": {
            "resource_policy": policy(
                grant(USER), grant("*", "s3:GetObject", "Deny"), kind="resource"
            )
        },
        "scp_levels": {"scp_levels": levels((FULL, policy(deny("s3:GetObject"), kind="scp")))},
    }[layer]
    d = run(GET, **{**allows, **layers})
    assert outcome(d) == "explicitDeny"
    assert [r.effect for r in d.deciding] == ["Deny"]
    assert outcome(run(PUT, **{**allows, **layers})) == "allowed"  # the Deny names only GetObject


def test_E2_explicit_deny_beats_a_same_account_resource_grant():
    # mistake 5: a resource-policy Allow must not survive an identity-side Deny
    d = run(
        GET, identity=[policy(deny("s3:*"))], resource_policy=policy(grant(USER), kind="resource")
    )
    assert outcome(d) == "explicitDeny"


def test_E3_same_account_resource_or_identity_allow_is_enough():
    assert (
        outcome(run(GET, resource_policy=policy(grant(USER, "s3:GetObject"), kind="resource")))
        == "allowed"
    )
    assert outcome(run(GET, identity=[policy(allow("s3:GetObject"))])) == "allowed"
    assert (
        outcome(run(PUT, resource_policy=policy(grant(USER, "s3:GetObject"), kind="resource")))
        == "implicitDeny"
    )


def test_E4_every_scp_level_must_allow_and_levels_are_unions():
    ident = [policy(allow())]
    only_s3 = policy(allow("s3:*"), kind="scp")
    only_ec2 = policy(allow("ec2:*"), kind="scp")
    assert (
        outcome(run(GET, identity=ident, scp_levels=levels((FULL,), (only_s3,), (FULL,))))
        == "allowed"
    )
    d = run(GET, identity=ident, scp_levels=levels((FULL,), (only_ec2,), (FULL,)))
    assert outcome(d) == "implicitDeny" and d.lacking == ("scp at node-1 (level 1)",)
    # two SCPs at one level are a union
    assert (
        outcome(run(GET, identity=ident, scp_levels=levels((FULL,), (only_ec2, only_s3))))
        == "allowed"
    )
    # removing FullAWSAccess at a level without a replacement blocks everything below it
    assert outcome(run(GET, identity=ident, scp_levels=levels((FULL,), ()))) == "implicitDeny"


def test_E4_scps_never_grant():
    assert outcome(run(GET, scp_levels=levels((FULL,)))) == "implicitDeny"


def test_E5_scp_deny_with_not_action_condition_and_resource():
    region_lock = policy(
        {
            "Effect": "Deny",
            "NotAction": ["iam:*", "sts:*"],
            "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["us-east-1"]}},
        },
        kind="scp",
    )
    scps = levels((FULL, region_lock))
    admin = [policy(allow())]
    west = request(
        "ec2:RunInstances",
        "arn:aws:ec2:us-west-2:111122223333:instance/*",
        aws__RequestedRegion="us-west-2",
    )
    east = request(
        "ec2:RunInstances",
        "arn:aws:ec2:us-east-1:111122223333:instance/*",
        aws__RequestedRegion="us-east-1",
    )
    iam = request(
        "iam:CreateRole", f"arn:aws:iam::{ACCOUNT}:role/x", aws__RequestedRegion="us-west-2"
    )
    assert (
        outcome(run(west, identity=admin, scp_levels=scps)) == "explicitDeny"
    )  # even AdministratorAccess
    assert outcome(run(east, identity=admin, scp_levels=scps)) == "allowed"
    assert outcome(run(iam, identity=admin, scp_levels=scps)) == "allowed"
    scoped = policy(deny("s3:*", BUCKET + "/secret/*"), kind="scp")
    assert (
        outcome(
            run(
                request("s3:GetObject", BUCKET + "/secret/k"),
                identity=admin,
                scp_levels=levels((FULL, scoped)),
            )
        )
        == "explicitDeny"
    )
    assert outcome(run(GET, identity=admin, scp_levels=levels((FULL, scoped)))) == "allowed"


def test_E9_every_rcp_level_must_allow_and_rcp_denies_external_principals():
    rcp_full = policy(
        {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}, kind="rcp"
    )
    perimeter = policy(
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": "*",
            "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}},
        },
        kind="rcp",
    )
    bucket = policy(grant(f"arn:aws:iam::{OTHER}:root", "s3:GetObject"), kind="resource")
    outsider = caller(f"arn:aws:iam::{OTHER}:user/partner")
    ident = [policy(allow("s3:GetObject"))]
    rcps = levels((rcp_full, perimeter))
    d = run(GET, who=outsider, identity=ident, resource_policy=bucket, rcp_levels=rcps)
    assert outcome(d) == "explicitDeny" and d.deciding[0].layer.value == "rcp"
    inside = request("s3:GetObject", OBJECT, aws__PrincipalOrgID="o-a1b2c3d4e5")
    assert (
        outcome(run(inside, who=outsider, identity=ident, resource_policy=bucket, rcp_levels=rcps))
        == "allowed"
    )
    d = run(
        inside,
        who=outsider,
        identity=ident,
        resource_policy=bucket,
        rcp_levels=levels((rcp_full,), ()),
    )
    assert outcome(d) == "implicitDeny" and d.lacking == ("rcp at node-1 (level 1)",)


def test_E10_boundary_intersects_identity():
    ident = [policy(allow("s3:*"))]
    boundary = policy(allow("s3:GetObject"), kind="boundary")
    assert outcome(run(GET, identity=ident, boundary=boundary)) == "allowed"
    d = run(PUT, identity=ident, boundary=boundary)
    assert outcome(d) == "implicitDeny" and "boundary" in d.lacking[0]


def test_E11_a_boundary_alone_grants_nothing():
    assert outcome(run(GET, boundary=policy(allow(), kind="boundary"))) == "implicitDeny"
    assert (
        outcome(run(GET, identity=[policy(allow())], boundary=policy(allow(), kind="boundary")))
        == "allowed"
    )


def test_E12_session_policy_intersects_the_role():
    role = caller(SESSION)
    ident = [policy(allow("s3:*"))]
    session = policy(allow("s3:GetObject"), kind="session")
    assert outcome(run(GET, who=role, identity=ident, session=session)) == "allowed"
    assert outcome(run(PUT, who=role, identity=ident, session=session)) == "implicitDeny"
    assert (
        outcome(run(GET, who=role, session=policy(allow(), kind="session"))) == "implicitDeny"
    )  # cannot add


def test_E13_grant_to_the_user_arn_is_not_cut_by_boundary_implicit_deny():
    boundary = policy(allow("ec2:*"), kind="boundary")
    bucket = policy(grant(USER, "s3:GetObject"), kind="resource")
    assert outcome(run(GET, boundary=boundary, resource_policy=bucket)) == "allowed"
    hard = policy(allow("ec2:*"), deny("s3:*"), kind="boundary")
    assert outcome(run(GET, boundary=hard, resource_policy=bucket)) == "explicitDeny"
    # SCPs still apply (E16)
    assert (
        outcome(
            run(
                GET,
                resource_policy=bucket,
                scp_levels=levels((policy(allow("ec2:*"), kind="scp"),)),
            )
        )
        == "implicitDeny"
    )


def test_E14_grant_to_the_role_arn_is_cut_by_boundary_and_session_policy():
    # mistake 6
    role = caller(SESSION)
    bucket = policy(grant(ROLE, "s3:GetObject"), kind="resource")
    assert outcome(run(GET, who=role, resource_policy=bucket)) == "allowed"
    d = run(GET, who=role, resource_policy=bucket, boundary=policy(allow("ec2:*"), kind="boundary"))
    assert outcome(d) == "implicitDeny"
    assert (
        outcome(
            run(
                GET,
                who=role,
                resource_policy=bucket,
                session=policy(allow("ec2:*"), kind="session"),
            )
        )
        == "implicitDeny"
    )
    assert (
        outcome(
            run(
                GET,
                who=role,
                resource_policy=bucket,
                boundary=policy(allow("s3:*"), kind="boundary"),
            )
        )
        == "allowed"
    )


def test_E15_grant_to_the_session_arn_stands_on_its_own():
    role = caller(SESSION)
    bucket = policy(grant(SESSION, "s3:GetObject"), kind="resource")
    assert (
        outcome(
            run(
                GET,
                who=role,
                resource_policy=bucket,
                boundary=policy(allow("ec2:*"), kind="boundary"),
                session=policy(allow("ec2:*"), kind="session"),
            )
        )
        == "allowed"
    )
    other = caller(f"arn:aws:sts::{ACCOUNT}:assumed-role/app/run-2")
    assert outcome(run(GET, who=other, resource_policy=bucket)) == "implicitDeny"


def test_E16_resource_grants_still_need_the_scp():
    bucket = policy(grant(USER, "s3:GetObject"), kind="resource")
    assert outcome(run(GET, resource_policy=bucket, scp_levels=levels((FULL,)))) == "allowed"
    assert outcome(run(GET, resource_policy=bucket, scp_levels=levels(()))) == "implicitDeny"


def test_E17_cross_account_needs_both_sides():
    # mistake 4
    partner = caller(f"arn:aws:iam::{OTHER}:user/partner")
    bucket = policy(grant(f"arn:aws:iam::{OTHER}:user/partner", "s3:GetObject"), kind="resource")
    ident = [policy(allow("s3:GetObject"))]
    assert outcome(run(GET, who=partner, identity=ident, resource_policy=bucket)) == "allowed"
    d = run(GET, who=partner, resource_policy=bucket)
    assert outcome(d) == "implicitDeny" and d.lacking == (
        "identity: no Allow in the caller's identity policies",
    )
    d = run(GET, who=partner, identity=ident)
    assert outcome(d) == "implicitDeny"
    assert d.lacking == ("resource: no resource policy grants it (cross-account access needs one)",)


def test_E18_account_principal_delegates_to_that_accounts_policies():
    partner = caller(f"arn:aws:iam::{OTHER}:user/partner")
    for principal in (OTHER, f"arn:aws:iam::{OTHER}:root"):
        bucket = policy(grant(principal, "s3:GetObject"), kind="resource")
        assert (
            outcome(run(GET, who=partner, identity=[policy(allow("s3:*"))], resource_policy=bucket))
            == "allowed"
        )
        assert outcome(run(GET, who=partner, resource_policy=bucket)) == "implicitDeny"


def test_E19_trust_policy_must_name_the_principal():
    assume = request("sts:AssumeRole", ROLE)
    ident = [policy(allow("sts:AssumeRole", ROLE))]
    other_trust = policy(grant(f"arn:aws:iam::{ACCOUNT}:user/bob", "sts:AssumeRole"), kind="trust")
    d = run(assume, identity=ident, resource_policy=other_trust, resource_policy_required=True)
    assert outcome(d) == "implicitDeny"
    account_trust = policy(grant(ACCOUNT, "sts:AssumeRole"), kind="trust")
    assert (
        outcome(
            run(
                assume, identity=ident, resource_policy=account_trust, resource_policy_required=True
            )
        )
        == "allowed"
    )
    assert (
        outcome(run(assume, resource_policy=account_trust, resource_policy_required=True))
        == "implicitDeny"
    )


def test_E19_kms_key_policy_must_allow():
    key = "arn:aws:kms:us-east-1:111122223333:key/6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f"
    decrypt = request("kms:Decrypt", key)
    admin = [policy(allow())]
    no_grant = policy(grant(f"arn:aws:iam::{ACCOUNT}:role/other", "kms:*"), kind="resource")
    assert (
        outcome(
            run(decrypt, identity=admin, resource_policy=no_grant, resource_policy_required=True)
        )
        == "implicitDeny"
    )
    delegate = policy(grant(f"arn:aws:iam::{ACCOUNT}:root", "kms:*"), kind="resource")
    assert (
        outcome(
            run(decrypt, identity=admin, resource_policy=delegate, resource_policy_required=True)
        )
        == "allowed"
    )


def test_E20_root_user_is_still_subject_to_scps():
    root = caller(ROOT)
    assert outcome(run(GET, who=root, scp_levels=levels((FULL,)))) == "allowed"
    d = run(GET, who=root, scp_levels=levels((FULL, policy(deny("s3:*"), kind="scp"))))
    assert outcome(d) == "explicitDeny"
    assert (
        outcome(run(GET, who=root, scp_levels=levels((policy(allow("ec2:*"), kind="scp"),))))
        == "implicitDeny"
    )


def test_unresolved_policies_make_allow_and_implicit_deny_unknown_but_not_explicit_deny():
    missing = ("arn:aws:iam::aws:policy/ReadOnlyAccess",)
    d = run(GET, identity=[policy(allow())], unresolved=missing)
    assert outcome(d) == "unknown" and "ReadOnlyAccess" in d.unknown_because[0]
    assert outcome(run(GET, unresolved=missing)) == "unknown"
    assert outcome(run(GET, identity=[policy(deny())], unresolved=missing)) == "explicitDeny"


def test_resource_account_unknown_is_unknown_only_when_it_matters():
    ident = [policy(allow("s3:GetObject"))]
    assert outcome(run(GET, identity=ident, resource_account=None)) == "unknown"
    assert outcome(run(GET, resource_account=None)) == "implicitDeny"


# E6-E8 through the snapshot glue on the demo organization (fixtures/demo-org/README.md).


def _decide(snap, who, action, resource, extra=()):
    from iamgraph.evaluate.gather import credential_context, policies_for, request_context
    from iamgraph.evaluate.layers import decide
    from iamgraph.evaluate.request import Request

    req = Request.build(
        action,
        resource,
        [*extra, *credential_context(snap, who, resource), *request_context(resource)],
    )
    return decide(policies_for(snap, who, action, resource), req)


def test_E6_scps_do_not_bind_the_management_account(demo):
    # protect-cloudtrail at the root would deny StopLogging, but 111122223333 is the management account
    d = _decide(
        demo,
        "arn:aws:iam::111122223333:role/lambda-org-maintenance",
        "cloudtrail:StopLogging",
        TRAIL,
    )
    assert outcome(d) == "allowed" and not any(r.layer.value == "scp" for r in d.reasons)


def test_E6_the_same_permission_in_a_member_account_is_denied_by_scp(demo):
    local = "arn:aws:cloudtrail:us-east-1:444455556666:trail/app"
    d = _decide(
        demo, "arn:aws:iam::444455556666:role/PlatformDeploy", "cloudtrail:StopLogging", local
    )
    assert outcome(d) == "explicitDeny"
    assert (d.deciding[0].layer.value, d.deciding[0].at, d.deciding[0].sid) == (
        "scp",
        "r-a1b2",
        "ProtectCloudTrail",
    )


def test_E7_service_linked_roles_are_exempt_from_scps(tmp_path):
    import json
    import shutil

    from iamgraph.load.snapshot import load_snapshot
    from tests.conftest import DEMO

    snap_dir = tmp_path / "snap"
    shutil.copytree(DEMO, snap_dir)
    page = snap_dir / "accounts/444455556666/iam/get-account-authorization-details/page-2.json"
    data = json.loads(page.read_text())
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "support.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    inline = [
        {
            "PolicyName": "p",
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [allow("cloudtrail:StopLogging")],
            },
        }
    ]
    for name, path in (
        ("AWSServiceRoleForSupport", "/aws-service-role/support.amazonaws.com/"),
        ("support-copy", "/"),
    ):
        data["RoleDetailList"].append(
            {
                "Path": path,
                "RoleName": name,
                "RoleId": "AROAEXAMPLE" + name[:6].upper(),
                "Arn": f"arn:aws:iam::444455556666:role{path}{name}",
                "CreateDate": "2025-01-01T00:00:00Z",
                "AssumeRolePolicyDocument": trust,
                "RolePolicyList": inline,
                "AttachedManagedPolicies": [],
                "InstanceProfileList": [],
            }
        )
    page.write_text(json.dumps(data))
    snap = load_snapshot(snap_dir)
    local = "arn:aws:cloudtrail:us-east-1:444455556666:trail/app"
    slr = _decide(
        snap,
        "arn:aws:iam::444455556666:role/aws-service-role/support.amazonaws.com/AWSServiceRoleForSupport",
        "cloudtrail:StopLogging",
        local,
    )
    assert outcome(slr) == "allowed"
    plain = _decide(
        snap, "arn:aws:iam::444455556666:role/support-copy", "cloudtrail:StopLogging", local
    )
    assert outcome(plain) == "explicitDeny"


def test_E8_member_account_root_is_restricted_by_scps(demo):
    root = "arn:aws:iam::555566667777:root"
    d = _decide(demo, root, "rds:CreateDBInstance", "arn:aws:rds:us-east-1:555566667777:db:x")
    assert outcome(d) == "implicitDeny" and d.lacking == ("scp at ou-a1b2-dev00001 (Dev)",)
    assert (
        outcome(
            _decide(demo, root, "ec2:RunInstances", "arn:aws:ec2:us-east-1:555566667777:instance/*")
        )
        == "allowed"
    )
