"""Inventory files (AWS CLI output) of compute that runs as a role, one reader per command.

`accounts/<id>/lambda/list-functions.json`, `glue/get-dev-endpoints.json`,
`cloudformation/describe-stacks.json`, `codebuild/batch-get-projects.json`,
`sagemaker/describe-notebook-instances.json`, `ec2/describe-instances.json`, and
`ssm/describe-instance-information/<region>.json` (one file per region: the nodes it lists carry
no ARN, so the file name says the region). A missing file means the kind was not collected (the
graph says `unknown`), never "there are none".
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from iamgraph.errors import InputError
from iamgraph.load.fields import Doc
from iamgraph.load.files import present
from iamgraph.load.optional import Skip, reason
from iamgraph.model.inventory import Inventory, Runner
from iamgraph.model.principals import AccountAuthorization

Reader = Callable[[Doc, str, dict[str, str]], list[Runner]]


def _listed(kind: str, items: str, arn: str, role: str) -> Reader:
    """A reader for a file that lists resources, each with its ARN and its role's ARN."""

    def read(doc: Doc, account: str, profiles: dict[str, str]) -> list[Runner]:
        return [
            Runner(kind, doc.arn(item, p, arn), doc.arn(item, p, role, required=False), doc.file)
            for p, item in doc.items(doc.obj(doc.root, ()), (), items)
        ]

    return read


def _glue(doc: Doc, account: str, profiles: dict[str, str]) -> list[Runner]:
    """Dev endpoints carry no ARN: it is built from the name (and the zone's region)."""
    out = []
    for p, e in doc.items(doc.obj(doc.root, ()), (), "DevEndpoints"):
        name = doc.field(e, p, "EndpointName", str)
        region = _region_of(doc.field(e, p, "AvailabilityZone", str, required=False))
        arn = f"arn:aws:glue:{region or 'us-east-1'}:{account}:devEndpoint/{name}"
        out.append(Runner("glue-dev-endpoints", arn, doc.arn(e, p, "RoleArn"), doc.file))
    return out


def _instances(doc: Doc, account: str, profiles: dict[str, str]) -> list[Runner]:
    """Running instances only: a stopped instance runs no command."""
    out = []
    for rp, r in doc.items(doc.obj(doc.root, ()), (), "Reservations"):
        for p, i in doc.items(r, rp, "Instances"):
            state = doc.obj(doc.field(i, p, "State", dict, required=False, default={}), p)
            if state.get("Name", "running") != "running":
                continue
            iid = doc.field(i, p, "InstanceId", str)
            placement = doc.field(i, p, "Placement", dict, required=False, default={})
            region = _region_of(placement.get("AvailabilityZone")) or "us-east-1"
            profile = doc.field(i, p, "IamInstanceProfile", dict, required=False)
            role = None
            if profile is not None:
                role = profiles.get(doc.arn(profile, (*p, "IamInstanceProfile"), "Arn") or "")
            arn = f"arn:aws:ec2:{region}:{account}:instance/{iid}"
            out.append(Runner("ec2-instances", arn, role, doc.file))
    return out


SSM_FOLDER = "ssm/describe-instance-information"


def _managed_nodes(
    folder: Path,
    account: str,
    auth: AccountAuthorization | None,
    ec2: list[Runner] | None,
    display: Callable[[Path], str],
) -> list[Runner] | None:
    """The nodes Systems Manager can run a command or session on: those whose agent is
    `Online` (a node with its connection lost runs nothing until it is back). An EC2 node runs
    as its instance profile's role, which only describe-instances tells (IamRole is documented
    for on-premises nodes); a hybrid node (`mi-...`) as the role its IamRole names, in its
    account. None (not collected) when EC2 nodes are listed but the instances were not, or a
    node's ResourceType is missing or one this reader does not know, or it has no PingStatus."""
    by_id = {r.arn.rsplit("/", 1)[-1]: r for r in ec2 or ()}
    roles = {role.name: role.arn for role in (auth.roles if auth else ())}
    out: list[Runner] = []
    needs_ec2 = undecided = False
    for path in sorted((folder / SSM_FOLDER).glob("*.json")):
        region = path.stem
        doc = Doc.read(path, display(path))
        for p, node in doc.items(doc.obj(doc.root, ()), (), "InstanceInformationList"):
            node_id = doc.field(node, p, "InstanceId", str)
            kind = doc.field(node, p, "ResourceType", str, required=False)
            status = doc.field(node, p, "PingStatus", str, required=False)
            if status is None:  # whether its agent answers is not said
                undecided = True
                continue
            if status != "Online":  # like a stopped instance: a fact of the snapshot's time
                continue
            if kind == "EC2Instance":
                needs_ec2 = True
                instance = by_id.get(node_id)  # not running per describe-instances: no target
                if instance is not None:
                    out.append(
                        Runner("ssm-managed-instances", instance.arn, instance.role_arn, doc.file)
                    )
                continue
            if kind != "ManagedInstance":  # a node type this reader does not know, or none
                undecided = True
                continue
            name = doc.field(node, p, "IamRole", str, required=False)
            role = roles.get(name, f"arn:aws:iam::{account}:role/{name}") if name else None
            arn = f"arn:aws:ssm:{region}:{account}:managed-instance/{node_id}"
            out.append(Runner("ssm-managed-instances", arn, role, doc.file))
    return None if undecided or (needs_ec2 and ec2 is None) else out


def _region_of(zone: str | None) -> str | None:
    """`us-east-1a` -> `us-east-1`."""
    return zone[:-1] if zone and zone[-1].isalpha() else zone


READERS: dict[str, tuple[str, Reader]] = {
    "lambda-functions": (
        "lambda/list-functions.json",
        _listed("lambda-functions", "Functions", "FunctionArn", "Role"),
    ),
    "glue-dev-endpoints": ("glue/get-dev-endpoints.json", _glue),
    "cloudformation-stacks": (
        "cloudformation/describe-stacks.json",
        _listed("cloudformation-stacks", "Stacks", "StackId", "RoleARN"),
    ),
    "codebuild-projects": (
        "codebuild/batch-get-projects.json",
        _listed("codebuild-projects", "projects", "arn", "serviceRole"),
    ),
    "sagemaker-notebooks": (
        "sagemaker/describe-notebook-instances.json",
        _listed("sagemaker-notebooks", "NotebookInstances", "NotebookInstanceArn", "RoleArn"),
    ),
    "ec2-instances": ("ec2/describe-instances.json", _instances),
}


def load_inventory(
    folder: Path,
    account: str,
    auth: AccountAuthorization | None,
    display: Callable[[Path], str],
    skip: Skip = None,
) -> Inventory:
    """Every inventory file present in an account folder. With `skip`, a kind whose file cannot
    be read is left uncollected (its answers `unknown`) and its error handed to `skip`."""
    profiles = {
        ip.arn: role.arn for role in (auth.roles if auth else ()) for ip in role.instance_profiles
    }
    runners: list[Runner] = []
    collected = set()
    unreadable: dict[str, str] = {}

    def left_out(kind: str, exc: InputError) -> None:
        if skip is None:
            raise exc
        skip(exc)
        unreadable[kind] = f"{exc.file} unreadable: {reason(exc)}"

    for kind, (rel, reader) in READERS.items():
        path = folder / rel
        if present(path):
            try:
                runners += reader(Doc.read(path, display(path)), account, profiles)
            except InputError as exc:
                left_out(kind, exc)
                continue
            collected.add(kind)
    if (folder / SSM_FOLDER).is_dir():
        ec2 = [r for r in runners if r.kind == "ec2-instances"]
        try:
            nodes = _managed_nodes(
                folder, account, auth, ec2 if "ec2-instances" in collected else None, display
            )
        except InputError as exc:
            left_out("ssm-managed-instances", exc)
            nodes = None
        if nodes is not None:
            collected.add("ssm-managed-instances")
            runners += nodes
    return Inventory(tuple(runners), frozenset(collected), unreadable)
