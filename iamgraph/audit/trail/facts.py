"""What the trail checks share: the action sets that tamper with a trail, its bucket and
its key, the retention floor and the allow list, and small readers of the snapshot.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from iamgraph.evaluate.layers import Decision, Reason
from iamgraph.model.cloudtrail import Trail
from iamgraph.model.policy import PolicyKind, parse_policy
from iamgraph.model.snapshot import Snapshot
from iamgraph.model.source import SourceRef
from iamgraph.query.vocabulary import S3_OBJECT_ACTIONS, VERBS
from iamgraph.verdict import DEFAULT_TIMEOUT_MS

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
THEIR_IDENTITY = parse_policy(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
    kind=PolicyKind.IDENTITY,
    source=SourceRef("<the caller's own account allows it>"),
    name="the caller's own account allows it",
)


# -- small shared pieces ---------------------------------------------------------------------


def sorted_trails(snap: Snapshot) -> list[Trail]:
    return sorted(snap.trails.values(), key=lambda t: t.arn)


def account_file(snap: Snapshot, account: str, *parts: str) -> str:
    return str(Path(snap.root, "accounts", account, *parts))


def iso_or_none(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def reason_source(reason: Reason) -> SourceRef:
    parts = [p for p in reason.pointer.split("/") if p] if reason.pointer else []
    path = tuple(int(p) if p.isdigit() else p.replace("~1", "/").replace("~0", "~") for p in parts)
    return SourceRef(reason.file, path, reason.line, reason.column)


def deciding_statements(decision: Decision) -> list[str]:
    return [f"{r.policy} {r.sid or r.pointer}".strip() for r in decision.deciding]
