"""`iamgraph diff BEFORE AFTER` on realistic changes to the demo organization (built in
tmp_path from fixtures/demo-org): an SCP statement removed opens a new non-MFA path to the trail
(facts 2, 10); a refactor of an inline policy is proven to grant nothing new."""

from __future__ import annotations

import json
import shutil

from typer.testing import CliRunner

from iamgraph.cli.app import app
from tests.conftest import DEMO, REPO
from tests.demo import MGMT

runner = CliRunner()


def copy_demo(tmp_path):
    folder = tmp_path / "after"
    shutil.copytree(DEMO, folder)
    return folder


def drop_deny_assume_into_management(folder):
    path = folder / "organization/describe-policy/p-wkld0001.json"
    data = json.loads(path.read_text())
    content = json.loads(data["Policy"]["Content"])
    content["Statement"] = [
        s for s in content["Statement"] if s.get("Sid") != "DenyAssumeIntoManagement"
    ]
    data["Policy"]["Content"] = json.dumps(content)
    path.write_text(json.dumps(data, indent=4))


def diff(after, *args):
    return runner.invoke(
        app,
        [
            "diff",
            str(DEMO),
            str(after),
            "--invariants",
            str(REPO / "iamgraph.toml"),
            "-f",
            "json",
            *args,
        ],
    )


def test_removing_an_scp_statement_opens_a_non_mfa_path_to_the_trail(tmp_path):
    after = copy_demo(tmp_path)
    drop_deny_assume_into_management(after)
    result = diff(after)
    assert result.exit_code == 1, result.output
    out = json.loads(result.stdout)
    assert out["result"] == "FAIL"
    by = {p["principal"]: p for p in out["principals"]}
    ops = by["arn:aws:iam::444455556666:role/ops-automation"]
    assert ops["result"] == "FAIL"
    assert [(n["action"], n["resource"]) for n in ops["new_access"]] == [
        ("sts:AssumeRole", f"{MGMT}:role/TrailOperator")
    ]
    # the principals of the management account are not under that SCP: not re-solved
    assert not [p for p in by if p.startswith(MGMT)]
    trail = next(i for i in out["invariants"] if i["name"] == "no-non-mfa-trail-tampering")
    newly = {b["principal"]: b["path"] for b in trail["newly_breaking"]}
    assert [h["method"] for h in newly[f"{MGMT}:user/oncall-bot"]] == [
        "AssumeRole",
        "PassRole+ec2:RunInstances",
        "AssumeRole",
    ]
    assert newly[f"{MGMT}:user/oncall-bot"][-1]["to"] == f"{MGMT}:role/TrailOperator"
    assert trail["repaired"] == []


def test_a_refactor_is_proven_to_grant_nothing_new(tmp_path):
    after = copy_demo(tmp_path)
    path = after / "accounts/111122223333/iam/get-account-authorization-details.json"
    data = json.loads(path.read_text())
    user = next(u for u in data["UserDetailList"] if u["UserName"] == "ci-deployer")
    statements = user["UserPolicyList"][0]["PolicyDocument"]["Statement"]
    lambdas = statements[0]
    split = [
        dict(lambdas, Sid=f"ManageLambdas{i}", Action=[a]) for i, a in enumerate(lambdas["Action"])
    ]
    user["UserPolicyList"][0]["PolicyDocument"]["Statement"] = [*reversed(statements[1:]), *split]
    path.write_text(json.dumps(data, indent=4))
    result = diff(after)
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["result"] == "PASS"
    assert [(p["principal"], p["result"]) for p in out["principals"]] == [
        (f"{MGMT}:user/ci-deployer", "PASS")
    ]
    assert all(i["newly_breaking"] == [] for i in out["invariants"])


def test_text_output_names_the_new_path(tmp_path):
    after = copy_demo(tmp_path)
    drop_deny_assume_into_management(after)
    result = runner.invoke(
        app, ["diff", str(DEMO), str(after), "--invariants", str(REPO / "iamgraph.toml")]
    )
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == f"FAIL: {DEMO} -> {after}"
    assert "invariant no-non-mfa-trail-tampering: FAIL -> FAIL" in lines
    assert any(line.startswith(f"  newly broken by {MGMT}:user/oncall-bot: ") for line in lines)


def test_a_trust_widened_to_an_outside_account_is_new_access(tmp_path):
    """T1: the trust is the role's resource policy; naming another account lets its
    principals assume the role (with their own identity allow, E17)."""
    after = copy_demo(tmp_path)
    path = after / "accounts/111122223333/iam/get-account-authorization-details.json"
    data = json.loads(path.read_text())
    role = next(r for r in data["RoleDetailList"] if r["RoleName"] == "TrailOperator")
    role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["AWS"] = [
        "arn:aws:iam::444455556666:role/ops-automation",
        "arn:aws:iam::999988887777:root",
    ]
    path.write_text(json.dumps(data, indent=4))
    out = json.loads(diff(after).stdout)
    (trust,) = [p for p in out["principals"] if p["policy"] == "trust"]
    assert (trust["principal"], trust["result"]) == (f"{MGMT}:role/TrailOperator", "FAIL")
    assert {n["principal"] for n in trust["new_access"]} == {
        "arn:aws:iam::999988887777:user/someone"
    }
    assert {n["action"] for n in trust["new_access"]} >= {"sts:AssumeRole"}
    assert out["result"] == "FAIL"


def test_a_changed_tag_is_compared(tmp_path):
    """A tag the policies read (aws:PrincipalTag) can change what a principal may do even
    though no policy changed: the principal is compared again."""
    after = copy_demo(tmp_path)
    path = after / "accounts/111122223333/iam/get-account-authorization-details.json"
    data = json.loads(path.read_text())
    user = next(u for u in data["UserDetailList"] if u["UserName"] == "ci-deployer")
    user["Tags"] = [t for t in user["Tags"] if t["Key"] != "purpose"] + [
        {"Key": "purpose", "Value": "release automation"}
    ]
    path.write_text(json.dumps(data, indent=4))
    out = json.loads(diff(after).stdout)
    assert [(p["principal"], p["result"]) for p in out["principals"]] == [
        (f"{MGMT}:user/ci-deployer", "PASS")  # re-solved; no policy reads that tag
    ]


def test_removing_a_bucket_policy_deny_is_new_access(tmp_path):
    """E2: the trail bucket's Deny statements stop requests the identity side would allow;
    with the bucket policy gone, they are new access (a removed policy is compared with none)."""
    after = copy_demo(tmp_path)
    (
        after
        / "accounts/222233334444/s3/acme-org-cloudtrail-logs-222233334444/get-bucket-policy.json"
    ).unlink()
    out = json.loads(diff(after).stdout)
    (bucket,) = [p for p in out["principals"] if p["policy"] == "resource"]
    assert bucket["principal"] == "arn:aws:s3:::acme-org-cloudtrail-logs-222233334444"
    assert bucket["result"] == "FAIL" and bucket["new_access"]


def test_a_trust_widened_to_the_whole_account(tmp_path):
    """T1/E17: a trust naming the account root lets every principal of the account whose own
    policies allow sts:AssumeRole in (before: only ops-automation was named)."""
    after = copy_demo(tmp_path)
    path = after / "accounts/111122223333/iam/get-account-authorization-details.json"
    data = json.loads(path.read_text())
    role = next(r for r in data["RoleDetailList"] if r["RoleName"] == "TrailOperator")
    role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["AWS"] = f"{MGMT}:root"
    path.write_text(json.dumps(data, indent=4))
    result = diff(after)
    assert result.exit_code == 1, result.output
    out = json.loads(result.stdout)
    (trust,) = [p for p in out["principals"] if p["policy"] == "trust"]
    assert (trust["principal"], trust["result"]) == (f"{MGMT}:role/TrailOperator", "FAIL")
    assert {(n["principal"], n["action"]) for n in trust["new_access"]} >= {
        (f"{MGMT}:user/someone", "sts:AssumeRole")
    }
