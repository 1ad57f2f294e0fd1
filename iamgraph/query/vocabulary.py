"""What the words of a question mean in actions: one table that the `ask` grammar and the
audit's trail checks both read, so "tamper with the trail bucket" asks exactly what the audit's
tamper checks prove."""

from __future__ import annotations

S3_OBJECT_ACTIONS = {"s3:DeleteObject", "s3:GetObject", "s3:PutObject"}

# verb -> kind of object -> actions; on a bucket, S3_OBJECT_ACTIONS go to ARN/*
VERBS: dict[str, dict[str, tuple[str, ...]]] = {
    "delete": {
        "trail": ("cloudtrail:DeleteTrail",),
        "bucket": ("s3:DeleteBucket", "s3:DeleteObject"),
        "object": ("s3:DeleteObject",),
        "key": ("kms:ScheduleKeyDeletion", "kms:DisableKey"),
        "topic": ("sns:DeleteTopic",),
    },
    "stop logging on": {"trail": ("cloudtrail:StopLogging",)},
    "tamper with": {
        "trail": (
            "cloudtrail:StopLogging",
            "cloudtrail:DeleteTrail",
            "cloudtrail:UpdateTrail",
            "cloudtrail:PutEventSelectors",
            "cloudtrail:PutInsightSelectors",
        ),
        "bucket": (
            "s3:DeleteBucket",
            "s3:PutBucketPolicy",
            "s3:DeleteBucketPolicy",
            "s3:PutLifecycleConfiguration",
            "s3:DeleteObject",
        ),
        "object": ("s3:DeleteObject",),
        "key": ("kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:PutKeyPolicy"),
        "topic": ("sns:DeleteTopic", "sns:SetTopicAttributes"),
    },
    "read": {
        "trail": (
            "cloudtrail:GetTrail",
            "cloudtrail:GetTrailStatus",
            "cloudtrail:GetEventSelectors",
        ),
        "bucket": ("s3:GetObject",),
        "object": ("s3:GetObject",),
        "key": ("kms:Decrypt",),
        "topic": ("sns:Subscribe",),
    },
    "write": {
        "trail": ("cloudtrail:UpdateTrail", "cloudtrail:PutEventSelectors"),
        "bucket": ("s3:PutObject",),
        "object": ("s3:PutObject",),
        "key": ("kms:Encrypt", "kms:GenerateDataKey"),
        "topic": ("sns:Publish",),
    },
}
