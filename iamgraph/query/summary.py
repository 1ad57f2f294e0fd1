"""`iamgraph summary`: what a snapshot holds, counted, and what it lacks."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from iamgraph.catalog import catalog
from iamgraph.model.organization import RCP, SCP
from iamgraph.model.principals import PrincipalKind
from iamgraph.model.snapshot import Snapshot


@dataclass(frozen=True)
class AccountCounts:
    account_id: str
    name: str
    ou_path: str
    users: int
    groups: int
    roles: int
    policies: int  # customer managed
    trails: int  # trails this account owns


@dataclass(frozen=True)
class Summary:
    snapshot: str
    organization_id: str | None
    management_account: str | None
    accounts: int
    ous: int
    scps: int
    rcps: int
    users: int
    groups: int
    roles: int
    policies: int
    trails: int
    per_account: tuple[AccountCounts, ...]
    gaps: tuple[str, ...]
    catalog_version: str

    def as_dict(self) -> dict:
        return asdict(self)


def summarize(snap: Snapshot) -> Summary:
    org = snap.organization
    kinds = [p.kind for p in snap.principals.values()]
    customer = [p for p in snap.managed_policies.values() if not p.aws_managed]
    rows = []
    for aid in snap.account_ids():
        name = org.accounts[aid].name if org and aid in org.accounts else ""
        path = ""
        if org and aid in org.nodes:
            path = "/".join(n.name for n in org.path_to(aid)[:-1])
        principals = [p for p in snap.principals.values() if p.account == aid]
        rows.append(
            AccountCounts(
                account_id=aid,
                name=name,
                ou_path=path,
                users=sum(p.kind is PrincipalKind.USER for p in principals),
                groups=sum(g.account == aid for g in snap.groups.values()),
                roles=sum(p.kind is PrincipalKind.ROLE for p in principals),
                policies=sum(1 for p in customer if p.arn.split(":")[4] == aid),
                trails=sum(1 for t in snap.trails.values() if t.account == aid),
            )
        )
    return Summary(
        snapshot=snap.root,
        organization_id=org.org_id if org else None,
        management_account=org.management_account if org else None,
        accounts=len(snap.account_ids()),
        ous=len(org.ous()) if org else 0,
        scps=sum(1 for p in org.policies.values() if p.type == SCP) if org else 0,
        rcps=sum(1 for p in org.policies.values() if p.type == RCP) if org else 0,
        users=kinds.count(PrincipalKind.USER),
        groups=len(snap.groups),
        roles=kinds.count(PrincipalKind.ROLE),
        policies=len(customer),
        trails=len(snap.trails),
        per_account=tuple(rows),
        gaps=snap.gaps,
        catalog_version=catalog().version,
    )
