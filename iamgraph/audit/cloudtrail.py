"""The CloudTrail family: is every account logged by a trail that is on, complete, verifiable,
encrypted and watched, and can anyone quietly destroy its logs, its key or the trail itself?

Configuration checks read describe-trails, get-trail-status, get-event-selectors and the files
of the trail's bucket and key. The tamper checks are decided by the solver: the bucket and key
policies on their own (`BUCKET_POLICY_TAMPER`, `KEY_POLICY_TAMPER`), and every principal over
the permission graph (`TAMPER_WITHOUT_MFA`, the `ask` question "can any non-MFA principal tamper
with the trail", over every trail of the snapshot). A file the snapshot lacks makes the finding
UNKNOWN and says which file: never clean.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from iamgraph.audit.model import AuditContext, Check, Finding, Outcome, Severity
from iamgraph.evaluate.gather import (
    Mfa,
    credential_context,
    find_principal,
    is_credential_key,
)
from iamgraph.evaluate.layers import Decision, Layer, PolicySet, Reason
from iamgraph.evaluate.matching import action_matches, glob_match
from iamgraph.evaluate.request import Caller, CallerType, ContextValue
from iamgraph.load.s3 import LIFECYCLE_FILE, POLICY_FILE, VERSIONING_FILE
from iamgraph.model.arn import ArnError
from iamgraph.model.cloudtrail import EventSelectors, FieldSelector, Trail, TrailStatus
from iamgraph.model.policy import Effect, Policy, PolicyKind, parse_policy
from iamgraph.model.principals import PrincipalKind
from iamgraph.model.resources import Bucket, KmsKey, LifecycleRule
from iamgraph.model.snapshot import Snapshot
from iamgraph.model.source import SourceRef
from iamgraph.query.vocabulary import S3_OBJECT_ACTIONS, VERBS
from iamgraph.verdict import DEFAULT_TIMEOUT_MS

if TYPE_CHECKING:  # the solver pulls in z3, slow to load: imported where it is used
    from iamgraph.graph.build import Hop
    from iamgraph.query.reach import Reach
    from iamgraph.verdict import Answer

SOLVER_TIMEOUT_MS = DEFAULT_TIMEOUT_MS  # per solver call

# Retention: a lifecycle rule that expires trail logs (current or noncurrent versions) sooner
# than this many days, or on a fixed date, deletes evidence an investigation may still need.
# One year is the floor most frameworks ask for (CIS, PCI DSS 10.5.1); 2555 days (7 years) passes.
RETENTION_DAYS = 365

# Principals a bucket or key policy may let tamper with the trail's logs or key: break-glass
# identities, by user or role name (glob, case-insensitive). Everyone else is a finding.
TAMPER_ALLOW_LIST = ("BreakGlass*",)

TRAIL_TAMPER = VERBS["tamper with"]["trail"]
# `tamper with the trail bucket`, plus what destroys logs under versioning: deleting a version
# and suspending versioning first.
BUCKET_TAMPER = (
    *VERBS["tamper with"]["bucket"],
    "s3:DeleteObjectVersion",
    "s3:PutBucketVersioning",
)
OBJECT_ACTIONS = frozenset({*S3_OBJECT_ACTIONS, "s3:DeleteObjectVersion"})
KEY_TAMPER = VERBS["tamper with"]["key"]

# Someone the snapshot does not hold, in an account outside it: stands for "anyone" in a "*" grant.
OUTSIDER_ACCOUNT = "999999999999"

# What a request by an IAM identity of another account may assume of its own account's policies:
# everything (the question is what the resource policy lets through).
_THEIR_IDENTITY = parse_policy(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
    kind=PolicyKind.IDENTITY,
    source=SourceRef("<the caller's own account allows it>"),
    name="the caller's own account allows it",
)


# -- small shared pieces ---------------------------------------------------------------------


def _trails(snap: Snapshot) -> list[Trail]:
    return sorted(snap.trails.values(), key=lambda t: t.arn)


def _file(snap: Snapshot, account: str, *parts: str) -> str:
    return str(Path(snap.root, "accounts", account, *parts))


def _not_configured(snap: Snapshot, account: str, operation: str, code: str) -> bool:
    """Did the collector record "nothing configured" for this call in this account (a fact in
    snapshot.json), with no failure of the same call there? Only then is a missing file absent."""
    meta = snap.meta if isinstance(snap.meta, dict) else {}

    def match(items: object, want_code: str | None) -> bool:
        return any(
            isinstance(i, dict)
            and i.get("account") == account
            and i.get("operation") == operation
            and (want_code is None or i.get("code") == want_code)
            for i in (items if isinstance(items, list) else [])
        )

    return match(meta.get("facts"), code) and not match(meta.get("failures"), None)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _reason_source(reason: Reason) -> SourceRef:
    parts = [p for p in reason.pointer.split("/") if p] if reason.pointer else []
    path = tuple(int(p) if p.isdigit() else p.replace("~1", "/").replace("~0", "~") for p in parts)
    return SourceRef(reason.file, path, reason.line, reason.column)


def _statements(decision: Decision) -> list[str]:
    return [f"{r.policy} {r.sid or r.pointer}".strip() for r in decision.deciding]


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
    for t in _trails(snap):
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
            yield Finding(
                "CLOUDTRAIL.NO_TRAIL",
                account,
                f"whether account {account} is logged by a multi-region trail cannot be told: "
                + "; ".join(logged.undecided),
                {**evidence, "missing": list(logged.undecided)},
                outcome=Outcome.UNKNOWN,
            )
            continue
        why = "no trail applies" if not logged.seen else "none of its trails is multi-region and on"
        yield Finding(
            "CLOUDTRAIL.NO_TRAIL",
            account,
            f"account {account} is logged by no multi-region trail that is logging ({why})",
            evidence,
        )


def _status_unknown(check: str, trail: Trail, what: str) -> Finding:
    return Finding(
        check,
        trail.arn,
        f"trail {trail.name}: no {what}/{trail.name}.json in account {trail.account}",
        {"trail": trail.name, "missing": f"accounts/{trail.account}/cloudtrail/{what}/"},
        trail.source,
        Outcome.UNKNOWN,
    )


def run_not_logging(ctx: AuditContext) -> Iterator[Finding]:
    snap = ctx.snapshot
    for t in _trails(snap):
        status = snap.trail_status(t)
        if status is None:
            yield _status_unknown("CLOUDTRAIL.NOT_LOGGING", t, "get-trail-status")
        elif not status.is_logging:
            yield _stopped(ctx, t, status)


def _stopped(ctx: AuditContext, t: Trail, status: TrailStatus) -> Finding:
    days = ctx.age_days(status.stop_logging_time)
    since = f" since {_iso(status.stop_logging_time)} ({days} days)" if days is not None else ""
    return Finding(
        "CLOUDTRAIL.NOT_LOGGING",
        t.arn,
        f"trail {t.name} is not logging (IsLogging false){since}",
        {
            "trail": t.name,
            "IsLogging": False,
            "StopLoggingTime": _iso(status.stop_logging_time),
            "stopped_days": days,
        },
        status.source,
    )


def _flag(
    check: str,
    message: Callable[[Trail], str],
    evidence: Callable[[Trail], dict],
    bad: Callable[[Trail], bool],
) -> Callable[[AuditContext], Iterator[Finding]]:
    """A check on one describe-trails field of every trail."""

    def run(ctx: AuditContext) -> Iterator[Finding]:
        for t in _trails(ctx.snapshot):
            if bad(t):
                yield Finding(check, t.arn, message(t), {"trail": t.name, **evidence(t)}, t.source)

    return run


run_not_multi_region = _flag(
    "CLOUDTRAIL.NOT_MULTI_REGION",
    lambda t: (
        f"trail {t.name} logs only its home region {t.home_region} (IsMultiRegionTrail false)"
    ),
    lambda t: {"IsMultiRegionTrail": False, "HomeRegion": t.home_region},
    lambda t: not t.multi_region,
)
run_no_log_validation = _flag(
    "CLOUDTRAIL.NO_LOG_VALIDATION",
    lambda t: f"trail {t.name} does not validate log files (LogFileValidationEnabled false)",
    lambda t: {"LogFileValidationEnabled": False},
    lambda t: not t.log_file_validation,
)
run_no_kms = _flag(
    "CLOUDTRAIL.NO_KMS",
    lambda t: f"trail {t.name} does not encrypt its logs with a KMS key (no KmsKeyId)",
    lambda t: {"KmsKeyId": None, "S3BucketName": t.s3_bucket},
    lambda t: not t.kms_key_id,
)
run_no_alerting = _flag(
    "CLOUDTRAIL.NO_ALERTING",
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
    for t in _trails(snap):
        selectors = snap.event_selectors(t)
        if selectors is None and t.has_custom_event_selectors:
            yield _status_unknown("CLOUDTRAIL.MANAGEMENT_EVENTS", t, "get-event-selectors")
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
        yield Finding(
            "CLOUDTRAIL.MANAGEMENT_EVENTS",
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


# -- the trail bucket ----------------------------------------------------------------------------


def _by_bucket(snap: Snapshot) -> dict[str, list[Trail]]:
    out: dict[str, list[Trail]] = {}
    for t in _trails(snap):
        if t.s3_bucket:
            out.setdefault(t.s3_bucket, []).append(t)
    return out


def _no_bucket(check: str, name: str, trails: list[Trail]) -> Finding:
    return Finding(
        check,
        f"arn:aws:s3:::{name}",
        f"bucket {name} of trail {', '.join(t.name for t in trails)}: the snapshot has no "
        f"s3/{name}/ files in any account",
        {"bucket": name, "trails": [t.name for t in trails], "missing": f"s3/{name}/"},
        trails[0].source,
        Outcome.UNKNOWN,
    )


def _missing_file(
    check: str, snap: Snapshot, bucket: Bucket, trails: list[Trail], file: str
) -> Finding:
    path = _file(snap, bucket.account, "s3", bucket.name, file)
    return Finding(
        check,
        bucket.arn,
        f"bucket {bucket.name}: {file} is not in the snapshot ({path})",
        {"bucket": bucket.name, "trails": [t.name for t in trails], "missing": path},
        SourceRef(path),
        Outcome.UNKNOWN,
    )


def run_bucket_versioning(ctx: AuditContext) -> Iterator[Finding]:
    snap = ctx.snapshot
    check = "CLOUDTRAIL.BUCKET_VERSIONING"
    for name, trails in _by_bucket(snap).items():
        bucket = snap.bucket(name)
        if bucket is None:
            yield _no_bucket(check, name, trails)
        elif bucket.versioning is None:
            yield _missing_file(check, snap, bucket, trails, VERSIONING_FILE)
        elif bucket.versioning != "Enabled":
            status = bucket.versioning or "never enabled"
            yield Finding(
                check,
                bucket.arn,
                f"trail bucket {name} does not keep object versions (versioning {status}), so a "
                "deleted or overwritten log is gone",
                {
                    "bucket": name,
                    "trails": [t.name for t in trails],
                    "Status": bucket.versioning,
                    "MFADelete": bucket.mfa_delete,
                },
                SourceRef(_file(snap, bucket.account, "s3", name, VERSIONING_FILE)),
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
    check = "CLOUDTRAIL.BUCKET_LIFECYCLE_DELETES"
    for name, trails in _by_bucket(snap).items():
        bucket = snap.bucket(name)
        if bucket is None:
            yield _no_bucket(check, name, trails)
            continue
        if bucket.lifecycle is None:
            if not _not_configured(
                snap,
                bucket.account,
                "GetBucketLifecycleConfiguration",
                "NoSuchLifecycleConfiguration",
            ):
                yield _missing_file(check, snap, bucket, trails, LIFECYCLE_FILE)
            continue
        prefixes = [_log_prefix(t) for t in trails]
        rules = [
            {"rule": r.rule_id, "expires": found}
            for r in bucket.lifecycle
            if (found := _rule_deletes(r, prefixes))
        ]
        if rules:
            said = "; ".join(f"{r['rule'] or 'unnamed'}: {', '.join(r['expires'])}" for r in rules)
            yield Finding(
                check,
                bucket.arn,
                f"trail bucket {name} expires logs sooner than {RETENTION_DAYS} days ({said})",
                {
                    "bucket": name,
                    "trails": [t.name for t in trails],
                    "rules": rules,
                    "retention_days": RETENTION_DAYS,
                },
                SourceRef(_file(snap, bucket.account, "s3", name, LIFECYCLE_FILE)),
            )


# -- resource policies: what the bucket and key policies grant on their own ----------------------


class Kind(StrEnum):
    """How much of a grantee's credential the snapshot vouches for."""

    SNAPSHOT = "snapshot"  # a principal of the snapshot: every credential key known
    PRINCIPAL = "principal"  # a user or role ARN of another account: its ARN and account
    ACCOUNT = "account"  # another account (E18): any of its principals, so only its id
    ANYONE = "anyone"  # a "*" grant: any caller, every credential key free
    ANONYMOUS = "anonymous"  # an unsigned request
    SERVICE = "service"  # an AWS service principal


@dataclass(frozen=True)
class Grantee:
    """A caller a resource policy could let in."""

    label: str  # principal ARN, account root ARN, service name, "*" or "anonymous"
    caller: Caller
    kind: Kind


def allow_listed(arn: str) -> bool:
    """A break-glass user or role (TAMPER_ALLOW_LIST), by name, case as written (as ArnLike)."""
    name = arn.rsplit("/", 1)[-1] if ":user/" in arn or ":role/" in arn else ""
    return bool(name) and any(glob_match(p, name) for p in TAMPER_ALLOW_LIST)


# Where a grantee's principal is chosen by the solver (a "*" or account grant), the allow-list
# is kept out by a Deny on aws:PrincipalArn, with or without a path.
_NOT_ALLOW_LISTED = parse_policy(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Action": "*",
                "Resource": "*",
                "Condition": {
                    "ArnLike": {
                        "aws:PrincipalArn": [
                            f"arn:aws:iam::*:{kind}/{path}{name}"
                            for name in TAMPER_ALLOW_LIST
                            for kind in ("role", "user")
                            for path in ("", "*/")
                        ]
                    }
                },
            }
        ],
    },
    kind=PolicyKind.IDENTITY,
    source=SourceRef("<the break-glass allow-list>"),
    name="the break-glass allow-list",
)


def _grantees(snap: Snapshot, policy: Policy, actions: Iterable[str], owner: str) -> list[Grantee]:
    """Who the policy's Allow statements for these actions could name, less the allow-list and
    the owner account itself (a grant to it delegates to its IAM policies: E18, left to the
    graph)."""
    everyone = False
    named: dict[str, None] = {}  # ordered sets
    services: dict[str, None] = {}
    actions = list(actions)
    for st in policy.statements:
        if st.effect is not Effect.ALLOW:
            continue
        if not any(action_matches(st.actions, a) != st.not_action for a in actions):
            continue
        block = st.principal
        if block is None or st.not_principal or block.is_everyone:
            everyone = True
            continue
        for value in block.aws:
            named[f"arn:aws:iam::{value}:root" if value.isdigit() else value] = None
        for service in block.service:
            services[service] = None
    out: list[Grantee] = []
    if everyone:
        outsider = _outsider(snap)
        root = Caller(f"arn:aws:iam::{outsider}:root", CallerType.ROOT, outsider)
        out.append(Grantee("*", root, Kind.ANYONE))
        out.append(Grantee("anonymous", Caller("anonymous", CallerType.ANONYMOUS), Kind.ANONYMOUS))
    for arn in named:
        grantee = _grantee(snap, arn)
        if grantee is not None and arn != f"arn:aws:iam::{owner}:root":
            out.append(grantee)
    out += [Grantee(s, Caller(s, CallerType.SERVICE), Kind.SERVICE) for s in services]
    return [g for g in out if not allow_listed(g.caller.role_arn or g.label)]


def _outsider(snap: Snapshot) -> str:
    return OUTSIDER_ACCOUNT if OUTSIDER_ACCOUNT not in snap.account_ids() else "999999999998"


def _grantee(snap: Snapshot, arn: str) -> Grantee | None:
    if arn in snap.principals and not arn.endswith(":root"):
        return Grantee(arn, find_principal(snap, arn)[1], Kind.SNAPSHOT)
    try:
        caller = Caller.from_arn(arn)
    except ArnError:
        return None  # not a principal AWS would match (P8): the statement names no one here
    kind = Kind.ACCOUNT if caller.type is CallerType.ROOT else Kind.PRINCIPAL
    return Grantee(arn, caller, kind)


def _pins(snap: Snapshot, g: Grantee, resource: str, owner: str) -> list[tuple[str, ContextValue]]:
    """The context keys the grantee's credential fixes (MFA keys aside: they follow the mode);
    every other key is the solver's to choose."""

    def pin(key: str, value: str, type_: str = "string") -> tuple[str, ContextValue]:
        return key, ContextValue((value,), type=type_)

    c = g.caller
    out = [pin("aws:ResourceAccount", owner)]
    if g.kind in (Kind.ANYONE, Kind.ANONYMOUS):
        return out
    if g.kind is Kind.SERVICE:
        return [
            *out,
            pin("aws:PrincipalIsAWSService", "true", "boolean"),
            pin("aws:PrincipalServiceName", c.arn),
        ]
    if ":kms:" in resource:
        out.append(pin("kms:CallerAccount", c.account))
    if g.kind is Kind.SNAPSHOT:
        creds = credential_context(snap, g.label, resource, Mfa.NO_MFA)
        return out + [(k, v) for k, v in creds if not k.lower().startswith("aws:multifactorauth")]
    out += [
        pin("aws:PrincipalAccount", c.account),
        pin("aws:PrincipalIsAWSService", "false", "boolean"),
    ]
    if g.kind is Kind.PRINCIPAL:
        kind = "User" if c.type is CallerType.USER else "AssumedRole"
        out += [pin("aws:PrincipalArn", c.role_arn or c.arn), pin("aws:PrincipalType", kind)]
    return out


def _fixed(snap: Snapshot, g: Grantee) -> Callable[[str], bool]:
    """Credential keys not pinned are absent for principals the snapshot holds, anonymous
    callers and services; of other IAM principals the snapshot knows nothing more (their ARN,
    tags, organization: the solver's to choose)."""
    from iamgraph.solvers.constraints import fixed_for

    if g.kind is Kind.SNAPSHOT:
        return fixed_for(snap, g.caller.account)
    if g.kind in (Kind.ANONYMOUS, Kind.SERVICE):
        return is_credential_key  # an unsigned request or a service carries none but its pins
    return lambda _key: False


def solve_for(
    snap: Snapshot,
    ps: PolicySet,
    action: str,
    resource: str,
    pins: list[tuple[str, ContextValue]],
    modes: tuple[Mfa, ...],
    *,
    fixed: Callable[[str], bool] | None = None,
    known: Iterable[str] = (),
    timeout_ms: int = SOLVER_TIMEOUT_MS,
) -> Answer:
    """Is some request for `action` on `resource` (an ARN or pattern) allowed under `ps`, the
    `pins` fixed, every other key the caller's to choose (credential keys not pinned: absent,
    unless `fixed` says otherwise)? The solver's answer, its witness replayed through the
    evaluator (as `can` does for a principal of the snapshot; here for any PolicySet, such
    as a resource policy on its own): the caller's MFA keys, then the pins where absent.
    `known` ARNs are preferred in a witness."""
    from iamgraph.solvers.constraints import fixed_for
    from iamgraph.solvers.replay import ReplayContext
    from iamgraph.solvers.solve import solve

    caller = ps.caller
    return solve(
        ps,
        caller.arn,
        action,
        resource,
        pins,
        modes,
        replay=ReplayContext.mfa_of(caller.type, modes, pins=tuple(pins)),
        known=list(known),
        timeout_ms=timeout_ms,
        fixed=fixed or fixed_for(snap, caller.account),
    )


def _modes(caller: Caller) -> tuple[Mfa, ...]:
    from iamgraph.solvers.constraints import modes_for

    if caller.is_iam:
        return modes_for(caller.type, None)
    return (Mfa.LONG_TERM_KEYS,)  # services and anonymous callers carry no MFA key at all


@dataclass(frozen=True)
class Grant:
    grantee: Grantee
    reachable: tuple[tuple[str, str], ...]  # (action, resource) the policy lets through
    witness: Answer | None
    unknown: tuple[str, ...]
    anonymous_too: bool = False  # for "*": anonymous callers are let through as well


def policy_grants(
    snap: Snapshot,
    policy: Policy,
    owner: str,
    requests: list[tuple[str, str]],
    required: bool,
) -> list[Grant]:
    """For every grantee of the policy: which tamper requests the policy alone allows it
    (`_identity_for` says what the caller's side brings). SCPs and RCPs are left out: the
    question is what the policy itself lets through."""
    from iamgraph.verdict import Verdict

    out = []
    for g in _grantees(snap, policy, {a for a, _ in requests}, owner):
        ps = PolicySet(
            caller=g.caller,
            resource_account=owner,
            identity=_identity_for(g, owner),
            resource_policy=policy,
            resource_policy_required=required,
        )
        reachable, witness, unknown = [], None, []
        for action, resource in requests:
            if not any(
                st.effect is Effect.ALLOW and action_matches(st.actions, action) != st.not_action
                for st in policy.statements
            ):
                continue
            pins = _pins(snap, g, resource, owner)
            answer = solve_for(
                snap, ps, action, resource, pins, _modes(g.caller), fixed=_fixed(snap, g)
            )
            if answer.verdict is Verdict.REACHABLE:
                reachable.append((action, resource))
                witness = witness or answer
            elif answer.verdict is Verdict.UNKNOWN:
                unknown += [f"{action}: {r}" for r in answer.reasons]
        if reachable or unknown:
            out.append(Grant(g, tuple(reachable), witness, tuple(dict.fromkeys(unknown))))
    return _collapse(out)


def _identity_for(g: Grantee, owner: str) -> tuple[Policy, ...]:
    """A caller of the owner account brings no identity allow (only grants naming it count,
    E13-E15); one of another account is taken to be allowed by its own (E17's other half is
    not the resource policy's doing). Where the solver picks the principal, the allow-list's
    Deny keeps break-glass identities out."""
    if not g.caller.is_iam:
        return ()
    own = () if g.caller.account == owner else (_THEIR_IDENTITY,)
    chosen = g.kind in (Kind.ANYONE, Kind.ACCOUNT)
    return (*own, _NOT_ALLOW_LISTED) if chosen else own


def _collapse(grants: list[Grant]) -> list[Grant]:
    """A "*" grant that lets anyone tamper is one finding, anonymous callers included in its
    evidence (not one more)."""
    if not any(g.grantee.kind is Kind.ANYONE and g.reachable for g in grants):
        return grants
    anonymous = any(g.grantee.kind is Kind.ANONYMOUS and g.reachable for g in grants)
    return [
        replace(g, anonymous_too=anonymous) if g.grantee.kind is Kind.ANYONE else g
        for g in grants
        if g.grantee.kind is not Kind.ANONYMOUS or not g.reachable
    ]


def _grant_findings(
    check: str, subject: str, what: str, grants: list[Grant], extra: dict
) -> Iterator[Finding]:
    for g in grants:
        who = {
            "*": 'any principal that meets its conditions (a "*" grant)'
            + (", anonymous callers included" if g.anonymous_too else ""),
            "anonymous": "anonymous callers",
        }.get(g.grantee.label, g.grantee.label)
        if g.reachable:
            w = g.witness.witness if g.witness else None
            granted = [r for r in (w.decision.deciding if w else ()) if r.layer is Layer.RESOURCE]
            actions = sorted({a for a, _ in g.reachable})
            yield Finding(
                check,
                subject,
                f"the {what} lets {who} {', '.join(actions)} (break-glass allow-list: "
                f"{', '.join(TAMPER_ALLOW_LIST)})",
                {
                    **extra,
                    "principal": g.grantee.label,
                    "caller_type": g.grantee.caller.type.value,
                    "anonymous_too": g.anonymous_too,
                    "actions": actions,
                    "requests": [list(r) for r in g.reachable],
                    "statements": [f"{r.policy} {r.sid or r.pointer}" for r in granted],
                    "chosen_context": {k: list(v.values) for k, v in w.context if k in w.chosen}
                    if w
                    else {},
                },
                _reason_source(granted[0]) if granted else None,
            )
        else:
            yield Finding(
                check,
                subject,
                f"whether the {what} lets {who} tamper cannot be told: {'; '.join(g.unknown)}",
                {**extra, "principal": g.grantee.label, "reasons": list(g.unknown)},
                outcome=Outcome.UNKNOWN,
            )


def run_bucket_policy_tamper(ctx: AuditContext) -> Iterator[Finding]:
    snap = ctx.snapshot
    check = "CLOUDTRAIL.BUCKET_POLICY_TAMPER"
    for name, trails in _by_bucket(snap).items():
        bucket = snap.bucket(name)
        if bucket is None:
            yield _no_bucket(check, name, trails)
            continue
        if bucket.policy is None:
            if not _not_configured(snap, bucket.account, "GetBucketPolicy", "NoSuchBucketPolicy"):
                yield _missing_file(check, snap, bucket, trails, POLICY_FILE)
            continue  # no bucket policy: it grants nothing
        requests = [
            (a, f"{bucket.arn}/*" if a in OBJECT_ACTIONS else bucket.arn) for a in BUCKET_TAMPER
        ]
        grants = policy_grants(snap, bucket.policy, bucket.account, requests, required=False)
        extra = {"bucket": name, "trails": [t.name for t in trails]}
        yield from _grant_findings(
            check, bucket.arn, f"policy of trail bucket {name}", grants, extra
        )


def _key_arn(trail: Trail, key: KmsKey | None) -> str:
    kid = trail.kms_key_id or ""
    if kid.startswith("arn:"):
        return kid
    owner = key.account if key else trail.account
    return f"arn:aws:kms:{trail.home_region}:{owner}:key/{kid}"


def run_key_policy_tamper(ctx: AuditContext) -> Iterator[Finding]:
    snap = ctx.snapshot
    check = "CLOUDTRAIL.KEY_POLICY_TAMPER"
    by_key: dict[str, list[Trail]] = {}
    for t in _trails(snap):
        if t.kms_key_id:
            by_key.setdefault(_key_arn(t, snap.kms_key(t.kms_key_id)), []).append(t)
    for arn, trails in by_key.items():
        key = snap.kms_key(arn)
        extra = {"key": arn, "trails": [t.name for t in trails]}
        if key is None or key.policy is None:
            account = arn.split(":")[4]
            path = _file(snap, account, "kms", arn.rsplit("/", 1)[-1], "get-key-policy.json")
            yield Finding(
                check,
                arn,
                f"key {arn} of trail {', '.join(t.name for t in trails)}: its key policy is not "
                f"in the snapshot ({path})",
                {**extra, "missing": path},
                trails[0].source,
                Outcome.UNKNOWN,
            )
            continue
        requests = [(a, arn) for a in KEY_TAMPER]
        grants = policy_grants(snap, key.policy, key.account, requests, required=True)
        yield from _grant_findings(check, arn, f"policy of trail key {key.key_id}", grants, extra)


# -- every principal, over paths -----------------------------------------------------------------


def run_tamper_without_mfa(ctx: AuditContext) -> Iterator[Finding]:
    """`ask "can any non-MFA principal tamper with the trail"`, over every trail."""
    from iamgraph.query import reach as query
    from iamgraph.verdict import Verdict

    snap = ctx.snapshot
    arns = [t.arn for t in _trails(snap)]
    if not arns:
        return
    for account in sorted({t.account for t in _trails(snap)}):
        data = snap.accounts.get(account)
        if data is None or not data.has_iam:
            yield Finding(
                "CLOUDTRAIL.TAMPER_WITHOUT_MFA",
                account,
                f"account {account} owns a trail but the snapshot has no IAM authorization "
                "details for it: its principals cannot be checked",
                {"account": account, "missing": f"accounts/{account}/iam/"},
                outcome=Outcome.UNKNOWN,
            )
    pg = ctx.graph
    reaches = query.who_can(pg, ctx.paths, [(list(TRAIL_TAMPER), arns)], "no-mfa")
    for reach in reaches:
        answer = reach.answer
        hops = [_hop(h) for h in reach.hops]
        assumed = _assumed_credential(snap, answer.principal)
        if answer.verdict is Verdict.REACHABLE and assumed:
            finding = _tamper_finding(snap, reach, hops)
            yield replace(
                finding,
                message=f"{finding.message}, if it holds such credentials: {assumed}",
                evidence={**finding.evidence, "assumed": assumed},
                outcome=Outcome.UNKNOWN,
            )
        elif answer.verdict is Verdict.REACHABLE:
            yield _tamper_finding(snap, reach, hops)
        elif answer.verdict is Verdict.UNKNOWN:
            yield Finding(
                "CLOUDTRAIL.TAMPER_WITHOUT_MFA",
                answer.principal,
                f"whether {answer.principal} can tamper with a trail without MFA cannot be told: "
                + "; ".join(answer.reasons),
                {"principal": answer.principal, "hops": hops, "reasons": list(answer.reasons)},
                outcome=Outcome.UNKNOWN,
            )


def _assumed_credential(snap: Snapshot, arn: str) -> str | None:
    """A user's or root's credentials are read off the credential report; without one the
    graph assumes every kind, so a path from there is only as sure as that assumption."""
    p = snap.principals.get(arn)
    if p is None or p.kind is PrincipalKind.ROLE:
        return None
    data = snap.accounts.get(p.account)
    if data is not None and data.credential_report is not None:
        return None
    return f"no credential report for {p.account}"


def _hop(h: Hop) -> dict:
    return {
        "from": h.source,
        "to": h.target,
        "method": h.method,
        "gain": h.gain.value,
        "mode_from": h.mode_from.value,
        "mode_to": h.mode_to.value,
        "detail": h.detail,
        "steps": [list(s) for s in h.actions],
    }


_MODE_WORDS = {"keys": "long-term access keys", "no-mfa": "a session without MFA"}


def _tamper_finding(snap: Snapshot, reach: Reach, hops: list[dict]) -> Finding:
    answer = reach.answer
    w = answer.witness
    trail = snap.trails.get(w.resource) if w else None
    name = trail.name if trail else (w.resource if w else "a trail")
    via = f" through {len(hops)} hop(s) to {hops[-1]['to']}" if hops else " directly"
    start = reach.start.mode.value if reach.start else None
    held = _MODE_WORDS.get(start, start)
    kind = snap.principals[answer.principal].kind if answer.principal in snap.principals else None
    return Finding(
        "CLOUDTRAIL.TAMPER_WITHOUT_MFA",
        answer.principal,
        f"{answer.principal} can {w.action if w else 'tamper with'} trail {name} without MFA"
        f" (with {held}){via}",
        {
            "principal": answer.principal,
            "kind": kind.value if isinstance(kind, PrincipalKind) else None,
            "start_mode": start,
            "action": w.action if w else None,
            "trail": w.resource if w else None,
            "acting_as": w.principal if w else None,
            "hops": hops,
            "statements": _statements(w.decision) if w else [],
        },
        _reason_source(w.decision.deciding[-1]) if w and w.decision.deciding else None,
    )


CHECKS: tuple[Check, ...] = (
    Check(
        "CLOUDTRAIL.NO_TRAIL",
        "Every account is logged by a multi-region trail that is logging",
        Severity.HIGH,
        "CloudTrail enabled in all regions for every account",
        "describe-trails, get-trail-status, organization",
        "Create a multi-region organization trail in the management account (or one per account).",
        run_no_trail,
    ),
    Check(
        "CLOUDTRAIL.NOT_LOGGING",
        "Trails are logging",
        Severity.HIGH,
        "CloudTrail delivers logs continuously",
        "get-trail-status",
        "aws cloudtrail start-logging --name <trail>; find out who stopped it (StopLogging event).",
        run_not_logging,
    ),
    Check(
        "CLOUDTRAIL.NOT_MULTI_REGION",
        "Trails log every region",
        Severity.MEDIUM,
        "CloudTrail enabled in all regions",
        "describe-trails",
        "aws cloudtrail update-trail --name <trail> --is-multi-region-trail",
        run_not_multi_region,
    ),
    Check(
        "CLOUDTRAIL.MANAGEMENT_EVENTS",
        "Trails log all management events, read and write",
        Severity.MEDIUM,
        "CloudTrail records every management event",
        "get-event-selectors",
        "aws cloudtrail put-event-selectors --trail-name <trail> with ReadWriteType All and "
        "IncludeManagementEvents true (or an advanced selector on eventCategory Management only).",
        run_management_events,
    ),
    Check(
        "CLOUDTRAIL.NO_LOG_VALIDATION",
        "Trails validate log files",
        Severity.MEDIUM,
        "CloudTrail log file integrity validation",
        "describe-trails",
        "aws cloudtrail update-trail --name <trail> --enable-log-file-validation",
        run_no_log_validation,
    ),
    Check(
        "CLOUDTRAIL.NO_KMS",
        "Trails encrypt logs with a KMS key",
        Severity.MEDIUM,
        "CloudTrail logs encrypted at rest with KMS (SSE-KMS)",
        "describe-trails",
        "aws cloudtrail update-trail --name <trail> --kms-key-id <key-arn>",
        run_no_kms,
    ),
    Check(
        "CLOUDTRAIL.NO_ALERTING",
        "Trails notify an SNS topic or CloudWatch Logs",
        Severity.LOW,
        "CloudTrail integrated with monitoring and alerting",
        "describe-trails",
        "aws cloudtrail update-trail --name <trail> --sns-topic-name <topic> (or "
        "--cloud-watch-logs-log-group-arn with a role) and alarm on it.",
        run_no_alerting,
    ),
    Check(
        "CLOUDTRAIL.BUCKET_VERSIONING",
        "Trail buckets keep object versions",
        Severity.MEDIUM,
        "CloudTrail log bucket protected against deletion and overwrite",
        "get-bucket-versioning",
        "aws s3api put-bucket-versioning --bucket <bucket> --versioning-configuration "
        "Status=Enabled (and consider MFA delete or Object Lock).",
        run_bucket_versioning,
    ),
    Check(
        "CLOUDTRAIL.BUCKET_LIFECYCLE_DELETES",
        f"Trail buckets keep logs at least {RETENTION_DAYS} days",
        Severity.MEDIUM,
        "CloudTrail log retention",
        "get-bucket-lifecycle-configuration",
        f"Raise the rule's Expiration / NoncurrentVersionExpiration to {RETENTION_DAYS} days or "
        "more, or scope it away from the AWSLogs/ prefix.",
        run_bucket_lifecycle_deletes,
    ),
    Check(
        "CLOUDTRAIL.BUCKET_POLICY_TAMPER",
        "Trail bucket policies grant no one the power to delete or rewrite logs",
        Severity.HIGH,
        "CloudTrail log bucket not deletable or reconfigurable by others",
        "get-bucket-policy (solver)",
        "Remove the Allow for deletion and bucket-configuration actions; deny them to all but "
        "a break-glass role.",
        run_bucket_policy_tamper,
    ),
    Check(
        "CLOUDTRAIL.KEY_POLICY_TAMPER",
        "Trail key policies grant no one the power to disable, delete or rewrite the key",
        Severity.HIGH,
        "CloudTrail KMS key protected",
        "get-key-policy (solver)",
        "Remove kms:ScheduleKeyDeletion, kms:DisableKey and kms:PutKeyPolicy from grants to "
        "anyone but the key's own account and its break-glass role.",
        run_key_policy_tamper,
    ),
    Check(
        "CLOUDTRAIL.TAMPER_WITHOUT_MFA",
        "No principal can tamper with a trail without MFA",
        Severity.CRITICAL,
        "Changes to CloudTrail require MFA and are limited to break-glass identities",
        "graph (solver, over escalation paths)",
        "Remove the CloudTrail permissions (or the escalation path to them), or require MFA "
        "with a Deny on BoolIfExists aws:MultiFactorAuthPresent false; protect trails with an SCP.",
        run_tamper_without_mfa,
    ),
)
