"""The trails' own configuration: one logging every account, logging, multi-region,
management events read and write, log validation, KMS, alerting. A status or selector file
the snapshot lacks makes the finding UNKNOWN.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from iamgraph.audit.model import AuditContext
from iamgraph.audit.trail.facts import (
    iso_or_none,
    sorted_trails,
)
from iamgraph.finding import Finding, found
from iamgraph.model.cloudtrail import EventSelectors, FieldSelector, Trail, TrailStatus
from iamgraph.model.snapshot import Snapshot

# -- trail configuration -----------------------------------------------------------------------


def _logging(snap: Snapshot, trail: Trail) -> bool | None:
    status = snap.trail_status(trail)
    return None if status is None else status.is_logging


def _trails_listed(snap: Snapshot, account: str) -> bool:
    """Did the snapshot collect describe-trails for the account (so its own trails are known)?"""
    return account in snap.accounts and (
        f"no CloudTrail describe-trails for {account}" not in snap.gaps
    )


def _active_accounts(snap: Snapshot) -> list[str]:
    """Every account of the snapshot, less organization members that are suspended or closed."""
    org = snap.organization
    return [
        a
        for a in snap.account_ids()
        if not (org and a in org.accounts and org.accounts[a].state not in ("ACTIVE", ""))
    ]


def _covers(snap: Snapshot, trail: Trail, account: str) -> bool | None:
    """Does the trail log the account's events? None: an organization trail whose organization
    the snapshot does not describe."""
    if trail.account == account:
        return True
    if not trail.organization_trail:
        return False
    if account in snap.accounts and any(t.arn == trail.arn for t in snap.accounts[account].trails):
        return True  # AWS lists an organization trail in every member account it applies to
    org = snap.organization
    if org is None:
        return None
    return trail.account == org.management_account and account in org.accounts


@dataclass(frozen=True)
class Logged:
    """How an account stands: logged by a trail, or the trails seen and what is undecided."""

    by: str | None  # the ARN of a multi-region trail that covers it and is logging
    seen: tuple[dict, ...] = ()
    undecided: tuple[str, ...] = ()


def account_logged(snap: Snapshot, account: str) -> Logged:
    seen, undecided = [], []
    for t in sorted_trails(snap):
        covers = _covers(snap, t, account)
        if covers is False:
            continue
        logging = _logging(snap, t)
        if covers and t.multi_region and logging:
            return Logged(t.arn)
        seen.append({"trail": t.arn, "multi_region": t.multi_region, "logging": logging})
        if covers is None and t.multi_region and logging is not False:
            undecided.append(
                f"organization trail {t.name}: its organization is not in the snapshot"
            )
        elif covers and t.multi_region and logging is None:
            undecided.append(f"no get-trail-status for {t.name} in {t.account}")
    if not _trails_listed(snap, account):
        undecided.append(f"no cloudtrail/describe-trails.json for {account}")
    return Logged(None, tuple(seen), tuple(undecided))


def run_no_trail(ctx: AuditContext) -> Iterator[Finding]:
    snap = ctx.snapshot
    for account in _active_accounts(snap):
        logged = account_logged(snap, account)
        if logged.by:
            continue
        evidence = {"account": account, "trails": list(logged.seen)}
        if logged.undecided:
            yield found(
                account,
                f"whether account {account} is logged by a multi-region trail cannot be told: "
                + "; ".join(logged.undecided),
                {**evidence, "missing": list(logged.undecided)},
                unknown=True,
            )
            continue
        why = "no trail applies" if not logged.seen else "none of its trails is multi-region and on"
        yield found(
            account,
            f"account {account} is logged by no multi-region trail that is logging ({why})",
            evidence,
        )


def _status_unknown(trail: Trail, what: str) -> Finding:
    return found(
        trail.arn,
        f"trail {trail.name}: no {what}/{trail.name}.json in account {trail.account}",
        {"trail": trail.name, "missing": f"accounts/{trail.account}/cloudtrail/{what}/"},
        trail.source,
        True,
    )


def run_not_logging(ctx: AuditContext) -> Iterator[Finding]:
    snap = ctx.snapshot
    for t in sorted_trails(snap):
        status = snap.trail_status(t)
        if status is None:
            yield _status_unknown(t, "get-trail-status")
        elif not status.is_logging:
            yield _stopped(ctx, t, status)


def _stopped(ctx: AuditContext, t: Trail, status: TrailStatus) -> Finding:
    days = ctx.age_days(status.stop_logging_time)
    since = (
        f" since {iso_or_none(status.stop_logging_time)} ({days} days)" if days is not None else ""
    )
    return found(
        t.arn,
        f"trail {t.name} is not logging (IsLogging false){since}",
        {
            "trail": t.name,
            "IsLogging": False,
            "StopLoggingTime": iso_or_none(status.stop_logging_time),
            "stopped_days": days,
        },
        status.source,
    )


def _flag(
    message: Callable[[Trail], str],
    evidence: Callable[[Trail], dict],
    bad: Callable[[Trail], bool],
) -> Callable[[AuditContext], Iterator[Finding]]:
    """A check on one describe-trails field of every trail."""

    def run(ctx: AuditContext) -> Iterator[Finding]:
        for t in sorted_trails(ctx.snapshot):
            if bad(t):
                yield found(t.arn, message(t), {"trail": t.name, **evidence(t)}, t.source)

    return run


run_not_multi_region = _flag(
    lambda t: (
        f"trail {t.name} logs only its home region {t.home_region} (IsMultiRegionTrail false)"
    ),
    lambda t: {"IsMultiRegionTrail": False, "HomeRegion": t.home_region},
    lambda t: not t.multi_region,
)
run_no_log_validation = _flag(
    lambda t: f"trail {t.name} does not validate log files (LogFileValidationEnabled false)",
    lambda t: {"LogFileValidationEnabled": False},
    lambda t: not t.log_file_validation,
)
run_no_kms = _flag(
    lambda t: f"trail {t.name} does not encrypt its logs with a KMS key (no KmsKeyId)",
    lambda t: {"KmsKeyId": None, "S3BucketName": t.s3_bucket},
    lambda t: not t.kms_key_id,
)
run_no_alerting = _flag(
    lambda t: (
        f"trail {t.name} notifies no one: no SNS topic (SnsTopicARN) and no CloudWatch "
        "Logs group (CloudWatchLogsLogGroupArn)"
    ),
    lambda t: {"SnsTopicARN": None, "CloudWatchLogsLogGroupArn": None},
    lambda t: not t.sns_topic_arn and not t.cloudwatch_log_group_arn,
)


# -- management events -------------------------------------------------------------------------

_READ_WRITE = {"ReadOnly": {"read"}, "WriteOnly": {"write"}, "All": {"read", "write"}}


@dataclass(frozen=True)
class Coverage:
    """Which management events the selectors log in full, and what else they restrict."""

    form: str  # basic | advanced | default
    logged: frozenset[str]  # read, write
    restrictions: tuple[str, ...]  # selectors that log management events only in part

    @property
    def full(self) -> bool:
        return self.logged == {"read", "write"}


def management_coverage(selectors: EventSelectors | None) -> Coverage:
    """Read both selector forms (FORMATS 1.6); None (HasCustomEventSelectors false): AWS's
    default selector, every management event."""
    if selectors is None:
        return Coverage("default", frozenset({"read", "write"}), ())
    if selectors.advanced:
        return _advanced(selectors)
    logged: set[str] = set()
    restrictions: list[str] = []
    for i, s in enumerate(selectors.basic):
        if not s.include_management_events:
            continue
        kinds = _READ_WRITE.get(s.read_write_type, set())
        if s.exclude_management_event_sources:
            restrictions.append(
                f"EventSelectors[{i}] excludes {', '.join(s.exclude_management_event_sources)}"
            )
        else:
            logged |= kinds
    return Coverage("basic", frozenset(logged), tuple(restrictions))


def _advanced(selectors: EventSelectors) -> Coverage:
    logged: set[str] = set()
    restrictions: list[str] = []
    for a in selectors.advanced:
        fields = {f.field.lower(): f for f in a.field_selectors}
        category = fields.get("eventcategory")
        if category is None or "Management" not in category.equals:
            continue
        kinds = _read_only(fields.get("readonly"))
        others = [f for name, f in fields.items() if name not in ("eventcategory", "readonly")]
        if others:
            restrictions.append(
                f"{a.name or 'advanced selector'}: " + ", ".join(_describe(f) for f in others)
            )
            continue
        if kinds != {"read", "write"}:
            restrictions.append(f"{a.name or 'advanced selector'}: {_describe(fields['readonly'])}")
        logged |= kinds
    return Coverage("advanced", frozenset(logged), tuple(restrictions))


def _read_only(field: FieldSelector | None) -> set[str]:
    """The readOnly field: true = read events, false = write events; absent = both."""
    if field is None:
        return {"read", "write"}
    kinds = {"read", "write"}
    if field.equals:
        kinds = {"read" if v.lower() == "true" else "write" for v in field.equals}
    for v in field.not_equals:
        kinds.discard("read" if v.lower() == "true" else "write")
    if field.starts_with or field.ends_with or field.not_starts_with or field.not_ends_with:
        return set()  # unusual on a boolean field: count it as not logging in full
    return kinds


def _describe(field: FieldSelector) -> str:
    parts = []
    for op in (
        "equals",
        "starts_with",
        "ends_with",
        "not_equals",
        "not_starts_with",
        "not_ends_with",
    ):
        values = getattr(field, op)
        if values:
            name = "".join(w.capitalize() for w in op.split("_"))
            parts.append(f"{field.field} {name} {', '.join(values)}")
    return "; ".join(parts)


def run_management_events(ctx: AuditContext) -> Iterator[Finding]:
    snap = ctx.snapshot
    for t in sorted_trails(snap):
        selectors = snap.event_selectors(t)
        if selectors is None and t.has_custom_event_selectors:
            yield _status_unknown(t, "get-event-selectors")
            continue
        cov = management_coverage(selectors)
        if cov.full:
            continue  # some selectors restrict, but others log every management event
        logged = (
            f"only {' and '.join(sorted(cov.logged))} management events"
            if cov.logged
            else "no management event in full"
        )
        why = f"; {'; '.join(cov.restrictions)}" if cov.restrictions else ""
        yield found(
            t.arn,
            f"trail {t.name} logs {logged} ({cov.form} selectors{why})",
            {
                "trail": t.name,
                "form": cov.form,
                "logged": sorted(cov.logged),
                "restrictions": list(cov.restrictions),
            },
            selectors.source if selectors else t.source,
        )
