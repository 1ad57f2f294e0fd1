"""A synthetic AWS organization in iamgraph's snapshot layout, for benchmarks at scale.

    python bench/synth.py --accounts 5 --principals-per-account 50 --seed 1 OUT

writes OUT/ as `iamgraph collect` would (the shapes of fixtures/demo-org, AWS CLI v2 output):
the Organizations tree with its SCPs and RCPs, and per account the authorization details,
credential report, password policy, account summary, CloudTrail trails, bucket, key and topic
policies, and the compute inventory. Realistic rather than random: a management account, a
security (audit) account whose scanner assumes a read-only role in every account, a log-archive
account that holds the organization trail's bucket and key, a shared-services account whose
GitHub Actions role assumes a deploy role in every workload account, then workload accounts in
Prod, NonProd and Sandbox OUs. Per account: IAM Identity Center roles (AWSReservedSSO_*, SAML
trust), GitHub OIDC deploy roles (sub conditions), service roles for Lambda, ECS, EC2 and Glue
with AWS managed and customer policies (the same customer policies reused across an app's roles,
as real organizations do), third-party integration roles (external account, ExternalId),
IAM users in groups, permissions boundaries, customer policies with several versions (only the
default one is active), and sparse inventory (a few functions, instances and SSM nodes).

Escalation paths are planted on purpose, each by one method of iamgraph/graph/methods.py and
each from a principal that has no other way up; OUT/planted.json holds their ground truth
(source ARN, target ARN or "admin", method) and the probes `bench/scale.py` runs. Everything
else is meant to be unable to reach admin (except the administrators themselves, and whoever
may assume a planted source). The principal count is exactly accounts x principals-per-account
(users and roles; account roots are not counted). Deterministic for a seed.

AWS managed policies come from ../shared/data/aws-managed-policies when it is there (the real
documents: ReadOnlyAccess alone is 85 KB), else, or with --builtin-managed, from the small
stand-ins below; planted.json says which.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED_MANAGED = (
    REPO.parent / "shared" / "data" / "aws-managed-policies" / "aws-managed-policies.json"
)
COLLECTED_AT = "2026-11-20T08:00:00Z"
REGIONS = ("us-east-1", "eu-west-1")
ORG_TRAIL = "org-trail"
V = "2012-10-17"

# --------------------------------------------------------------------------------------------
# AWS managed policies: (path, name) and a small stand-in document for each

# fmt: off
AWS_MANAGED: dict[str, tuple[str, dict]] = {
    'AdministratorAccess': ('/', {
        "Version": V, "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
        ]}),
    'PowerUserAccess': ('/', {
        "Version": V, "Statement": [
            {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*"], "Resource": "*"},
            {"Effect": "Allow", "Action": ["account:GetAccountInformation", "account:ListRegions",
            "iam:CreateServiceLinkedRole", "iam:DeleteServiceLinkedRole", "iam:ListRoles",
            "organizations:DescribeOrganization"], "Resource": "*"},
        ]}),
    'ReadOnlyAccess': ('/', {
        "Version": V, "Statement": [
            {"Effect": "Allow", "Action": ["acm:Describe*", "acm:Get*", "acm:List*",
            "apigateway:Get*", "apigateway:List*", "autoscaling:Describe*",
            "autoscaling:Get*", "cloudformation:Describe*", "cloudformation:Get*",
            "cloudformation:List*", "cloudfront:Describe*", "cloudfront:Get*", "cloudfront:List*",
            "cloudtrail:Describe*", "cloudtrail:Get*", "cloudtrail:List*", "cloudwatch:Describe*",
            "cloudwatch:Get*", "cloudwatch:List*", "config:Describe*", "config:Get*", "config:List*",
            "dynamodb:Describe*", "dynamodb:Get*", "dynamodb:List*", "ec2:Describe*", "ec2:Get*",
            "ec2:List*", "ecr:Describe*", "ecr:Get*", "ecr:List*", "ecs:Describe*", "ecs:Get*",
            "ecs:List*", "eks:Describe*", "eks:List*", "elasticloadbalancing:Describe*",
            "elasticloadbalancing:Get*", "events:Describe*",
            "events:Get*", "events:List*", "glue:Describe*", "glue:Get*", "glue:List*", "iam:Get*", "iam:List*", "kms:Describe*", "kms:Get*", "kms:List*", "lambda:Get*", "lambda:List*", "logs:Describe*", "logs:Get*", "logs:List*", "rds:Describe*",
            "rds:List*", "route53:Get*", "route53:List*",
            "s3:Describe*", "s3:Get*", "s3:List*", "secretsmanager:Describe*", "secretsmanager:Get*",
            "secretsmanager:List*", "sns:Get*", "sns:List*", "sqs:Get*", "sqs:List*", "ssm:Describe*", "ssm:Get*", "ssm:List*", "states:Describe*",
            "states:Get*", "states:List*", "sts:Get*", "tag:Describe*",
            "tag:Get*", "tag:List*"], "Resource": "*"},
        ]}),
    'SecurityAudit': ('/', {
        "Version": V, "Statement": [
            {"Effect": "Allow", "Action": ["access-analyzer:List*", "cloudtrail:Describe*",
            "cloudtrail:GetTrailStatus", "cloudtrail:GetEventSelectors", "config:Describe*",
            "ec2:Describe*", "guardduty:Get*", "guardduty:List*", "iam:GenerateCredentialReport",
            "iam:Get*", "iam:List*", "kms:Describe*", "kms:GetKeyPolicy", "kms:List*",
            "lambda:GetPolicy", "lambda:List*", "organizations:Describe*", "organizations:List*",
            "s3:GetBucketPolicy", "s3:GetBucketAcl", "s3:GetEncryptionConfiguration",
            "s3:ListAllMyBuckets", "securityhub:Get*", "securityhub:List*", "sns:GetTopicAttributes",
            "sns:ListTopics", "sqs:GetQueueAttributes", "sqs:ListQueues"], "Resource": "*"},
        ]}),
    'AmazonS3ReadOnlyAccess': ('/', {
        "Version": V, "Statement": [
            {"Effect": "Allow", "Action": ["s3:Get*", "s3:List*", "s3:Describe*",
            "s3-object-lambda:Get*", "s3-object-lambda:List*"], "Resource": "*"},
        ]}),
    'AWSLambdaBasicExecutionRole': ('/service-role/', {
        "Version": V, "Statement": [
            {"Effect": "Allow", "Action": ["logs:CreateLogGroup", "logs:CreateLogStream",
            "logs:PutLogEvents"], "Resource": "*"},
        ]}),
    'AmazonSSMManagedInstanceCore': ('/', {
        "Version": V, "Statement": [
            {"Effect": "Allow", "Action": ["ssm:DescribeAssociation", "ssm:GetDocument",
            "ssm:DescribeDocument", "ssm:GetParameter", "ssm:GetParameters", "ssm:ListAssociations",
            "ssm:ListInstanceAssociations", "ssm:PutInventory", "ssm:UpdateInstanceInformation"],
            "Resource": "*"},
            {"Effect": "Allow", "Action": ["ssmmessages:CreateControlChannel",
            "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel",
            "ssmmessages:OpenDataChannel", "ec2messages:AcknowledgeMessage", "ec2messages:GetMessages",
            "ec2messages:SendReply"], "Resource": "*"},
        ]}),
    'AmazonECSTaskExecutionRolePolicy': ('/service-role/', {
        "Version": V, "Statement": [
            {"Effect": "Allow", "Action": ["ecr:GetAuthorizationToken",
            "ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage",
            "logs:CreateLogStream", "logs:PutLogEvents"], "Resource": "*"},
        ]}),
    'AWSGlueServiceRole': ('/service-role/', {
        "Version": V, "Statement": [
            {"Effect": "Allow", "Action": ["glue:*", "s3:GetBucketLocation", "s3:ListBucket",
            "s3:ListAllMyBuckets", "s3:GetBucketAcl", "ec2:DescribeVpcEndpoints",
            "ec2:DescribeRouteTables", "ec2:DescribeSubnets", "ec2:DescribeSecurityGroups",
            "iam:ListRolePolicies", "iam:GetRole", "iam:GetRolePolicy", "cloudwatch:PutMetricData"],
            "Resource": ["*"]},
            {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource":
            ["arn:aws:s3:::aws-glue-*/*"]},
            {"Effect": "Allow", "Action": ["logs:CreateLogGroup", "logs:CreateLogStream",
            "logs:PutLogEvents"], "Resource": ["arn:aws:logs:*:*:*:/aws-glue/*"]},
        ]}),
    'Billing': ('/job-function/', {
        "Version": V, "Statement": [
            {"Effect": "Allow", "Action": ["aws-portal:*Billing", "aws-portal:*Usage",
            "aws-portal:*PaymentMethods", "budgets:ViewBudget", "budgets:ModifyBudget", "ce:*", "cur:*",
            "billing:*", "payments:*", "tax:*", "invoicing:*"], "Resource": "*"},
        ]}),
    'AWSTrustedAdvisorServiceRolePolicy': ('/aws-service-role/', {
        "Version": V, "Statement": [
            {"Effect": "Allow", "Action": ["autoscaling:Describe*", "cloudformation:DescribeStacks",
            "cloudtrail:DescribeTrails", "cloudtrail:GetTrailStatus", "ec2:Describe*",
            "iam:GenerateCredentialReport", "iam:GetAccountPasswordPolicy", "iam:GetAccountSummary",
            "iam:GetCredentialReport", "iam:ListUsers", "rds:Describe*", "s3:GetBucketAcl",
            "s3:GetBucketPolicy", "s3:ListAllMyBuckets"], "Resource": "*"},
        ]}),
    'AWSOrganizationsServiceTrustPolicy': ('/aws-service-role/', {
        "Version": V, "Statement": [
            {"Sid": "AllowDeletionOfServiceLinkedRoleForOrganizations", "Effect": "Allow", "Action":
            ["iam:DeleteRole"], "Resource":
            ["arn:aws:iam::*:role/aws-service-role/organizations.amazonaws.com/*"]},
            {"Sid": "AllowCreationOfServiceLinkedRoles", "Effect": "Allow", "Action":
            ["iam:CreateServiceLinkedRole"], "Resource": "*"},
        ]}),
}
# fmt: on

MANAGED_DATES = ("2015-02-06T18:39:46+00:00", "2024-06-12T17:02:33+00:00")


@dataclass(frozen=True)
class ManagedDoc:
    arn: str
    name: str
    path: str
    policy_id: str
    version: str
    created: str
    updated: str
    document: dict


def managed_documents(builtin: bool, rng: random.Random) -> tuple[dict[str, ManagedDoc], str]:
    """The AWS managed policies by name, and where they come from."""
    real: dict[str, dict] = {}
    source = "builtin stand-ins (bench/synth.py)"
    if not builtin and SHARED_MANAGED.is_file():
        data = json.loads(SHARED_MANAGED.read_text())
        real = {p["PolicyName"]: p for p in data["policies"] if p.get("Arn")}
        source = f"{data.get('source_repo')} {data.get('source_commit', '')[:12]} (shared data)"
    out = {}
    for name, (path, doc) in AWS_MANAGED.items():
        p = real.get(name)
        if p is not None:
            out[name] = ManagedDoc(
                p["Arn"], name, p["Path"], p["PolicyId"], p["DefaultVersionId"],
                p["CreateDate"], p["UpdateDate"], p["Document"],
            )  # fmt: skip
        else:
            out[name] = ManagedDoc(
                f"arn:aws:iam::aws:policy{path}{name}", name, path, "ANPA" + _b32(rng, 17), "v1",
                MANAGED_DATES[0], MANAGED_DATES[1], doc,
            )  # fmt: skip
    return out, source


# --------------------------------------------------------------------------------------------
# small helpers

_B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"


def _b32(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(_B32) for _ in range(n))


def _alnum(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(_ALNUM) for _ in range(n))


def _hex(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def _date(rng: random.Random, start: int = 2019, end: int = 2026) -> str:
    year = rng.randint(start, end)
    month = rng.randint(1, 10 if year == 2026 else 12)
    return (
        f"{year}-{month:02d}-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:"
        f"{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}+00:00"
    )


def _recent(rng: random.Random, days: int = 60) -> str:
    """A date within `days` before collection (2026-11-20)."""
    back = rng.randint(0, days)
    month, day = (11, 20 - back) if back < 20 else (10, max(1, 31 - (back - 19) % 31))
    return f"2026-{month:02d}-{day:02d}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}+00:00"


def doc(*statements: dict) -> dict:
    return {"Version": V, "Statement": list(statements)}


def allow(actions, resources="*", condition: dict | None = None, sid: str | None = None) -> dict:
    st: dict = {}
    if sid:
        st["Sid"] = sid
    st["Effect"] = "Allow"
    st["Action"] = actions
    st["Resource"] = resources
    if condition:
        st["Condition"] = condition
    return st


def trust(principal: dict, action="sts:AssumeRole", condition: dict | None = None) -> dict:
    st: dict = {"Effect": "Allow", "Principal": principal, "Action": action}
    if condition:
        st["Condition"] = condition
    return st


def service_trust(service: str, condition: dict | None = None) -> dict:
    return doc(trust({"Service": service}, condition=condition))


def write_json(path: Path, value) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=4) + "\n")


# --------------------------------------------------------------------------------------------
# the organization


@dataclass
class Account:
    index: int
    id: str
    name: str
    kind: str  # management | audit | log-archive | shared-services | workload
    env: str  # mgmt, security, infra, prod, staging, dev, sandbox
    ou: str = ""  # parent id
    admin_role: str = ""  # the role every plant's cross-account target uses
    joined: str = ""


KINDS = ("management", "audit", "log-archive", "shared-services")
ENVS = ("prod", "staging", "dev", "sandbox")


@dataclass
class Org:
    id: str
    root: str
    accounts: list[Account]
    ous: dict[str, tuple[str, str]]  # id -> (name, parent)
    mgmt: Account
    scps: dict[str, tuple[str, str, dict, list[str]]] = field(default_factory=dict)
    rcps: dict[str, tuple[str, str, dict, list[str]]] = field(default_factory=dict)

    def by_kind(self, kind: str) -> Account | None:
        return next((a for a in self.accounts if a.kind == kind), None)

    def arn(self, what: str) -> str:
        return f"arn:aws:organizations::{self.mgmt.id}:{what}"


def make_org(n: int, rng: random.Random) -> Org:
    ids: list[str] = []
    while len(ids) < n:
        aid = str(rng.randint(100000000000, 999999999999))
        if aid not in ids:
            ids.append(aid)
    accounts = []
    for i, aid in enumerate(ids):
        if i < len(KINDS):
            kind = KINDS[i]
            env = {"management": "mgmt", "audit": "security", "log-archive": "security"}.get(
                kind, "infra"
            )
            name = f"acme-{kind}"
        else:
            kind, env = "workload", ENVS[(i - len(KINDS)) % len(ENVS)]
            name = f"acme-{env}-{(i - len(KINDS)) // len(ENVS) + 1:02d}"
        accounts.append(Account(i, aid, name, kind, env, joined=_date(rng, 2019, 2025)))
    suffix = _alnum(rng, 4)
    org = Org(f"o-{_alnum(rng, 10)}", f"r-{suffix}", accounts, {}, accounts[0])

    def ou(name: str, parent: str) -> str:
        oid = f"ou-{suffix}-{_alnum(rng, 8)}"
        org.ous[oid] = (name, parent)
        return oid

    security = ou("Security", org.root)
    infra = ou("Infrastructure", org.root)
    workloads = ou("Workloads", org.root)
    prod, nonprod, sandbox = (
        ou("Prod", workloads),
        ou("NonProd", workloads),
        ou("Sandbox", workloads),
    )
    where = {
        "security": security,
        "infra": infra,
        "prod": prod,
        "staging": nonprod,
        "dev": nonprod,
        "sandbox": sandbox,
    }
    for a in accounts:
        a.ou = org.root if a.kind == "management" else where[a.env]
        a.admin_role = (
            "BreakGlassAdmin" if a.kind == "management" else "OrganizationAccountAccessRole"
        )

    every = [org.root, *org.ous, *(a.id for a in accounts)]
    org.scps["p-FullAWSAccess"] = (
        "FullAWSAccess",
        "Allows access to every operation",
        doc(allow("*")),
        every,
    )
    org.scps[f"p-{_alnum(rng, 8)}"] = (
        "deny-leave-organization",
        "Member accounts may not leave the organization",
        doc(
            {
                "Sid": "DenyLeaveOrganization",
                "Effect": "Deny",
                "Action": "organizations:LeaveOrganization",
                "Resource": "*",
            }
        ),
        [org.root],
    )
    org.scps[f"p-{_alnum(rng, 8)}"] = (
        "deny-cloudtrail-tamper",
        "Only the organization access and break-glass roles may change CloudTrail",
        doc(
            {
                "Sid": "ProtectCloudTrail",
                "Effect": "Deny",
                "Action": [
                    "cloudtrail:StopLogging",
                    "cloudtrail:DeleteTrail",
                    "cloudtrail:UpdateTrail",
                    "cloudtrail:PutEventSelectors",
                    "cloudtrail:PutInsightSelectors",
                ],
                "Resource": "*",
                "Condition": {
                    "ArnNotLike": {
                        "aws:PrincipalArn": [
                            "arn:aws:iam::*:role/OrganizationAccountAccessRole",
                            "arn:aws:iam::*:role/BreakGlassAdmin",
                        ]
                    }
                },
            }
        ),
        [org.root],
    )
    org.scps[f"p-{_alnum(rng, 8)}"] = (
        "region-restriction",
        "Workloads run in us-east-1 and eu-west-1 only",
        doc(
            {
                "Sid": "DenyOutsideApprovedRegions",
                "Effect": "Deny",
                "NotAction": [
                    "iam:*",
                    "organizations:*",
                    "sts:*",
                    "support:*",
                    "cloudfront:*",
                    "route53:*",
                    "budgets:*",
                    "health:*",
                    "trustedadvisor:*",
                ],
                "Resource": "*",
                "Condition": {"StringNotEquals": {"aws:RequestedRegion": list(REGIONS)}},
            }
        ),
        [prod, nonprod],
    )
    org.rcps["p-RCPFullAWSAccess"] = (
        "RCPFullAWSAccess",
        "Allows access to every resource",
        doc({"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}),
        every,
    )
    org.rcps[f"p-{_alnum(rng, 8)}"] = (
        "enforce-org-identities",
        "Only principals of the organization may use S3, KMS and STS in the security accounts",
        doc(
            {
                "Sid": "EnforceOrgIdentities",
                "Effect": "Deny",
                "Principal": "*",
                "Action": ["s3:*", "kms:*", "sts:AssumeRole"],
                "Resource": "*",
                "Condition": {
                    "StringNotEqualsIfExists": {"aws:PrincipalOrgID": org.id},
                    "BoolIfExists": {"aws:PrincipalIsAWSService": "false"},
                },
            }
        ),
        [security],
    )
    return org


def write_organization(out: Path, org: Org) -> None:
    o = out / "organization"
    mgmt = org.mgmt.id
    write_json(
        o / "describe-organization.json",
        {
            "Organization": {
                "Id": org.id,
                "Arn": org.arn(f"organization/{org.id}"),
                "FeatureSet": "ALL",
                "MasterAccountArn": org.arn(f"account/{org.id}/{mgmt}"),
                "MasterAccountId": mgmt,
                "MasterAccountEmail": f"aws-{org.mgmt.kind}@acme.example",
                "AvailablePolicyTypes": [{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}],
            }
        },
    )
    root_arn = org.arn(f"root/{org.id}/{org.root}")
    write_json(
        o / "list-roots.json",
        {
            "Roots": [
                {
                    "Id": org.root,
                    "Arn": root_arn,
                    "Name": "Root",
                    "PolicyTypes": [
                        {"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"},
                        {"Type": "RESOURCE_CONTROL_POLICY", "Status": "ENABLED"},
                    ],
                }
            ]
        },
    )
    parents = [org.root, *org.ous]
    for parent in parents:
        children = [
            {"Id": oid, "Arn": org.arn(f"ou/{org.id}/{oid}"), "Name": name}
            for oid, (name, p) in org.ous.items()
            if p == parent
        ]
        write_json(
            o / "list-organizational-units-for-parent" / f"{parent}.json",
            {"OrganizationalUnits": children},
        )
        accounts = [
            {
                "Id": a.id,
                "Arn": org.arn(f"account/{org.id}/{a.id}"),
                "Email": f"aws-{a.name.removeprefix('acme-')}@acme.example",
                "Name": a.name,
                "Status": "ACTIVE",
                "State": "ACTIVE",
                "JoinedMethod": "INVITED" if a.kind == "management" else "CREATED",
                "JoinedTimestamp": a.joined,
            }
            for a in org.accounts
            if a.ou == parent
        ]
        write_json(o / "list-accounts-for-parent" / f"{parent}.json", {"Accounts": accounts})

    def target(tid: str) -> dict:
        if tid == org.root:
            return {"TargetId": tid, "Arn": root_arn, "Name": "Root", "Type": "ROOT"}
        if tid in org.ous:
            return {
                "TargetId": tid,
                "Arn": org.arn(f"ou/{org.id}/{tid}"),
                "Name": org.ous[tid][0],
                "Type": "ORGANIZATIONAL_UNIT",
            }
        a = next(a for a in org.accounts if a.id == tid)
        return {
            "TargetId": tid,
            "Arn": org.arn(f"account/{org.id}/{tid}"),
            "Name": a.name,
            "Type": "ACCOUNT",
        }

    for kind, table in (
        ("SERVICE_CONTROL_POLICY", org.scps),
        ("RESOURCE_CONTROL_POLICY", org.rcps),
    ):
        summaries = []
        for pid, (name, description, content, targets) in table.items():
            aws = pid in ("p-FullAWSAccess", "p-RCPFullAWSAccess")
            arn = (
                f"arn:aws:organizations::aws:policy/{kind.lower()}/{pid}"
                if aws
                else org.arn(f"policy/{org.id}/{kind.lower()}/{pid}")
            )
            summary = {
                "Id": pid,
                "Arn": arn,
                "Name": name,
                "Description": description,
                "Type": kind,
                "AwsManaged": aws,
            }
            summaries.append(summary)
            write_json(
                o / "describe-policy" / f"{pid}.json",
                {"Policy": {"PolicySummary": summary, "Content": json.dumps(content, indent=2)}},
            )
            write_json(
                o / "list-targets-for-policy" / f"{pid}.json",
                {"Targets": [target(t) for t in targets]},
            )
        write_json(o / f"list-policies-{kind}.json", {"Policies": summaries})


# --------------------------------------------------------------------------------------------
# one account's IAM


@dataclass
class Planted:
    source: str
    target: str  # a principal ARN, or "admin" (the source gains admin permissions in place)
    method: str
    kind: str
    description: str


@dataclass
class IAM:
    """One account's IAM as it is built, written out as authorization details at the end."""

    account: Account
    rng: random.Random
    managed: dict[str, ManagedDoc]
    users: list[dict] = field(default_factory=list)
    groups: dict[str, dict] = field(default_factory=dict)
    roles: dict[str, dict] = field(default_factory=dict)
    policies: dict[str, dict] = field(default_factory=dict)  # customer managed, by name
    aws_used: set[str] = field(default_factory=set)
    report: list[dict] = field(default_factory=list)
    functions: list[dict] = field(default_factory=list)
    instances: list[dict] = field(default_factory=list)
    stacks: list[dict] = field(default_factory=list)
    names: set[str] = field(default_factory=set)

    @property
    def id(self) -> str:
        return self.account.id

    def arn(self, kind: str, name: str, path: str = "/") -> str:
        return f"arn:aws:iam::{self.id}:{kind}{path}{name}"

    def unique(self, base: str) -> str:
        name, n = base, 2
        while name in self.names:
            name, n = f"{base}-{n}", n + 1
        self.names.add(name)
        return name

    def aws(self, name: str) -> dict:
        self.aws_used.add(name)
        m = self.managed[name]
        return {"PolicyName": name, "PolicyArn": m.arn}

    def policy(
        self, name: str, versions: list[dict], default: int | None = None, description: str = ""
    ) -> dict:
        """A customer managed policy (once per account; attaching it again reuses it)."""
        if name not in self.policies:
            default = len(versions) if default is None else default
            created = _date(self.rng, 2019, 2023)
            self.policies[name] = {
                "PolicyName": name,
                "PolicyId": "ANPA" + _b32(self.rng, 17),
                "Arn": self.arn("policy", name),
                "Path": "/",
                "DefaultVersionId": f"v{default}",
                "AttachmentCount": 0,
                "PermissionsBoundaryUsageCount": 0,
                "IsAttachable": True,
                "Description": description or f"{name} (managed by Terraform)",
                "CreateDate": created,
                "UpdateDate": _date(self.rng, 2024, 2026),
                "PolicyVersionList": [
                    {
                        "Document": d,
                        "VersionId": f"v{i}",
                        "IsDefaultVersion": i == default,
                        "CreateDate": created if i == 1 else _date(self.rng, 2023, 2026),
                    }
                    for i, d in reversed(list(enumerate(versions, start=1)))
                ],
            }
        p = self.policies[name]
        return {"PolicyName": name, "PolicyArn": p["Arn"]}

    def role(
        self,
        name: str,
        trust_doc: dict,
        *,
        attached: list[dict] = (),
        inline: dict[str, dict] | None = None,
        boundary: str | None = None,
        path: str = "/",
        profile: bool = False,
        tags: dict[str, str] | None = None,
        used: bool = True,
    ) -> str:
        name = self.unique(name)
        arn = self.arn("role", name, path)
        role: dict = {
            "Path": path,
            "RoleName": name,
            "RoleId": "AROA" + _b32(self.rng, 17),
            "Arn": arn,
            "CreateDate": _date(self.rng),
            "AssumeRolePolicyDocument": trust_doc,
            "InstanceProfileList": [],
            "RolePolicyList": [
                {"PolicyName": k, "PolicyDocument": v} for k, v in (inline or {}).items()
            ],
            "AttachedManagedPolicies": list(attached),
        }
        if boundary:
            role["PermissionsBoundary"] = {
                "PermissionsBoundaryType": "Policy",
                "PermissionsBoundaryArn": boundary,
            }
        if tags:
            role["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
        role["RoleLastUsed"] = (
            {"LastUsedDate": _recent(self.rng, 90), "Region": self.rng.choice(REGIONS)}
            if used
            else {}
        )
        if profile:
            role["InstanceProfileList"] = [
                {
                    "Path": "/",
                    "InstanceProfileName": name,
                    "InstanceProfileId": "AIPA" + _b32(self.rng, 17),
                    "Arn": self.arn("instance-profile", name),
                    "CreateDate": role["CreateDate"],
                    "Roles": [
                        {
                            k: role[k]
                            for k in (
                                "Path",
                                "RoleName",
                                "RoleId",
                                "Arn",
                                "CreateDate",
                                "AssumeRolePolicyDocument",
                            )
                        }
                    ],
                }
            ]
        self.roles[name] = role
        return arn

    def group(self, name: str, attached: list[dict], inline: dict[str, dict] | None = None) -> str:
        if name not in self.groups:
            self.groups[name] = {
                "Path": "/",
                "GroupName": name,
                "GroupId": "AGPA" + _b32(self.rng, 17),
                "Arn": self.arn("group", name),
                "CreateDate": _date(self.rng, 2019, 2022),
                "GroupPolicyList": [
                    {"PolicyName": k, "PolicyDocument": v} for k, v in (inline or {}).items()
                ],
                "AttachedManagedPolicies": list(attached),
            }
        return name

    def user(
        self,
        name: str,
        *,
        groups: list[str] = (),
        attached: list[dict] = (),
        inline: dict[str, dict] | None = None,
        password: bool = True,
        mfa: bool = True,
        keys: int = 0,
        tags: dict[str, str] | None = None,
    ) -> str:
        name = self.unique(name)
        arn = self.arn("user", name)
        created = _date(self.rng, 2019, 2025)
        user: dict = {
            "Path": "/",
            "UserName": name,
            "UserId": "AIDA" + _b32(self.rng, 17),
            "Arn": arn,
            "CreateDate": created,
        }
        if inline:
            user["UserPolicyList"] = [
                {"PolicyName": k, "PolicyDocument": v} for k, v in inline.items()
            ]
        user["GroupList"] = list(groups)
        user["AttachedManagedPolicies"] = list(attached)
        user["Tags"] = [{"Key": k, "Value": v} for k, v in (tags or {"team": "platform"}).items()]
        self.users.append(user)
        rng = self.rng
        row = {
            "user": name,
            "arn": arn,
            "user_creation_time": created,
            "password_enabled": "true" if password else "false",
            "password_last_used": _recent(rng, 30) if password else "N/A",
            "password_last_changed": _recent(rng, 80) if password else "N/A",
            "password_next_rotation": "N/A",
            "mfa_active": "true" if mfa else "false",
        }
        for k in (1, 2):
            active = k <= keys
            row |= {
                f"access_key_{k}_active": "true" if active else "false",
                f"access_key_{k}_last_rotated": _recent(rng, 80) if active else "N/A",
                f"access_key_{k}_last_used_date": _recent(rng, 5) if active else "N/A",
                f"access_key_{k}_last_used_region": rng.choice(REGIONS) if active else "N/A",
                f"access_key_{k}_last_used_service": rng.choice(("s3", "sts", "lambda"))
                if active
                else "N/A",
            }
        row |= {
            "cert_1_active": "false",
            "cert_1_last_rotated": "N/A",
            "cert_2_active": "false",
            "cert_2_last_rotated": "N/A",
        }
        self.report.append(row)
        return arn

    # ---- writing --------------------------------------------------------------------------
    def authorization_details(self) -> dict:
        count: dict[str, int] = {}
        bounds: dict[str, int] = {}
        for e in (*self.users, *self.groups.values(), *self.roles.values()):
            for a in e["AttachedManagedPolicies"]:
                count[a["PolicyArn"]] = count.get(a["PolicyArn"], 0) + 1
            b = e.get("PermissionsBoundary")
            if b:
                bounds[b["PermissionsBoundaryArn"]] = bounds.get(b["PermissionsBoundaryArn"], 0) + 1
        policies = []
        for name in sorted(self.aws_used):
            m = self.managed[name]
            policies.append(
                {
                    "PolicyName": name,
                    "PolicyId": m.policy_id,
                    "Arn": m.arn,
                    "Path": m.path,
                    "DefaultVersionId": m.version,
                    "AttachmentCount": count.get(m.arn, 0),
                    "PermissionsBoundaryUsageCount": bounds.get(m.arn, 0),
                    "IsAttachable": True,
                    "CreateDate": m.created,
                    "UpdateDate": m.updated,
                    "PolicyVersionList": [
                        {
                            "Document": m.document,
                            "VersionId": m.version,
                            "IsDefaultVersion": True,
                            "CreateDate": m.updated,
                        }
                    ],
                }
            )
        for p in self.policies.values():
            p["AttachmentCount"] = count.get(p["Arn"], 0)
            p["PermissionsBoundaryUsageCount"] = bounds.get(p["Arn"], 0)
            policies.append(p)
        return {
            "UserDetailList": self.users,
            "GroupDetailList": list(self.groups.values()),
            "RoleDetailList": list(self.roles.values()),
            "Policies": policies,
        }

    def summary(self) -> dict:
        mfa = sum(1 for r in self.report if r["mfa_active"] == "true") + 1  # root has MFA
        versions = sum(len(p["PolicyVersionList"]) for p in self.policies.values()) + len(
            self.aws_used
        )
        return {
            "SummaryMap": {
                "GroupPolicySizeQuota": 5120,
                "InstanceProfilesQuota": 1000,
                "Policies": len(self.policies),
                "GroupsPerUserQuota": 10,
                "InstanceProfiles": sum(len(r["InstanceProfileList"]) for r in self.roles.values()),
                "AttachedPoliciesPerUserQuota": 10,
                "Users": len(self.users),
                "PoliciesQuota": 1500,
                "Providers": 2,
                "AccountMFAEnabled": 1,
                "AccessKeysPerUserQuota": 2,
                "AssumeRolePolicySizeQuota": 2048,
                "PolicyVersionsInUseQuota": 10000,
                "GlobalEndpointTokenVersion": 1,
                "VersionsPerPolicyQuota": 5,
                "AttachedPoliciesPerGroupQuota": 10,
                "PolicySizeQuota": 6144,
                "Groups": len(self.groups),
                "AccountSigningCertificatesPresent": 0,
                "UsersQuota": 5000,
                "ServerCertificatesQuota": 20,
                "MFADevices": mfa,
                "UserPolicySizeQuota": 2048,
                "PolicyVersionsInUse": versions,
                "ServerCertificates": 0,
                "Roles": len(self.roles),
                "RolesQuota": 5000,
                "SigningCertificatesPerUserQuota": 2,
                "MFADevicesInUse": mfa,
                "RolePolicySizeQuota": 10240,
                "AttachedPoliciesPerRoleQuota": 20,
                "AccountAccessKeysPresent": 0,
                "AccountPasswordPresent": 1,
                "GroupsQuota": 300,
            }
        }

    def credential_report(self, created: str) -> str:
        header = [
            "user",
            "arn",
            "user_creation_time",
            "password_enabled",
            "password_last_used",
            "password_last_changed",
            "password_next_rotation",
            "mfa_active",
            "access_key_1_active",
            "access_key_1_last_rotated",
            "access_key_1_last_used_date",
            "access_key_1_last_used_region",
            "access_key_1_last_used_service",
            "access_key_2_active",
            "access_key_2_last_rotated",
            "access_key_2_last_used_date",
            "access_key_2_last_used_region",
            "access_key_2_last_used_service",
            "cert_1_active",
            "cert_1_last_rotated",
            "cert_2_active",
            "cert_2_last_rotated",
        ]
        root = dict.fromkeys(header, "N/A")
        root |= {
            "user": "<root_account>",
            "arn": f"arn:aws:iam::{self.id}:root",
            "user_creation_time": created,
            "password_enabled": "not_supported",
            "password_last_used": _date(self.rng, 2025, 2026),
            "password_last_changed": "not_supported",
            "password_next_rotation": "not_supported",
            "mfa_active": "true",
            "access_key_1_active": "false",
            "access_key_2_active": "false",
            "cert_1_active": "false",
            "cert_2_active": "false",
        }
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=header, lineterminator="\n")
        w.writeheader()
        w.writerow(root)
        for row in self.report:
            w.writerow(row)
        return buf.getvalue().rstrip("\n")


# --------------------------------------------------------------------------------------------
# what the principals hold

APPS = (
    "payments",
    "orders",
    "catalog",
    "search",
    "checkout",
    "inventory",
    "shipping",
    "billing",
    "identity",
    "notifications",
    "analytics",
    "reporting",
    "pricing",
    "recommendations",
    "reviews",
    "loyalty",
    "fraud",
    "ledger",
    "invoices",
    "media",
    "thumbnails",
    "etl",
    "datalake",
    "ingest",
    "export",
    "webhooks",
    "gateway",
    "profile",
    "sessions",
    "cart",
    "returns",
    "warehouse",
    "forecast",
    "ml-features",
    "audit-trail",
    "scheduler",
    "mailer",
    "sms",
    "geo",
    "partners",
)
COMPONENTS = (
    "api",
    "worker",
    "consumer",
    "processor",
    "sync",
    "cron",
    "handler",
    "stream",
    "backfill",
    "indexer",
)
FIRST = (
    "alex",
    "maria",
    "james",
    "priya",
    "li",
    "fatima",
    "omar",
    "sofia",
    "chen",
    "noah",
    "emma",
    "lucas",
    "aisha",
    "kenji",
    "elena",
    "mateo",
    "zoe",
    "ravi",
    "ines",
    "tom",
    "nadia",
    "yusuf",
    "hana",
    "leo",
    "sara",
    "ivan",
    "mei",
    "david",
    "julia",
    "kwame",
)
LAST = (
    "garcia",
    "chen",
    "patel",
    "kim",
    "nguyen",
    "smith",
    "okafor",
    "muller",
    "rossi",
    "silva",
    "tanaka",
    "kowalski",
    "haddad",
    "novak",
    "jensen",
    "fischer",
    "costa",
    "singh",
    "brown",
    "ali",
)
SSO_SETS = (
    "PowerUserAccess",
    "DataEngineer",
    "Developer",
    "SecurityAudit",
    "SupportEngineer",
    "Billing",
)
GITHUB = "token.actions.githubusercontent.com"
THIRD_PARTIES = (
    ("datadog-integration", "464622532012"),
    ("cloudhealth-integration", "454464851268"),
    ("wiz-scanner", "197171649850"),
)


def sso_trust(account: str, provider: str) -> dict:
    return doc(
        trust(
            {"Federated": f"arn:aws:iam::{account}:saml-provider/{provider}"},
            ["sts:AssumeRoleWithSAML", "sts:TagSession"],
            {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}},
        )
    )


def github_trust(account: str, subs: list[str]) -> dict:
    return doc(
        trust(
            {"Federated": f"arn:aws:iam::{account}:oidc-provider/{GITHUB}"},
            "sts:AssumeRoleWithWebIdentity",
            {
                "StringEquals": {f"{GITHUB}:aud": "sts.amazonaws.com"},
                "StringLike": {f"{GITHUB}:sub": subs},
            },
        )
    )


def require_mfa() -> dict:
    return doc(
        {
            "Sid": "DenyAllExceptMFASetupWithoutMFA",
            "Effect": "Deny",
            "NotAction": [
                "iam:CreateVirtualMFADevice",
                "iam:EnableMFADevice",
                "iam:GetUser",
                "iam:ListMFADevices",
                "iam:ListVirtualMFADevices",
                "iam:ResyncMFADevice",
                "sts:GetSessionToken",
            ],
            "Resource": "*",
            "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
        }
    )


class Builder:
    """Fills one account with principals: core roles, planted paths, then the usual mix."""

    def __init__(self, iam: IAM, org: Org, central: dict[str, str]) -> None:
        self.iam, self.org, self.central = iam, org, central
        self.rng = iam.rng
        a = iam.account
        self.env = a.env
        self.sso_provider = f"AWSSSO_{_hex(self.rng, 16)}_DO_NOT_DELETE"
        self.sso_region = self.rng.choice(REGIONS)
        self.sso_left = [s for s in SSO_SETS if (s == "Billing") == (a.kind == "management")]
        if a.kind == "management":
            self.sso_left = ["ReadOnlyAccess-Auditors", "Billing", "SecurityAudit"]
        self.apps = list(APPS)
        self.rng.shuffle(self.apps)
        self.app_roles: dict[str, int] = {}
        self.people: set[tuple[str, str]] = set()

    # ---- shared building blocks -----------------------------------------------------------
    def logging_policy(self) -> dict:
        return self.iam.policy(
            "acme-logging-standard",
            [
                doc(
                    allow(
                        ["logs:CreateLogStream", "logs:PutLogEvents"],
                        f"arn:aws:logs:*:{self.iam.id}:log-group:*",
                    )
                ),
                doc(
                    allow(
                        ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                        f"arn:aws:logs:*:{self.iam.id}:log-group:*",
                    ),
                    allow(
                        [
                            "xray:PutTraceSegments",
                            "xray:PutTelemetryRecords",
                            "cloudwatch:PutMetricData",
                        ]
                    ),
                ),
            ],
            description="Standard logging, tracing and metrics for every workload",
        )

    def bucket(self, app: str) -> str:
        return f"acme-{self.env}-{app}-data-{self.iam.id}"

    def app_policy(self, app: str) -> dict:
        aid = self.iam.id
        base = [
            allow(
                ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                f"arn:aws:s3:::{self.bucket(app)}/*",
                sid="AppObjects",
            ),
            allow("s3:ListBucket", f"arn:aws:s3:::{self.bucket(app)}", sid="AppBucket"),
            allow(
                [
                    "dynamodb:GetItem",
                    "dynamodb:PutItem",
                    "dynamodb:UpdateItem",
                    "dynamodb:Query",
                    "dynamodb:BatchGetItem",
                ],
                f"arn:aws:dynamodb:*:{aid}:table/{app}-*",
                sid="AppTables",
            ),
            allow(
                [
                    "sqs:SendMessage",
                    "sqs:ReceiveMessage",
                    "sqs:DeleteMessage",
                    "sqs:GetQueueAttributes",
                ],
                f"arn:aws:sqs:*:{aid}:{app}-*",
                sid="AppQueues",
            ),
            allow(
                "kms:Decrypt",
                f"arn:aws:kms:*:{aid}:key/*",
                {
                    "StringLike": {
                        "kms:ViaService": ["s3.*.amazonaws.com", "dynamodb.*.amazonaws.com"]
                    }
                },
                sid="DecryptViaServices",
            ),
        ]
        versions = [doc(*base[:3])]
        if len(app) % 2 == 0:  # some app policies went through a second revision
            versions.append(doc(*base[:4]))
        versions.append(
            doc(
                *base,
                allow(
                    "ssm:GetParameter*", f"arn:aws:ssm:*:{aid}:parameter/{app}/*", sid="AppConfig"
                ),
            )
        )
        return self.iam.policy(
            f"{app}-data-access", versions, description=f"Data access of the {app} service"
        )

    def workload_boundary(self) -> str:
        self.iam.policy(
            "workload-boundary",
            [
                doc(
                    allow("*", sid="AllowWorkloads"),
                    {
                        "Sid": "DenyIdentityAndOrg",
                        "Effect": "Deny",
                        "Action": ["iam:*", "organizations:*", "account:*", "sts:AssumeRole"],
                        "Resource": "*",
                    },
                )
            ],
            description="Permissions boundary for workload roles: no IAM, no organization, no role hopping",
        )
        return self.iam.policies["workload-boundary"]["Arn"]

    def deploy_boundary(self) -> str:
        aid = self.iam.id
        self.iam.policy(
            "deploy-boundary",
            [
                doc(
                    allow(
                        [
                            "cloudformation:*",
                            "s3:*",
                            "lambda:*",
                            "ecs:*",
                            "ecr:*",
                            "logs:*",
                            "dynamodb:*",
                            "sqs:*",
                            "sns:*",
                            "events:*",
                            "ssm:GetParameter*",
                            "ec2:Describe*",
                            "iam:Get*",
                            "iam:List*",
                            "iam:PassRole",
                        ],
                        sid="DeployServices",
                    ),
                    {
                        "Sid": "NoIdentityChanges",
                        "Effect": "Deny",
                        "Action": [
                            "iam:Create*",
                            "iam:Put*",
                            "iam:Attach*",
                            "iam:Delete*",
                            "iam:Update*",
                            "iam:SetDefaultPolicyVersion",
                        ],
                        "Resource": f"arn:aws:iam::{aid}:*",
                    },
                )
            ],
            description="Permissions boundary of every deploy role",
        )
        return self.iam.policies["deploy-boundary"]["Arn"]

    def deploy_policy(self) -> dict:
        aid = self.iam.id
        passrole = allow(
            "iam:PassRole",
            [
                f"arn:aws:iam::{aid}:role/*-lambda",
                f"arn:aws:iam::{aid}:role/*-task",
                f"arn:aws:iam::{aid}:role/*-task-execution",
            ],
            {
                "StringEquals": {
                    "iam:PassedToService": ["lambda.amazonaws.com", "ecs-tasks.amazonaws.com"]
                }
            },
            sid="PassServiceRoles",
        )
        v1 = doc(allow(["cloudformation:*", "s3:*", "lambda:*"], sid="Deploy"))
        v2 = doc(
            allow(["cloudformation:*", "s3:*", "lambda:*", "ecs:*", "ecr:*"], sid="Deploy"),
            allow(["iam:Get*", "iam:List*"], sid="ReadIam"),
        )
        v3 = doc(
            allow(
                [
                    "cloudformation:*",
                    "s3:*",
                    "lambda:*",
                    "ecs:*",
                    "ecr:*",
                    "logs:*",
                    "dynamodb:*",
                    "sqs:*",
                    "sns:*",
                    "events:*",
                ],
                sid="Deploy",
            ),
            allow(["iam:Get*", "iam:List*"], sid="ReadIam"),
            passrole,
        )
        return self.iam.policy(
            "deploy-permissions",
            [v1, v2, v3],
            description="What CI may change in a workload account",
        )

    def developer_policy(self) -> dict:
        aid = self.iam.id
        v1 = doc(allow(["ec2:*", "lambda:*", "logs:*", "s3:*", "iam:PassRole"], sid="Everything"))
        v2 = doc(
            allow(
                [
                    "ec2:Describe*",
                    "ec2:StartInstances",
                    "ec2:StopInstances",
                    "lambda:*",
                    "logs:*",
                    "s3:*",
                ],
                sid="Build",
            )
        )
        v3 = doc(
            allow(
                ["ec2:Describe*", "ec2:StartInstances", "ec2:StopInstances", "ec2:RebootInstances"],
                sid="Ec2Operations",
            ),
            allow(["lambda:Get*", "lambda:List*", "lambda:InvokeFunction"], sid="LambdaUse"),
            allow(["logs:*", "cloudwatch:*", "xray:Get*", "xray:BatchGet*"], sid="Observe"),
            allow(
                ["s3:GetObject", "s3:ListBucket", "s3:PutObject"],
                [
                    f"arn:aws:s3:::acme-{self.env}-*-{aid}",
                    f"arn:aws:s3:::acme-{self.env}-*-{aid}/*",
                ],
                sid="TeamBuckets",
            ),
        )
        return self.iam.policy(
            "developer-access", [v1, v2, v3], description="Day-to-day access of developers"
        )

    def admins_group(self) -> str:
        return self.iam.group(
            "Admins", [self.iam.aws("AdministratorAccess")], {"RequireMFA": require_mfa()}
        )

    def app_name(self) -> str:
        app = (
            self.apps[len(self.app_roles) % len(self.apps)]
            if len(self.app_roles) < 6
            else self.rng.choice(list(self.app_roles))
        )
        self.app_roles[app] = self.app_roles.get(app, 0) + 1
        return app

    def person(self) -> str:
        for _ in range(100):
            first, last = self.rng.choice(FIRST), self.rng.choice(LAST)
            if (first, last) not in self.people:
                self.people.add((first, last))
                return f"{first}.{last}"
        return f"user-{_alnum(self.rng, 6)}"

    # ---- core principals --------------------------------------------------------------------
    def core(self) -> list[Callable[[], str]]:
        """Per account, in the order they are dropped last when the budget is small."""
        a, iam, c = self.iam.account, self.iam, self.central
        out: list[Callable[[], str]] = []
        if a.kind == "management":
            out.append(
                lambda: iam.role(
                    "BreakGlassAdmin",
                    doc(
                        trust(
                            {"AWS": f"arn:aws:iam::{a.id}:root"},
                            condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}},
                        )
                    ),
                    attached=[iam.aws("AdministratorAccess")],
                    tags={"purpose": "break-glass"},
                    used=False,
                )
            )
        else:
            out.append(
                lambda: iam.role(
                    "OrganizationAccountAccessRole",
                    doc(trust({"AWS": f"arn:aws:iam::{self.org.mgmt.id}:root"})),
                    attached=[iam.aws("AdministratorAccess")],
                )
            )
        out.append(lambda: self.sso("AdministratorAccess", [iam.aws("AdministratorAccess")]))
        if a.kind == "audit":
            out.append(self.scanner)
        elif "scanner" in c:
            out.append(
                lambda: iam.role(
                    "security-audit",
                    doc(trust({"AWS": c["scanner"]})),
                    attached=[iam.aws("SecurityAudit"), iam.aws("ReadOnlyAccess")],
                    tags={"owner": "security"},
                )
            )
        out.append(lambda: self.sso("ReadOnlyAccess", [iam.aws("ReadOnlyAccess")]))
        if a.kind == "shared-services":
            out.append(self.ci_central)
        elif a.kind == "workload" and "ci" in c:
            out.append(
                lambda: iam.role(
                    "cicd-deploy",
                    doc(trust({"AWS": c["ci"]})),
                    attached=[self.deploy_policy()],
                    boundary=self.deploy_boundary(),
                    tags={"owner": "platform", "managed-by": "terraform"},
                )
            )
        if a.kind == "management":
            out.append(
                lambda: iam.role(
                    "AWSServiceRoleForOrganizations",
                    doc(trust({"Service": "organizations.amazonaws.com"})),
                    attached=[iam.aws("AWSOrganizationsServiceTrustPolicy")],
                    path="/aws-service-role/organizations.amazonaws.com/",
                )
            )
        out.append(
            lambda: iam.role(
                "AWSServiceRoleForTrustedAdvisor",
                doc(trust({"Service": "trustedadvisor.amazonaws.com"})),
                attached=[iam.aws("AWSTrustedAdvisorServiceRolePolicy")],
                path="/aws-service-role/trustedadvisor.amazonaws.com/",
            )
        )
        return out

    def scanner(self) -> str:
        iam = self.iam
        return iam.role(
            "security-scanner",
            service_trust(
                "ecs-tasks.amazonaws.com", {"StringEquals": {"aws:SourceAccount": iam.id}}
            ),
            attached=[iam.aws("SecurityAudit"), self.logging_policy()],
            inline={
                "assume-audit-roles": doc(
                    allow(
                        "sts:AssumeRole",
                        "arn:aws:iam::*:role/security-audit",
                        sid="AssumeAuditRoles",
                    )
                )
            },
            tags={"owner": "security"},
        )

    def ci_central(self) -> str:
        iam = self.iam
        return iam.role(
            "github-actions-central",
            github_trust(
                iam.id,
                [
                    "repo:acme-corp/infrastructure:ref:refs/heads/main",
                    "repo:acme-corp/infrastructure:environment:*",
                ],
            ),
            inline={
                "assume-deploy-roles": doc(
                    allow(
                        "sts:AssumeRole", "arn:aws:iam::*:role/cicd-deploy", sid="AssumeDeployRoles"
                    )
                )
            },
            attached=[iam.aws("ReadOnlyAccess")],
            tags={"owner": "platform"},
        )

    def sso(self, permission_set: str, attached: list[dict], inline: dict | None = None) -> str:
        return self.iam.role(
            f"AWSReservedSSO_{permission_set}_{_hex(self.rng, 16)}",
            sso_trust(self.iam.id, self.sso_provider),
            attached=attached,
            inline=inline,
            path=f"/aws-reserved/sso.amazonaws.com/{self.sso_region}/",
        )

    # ---- the usual mix ------------------------------------------------------------------------
    def filler(self) -> str:
        a, rng = self.iam.account, self.rng
        choices: list[tuple[float, Callable[[], str]]] = [
            (0.20, self.lambda_role),
            (0.12, self.task_role),
            (0.06, self.task_exec_role),
            (0.08, self.ec2_role),
            (0.03, self.glue_role),
            (0.06, self.sso_role),
            (0.10, self.developer),
            (0.03, self.reader),
            (0.05, self.service_user),
            (0.02, self.third_party),
        ]
        if a.kind == "workload":
            choices.append((0.09, self.github_deploy))
        if a.kind == "management":  # few workloads there
            choices = [
                (w * (0.3 if f in (self.lambda_role, self.task_role, self.ec2_role) else 1), f)
                for w, f in choices
            ]
        total = sum(w for w, _ in choices)
        r = rng.random() * total
        for w, f in choices:
            r -= w
            if r <= 0:
                return f()
        return choices[-1][1]()

    def lambda_role(self) -> str:
        iam, app = self.iam, self.app_name()
        name = f"{app}-{self.rng.choice(COMPONENTS)}-lambda"
        boundary = self.workload_boundary() if self.rng.random() < 0.25 else None
        arn = iam.role(
            name,
            service_trust("lambda.amazonaws.com"),
            attached=[
                iam.aws("AWSLambdaBasicExecutionRole"),
                self.app_policy(app),
                self.logging_policy(),
            ],
            boundary=boundary,
            tags={"app": app, "env": self.env},
        )
        if self.rng.random() < 0.4:
            fn = iam.roles[arn.rsplit("/", 1)[1]]["RoleName"].removesuffix("-lambda")
            region = self.rng.choice(REGIONS)
            iam.functions.append(
                {
                    "FunctionName": fn,
                    "FunctionArn": f"arn:aws:lambda:{region}:{iam.id}:function:{fn}",
                    "Runtime": self.rng.choice(("python3.12", "nodejs20.x", "java21")),
                    "Role": arn,
                    "Handler": "app.handler",
                    "CodeSize": self.rng.randint(2000, 9000000),
                    "Timeout": self.rng.choice((30, 60, 300, 900)),
                    "MemorySize": self.rng.choice((128, 256, 512, 1024)),
                    "LastModified": _recent(self.rng, 200).replace("+00:00", ".000+0000"),
                    "Version": "$LATEST",
                    "PackageType": "Zip",
                    "Architectures": [self.rng.choice(("arm64", "x86_64"))],
                }
            )
        return arn

    def task_role(self) -> str:
        iam, app = self.iam, self.app_name()
        inline = None
        if self.rng.random() < 0.3:
            inline = {
                "events": doc(
                    allow("events:PutEvents", f"arn:aws:events:*:{iam.id}:event-bus/{app}")
                )
            }
        return iam.role(
            f"{app}-{self.rng.choice(COMPONENTS)}-task",
            service_trust(
                "ecs-tasks.amazonaws.com", {"StringEquals": {"aws:SourceAccount": iam.id}}
            ),
            attached=[self.app_policy(app), self.logging_policy()],
            inline=inline,
            boundary=self.workload_boundary() if self.rng.random() < 0.3 else None,
            tags={"app": app, "env": self.env},
        )

    def task_exec_role(self) -> str:
        iam, app = self.iam, self.app_name()
        return iam.role(
            f"{app}-task-execution",
            service_trust("ecs-tasks.amazonaws.com"),
            attached=[iam.aws("AmazonECSTaskExecutionRolePolicy")],
            inline={
                "read-secrets": doc(
                    allow(
                        ["secretsmanager:GetSecretValue", "ssm:GetParameters"],
                        [
                            f"arn:aws:secretsmanager:*:{iam.id}:secret:{app}/*",
                            f"arn:aws:ssm:*:{iam.id}:parameter/{app}/*",
                        ],
                    )
                )
            },
            tags={"app": app},
        )

    def ec2_role(self) -> str:
        iam, app = self.iam, self.app_name()
        arn = iam.role(
            f"{app}-ec2",
            service_trust("ec2.amazonaws.com"),
            attached=[
                iam.aws("AmazonSSMManagedInstanceCore"),
                iam.aws("AmazonS3ReadOnlyAccess"),
                self.logging_policy(),
            ],
            profile=True,
            tags={"app": app, "env": self.env},
        )
        if self.rng.random() < 0.5:
            role = iam.roles[arn.rsplit("/", 1)[1]]
            region = self.rng.choice(REGIONS)
            iid = "i-0" + _hex(self.rng, 16)
            iam.instances.append(
                {
                    "Groups": [],
                    "Instances": [
                        {
                            "InstanceId": iid,
                            "InstanceType": self.rng.choice(
                                ("t3.medium", "m6i.large", "c7g.xlarge")
                            ),
                            "ImageId": "ami-0" + _hex(self.rng, 16),
                            "LaunchTime": _recent(self.rng, 120),
                            "Placement": {"AvailabilityZone": region + self.rng.choice("abc")},
                            "State": {"Code": 16, "Name": "running"},
                            "IamInstanceProfile": {
                                "Arn": role["InstanceProfileList"][0]["Arn"],
                                "Id": role["InstanceProfileList"][0]["InstanceProfileId"],
                            },
                            "Tags": [{"Key": "Name", "Value": f"{app}-{iid[-4:]}"}],
                        }
                    ],
                    "OwnerId": iam.id,
                    "ReservationId": "r-0" + _hex(self.rng, 16),
                }
            )
        return arn

    def glue_role(self) -> str:
        iam, app = self.iam, self.app_name()
        return iam.role(
            f"{app}-glue-job",
            service_trust("glue.amazonaws.com"),
            attached=[iam.aws("AWSGlueServiceRole"), self.app_policy(app)],
            tags={"app": app},
        )

    def sso_role(self) -> str:
        if not self.sso_left:
            return self.lambda_role()
        name = self.sso_left.pop(0)
        iam = self.iam
        if name == "PowerUserAccess":
            return self.sso(name, [iam.aws("PowerUserAccess")])
        if name == "Billing":
            return self.sso(name, [iam.aws("Billing")])
        if name == "SecurityAudit":
            return self.sso(name, [iam.aws("SecurityAudit")])
        if name == "ReadOnlyAccess-Auditors":
            return self.sso("AuditorsReadOnly", [iam.aws("ReadOnlyAccess")])
        if name == "DataEngineer":
            inline = {
                "AwsSSOInlinePolicy": doc(
                    allow(
                        [
                            "athena:*",
                            "glue:Get*",
                            "glue:List*",
                            "glue:StartJobRun",
                            "glue:BatchGet*",
                        ],
                        sid="Analytics",
                    ),
                    allow(
                        ["s3:GetObject", "s3:ListBucket"],
                        [f"arn:aws:s3:::acme-{self.env}-*", f"arn:aws:s3:::acme-{self.env}-*/*"],
                        sid="ReadData",
                    ),
                )
            }
            return self.sso(name, [iam.aws("AmazonS3ReadOnlyAccess")], inline)
        if name == "Developer":
            return self.sso(name, [self.developer_policy(), iam.aws("ReadOnlyAccess")])
        inline = {
            "AwsSSOInlinePolicy": doc(
                allow(["support:*", "health:*", "trustedadvisor:Describe*"], sid="Support")
            )
        }
        return self.sso(name, [iam.aws("ReadOnlyAccess")], inline)

    def github_deploy(self) -> str:
        iam, app = self.iam, self.app_name()
        branch = "environment:production" if self.env == "prod" else "ref:refs/heads/main"
        return iam.role(
            f"gha-deploy-{app}",
            github_trust(
                iam.id,
                [f"repo:acme-corp/{app}:{branch}", f"repo:acme-corp/{app}:pull_request"]
                if self.env == "dev"
                else [f"repo:acme-corp/{app}:{branch}"],
            ),
            attached=[self.deploy_policy()],
            boundary=self.deploy_boundary(),
            tags={"app": app, "managed-by": "terraform"},
        )

    def developer(self) -> str:
        iam = self.iam
        if iam.account.kind == "management":
            group = iam.group("Auditors", [iam.aws("SecurityAudit"), iam.aws("ReadOnlyAccess")])
        elif self.rng.random() < 0.08:
            group = self.admins_group()
        else:
            group = iam.group(
                "Developers", [self.developer_policy(), iam.aws("AmazonS3ReadOnlyAccess")]
            )
        keys = 1 if self.rng.random() < 0.2 else 0
        return iam.user(
            self.person(),
            groups=[group],
            keys=keys,
            mfa=self.rng.random() < 0.95,
            tags={"team": self.rng.choice(("platform", "payments", "data", "web", "mobile"))},
        )

    def reader(self) -> str:
        iam = self.iam
        group = iam.group("ReadOnly", [iam.aws("ReadOnlyAccess")])
        return iam.user(self.person(), groups=[group], tags={"team": "support"})

    def service_user(self) -> str:
        iam, app = self.iam, self.app_name()
        inline = {
            f"{app}-upload": doc(
                allow(
                    ["s3:PutObject", "s3:GetObject"],
                    f"arn:aws:s3:::{self.bucket(app)}/incoming/*",
                    sid="Upload",
                ),
                allow("s3:ListBucket", f"arn:aws:s3:::{self.bucket(app)}", sid="List"),
            )
        }
        return iam.user(
            f"svc-{app}",
            inline=inline,
            password=False,
            mfa=False,
            keys=1,
            tags={"owner": app, "kind": "service"},
        )

    def third_party(self) -> str:
        iam = self.iam
        name, account = self.rng.choice(THIRD_PARTIES)
        return iam.role(
            name,
            doc(
                trust(
                    {"AWS": f"arn:aws:iam::{account}:root"},
                    condition={"StringEquals": {"sts:ExternalId": _hex(self.rng, 32)}},
                )
            ),
            attached=[iam.aws("SecurityAudit")],
            tags={"vendor": name.split("-")[0]},
        )


# --------------------------------------------------------------------------------------------
# planted escalation paths: each from a principal with no other way up


@dataclass(frozen=True)
class Plant:
    kind: str
    method: str
    cost: int  # principals it adds to its account (source, and a target when it makes one)
    build: Callable[[Builder, int, dict[str, Account]], Planted]


def _passrole_lambda(b: Builder, n: int, ctx) -> Planted:
    iam = b.iam
    target = iam.role(
        f"ops-automation-admin-{n}",
        service_trust("lambda.amazonaws.com"),
        attached=[iam.aws("AdministratorAccess")],
        tags={"owner": "ops"},
    )
    source = iam.user(
        f"legacy-deployer-{n}",
        inline={
            "deploy-functions": doc(
                allow(
                    ["lambda:CreateFunction", "lambda:InvokeFunction", "lambda:GetFunction"],
                    f"arn:aws:lambda:*:{iam.id}:function:*",
                    sid="Functions",
                ),
                allow(
                    "iam:PassRole",
                    target,
                    {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}},
                    sid="PassOpsRole",
                ),
            )
        },
        password=False,
        mfa=False,
        keys=1,
        tags={"owner": "ops", "status": "legacy"},
    )
    return Planted(
        source,
        target,
        "PassRole+lambda:CreateFunction+InvokeFunction",
        "passrole-lambda",
        "a user may create a Lambda function that runs as an admin role and invoke it",
    )


def _passrole_ec2(b: Builder, n: int, ctx) -> Planted:
    iam = b.iam
    target = iam.role(
        f"fleet-admin-{n}",
        service_trust("ec2.amazonaws.com"),
        attached=[iam.aws("AdministratorAccess")],
        profile=True,
        tags={"owner": "ops"},
    )
    source = iam.role(
        f"build-agent-{n}",
        service_trust("codebuild.amazonaws.com"),
        attached=[b.logging_policy()],
        inline={
            "launch-fleet": doc(
                allow(["ec2:RunInstances", "ec2:CreateTags", "ec2:Describe*"], "*", sid="Launch"),
                allow(
                    "iam:PassRole",
                    target,
                    {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}},
                    sid="PassFleetRole",
                ),
            )
        },
        tags={"owner": "ci"},
    )
    return Planted(
        source,
        target,
        "PassRole+ec2:RunInstances",
        "passrole-ec2",
        "a role may launch an instance with an admin role's instance profile",
    )


def _create_policy_version(b: Builder, n: int, ctx) -> Planted:
    iam = b.iam
    arn = iam.arn("policy", f"team-automation-{n}")
    body = [
        allow(["s3:GetObject", "s3:ListBucket"], "*", sid="Read"),
        allow(
            [
                "iam:GetPolicy",
                "iam:GetPolicyVersion",
                "iam:ListPolicyVersions",
                "iam:CreatePolicyVersion",
                "iam:DeletePolicyVersion",
            ],
            arn,
            sid="SelfManage",
        ),
    ]
    policy = iam.policy(
        f"team-automation-{n}",
        [doc(body[0]), doc(*body)],
        description="Automation that maintains its own policy",
    )
    source = iam.role(
        f"team-automation-{n}",
        service_trust("lambda.amazonaws.com"),
        attached=[policy, iam.aws("AWSLambdaBasicExecutionRole")],
        tags={"owner": "data"},
    )
    return Planted(
        source,
        "admin",
        "CreatePolicyVersion",
        "create-policy-version",
        "a role may write a new default version of its own customer managed policy",
    )


def _attach_self(b: Builder, n: int, ctx) -> Planted:
    iam = b.iam
    name = iam.unique(f"cost-optimizer-{n}")
    iam.names.discard(name)
    arn = iam.arn("role", name)
    source = iam.role(
        name,
        service_trust("lambda.amazonaws.com"),
        attached=[iam.aws("AWSLambdaBasicExecutionRole")],
        inline={
            "rightsizing": doc(
                allow(["ec2:Describe*", "ce:Get*", "cloudwatch:GetMetricData"], sid="Read"),
                allow(["iam:AttachRolePolicy", "iam:DetachRolePolicy"], arn, sid="SelfAttach"),
            )
        },
        tags={"owner": "finops"},
    )
    return Planted(
        source,
        "admin",
        "AttachRolePolicy",
        "attach-role-policy",
        "a role may attach any managed policy to itself",
    )


def _update_trust(b: Builder, n: int, ctx) -> Planted:
    iam = b.iam
    target = iam.arn("role", iam.account.admin_role)
    source = iam.role(
        f"access-reviewer-{n}",
        service_trust("lambda.amazonaws.com"),
        attached=[iam.aws("AWSLambdaBasicExecutionRole")],
        inline={
            "review-trusts": doc(
                allow(["iam:GetRole", "iam:ListRoles"], sid="Read"),
                allow("iam:UpdateAssumeRolePolicy", target, sid="FixTrust"),
            )
        },
        tags={"owner": "security"},
    )
    return Planted(
        source,
        target,
        "UpdateAssumeRolePolicy",
        "update-assume-role-policy",
        "a role may rewrite the trust policy of an admin role, then assume it",
    )


def _cross_account(b: Builder, n: int, ctx) -> Planted:
    iam = b.iam
    other: Account = ctx["cross"](iam.account)
    target = f"arn:aws:iam::{other.id}:role/{other.admin_role}"
    source = iam.role(
        f"data-migration-{n}",
        service_trust("ecs-tasks.amazonaws.com", {"StringEquals": {"aws:SourceAccount": iam.id}}),
        attached=[b.logging_policy()],
        inline={
            "migrate": doc(
                allow(["s3:GetObject", "s3:ListBucket"], "*", sid="Read"),
                allow("sts:AssumeRole", target, sid="AssumeTargetAccount"),
            )
        },
        tags={"owner": "data", "ticket": f"MIG-{100 + n}"},
    )
    ctx["extra_trust"].setdefault(other.id, []).append(source)
    return Planted(
        source,
        target,
        "AssumeRole",
        "cross-account-assume-role",
        f"a role may assume {other.admin_role} in {other.id}, whose trust names it",
    )


def _delete_boundary(b: Builder, n: int, ctx) -> Planted:
    iam = b.iam
    boundary = iam.policy(
        "bootstrap-boundary",
        [
            doc(
                allow(
                    [
                        "s3:*",
                        "cloudformation:*",
                        "logs:*",
                        "ec2:Describe*",
                        "iam:Get*",
                        "iam:List*",
                        "iam:DeleteRolePermissionsBoundary",
                    ],
                    sid="Bootstrap",
                )
            )
        ],
        description="Boundary of the account bootstrap roles",
    )
    source = iam.role(
        f"account-bootstrap-{n}",
        service_trust("cloudformation.amazonaws.com"),
        attached=[iam.aws("AdministratorAccess")],
        boundary=boundary["PolicyArn"],
        tags={"owner": "platform"},
    )
    return Planted(
        source,
        "admin",
        "DeleteRolePermissionsBoundary",
        "delete-role-boundary",
        "an admin-policy role held back only by a boundary that lets it delete its boundary",
    )


def _add_to_admins(b: Builder, n: int, ctx) -> Planted:
    iam = b.iam
    group = iam.arn("group", b.admins_group())
    source = iam.user(
        f"helpdesk-{n}",
        groups=[iam.group("Helpdesk", [iam.aws("ReadOnlyAccess")])],
        inline={
            "onboarding": doc(
                allow(
                    ["iam:AddUserToGroup", "iam:RemoveUserFromGroup", "iam:GetGroup"],
                    group,
                    sid="Onboarding",
                )
            )
        },
        tags={"team": "it"},
    )
    return Planted(
        source,
        "admin",
        "AddUserToGroup",
        "add-user-to-group",
        "a user may add itself to the Admins group",
    )


def _create_access_key(b: Builder, n: int, ctx) -> Planted:
    iam = b.iam
    target = iam.user(
        f"svc-terraform-admin-{n}",
        attached=[iam.aws("AdministratorAccess")],
        password=False,
        mfa=False,
        keys=1,
        tags={"owner": "platform", "kind": "service"},
    )
    source = iam.user(
        f"key-rotation-bot-{n}",
        inline={
            "rotate-keys": doc(
                allow(
                    [
                        "iam:CreateAccessKey",
                        "iam:DeleteAccessKey",
                        "iam:ListAccessKeys",
                        "iam:UpdateAccessKey",
                    ],
                    iam.arn("user", "svc-*"),
                    sid="RotateServiceKeys",
                )
            )
        },
        password=False,
        mfa=False,
        keys=1,
        tags={"owner": "platform", "kind": "service"},
    )
    return Planted(
        source,
        target,
        "CreateAccessKey",
        "create-access-key",
        "a user may create access keys for an admin service user",
    )


def _set_default_version(b: Builder, n: int, ctx) -> Planted:
    iam = b.iam
    arn = iam.arn("policy", f"legacy-ops-{n}")
    v1 = doc(allow("*", sid="Everything"))
    v2 = doc(
        allow(["ec2:*", "s3:*", "logs:*"], sid="Ops"),
        allow(["iam:Get*", "iam:List*", "iam:SetDefaultPolicyVersion"], arn, sid="Versions"),
    )
    v3 = doc(
        allow(["ec2:Describe*", "s3:Get*", "s3:List*", "logs:*"], sid="Ops"),
        allow(
            ["iam:GetPolicy*", "iam:ListPolicyVersions", "iam:SetDefaultPolicyVersion"],
            arn,
            sid="Versions",
        ),
    )
    policy = iam.policy(
        f"legacy-ops-{n}",
        [v1, v2, v3],
        description="Ops tooling (v1 was the 2020 bootstrap policy)",
    )
    source = iam.role(
        f"ops-tooling-{n}",
        service_trust("ec2.amazonaws.com"),
        attached=[policy],
        profile=True,
        tags={"owner": "ops"},
    )
    return Planted(
        source,
        "admin",
        "SetDefaultPolicyVersion",
        "set-default-policy-version",
        "a role may make an old full-access version of its policy the default",
    )


def _put_user_policy(b: Builder, n: int, ctx) -> Planted:
    iam = b.iam
    name = iam.unique(f"contractor-{n}")
    iam.names.discard(name)
    arn = iam.arn("user", name)
    source = iam.user(
        name,
        groups=[iam.group("ReadOnly", [iam.aws("ReadOnlyAccess")])],
        inline={
            "self-service": doc(
                allow(
                    [
                        "iam:GetUser",
                        "iam:ListUserPolicies",
                        "iam:PutUserPolicy",
                        "iam:DeleteUserPolicy",
                    ],
                    arn,
                    sid="SelfService",
                )
            )
        },
        tags={"team": "contractors"},
    )
    return Planted(
        source,
        "admin",
        "PutUserPolicy",
        "put-user-policy",
        "a user may write an inline policy on itself",
    )


PLANTS = (
    Plant("passrole-lambda", "PassRole+lambda:CreateFunction+InvokeFunction", 2, _passrole_lambda),
    Plant("create-policy-version", "CreatePolicyVersion", 1, _create_policy_version),
    Plant("cross-account-assume-role", "AssumeRole", 1, _cross_account),
    Plant("attach-role-policy", "AttachRolePolicy", 1, _attach_self),
    Plant("update-assume-role-policy", "UpdateAssumeRolePolicy", 1, _update_trust),
    Plant("passrole-ec2", "PassRole+ec2:RunInstances", 2, _passrole_ec2),
    Plant("delete-role-boundary", "DeleteRolePermissionsBoundary", 1, _delete_boundary),
    Plant("add-user-to-group", "AddUserToGroup", 1, _add_to_admins),
    Plant("create-access-key", "CreateAccessKey", 2, _create_access_key),
    Plant("set-default-policy-version", "SetDefaultPolicyVersion", 1, _set_default_version),
    Plant("put-user-policy", "PutUserPolicy", 1, _put_user_policy),
)


def default_plants(per_account: int) -> int:
    return max(2, per_account // 25)


# --------------------------------------------------------------------------------------------
# resources, trails, inventory


def write_account(
    out: Path, org: Org, iam: IAM, facts: list[dict], buckets: list[tuple[str, dict]]
) -> None:
    a = iam.account
    base = out / "accounts" / a.id
    write_json(base / "iam" / "get-account-authorization-details.json", iam.authorization_details())
    (base / "iam" / "credential-report.csv").write_text(iam.credential_report(a.joined))
    write_json(base / "iam" / "get-account-summary.json", iam.summary())
    if a.env == "sandbox":
        facts.append(
            {
                "service": "iam",
                "operation": "GetAccountPasswordPolicy",
                "account": a.id,
                "region": "us-east-1",
                "code": "NoSuchEntity",
            }
        )
    else:
        strict = a.env in ("mgmt", "security", "prod")
        policy = {
            "MinimumPasswordLength": 14 if strict else 12,
            "RequireSymbols": True,
            "RequireNumbers": True,
            "RequireUppercaseCharacters": True,
            "RequireLowercaseCharacters": True,
            "AllowUsersToChangePassword": True,
            "ExpirePasswords": strict,
        }
        if strict:
            policy["MaxPasswordAge"] = 90
        policy["PasswordReusePrevention"] = 24 if strict else 5
        policy["HardExpiry"] = False
        write_json(base / "iam" / "get-account-password-policy.json", {"PasswordPolicy": policy})
    # compute inventory: every kind collected, most of it empty
    write_json(base / "lambda" / "list-functions.json", {"Functions": iam.functions})
    write_json(base / "ec2" / "describe-instances.json", {"Reservations": iam.instances})
    for region in REGIONS:
        nodes = [
            {
                "InstanceId": i["Instances"][0]["InstanceId"],
                "PingStatus": "Online",
                "LastPingDateTime": f"2026-11-20T07:5{k % 10}:00+00:00",
                "AgentVersion": "3.3.987.0",
                "IsLatestVersion": False,
                "PlatformType": "Linux",
                "PlatformName": "Amazon Linux",
                "PlatformVersion": "2023",
                "ResourceType": "EC2Instance",
                "IPAddress": f"10.{k % 250}.{(k * 7) % 250}.{(k * 13) % 250}",
                "ComputerName": f"ip-10-0-{k}.ec2.internal",
            }
            for k, i in enumerate(iam.instances)
            if i["Instances"][0]["Placement"]["AvailabilityZone"].startswith(region)
        ]
        write_json(
            base / "ssm" / "describe-instance-information" / f"{region}.json",
            {"InstanceInformationList": nodes},
        )
    write_json(base / "glue" / "get-dev-endpoints.json", {"DevEndpoints": []})
    write_json(base / "cloudformation" / "describe-stacks.json", {"Stacks": iam.stacks})
    write_json(
        base / "codebuild" / "batch-get-projects.json", {"projects": [], "projectsNotFound": []}
    )
    write_json(base / "sagemaker" / "describe-notebook-instances.json", {"NotebookInstances": []})
    for name, policy in buckets:
        s3 = base / "s3" / name
        write_json(
            s3 / "get-bucket-policy.json", {"Policy": json.dumps(policy, separators=(",", ":"))}
        )
        write_json(
            s3 / "get-bucket-versioning.json", {"Status": "Enabled", "MFADelete": "Disabled"}
        )


def trail_entry(org: Org, bucket: str, key: str | None, topic: str | None) -> dict:
    mgmt = org.mgmt.id
    entry = {
        "Name": ORG_TRAIL,
        "S3BucketName": bucket,
        "S3KeyPrefix": "org",
    }
    if topic:
        entry |= {"SnsTopicName": topic.rsplit(":", 1)[1], "SnsTopicARN": topic}
    entry |= {
        "IncludeGlobalServiceEvents": True,
        "IsMultiRegionTrail": True,
        "HomeRegion": "us-east-1",
        "TrailARN": f"arn:aws:cloudtrail:us-east-1:{mgmt}:trail/{ORG_TRAIL}",
        "LogFileValidationEnabled": True,
    }
    if key:
        entry["KmsKeyId"] = key
    entry |= {
        "HasCustomEventSelectors": False,
        "HasInsightSelectors": False,
        "IsOrganizationTrail": True,
    }
    return entry


def write_trail(out: Path, org: Org, rng: random.Random) -> None:
    mgmt = org.mgmt.id
    archive = org.by_kind("log-archive") or org.mgmt
    trail_arn = f"arn:aws:cloudtrail:us-east-1:{mgmt}:trail/{ORG_TRAIL}"
    bucket = f"acme-org-cloudtrail-{archive.id}"
    key_id = f"{_hex(rng, 8)}-{_hex(rng, 4)}-4{_hex(rng, 3)}-8{_hex(rng, 3)}-{_hex(rng, 12)}"
    key_arn = f"arn:aws:kms:us-east-1:{archive.id}:key/{key_id}"
    topic = f"arn:aws:sns:us-east-1:{mgmt}:org-trail-notifications"
    entry = trail_entry(org, bucket, key_arn, topic)
    for a in org.accounts:
        listed = (
            [entry, entry] if a.kind == "management" else [entry]
        )  # home region and shadow copy
        write_json(
            out / "accounts" / a.id / "cloudtrail" / "describe-trails.json", {"trailList": listed}
        )
    ct = out / "accounts" / mgmt / "cloudtrail"
    write_json(
        ct / "get-trail-status" / f"{ORG_TRAIL}.json",
        {
            "IsLogging": True,
            "LatestDeliveryTime": "2026-11-20T07:57:41+00:00",
            "StartLoggingTime": "2021-06-14T15:02:11+00:00",
            "LatestDigestDeliveryTime": "2026-11-20T07:31:09+00:00",
            "TimeLoggingStarted": "2021-06-14T15:02:11Z",
            "TimeLoggingStopped": "",
        },
    )
    write_json(
        ct / "get-event-selectors" / f"{ORG_TRAIL}.json",
        {
            "TrailARN": trail_arn,
            "EventSelectors": [
                {
                    "ReadWriteType": "All",
                    "IncludeManagementEvents": True,
                    "DataResources": [],
                    "ExcludeManagementEventSources": [],
                }
            ],
        },
    )
    res = [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]
    policy = doc(
        {
            "Sid": "AWSCloudTrailAclCheck",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "s3:GetBucketAcl",
            "Resource": res[0],
            "Condition": {"StringEquals": {"aws:SourceArn": trail_arn}},
        },
        {
            "Sid": "AWSCloudTrailWrite",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": [
                f"arn:aws:s3:::{bucket}/org/AWSLogs/{mgmt}/*",
                f"arn:aws:s3:::{bucket}/org/AWSLogs/{org.id}/*",
            ],
            "Condition": {
                "StringEquals": {
                    "s3:x-amz-acl": "bucket-owner-full-control",
                    "aws:SourceArn": trail_arn,
                }
            },
        },
        {
            "Sid": "DenyLogTampering",
            "Effect": "Deny",
            "Principal": "*",
            "Action": [
                "s3:DeleteObject",
                "s3:DeleteBucket",
                "s3:PutBucketPolicy",
                "s3:PutLifecycleConfiguration",
            ],
            "Resource": res,
            "Condition": {
                "ArnNotLike": {
                    "aws:PrincipalArn": f"arn:aws:iam::{archive.id}:role/{archive.admin_role}"
                }
            },
        },
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": res,
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
    )
    s3 = out / "accounts" / archive.id / "s3" / bucket
    write_json(s3 / "get-bucket-policy.json", {"Policy": json.dumps(policy, separators=(",", ":"))})
    write_json(s3 / "get-bucket-versioning.json", {"Status": "Enabled", "MFADelete": "Disabled"})
    write_json(
        s3 / "get-bucket-lifecycle-configuration.json",
        {
            "Rules": [
                {
                    "ID": "archive-then-expire-trail-logs",
                    "Filter": {"Prefix": ""},
                    "Status": "Enabled",
                    "Transitions": [{"Days": 90, "StorageClass": "GLACIER"}],
                    "Expiration": {"Days": 2555},
                    "NoncurrentVersionExpiration": {"NoncurrentDays": 365},
                }
            ]
        },
    )
    key_policy = doc(
        {
            "Sid": "EnableRootAccountAdministration",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{archive.id}:root"},
            "Action": "kms:*",
            "Resource": "*",
        },
        {
            "Sid": "AllowCloudTrailToEncryptLogs",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "kms:GenerateDataKey*",
            "Resource": "*",
            "Condition": {
                "StringLike": {
                    "kms:EncryptionContext:aws:cloudtrail:arn": f"arn:aws:cloudtrail:*:{mgmt}:trail/*"
                },
                "StringEquals": {"aws:SourceArn": trail_arn},
            },
        },
        {
            "Sid": "AllowCloudTrailToDescribeKey",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "kms:DescribeKey",
            "Resource": "*",
        },
    )
    write_json(
        out / "accounts" / archive.id / "kms" / key_id / "get-key-policy.json",
        {"Policy": json.dumps(key_policy, indent=2), "PolicyName": "default"},
    )
    topic_policy = {
        "Version": "2008-10-17",
        "Id": "__default_policy_ID",
        "Statement": [
            {
                "Sid": "__default_statement_ID",
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": [
                    "SNS:GetTopicAttributes",
                    "SNS:SetTopicAttributes",
                    "SNS:AddPermission",
                    "SNS:RemovePermission",
                    "SNS:DeleteTopic",
                    "SNS:Subscribe",
                    "SNS:ListSubscriptionsByTopic",
                    "SNS:Publish",
                ],
                "Resource": topic,
                "Condition": {"StringEquals": {"AWS:SourceOwner": mgmt}},
            },
            {
                "Sid": "AWSCloudTrailSNSPolicy",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "SNS:Publish",
                "Resource": topic,
                "Condition": {"StringEquals": {"aws:SourceArn": trail_arn}},
            },
        ],
    }
    write_json(
        out / "accounts" / mgmt / "sns" / "org-trail-notifications" / "get-topic-attributes.json",
        {
            "Attributes": {
                "Policy": json.dumps(topic_policy, separators=(",", ":")),
                "Owner": mgmt,
                "SubscriptionsPending": "0",
                "TopicArn": topic,
                "SubscriptionsConfirmed": "1",
                "DisplayName": "",
                "SubscriptionsDeleted": "0",
            }
        },
    )


def data_bucket_policy(bucket: str, readers: list[str]) -> dict:
    res = [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]
    statements = [
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": res,
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    ]
    if readers:
        statements.append(
            {
                "Sid": "AppReaders",
                "Effect": "Allow",
                "Principal": {"AWS": readers},
                "Action": ["s3:GetObject", "s3:ListBucket"],
                "Resource": res,
            }
        )
    return doc(*statements)


# --------------------------------------------------------------------------------------------
# the whole organization


def generate(
    out: Path,
    accounts: int,
    per_account: int,
    seed: int,
    plants: int | None = None,
    builtin: bool = False,
) -> dict:
    """Write the snapshot and OUT/planted.json; returns what planted.json holds."""
    if accounts < 1 or per_account < 4:
        raise ValueError("need at least 1 account and 4 principals per account")
    rng = random.Random(seed)
    managed, source = managed_documents(builtin, rng)
    org = make_org(accounts, rng)
    per_plants = default_plants(per_account) if plants is None else plants
    central: dict[str, str] = {}
    audit, ci = org.by_kind("audit"), org.by_kind("shared-services")
    if audit:
        central["scanner"] = f"arn:aws:iam::{audit.id}:role/security-scanner"
    if ci:
        central["ci"] = f"arn:aws:iam::{ci.id}:role/github-actions-central"
    workloads = [a for a in org.accounts if a.kind == "workload"]

    def cross(a: Account) -> Account:
        """Another account, a workload one when there is one (its admin role is the target)."""
        pool = (
            [w for w in workloads if w.id != a.id]
            or [o for o in org.accounts if o.id != a.id]
            or [a]
        )
        return pool[(a.index * 7 + 3) % len(pool)]

    ctx = {"cross": cross, "extra_trust": {}}
    planted: list[Planted] = []
    iams: list[IAM] = []
    counter = 0
    for a in org.accounts:
        iam = IAM(a, random.Random(f"{seed}/{a.id}"), managed)
        b = Builder(iam, org, central)
        core = b.core()
        chosen: list[Plant] = []
        for _ in range(per_plants):
            chosen.append(PLANTS[counter % len(PLANTS)])
            counter += 1
        while chosen and len(core[:1]) + sum(p.cost for p in chosen) > per_account:
            chosen.pop()
        room = per_account - sum(p.cost for p in chosen)
        for make in core[: max(1, room)]:
            make()
        for i, p in enumerate(chosen):
            planted.append(p.build(b, a.index * 100 + i + 1, ctx))
        while len(iam.users) + len(iam.roles) < per_account:
            b.filler()
        extra = len(iam.users) + len(iam.roles) - per_account
        assert extra == 0, f"{a.id}: {extra} principals too many"
        if rng.random() < 0.5 and iam.functions:
            app = iam.functions[0]["FunctionName"]
            iam.stacks.append(
                {
                    "StackId": f"arn:aws:cloudformation:us-east-1:{a.id}:stack/{app}/{_hex(rng, 8)}-{_hex(rng, 4)}-{_hex(rng, 4)}-{_hex(rng, 4)}-{_hex(rng, 12)}",
                    "StackName": app,
                    "CreationTime": _date(rng, 2023, 2026),
                    "StackStatus": "UPDATE_COMPLETE",
                    "DisableRollback": False,
                    "Tags": [],
                }
            )
        iams.append(iam)
    for iam in iams:  # cross-account plants: the target's trust names the source
        for trusted in ctx["extra_trust"].get(iam.id, []):
            role = iam.roles[iam.account.admin_role]
            role["AssumeRolePolicyDocument"]["Statement"].append(
                {
                    "Sid": "LegacyMigrationAccess",
                    "Effect": "Allow",
                    "Principal": {"AWS": trusted},
                    "Action": "sts:AssumeRole",
                }
            )

    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    write_organization(out, org)
    facts: list[dict] = []
    probe_bucket = None
    for iam in iams:
        buckets = []
        app_roles: dict[str, list[str]] = {}
        for r in iam.roles.values():
            tags = {t["Key"]: t["Value"] for t in r.get("Tags", [])}
            if "app" in tags and r["RoleName"].endswith(("-lambda", "-task")):
                app_roles.setdefault(tags["app"], []).append(r["Arn"])
        for app in sorted(app_roles)[:2]:
            name = f"acme-{iam.account.env}-{app}-data-{iam.id}"
            buckets.append((name, data_bucket_policy(name, app_roles[app][:3])))
            if probe_bucket is None and iam.account.kind == "workload":
                probe_bucket = name
        if probe_bucket is None and buckets and iam is iams[-1]:
            probe_bucket = buckets[0][0]
        write_account(out, org, iam, facts, buckets)
    write_trail(out, org, rng)
    write_json(
        out / "snapshot.json",
        {
            "collected_at": COLLECTED_AT,
            "tool": "iamgraph-synth/1 (bench/synth.py)",
            "partitions": ["aws"],
            "facts": facts,
        },
    )
    tamper = next(pid for pid, v in org.scps.items() if v[0] == "deny-cloudtrail-tamper")
    archive = org.by_kind("log-archive") or org.mgmt
    result = {
        "generator": {
            "accounts": accounts,
            "principals_per_account": per_account,
            "seed": seed,
            "plants_per_account": per_plants,
            "aws_managed_policies": source,
        },
        "principals": sum(len(i.users) + len(i.roles) for i in iams),
        "paths": [p.__dict__ for p in planted],
        "probes": {
            "who_can": {
                "action": "s3:GetObject",
                "resource": f"arn:aws:s3:::{probe_bucket or f'acme-org-cloudtrail-{archive.id}'}/*",
            },
            "scp_change": {
                "policy_id": tamper,
                "file": f"organization/describe-policy/{tamper}.json",
                "change": "deny-cloudtrail-tamper: the ArnNotLike exemption also names the AWSReservedSSO_AdministratorAccess_* roles",
            },
        },
    }
    (out / "planted.json").write_text(json.dumps(result, indent=2) + "\n")
    return result


def change_one_scp_statement(snapshot: Path) -> str:
    """Edit, in place, the one SCP statement planted.json's `scp_change` names (used by
    bench/scale.py on a copy of the snapshot). Returns what changed."""
    meta = json.loads((snapshot / "planted.json").read_text())["probes"]["scp_change"]
    path = snapshot / meta["file"]
    data = json.loads(path.read_text())
    content = json.loads(data["Policy"]["Content"])
    cond = content["Statement"][0]["Condition"]["ArnNotLike"]
    cond["aws:PrincipalArn"].append(
        "arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_AdministratorAccess_*"
    )
    data["Policy"]["Content"] = json.dumps(content, indent=2)
    write_json(path, data)
    return meta["change"]


def size_of(folder: Path) -> tuple[int, int]:
    files = [p for p in folder.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--accounts",
        type=int,
        required=True,
        help="accounts in the organization (the first is the management account)",
    )
    ap.add_argument(
        "--principals-per-account",
        type=int,
        required=True,
        help="users and roles per account (at least 4)",
    )
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--plants",
        type=int,
        default=None,
        help="escalation paths planted per account (default: max(2, principals-per-account // 25))",
    )
    ap.add_argument(
        "--builtin-managed",
        action="store_true",
        help="use the small built-in AWS managed policies even when ../shared/data has the real ones",
    )
    ap.add_argument("out", type=Path, help="snapshot folder to write (replaced if it exists)")
    args = ap.parse_args(argv)
    if args.out.exists() and any(args.out.iterdir()) and not (args.out / "planted.json").exists():
        print(
            f"synth: {args.out} exists and is not a synthetic snapshot; refusing to replace it",
            file=sys.stderr,
        )
        return 2
    t = time.perf_counter()
    try:
        result = generate(
            args.out,
            args.accounts,
            args.principals_per_account,
            args.seed,
            args.plants,
            args.builtin_managed,
        )
    except ValueError as exc:
        print(f"synth: {exc}", file=sys.stderr)
        return 2
    secs = time.perf_counter() - t
    files, size = size_of(args.out)
    print(
        f"{args.out}: {args.accounts} accounts, {result['principals']} principals, "
        f"{len(result['paths'])} planted paths, {files} files, {size / 1e6:.1f} MB, "
        f"written in {secs:.1f} s (AWS managed policies: {result['generator']['aws_managed_policies']})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
