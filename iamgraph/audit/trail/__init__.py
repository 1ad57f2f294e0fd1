"""The CloudTrail family: is every account logged by a trail that is on, complete, verifiable,
encrypted and watched, and can anyone quietly destroy its logs, its key or the trail itself?

Configuration checks read describe-trails, get-trail-status, get-event-selectors and the files
of the trail's bucket and key. The tamper checks are decided by the solver: the bucket and key
policies on their own (`BUCKET_POLICY_TAMPER`, `KEY_POLICY_TAMPER`), and every principal over
the permission graph (`TAMPER_WITHOUT_MFA`, the `ask` question "can any non-MFA principal tamper
with the trail", over every trail of the snapshot). A file the snapshot lacks makes the finding
UNKNOWN and says which file: never clean.

Split by concern: `facts` (shared), `configuration`, `bucket`, `grants` (the bucket and key
policies, by the solver) and `tamper` (every principal, over paths).
"""

from __future__ import annotations

from iamgraph.audit.model import Check, Severity
from iamgraph.audit.trail.bucket import run_bucket_lifecycle_deletes, run_bucket_versioning
from iamgraph.audit.trail.configuration import (
    run_management_events,
    run_no_alerting,
    run_no_kms,
    run_no_log_validation,
    run_no_trail,
    run_not_logging,
    run_not_multi_region,
)
from iamgraph.audit.trail.facts import RETENTION_DAYS
from iamgraph.audit.trail.grants import run_bucket_policy_tamper, run_key_policy_tamper
from iamgraph.audit.trail.tamper import run_tamper_without_mfa

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
