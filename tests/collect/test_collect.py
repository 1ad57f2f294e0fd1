"""`collect` against an organization built in moto: the files are the CLI's, they load, and the
analysis of the collected snapshot says what the built policies say.

The organization (management account M, moto's default): Root -> Security (log archive L),
Root -> Workloads -> Prod (account P). SCP deny-create-users at Prod, SCP protect-trail at the
root, RCP enforce-org at Security. M has users alice (keys, password, MFA) and bob (keys, group
developers), roles Admin and lambda-exec, a password policy and a multi-region trail with its
bucket, key and topic. P has role app (admin policy) running a Lambda function in two regions,
an EC2 instance, a Glue dev endpoint, a CodeBuild project, a SageMaker notebook and (stubbed:
moto's CloudFormation needs extras) a stack. L has a bucket no trail uses.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

moto = pytest.importorskip("moto")

import boto3  # noqa: E402
import botocore.session  # noqa: E402
from botocore.credentials import Credentials  # noqa: E402
from botocore.stub import Stubber  # noqa: E402

from iamgraph.collect.calls import READ_ONLY, CallLog, ReadOnlyViolation  # noqa: E402
from iamgraph.collect.ledger import Ledger  # noqa: E402
from iamgraph.collect.options import CollectOptions  # noqa: E402
from iamgraph.collect.run import MARKER, CollectResult, collect  # noqa: E402
from iamgraph.collect.sessions import new_session, shared_loader  # noqa: E402
from iamgraph.errors import InputError  # noqa: E402
from iamgraph.evaluate.layers import Outcome, PolicySet, decide  # noqa: E402
from iamgraph.evaluate.request import Caller, Request  # noqa: E402
from iamgraph.load.snapshot import load_snapshot  # noqa: E402
from iamgraph.model.policy import Policy, PolicyKind, parse_policy  # noqa: E402
from iamgraph.model.snapshot import Snapshot  # noqa: E402
from iamgraph.model.source import SourceRef  # noqa: E402
from iamgraph.query.summary import summarize  # noqa: E402
from iamgraph.solvers.properties import can as prove_can  # noqa: E402
from iamgraph.verdict import Verdict  # noqa: E402
from tests.conftest import FIXTURES, REPO  # noqa: E402

M = "123456789012"  # moto's default account: the credentials' own, and the management account
REGIONS = ("us-east-1", "eu-west-1")
SECRET_KEY = "iamgraph-test-secret-access-key"
KEY_ID = "AKIAIAMGRAPHTEST0001"
SECRETS = (
    SECRET_KEY,
    KEY_ID,
    "lambda-env-hunter2",
    "codebuild-env-hunter2",
    "stack-param-hunter2",
    "glue-arg-hunter2",
)
POLICY_FILE = REPO / "docs" / "collect-policy.json"


def doc(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def trust(principal: dict, **extra) -> str:
    return doc({"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole", **extra})


ADMIN = doc({"Effect": "Allow", "Action": "*", "Resource": "*"})


@dataclass(frozen=True)
class Built:
    """What the organization was built with, to compare the collected snapshot against."""

    org_id: str
    root: str
    security: str
    workloads: str
    prod: str
    log_archive: str  # account L
    prod_account: str  # account P
    policies: dict[str, str]  # name -> policy id
    key_id: str
    topic_arn: str


class _Http:
    """What botocore needs of an HTTP response that a `before-call` hook answers with."""

    def __init__(self, status: int) -> None:
        self.status_code = status
        self.headers: dict[str, str] = {}
        self.content = b""


def answering(rules):
    """A session hook that answers some operations itself: rules map (service id, operation) to
    fn(account, params, region) -> (status, body) or None (let the call through)."""

    def hook(session, account: str) -> None:
        def remember(params, context, **_):
            context["test_params"] = dict(params)

        session.events.register("before-parameter-build", remember)
        for (service, operation), rule in rules.items():

            def handler(context, _rule=rule, **_):
                answer = _rule(account, context.get("test_params", {}), context["client_region"])
                return None if answer is None else (_Http(answer[0]), answer[1])

            session.events.register(f"before-call.{service}.{operation}", handler)

    return hook


def error(code: str, status: int = 400):
    return status, {"Error": {"Code": code, "Message": f"injected {code}"}}


def stacks(built: Built):
    """moto's CloudFormation needs heavy extras: the stack of P (us-east-1) is stubbed."""

    def rule(account, params, region):
        if account != built.prod_account or region != "us-east-1":
            return 200, {"Stacks": []}
        return 200, {
            "Stacks": [
                {
                    "StackId": f"arn:aws:cloudformation:us-east-1:{account}:stack/network/1a2b",
                    "StackName": "network",
                    "Parameters": [{"ParameterKey": "DbPassword", "ParameterValue": SECRETS[4]}],
                    "CreationTime": datetime(2024, 3, 11, 9, 15, 27, tzinfo=UTC),
                    "StackStatus": "CREATE_COMPLETE",
                    "RoleARN": f"arn:aws:iam::{account}:role/app",
                    "Outputs": [{"OutputKey": "Secret", "OutputValue": "out-secret"}],
                }
            ]
        }

    return answering({("cloudformation", "DescribeStacks"): rule})


def managed_nodes(built: Built):
    """moto has no DescribeInstanceInformation: P has one on-premises node (us-east-1) whose
    activation gives it role app; every other account and region lists none."""

    def rule(account, params, region):
        if account != built.prod_account or region != "us-east-1":
            return 200, {"InstanceInformationList": []}
        node = {
            "InstanceId": "mi-0e4b6c8d0f2a13579",
            "PingStatus": "Online",
            "LastPingDateTime": datetime(2026, 11, 20, 7, 58, 3, tzinfo=UTC),
            "AgentVersion": "3.3.1142.0",
            "PlatformType": "Linux",
            "PlatformName": "Ubuntu",
            "ActivationId": "9c1f3e5a-7b2d-4c6e-8f0a-1b3d5f7a9c2e",
            "IamRole": "app",
            "ResourceType": "ManagedInstance",
            "Name": "build-rack-1",
        }
        return 200, {"InstanceInformationList": [node]}

    return answering({("ssm", "DescribeInstanceInformation"): rule})


def moto_gaps(session, account: str) -> None:
    """moto (5.2) leaves PolicyName and PolicyId out of the authorization details' Policies;
    AWS always prints them. Filled in from the ARN, as AWS would have them."""

    def fill(parsed, **_):
        for policy in parsed.get("Policies", []):
            policy.setdefault("PolicyName", policy["Arn"].rsplit("/", 1)[-1])
            policy.setdefault("PolicyId", "ANPA" + policy["PolicyName"].upper()[:17])

    session.events.register("after-call.iam.GetAccountAuthorizationDetails", fill)


@pytest.fixture(scope="module")
def aws(tmp_path_factory):
    """A mocked AWS with the organization built; environment isolated from the host's."""
    home = tmp_path_factory.mktemp("aws-home")
    with pytest.MonkeyPatch.context() as mp:
        for var in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN", "AWS_REGION"):
            mp.delenv(var, raising=False)
        mp.setenv("AWS_ACCESS_KEY_ID", KEY_ID)
        mp.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
        mp.setenv("AWS_DEFAULT_REGION", "us-east-1")
        mp.setenv("AWS_CONFIG_FILE", str(home / "config"))
        mp.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / "credentials"))
        mp.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")  # 0.4 s per account and region
        (home / "amis.json").write_text("[]")  # moto reads its 1 MB list when EC2 is first used
        mp.setenv("MOTO_AMIS_PATH", str(home / "amis.json"))
        # moto makes a botocore session per backend; parsing botocore's models again for each
        # is most of the time the tests would take
        mp.setattr(botocore.session, "create_loader", lambda *_: shared_loader())
        with moto.mock_aws():
            yield build()


def session(**credentials: str) -> boto3.Session:
    """A session sharing the collector's botocore data loader: parsing the models is most of
    the time a fresh session takes."""
    core = botocore.session.Session()
    core.register_component("data_loader", shared_loader())
    return boto3.Session(botocore_session=core, region_name="us-east-1", **credentials)


def member(builder: boto3.Session, account: str) -> boto3.Session:
    creds = builder.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole",
        RoleSessionName="builder",
    )["Credentials"]
    return session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )


def build() -> Built:
    s = session()
    org = s.client("organizations")
    org_id = org.create_organization(FeatureSet="ALL")["Organization"]["Id"]
    root = org.list_roots()["Roots"][0]["Id"]
    for ptype in ("SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"):
        org.enable_policy_type(RootId=root, PolicyType=ptype)

    def ou(parent: str, name: str) -> str:
        return org.create_organizational_unit(ParentId=parent, Name=name)["OrganizationalUnit"][
            "Id"
        ]

    security, workloads = ou(root, "Security"), ou(root, "Workloads")
    prod = ou(workloads, "Prod")

    def account(name: str, parent: str) -> str:
        aid = org.create_account(Email=f"{name}@example.com", AccountName=name)[
            "CreateAccountStatus"
        ]["AccountId"]
        org.move_account(AccountId=aid, SourceParentId=root, DestinationParentId=parent)
        return aid

    log_archive, prod_account = account("log-archive", security), account("prod", prod)

    def org_policy(name: str, ptype: str, target: str, statement: dict) -> str:
        pid = org.create_policy(Content=doc(statement), Description=name, Name=name, Type=ptype)[
            "Policy"
        ]["PolicySummary"]["Id"]
        org.attach_policy(PolicyId=pid, TargetId=target)
        return pid

    policies = {
        "deny-create-users": org_policy(
            "deny-create-users",
            "SERVICE_CONTROL_POLICY",
            prod,
            {"Effect": "Deny", "Action": "iam:CreateUser", "Resource": "*"},
        ),
        "protect-trail": org_policy(
            "protect-trail",
            "SERVICE_CONTROL_POLICY",
            root,
            {"Effect": "Deny", "Action": "cloudtrail:StopLogging", "Resource": "*"},
        ),
        "enforce-org": org_policy(
            "enforce-org",
            "RESOURCE_CONTROL_POLICY",
            security,
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": "*",
                "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": org_id}},
            },
        ),
    }
    key_id, topic_arn = build_management(s)
    build_prod(member(s, prod_account), prod_account)
    logs = member(s, log_archive)
    logs.client("iam").create_user(UserName="auditor")
    logs.client("s3").create_bucket(Bucket="unrelated-bucket-l")
    return Built(
        org_id,
        root,
        security,
        workloads,
        prod,
        log_archive,
        prod_account,
        policies,
        key_id,
        topic_arn,
    )


def build_management(s: boto3.Session) -> tuple[str, str]:
    iam = s.client("iam")
    iam.create_user(UserName="alice")
    iam.create_access_key(UserName="alice")
    iam.create_login_profile(UserName="alice", Password="Correct-Horse-1")
    mfa = iam.create_virtual_mfa_device(VirtualMFADeviceName="alice")["VirtualMFADevice"]
    iam.enable_mfa_device(
        UserName="alice",
        SerialNumber=mfa["SerialNumber"],
        AuthenticationCode1="123456",
        AuthenticationCode2="654321",
    )
    iam.put_user_policy(
        UserName="alice",
        PolicyName="assume-admin",
        PolicyDocument=doc(
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Resource": f"arn:aws:iam::{M}:role/Admin",
            }
        ),
    )
    iam.create_user(UserName="bob")
    iam.create_access_key(UserName="bob")
    iam.create_group(GroupName="developers")
    iam.add_user_to_group(GroupName="developers", UserName="bob")
    iam.put_group_policy(
        GroupName="developers",
        PolicyName="read-data",
        PolicyDocument=doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}),
    )
    deploy = iam.create_policy(
        PolicyName="deploy",
        PolicyDocument=doc(
            {"Effect": "Allow", "Action": ["lambda:*", "iam:PassRole"], "Resource": "*"}
        ),
    )["Policy"]["Arn"]
    iam.attach_group_policy(GroupName="developers", PolicyArn=deploy)
    admin_all = iam.create_policy(PolicyName="admin-all", PolicyDocument=ADMIN)["Policy"]["Arn"]
    iam.create_role(
        RoleName="Admin",
        AssumeRolePolicyDocument=trust(
            {"AWS": f"arn:aws:iam::{M}:root"},
            Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}},
        ),
    )
    iam.attach_role_policy(RoleName="Admin", PolicyArn=admin_all)
    iam.create_role(
        RoleName="lambda-exec", AssumeRolePolicyDocument=trust({"Service": "lambda.amazonaws.com"})
    )
    iam.update_account_password_policy(MinimumPasswordLength=14, RequireSymbols=True)

    s3 = s.client("s3")
    s3.create_bucket(Bucket="acme-trail-logs")
    s3.put_bucket_policy(
        Bucket="acme-trail-logs",
        Policy=doc(
            {
                "Sid": "TrailWrite",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": "arn:aws:s3:::acme-trail-logs/*",
            }
        ),
    )
    s3.put_bucket_versioning(
        Bucket="acme-trail-logs", VersioningConfiguration={"Status": "Enabled"}
    )
    s3.put_bucket_lifecycle_configuration(
        Bucket="acme-trail-logs",
        LifecycleConfiguration={
            "Rules": [
                {"ID": "expire", "Status": "Enabled", "Filter": {}, "Expiration": {"Days": 365}}
            ]
        },
    )
    key = s.client("kms").create_key(Description="trail key")["KeyMetadata"]
    topic = s.client("sns").create_topic(Name="trail-topic")["TopicArn"]
    ct = s.client("cloudtrail")
    ct.create_trail(
        Name="org-trail",
        S3BucketName="acme-trail-logs",
        SnsTopicName="trail-topic",
        IsMultiRegionTrail=True,
        KmsKeyId=key["Arn"],
    )
    ct.start_logging(Name="org-trail")
    ct.put_event_selectors(
        TrailName="org-trail",
        EventSelectors=[{"ReadWriteType": "All", "IncludeManagementEvents": True}],
    )
    return key["KeyId"], topic


def build_prod(p: boto3.Session, account: str) -> None:
    iam = p.client("iam")
    role = iam.create_role(
        RoleName="app",
        AssumeRolePolicyDocument=trust(
            {
                "Service": [
                    "ec2.amazonaws.com",
                    "lambda.amazonaws.com",
                    "glue.amazonaws.com",
                    "codebuild.amazonaws.com",
                    "sagemaker.amazonaws.com",
                ]
            }
        ),
    )["Role"]["Arn"]
    admin = iam.create_policy(PolicyName="app-admin", PolicyDocument=ADMIN)["Policy"]["Arn"]
    iam.attach_role_policy(RoleName="app", PolicyArn=admin)
    profile = iam.create_instance_profile(InstanceProfileName="app-profile")["InstanceProfile"]
    iam.add_role_to_instance_profile(InstanceProfileName="app-profile", RoleName="app")
    for region in REGIONS:
        p.client("lambda", region_name=region).create_function(
            FunctionName=f"etl-{region}",
            Runtime="python3.12",
            Role=role,
            Handler="main.handler",
            Code={"ZipFile": b"PK"},
            Environment={"Variables": {"DB_PASSWORD": SECRETS[2]}},
        )
    p.client("ec2").run_instances(
        ImageId="ami-12c6146b", MinCount=1, MaxCount=1, IamInstanceProfile={"Arn": profile["Arn"]}
    )
    p.client("glue").create_dev_endpoint(
        EndpointName="dev-ep", RoleArn=role, Arguments={"--secret": SECRETS[5]}
    )
    p.client("codebuild").create_project(
        name="build-app",
        source={"type": "S3", "location": "acme-builds/app.zip"},
        artifacts={"type": "NO_ARTIFACTS"},
        environment={
            "type": "LINUX_CONTAINER",
            "image": "aws/codebuild/standard:7.0",
            "computeType": "BUILD_GENERAL1_SMALL",
            "environmentVariables": [{"name": "TOKEN", "value": SECRETS[3], "type": "PLAINTEXT"}],
        },
        serviceRole=role,
    )
    p.client("sagemaker").create_notebook_instance(
        NotebookInstanceName="research", InstanceType="ml.t3.medium", RoleArn=role
    )


@dataclass(frozen=True)
class Collected:
    result: CollectResult
    log: CallLog
    out: Path
    snap: Snapshot
    sleeps: tuple[float, ...]


def run(aws: Built, out: Path, *hooks, **options) -> tuple[CollectResult, CallLog, list[float]]:
    log, sleeps = CallLog(), []
    opts = {"regions": REGIONS, "report_delays": (0.0, 0.0, 0.0), "workers": 3, **options}
    result = collect(
        CollectOptions(out, **opts),
        hooks=[log.attach, moto_gaps, stacks(aws), managed_nodes(aws), *hooks],
        sleep=sleeps.append,
    )
    return result, log, sleeps


@pytest.fixture(scope="module")
def collected(aws, tmp_path_factory) -> Collected:
    out = tmp_path_factory.mktemp("collect") / "snapshot"
    result, log, sleeps = run(aws, out)
    return Collected(result, log, out, load_snapshot(out), tuple(sleeps))


# -- the files ------------------------------------------------------------------------------

A = r"accounts/\d{12}/"
LAYOUT = [  # README "Making a snapshot", as regular expressions over relative paths
    r"snapshot\.json",
    r"organization/(describe-organization|list-roots)\.json",
    r"organization/list-(organizational-units|accounts)-for-parent/(r|ou)-[0-9a-z-]+\.json",
    r"organization/list-policies-(SERVICE|RESOURCE)_CONTROL_POLICY\.json",
    r"organization/(describe-policy|list-targets-for-policy)/p-[0-9A-Za-z_]+\.json",
    A + r"\.complete",
    A + r"iam/(get-account-authorization-details|credential-report|get-account-password-policy"
    r"|get-account-summary)\.json",
    A + r"cloudtrail/describe-trails\.json",
    A + r"cloudtrail/(get-trail-status|get-event-selectors)/[^/]+\.json",
    A + r"s3/[^/]+/get-bucket-(policy|versioning|lifecycle-configuration)\.json",
    A + r"kms/[^/]+/get-key-policy\.json",
    A + r"sns/[^/]+/get-topic-attributes\.json",
    A + r"(lambda/list-functions|ec2/describe-instances|glue/get-dev-endpoints"
    r"|cloudformation/describe-stacks|codebuild/batch-get-projects"
    r"|sagemaker/describe-notebook-instances)\.json",
    A + r"ssm/describe-instance-information/[a-z]+-[a-z]+-\d\.json",
]
HAND_WRITTEN = (FIXTURES / "demo-org", FIXTURES / "privesc" / "existing-compute")


def files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def pattern_of(rel: str) -> str | None:
    return next((p for p in LAYOUT if re.fullmatch(p, rel)), None)


def test_every_file_is_in_the_documented_layout(collected):
    written = files(collected.out)
    assert [f for f in written if pattern_of(f) is None] == []
    kinds = {pattern_of(f) for f in written}
    assert kinds == set(LAYOUT)  # and every kind of file was written


NAMED = {  # folders whose files are named after an id or a name
    "list-organizational-units-for-parent",
    "list-accounts-for-parent",
    "describe-policy",
    "list-targets-for-policy",
    "get-trail-status",
    "get-event-selectors",
}


def kind(rel: str) -> str:
    """What a file is, whichever account, id or name it is for:
    `accounts/444455556666/s3/logs/get-bucket-policy.json` -> `accounts/A/s3/*/get-...`."""
    parts = re.sub(r"^accounts/\d{12}/", "accounts/A/", rel).split("/")
    if len(parts) > 1 and parts[-2] in NAMED:
        parts[-1] = "*.json"
    if len(parts) > 2 and parts[-3] in ("s3", "kms", "sns"):
        parts[-2] = "*"
    return "/".join(parts)


# keys AWS prints only when they are set (e.g. a trail that never sent a digest file)
OPTIONAL = {
    "AdvancedEventSelectors",
    "LatestDigestDeliveryTime",
    "LatestNotificationTime",
    "TransitionDefaultMinimumObjectSize",
    "MFADelete",
}


def test_files_have_the_shape_of_the_hand_written_snapshots(collected):
    """Each file's top-level keys are those of its counterpart in the hand-written fixtures
    (AWS CLI output), so the loaders see the same structure."""
    counterparts = {}
    for root in HAND_WRITTEN:
        for rel in files(root):
            counterparts.setdefault(kind(rel), root / rel)
    compared = {}
    for rel in files(collected.out):
        other = counterparts.get(kind(rel))
        if other is not None and rel != "snapshot.json":
            ours = set(json.loads((collected.out / rel).read_text()))
            theirs = set(json.loads(other.read_text())) - {"IsTruncated", "Marker"}
            compared[kind(rel)] = (ours - theirs - OPTIONAL, theirs - ours - OPTIONAL)
    assert len(compared) >= 25
    assert {k: v for k, v in compared.items() if v != (set(), set())} == {}


ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00$")


def test_files_are_printed_like_the_cli(collected):
    for rel in files(collected.out):
        text = (collected.out / rel).read_text(encoding="utf-8")
        data = json.loads(text)
        assert text == json.dumps(data, indent=4, ensure_ascii=False) + "\n", rel
        assert "ResponseMetadata" not in text and "NextToken" not in text, rel
        assert not re.search(r'"\d{4}-\d\d-\d\d \d\d:\d\d', text), rel  # str(datetime)
    auth = json.loads(
        (collected.out / f"accounts/{M}/iam/get-account-authorization-details.json").read_text()
    )
    assert list(auth) == ["UserDetailList", "GroupDetailList", "RoleDetailList", "Policies"]
    assert ISO.match(auth["UserDetailList"][0]["CreateDate"])
    report = json.loads((collected.out / f"accounts/{M}/iam/credential-report.json").read_text())
    assert report["ReportFormat"] == "text/csv" and ISO.match(report["GeneratedTime"])
    assert base64.b64decode(report["Content"]).decode().startswith("user,arn,")


def test_secrets_and_credentials_are_never_written(collected):
    for rel in files(collected.out):
        text = (collected.out / rel).read_text(encoding="utf-8")
        for secret in (*SECRETS, "SecretAccessKey", "SessionToken", "out-secret"):
            assert secret not in text, (rel, secret)


def test_snapshot_json_records_the_run(collected, aws):
    meta = json.loads((collected.out / "snapshot.json").read_text())
    assert meta["tool"].startswith("iamgraph ") and ISO.match(meta["collected_at"])
    assert meta["partitions"] == ["aws"] and meta["regions"] == list(REGIONS)
    assert meta["organization"] == aws.org_id
    assert sorted(meta["accounts"]) == sorted([M, aws.log_archive, aws.prod_account])
    assert meta["failures"] == []
    facts = {(f["account"], f["operation"], f["code"]) for f in meta["facts"]}
    assert (aws.prod_account, "GetAccountPasswordPolicy", "NoSuchEntity") in facts
    assert (M, "GetAccountPasswordPolicy", "NoSuchEntity") not in facts
    assert collected.snap.meta == meta


def test_the_snapshot_is_complete_and_the_markers_are_ignored(collected):
    assert all((collected.out / "accounts" / a / MARKER).is_file() for a in collected.snap.accounts)
    assert collected.snap.gaps == ()  # nothing the loader looks for is missing


# -- what the analysis sees -------------------------------------------------------------------


def test_organization_tree_and_policies(collected, aws):
    org = collected.snap.organization
    assert org.org_id == aws.org_id and org.management_account == M
    assert set(org.accounts) == {M, aws.log_archive, aws.prod_account}
    assert [n.name for n in org.path_to(aws.prod_account)] == ["Root", "Workloads", "Prod", "prod"]
    assert org.enabled_policy_types == {"SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"}
    names = {p.name: p for p in org.policies.values()}
    assert {"FullAWSAccess", "deny-create-users", "protect-trail", "enforce-org"} <= set(names)
    assert {n: names[n].policy_id for n in aws.policies} == aws.policies
    assert names["deny-create-users"].targets == (aws.prod,)
    assert names["enforce-org"].targets == (aws.security,)
    assert names["enforce-org"].type == "RESOURCE_CONTROL_POLICY"
    levels = org.levels(aws.prod_account, "SERVICE_CONTROL_POLICY")
    assert [n.node_id for n, _ in levels] == [aws.root, aws.workloads, aws.prod, aws.prod_account]
    assert "protect-trail" in {p.name for p in levels[0][1]}
    assert "deny-create-users" in {p.name for p in levels[2][1]}


def test_principals_groups_and_policies(collected, aws):
    snap = collected.snap
    alice = snap.principals[f"arn:aws:iam::{M}:user/alice"]
    bob = snap.principals[f"arn:aws:iam::{M}:user/bob"]
    assert bob.groups == (f"arn:aws:iam::{M}:group/developers",)
    bob_actions = {a for p in bob.policies.identity for s in p.statements for a in s.actions}
    assert {"s3:GetObject", "lambda:*", "iam:PassRole"} <= bob_actions
    assert {a for p in alice.policies.identity for s in p.statements for a in s.actions} == {
        "sts:AssumeRole"
    }
    admin = snap.principals[f"arn:aws:iam::{M}:role/Admin"]
    assert admin.trust.statements[0].conditions
    app = snap.principals[f"arn:aws:iam::{aws.prod_account}:role/app"]
    assert app.role.instance_profiles[0].arn.endswith("instance-profile/app-profile")
    assert f"arn:aws:iam::{aws.log_archive}:user/auditor" in snap.principals


def test_credential_report_and_password_policy(collected, aws):
    report = collected.snap.accounts[M].credential_report
    rows = {r.user: r for r in report.rows}
    assert rows["alice"].mfa_active and rows["alice"].access_keys[0].active
    assert rows["alice"].password_enabled
    assert not rows["bob"].mfa_active and rows["bob"].access_keys[0].active
    assert collected.snap.accounts[M].password_policy.minimum_length == 14
    assert collected.snap.accounts[aws.prod_account].password_policy is None
    assert collected.snap.accounts[aws.prod_account].summary is not None
    assert collected.sleeps  # moto answers STARTED first: the report was polled


def test_trail_and_the_policies_around_it(collected, aws):
    snap = collected.snap
    arn = f"arn:aws:cloudtrail:us-east-1:{M}:trail/org-trail"
    assert list(snap.trails) == [arn]  # the eu-west-1 shadow copy is not a second trail
    trail = snap.trails[arn]
    assert trail.multi_region and trail.s3_bucket == "acme-trail-logs"
    data = snap.accounts[M]
    assert data.trail_status[arn].is_logging
    assert data.event_selectors[arn].basic[0].include_management_events
    bucket = snap.bucket("acme-trail-logs")
    assert bucket.account == M and bucket.versioning == "Enabled"
    assert bucket.policy.statements[0].sid == "TrailWrite"
    assert bucket.lifecycle[0].expiration_days == 365
    assert snap.kms_key(trail.kms_key_id).key_id == aws.key_id
    assert snap.topic(aws.topic_arn).policy is not None
    assert snap.bucket("unrelated-bucket-l") is None  # no trail delivers there


def test_inventory_of_compute_that_runs_as_a_role(collected, aws):
    inventory = collected.snap.accounts[aws.prod_account].inventory
    role = f"arn:aws:iam::{aws.prod_account}:role/app"
    runners = {(r.kind, r.arn.split(":")[3]) for r in inventory.runners if r.role_arn == role}
    assert runners == {
        ("lambda-functions", "us-east-1"),
        ("lambda-functions", "eu-west-1"),  # both regions in one file
        ("ec2-instances", "us-east-1"),
        ("glue-dev-endpoints", "us-east-1"),
        ("codebuild-projects", "us-east-1"),
        ("sagemaker-notebooks", "us-east-1"),
        ("cloudformation-stacks", "us-east-1"),
        ("ssm-managed-instances", "us-east-1"),  # the hybrid node, from its region's file
    }
    assert len(inventory.collected) == 7
    assert collected.snap.accounts[M].inventory.runners == ()
    assert len(collected.snap.accounts[M].inventory.collected) == 7  # collected, and none


def test_summary_counts_what_was_built(collected, aws):
    s = summarize(collected.snap)
    assert (s.accounts, s.ous, s.scps, s.rcps, s.trails) == (3, 3, 3, 2, 1)
    per = {a.account_id: a for a in s.per_account}
    assert (per[M].users, per[M].groups, per[M].roles, per[M].policies) == (2, 1, 2, 2)
    p = per[aws.prod_account]  # moto creates OrganizationAccountAccessRole in members
    assert (p.users, p.groups, p.roles, p.policies) == (0, 0, 2, 1)
    assert (per[aws.log_archive].users, per[aws.log_archive].ou_path) == (1, "Root/Security")


def test_proofs_on_the_collected_snapshot_match_the_built_policies(collected, aws):
    snap = collected.snap
    app = f"arn:aws:iam::{aws.prod_account}:role/app"
    denied = prove_can(snap, app, ["iam:CreateUser"], ["*"])
    assert denied.verdict is Verdict.UNREACHABLE  # the Prod OU's SCP
    allowed = prove_can(snap, app, ["iam:CreateRole"], ["*"])
    assert allowed.verdict is Verdict.REACHABLE
    bob = f"arn:aws:iam::{M}:user/bob"
    assert prove_can(snap, bob, ["iam:CreateUser"], ["*"]).verdict is Verdict.UNREACHABLE


# -- read-only, and the policy it needs -------------------------------------------------------


def collect_policy() -> Policy:
    text = POLICY_FILE.read_text()
    return parse_policy(
        json.loads(text),
        kind=PolicyKind.IDENTITY,
        source=SourceRef(str(POLICY_FILE)),
        name="collect-policy",
    )


def test_every_call_is_read_only_and_allowed_by_the_shipped_policy(collected):
    policy = collect_policy()
    caller = Caller.from_arn(f"arn:aws:iam::{M}:user/collector")
    calls = {(c.service, c.operation, c.action, c.resource) for c in collected.log.calls}
    assert calls and all(READ_ONLY.match(op) for _, op, _, _ in calls)
    for service, operation, action, resource in sorted(calls, key=str):
        if action is None:  # sts:GetCallerIdentity needs no permission
            continue
        decision = decide(
            PolicySet(caller=caller, resource_account=M, identity=(policy,)),
            Request.build(action, resource),
        )
        assert decision.outcome is Outcome.ALLOWED, (service, operation, action, resource)
    # least privilege: the policy grants no action the collector did not use
    granted = {a.lower() for s in policy.statements for a in s.actions}
    used = {c.action.lower() for c in collected.log.calls if c.action}
    assert granted == used


def test_writes_are_refused_before_they_are_sent(aws):
    s = new_session(None, "us-east-1", Credentials(KEY_ID, SECRET_KEY))
    with pytest.raises(ReadOnlyViolation, match="refused iam:CreateUser"):
        s.client("iam").create_user(UserName="mallory")
    with pytest.raises(ReadOnlyViolation, match="refused s3:PutBucketPolicy"):
        s.client("s3").put_bucket_policy(Bucket="acme-trail-logs", Policy=ADMIN)
    assert "mallory" not in {u["UserName"] for u in session().client("iam").list_users()["Users"]}


def test_pages_are_merged_into_one_file_like_the_cli():
    iam = boto3.client(
        "iam", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y"
    )
    with Stubber(iam) as stub:
        user = {
            "UserName": "a",
            "Arn": f"arn:aws:iam::{M}:user/a",
            "Path": "/",
            "UserId": "AIDAEXAMPLEEXAMPLE01",
            "CreateDate": datetime(2024, 1, 1, tzinfo=UTC),
        }
        stub.add_response(
            "get_account_authorization_details",
            {"UserDetailList": [user], "RoleDetailList": [], "IsTruncated": True, "Marker": "m1"},
        )
        stub.add_response(
            "get_account_authorization_details",
            {"UserDetailList": [{**user, "UserName": "b"}], "IsTruncated": False},
            {"Marker": "m1"},
        )
        merged = Ledger(M).pages(iam, "get_account_authorization_details")
    assert [u["UserName"] for u in merged["UserDetailList"]] == ["a", "b"]
    assert "Marker" not in merged and "IsTruncated" not in merged


# -- resume, failures, no organization --------------------------------------------------------


def test_resume_skips_accounts_already_complete(aws, collected, tmp_path):
    out, one = tmp_path / "snap", {"regions": ("us-east-1",)}
    run(aws, out, accounts=(aws.log_archive, aws.prod_account), **one)
    (out / "accounts" / aws.prod_account / MARKER).unlink()
    (out / "accounts" / aws.prod_account / "stale.json").write_text("{}")
    with pytest.raises(InputError, match="not empty"):
        run(aws, out)
    result, log, _ = run(aws, out, resume=True, accounts=(aws.log_archive, aws.prod_account), **one)
    assert result.resumed == (aws.log_archive,)
    assert {c.account for c in log.calls} == {"", M, aws.prod_account}  # L was not read again
    assert not (out / "accounts" / aws.prod_account / "stale.json").exists()
    assert sorted(result.accounts) == sorted([aws.log_archive, aws.prod_account])
    meta = json.loads((out / "snapshot.json").read_text())
    assert (aws.prod_account, "NoSuchEntity") in {(f["account"], f["code"]) for f in meta["facts"]}
    assert (aws.log_archive, "NoSuchEntity") in {(f["account"], f["code"]) for f in meta["facts"]}
    load_snapshot(out)


def test_failed_calls_are_recorded_and_the_rest_is_collected(aws, tmp_path):
    def deny_role(account, params, region):
        return error("AccessDenied", 403) if aws.log_archive in params["RoleArn"] else None

    def deny_trails(account, params, region):
        if account == aws.prod_account and region == "eu-west-1":
            return error("AccessDeniedException", 403)
        return None

    out = tmp_path / "snap"
    result, _, _ = run(
        aws,
        out,
        answering(
            {("sts", "AssumeRole"): deny_role, ("cloudtrail", "DescribeTrails"): deny_trails}
        ),
        accounts=(aws.log_archive, aws.prod_account),
    )
    failed = {(f.service, f.operation, f.account, f.region, f.code) for f in result.failures}
    assert failed == {
        ("sts", "AssumeRole", aws.log_archive, "us-east-1", "AccessDenied"),
        ("cloudtrail", "DescribeTrails", aws.prod_account, "eu-west-1", "AccessDeniedException"),
    }
    assert not (out / "accounts" / aws.log_archive).exists()
    assert not (out / "accounts" / aws.prod_account / "cloudtrail").exists()
    meta = json.loads((out / "snapshot.json").read_text())
    assert len(meta["failures"]) == 2 and aws.log_archive not in meta["accounts"]
    snap = load_snapshot(out)
    assert f"no account folder for {aws.log_archive}: its IAM, credentials and trails unknown" in (
        snap.gaps
    )
    assert f"no CloudTrail describe-trails for {aws.prod_account}" in snap.gaps


@pytest.mark.parametrize(
    ("code", "fact"),
    [("AWSOrganizationsNotInUseException", True), ("AccessDeniedException", False)],
)
def test_without_an_organization_only_the_own_account_is_collected(aws, tmp_path, code, fact):
    out = tmp_path / "snap"
    result, log, _ = run(
        aws,
        out,
        answering({("organizations", "DescribeOrganization"): lambda *_: error(code)}),
        regions=("us-east-1",),
    )
    assert result.accounts == (M,) and result.organization is None
    assert not (out / "organization").exists()
    issues = result.facts if fact else result.failures
    assert ("DescribeOrganization", code) in {(i.operation, i.code) for i in issues}
    assert {c.account for c in log.calls} == {"", M}  # "": sts:GetCallerIdentity
    assert load_snapshot(out).organization is None
