"""A snapshot with a Terraform plan applied, and what applying it had to assume or leave open.

A plan says what will change, but not everything is known before apply: ARNs and ids of new
resources, and policy text built from them. Known parts are applied; an unknown ARN is replaced
by the one AWS will give (recorded as an `Assumption`); an unknown policy text cannot be guessed,
so the principals it applies to are left `unknown` (recorded as `Unresolved`), never "denied".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from iamgraph.model.snapshot import Snapshot
from iamgraph.model.source import SourceRef

# Which policy a SourceRef belongs to: (owner, name), where owner is the ARN of the principal,
# group, managed policy or organization policy, and name is the inline or managed policy's
# name, the organization policy's name, or TRUST for a role's trust policy.
PolicyKey = tuple[str, str]
TRUST = ":trust"  # IAM policy names cannot contain ':', so this never clashes with one


@dataclass(frozen=True)
class Assumption:
    """A value unknown until apply that was given a concrete stand-in, and why that one."""

    address: str  # resource address in the plan, e.g. aws_iam_user_policy_attachment.deploy
    attribute: str  # attribute path in `change.after`, e.g. policy_arn, inline_policy[0].policy
    value: str  # what was assumed
    reason: str


@dataclass(frozen=True)
class Unresolved:
    """Something the plan changes that could not be applied exactly: the answers of
    `principals` depend on it and are `unknown` (empty: the principals could not be told)."""

    address: str
    what: str  # e.g. arn:aws:iam::aws:policy/PowerUserAccess, or role/x inline policy y
    reason: str
    principals: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlannedSnapshot:
    """`snapshot` is a new Snapshot: the input with the plan's changes applied."""

    snapshot: Snapshot
    plan: str  # the plan file, as given
    account: str | None  # the account the plan's IAM resources are in, where it was needed
    assumptions: tuple[Assumption, ...] = ()
    unresolved: tuple[Unresolved, ...] = ()
    sources: dict[PolicyKey, SourceRef] = field(default_factory=dict)  # changed policies
    applied: tuple[str, ...] = ()  # addresses whose change was applied
    skipped: tuple[str, ...] = ()  # addresses of changed resources that grant no IAM access
