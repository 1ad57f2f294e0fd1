"""What each call returned besides data: facts (nothing configured) and failures.

`NoSuchEntity` for the password policy means "no policy set", a fact the analysis needs; an
AccessDenied means the snapshot lacks something. Both are recorded in snapshot.json by service,
operation, account, region and error code, never with the error message, which may hold an
endpoint URL or other values of the environment.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from iamgraph.collect.calls import ReadOnlyViolation

T = TypeVar("T")

# Answers that say "not configured": recorded as facts, and the file is left out.
NOT_CONFIGURED = frozenset(
    {
        "NoSuchEntity",  # iam get-account-password-policy: no password policy
        "NoSuchBucketPolicy",
        "NoSuchLifecycleConfiguration",
        "AWSOrganizationsNotInUseException",
        "PolicyTypeNotEnabledException",
        "TrailNotFoundException",
    }
)


@dataclass(frozen=True)
class Issue:
    """A call that returned no data, and why (the error code)."""

    service: str
    operation: str
    account: str
    region: str
    code: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)

    @staticmethod
    def from_dict(data: dict[str, str]) -> Issue:
        return Issue(**{k: str(data.get(k, "")) for k in Issue.__dataclass_fields__})


@dataclass
class Ledger:
    """The facts and failures of one account (or of the organization), as they are found."""

    account: str
    facts: list[Issue] = field(default_factory=list)
    failures: list[Issue] = field(default_factory=list)

    def call(self, client: Any, method: str, **params: Any) -> dict[str, Any] | None:
        """One call; None (and an Issue recorded) when it returned an error."""
        return self.attempt(client, method, lambda: getattr(client, method)(**params))

    def pages(self, client: Any, method: str, **params: Any) -> dict[str, Any] | None:
        """Every page merged into one response, as the CLI prints a paginated command:
        the listed items of all pages, without NextToken, Marker or IsTruncated."""
        paginator = client.get_paginator(method)
        return self.attempt(
            client, method, lambda: paginator.paginate(**params).build_full_result()
        )

    def attempt(self, client: Any, method: str, run: Callable[[], T]) -> T | None:
        try:
            return run()
        except ReadOnlyViolation:
            raise
        except ClientError as exc:
            self.record(client, method, exc.response.get("Error", {}).get("Code") or "Unknown")
        except BotoCoreError as exc:
            self.record(client, method, type(exc).__name__)
        except Exception as exc:  # a service that answers unexpectedly must not stop the run
            self.record(client, method, type(exc).__name__)
        return None

    def record(self, client: Any, method: str, code: str) -> None:
        issue = Issue(
            client.meta.service_model.service_name,
            client.meta.method_to_api_mapping.get(method, method),
            self.account,
            client.meta.region_name or "",
            code,
        )
        (self.facts if code in NOT_CONFIGURED else self.failures).append(issue)

    def failed(self, code: str, service: str, operation: str, region: str = "") -> None:
        """A failure found outside a call (e.g. a name that cannot be a file name)."""
        self.failures.append(Issue(service, operation, self.account, region, code))
