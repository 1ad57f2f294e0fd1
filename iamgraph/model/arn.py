"""Amazon Resource Names: parse, format, and the account-principal shorthand (E18).

`arn:partition:service:region:account-id:resource`, where resource is `id`, `type/id` or
`type:id`. Resource-type names are a syntactic split here; which catalog resource type an ARN
belongs to is `iamgraph.catalog.Catalog.resource_types_for`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

PARTITIONS = ("aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f")
_ACCOUNT = re.compile(r"^\d{12}$")
_SERVICE = re.compile(r"^[a-z0-9][a-z0-9.-]*$")


class ArnError(ValueError):
    """A string that is not a well-formed ARN."""


@dataclass(frozen=True, order=True)
class Arn:
    partition: str
    service: str
    region: str
    account: str
    resource: str

    @property
    def resource_type(self) -> str:
        """The part before the first `/` or `:` of the resource, or "" when there is none."""
        m = re.match(r"^([^/:]*)[/:]", self.resource)
        return m.group(1) if m else ""

    @property
    def resource_id(self) -> str:
        """The resource with its type removed (`user/ops/alice` -> `ops/alice`)."""
        t = self.resource_type
        return self.resource[len(t) + 1 :] if t else self.resource

    @property
    def name(self) -> str:
        """Last path element: the user, role or policy name of an IAM ARN."""
        return self.resource_id.rsplit("/", 1)[-1]

    def __str__(self) -> str:
        return f"arn:{self.partition}:{self.service}:{self.region}:{self.account}:{self.resource}"


def parse_arn(text: str) -> Arn:
    """Parse an ARN, rejecting what AWS would not accept as one."""
    if not isinstance(text, str):
        raise ArnError(f"expected an ARN string, got {type(text).__name__}")
    return _parse(text)


@lru_cache(maxsize=65536)  # the solver and the graph parse the same few ARNs many times over
def _parse(text: str) -> Arn:
    parts = text.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        raise ArnError(
            f"not an ARN (expected arn:partition:service:region:account:resource): {text!r}"
        )
    _, partition, service, region, account, resource = parts
    if partition not in PARTITIONS:
        raise ArnError(f"unknown partition {partition!r} in {text!r}")
    if not _SERVICE.match(service):
        raise ArnError(f"bad service {service!r} in {text!r}")
    if account and account != "aws" and not _ACCOUNT.match(account):
        raise ArnError(f"account must be 12 digits, got {account!r} in {text!r}")
    if not resource:
        raise ArnError(f"empty resource in {text!r}")
    return Arn(partition, service, region, account, resource)


def is_account_id(text: str) -> bool:
    return bool(_ACCOUNT.match(text))


def account_root_arn(account: str, partition: str = "aws") -> str:
    """E18: `"AWS": "123456789012"` means `arn:aws:iam::123456789012:root`."""
    return f"arn:{partition}:iam::{account}:root"
