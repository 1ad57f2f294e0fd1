"""CloudTrail trails, their status and event selectors, as the CloudTrail CLI prints them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from iamgraph.model.source import SourceRef


@dataclass(frozen=True)
class Trail:
    arn: str
    name: str
    home_region: str
    account: str  # the account that owns the trail (from its ARN)
    s3_bucket: str | None
    s3_key_prefix: str | None
    sns_topic_arn: str | None
    kms_key_id: str | None
    multi_region: bool
    include_global_events: bool
    log_file_validation: bool
    organization_trail: bool
    cloudwatch_log_group_arn: str | None
    has_custom_event_selectors: bool
    has_insight_selectors: bool
    source: SourceRef


@dataclass(frozen=True)
class TrailStatus:
    is_logging: bool
    latest_delivery_error: str | None
    latest_delivery_time: datetime | None
    start_logging_time: datetime | None
    stop_logging_time: datetime | None
    source: SourceRef


@dataclass(frozen=True)
class DataResource:
    type: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class EventSelector:
    """A basic selector (`EventSelectors[]`)."""

    read_write_type: str  # ReadOnly | WriteOnly | All
    include_management_events: bool
    data_resources: tuple[DataResource, ...]
    exclude_management_event_sources: tuple[str, ...]


@dataclass(frozen=True)
class FieldSelector:
    field: str
    equals: tuple[str, ...] = ()
    starts_with: tuple[str, ...] = ()
    ends_with: tuple[str, ...] = ()
    not_equals: tuple[str, ...] = ()
    not_starts_with: tuple[str, ...] = ()
    not_ends_with: tuple[str, ...] = ()


@dataclass(frozen=True)
class AdvancedEventSelector:
    name: str
    field_selectors: tuple[FieldSelector, ...]


@dataclass(frozen=True)
class EventSelectors:
    """Either basic or advanced selectors; a trail uses one form at a time."""

    trail_arn: str
    basic: tuple[EventSelector, ...]
    advanced: tuple[AdvancedEventSelector, ...]
    source: SourceRef
