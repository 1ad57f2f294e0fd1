"""IAM.PRIVESC.PATH on the demo organization (fact 20): dev.one and dev.two become dev-admin by
sts:AssumeRole; SecurityTooling is undecided (ReadOnlyAccess missing, fact 14); and with
dev-admin's trust narrowed to one role, the finding goes away (the clean case)."""

from __future__ import annotations

import json
import shutil
import urllib.parse

from iamgraph.audit.escalation import CHECKS
from iamgraph.audit.run import context_for
from iamgraph.load.snapshot import load_snapshot
from tests.conftest import DEMO
from tests.demo import DEV


def findings(snap, check_id="IAM.PRIVESC.PATH"):
    check = next(c for c in CHECKS if c.id == check_id)
    return {(f.subject, f.unknown): f for f in check.run(context_for(snap))}


def test_demo_escalation(demo):
    found = findings(demo)
    assert set(found) == {
        (f"{DEV}:user/dev.one", False),
        (f"{DEV}:user/dev.two", False),
        ("arn:aws:iam::333344445555:role/SecurityTooling", True),
    }
    path = found[(f"{DEV}:user/dev.one", False)].evidence["path"]
    assert [(h["to"], h["method"]) for h in path] == [(f"{DEV}:role/dev-admin", "AssumeRole")]


def test_no_path_no_finding(tmp_path):
    folder = tmp_path / "org"
    shutil.copytree(DEMO, folder)
    path = folder / "accounts/555566667777/iam/get-account-authorization-details.json"
    data = json.loads(path.read_text())
    role = next(r for r in data["RoleDetailList"] if r["RoleName"] == "dev-admin")
    trust = json.loads(urllib.parse.unquote(role["AssumeRolePolicyDocument"]))
    trust["Statement"][0]["Principal"] = {"AWS": f"{DEV}:role/OrganizationAccountAccessRole"}
    role["AssumeRolePolicyDocument"] = urllib.parse.quote(
        json.dumps(trust, separators=(",", ":")), safe=""
    )
    path.write_text(json.dumps(data, indent=4))
    found = findings(load_snapshot(folder))
    assert {s for s, o in found if o is False} == set()


def test_partial_escalation_is_named_with_the_proof(demo):
    """Facts 1, 10, 18: each holds every action of some method, and no path reaches admin."""
    found = findings(demo, "IAM.PRIVESC.PARTIAL")
    mgmt = "arn:aws:iam::111122223333"
    assert {s for s, _ in found} == {
        f"{mgmt}:user/ci-deployer",
        f"{mgmt}:user/priya.patel",
        f"{mgmt}:user/oncall-bot",
        "arn:aws:iam::444455556666:role/PlatformDeploy",
    }
    ci = found[(f"{mgmt}:user/ci-deployer", False)].evidence["methods"]
    assert ci["PassRole+lambda:CreateFunction+InvokeFunction"] == [
        "iam:PassRole",
        "lambda:CreateFunction",
        "lambda:InvokeFunction",
    ]
    # a principal with a path is PATH, not PARTIAL
    assert not {s for s, _ in found} & {f"{DEV}:user/dev.one", f"{DEV}:user/dev.two"}
