"""Write an `Account` as the AWS CLI output iamgraph reads (a one-account snapshot folder).

    snapshot.json
    accounts/<id>/iam/get-account-authorization-details.json
    accounts/<id>/iam/credential-report.csv
    accounts/<id>/<service>/...   empty compute inventories, so compute steps are proven absent

Documents are written as the CLI prints them (policy documents decoded, 4-space indent).
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.modelcheck.account import ACCOUNT, Account

COLLECTED_AT = "2026-11-24T09:00:00Z"
CREATED = "2025-03-03T10:21:07+00:00"
USED = "2026-11-20T08:00:05+00:00"
EMPTY_INVENTORIES = {
    "lambda/list-functions.json": {"Functions": []},
    "glue/get-dev-endpoints.json": {"DevEndpoints": []},
    "cloudformation/describe-stacks.json": {"Stacks": []},
    "codebuild/batch-get-projects.json": {"projects": [], "projectsNotFound": []},
    "sagemaker/describe-notebook-instances.json": {"NotebookInstances": []},
    "ec2/describe-instances.json": {"Reservations": []},
    "ssm/describe-instance-information/us-east-1.json": {"InstanceInformationList": []},
    "cloudtrail/describe-trails.json": {"trailList": []},
}
REPORT_COLUMNS = (
    "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
    "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"
    "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,"
    "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,"
    "access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,"
    "cert_1_last_rotated,cert_2_active,cert_2_last_rotated"
)


def _id(prefix: str, name: str) -> str:
    """A stable, AWS-looking unique id (21 characters) for an entity name."""
    digits = "".join("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"[b % 32] for b in name.encode() * 4)
    return (prefix + digits + "Q" * 17)[:21]


def _inline(pairs) -> list[dict]:
    return [{"PolicyName": n, "PolicyDocument": json.loads(d)} for n, d in pairs]


def _attached(arns) -> list[dict]:
    return [{"PolicyName": a.rsplit("/", 1)[-1], "PolicyArn": a} for a in sorted(arns)]


def _boundary(arn: str | None) -> dict:
    if arn is None:
        return {}
    return {
        "PermissionsBoundary": {
            "PermissionsBoundaryType": "PermissionsBoundaryPolicy",
            "PermissionsBoundaryArn": arn,
        }
    }


def _tags(tags) -> dict:
    return {"Tags": [{"Key": k, "Value": v} for k, v in tags]} if tags else {}


def authorization_details(account: Account) -> dict:
    users = [
        {
            "Path": "/",
            "UserName": u.name,
            "UserId": _id("AIDA", u.name),
            "Arn": u.arn,
            "CreateDate": CREATED,
            "UserPolicyList": _inline(u.inline),
            "GroupList": sorted(u.groups),
            "AttachedManagedPolicies": _attached(u.attached),
            **_boundary(u.boundary),
            **_tags(u.tags),
        }
        for u in account.users
    ]
    groups = [
        {
            "Path": "/",
            "GroupName": g.name,
            "GroupId": _id("AGPA", g.name),
            "Arn": g.arn,
            "CreateDate": CREATED,
            "GroupPolicyList": _inline(g.inline),
            "AttachedManagedPolicies": _attached(g.attached),
        }
        for g in account.groups
    ]
    roles = [
        {
            "Path": "/",
            "RoleName": r.name,
            "RoleId": _id("AROA", r.name),
            "Arn": r.arn,
            "CreateDate": CREATED,
            "AssumeRolePolicyDocument": json.loads(r.trust),
            "InstanceProfileList": [],
            "RolePolicyList": _inline(r.inline),
            "AttachedManagedPolicies": _attached(r.attached),
            **_boundary(r.boundary),
            **_tags(r.tags),
            "RoleLastUsed": {},
        }
        for r in account.roles
    ]
    entities = [*account.users, *account.groups, *account.roles]
    policies = []
    for p in account.policies:
        attachments = sum(p.arn in e.attached for e in entities)
        bounded = sum(getattr(e, "boundary", None) == p.arn for e in entities)
        policies.append(
            {
                "PolicyName": p.name,
                "PolicyId": _id("ANPA", p.name),
                "Arn": p.arn,
                "Path": "/",
                "DefaultVersionId": p.default,
                "AttachmentCount": attachments,
                "PermissionsBoundaryUsageCount": bounded,
                "IsAttachable": True,
                "CreateDate": CREATED,
                "UpdateDate": CREATED,
                "PolicyVersionList": [
                    {
                        "Document": json.loads(d),
                        "VersionId": vid,
                        "IsDefaultVersion": vid == p.default,
                        "CreateDate": CREATED,
                    }
                    for vid, d in reversed(p.versions)  # the CLI lists the newest first
                ],
            }
        )
    return {
        "UserDetailList": users,
        "GroupDetailList": groups,
        "RoleDetailList": roles,
        "Policies": policies,
    }


def credential_report(account: Account) -> str:
    rows = [REPORT_COLUMNS]
    root = (
        f"<root_account>,arn:aws:iam::{ACCOUNT}:root,{CREATED},not_supported,{USED},"
        "not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,"
        "false,N/A,false,N/A"
    )
    rows.append(root)
    for u in account.users:
        password = f"true,{USED},{CREATED},N/A" if u.password else "false,N/A,N/A,N/A"
        keys = []
        for i in range(2):
            if i < len(u.keys):
                keys.append(f"{str(u.keys[i]).lower()},{CREATED},{USED},us-east-1,iam")
            else:
                keys.append("false,N/A,N/A,N/A,N/A")
        mfa = str(u.mfa_device).lower()
        rows.append(
            f"{u.name},{u.arn},{CREATED},{password},{mfa},{keys[0]},{keys[1]},false,N/A,false,N/A"
        )
    return "\n".join(rows)


def write_snapshot(account: Account, root: Path) -> Path:
    """The snapshot folder for `account` under `root` (created); returns `root`."""
    folder = root / "accounts" / ACCOUNT
    (folder / "iam").mkdir(parents=True, exist_ok=True)
    (root / "snapshot.json").write_text(
        json.dumps({"collected_at": COLLECTED_AT, "tool": "aws-cli/2.22.4", "partitions": ["aws"]})
    )
    (folder / "iam" / "get-account-authorization-details.json").write_text(
        json.dumps(authorization_details(account), indent=4)
    )
    (folder / "iam" / "credential-report.csv").write_text(credential_report(account))
    for rel, content in EMPTY_INVENTORIES.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(content, indent=4))
    return root
