"""The AWS Organizations CLI outputs of a snapshot's `organization/` folder (FORMATS 1.5).

The tree is walked from the root through `list-organizational-units-for-parent/<id>.json` and
`list-accounts-for-parent/<id>.json`. What the folder lacks is reported in `gaps`, not guessed.
An SCP's or RCP's content is held to AWS's size limit (model/limits.py) unless `size_limit` is
off.
"""

from __future__ import annotations

from pathlib import Path

from iamgraph.errors import InputError
from iamgraph.load.fields import Doc
from iamgraph.load.files import present
from iamgraph.model import limits
from iamgraph.model.organization import (
    RCP,
    SCP,
    Account,
    NodeKind,
    Organization,
    OrgNode,
    OrgPolicy,
)
from iamgraph.model.paths import id_problem, under
from iamgraph.model.policy import PolicyKind


def load_organization(folder: Path, gaps: list[str], *, size_limit: bool = True) -> Organization:
    """Load `folder` (a snapshot's organization/), appending what it lacks to `gaps`."""

    def read(rel: str, holds: limits.Limit | None = None) -> Doc:
        return Doc.read(inside(folder, rel), str(folder / rel), size_limit=size_limit, holds=holds)

    org_doc = read("describe-organization.json")
    org = org_doc.field(org_doc.obj(org_doc.root, ()), (), "Organization", dict)
    p = ("Organization",)
    org_id = org_doc.field(org, p, "Id", str)
    management = org_doc.field(org, p, "MasterAccountId", str)

    roots_doc = read("list-roots.json")
    roots = roots_doc.items(roots_doc.obj(roots_doc.root, ()), (), "Roots")
    if len(roots) != 1:
        raise roots_doc.error(("Roots",), f"expected exactly one root, got {len(roots)}")
    rpath, root = roots[0]
    root_id = roots_doc.field(root, rpath, "Id", str)
    _check_id(roots_doc, (*rpath, "Id"), "root", root_id)
    enabled = frozenset(
        roots_doc.field(t, tp, "Type", str)
        for tp, t in roots_doc.items(root, rpath, "PolicyTypes", required=False)
        if t.get("Status") == "ENABLED"
    )
    if "PolicyTypes" not in root:  # older dumps: infer from the policy listings present
        enabled = frozenset(
            t for t in (SCP, RCP) if present(inside(folder, f"list-policies-{t}.json"))
        )

    nodes: dict[str, OrgNode] = {}
    accounts: dict[str, Account] = {}
    _walk(
        folder,
        read,
        root_id,
        None,
        NodeKind.ROOT,
        "Root",
        roots_doc.field(root, rpath, "Arn", str),
        nodes,
        accounts,
        gaps,
    )

    policies: dict[str, OrgPolicy] = {}
    for ptype in (SCP, RCP):
        rel = f"list-policies-{ptype}.json"
        if not present(inside(folder, rel)):
            if ptype in enabled:
                gaps.append(f"organization/{rel} missing although {ptype} is enabled")
            continue
        listing = read(rel)
        for lp, item in listing.items(listing.obj(listing.root, ()), (), "Policies"):
            pid = listing.field(item, lp, "Id", str)
            _check_id(listing, (*lp, "Id"), "policy", pid)
            loaded = _policy(folder, read, pid, ptype, gaps)
            if loaded is not None:
                policies[pid] = loaded
    if management not in accounts:
        gaps.append(f"management account {management} is not in the organization tree")
    return Organization(
        org_id=org_id,
        arn=org_doc.field(org, p, "Arn", str, required=False, default=""),
        feature_set=org_doc.field(org, p, "FeatureSet", str, required=False, default="ALL"),
        management_account=management,
        root_id=root_id,
        nodes=nodes,
        accounts=accounts,
        policies=policies,
        enabled_policy_types=enabled,
    )


def inside(folder: Path, rel: str) -> Path:
    """`folder / rel`, refused unless it stays in `folder` (ids are checked first; this is
    the backstop for any other way out, a symlink included)."""
    path = folder / rel
    if not under(folder, path):
        raise InputError(str(path), "$", f"leaves {folder}: refused")
    return path


def _check_id(doc: Doc, path: tuple, kind: str, value: str) -> None:
    """An id that names a file must be one AWS could return (no `/`, no `..`)."""
    problem = id_problem(kind, value)
    if problem:
        raise doc.error(path, problem)


def _walk(folder, read, node_id, parent, kind, name, arn, nodes, accounts, gaps) -> None:
    children: list[str] = []
    ou_rel = f"list-organizational-units-for-parent/{node_id}.json"
    acct_rel = f"list-accounts-for-parent/{node_id}.json"
    child_ous = []
    if present(inside(folder, ou_rel)):
        doc = read(ou_rel)
        for path, ou in doc.items(doc.obj(doc.root, ()), (), "OrganizationalUnits"):
            _check_id(doc, (*path, "Id"), "OU", doc.field(ou, path, "Id", str))
            child_ous.append(
                (
                    doc.field(ou, path, "Id", str),
                    doc.field(ou, path, "Name", str),
                    doc.field(ou, path, "Arn", str, required=False, default=""),
                )
            )
    else:
        gaps.append(f"organization/{ou_rel} missing: child OUs of {node_id} unknown")
    if present(inside(folder, acct_rel)):
        doc = read(acct_rel)
        for path, acct in doc.items(doc.obj(doc.root, ()), (), "Accounts"):
            aid = doc.field(acct, path, "Id", str)
            if not (aid.isdigit() and len(aid) == 12):
                raise doc.error((*path, "Id"), f"account id must be 12 digits, got {aid!r}")
            state = doc.field(acct, path, "State", str, required=False) or doc.field(
                acct, path, "Status", str, required=False, default="ACTIVE"
            )
            accounts[aid] = Account(
                account_id=aid,
                name=doc.field(acct, path, "Name", str, required=False, default=""),
                email=doc.field(acct, path, "Email", str, required=False, default=""),
                arn=doc.field(acct, path, "Arn", str, required=False, default=""),
                state=state,
                joined_method=doc.field(
                    acct, path, "JoinedMethod", str, required=False, default=""
                ),
                joined=doc.date(acct, path, "JoinedTimestamp"),
            )
            nodes[aid] = OrgNode(
                aid, NodeKind.ACCOUNT, accounts[aid].name, accounts[aid].arn, node_id
            )
            children.append(aid)
    else:
        gaps.append(f"organization/{acct_rel} missing: accounts under {node_id} unknown")
    children.extend(ou_id for ou_id, _, _ in child_ous)
    nodes[node_id] = OrgNode(node_id, kind, name, arn, parent, tuple(children))
    for ou_id, ou_name, ou_arn in child_ous:
        if ou_id in nodes:
            raise read(ou_rel).error((), f"OU {ou_id} appears twice in the tree")
        _walk(folder, read, ou_id, node_id, NodeKind.OU, ou_name, ou_arn, nodes, accounts, gaps)


def _policy(folder: Path, read, pid: str, ptype: str, gaps: list[str]) -> OrgPolicy | None:
    rel = f"describe-policy/{pid}.json"
    if not present(inside(folder, rel)):
        gaps.append(f"organization/{rel} missing: content of {ptype} {pid} unknown")
        return None
    limit = limits.SCP if ptype == SCP else limits.RCP
    doc = read(rel, limit)
    pol = doc.field(doc.obj(doc.root, ()), (), "Policy", dict)
    summary = doc.field(pol, ("Policy",), "PolicySummary", dict)
    sp = ("Policy", "PolicySummary")
    if doc.field(summary, sp, "Id", str) != pid:
        raise doc.error((*sp, "Id"), f"expected policy {pid}, file describes {summary.get('Id')!r}")
    stated = doc.field(summary, sp, "Type", str, required=False, default=ptype)
    if stated != ptype:
        raise doc.error((*sp, "Type"), f"listed as {ptype} but described as {stated}")
    name = doc.field(summary, sp, "Name", str)
    kind = PolicyKind.SCP if ptype == SCP else PolicyKind.RCP
    arn = doc.field(summary, sp, "Arn", str, required=False, default=pid)
    aws_managed = doc.field(summary, sp, "AwsManaged", bool, required=False, default=False)
    document = doc.policy(
        pol,
        ("Policy",),
        "Content",
        kind=kind,
        name=f"{name} ({pid})",
        limit=limits.AWS_MANAGED if aws_managed else limit,
        subject=f"{kind.value.upper()} {name} ({pid})",
    )
    targets: tuple[str, ...] = ()
    trel = f"list-targets-for-policy/{pid}.json"
    if present(inside(folder, trel)):
        tdoc = read(trel)
        targets = tuple(
            tdoc.field(t, tp, "TargetId", str)
            for tp, t in tdoc.items(tdoc.obj(tdoc.root, ()), (), "Targets")
        )
    else:
        gaps.append(f"organization/{trel} missing: where {name} ({pid}) is attached is unknown")
    return OrgPolicy(
        policy_id=pid,
        arn=arn,
        name=name,
        description=doc.field(summary, sp, "Description", str, required=False, default=""),
        type=ptype,
        aws_managed=aws_managed,
        document=document,
        targets=targets,
    )
