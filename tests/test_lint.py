"""`lint` rules, one test per rule, on policy files in fixtures/policies."""

import shutil

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
