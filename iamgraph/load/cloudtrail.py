"""CloudTrail `describe-trails`, `get-trail-status` and `get-event-selectors` output.

FORMATS 1.6. Trails are de-duplicated by ARN (shadow copies from other regions); event
selectors come in a basic or an advanced form, and both are loaded as they are.
"""

from __future__ import annotations

from pathlib import Path

from iamgraph.load.fields import Doc, Path_
from iamgraph.model.arn import parse_arn
from iamgraph.model.cloudtrail import (
    AdvancedEventSelector,
    DataResource,
    EventSelector,
    EventSelectors,
    FieldSelector,
    Trail,
    TrailStatus,
)

_OPERATORS = {
    "Equals": "equals",
    "StartsWith": "starts_with",
    "EndsWith": "ends_with",
    "NotEquals": "not_equals",
    "NotStartsWith": "not_starts_with",
    "NotEndsWith": "not_ends_with",
}


def load_describe_trails(path: Path | str, display: str | None = None) -> tuple[Trail, ...]:
    """`{"trailList": [...]}`, one Trail per ARN, in the order the ARNs first appear."""
    doc = Doc.read(path, display)
    top = doc.obj(doc.root, ())
    trails = [_trail(doc, p, item) for p, item in doc.items(top, (), "trailList")]
    return _dedupe(trails)


def _dedupe(trails: list[Trail]) -> tuple[Trail, ...]:
    """Keep the first copy of each ARN, or the copy whose HomeRegion is the ARN's region."""
    kept: dict[str, Trail] = {}
    for trail in trails:
        first = kept.get(trail.arn)
        if first is None or (not _is_home(first) and _is_home(trail)):
            kept[trail.arn] = trail
    return tuple(kept.values())


def _is_home(trail: Trail) -> bool:
    return trail.home_region == parse_arn(trail.arn).region


def _trail(doc: Doc, path: Path_, item: dict) -> Trail:
    arn = doc.arn(item, path, "TrailARN")
    parsed = parse_arn(arn)
    if parsed.service != "cloudtrail" or parsed.resource_type != "trail":
        raise doc.error((*path, "TrailARN"), f"expected a CloudTrail trail ARN, got {arn!r}")

    def text(key: str) -> str | None:
        return doc.field(item, path, key, str, required=False)

    def flag(key: str) -> bool:
        return doc.field(item, path, key, bool, required=False, default=False)

    return Trail(
        arn=arn,
        name=doc.field(item, path, "Name", str),
        home_region=doc.field(item, path, "HomeRegion", str, required=False, default=parsed.region),
        account=parsed.account,
        s3_bucket=text("S3BucketName"),
        s3_key_prefix=text("S3KeyPrefix"),
        sns_topic_arn=doc.arn(item, path, "SnsTopicARN", required=False),
        kms_key_id=text("KmsKeyId"),
        multi_region=flag("IsMultiRegionTrail"),
        include_global_events=flag("IncludeGlobalServiceEvents"),
        log_file_validation=flag("LogFileValidationEnabled"),
        organization_trail=flag("IsOrganizationTrail"),
        cloudwatch_log_group_arn=doc.arn(item, path, "CloudWatchLogsLogGroupArn", required=False),
        has_custom_event_selectors=flag("HasCustomEventSelectors"),
        has_insight_selectors=flag("HasInsightSelectors"),
        source=doc.source(path),
    )


def load_trail_status(path: Path | str, display: str | None = None) -> TrailStatus:
    """`get-trail-status`: IsLogging is required; an empty LatestDeliveryError means none."""
    doc = Doc.read(path, display)
    top = doc.obj(doc.root, ())
    error = doc.field(top, (), "LatestDeliveryError", str, required=False)
    return TrailStatus(
        is_logging=doc.field(top, (), "IsLogging", bool),
        latest_delivery_error=error or None,
        latest_delivery_time=doc.date(top, (), "LatestDeliveryTime"),
        start_logging_time=doc.date(top, (), "StartLoggingTime"),
        stop_logging_time=doc.date(top, (), "StopLoggingTime"),
        source=doc.source(()),
    )


def load_event_selectors(path: Path | str, display: str | None = None) -> EventSelectors:
    """`get-event-selectors`: `EventSelectors` (basic) or `AdvancedEventSelectors`."""
    doc = Doc.read(path, display)
    top = doc.obj(doc.root, ())
    if "EventSelectors" not in top and "AdvancedEventSelectors" not in top:
        raise doc.error(
            (), "not get-event-selectors output (neither EventSelectors nor AdvancedEventSelectors)"
        )
    basic = [_basic(doc, p, s) for p, s in doc.items(top, (), "EventSelectors", required=False)]
    advanced = [
        _advanced(doc, p, s)
        for p, s in doc.items(top, (), "AdvancedEventSelectors", required=False)
    ]
    return EventSelectors(
        trail_arn=doc.arn(top, (), "TrailARN", required=False) or "",
        basic=tuple(basic),
        advanced=tuple(advanced),
        source=doc.source(()),
    )


def _basic(doc: Doc, path: Path_, item: dict) -> EventSelector:
    resources = []
    for p, r in doc.items(item, path, "DataResources", required=False):
        resources.append(DataResource(doc.field(r, p, "Type", str), doc.strings(r, p, "Values")))
    return EventSelector(
        read_write_type=_read_write(doc, path, item),
        include_management_events=doc.field(
            item, path, "IncludeManagementEvents", bool, required=False, default=True
        ),
        data_resources=tuple(resources),
        exclude_management_event_sources=doc.strings(item, path, "ExcludeManagementEventSources"),
    )


def _read_write(doc: Doc, path: Path_, item: dict) -> str:
    value = doc.field(item, path, "ReadWriteType", str, required=False, default="All")
    if value not in ("ReadOnly", "WriteOnly", "All"):
        raise doc.error(
            (*path, "ReadWriteType"),
            f"ReadWriteType must be ReadOnly, WriteOnly or All, got {value!r}",
        )
    return value


def _advanced(doc: Doc, path: Path_, item: dict) -> AdvancedEventSelector:
    fields = []
    for p, f in doc.items(item, path, "FieldSelectors"):
        operators = {attr: doc.strings(f, p, key) for key, attr in _OPERATORS.items()}
        fields.append(FieldSelector(field=doc.field(f, p, "Field", str), **operators))
    return AdvancedEventSelector(
        name=doc.field(item, path, "Name", str, required=False, default=""),
        field_selectors=tuple(fields),
    )
