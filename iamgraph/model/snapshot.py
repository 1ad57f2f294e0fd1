"""One immutable view of everything a snapshot holds, with policies resolved per principal."""

from __future__ import annotations

from dataclasses import dataclass, field

from iamgraph.errors import InputError
from iamgraph.model.arn import is_account_id
from iamgraph.model.cloudtrail import EventSelectors, Trail, TrailStatus
from iamgraph.model.credentials import AccountSummary, CredentialReport, PasswordPolicy
from iamgraph.model.inventory import Inventory
from iamgraph.model.organization import Organization
from iamgraph.model.principals import AccountAuthorization, Group, ManagedPolicy, Principal
from iamgraph.model.resources import Bucket, KmsKey, SnsTopic
from iamgraph.model.source import SourceRef


@dataclass(frozen=True)
class AccountData:
    """What the snapshot holds for one account folder; None where a file was not collected."""

    account_id: str
    authorization: AccountAuthorization | None = None
    credential_report: CredentialReport | None = None
    password_policy: PasswordPolicy | None = None  # None with iam/ present: no policy set
    summary: AccountSummary | None = None
    trails: tuple[Trail, ...] = ()  # as describe-trails listed them here, de-duplicated
    trail_status: dict[str, TrailStatus] = field(default_factory=dict)  # by trail ARN
    event_selectors: dict[str, EventSelectors] = field(default_factory=dict)  # by trail ARN
    buckets: dict[str, Bucket] = field(default_factory=dict)
    keys: dict[str, KmsKey] = field(default_factory=dict)
    topics: dict[str, SnsTopic] = field(default_factory=dict)
    inventory: Inventory = field(default_factory=Inventory)
    # Files present but unreadable, left out as if missing: path below the account folder
    # (`iam/credential-report.csv`, `sns/NAME/get-topic-attributes.json`) -> why.
    unreadable: dict[str, str] = field(default_factory=dict)

    @property
    def has_iam(self) -> bool:
        return self.authorization is not None


@dataclass(frozen=True)
class InputWarning:
    """The input contradicts itself (a folder's id against its dump's ARNs, an account that is
    not a 12-digit id): the snapshot still loads, and the user is told once where to look."""

    message: str
    source: SourceRef


@dataclass(frozen=True)
class TrailResources:
    """The bucket, KMS key and SNS topic a trail delivers to, where the snapshot has them."""

    bucket: Bucket | None
    key: KmsKey | None
    topic: SnsTopic | None


@dataclass(frozen=True)
class Snapshot:
    root: str
    organization: Organization | None
    accounts: dict[str, AccountData]
    principals: dict[str, Principal]  # by ARN: users, roles, and each account's root
    groups: dict[str, Group]  # by ARN
    managed_policies: dict[str, ManagedPolicy]  # by ARN
    trails: dict[str, Trail]  # by trail ARN, unique across accounts
    gaps: tuple[str, ...]  # what the snapshot lacks, in words
    meta: dict = field(default_factory=dict)
    warnings: tuple[InputWarning, ...] = ()  # contradictions in the input, each once
    # Optional files that could not be read (default mode): each left out, its answers unknown.
    unreadable: tuple[InputError, ...] = ()
    # Indexes derived from the snapshot by the layers that need them (who trusts whom, which
    # ARNs a pattern may match), each built once and kept under its builder's name; `replace`
    # starts an empty one, so an index never outlives the data it was built from.
    memo: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def unreadable_reason(self, account: str, rel: str) -> str | None:
        """Why the account's file `rel` was left out, if it was present but unreadable."""
        data = self.accounts.get(account)
        return data.unreadable.get(rel) if data else None

    def answered(self, account: str, operation: str, code: str) -> bool:
        """Did AWS answer "nothing configured" (`code`, e.g. NoSuchBucketPolicy) to the
        account's `operation`, as snapshot.json records it (the collector's facts), with no
        failure of that operation there? Only then does an absent file mean "not set"; without
        the record, a file the snapshot lacks was not collected and what reads it is unknown."""
        meta = self.meta if isinstance(self.meta, dict) else {}

        def match(items: object, want: str | None) -> bool:
            return any(
                isinstance(i, dict)
                and i.get("account") == account
                and i.get("operation") == operation
                and (want is None or i.get("code") == want)
                for i in (items if isinstance(items, list) else [])
            )

        return match(meta.get("facts"), code) and not match(meta.get("failures"), None)

    def account_ids(self) -> tuple[str, ...]:
        """Every 12-digit account the snapshot names; `aws` (AWS managed policies) or a
        hand-edited non-id is no account (E18)."""
        ids = set(self.accounts) | {p.account for p in self.principals.values()}
        if self.organization:
            ids |= set(self.organization.accounts)
        return tuple(sorted(i for i in ids if is_account_id(i)))

    def bucket(self, name: str) -> Bucket | None:
        return next((a.buckets[name] for a in self.accounts.values() if name in a.buckets), None)

    def kms_key(self, key: str) -> KmsKey | None:
        """A key by ARN (`arn:aws:kms:region:account:key/id`) or bare key id."""
        account, key_id = "", key
        if key.startswith("arn:"):
            parts = key.split(":", 5)
            account, key_id = parts[4], parts[5].split("/", 1)[-1]
        for acct in self.accounts.values():
            if (not account or acct.account_id == account) and key_id in acct.keys:
                return acct.keys[key_id]
        return None

    def topic(self, arn: str) -> SnsTopic | None:
        return next((a.topics[arn] for a in self.accounts.values() if arn in a.topics), None)

    def trail_resources(self, trail: Trail) -> TrailResources:
        return TrailResources(
            bucket=self.bucket(trail.s3_bucket) if trail.s3_bucket else None,
            key=self.kms_key(trail.kms_key_id) if trail.kms_key_id else None,
            topic=self.topic(trail.sns_topic_arn) if trail.sns_topic_arn else None,
        )

    def trail_status(self, trail: Trail) -> TrailStatus | None:
        owner = self.accounts.get(trail.account)
        return owner.trail_status.get(trail.arn) if owner else None

    def event_selectors(self, trail: Trail) -> EventSelectors | None:
        owner = self.accounts.get(trail.account)
        return owner.event_selectors.get(trail.arn) if owner else None
