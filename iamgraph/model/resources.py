"""Resource-side configuration around trails: S3 buckets, KMS keys, SNS topics."""

from __future__ import annotations

from dataclasses import dataclass

from iamgraph.model.policy import Policy


@dataclass(frozen=True)
class LifecycleRule:
    rule_id: str
    enabled: bool
    expiration_days: int | None
    noncurrent_expiration_days: int | None
    raw: dict


@dataclass(frozen=True)
class Bucket:
    """What the snapshot holds about one bucket; None means the file was not collected."""

    name: str
    account: str
    policy: Policy | None
    has_policy_file: bool
    versioning: str | None  # Enabled | Suspended | "" (never enabled)
    mfa_delete: str | None
    lifecycle: tuple[LifecycleRule, ...] | None

    @property
    def arn(self) -> str:
        return f"arn:aws:s3:::{self.name}"


@dataclass(frozen=True)
class KmsKey:
    key_id: str
    account: str
    policy: Policy | None


@dataclass(frozen=True)
class SnsTopic:
    arn: str
    name: str
    account: str
    policy: Policy | None
    attributes: dict[str, str]
