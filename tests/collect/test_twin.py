"""Issue 8's "done when": an organization built in moto and taken with `iamgraph collect` loads and
analyses exactly like the same organization written by hand (fixtures/collect-twin).

The moto organization is built from the hand-written files themselves (`build`), so the two
cannot drift. Both snapshots are then loaded and compared: the whole loaded model (`plain`), each
principal's layers, the SCP chain of each account, `summary`, `lint`, privilege escalation and
`can`/`who-can` answers, and `iamgraph summary` as printed. What moto cannot reproduce is named,
with the reason, where it is handled: the hooks under "what moto cannot do" fill it in while
building or collecting, and `normalise` (with `MOTO_CANNOT`) blanks or rewrites it before
comparing. Nothing else is left out but where a fact was read (folder, file, line, JSON
pointer), which differs by construction.
"""

from __future__ import annotations

import csv
import json
import shutil
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, fields, is_dataclass, replace
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any, ClassVar

import pytest

moto = pytest.importorskip("moto")

import boto3  # noqa: E402
import botocore.session  # noqa: E402
import moto.organizations.utils as moto_ids  # noqa: E402
from moto.organizations.models import organizations_backends  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from iamgraph.cli.app import app  # noqa: E402
from iamgraph.collect.options import CollectOptions  # noqa: E402
from iamgraph.collect.run import CollectResult, collect  # noqa: E402
from iamgraph.collect.sessions import shared_loader  # noqa: E402
from iamgraph.graph.admin import layers  # noqa: E402
from iamgraph.graph.build import Hop  # noqa: E402
from iamgraph.graph.paths import modes_filter, privesc  # noqa: E402
from iamgraph.load.snapshot import load_snapshot  # noqa: E402
from iamgraph.model.cloudtrail import TrailStatus  # noqa: E402
from iamgraph.model.credentials import (  # noqa: E402
    AccessKey,
    AccountSummary,
    CredentialReport,
    CredentialRow,
    PasswordPolicy,
)
from iamgraph.model.organization import SCP, Account, OrgPolicy  # noqa: E402
from iamgraph.model.principals import Group, InstanceProfile, ManagedPolicy, Role, User  # noqa: E402
from iamgraph.model.snapshot import Snapshot  # noqa: E402
from iamgraph.premerge.lint import lint_paths  # noqa: E402
from iamgraph.query import reach as query  # noqa: E402
from iamgraph.query.answer import graph_for  # noqa: E402
from iamgraph.query.summary import summarize  # noqa: E402
from tests.conftest import FIXTURES  # noqa: E402

TWIN = FIXTURES / "collect-twin"
MGMT, PROD, SANDBOX = "731902845617", "268415970352", "590627183449"
REGION = "us-east-1"
REGIONS = (REGION, "eu-west-1")
ROOT_ROW = "<root_account>"
TRAIL = f"arn:aws:cloudtrail:us-east-1:{MGMT}:trail/northwind-trail"
CI_BOT = f"arn:aws:iam::{MGMT}:user/ci-bot"
ALICE = f"arn:aws:iam::{MGMT}:user/alice.nguyen"
TIMEOUT_MS = 10_000


def read(rel: str) -> Any:
    return json.loads((TWIN / rel).read_text(encoding="utf-8"))


def doc(value: dict) -> str:
    return json.dumps(value)


# -- what moto cannot do: filled in while building and collecting --------------------------


@dataclass(frozen=True)
class Pins:
    """moto draws organization, root, OU, account and policy ids at random, where AWS assigned
    the fixture's when the organization was made. Each creation first queues the fixture's id,
    and moto's generator hands it out, so no id is rewritten afterwards (the builder checks
    every id it gets). An empty queue falls back to moto's own draw: moto draws an account id
    for the management account too, then overwrites it."""

    queues: dict[str, deque[str]]

    @staticmethod
    def install(mp: pytest.MonkeyPatch) -> Pins:
        pins = Pins({k: deque() for k in ("org", "root", "ou", "account", "policy")})
        for kind, name in (
            ("org", "make_random_org_id"),
            ("root", "make_random_root_id"),
            ("ou", "make_random_ou_id"),
            ("account", "make_random_account_id"),
            ("policy", "make_random_policy_id"),
        ):
            mp.setattr(moto_ids, name, pins._draw(kind, getattr(moto_ids, name)))
        return pins

    def _draw(self, kind: str, random_id: Callable[..., str]) -> Callable[..., str]:
        def draw(*args: Any) -> str:
            queue = self.queues[kind]
            return queue.popleft() if queue else random_id(*args)

        return draw

    def next(self, kind: str, value: str) -> None:
        self.queues[kind].append(value)


def name_the_management_account(session: boto3.Session, account: str) -> None:
    """moto tells accounts apart by access key and puts every key it did not issue in its
    default account. The test's own credentials are the management account's, so their
    requests name it (moto's `x-moto-account-id` header); sessions of assumed roles carry
    keys moto issued and need nothing. `account` is "" for the collector's first session."""
    if account in ("", MGMT):
        session.events.register("before-sign", _management_header)


def _management_header(request: Any, **_: Any) -> None:
    request.headers["x-moto-account-id"] = MGMT


def management_account_record(org: dict, accounts: list[dict]) -> None:
    """moto lists the management account as "master" <master@example.com>, joined by CREATED;
    AWS keeps the name and email the account was opened with, and Organizations has no call to
    set them. Set on moto's record from describe-organization and the account listing."""
    backend = organizations_backends[MGMT]["aws"]
    listed = next(a for a in accounts if a["Id"] == MGMT)
    record = next(a for a in backend.accounts if a.id == MGMT)
    record.name, record.email = listed["Name"], listed["Email"]
    record.joined_method = listed["JoinedMethod"]
    backend.org.master_account_email = org["MasterAccountEmail"]


def policy_names(session: boto3.Session, account: str) -> None:
    """moto (5.2) leaves PolicyName out of the authorization details' Policies, which AWS always
    prints (the loader needs it): filled in from the ARN, as AWS names it."""

    def fill(parsed: dict, **_: Any) -> None:
        for policy in parsed.get("Policies", []):
            policy.setdefault("PolicyName", policy["Arn"].rsplit("/", 1)[-1])

    session.events.register("after-call.iam.GetAccountAuthorizationDetails", fill)


def root_rows(session: boto3.Session, account: str) -> None:
    """moto has no root user, so its credential report lacks the `<root_account>` row AWS
    always prints first. The fixture's row is put where AWS puts it, so what the analysis
    reads about root credentials is the fixture's on both sides."""

    def add(parsed: dict, **_: Any) -> None:
        root = fixture_root_row(account or MGMT)
        if root is not None and "Content" in parsed:
            header, _, rows = parsed["Content"].decode().partition("\n")
            parsed["Content"] = f"{header}\n{root}\n{rows}".encode()

    session.events.register("after-call.iam.GetCredentialReport", add)


def fixture_root_row(account: str) -> str | None:
    path = TWIN / "accounts" / account / "iam" / "credential-report.csv"
    if not path.exists():
        return None
    return next(
        (line for line in path.read_text().splitlines() if line.startswith(ROOT_ROW + ",")), None
    )


class _Http:
    """What botocore needs of an HTTP response that a `before-call` hook answers with."""

    status_code: ClassVar[int] = 200
    headers: ClassVar[dict[str, str]] = {}
    content: ClassVar[bytes] = b""


def no_stacks(session: boto3.Session, account: str) -> None:
    """moto's CloudFormation needs openapi_spec_validator, which is not installed: DescribeStacks
    answers what the fixture lists (no stack anywhere; `build` checks that)."""

    def answer(**_: Any) -> tuple[_Http, dict]:
        return _Http(), {"Stacks": []}

    session.events.register("before-call.cloudformation.DescribeStacks", answer)
    session.events.register(  # moto has no DescribeInstanceInformation: no node, as the twin
        "before-call.ssm.DescribeInstanceInformation",
        lambda **_: (_Http(), {"InstanceInformationList": []}),
    )


# -- building the organization from the fixture ---------------------------------------------


def session(**credentials: str) -> boto3.Session:
    """A session sharing the collector's botocore data loader (parsing the models is most of
    the time a fresh session takes); without `credentials`, the management account's."""
    core = botocore.session.Session()
    core.register_component("data_loader", shared_loader())
    s = boto3.Session(botocore_session=core, region_name=REGION, **credentials)
    if not credentials:
        name_the_management_account(s, MGMT)
    return s


def member(management: boto3.Session, account: str) -> boto3.Session:
    creds = management.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole",
        RoleSessionName="twin-builder",
    )["Credentials"]
    return session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )


def build(pins: Pins) -> None:
    """The fixture's organization in moto: the tree and SCPs, then each account's IAM,
    credentials, password policy, trails with their buckets, and Lambda functions."""
    s = session()
    accounts = build_organization(s, pins)
    for aid in accounts:
        build_account(s if aid == MGMT else member(s, aid), aid)


def build_organization(s: boto3.Session, pins: Pins) -> list[str]:
    org = s.client("organizations")
    described = read("organization/describe-organization.json")["Organization"]
    root = read("organization/list-roots.json")["Roots"][0]
    pins.next("org", described["Id"])
    pins.next("root", root["Id"])
    assert (
        org.create_organization(FeatureSet=described["FeatureSet"])["Organization"]["Id"]
        == (described["Id"])
    )
    for ptype in root["PolicyTypes"]:
        if ptype["Status"] == "ENABLED":
            org.enable_policy_type(RootId=root["Id"], PolicyType=ptype["Type"])
    every_account: list[dict] = []
    queue = [root["Id"]]
    while queue:
        parent = queue.pop(0)
        for ou in read(f"organization/list-organizational-units-for-parent/{parent}.json")[
            "OrganizationalUnits"
        ]:
            pins.next("ou", ou["Id"])
            made = org.create_organizational_unit(ParentId=parent, Name=ou["Name"])
            assert made["OrganizationalUnit"]["Id"] == ou["Id"]
            queue.append(ou["Id"])
        for acct in read(f"organization/list-accounts-for-parent/{parent}.json")["Accounts"]:
            every_account.append(acct)
            if acct["Id"] == described["MasterAccountId"]:
                continue
            pins.next("account", acct["Id"])
            status = org.create_account(Email=acct["Email"], AccountName=acct["Name"])
            assert status["CreateAccountStatus"]["AccountId"] == acct["Id"]
            if parent != root["Id"]:
                org.move_account(
                    AccountId=acct["Id"], SourceParentId=root["Id"], DestinationParentId=parent
                )
    management_account_record(described, every_account)
    for ptype in (t["Type"] for t in root["PolicyTypes"] if t["Status"] == "ENABLED"):
        build_org_policies(org, pins, ptype)
    return [a["Id"] for a in every_account]


def build_org_policies(org: Any, pins: Pins, ptype: str) -> None:
    """Custom policies are made; AWS managed ones exist already. Then each policy's targets
    are made the fixture's (moto attaches the managed ones everywhere, as AWS does)."""
    for summary in read(f"organization/list-policies-{ptype}.json")["Policies"]:
        pid = summary["Id"]
        if not summary["AwsManaged"]:
            content = read(f"organization/describe-policy/{pid}.json")["Policy"]["Content"]
            pins.next("policy", pid)
            made = org.create_policy(
                Content=content,
                Description=summary["Description"],
                Name=summary["Name"],
                Type=ptype,
            )
            assert made["Policy"]["PolicySummary"]["Id"] == pid
        wanted = {
            t["TargetId"]
            for t in read(f"organization/list-targets-for-policy/{pid}.json")["Targets"]
        }
        present = {t["TargetId"] for t in org.list_targets_for_policy(PolicyId=pid)["Targets"]}
        for target in sorted(wanted - present):
            org.attach_policy(PolicyId=pid, TargetId=target)
        for target in sorted(present - wanted):
            org.detach_policy(PolicyId=pid, TargetId=target)


def build_account(s: boto3.Session, aid: str) -> None:
    folder = TWIN / "accounts" / aid
    build_iam(s.client("iam"), read(f"accounts/{aid}/iam/get-account-authorization-details.json"))
    build_credentials(s.client("iam"), folder / "iam" / "credential-report.csv")
    if (folder / "iam" / "get-account-password-policy.json").exists():
        policy = read(f"accounts/{aid}/iam/get-account-password-policy.json")["PasswordPolicy"]
        derived = {"ExpirePasswords"}  # AWS derives it from MaxPasswordAge
        s.client("iam").update_account_password_policy(
            **{k: v for k, v in policy.items() if k not in derived}
        )
    for trail in read(f"accounts/{aid}/cloudtrail/describe-trails.json")["trailList"]:
        if trail["TrailARN"].split(":")[4] == aid:
            build_trail(s, aid, trail)
    for function in read(f"accounts/{aid}/lambda/list-functions.json")["Functions"]:
        s.client("lambda", region_name=function["FunctionArn"].split(":")[3]).create_function(
            FunctionName=function["FunctionName"],
            Runtime=function["Runtime"],
            Role=function["Role"],
            Handler=function["Handler"],
            Description=function.get("Description", ""),
            Timeout=function["Timeout"],
            MemorySize=function["MemorySize"],
            Code={"ZipFile": b"PK"},
        )
    for rel, key in (
        ("ec2/describe-instances.json", "Reservations"),
        ("glue/get-dev-endpoints.json", "DevEndpoints"),
        ("cloudformation/describe-stacks.json", "Stacks"),
        ("codebuild/batch-get-projects.json", "projects"),
        ("sagemaker/describe-notebook-instances.json", "NotebookInstances"),
        *(
            (f"ssm/describe-instance-information/{r}.json", "InstanceInformationList")
            for r in REGIONS
        ),
    ):  # the builder makes Lambda functions only: anything else would be left out unnoticed
        assert read(f"accounts/{aid}/{rel}")[key] == [], f"build {rel} of {aid} too"


def build_iam(iam: Any, details: dict) -> None:
    """Managed policies (every version, the default as the fixture says), groups, users,
    roles, inline policies, attachments and memberships. (The default is set while creating
    versions: moto's SetDefaultPolicyVersion to the version that is already the default
    leaves no default at all.)"""
    for policy in details["Policies"]:
        if ":iam::aws:policy/" in policy["Arn"]:
            continue  # AWS managed: moto has them
        versions = sorted(policy["PolicyVersionList"], key=lambda v: int(v["VersionId"][1:]))
        arn = iam.create_policy(
            PolicyName=policy["PolicyName"],
            Path=policy["Path"],
            PolicyDocument=doc(versions[0]["Document"]),
            **({"Description": policy["Description"]} if "Description" in policy else {}),
        )["Policy"]["Arn"]
        assert arn == policy["Arn"]
        for version in versions[1:]:
            made = iam.create_policy_version(
                PolicyArn=arn,
                PolicyDocument=doc(version["Document"]),
                SetAsDefault=version["VersionId"] == policy["DefaultVersionId"],
            )["PolicyVersion"]
            assert made["VersionId"] == version["VersionId"]
    for group in details["GroupDetailList"]:
        name = group["GroupName"]
        iam.create_group(GroupName=name, Path=group["Path"])
        for p in group.get("GroupPolicyList", []):
            iam.put_group_policy(
                GroupName=name, PolicyName=p["PolicyName"], PolicyDocument=doc(p["PolicyDocument"])
            )
        for p in group["AttachedManagedPolicies"]:
            iam.attach_group_policy(GroupName=name, PolicyArn=p["PolicyArn"])
    for user in details["UserDetailList"]:
        name = user["UserName"]
        iam.create_user(UserName=name, Path=user["Path"], **_tags_and_boundary(user))
        for p in user.get("UserPolicyList", []):
            iam.put_user_policy(
                UserName=name, PolicyName=p["PolicyName"], PolicyDocument=doc(p["PolicyDocument"])
            )
        for p in user["AttachedManagedPolicies"]:
            iam.attach_user_policy(UserName=name, PolicyArn=p["PolicyArn"])
        for group in user["GroupList"]:
            iam.add_user_to_group(GroupName=group, UserName=name)
    existing = {r["RoleName"] for r in iam.list_roles()["Roles"]}
    for role in details["RoleDetailList"]:
        name, trust = role["RoleName"], doc(role["AssumeRolePolicyDocument"])
        if name in existing:  # OrganizationAccountAccessRole, made with the account
            iam.update_assume_role_policy(RoleName=name, PolicyDocument=trust)
        else:
            iam.create_role(
                RoleName=name,
                Path=role["Path"],
                AssumeRolePolicyDocument=trust,
                **_tags_and_boundary(role),
            )
        for p in role.get("RolePolicyList", []):
            iam.put_role_policy(
                RoleName=name, PolicyName=p["PolicyName"], PolicyDocument=doc(p["PolicyDocument"])
            )
        for p in role["AttachedManagedPolicies"]:
            iam.attach_role_policy(RoleName=name, PolicyArn=p["PolicyArn"])
        for profile in role["InstanceProfileList"]:
            iam.create_instance_profile(
                InstanceProfileName=profile["InstanceProfileName"], Path=profile["Path"]
            )
            iam.add_role_to_instance_profile(
                InstanceProfileName=profile["InstanceProfileName"], RoleName=name
            )


def _tags_and_boundary(entity: dict) -> dict:
    out: dict[str, Any] = {}
    if entity.get("Tags"):
        out["Tags"] = entity["Tags"]
    if entity.get("PermissionsBoundary"):
        out["PermissionsBoundary"] = entity["PermissionsBoundary"]["PermissionsBoundaryArn"]
    return out


def build_credentials(iam: Any, report: Path) -> None:
    """Console passwords, MFA devices and access keys as the credential report lists them."""
    for row in csv.DictReader(report.read_text().splitlines()):
        user = row["user"]
        if user == ROOT_ROW:
            continue  # moto has no root user (see `root_rows`)
        if row["password_enabled"] == "true":
            iam.create_login_profile(UserName=user, Password="Twin-Passw0rd-not-a-secret")
        if row["mfa_active"] == "true":
            serial = iam.create_virtual_mfa_device(VirtualMFADeviceName=user)["VirtualMFADevice"][
                "SerialNumber"
            ]
            iam.enable_mfa_device(
                UserName=user,
                SerialNumber=serial,
                AuthenticationCode1="123456",
                AuthenticationCode2="654321",
            )
        for n in (1, 2):
            if row[f"access_key_{n}_last_rotated"] == "N/A":
                continue
            key = iam.create_access_key(UserName=user)["AccessKey"]["AccessKeyId"]
            if row[f"access_key_{n}_active"] == "false":
                iam.update_access_key(UserName=user, AccessKeyId=key, Status="Inactive")
        assert (row["cert_1_active"], row["cert_2_active"]) == ("false", "false")


def build_trail(s: boto3.Session, aid: str, trail: dict) -> None:
    """The bucket with its policy, versioning and lifecycle, then the trail, its logging state
    and event selectors."""
    bucket = trail["S3BucketName"]
    files = f"accounts/{aid}/s3/{bucket}"
    s3 = s.client("s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_policy(Bucket=bucket, Policy=read(f"{files}/get-bucket-policy.json")["Policy"])
    versioning = read(f"{files}/get-bucket-versioning.json")
    if versioning.get("Status"):
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration=versioning)
    lifecycle = read(f"{files}/get-bucket-lifecycle-configuration.json")
    s3.put_bucket_lifecycle_configuration(
        Bucket=bucket,
        LifecycleConfiguration={"Rules": lifecycle["Rules"]},
        TransitionDefaultMinimumObjectSize=lifecycle["TransitionDefaultMinimumObjectSize"],
    )
    ct = s.client("cloudtrail", region_name=trail["HomeRegion"])
    ct.create_trail(
        Name=trail["Name"],
        S3BucketName=bucket,
        IncludeGlobalServiceEvents=trail["IncludeGlobalServiceEvents"],
        IsMultiRegionTrail=trail["IsMultiRegionTrail"],
        EnableLogFileValidation=trail["LogFileValidationEnabled"],
        IsOrganizationTrail=trail["IsOrganizationTrail"],
    )
    name = trail["Name"]
    if read(f"accounts/{aid}/cloudtrail/get-trail-status/{name}.json")["IsLogging"]:
        ct.start_logging(Name=name)
    # AWS prints the default selector of a trail that has no custom ones; moto prints none
    selectors = read(f"accounts/{aid}/cloudtrail/get-event-selectors/{name}.json")
    ct.put_event_selectors(TrailName=name, EventSelectors=selectors["EventSelectors"])


# -- the two snapshots ---------------------------------------------------------------------


@dataclass(frozen=True)
class Twins:
    """The hand-written snapshot, and the one `collect` took of its moto twin (in `out`)."""

    hand: Snapshot
    moto: Snapshot
    out: Path
    result: CollectResult


@pytest.fixture(scope="module")
def twins(tmp_path_factory) -> Twins:
    """The fixture's organization built in a mocked AWS (environment isolated from the
    host's), collected into a temporary folder; both snapshots loaded."""
    home = tmp_path_factory.mktemp("aws-home")
    out = tmp_path_factory.mktemp("twin") / "snapshot"
    with pytest.MonkeyPatch.context() as mp:
        for var in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN", "AWS_REGION"):
            mp.delenv(var, raising=False)
        mp.setenv("AWS_ACCESS_KEY_ID", "AKIAIAMGRAPHTWIN0001")
        mp.setenv("AWS_SECRET_ACCESS_KEY", "iamgraph-twin-secret-access-key")
        mp.setenv("AWS_DEFAULT_REGION", REGION)
        mp.setenv("AWS_CONFIG_FILE", str(home / "config"))
        mp.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / "credentials"))
        mp.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
        (home / "amis.json").write_text("[]")
        mp.setenv("MOTO_AMIS_PATH", str(home / "amis.json"))
        mp.setattr(botocore.session, "create_loader", lambda *_: shared_loader())
        pins = Pins.install(mp)
        with moto.mock_aws():
            build(pins)
            # two regions: the trail's shadow copy in eu-west-1 is listed, and dropped
            options = CollectOptions(out, regions=REGIONS, report_delays=(0.0,) * 3, workers=1)
            result = collect(
                options,
                hooks=[name_the_management_account, policy_names, root_rows, no_stacks],
                sleep=lambda _: None,
            )
    return Twins(load_snapshot(TWIN), load_snapshot(out), out, result)


# -- what moto cannot reproduce, for what is compared ----------------------------------------

# Where a fact was read: the two snapshots are different folders, so these always differ.
LOCATION = frozenset({"source", "file", "files", "line", "locate"})

# Fields of the loaded model moto cannot reproduce; `normalise` blanks them on both sides.
MOTO_CANNOT: dict[type, frozenset[str]] = {
    # moto draws IAM ids at random and stamps creation with the time of the test
    User: frozenset({"user_id", "created"}),
    Group: frozenset({"group_id", "created"}),
    Role: frozenset({"role_id", "created", "last_used"}),  # RoleLastUsed: when it was assumed
    InstanceProfile: frozenset({"profile_id"}),
    ManagedPolicy: frozenset({"policy_id"}),  # moto leaves PolicyId out of the details
    Account: frozenset({"joined"}),  # JoinedTimestamp: when the builder made the account
    # the credential report's dates are moto's clock, and moto has no usage history (last
    # used: date, region, service); GeneratedTime is only in the JSON form `collect` writes,
    # not in the readable CSV form the fixture keeps
    CredentialReport: frozenset({"generated"}),
    CredentialRow: frozenset(
        {"created", "password_last_used", "password_last_changed", "password_next_rotation"}
    ),
    AccessKey: frozenset({"last_rotated", "last_used", "last_used_region", "last_used_service"}),
    # moto stamps the time the builder started logging, and a delivery at every status call
    TrailStatus: frozenset({"latest_delivery_time", "start_logging_time", "stop_logging_time"}),
}
# get-account-summary keys about the root user, which moto does not model (it prints 0 or
# leaves them out), and PolicyVersionsInUse, which moto counts as attachments, not versions
SUMMARY_MOTO_CANNOT = frozenset(
    {
        "AccountMFAEnabled",
        "AccountAccessKeysPresent",
        "AccountPasswordPresent",
        "AccountSigningCertificatesPresent",
        "PolicyVersionsInUse",
    }
)
AWS_FULL_ACCESS_ARN = "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess"


def normalise(value: Any) -> Any:
    """Every difference moto cannot avoid, each named; applied to both sides (on the hand side
    only the blanked fields and the root's MFA device change: its values are AWS's)."""
    if type(value) in MOTO_CANNOT:
        value = replace(value, **dict.fromkeys(MOTO_CANNOT[type(value)]))
    if isinstance(value, AccountSummary):
        values = dict(value.values)
        # AWS counts the root user's MFA device too; moto has no root user
        root_device = values.get("AccountMFAEnabled", 0)
        for key in ("MFADevices", "MFADevicesInUse"):
            values[key] -= root_device
        kept = {k: v for k, v in sorted(values.items()) if k not in SUMMARY_MOTO_CANNOT}
        value = replace(value, values=kept)
    if isinstance(value, PasswordPolicy) and value.max_age == 0 and not value.expire_passwords:
        # moto prints MaxPasswordAge 0 when passwords do not expire, where AWS leaves the key
        # out (0 is no age AWS accepts: it takes 1 to 1095 days)
        value = replace(value, max_age=None)
    if isinstance(value, OrgPolicy) and value.policy_id == "p-FullAWSAccess":
        # moto puts the AWS managed SCP in the organization's namespace
        # (arn:aws:organizations::<management>:policy/o-.../service_control_policy/p-...)
        value = replace(value, arn=AWS_FULL_ACCESS_ARN)
    if isinstance(value, OrgPolicy):  # list-targets-for-policy's order carries no meaning
        value = replace(value, targets=tuple(sorted(value.targets)))
    if isinstance(value, ManagedPolicy):  # AWS lists versions newest first, moto oldest first
        value = replace(
            value,
            versions=tuple(sorted(value.versions)),
            other_versions=tuple(sorted(value.other_versions, key=lambda v: v[0])),
        )
    return value


def plain(value: Any) -> Any:
    """The loaded model (or part of it) as plain values to compare: normalised, without where
    each fact was read."""
    value = normalise(value)
    if is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: plain(getattr(value, f.name))
            for f in fields(value)
            if f.compare and f.name not in LOCATION
        }
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return tuple(plain(v) for v in value)
    if isinstance(value, frozenset | set):
        return tuple(sorted(plain(v) for v in value))
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    return value


# -- the analyses ----------------------------------------------------------------------------

NO_MFA_TRAIL = "who-can, without MFA: cloudtrail:StopLogging or DeleteTrail on the trail"
CI_BOT_PROD_USER = "can ci-bot: iam:CreateUser in prod"
ALICE_PROD_TRAILS = "can alice.nguyen: cloudtrail:StopLogging on prod's trails"


@dataclass(frozen=True)
class Analysis:
    """What iamgraph says about one snapshot, as plain values without file paths."""

    principals: dict[str, str]  # ARN -> kind
    layers: dict[str, Any]  # ARN -> caller, identity policies, boundary, SCP levels, unresolved
    scp_chains: dict[str, Any]  # account -> (node, policy ids) root first
    summary: dict[str, Any]
    lint: tuple[tuple[str, str, str, str], ...]  # rule, severity, policy, message
    privesc: dict[str, Any]  # ARN -> verdict, own admin, hops, reasons
    answers: dict[str, Any]  # question -> one answer, or ARN -> answer for who-can


def hops(found: tuple[Hop, ...]) -> list[tuple[str, ...]]:
    """Each step: from, method, to, the credential's MFA mode before and after, verdict."""
    return [
        (h.source, h.method, h.target, h.mode_from.value, h.mode_to.value, h.verdict.value)
        for h in found
    ]


def reach(r: query.Reach) -> dict[str, Any]:
    w = r.answer.witness
    return {
        "verdict": r.answer.verdict.value,
        "hops": hops(r.hops),
        "witness": None if w is None else (w.principal, w.action, w.resource, w.mfa),
        "reasons": r.answer.reasons,
    }


def analyse(snap: Snapshot, folder: Path) -> Analysis:
    """The library calls the CLI makes: summary, lint, privesc, can and who-can."""
    org = snap.organization
    assert org is not None
    full = {arn: layers(snap, arn)[0] for arn in snap.principals}
    pg, paths = graph_for(snap, TIMEOUT_MS, None)
    found = privesc(pg, paths, modes_filter(None))
    return Analysis(
        principals={arn: p.kind.value for arn, p in snap.principals.items()},
        layers={
            arn: plain(
                (ps.caller, ps.identity, ps.boundary, ps.scp_levels, ps.unresolved, ps.assumptions)
            )
            for arn, ps in full.items()
        },
        scp_chains={
            aid: tuple(
                (node.node_id, tuple(p.policy_id for p in policies))
                for node, policies in org.levels(aid, SCP)
            )
            for aid in sorted(org.accounts)
        },
        summary={k: v for k, v in plain(summarize(snap)).items() if k != "snapshot"},
        lint=tuple(
            sorted(
                (f.rule.id, f.rule.severity.compiler_word, f.subject, f.message)
                for f in lint_paths([folder])
            )
        ),
        privesc={
            f.principal: {
                "verdict": f.verdict.value,
                "start": None if f.start is None else (f.start.arn, f.start.mode.value),
                "own admin": None
                if f.start is None
                else pg.admin[(f.start.arn, f.start.mode)].verdict.value,
                "hops": hops(f.hops),
                "reasons": f.reasons,
            }
            for f in found
        },
        answers={
            NO_MFA_TRAIL: {
                r.answer.principal: reach(r)
                for r in query.who_can(
                    pg,
                    paths,
                    [(["cloudtrail:StopLogging", "cloudtrail:DeleteTrail"], [TRAIL])],
                    "no-mfa",
                )
            },
            CI_BOT_PROD_USER: reach(
                query.can(
                    pg, paths, CI_BOT, [(["iam:CreateUser"], [f"arn:aws:iam::{PROD}:user/*"])], None
                )
            ),
            ALICE_PROD_TRAILS: reach(
                query.can(
                    pg,
                    paths,
                    ALICE,
                    [
                        (
                            ["cloudtrail:StopLogging"],
                            [f"arn:aws:cloudtrail:us-east-1:{PROD}:trail/*"],
                        )
                    ],
                    None,
                )
            ),
        },
    )


@dataclass(frozen=True)
class Both:
    """The analyses of both snapshots, computed once for the module."""

    hand: Analysis
    moto: Analysis


@pytest.fixture(scope="module")
def both(twins) -> Both:
    return Both(analyse(twins.hand, TWIN), analyse(twins.moto, twins.out))


# -- the hand-written organization says what its README says ---------------------------------


def test_the_fixture_has_what_its_readme_says(twins, both):
    """So that "identical" below is about something: the seeded facts hold on the hand side."""
    hand = both.hand
    assert len(hand.principals) == 11
    assert hand.scp_chains[PROD] == (
        ("r-n7wd", ("p-FullAWSAccess", "p-ct9g4rd1")),
        ("ou-n7wd-5kq8m2xa", ("p-FullAWSAccess",)),
        (PROD, ("p-FullAWSAccess",)),
    )
    assert hand.layers[ALICE][3] == ()  # the management account: no SCP applies
    assert [(rule, policy) for rule, _, policy, _ in hand.lint] == [
        ("IAMG-L003", f"arn:aws:iam::{MGMT}:policy/platform-engineer"),
        ("IAMG-L004", f"arn:aws:iam::{PROD}:role/prod-operator:operate-workloads"),
    ]
    bot = hand.privesc[CI_BOT]
    assert bot["verdict"] == "reachable" and bot["own admin"] == "proven-unreachable"
    assert [(method, target.rsplit("/", 1)[-1]) for _, method, target, *_ in bot["hops"]] == [
        ("AssumeRole", "deployer"),
        ("PassRole+lambda:CreateFunction+InvokeFunction", "lambda-maintenance"),
    ]
    assert hand.privesc[ALICE]["verdict"] == "proven-unreachable"
    admins = {a for a, f in hand.privesc.items() if f["verdict"] == "reachable" and not f["hops"]}
    assert {a.split(":", 4)[4] for a in admins} == {
        f"{MGMT}:role/BreakGlass",
        f"{MGMT}:role/lambda-maintenance",
        f"{PROD}:role/OrganizationAccountAccessRole",
        f"{SANDBOX}:role/OrganizationAccountAccessRole",
        f"{MGMT}:root",
        f"{PROD}:root",
        f"{SANDBOX}:root",
    }
    tamper = hand.answers[NO_MFA_TRAIL]
    assert {a for a, r in tamper.items() if r["verdict"] == "reachable"} == {
        CI_BOT,
        f"arn:aws:iam::{MGMT}:role/deployer",
        f"arn:aws:iam::{MGMT}:role/lambda-maintenance",
        f"arn:aws:iam::{MGMT}:role/BreakGlass",
    }
    assert {r["verdict"] for r in tamper.values()} == {"reachable", "proven-unreachable"}
    prod_user = hand.answers[CI_BOT_PROD_USER]
    assert prod_user["verdict"] == "reachable"
    assert prod_user["hops"][-1][2] == f"arn:aws:iam::{PROD}:role/OrganizationAccountAccessRole"
    assert hand.answers[ALICE_PROD_TRAILS]["verdict"] == "proven-unreachable"  # the SCP


# -- the collected twin loads and analyses identically ----------------------------------------


def test_everything_was_collected(twins):
    assert twins.result.failures == ()
    assert sorted(twins.result.accounts) == sorted([MGMT, PROD, SANDBOX])
    facts = {(f.account, f.operation, f.code) for f in twins.result.facts}
    assert facts == {(SANDBOX, "GetAccountPasswordPolicy", "NoSuchEntity")}  # as in the fixture
    assert twins.hand.gaps == twins.moto.gaps == ()


def test_the_loaded_organization_is_identical(twins):
    assert plain(twins.moto.organization) == plain(twins.hand.organization)


@pytest.mark.parametrize("account", [MGMT, PROD, SANDBOX])
def test_the_loaded_accounts_are_identical(twins, account):
    """IAM, credential report, password policy, summary, trails, buckets and inventory."""
    moto_side, hand = plain(twins.moto.accounts[account]), plain(twins.hand.accounts[account])
    assert moto_side.keys() == hand.keys()
    for part in hand:
        assert moto_side[part] == hand[part], part


def test_the_loaded_principals_groups_policies_and_trails_are_identical(twins):
    for part in ("principals", "groups", "managed_policies", "trails"):
        assert plain(getattr(twins.moto, part)) == plain(getattr(twins.hand, part)), part


def test_principals_and_their_layers_are_identical(both):
    assert both.moto.principals == both.hand.principals
    for arn in both.hand.layers:
        assert both.moto.layers[arn] == both.hand.layers[arn], arn


def test_scp_chains_are_identical(both):
    assert both.moto.scp_chains == both.hand.scp_chains


def test_summary_counts_are_identical(both):
    assert both.moto.summary == both.hand.summary


def test_lint_findings_are_identical(both):
    assert both.moto.lint == both.hand.lint


def test_privilege_escalation_is_identical(both):
    assert both.moto.privesc.keys() == both.hand.privesc.keys()
    for arn in both.hand.privesc:
        assert both.moto.privesc[arn] == both.hand.privesc[arn], arn


@pytest.mark.parametrize("question", [NO_MFA_TRAIL, CI_BOT_PROD_USER, ALICE_PROD_TRAILS])
def test_can_and_who_can_answers_are_identical(both, question):
    assert both.moto.answers[question] == both.hand.answers[question]


def test_iamgraph_summary_prints_the_same(twins):
    """The CLI's text, with each snapshot's folder written as <snapshot>."""
    printed = []
    for folder in (TWIN, twins.out):
        result = CliRunner().invoke(app, ["summary", str(folder), "--quiet"])
        assert result.exit_code == 0, result.output
        printed.append(result.stdout.replace(str(folder), "<snapshot>"))
    assert printed[0] == printed[1]
    assert "3 accounts, 1 OUs, 2 SCPs, 0 RCPs, 2 users, 1 groups, 6 roles" in printed[0]


def test_a_difference_would_be_seen(twins, tmp_path):
    """The comparison can fail: one action changed in the collected files is a difference in
    the loaded model and in the layers of the principals that hold the policy."""
    copy = tmp_path / "changed"
    shutil.copytree(twins.out, copy)
    details = copy / "accounts" / MGMT / "iam" / "get-account-authorization-details.json"
    details.write_text(details.read_text().replace('"sts:AssumeRole"', '"sts:TagSession"', 1))
    changed = load_snapshot(copy)
    assert plain(changed.principals) != plain(twins.hand.principals)
    assert plain(layers(changed, CI_BOT)[0].identity) != plain(
        layers(twins.hand, CI_BOT)[0].identity
    )
