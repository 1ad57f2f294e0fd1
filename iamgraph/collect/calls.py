"""Every AWS call the collector makes: refused unless read-only, recorded with its IAM action.

botocore's `before-parameter-build` event shows each operation with its parameters before a
request is built. `refuse_writes`, on every session `collect` makes, refuses anything but
Get/List/Describe/BatchGet, GenerateCredentialReport and AssumeRole, so `collect` cannot change
an account even through a bug. `CallLog` records the IAM action and resource each call is
authorized on, which the tests check against docs/collect-policy.json with iamgraph's own
evaluator.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

READ_ONLY = re.compile(
    r"^(Get|List|Describe|BatchGet)[A-Z]|^(GenerateCredentialReport|AssumeRole)$"
)

# Where the IAM action is not `<service>:<Operation>`; None: no permission is needed.
ACTION_EXCEPTIONS: dict[tuple[str, str], str | None] = {
    ("s3", "ListBuckets"): "s3:ListAllMyBuckets",
    ("s3", "GetBucketLifecycleConfiguration"): "s3:GetLifecycleConfiguration",
    ("sts", "GetCallerIdentity"): None,  # always allowed, even under an explicit Deny
}


class ReadOnlyViolation(RuntimeError):
    """The collector tried an operation that could change an account."""


def iam_action(service: str, operation: str) -> str | None:
    """`("s3", "ListBuckets")` -> `s3:ListAllMyBuckets`; None when no permission is needed."""
    if (service, operation) in ACTION_EXCEPTIONS:
        return ACTION_EXCEPTIONS[(service, operation)]
    return f"{service}:{operation}"


@dataclass(frozen=True)
class Call:
    """One operation as IAM authorizes it."""

    account: str  # "" for sts:GetCallerIdentity, which finds out the account
    region: str
    service: str
    operation: str
    action: str | None
    resource: str  # the ARN the action is authorized on where it is known, else "*"


def resource_of(
    service: str,
    operation: str,
    params: Mapping[str, Any],
    partition: str,
    region: str,
    account: str,
) -> str:
    """The resource ARN of the calls that name one; the rest are authorized on `*`."""
    if service == "sts" and "RoleArn" in params:
        return str(params["RoleArn"])
    if service == "s3" and "Bucket" in params:
        return f"arn:{partition}:s3:::{params['Bucket']}"
    if service == "sns" and "TopicArn" in params:
        return str(params["TopicArn"])
    if service == "kms" and "KeyId" in params:
        key = str(params["KeyId"])
        return (
            key if key.startswith("arn:") else f"arn:{partition}:kms:{region}:{account}:key/{key}"
        )
    trail = str(params.get("Name") or params.get("TrailName") or "")
    if service == "cloudtrail" and trail.startswith("arn:"):
        return trail
    if service == "cloudtrail" and trail:
        return f"arn:{partition}:cloudtrail:{region}:{account}:trail/{trail}"
    return "*"


def refuse_writes(session: Any) -> None:
    """Make every client of this boto3 session refuse operations that are not reads."""
    session.events.register("before-parameter-build", _refuse)


def _refuse(model: Any, **_: Any) -> None:
    if not READ_ONLY.match(model.name):
        service = model.service_model.service_name
        raise ReadOnlyViolation(f"refused {service}:{model.name}: collect only reads")


class CallLog:
    """The calls of one collection, across threads (the hook runs in the caller's thread)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: list[Call] = []

    @property
    def calls(self) -> tuple[Call, ...]:
        with self._lock:
            return tuple(self._calls)

    def attach(self, session: Any, account: str) -> None:
        """Record every call made through clients of this boto3 session (a session hook)."""
        session.events.register("before-parameter-build", self._hook(account))

    def _hook(self, account: str):
        def before(params: Mapping[str, Any], model: Any, context: dict, **_: Any) -> None:
            service, operation = model.service_model.service_name, model.name
            region = context.get("client_region") or ""
            partition = partition_of(region)
            call = Call(
                account,
                region,
                service,
                operation,
                iam_action(service, operation),
                resource_of(service, operation, params, partition, region, account),
            )
            with self._lock:
                self._calls.append(call)

        return before


def partition_of(region: str) -> str:
    """The partition of a region name, for the ARNs of recorded calls."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"
