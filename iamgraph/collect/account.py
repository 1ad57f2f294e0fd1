"""One account's IAM, credential report, CloudTrail trails and the resources around the trails.

Each function returns files (path inside `accounts/<id>/` -> CLI response) and leaves out what
did not answer, so a missing file always means "not collected" (a gap the loader reports) or
"not configured" (a fact in snapshot.json), never an empty guess.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from iamgraph.collect.ledger import Ledger
from iamgraph.collect.sessions import Clients

Files = dict[str, dict[str, Any]]
Sleep = Callable[[float], None]
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$")  # a file name that stays put


def collect_iam(clients: Clients, ledger: Ledger, delays: Iterable[float], sleep: Sleep) -> Files:
    """Authorization details (all pages, all entity types, one file), the credential report,
    the password policy (absent when NoSuchEntity) and the account summary."""
    iam = clients.get("iam")
    files: Files = {}
    details = ledger.pages(iam, "get_account_authorization_details")
    if details is not None:
        files["iam/get-account-authorization-details.json"] = details
    report = credential_report(iam, ledger, delays, sleep)
    if report is not None:
        files["iam/credential-report.json"] = report
    policy = ledger.call(iam, "get_account_password_policy")
    if policy is not None:
        files["iam/get-account-password-policy.json"] = policy
    summary = ledger.call(iam, "get_account_summary")
    if summary is not None:
        files["iam/get-account-summary.json"] = summary
    return files


def credential_report(
    iam: Any, ledger: Ledger, delays: Iterable[float], sleep: Sleep
) -> dict[str, Any] | None:
    """Generate the report, poll until COMPLETE with backoff, then fetch it (the writer prints
    the `Content` blob in base64, as `aws iam get-credential-report` does)."""
    state = ledger.call(iam, "generate_credential_report")
    waits = iter(delays)
    while state is not None and state.get("State") != "COMPLETE":
        delay = next(waits, None)
        if delay is None:
            ledger.failed("ReportNotComplete", "iam", "GenerateCredentialReport")
            return None
        sleep(delay)
        state = ledger.call(iam, "generate_credential_report")
    return None if state is None else ledger.call(iam, "get_credential_report")


def collect_trails(
    clients: Clients, ledger: Ledger, account: str, regions: Iterable[str]
) -> tuple[Files, list[dict[str, Any]]]:
    """describe-trails of every region in one list (shadow copies of multi-region trails
    de-duplicated by ARN), then status and event selectors of the trails the account owns.
    Returns the files and the trails listed; no describe-trails.json if a region failed."""
    files: Files = {}
    trails: dict[str, dict[str, Any]] = {}
    complete = True
    for region in regions:
        listed = ledger.call(clients.get("cloudtrail", region), "describe_trails")
        if listed is None:
            complete = False
            continue
        for trail in listed.get("trailList", []):
            trails.setdefault(trail.get("TrailARN", ""), trail)
    if not complete:
        return files, list(trails.values())
    files["cloudtrail/describe-trails.json"] = {"trailList": list(trails.values())}
    for arn, trail in trails.items():
        name = trail.get("Name", "")
        if _owner(arn) != account:
            continue
        if not SAFE_NAME.match(name):
            ledger.failed("UnsafeName", "cloudtrail", "GetTrailStatus")
            continue
        ct = clients.get("cloudtrail", trail.get("HomeRegion") or _region(arn))
        status = ledger.call(ct, "get_trail_status", Name=arn)
        if status is not None:
            files[f"cloudtrail/get-trail-status/{name}.json"] = status
        selectors = ledger.call(ct, "get_event_selectors", TrailName=arn)
        if selectors is not None:
            files[f"cloudtrail/get-event-selectors/{name}.json"] = selectors
    return files, list(trails.values())


def collect_trail_resources(
    clients: Clients, ledger: Ledger, account: str, trails: Iterable[dict[str, Any]]
) -> Files:
    """The policies around the trails that this account owns: S3 bucket (policy, versioning,
    lifecycle), KMS key policy, SNS topic attributes. A bucket ARN carries no account, so
    the account's bucket list says which buckets are its own."""
    trails = list(trails)
    files: Files = {}
    wanted = {t["S3BucketName"] for t in trails if t.get("S3BucketName")}
    if wanted:
        files.update(_buckets(clients, ledger, wanted))
    for key_arn in sorted({t["KmsKeyId"] for t in trails if t.get("KmsKeyId")}):
        if _owner(key_arn) != account or "key/" not in key_arn:
            continue
        key_id = key_arn.rsplit("key/", 1)[-1]
        kms = clients.get("kms", _region(key_arn))
        policy = ledger.call(kms, "get_key_policy", KeyId=key_arn, PolicyName="default")
        if policy is not None and SAFE_NAME.match(key_id):
            files[f"kms/{key_id}/get-key-policy.json"] = {
                **policy,
                "PolicyName": policy.get("PolicyName", "default"),
            }
    for topic_arn in sorted({t["SnsTopicARN"] for t in trails if t.get("SnsTopicARN")}):
        name = topic_arn.rsplit(":", 1)[-1]
        if _owner(topic_arn) != account or not SAFE_NAME.match(name):
            continue
        sns = clients.get("sns", _region(topic_arn))
        attributes = ledger.call(sns, "get_topic_attributes", TopicArn=topic_arn)
        if attributes is not None:
            files[f"sns/{name}/get-topic-attributes.json"] = attributes
    return files


def _buckets(clients: Clients, ledger: Ledger, wanted: set[str]) -> Files:
    s3 = clients.get("s3")
    listed = ledger.call(s3, "list_buckets")
    if listed is None:
        return {}
    own = {b["Name"] for b in listed.get("Buckets", [])}
    files: Files = {}
    for bucket in sorted(wanted & own):
        if not SAFE_NAME.match(bucket):
            continue
        for method, file in (
            ("get_bucket_policy", "get-bucket-policy.json"),
            ("get_bucket_versioning", "get-bucket-versioning.json"),
            ("get_bucket_lifecycle_configuration", "get-bucket-lifecycle-configuration.json"),
        ):
            answer = ledger.call(s3, method, Bucket=bucket)
            if answer is not None:
                files[f"s3/{bucket}/{file}"] = answer
    return files


def _owner(arn: str) -> str:
    parts = arn.split(":", 5)
    return parts[4] if len(parts) == 6 else ""


def _region(arn: str) -> str | None:
    parts = arn.split(":", 5)
    return (parts[3] or None) if len(parts) == 6 else None
