"""ssm:SendCommand and ssm:StartSession reach a role only through a node whose SSM agent is
online: an EC2 instance listed by describe-instance-information (running as its instance
profile's role) or an on-premises node of a hybrid activation (running as its IamRole). Without
that inventory the step is `unknown`, never assumed, and a role that ssm.amazonaws.com may
assume could be behind a node the snapshot does not list.

AWS: "DescribeInstanceInformation" (Systems Manager API Reference) - the operation does not
return nodes that are stopped or terminated; PingStatus is Online, ConnectionLost or Inactive;
IamRole is the role of an on-premises node (for EC2 instances, DescribeInstances says it).
"""

from __future__ import annotations

import json
import shutil

import pytest

from iamgraph.evaluate.gather import Mfa
from iamgraph.graph.build import build
from iamgraph.graph.paths import Paths, modes_filter, privesc
from iamgraph.load.snapshot import load_snapshot
from iamgraph.verdict import Verdict
from tests.conftest import FIXTURES

ACCT = "arn:aws:iam::240000000001"
NODES = "accounts/240000000001/ssm/describe-instance-information/us-east-1.json"
OPERATOR = f"{ACCT}:user/ssm-operator"  # SendCommand on i-0ded6de6f8773d08b
SESSION = f"{ACCT}:user/session-user"  # StartSession on the same instance
SSH = f"{ACCT}:user/ssh-pusher"  # EC2 Instance Connect: needs no SSM agent
HYBRID = f"{ACCT}:user/hybrid-operator"  # SendCommand on mi-0c3f5e7a9b1d24680 (Online)
OFFLINE = f"{ACCT}:user/trap-offline-node"  # SendCommand on mi-08e1a2b3c4d5e6f70 (ConnectionLost)


def verdicts(folder) -> dict[str, Verdict]:
    pg = build(load_snapshot(folder))
    return {f.principal: f.verdict for f in privesc(pg, Paths(pg), modes_filter(None))}


@pytest.fixture
def copy(tmp_path):
    folder = tmp_path / "snap"
    shutil.copytree(FIXTURES / "privesc" / "existing-compute", folder)
    return folder


def edit_nodes(folder, change) -> None:
    path = folder / NODES
    data = json.loads(path.read_text())
    for node in data["InstanceInformationList"]:
        change(node)
    path.write_text(json.dumps(data, indent=4))


def test_online_nodes_are_reached_and_a_lost_one_is_not():
    got = verdicts(FIXTURES / "privesc" / "existing-compute")
    assert got[OPERATOR] is got[SESSION] is got[HYBRID] is Verdict.REACHABLE
    assert got[OFFLINE] is Verdict.UNREACHABLE


def test_hybrid_node_runs_as_its_iam_role():
    pg = build(load_snapshot(FIXTURES / "privesc" / "existing-compute"))
    hops = [h for h in pg.steps(HYBRID, Mfa.LONG_TERM_KEYS) if h.method == "ssm:SendCommand"]
    assert [(h.target, h.verdict, h.detail) for h in hops] == [
        (
            f"{ACCT}:role/hybrid-node-admin",
            Verdict.REACHABLE,
            "via arn:aws:ssm:us-east-1:240000000001:managed-instance/mi-0c3f5e7a9b1d24680",
        )
    ]


def test_instance_whose_agent_lost_its_connection_runs_no_command(copy):
    def lose(node):
        if node["InstanceId"] == "i-0ded6de6f8773d08b":
            node["PingStatus"] = "ConnectionLost"

    edit_nodes(copy, lose)
    got = verdicts(copy)
    assert got[OPERATOR] is got[SESSION] is Verdict.UNREACHABLE
    assert got[SSH] is Verdict.REACHABLE  # Instance Connect goes through sshd, not the agent
    assert got[HYBRID] is Verdict.REACHABLE


def test_without_the_node_list_ssm_steps_are_unknown(copy):
    """The running instance and the hybrid role are there, but whether an agent runs on a
    node is not: unknown, not reachable, and never proven-unreachable."""
    shutil.rmtree(copy / "accounts/240000000001/ssm")
    got = verdicts(copy)
    assert got[OPERATOR] is got[SESSION] is got[HYBRID] is got[OFFLINE] is Verdict.UNKNOWN
    assert got[SSH] is Verdict.REACHABLE


def test_ec2_nodes_without_the_instances_leave_the_list_undecided(copy):
    """An EC2 node's role is its instance profile's, which only describe-instances tells."""
    (copy / "accounts/240000000001/ec2/describe-instances.json").unlink()
    got = verdicts(copy)
    assert got[OPERATOR] is got[HYBRID] is got[OFFLINE] is Verdict.UNKNOWN


def test_a_node_type_the_reader_does_not_know_leaves_the_list_undecided(copy):
    def retype(node):
        if node["InstanceId"] == "mi-0c3f5e7a9b1d24680":
            node["ResourceType"] = "EdgeDevice"

    edit_nodes(copy, retype)
    assert verdicts(copy)[HYBRID] is Verdict.UNKNOWN


def test_a_role_both_ec2_and_hybrid_nodes_may_run_as_is_asked_for_both(copy):
    """hybrid-node-admin with an instance profile and a trust of ec2 and ssm: without the node
    list, hybrid-operator (allowed only on managed-instance/...) is undecided, not disproven by
    the instance pattern alone."""
    shutil.rmtree(copy / "accounts/240000000001/ssm")
    path = copy / "accounts/240000000001/iam/get-account-authorization-details.json"
    details = json.loads(path.read_text())
    role = next(r for r in details["RoleDetailList"] if r["RoleName"] == "hybrid-node-admin")
    admin = next(r for r in details["RoleDetailList"] if r["RoleName"] == "instance-admin")
    role["InstanceProfileList"] = [
        {**admin["InstanceProfileList"][0], "Roles": [{**admin, "RoleName": "hybrid-node-admin"}]}
    ]
    trust = role["AssumeRolePolicyDocument"]["Statement"][0]
    trust["Principal"] = {"Service": ["ec2.amazonaws.com", "ssm.amazonaws.com"]}
    path.write_text(json.dumps(details, indent=4))
    pg = build(load_snapshot(copy))
    hops = [h for h in pg.steps(HYBRID, Mfa.LONG_TERM_KEYS) if h.method == "ssm:SendCommand"]
    assert [(h.target, h.verdict, h.detail) for h in hops] == [
        (f"{ACCT}:role/hybrid-node-admin", Verdict.UNKNOWN, "via an on-premises node")
    ]


@pytest.mark.parametrize("field", ["PingStatus", "ResourceType"])
def test_a_node_without_status_or_type_leaves_the_list_undecided(copy, field):
    """Without PingStatus the node may be online; without ResourceType an `mi-` node would
    otherwise be looked up among the EC2 instances, missed, and taken for no target."""

    def unsaid(node):
        if node["InstanceId"] == "mi-0c3f5e7a9b1d24680":
            del node[field]

    edit_nodes(copy, unsaid)
    assert verdicts(copy)[HYBRID] is Verdict.UNKNOWN
