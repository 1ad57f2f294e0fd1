"""The AWS Organizations tree: root, OUs, accounts, and the SCPs and RCPs attached to each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from iamgraph.model.policy import Policy


class NodeKind(StrEnum):
    ROOT = "ROOT"
    OU = "ORGANIZATIONAL_UNIT"
    ACCOUNT = "ACCOUNT"


SCP = "SERVICE_CONTROL_POLICY"
RCP = "RESOURCE_CONTROL_POLICY"


@dataclass(frozen=True)
class OrgPolicy:
    policy_id: str
    arn: str
    name: str
    description: str
    type: str  # SCP or RCP
    aws_managed: bool
    document: Policy
    targets: tuple[str, ...]  # root, OU and account ids


@dataclass(frozen=True)
class Account:
    account_id: str
    name: str
    email: str
    arn: str
    state: str  # ACTIVE, SUSPENDED, PENDING_CLOSURE, CLOSED (State supersedes Status)
    joined_method: str
    joined: datetime | None


@dataclass(frozen=True)
class OrgNode:
    node_id: str
    kind: NodeKind
    name: str
    arn: str
    parent: str | None
    children: tuple[str, ...] = ()


@dataclass(frozen=True)
class Organization:
    org_id: str
    arn: str
    feature_set: str
    management_account: str
    root_id: str
    nodes: dict[str, OrgNode]
    accounts: dict[str, Account]
    policies: dict[str, OrgPolicy]
    enabled_policy_types: frozenset[str]

    def path_to(self, node_id: str) -> tuple[OrgNode, ...]:
        """Nodes from the root down to `node_id`, inclusive (E4: every level must allow)."""
        out: list[OrgNode] = []
        current: str | None = node_id
        while current is not None:
            node = self.nodes[current]
            out.append(node)
            current = node.parent
        return tuple(reversed(out))

    def attached(self, node_id: str, policy_type: str) -> tuple[OrgPolicy, ...]:
        return tuple(
            p for p in self.policies.values() if p.type == policy_type and node_id in p.targets
        )

    def levels(
        self, account_id: str, policy_type: str
    ) -> tuple[tuple[OrgNode, tuple[OrgPolicy, ...]], ...]:
        """Per level root -> OUs -> account, the policies of `policy_type` attached there."""
        if policy_type not in self.enabled_policy_types:
            return ()
        return tuple((n, self.attached(n.node_id, policy_type)) for n in self.path_to(account_id))

    def ous(self) -> tuple[OrgNode, ...]:
        return tuple(n for n in self.nodes.values() if n.kind is NodeKind.OU)
