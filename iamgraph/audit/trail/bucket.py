"""The trail's bucket: versioning on, and no lifecycle rule that deletes logs too soon."""

from __future__ import annotations

from collections.abc import Iterator

from iamgraph.audit.model import AuditContext
from iamgraph.audit.trail.facts import (
    RETENTION_DAYS,
    account_file,
    sorted_trails,
)
from iamgraph.finding import Finding, found
from iamgraph.load.s3 import LIFECYCLE_FILE, VERSIONING_FILE
from iamgraph.model.cloudtrail import Trail
from iamgraph.model.resources import Bucket, LifecycleRule
from iamgraph.model.snapshot import Snapshot
from iamgraph.model.source import SourceRef

# -- the trail bucket ----------------------------------------------------------------------------


def trails_by_bucket(snap: Snapshot) -> dict[str, list[Trail]]:
    out: dict[str, list[Trail]] = {}
    for t in sorted_trails(snap):
        if t.s3_bucket:
            out.setdefault(t.s3_bucket, []).append(t)
    return out


def no_bucket(name: str, trails: list[Trail]) -> Finding:
    return found(
        f"arn:aws:s3:::{name}",
        f"bucket {name} of trail {', '.join(t.name for t in trails)}: the snapshot has no "
        f"s3/{name}/ files in any account",
        {"bucket": name, "trails": [t.name for t in trails], "missing": f"s3/{name}/"},
        trails[0].source,
        True,
    )


def missing_file(snap: Snapshot, bucket: Bucket, trails: list[Trail], file: str) -> Finding:
    path = account_file(snap, bucket.account, "s3", bucket.name, file)
    why = snap.unreadable_reason(bucket.account, f"s3/{bucket.name}/{file}")
    return found(
        bucket.arn,
        f"bucket {bucket.name}: {file} is "
        + (f"unreadable ({why})" if why else f"not in the snapshot ({path})"),
        {"bucket": bucket.name, "trails": [t.name for t in trails], "missing": path},
        SourceRef(path),
        True,
    )


def run_bucket_versioning(ctx: AuditContext) -> Iterator[Finding]:
    snap = ctx.snapshot
    for name, trails in trails_by_bucket(snap).items():
        bucket = snap.bucket(name)
        if bucket is None:
            yield no_bucket(name, trails)
        elif bucket.versioning is None:
            yield missing_file(snap, bucket, trails, VERSIONING_FILE)
        elif bucket.versioning != "Enabled":
            status = bucket.versioning or "never enabled"
            yield found(
                bucket.arn,
                f"trail bucket {name} does not keep object versions (versioning {status}), so a "
                "deleted or overwritten log is gone",
                {
                    "bucket": name,
                    "trails": [t.name for t in trails],
                    "Status": bucket.versioning,
                    "MFADelete": bucket.mfa_delete,
                },
                SourceRef(account_file(snap, bucket.account, "s3", name, VERSIONING_FILE)),
            )


def _log_prefix(trail: Trail) -> str:
    return f"{trail.s3_key_prefix.strip('/')}/AWSLogs/" if trail.s3_key_prefix else "AWSLogs/"


def _rule_prefix(rule: LifecycleRule) -> str:
    raw = rule.raw
    filt = raw.get("Filter") if isinstance(raw.get("Filter"), dict) else {}
    for holder in (filt.get("And") if isinstance(filt.get("And"), dict) else {}, filt, raw):
        if isinstance(holder.get("Prefix"), str):
            return holder["Prefix"]
    return ""


def _rule_deletes(rule: LifecycleRule, prefixes: list[str]) -> list[str]:
    """How an enabled rule that reaches the trail's logs expires them too soon."""
    if not rule.enabled:
        return []
    p = _rule_prefix(rule)
    if not any(lp.startswith(p) or p.startswith(lp) for lp in prefixes):
        return []  # the rule's prefix is beside the logs
    out = []
    expiration = rule.raw.get("Expiration") if isinstance(rule.raw.get("Expiration"), dict) else {}
    if rule.expiration_days is not None and rule.expiration_days < RETENTION_DAYS:
        out.append(f"Expiration Days {rule.expiration_days}")
    if "Date" in expiration:
        out.append(f"Expiration Date {expiration['Date']}")
    if rule.noncurrent_expiration_days is not None and (
        rule.noncurrent_expiration_days < RETENTION_DAYS
    ):
        out.append(f"NoncurrentVersionExpiration NoncurrentDays {rule.noncurrent_expiration_days}")
    return out


def run_bucket_lifecycle_deletes(ctx: AuditContext) -> Iterator[Finding]:
    snap = ctx.snapshot
    for name, trails in trails_by_bucket(snap).items():
        bucket = snap.bucket(name)
        if bucket is None:
            yield no_bucket(name, trails)
            continue
        if bucket.lifecycle is None:
            if not snap.answered(
                bucket.account,
                "GetBucketLifecycleConfiguration",
                "NoSuchLifecycleConfiguration",
            ):
                yield missing_file(snap, bucket, trails, LIFECYCLE_FILE)
            continue
        prefixes = [_log_prefix(t) for t in trails]
        rules = [
            {"rule": r.rule_id, "expires": deletes}
            for r in bucket.lifecycle
            if (deletes := _rule_deletes(r, prefixes))
        ]
        if rules:
            said = "; ".join(f"{r['rule'] or 'unnamed'}: {', '.join(r['expires'])}" for r in rules)
            yield found(
                bucket.arn,
                f"trail bucket {name} expires logs sooner than {RETENTION_DAYS} days ({said})",
                {
                    "bucket": name,
                    "trails": [t.name for t in trails],
                    "rules": rules,
                    "retention_days": RETENTION_DAYS,
                },
                SourceRef(account_file(snap, bucket.account, "s3", name, LIFECYCLE_FILE)),
            )
