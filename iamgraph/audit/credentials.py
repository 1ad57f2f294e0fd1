"""Credential hygiene of IAM users, read from each account's credential report (IAM.MFA, IAM.CREDS).

Every age is whole days from `AuditContext.as_of`; "stale" means more than `STALE_DAYS` (90).
The root row is left to `root.py`. An account whose report is missing, and a user the dump lists
but the report does not (a report generated before the user existed), make each check say
`unknown` for that account or user instead of passing it. The helpers at the top are shared by
the other IAM families (`root`, `passwords`, `permissions`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from iamgraph.audit.model import AuditContext, Run
from iamgraph.finding import Finding, Rule, Severity, check, found, rules_of
from iamgraph.model.credentials import AccessKey, CredentialReport, CredentialRow
from iamgraph.model.snapshot import AccountData, Snapshot
from iamgraph.model.source import SourceRef

__all__ = [
    "CHECKS",
    "STALE_DAYS",
    "Hit",
    "active_keys",
    "audited_accounts",
    "iso",
    "no_account_data",
    "per_user",
    "row_source",
]

STALE_DAYS = 90


# ---- shared by the IAM families ---------------------------------------------------------------


def audited_accounts(snapshot: Snapshot) -> tuple[str, ...]:
    """Every account folder, plus every organization member that is not closed: a member the
    snapshot has no folder for is reported as unknown, never passed over in silence."""
    ids = set(snapshot.accounts)
    if snapshot.organization:
        ids |= {a for a, acct in snapshot.organization.accounts.items() if acct.state != "CLOSED"}
    return tuple(sorted(ids))


def no_account_data(account: str, subject: str, what: str) -> Finding:
    """The unknown finding for an account whose folder (or the file `what` needs) is absent."""
    return found(
        subject,
        f"the snapshot has no {what} for account {account}, so this cannot be checked there",
        {"account": account, "missing": what},
        unknown=True,
    )


def row_source(report: CredentialReport, row: CredentialRow) -> SourceRef:
    """The row's line in a raw CSV report; in the CLI's JSON form the CSV is base64 inside
    `Content`, so the ref names that member and the CSV line stays in the evidence only."""
    if report.file.endswith(".json"):
        return SourceRef(report.file, ("Content",))
    return SourceRef(report.file, (), row.line, 1)


def iso(when: datetime | None) -> str | None:
    return when.isoformat() if when else None


def active_keys(row: CredentialRow) -> tuple[tuple[int, AccessKey], ...]:
    """(1 or 2, key) for each active access key, numbered as the report's columns are."""
    return tuple((n, k) for n, k in enumerate(row.access_keys, 1) if k.active)


# ---- one rule per check, applied to every user row --------------------------------------------


@dataclass(frozen=True)
class Hit:
    """What a rule found in one row; `per_user` turns it into a Finding for the user."""

    message: str
    evidence: dict = field(default_factory=dict)
    unknown: bool = False


RowRule = Callable[[AuditContext, CredentialRow], Iterable[Hit]]


def per_user(rule: RowRule) -> Run:
    """Apply `rule` to every IAM user row of every audited account's credential report."""

    def run(ctx: AuditContext) -> Iterator[Finding]:
        for account in audited_accounts(ctx.snapshot):
            data = ctx.snapshot.accounts.get(account)
            report = data.credential_report if data else None
            if report is None:
                what = "credential report" if data else "account folder"
                why = data and (
                    data.unreadable.get("iam/credential-report.csv")
                    or data.unreadable.get("iam/credential-report.json")
                )
                what = f"readable {what} ({why})" if why else what
                yield no_account_data(account, account, what)
                continue
            yield from _unreported_users(data, report)
            for row in report.rows:
                if not row.is_root:
                    for hit in rule(ctx, row):
                        yield _finding(report, row, hit)

    return run


def _finding(report: CredentialReport, row: CredentialRow, hit: Hit) -> Finding:
    evidence = {
        "user": row.user,
        "account": report.account,
        "report": report.file,
        "line": row.line,
        **hit.evidence,
    }
    return found(row.arn, hit.message, evidence, row_source(report, row), hit.unknown)


def _unreported_users(data: AccountData, report: CredentialReport) -> Iterator[Finding]:
    """Users the authorization dump lists that have no report row: their credentials are unseen."""
    listed = {r.arn for r in report.rows}
    for user in data.authorization.users if data.authorization else ():
        if user.arn not in listed:
            yield found(
                user.arn,
                f"user {user.name} is not in the credential report of {report.account} "
                "(generated before the user existed?), so its credentials are unknown",
                {"user": user.name, "account": report.account, "report": report.file},
                SourceRef(report.file),
                True,
            )


# ---- the rules --------------------------------------------------------------------------------


def console_without_mfa(ctx: AuditContext, row: CredentialRow) -> Iterator[Hit]:
    if row.password_enabled and not row.mfa_active:
        yield Hit(
            f"{row.user} can sign in to the console with a password and has no MFA device",
            {"password_enabled": True, "mfa_active": False},
        )


def key_age(ctx: AuditContext, row: CredentialRow) -> Iterator[Hit]:
    for n, key in active_keys(row):
        age = ctx.age_days(key.last_rotated)
        facts = {"key": n, "last_rotated": iso(key.last_rotated), "limit_days": STALE_DAYS}
        if age is None:
            yield Hit(
                f"access key {n} of {row.user} is active but the report gives no rotation date",
                facts,
                True,
            )
        elif age > STALE_DAYS:
            yield Hit(
                f"access key {n} of {row.user} is active and was last rotated {age} days ago "
                f"({iso(key.last_rotated)}), more than {STALE_DAYS}",
                {**facts, "age_days": age},
            )


def key_unused(ctx: AuditContext, row: CredentialRow) -> Iterator[Hit]:
    for n, key in active_keys(row):
        facts = {
            "key": n,
            "last_used": iso(key.last_used),
            "last_rotated": iso(key.last_rotated),
            "limit_days": STALE_DAYS,
        }
        if key.last_used is not None:
            idle = ctx.age_days(key.last_used)
            if idle > STALE_DAYS:
                yield Hit(
                    f"access key {n} of {row.user} is active but has not been used for {idle} "
                    f"days (last used {iso(key.last_used)})",
                    {**facts, "unused_days": idle},
                )
            continue
        age = ctx.age_days(key.last_rotated)
        if age is None:
            yield Hit(
                f"access key {n} of {row.user} is active and has never been used, but the report "
                "gives no creation date to tell how long it has existed",
                facts,
                True,
            )
        elif age > STALE_DAYS:
            yield Hit(
                f"access key {n} of {row.user} is active and has never been used in the {age} "
                f"days since it was created ({iso(key.last_rotated)})",
                {**facts, "unused_days": age},
            )


def two_active_keys(ctx: AuditContext, row: CredentialRow) -> Iterator[Hit]:
    if len(active_keys(row)) == 2:
        yield Hit(
            f"{row.user} has two active access keys",
            {
                "access_key_1_last_rotated": iso(row.access_keys[0].last_rotated),
                "access_key_2_last_rotated": iso(row.access_keys[1].last_rotated),
            },
        )


def password_never_used(ctx: AuditContext, row: CredentialRow) -> Iterator[Hit]:
    """Set more than 90 days ago and never used: measured from the last password change, else
    from the user's creation, so a password handed out last week is not a finding yet."""
    if not row.password_enabled or row.password_last_used is not None:
        return
    since = row.password_last_changed or row.created
    age = ctx.age_days(since)
    facts = {
        "password_last_changed": iso(row.password_last_changed),
        "user_creation_time": iso(row.created),
        "limit_days": STALE_DAYS,
    }
    if age is None:
        yield Hit(
            f"{row.user} has a console password that was never used, and the report gives no "
            "date to tell how old it is",
            facts,
            True,
        )
    elif age > STALE_DAYS:
        yield Hit(
            f"{row.user} has had a console password for {age} days (since {iso(since)}) and "
            "has never used it",
            {**facts, "age_days": age},
        )


def password_unused(ctx: AuditContext, row: CredentialRow) -> Iterator[Hit]:
    if not row.password_enabled or row.password_last_used is None:
        return
    idle = ctx.age_days(row.password_last_used)
    if idle > STALE_DAYS:
        yield Hit(
            f"{row.user} has a console password last used {idle} days ago "
            f"({iso(row.password_last_used)})",
            {
                "password_last_used": iso(row.password_last_used),
                "unused_days": idle,
                "limit_days": STALE_DAYS,
            },
        )


def console_and_keys(ctx: AuditContext, row: CredentialRow) -> Iterator[Hit]:
    keys = [n for n, _ in active_keys(row)]
    if row.password_enabled and keys:
        yield Hit(
            f"{row.user} has both a console password and active access key(s) "
            f"{', '.join(map(str, keys))}",
            {"password_enabled": True, "active_keys": keys},
        )


REPORT = "credential report"


check(
    id="IAM.MFA.CONSOLE_USER",
    title="Console users have MFA",
    severity=Severity.HIGH,
    practice="require MFA for every human who signs in with a password",
    reads=REPORT,
    remediation=(
        "Enable a virtual or hardware MFA device for the user, or remove the console password "
        "(aws iam delete-login-profile) if it is not needed."
    ),
)(per_user(console_without_mfa))

check(
    id="IAM.CREDS.KEY_AGE",
    title="Active access keys are rotated within 90 days",
    severity=Severity.MEDIUM,
    practice="rotate long-term access keys regularly, or replace them with temporary credentials",
    reads=REPORT,
    remediation=(
        "Create a new key, move the workload to it, then deactivate and delete the old one "
        "(aws iam update-access-key --status Inactive; aws iam delete-access-key); better, move "
        "the workload to a role."
    ),
)(per_user(key_age))

check(
    id="IAM.CREDS.KEY_UNUSED",
    title="No active access key is left unused for 90 days",
    severity=Severity.MEDIUM,
    practice="remove credentials that are not used",
    reads=REPORT,
    remediation=(
        "Deactivate the key (aws iam update-access-key --status Inactive), wait for complaints, "
        "then delete it."
    ),
)(per_user(key_unused))

check(
    id="IAM.CREDS.TWO_ACTIVE_KEYS",
    title="Users have at most one active access key",
    severity=Severity.LOW,
    practice="keep one active key per user; two active keys only briefly, during a rotation",
    reads=REPORT,
    remediation=(
        "Finish the rotation: find which key the workload uses (access_key_N_last_used_date) and "
        "deactivate and delete the other."
    ),
)(per_user(two_active_keys))

check(
    id="IAM.CREDS.PASSWORD_NEVER_USED",
    title="No console password set more than 90 days ago remains unused",
    severity=Severity.MEDIUM,
    practice="remove credentials that are not used",
    reads=REPORT,
    remediation=(
        "Delete the login profile (aws iam delete-login-profile) of a user who never signs in."
    ),
)(per_user(password_never_used))

check(
    id="IAM.CREDS.PASSWORD_UNUSED",
    title="Console passwords are used within 90 days",
    severity=Severity.MEDIUM,
    practice="remove credentials that are not used",
    reads=REPORT,
    remediation=(
        "Delete the login profile (aws iam delete-login-profile) of a user who no longer signs "
        "in; recreate it if they return."
    ),
)(per_user(password_unused))

check(
    id="IAM.CREDS.CONSOLE_AND_KEYS",
    title="Users have a console password or access keys, not both",
    severity=Severity.LOW,
    practice="separate human (console, MFA) identities from programmatic ones",
    reads=REPORT,
    remediation=(
        "Give the workload its own identity (preferably a role) and delete the person's access "
        "keys, or remove the console password from the machine user."
    ),
)(per_user(console_and_keys))

CHECKS: tuple[Rule, ...] = tuple(rules_of(__name__))
