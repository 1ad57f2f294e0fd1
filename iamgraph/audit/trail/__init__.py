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
from iamgraph.finding import Rule, Severity, check, rules_of

check(
    id="CLOUDTRAIL.NO_TRAIL",
    title="Every account is logged by a multi-region trail that is logging",
    severity=Severity.HIGH,
    practice="CloudTrail enabled in all regions for every account",
    reads="describe-trails, get-trail-status, organization",
    remediation=(
        "Create a multi-region organization trail in the management account (or one per account)."
    ),
)(run_no_trail)

check(
    id="CLOUDTRAIL.NOT_LOGGING",
    title="Trails are logging",
    severity=Severity.HIGH,
    practice="CloudTrail delivers logs continuously",
    reads="get-trail-status",
    remediation=(
        "aws cloudtrail start-logging --name <trail>; find out who stopped it (StopLogging event)."
    ),
)(run_not_logging)

check(
    id="CLOUDTRAIL.NOT_MULTI_REGION",
    title="Trails log every region",
    severity=Severity.MEDIUM,
    practice="CloudTrail enabled in all regions",
    reads="describe-trails",
    remediation="aws cloudtrail update-trail --name <trail> --is-multi-region-trail",
)(run_not_multi_region)

check(
    id="CLOUDTRAIL.MANAGEMENT_EVENTS",
    title="Trails log all management events, read and write",
    severity=Severity.MEDIUM,
    practice="CloudTrail records every management event",
    reads="get-event-selectors",
    remediation=(
        "aws cloudtrail put-event-selectors --trail-name <trail> with ReadWriteType All and "
        "IncludeManagementEvents true (or an advanced selector on eventCategory Management only)."
    ),
)(run_management_events)

check(
    id="CLOUDTRAIL.NO_LOG_VALIDATION",
    title="Trails validate log files",
    severity=Severity.MEDIUM,
    practice="CloudTrail log file integrity validation",
    reads="describe-trails",
    remediation="aws cloudtrail update-trail --name <trail> --enable-log-file-validation",
)(run_no_log_validation)

check(
    id="CLOUDTRAIL.NO_KMS",
    title="Trails encrypt logs with a KMS key",
    severity=Severity.MEDIUM,
    practice="CloudTrail logs encrypted at rest with KMS (SSE-KMS)",
    reads="describe-trails",
    remediation="aws cloudtrail update-trail --name <trail> --kms-key-id <key-arn>",
)(run_no_kms)

check(
    id="CLOUDTRAIL.NO_ALERTING",
    title="Trails notify an SNS topic or CloudWatch Logs",
    severity=Severity.LOW,
    practice="CloudTrail integrated with monitoring and alerting",
    reads="describe-trails",
    remediation=(
        "aws cloudtrail update-trail --name <trail> --sns-topic-name <topic> (or "
        "--cloud-watch-logs-log-group-arn with a role) and alarm on it."
    ),
)(run_no_alerting)

check(
    id="CLOUDTRAIL.BUCKET_VERSIONING",
    title="Trail buckets keep object versions",
    severity=Severity.MEDIUM,
    practice="CloudTrail log bucket protected against deletion and overwrite",
    reads="get-bucket-versioning",
    remediation=(
        "aws s3api put-bucket-versioning --bucket <bucket> --versioning-configuration "
        "Status=Enabled (and consider MFA delete or Object Lock)."
    ),
)(run_bucket_versioning)

check(
    id="CLOUDTRAIL.BUCKET_LIFECYCLE_DELETES",
    title=f"Trail buckets keep logs at least {RETENTION_DAYS} days",
    severity=Severity.MEDIUM,
    practice="CloudTrail log retention",
    reads="get-bucket-lifecycle-configuration",
    remediation=(
        f"Raise the rule's Expiration / NoncurrentVersionExpiration to {RETENTION_DAYS} days or "
        "more, or scope it away from the AWSLogs/ prefix."
    ),
)(run_bucket_lifecycle_deletes)

check(
    id="CLOUDTRAIL.BUCKET_POLICY_TAMPER",
    title="Trail bucket policies grant no one the power to delete or rewrite logs",
    severity=Severity.HIGH,
    practice="CloudTrail log bucket not deletable or reconfigurable by others",
    reads="get-bucket-policy (solver)",
    remediation=(
        "Remove the Allow for deletion and bucket-configuration actions; deny them to all but "
        "a break-glass role."
    ),
)(run_bucket_policy_tamper)

check(
    id="CLOUDTRAIL.KEY_POLICY_TAMPER",
    title="Trail key policies grant no one the power to disable, delete or rewrite the key",
    severity=Severity.HIGH,
    practice="CloudTrail KMS key protected",
    reads="get-key-policy (solver)",
    remediation=(
        "Remove kms:ScheduleKeyDeletion, kms:DisableKey and kms:PutKeyPolicy from grants to "
        "anyone but the key's own account and its break-glass role."
    ),
)(run_key_policy_tamper)

check(
    id="CLOUDTRAIL.TAMPER_WITHOUT_MFA",
    title="No principal can tamper with a trail without MFA",
    severity=Severity.CRITICAL,
    practice="Changes to CloudTrail require MFA and are limited to break-glass identities",
    reads="graph (solver, over escalation paths)",
    remediation=(
        "Remove the CloudTrail permissions (or the escalation path to them), or require MFA "
        "with a Deny on BoolIfExists aws:MultiFactorAuthPresent false; protect trails with an SCP."
    ),
)(run_tamper_without_mfa)

CHECKS: tuple[Rule, ...] = tuple(rules_of(__name__))
