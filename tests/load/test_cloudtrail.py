"""CloudTrail loaders: describe-trails de-duplication, trail status, both selector forms."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from iamgraph.errors import InputError
from iamgraph.load.cloudtrail import (
    load_describe_trails,
    load_event_selectors,
    load_trail_status,
)
from iamgraph.model.cloudtrail import FieldSelector

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "loaders" / "cloudtrail"
ORG_TRAIL = "arn:aws:cloudtrail:us-east-1:111122223333:trail/org-trail"


def write(tmp_path: Path, name: str, value: object) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(value, indent=2))
    return path


def test_shadow_trails_are_deduplicated_keeping_the_first_copy() -> None:
    trails = load_describe_trails(FIXTURES / "describe-trails.json", "describe-trails.json")
    assert [t.arn for t in trails] == [
        ORG_TRAIL,
        "arn:aws:cloudtrail:eu-west-1:444455556666:trail/app-audit",
    ]
    org = trails[0]
    assert org.source.path == ("trailList", 0)
    assert org.source.file == "describe-trails.json"
    assert org.account == "111122223333"
    assert org.organization_trail and org.multi_region and org.log_file_validation
    assert org.s3_bucket == "org-cloudtrail-logs-111122223333"
    assert org.kms_key_id.endswith("key/1234abcd-12ab-34cd-56ef-1234567890ab")
    assert org.sns_topic_arn == "arn:aws:sns:us-east-1:111122223333:cloudtrail-delivery"


def test_single_region_trail_defaults_missing_booleans_to_false() -> None:
    local = load_describe_trails(FIXTURES / "describe-trails.json")[1]
    assert local.account == "444455556666"
    assert local.home_region == "eu-west-1"
    assert not local.multi_region and not local.include_global_events
    assert local.has_insight_selectors is False  # absent from the entry
    assert local.s3_key_prefix is None and local.kms_key_id is None
    assert local.cloudwatch_log_group_arn is None


def test_home_region_copy_wins_over_an_earlier_copy(tmp_path: Path) -> None:
    home = {"Name": "org-trail", "TrailARN": ORG_TRAIL, "HomeRegion": "us-east-1"}
    other = {**home, "HomeRegion": "eu-west-1"}
    path = write(tmp_path, "trails.json", {"trailList": [other, home]})
    (trail,) = load_describe_trails(path)
    assert trail.home_region == "us-east-1"
    assert trail.source.path == ("trailList", 1)


def test_empty_trail_list(tmp_path: Path) -> None:
    assert load_describe_trails(write(tmp_path, "trails.json", {"trailList": []})) == ()


def test_trail_arn_of_another_service_is_an_error(tmp_path: Path) -> None:
    bad = "arn:aws:s3:::org-trail"
    path = write(tmp_path, "trails.json", {"trailList": [{"Name": "x", "TrailARN": bad}]})
    with pytest.raises(InputError) as info:
        load_describe_trails(path, "trails.json")
    assert str(info.value) == (
        "trails.json: $.trailList[0].TrailARN: "
        "expected a CloudTrail trail ARN, got 'arn:aws:s3:::org-trail'"
    )


def test_trail_status_logging() -> None:
    status = load_trail_status(FIXTURES / "get-trail-status.json")
    assert status.is_logging is True
    assert status.latest_delivery_error is None
    assert status.latest_delivery_time == datetime(2024, 6, 1, 11, 58, 3, 412000, tzinfo=UTC)
    assert status.start_logging_time == datetime(2023, 11, 14, 9, 30, tzinfo=UTC)
    assert status.stop_logging_time is None


def test_trail_status_stopped_with_boto3_style_dates() -> None:
    status = load_trail_status(FIXTURES / "get-trail-status-stopped.json")
    assert status.is_logging is False
    assert status.latest_delivery_error == "AccessDenied"
    assert status.stop_logging_time == datetime(2024, 3, 2, 17, 6, 10, tzinfo=UTC)


def test_empty_delivery_error_means_none(tmp_path: Path) -> None:
    path = write(tmp_path, "status.json", {"IsLogging": True, "LatestDeliveryError": ""})
    assert load_trail_status(path).latest_delivery_error is None


def test_is_logging_as_a_string_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "status.json", {"IsLogging": "true"})
    with pytest.raises(InputError) as info:
        load_trail_status(path, "status.json")
    assert str(info.value) == "status.json: $.IsLogging: IsLogging must be a boolean, got a string"
    assert info.value.path == "$.IsLogging"
    assert info.value.position == (2, 16)


def test_is_logging_is_required(tmp_path: Path) -> None:
    path = write(tmp_path, "status.json", {"LatestDeliveryTime": "2024-06-01T00:00:00Z"})
    with pytest.raises(InputError) as info:
        load_trail_status(path, "status.json")
    assert str(info.value) == "status.json: $: missing required field 'IsLogging'"


def test_basic_event_selectors() -> None:
    selectors = load_event_selectors(FIXTURES / "get-event-selectors-basic.json")
    assert selectors.trail_arn == "arn:aws:cloudtrail:eu-west-1:444455556666:trail/app-audit"
    assert selectors.advanced == ()
    (basic,) = selectors.basic
    assert basic.read_write_type == "WriteOnly"
    assert basic.include_management_events is True
    assert basic.exclude_management_event_sources == ("kms.amazonaws.com",)
    (resource,) = basic.data_resources
    assert resource.type == "AWS::S3::Object"
    assert resource.values == ("arn:aws:s3:::app-assets-111122223333/",)


def test_advanced_event_selectors() -> None:
    selectors = load_event_selectors(FIXTURES / "get-event-selectors-advanced.json")
    assert selectors.trail_arn == ORG_TRAIL
    assert selectors.basic == ()
    management, data = selectors.advanced
    assert management.name == "Management events"
    assert management.field_selectors == (
        FieldSelector(field="eventCategory", equals=("Management",)),
    )
    assert len(data.field_selectors) == 4
    assert data.field_selectors[3] == FieldSelector(
        field="resources.ARN",
        not_starts_with=("arn:aws:s3:::org-cloudtrail-logs-111122223333/",),
    )


def test_event_selectors_need_one_of_the_two_forms(tmp_path: Path) -> None:
    path = write(tmp_path, "selectors.json", {"TrailARN": ORG_TRAIL})
    with pytest.raises(InputError) as info:
        load_event_selectors(path, "selectors.json")
    assert str(info.value) == (
        "selectors.json: $: not get-event-selectors output "
        "(neither EventSelectors nor AdvancedEventSelectors)"
    )


def test_field_selector_operator_values_must_be_strings(tmp_path: Path) -> None:
    selector = {"Name": "x", "FieldSelectors": [{"Field": "readOnly", "Equals": [False]}]}
    path = write(tmp_path, "selectors.json", {"AdvancedEventSelectors": [selector]})
    with pytest.raises(InputError) as info:
        load_event_selectors(path, "selectors.json")
    assert str(info.value) == (
        "selectors.json: $.AdvancedEventSelectors[0].FieldSelectors[0].Equals[0]: "
        "expected a string, got a boolean"
    )
