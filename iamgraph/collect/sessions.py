"""boto3 sessions: one per account and thread, all from credentials resolved once.

boto3 sessions are not thread-safe, so every account worker makes its own. They share the
caller's credentials object (botocore's refreshable credentials are thread-safe), so a profile
that prompts for an MFA code or reads an SSO token does so once, not once per thread. Member
accounts are reached by assuming `<role-name>` with credentials that refresh themselves, so a
large account outlives the first session.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3
import botocore.loaders
import botocore.session
from botocore.config import Config
from botocore.credentials import CredentialProvider, Credentials, RefreshableCredentials

from iamgraph import __version__
from iamgraph.collect.calls import refuse_writes
from iamgraph.collect.ledger import Ledger

Hook = Callable[[boto3.Session, str], None]  # (session, account id): e.g. CallLog.attach
SESSION_NAME = "iamgraph-collect"


def client_config() -> Config:
    """Adaptive retries: a large organization is throttled, and waiting is the fix."""
    return Config(
        retries={"mode": "adaptive", "max_attempts": 10},
        user_agent_extra=f"iamgraph/{__version__}",
    )


class _Given(CredentialProvider):
    """Hands a session credentials that were resolved elsewhere."""

    METHOD = CANONICAL_NAME = "iamgraph-given"

    def __init__(self, credentials: Credentials) -> None:
        super().__init__()
        self._credentials = credentials

    def load(self) -> Credentials:
        return self._credentials


_LOADER: list[botocore.loaders.Loader] = []


def shared_loader() -> botocore.loaders.Loader:
    """One loader of botocore's data for every session: each would otherwise parse the
    endpoint and service models again (about half a second per session). Its caches only
    ever gain entries, so sharing it across threads at worst loads a file twice."""
    if not _LOADER:
        _LOADER.append(botocore.loaders.create_loader())
    return _LOADER[0]


def new_session(profile: str | None, region: str, credentials: Credentials) -> boto3.Session:
    """A session of `profile` (region, endpoints and retries as configured there) that uses
    `credentials`; boto3 reads AWS_ENDPOINT_URL and the rest of its settings as usual."""
    core = botocore.session.Session(profile=profile)
    core.register_component("data_loader", shared_loader())
    core.get_component("credential_provider").insert_before("env", _Given(credentials))
    session = boto3.Session(botocore_session=core, region_name=region)
    refuse_writes(session)
    return session


@dataclass(frozen=True)
class Sessions:
    """Makes the sessions of one collection."""

    profile: str | None
    region: str  # for the global services: IAM, STS, Organizations
    credentials: Credentials
    caller_account: str
    role_name: str
    partition: str = "aws"
    hooks: tuple[Hook, ...] = ()

    def own(self) -> boto3.Session:
        """A new session with the caller's own credentials."""
        session = new_session(self.profile, self.region, self.credentials)
        for hook in self.hooks:
            hook(session, self.caller_account)
        return session

    def role_arn(self, account: str) -> str:
        return f"arn:{self.partition}:iam::{account}:role/{self.role_name}"

    def for_account(self, account: str, ledger: Ledger) -> boto3.Session | None:
        """The caller's credentials in its own account, else a session of the role assumed in
        `account`; None (and the failure in `ledger`) when the role cannot be assumed."""
        if account == self.caller_account:
            return self.own()
        sts = self.own().client("sts", region_name=self.region, config=client_config())

        def fetch() -> dict[str, str]:
            creds = sts.assume_role(RoleArn=self.role_arn(account), RoleSessionName=SESSION_NAME)
            c = creds["Credentials"]
            return {
                "access_key": c["AccessKeyId"],
                "secret_key": c["SecretAccessKey"],
                "token": c["SessionToken"],
                "expiry_time": c["Expiration"].isoformat(),
            }

        first = ledger.attempt(sts, "assume_role", fetch)
        if first is None:
            return None
        credentials = RefreshableCredentials.create_from_metadata(
            first, refresh_using=fetch, method="assume-role"
        )
        session = new_session(self.profile, self.region, credentials)
        for hook in self.hooks:
            hook(session, account)
        return session


@dataclass
class Clients:
    """One client per service and region of a session (clients are costly to make)."""

    session: boto3.Session
    default_region: str
    _made: dict[tuple[str, str], Any] = field(default_factory=dict)

    def get(self, service: str, region: str | None = None) -> Any:
        key = (service, region or self.default_region)
        if key not in self._made:
            self._made[key] = self.session.client(
                service, region_name=key[1], config=client_config()
            )
        return self._made[key]
