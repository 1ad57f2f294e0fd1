"""The root user of each account (IAM.ROOT): no access keys, MFA on, and left idle.

Two files describe the root: the credential report's `<root_account>` row and the account
summary's `Account*` keys. Either one showing the bad state is a finding (they may disagree: the
summary counts inactive keys too); when neither file can tell, the finding is `unknown`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from iamgraph.audit.credentials import (
    STALE_DAYS,
    active_keys,
    audited_accounts,
    iso,
    no_account_data,
    row_source,
)
from iamgraph.audit.model import AuditContext
from iamgraph.finding import Finding, Rule, Severity, check, found, rules_of
from iamgraph.model.arn import account_root_arn
from iamgraph.model.credentials import AccountSummary, CredentialReport, CredentialRow
from iamgraph.model.snapshot import Snapshot
from iamgraph.model.source import SourceRef

__all__ = ["CHECKS"]

KEYS_PRESENT = "AccountAccessKeysPresent"
MFA_ENABLED = "AccountMFAEnabled"


@dataclass(frozen=True)
class RootView:
    """What the snapshot says about one account's root user; None where a file is absent."""

    account: str
    arn: str
    has_folder: bool
    report: CredentialReport | None
    row: CredentialRow | None
    summary: AccountSummary | None

    def summary_value(self, key: str) -> int | None:
        return self.summary.values.get(key) if self.summary else None

    def summary_source(self, key: str) -> SourceRef | None:
        return SourceRef(self.summary.file, ("SummaryMap", key)) if self.summary else None

    def row_source(self) -> SourceRef | None:
        return row_source(self.report, self.row) if self.report and self.row else None

    def unknown(self, needs: str) -> Finding:
        what = needs if self.has_folder else "account folder"
        return no_account_data(self.account, self.arn, what)


def roots(snapshot: Snapshot) -> Iterator[RootView]:
    for account in audited_accounts(snapshot):
        data = snapshot.accounts.get(account)
        report = data.credential_report if data else None
        yield RootView(
            account,
            account_root_arn(account),
            data is not None,
            report,
            report.root if report else None,
            data.summary if data else None,
        )


def root_access_keys(ctx: AuditContext) -> Iterator[Finding]:
    for root in roots(ctx.snapshot):
        present = root.summary_value(KEYS_PRESENT)
        if root.row is None and present is None:
            yield root.unknown("credential report or account summary")
            continue
        keys = [n for n, _ in active_keys(root.row)] if root.row else []
        if not keys and present != 1:
            continue
        if keys:
            said = f"active access key(s) {', '.join(map(str, keys))} in the credential report"
            source = root.row_source()
        else:
            said = f"{KEYS_PRESENT} = 1 in the account summary"
            source = root.summary_source(KEYS_PRESENT)
        yield found(
            root.arn,
            f"the root user of {root.account} has access keys: {said}",
            {"account": root.account, "active_keys": keys, KEYS_PRESENT: present},
            source,
        )


def root_no_mfa(ctx: AuditContext) -> Iterator[Finding]:
    for root in roots(ctx.snapshot):
        enabled = root.summary_value(MFA_ENABLED)
        if root.row is None and enabled is None:
            yield root.unknown("credential report or account summary")
            continue
        report_says = root.row.mfa_active if root.row else None
        if report_says is not False and enabled != 0:
            continue
        said = []
        if report_says is False:
            said.append("mfa_active is false in the credential report")
        if enabled == 0:
            said.append(f"{MFA_ENABLED} is 0 in the account summary")
        source = root.row_source() if report_says is False else root.summary_source(MFA_ENABLED)
        yield found(
            root.arn,
            f"the root user of {root.account} has no MFA: {' and '.join(said)}",
            {"account": root.account, "mfa_active": report_says, MFA_ENABLED: enabled},
            source,
        )


def root_recent_use(ctx: AuditContext) -> Iterator[Finding]:
    """Only the credential report has last-use dates; a use dated after `as_of` counts as recent."""
    for root in roots(ctx.snapshot):
        if root.row is None:
            yield root.unknown("credential report with a root row")
            continue
        uses = [
            {"credential": name, "last_used": iso(when), "age_days": ctx.age_days(when)}
            for name, when in _last_uses(root.row)
            if when is not None and ctx.age_days(when) <= STALE_DAYS
        ]
        if not uses:
            continue
        said = " and ".join(f"its {u['credential']} {u['age_days']} days ago" for u in uses)
        yield found(
            root.arn,
            f"the root user of {root.account} was used within {STALE_DAYS} days: {said} "
            f"({', '.join(u['last_used'] for u in uses)})",
            {"account": root.account, "uses": uses, "limit_days": STALE_DAYS},
            root.row_source(),
        )


def _last_uses(row: CredentialRow) -> tuple[tuple[str, datetime | None], ...]:
    return (
        ("password", row.password_last_used),
        ("access key 1", row.access_keys[0].last_used),
        ("access key 2", row.access_keys[1].last_used),
    )


EVIDENCE = "credential report (<root_account> row), account summary"

check(
    id="IAM.ROOT.ACCESS_KEYS",
    title="The root user has no access keys",
    severity=Severity.CRITICAL,
    practice="never create access keys for the root user; use roles and IAM users for programs",
    reads=EVIDENCE,
    remediation=(
        "Sign in as root, open Security credentials, and delete every root access key; move "
        "whatever used it to an IAM role."
    ),
)(root_access_keys)

check(
    id="IAM.ROOT.NO_MFA",
    title="The root user has MFA",
    severity=Severity.CRITICAL,
    practice="protect the root user with MFA (preferably a hardware or passkey device)",
    reads=EVIDENCE,
    remediation=(
        "Sign in as root and assign an MFA device under Security credentials; keep it with the "
        "break-glass procedure."
    ),
)(root_no_mfa)

check(
    id="IAM.ROOT.RECENT_USE",
    title="The root user has not been used in the last 90 days",
    severity=Severity.MEDIUM,
    practice=(
        "keep the root user for the few tasks that need it; day-to-day work uses other identities"
    ),
    reads="credential report (<root_account> row)",
    remediation=(
        "Find who signed in as root and why (CloudTrail ConsoleLogin with userIdentity.type "
        "Root); give that task to an IAM role and rotate the root password if the use was not "
        "expected."
    ),
)(root_recent_use)

CHECKS: tuple[Rule, ...] = tuple(rules_of(__name__))
