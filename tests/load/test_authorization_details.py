"""get-account-authorization-details: pages, all three document encodings, default versions."""

from datetime import UTC, datetime

from iamgraph.load.authorization_details import load_authorization_details
from tests.conftest import DEMO, FIXTURES
from tests.demo import DEV_ID, MGMT_ID, PROD_ID

PROD = DEMO / f"accounts/{PROD_ID}/iam/get-account-authorization-details"
DEV = DEMO / f"accounts/{DEV_ID}/iam/get-account-authorization-details.json"
MGMT = DEMO / f"accounts/{MGMT_ID}/iam/get-account-authorization-details.json"


def test_pages_merge_into_one_dump():
    auth = load_authorization_details([PROD / "page-1.json", PROD / "page-2.json"], "444455556666")
    assert {u.name for u in auth.users} == {"lee.wong", "sam.okafor", "legacy-batch"}
    assert {g.name for g in auth.groups} == {"Developers", "SupportViewers"}
    assert {r.name for r in auth.roles} == {
        "OrganizationAccountAccessRole",
        "ops-automation",
        "app-server",
        "PlatformDeploy",
    }
    assert len(auth.files) == 2
    deploy = next(r for r in auth.roles if r.name == "PlatformDeploy")
    assert deploy.boundary == "arn:aws:iam::444455556666:policy/deploy-boundary"


def test_url_encoded_documents_parse_like_objects():
    auth = load_authorization_details(DEV)
    dev_admin = next(r for r in auth.roles if r.name == "dev-admin")
    principal = dev_admin.trust.statements[0].principal
    assert principal.aws == ("arn:aws:iam::555566667777:root",)
    power = next(p for p in auth.policies if p.name == "dev-power-user")
    not_action = next(s for s in power.document.statements if s.not_action)
    assert set(not_action.actions) == {"iam:*", "organizations:*", "account:*"}


def test_json_string_documents():
    auth = load_authorization_details(FIXTURES / "loaders/authorization/json-string-documents.json")
    (user,) = auth.users
    (inline,) = user.inline
    assert inline.statements[0].sid == "ReadReports"
    assert inline.statements[0].actions == ("s3:GetObject", "s3:ListBucket")
    (role,) = auth.roles
    assert role.trust.statements[0].principal.service == ("ec2.amazonaws.com",)
    (managed,) = auth.policies
    cond = managed.document.statements[0].conditions[0]
    assert (cond.operator, cond.key, cond.values) == (
        "StringEquals",
        "cloudwatch:namespace",
        ("Acme/Reports",),
    )
    assert auth.account == "777788889999"


def test_only_the_default_version_counts():
    auth = load_authorization_details(MGMT)
    pe = next(p for p in auth.policies if p.name == "platform-engineer")
    assert pe.default_version == "v2" and set(pe.versions) == {"v1", "v2"}
    actions = {a for s in pe.document.statements for a in s.actions}
    assert "iam:*" not in actions  # v1 allowed iam:*, v2 does not


def test_statements_keep_file_line_and_pointer():
    auth = load_authorization_details(MGMT)
    ci = next(u for u in auth.users if u.name == "ci-deployer")
    st = ci.inline[0].statements[0]
    assert st.source.file == str(MGMT)
    assert st.source.pointer.startswith("/UserDetailList/")
    assert st.source.pointer.endswith("/PolicyDocument/Statement/0")
    line = MGMT.read_text().splitlines()[st.source.line - 1]
    assert line[st.source.column - 1] == "{"


def test_role_facts():
    auth = load_authorization_details(
        DEMO / "accounts/444455556666/iam/get-account-authorization-details/page-1.json"
    )
    ops = next(r for r in auth.roles if r.name == "ops-automation")
    assert [p.name for p in ops.instance_profiles] == ["ops-automation"]
    assert not ops.service_linked
    mgmt = load_authorization_details(MGMT)
    org_role = next(r for r in mgmt.roles if r.name == "AWSServiceRoleForOrganizations")
    assert org_role.service_linked  # E7: path /aws-service-role/


CLOUDSPLAINING = FIXTURES / "loaders/cloudsplaining/example-excerpt.json"


def test_real_world_dump_with_boto3_dates():
    """An excerpt of a real dump (boto3 paginator output: `str(datetime)` dates, two accounts)."""
    auth = load_authorization_details(CLOUDSPLAINING)
    assert (len(auth.users), len(auth.groups), len(auth.roles), len(auth.policies)) == (6, 4, 6, 12)
    first = auth.users[0]  # "CreateDate": "2023-03-09 10:41:45+00:00"
    assert (first.name, first.created) == (
        "fn1-privesc3-partial-user",
        datetime(2023, 3, 9, 10, 41, 45, tzinfo=UTC),
    )
    ec2 = next(r for r in auth.roles if r.name == "OverprivilegedEC2")
    assert ec2.last_used == datetime(2019, 1, 20, 18, 48, tzinfo=UTC)
    assert [p.name for p in ec2.instance_profiles] == ["OverprivilegedEC2"]
    assert ec2.account == "012345678901"  # entities keep their own ARN's account
    org = next(r for r in auth.roles if r.name == "AWSServiceRoleForOrganizations")
    assert org.service_linked  # E7: path /aws-service-role/
    assert auth.account == "200611803367"  # the most common account names the dump
