"""IAM users, groups, roles and managed policies from `get-account-authorization-details`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from iamgraph.model.policy import Policy
from iamgraph.model.source import SourceRef


class PrincipalKind(StrEnum):
    USER = "user"
    ROLE = "role"
    ROOT = "root"


@dataclass(frozen=True)
class ManagedPolicy:
    """A managed policy; `document` is its default version (None when the dump lacks it)."""

    arn: str
    name: str
    policy_id: str
    path: str
    default_version: str
    document: Policy | None
    versions: tuple[str, ...]
    attachment_count: int
    boundary_usage_count: int
    source: SourceRef
    other_versions: tuple[tuple[str, Policy], ...] = ()  # non-default versions (SetDefault...)

    @property
    def aws_managed(self) -> bool:
        return self.arn.split(":")[4] == "aws"


@dataclass(frozen=True)
class User:
    arn: str
    name: str
    user_id: str
    path: str
    account: str
    created: datetime | None
    inline: tuple[Policy, ...]
    attached: tuple[str, ...]  # managed policy ARNs
    groups: tuple[str, ...]  # group names (GroupList)
    boundary: str | None
    tags: tuple[tuple[str, str], ...]
    source: SourceRef


@dataclass(frozen=True)
class Group:
    arn: str
    name: str
    group_id: str
    path: str
    account: str
    created: datetime | None
    inline: tuple[Policy, ...]
    attached: tuple[str, ...]
    source: SourceRef


@dataclass(frozen=True)
class InstanceProfile:
    arn: str
    name: str
    profile_id: str
    path: str


@dataclass(frozen=True)
class Role:
    arn: str
    name: str
    role_id: str
    path: str
    account: str
    created: datetime | None
    trust: Policy
    inline: tuple[Policy, ...]
    attached: tuple[str, ...]
    boundary: str | None
    tags: tuple[tuple[str, str], ...]
    instance_profiles: tuple[InstanceProfile, ...]
    last_used: datetime | None
    source: SourceRef

    @property
    def service_linked(self) -> bool:
        """E7: service-linked roles live under /aws-service-role/ and are exempt from SCPs."""
        return self.path.startswith("/aws-service-role/")


@dataclass(frozen=True)
class AccountAuthorization:
    """One `get-account-authorization-details` dump, all pages merged.

    `account` is the account the dump was taken in; entities keep the account of their ARN.
    """

    account: str
    users: tuple[User, ...]
    groups: tuple[Group, ...]
    roles: tuple[Role, ...]
    policies: tuple[ManagedPolicy, ...]
    files: tuple[str, ...]


@dataclass(frozen=True)
class ResolvedPolicies:
    """Every policy that applies to one principal, resolved through groups and attachments."""

    identity: tuple[Policy, ...]  # inline, attached managed (default version), group policies
    boundary: Policy | None
    boundary_arn: str | None
    unresolved: tuple[str, ...]  # managed policy ARNs whose document the snapshot lacks


@dataclass(frozen=True)
class Principal:
    """A user, role or account root, with the policies that apply to it."""

    kind: PrincipalKind
    arn: str
    name: str
    account: str
    policies: ResolvedPolicies
    user: User | None = None
    role: Role | None = None
    groups: tuple[str, ...] = ()  # group ARNs

    @property
    def trust(self) -> Policy | None:
        return self.role.trust if self.role else None

    @property
    def service_linked(self) -> bool:
        return bool(self.role and self.role.service_linked)
