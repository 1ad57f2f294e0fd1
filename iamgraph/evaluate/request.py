"""One request as AWS sees it: who calls, what action on which resource, and the context.

Context values arrive as strings, as on the wire; condition operators coerce them (C13-C18).
A key is either absent from the context or present with one value or a list of values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from functools import lru_cache

from iamgraph.model.arn import ArnError, parse_arn


class CallerType(StrEnum):
    USER = "user"
    ASSUMED_ROLE = "assumed-role"  # a role session
    ROOT = "root"
    FEDERATED_USER = "federated-user"  # sts:GetFederationToken
    WEB_IDENTITY = "web-identity"  # AssumeRoleWithWebIdentity / AssumeRoleWithSAML callers
    SERVICE = "service"  # an AWS service principal, e.g. cloudtrail.amazonaws.com
    ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class Caller:
    """The principal that signs the request, and the facts the evaluation needs about it."""

    arn: str  # user, session, root or federated-user ARN; the service or provider name otherwise
    type: CallerType
    account: str = ""
    role_arn: str | None = None  # for a role session: the IAM role ARN (with its path)
    management_account: bool = False  # E6: the caller's account is the organization's management
    service_linked: bool = False  # E7: the session is of a service-linked role

    @property
    def is_iam(self) -> bool:
        """An IAM identity of some account (what SCPs and account principals can refer to)."""
        return self.type not in (CallerType.SERVICE, CallerType.ANONYMOUS, CallerType.WEB_IDENTITY)

    @staticmethod
    @lru_cache(maxsize=16384)  # a pure function of its strings, asked once per request decided
    def from_arn(arn: str, role_arn: str | None = None) -> Caller:
        """Read the caller type off its ARN: user, root, session, federated user, or a role
        ARN standing for one of its sessions."""
        if arn.endswith(".amazonaws.com") and not arn.startswith("arn:"):
            return Caller(arn, CallerType.SERVICE)
        parsed = parse_arn(arn)
        kind, account = parsed.resource_type, parsed.account
        if parsed.service == "iam" and parsed.resource == "root":
            return Caller(arn, CallerType.ROOT, account)
        if parsed.service == "iam" and kind == "user":
            return Caller(arn, CallerType.USER, account)
        if parsed.service == "iam" and kind == "role":
            session = f"arn:{parsed.partition}:sts::{account}:assumed-role/{parsed.name}/session"
            return Caller(session, CallerType.ASSUMED_ROLE, account, role_arn=arn)
        if parsed.service == "sts" and kind == "assumed-role":
            role_name = parsed.resource_id.split("/", 1)[0]
            role = role_arn or f"arn:{parsed.partition}:iam::{account}:role/{role_name}"
            return Caller(arn, CallerType.ASSUMED_ROLE, account, role_arn=role)
        if parsed.service == "sts" and kind == "federated-user":
            return Caller(arn, CallerType.FEDERATED_USER, account)
        raise ArnError(
            f"not a caller ARN (user, role, assumed-role, federated-user, root): {arn!r}"
        )


@dataclass(frozen=True)
class ContextValue:
    """A context key's value(s), as strings; `multi` for list-typed keys."""

    values: tuple[str, ...]
    multi: bool = False
    type: str = "string"  # AWS ContextKeyType without the List suffix

    @property
    def single(self) -> str | None:
        return self.values[0] if len(self.values) == 1 and not self.multi else None


TOKEN_ISSUE_TIME = "aws:tokenissuetime"
CURRENT_TIME = "aws:currenttime"
EPOCH_TIME = "aws:epochtime"
TIME_KEYS = (TOKEN_ISSUE_TIME, CURRENT_TIME, EPOCH_TIME)
# The longest a temporary credential lives: GetSessionToken and GetFederationToken sessions last
# up to 129,600 seconds (STS API reference, GetSessionToken DurationSeconds); role sessions 12 h.
MAX_SESSION = timedelta(seconds=129_600)


@dataclass(frozen=True)
class Clock:
    """What time and the signing credential allow a request to carry (KEYS, aws:TokenIssueTime,
    aws:CurrentTime, aws:EpochTime: IAM/latest/UserGuide/reference_policies_condition-keys.html).

    `temporary`: the credential is a session (role, federated user, GetSessionToken, console
    sign-in, M5), so aws:TokenIssueTime is present; False: long-term access keys, so it is
    absent; None: not known (services, anonymous and web-identity callers), either.
    `floor`: the earliest time a request can be made, the snapshot's collection time (or
    `--as-of`): aws:CurrentTime and aws:EpochTime are never before it, and a session still in
    use was issued at most `MAX_SESSION` before it. None: no time is known, so any time is
    allowed, which over-approximates the requests (never a false proof).
    """

    temporary: bool | None = None
    floor: datetime | None = None

    @property
    def token_floor(self) -> datetime | None:
        """The earliest aws:TokenIssueTime a credential usable at `floor` can carry."""
        return None if self.floor is None else self.floor - MAX_SESSION


@dataclass(frozen=True)
class Request:
    action: str
    resource: str
    context: Mapping[str, ContextValue] = field(default_factory=dict)  # keys lower-cased (C12)
    names: Mapping[str, str] = field(default_factory=dict)  # lower-cased key -> as given
    clock: Clock | None = None  # None: the context's time keys are taken as given

    def get(self, key: str) -> ContextValue | None:
        return self.context.get(key.lower())

    @staticmethod
    def build(
        action: str,
        resource: str,
        entries: Iterable[tuple[str, ContextValue]] = (),
        clock: Clock | None = None,
    ) -> Request:
        context, names = {}, {}
        for key, value in entries:
            context[key.lower()] = value
            names[key.lower()] = key
        return Request(action, resource, context, names, clock)

    def with_context(self, entries: Iterable[tuple[str, ContextValue]]) -> Request:
        """A copy with `entries` added; keys already present keep their value."""
        context, names = dict(self.context), dict(self.names)
        for key, value in entries:
            if key.lower() not in context:
                context[key.lower()] = value
                names[key.lower()] = key
        return Request(self.action, self.resource, context, names, self.clock)
