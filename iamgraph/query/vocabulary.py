"""What the words of a question mean in actions: one table that the `ask` grammar and the
audit's trail checks both read, so "tamper with the trail bucket" asks exactly what the audit's
tamper checks prove.

`VERBS` maps a verb (its canonical phrase) to the actions it asks on each kind of object;
`PHRASES` maps what people type to those verbs, one rule per entry. The audit reads the first
five verbs' actions: those stay as they are (goldens pin them); new kinds and verbs are added.
"""

from __future__ import annotations

from dataclasses import dataclass

S3_OBJECT_ACTIONS = {"s3:DeleteObject", "s3:GetObject", "s3:PutObject"}

ROLE_POLICY_ACTIONS = (
    "iam:PutRolePolicy",
    "iam:AttachRolePolicy",
    "iam:DeleteRolePolicy",
    "iam:DetachRolePolicy",
    "iam:UpdateAssumeRolePolicy",
)

# verb -> kind of object -> actions; on a bucket, S3_OBJECT_ACTIONS go to ARN/*
VERBS: dict[str, dict[str, tuple[str, ...]]] = {
    "delete": {
        "trail": ("cloudtrail:DeleteTrail",),
        "bucket": ("s3:DeleteBucket", "s3:DeleteObject"),
        "object": ("s3:DeleteObject",),
        "key": ("kms:ScheduleKeyDeletion", "kms:DisableKey"),
        "topic": ("sns:DeleteTopic",),
        "role": ("iam:DeleteRole",),
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
    "assume": {"role": ("sts:AssumeRole",)},
    "pass": {"role": ("iam:PassRole",)},  # "to SERVICE" pins iam:PassedToService
    "decrypt with": {"key": ("kms:Decrypt",)},
    "encrypt with": {"key": ("kms:Encrypt", "kms:GenerateDataKey")},
    "use": {"key": ("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey")},
    "publish to": {"topic": ("sns:Publish",)},
    "subscribe to": {"topic": ("sns:Subscribe",)},
    "disable": {"trail": ("cloudtrail:StopLogging",), "key": ("kms:DisableKey",)},
    "put objects in": {"bucket": ("s3:PutObject",), "object": ("s3:PutObject",)},
    "get objects from": {"bucket": ("s3:GetObject",), "object": ("s3:GetObject",)},
    "list": {"bucket": ("s3:ListBucket",), "topic": ("sns:ListSubscriptionsByTopic",)},
    "modify the policy of": {
        "bucket": ("s3:PutBucketPolicy", "s3:DeleteBucketPolicy"),
        "key": ("kms:PutKeyPolicy",),
        "topic": ("sns:SetTopicAttributes",),
        "role": ROLE_POLICY_ACTIONS,
    },
    "modify the trust policy of": {"role": ("iam:UpdateAssumeRolePolicy",)},
    "access": {  # read or write
        "trail": (
            "cloudtrail:GetTrail",
            "cloudtrail:GetTrailStatus",
            "cloudtrail:GetEventSelectors",
            "cloudtrail:UpdateTrail",
            "cloudtrail:PutEventSelectors",
        ),
        "bucket": ("s3:ListBucket", "s3:GetObject", "s3:PutObject"),
        "object": ("s3:GetObject", "s3:PutObject"),
        "key": ("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"),
        "topic": ("sns:Subscribe", "sns:Publish"),
    },
}


@dataclass(frozen=True)
class Phrase:
    """What people type for a verb: `words` (normalized: lower case, no article), the verb
    of `VERBS` it means, and the object it implies when none follows (`"trail"`: the trail)."""

    words: str
    verb: str
    implies: str | None = None


# One rule per entry; the longest phrase that matches wins. Particles after a verb ("to",
# "on", "from", "with", ...) are optional and need no entry of their own.
PHRASES: tuple[Phrase, ...] = (
    Phrase("delete", "delete"),
    Phrase("remove", "delete"),
    Phrase("destroy", "delete"),
    Phrase("stop logging on", "stop logging on", implies="trail"),
    Phrase("stop logging", "stop logging on", implies="trail"),
    Phrase("turn off logging", "stop logging on", implies="trail"),
    Phrase("disable logging", "stop logging on", implies="trail"),
    Phrase("stop", "stop logging on"),
    Phrase("tamper with", "tamper with"),
    Phrase("tamper", "tamper with"),
    Phrase("read", "read"),
    Phrase("write", "write"),
    Phrase("assume", "assume"),
    Phrase("pass", "pass"),
    Phrase("decrypt with", "decrypt with"),
    Phrase("decrypt", "decrypt with"),
    Phrase("encrypt with", "encrypt with"),
    Phrase("encrypt", "encrypt with"),
    Phrase("use", "use"),
    Phrase("publish to", "publish to"),
    Phrase("publish", "publish to"),
    Phrase("send message to", "publish to"),
    Phrase("subscribe to", "subscribe to"),
    Phrase("subscribe", "subscribe to"),
    Phrase("disable", "disable"),
    Phrase("turn off", "disable"),
    Phrase("put object", "put objects in"),
    Phrase("put", "put objects in"),
    Phrase("upload to", "put objects in"),
    Phrase("upload", "put objects in"),
    Phrase("get object", "get objects from"),
    Phrase("get", "get objects from"),
    Phrase("download from", "get objects from"),
    Phrase("download", "get objects from"),
    Phrase("list object", "list"),
    Phrase("list", "list"),
    Phrase("access", "access"),
    Phrase("have access", "access"),
    Phrase("has access", "access"),
    Phrase("get at", "access"),
    Phrase("modify policy of", "modify the policy of"),
    Phrase("modify policy on", "modify the policy of"),
    Phrase("change policy of", "modify the policy of"),
    Phrase("change policy on", "modify the policy of"),
    Phrase("edit policy of", "modify the policy of"),
    Phrase("rewrite policy of", "modify the policy of"),
    Phrase("modify trust policy of", "modify the trust policy of"),
    Phrase("change trust policy of", "modify the trust policy of"),
    Phrase("edit trust policy of", "modify the trust policy of"),
    Phrase("rewrite trust policy of", "modify the trust policy of"),
)

# Optional words between a verb and its object: "write to", "stop logging on", "read from"
PARTICLES = frozenset({"to", "on", "in", "into", "from", "with", "of", "for", "using", "at"})

# "pass a role to SERVICE": the service principal iam:PassedToService names
SERVICES: dict[str, str] = {
    "lambda": "lambda.amazonaws.com",
    "ec2": "ec2.amazonaws.com",
    "ecs": "ecs-tasks.amazonaws.com",
    "ecs-tasks": "ecs-tasks.amazonaws.com",
    "glue": "glue.amazonaws.com",
    "cloudformation": "cloudformation.amazonaws.com",
    "codebuild": "codebuild.amazonaws.com",
    "sagemaker": "sagemaker.amazonaws.com",
    "states": "states.amazonaws.com",
    "step functions": "states.amazonaws.com",
    "datapipeline": "datapipeline.amazonaws.com",
    "batch": "batch.amazonaws.com",
    "apprunner": "apprunner.amazonaws.com",
    "eks": "eks.amazonaws.com",
}
