"""`lint` rules, one test per rule, on policy files in fixtures/policies."""

import json
import shutil

import pytest

from iamgraph.errors import InputError
from iamgraph.model.policy import PolicyKind
from iamgraph.premerge.lint import lint_paths
from tests.conftest import DEMO, FIXTURES

POLICIES = FIXTURES / "policies"


def found(path, kind=None):
    return [
        (f.rule.id, f.locations[0].line, f.locations[0].column, f.key)
        for f in lint_paths([path], kind)
    ]


def test_typos_in_actions_services_resources_and_keys():
    assert found(POLICIES / "ci-deploy-typos.json") == [
        ("IAMG-L003", 8, 17, "$.Statement[0].Action[0]"),
        ("IAMG-L004", 9, 17, "$.Statement[0].Action[1]"),
        ("IAMG-L002", 18, 17, "$.Statement[1].Action[1]"),
        ("IAMG-L005", 24, 44, "$.Statement[1].Condition.StringEquals['lambda:FunctionArnn']"),
    ]


def test_grammar_errors_are_all_reported_and_good_statements_still_linted():
    findings = lint_paths([POLICIES / "grammar-errors.json"])
    assert [(f.rule.id, f.message, f.locations[0].line) for f in findings] == [
        ("IAMG-L001", "Effect must be 'Allow' or 'Deny', got 'allow'", 5),
        ("IAMG-L001", "unknown condition operator 'StringEqualz'", 13),
    ]


def test_variables_are_literal_under_the_2008_version():
    # V4
    (finding,) = lint_paths([POLICIES / "home-folder-2008.json"])
    assert finding.rule.id == "IAMG-L007" and "${aws:username}" in finding.message


def test_scp_wildcards_only_at_the_end():
    # P2 (2023 SCP syntax page): warn, do not guess
    assert found(POLICIES / "scp-mid-wildcard.json") == []
    assert [f[0] for f in found(POLICIES / "scp-mid-wildcard.json", PolicyKind.SCP)] == [
        "IAMG-L006"
    ]


def test_clean_policy_has_no_findings():
    assert found(POLICIES / "read-reports.json") == []


def test_not_principal_with_allow(tmp_path):
    path = tmp_path / "bucket-policy.json"
    path.write_text(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "NotPrincipal": '
        '{"AWS": "arn:aws:iam::111122223333:root"}, "Action": "s3:GetObject", '
        '"Resource": "arn:aws:s3:::acme-public/*"}]}'
    )
    assert [f[0] for f in found(path)] == ["IAMG-L008"]


def test_cli_outputs_holding_a_policy():
    scp = DEMO / "organization/describe-policy/p-prot3ctct.json"
    bucket = (
        DEMO
        / "accounts/222233334444/s3/acme-org-cloudtrail-logs-222233334444/get-bucket-policy.json"
    )
    assert found(scp) == [] and found(bucket) == []


def test_snapshot_findings_point_into_the_demo_files():
    # demo-org README, seeded fact 17
    findings = lint_paths([DEMO])
    assert [
        (
            f.rule.id,
            f.locations[0].file.split("/accounts/")[1],
            f.locations[0].line,
            f.key.rsplit(".", 1)[1],
        )
        for f in findings
    ] == [
        (
            "IAMG-L005",
            "444455556666/iam/get-account-authorization-details/page-2.json",
            23,
            "StringEquals['s3:ResourceAcount']",
        ),
        ("IAMG-L004", "666677778888/iam/get-account-authorization-details.json", 123, "Action[2]"),
        ("IAMG-L003", "666677778888/iam/get-account-authorization-details.json", 124, "Action[3]"),
    ]
    assert all(f.locations[0].file.startswith(f"{DEMO}/accounts/") for f in findings)


def test_snapshot_grammar_errors_are_findings_not_a_stop(tmp_path):
    snap = tmp_path / "snap"
    shutil.copytree(DEMO, snap)
    desc = snap / "organization/describe-policy/p-wkld0001.json"
    desc.write_text(desc.read_text().replace('\\"Deny\\"', '\\"deny\\"', 1))
    grammar = [f for f in lint_paths([snap]) if f.rule.id == "IAMG-L001"]
    assert len(grammar) == 1
    assert grammar[0].locations[0].file == f"{snap}/organization/describe-policy/p-wkld0001.json"
    assert grammar[0].message == "Effect must be 'Allow' or 'Deny', got 'deny'"


# -- a file that cannot be read is one finding, and the other files are still linted ----------

SCP_REPO = POLICIES / "scp-repo"


def test_one_unparseable_file_of_many_is_one_finding_and_the_rest_are_linted():
    # deny-s3-public-access-changes.json has a `//` comment: JSON has none (RFC 8259)
    files = sorted(SCP_REPO.glob("*.json"))
    assert len(files) == 5
    findings = lint_paths(files, PolicyKind.SCP)
    assert [
        (f.rule.id, f.locations[0].file.rsplit("/", 1)[1], f.locations[0].line) for f in findings
    ] == [
        ("IAMG-L003", "deny-guardduty-changes.json", 11),
        ("IAMG-L010", "deny-s3-public-access-changes.json", 5),
        ("IAMG-L005", "require-imdsv2.json", 11),  # after the bad file: still linted
    ]
    bad = findings[1]
    assert bad.locations[0].column == 7 and bad.key == "$"
    assert (
        bad.message == "invalid JSON at line 5 column 7: expected a property name in double quotes"
    )
    assert bad.rule.severity.compiler_word == "error"


def test_strict_raises_the_input_error():
    with pytest.raises(InputError, match="invalid JSON at line 5 column 7"):
        lint_paths(sorted(SCP_REPO.glob("*.json")), PolicyKind.SCP, strict=True)


def test_a_file_read_in_part_is_one_finding_not_its_grammar_errors_too(tmp_path):
    # a dump whose first user's policy has a bad Effect, whose second user has no UserName
    dump = tmp_path / "get-account-authorization-details.json"
    user = {
        "Path": "/",
        "UserName": "alice",
        "UserId": "AIDAEXAMPLEALICE00001",
        "Arn": "arn:aws:iam::111122223333:user/alice",
        "CreateDate": "2024-01-10T09:00:00Z",
        "GroupList": [],
        "AttachedManagedPolicies": [],
        "UserPolicyList": [
            {
                "PolicyName": "read",
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "allow", "Action": "s3:GetObject", "Resource": "*"}],
                },
            }
        ],
    }
    bob = {k: v for k, v in user.items() if k != "UserName"} | {
        "Arn": "arn:aws:iam::111122223333:user/bob"
    }
    dump.write_text(json.dumps({"UserDetailList": [user, bob], "Policies": []}, indent=2))
    assert [(f.rule.id, f.key) for f in lint_paths([dump])] == [
        ("IAMG-L010", "$.UserDetailList[1]")
    ]


def test_unreadable_optional_snapshot_file_is_a_finding(tmp_path):
    # a policy document that is not JSON is a grammar finding (IAMG-L001, above); an optional
    # file that is not a policy and cannot be read is left out of the snapshot: one IAMG-L010
    snap = tmp_path / "snap"
    shutil.copytree(FIXTURES / "degrade", snap)
    rel = "accounts/111122223333/iam/get-account-password-policy.json"
    text = (snap / rel).read_text()
    (snap / rel).write_text(
        text.replace('"MinimumPasswordLength": 16', '"MinimumPasswordLength": "16"')
    )
    assert lint_paths([FIXTURES / "degrade"]) == []
    (finding,) = lint_paths([snap])
    assert finding.rule.id == "IAMG-L010"
    assert finding.locations[0].file == f"{snap}/{rel}"
    assert finding.key == "$.PasswordPolicy.MinimumPasswordLength"
    with pytest.raises(InputError, match=r"get-account-password-policy\.json"):
        lint_paths([snap], strict=True)


def test_snapshot_folder_without_readable_authorization_details_stays_an_input_error(tmp_path):
    snap = tmp_path / "snap"
    shutil.copytree(FIXTURES / "degrade", snap)
    auth = snap / "accounts/111122223333/iam/get-account-authorization-details.json"
    auth.write_text(auth.read_text()[:-40])
    with pytest.raises(InputError, match=r"get-account-authorization-details\.json"):
        lint_paths([snap, POLICIES / "read-reports.json"])
