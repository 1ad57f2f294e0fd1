"""The account password policy (IAM.PASSWORD): present, and strict in each field.

One check per field, so a report says which setting to change and a user can accept one
deliberately (NIST SP 800-63B, for instance, advises against forced expiry). Where the policy is
absent the MISSING check is the finding and the field checks stay quiet; where the snapshot
cannot tell whether a policy exists, every check says `unknown`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from iamgraph.audit.credentials import audited_accounts, no_account_data
from iamgraph.audit.model import AuditContext, Run
from iamgraph.finding import Finding, Rule, Severity, check, found, rules_of
from iamgraph.model.credentials import PasswordPolicy
from iamgraph.model.snapshot import AccountData, Snapshot
from iamgraph.model.source import SourceRef

__all__ = ["CHECKS"]

EVIDENCE = "password policy (get-account-password-policy), account summary"
POLICY_FILE = "get-account-password-policy.json"
MIN_LENGTH = 14
MIN_REUSE = 24
MAX_AGE_DAYS = 90

Value = int | bool | None


@dataclass(frozen=True)
class PolicyState:
    """One account's password policy, or why the snapshot cannot say whether it has one."""

    account: str
    policy: PasswordPolicy | None  # None and `unknown` None: no policy is set
    unknown: str | None = None  # what is missing


def policy_states(snapshot: Snapshot) -> Iterator[PolicyState]:
    for account in audited_accounts(snapshot):
        data = snapshot.accounts.get(account)
        unset = snapshot.answered(account, "GetAccountPasswordPolicy", "NoSuchEntity")
        yield PolicyState(account, data.password_policy if data else None, _missing(data, unset))


def _missing(data: AccountData | None, unset: bool) -> str | None:
    """An absent policy file means "no policy" only where snapshot.json says AWS answered that
    no policy is set. Other files of iam/ (a credential report, the account summary) prove
    nothing about this one: a partial snapshot, or a hand-made one without snapshot.json, may
    hold them and still lack the policy because it was never collected."""
    if data is None:
        return "account folder"
    unreadable = data.unreadable.get(f"iam/{POLICY_FILE}")
    if unreadable:  # present but unreadable: whether a policy is set is unknown, not "no"
        return f"readable password policy file ({unreadable})"
    if data.password_policy is not None or unset:
        return None
    if data.authorization is None and data.credential_report is None and data.summary is None:
        return "IAM data (iam/ folder)"
    return (
        "password policy file (snapshot.json records no NoSuchEntity answer for it, so an "
        "unset policy cannot be told from an uncollected one)"
    )


def password_missing(ctx: AuditContext) -> Iterator[Finding]:
    for state in policy_states(ctx.snapshot):
        if state.unknown:
            yield no_account_data(state.account, state.account, state.unknown)
        elif state.policy is None:
            yield found(
                state.account,
                f"account {state.account} has no IAM password policy, so AWS's permissive "
                "defaults apply to every console password",
                {
                    "account": state.account,
                    "password_policy": None,
                    "expected_file": f"accounts/{state.account}/iam/{POLICY_FILE}",
                },
            )


@dataclass(frozen=True)
class FieldRule:
    """One field of the policy, its required value, and when a value falls short."""

    field: str
    required: int | bool
    read: Callable[[PasswordPolicy], Value]
    weak: Callable[[Value], bool]
    says: Callable[[Value], str]  # the shortfall, in words


def _below(required: int) -> Callable[[Value], bool]:
    return lambda v: v is None or v < required


def _flag(field: str) -> Callable[[Value], str]:
    return lambda v: f"{field} is false (required: true)"


def _number(field: str, required: int, unit: str = "") -> Callable[[Value], str]:
    def says(value: Value) -> str:
        if value is None:
            return f"{field} is not set (required: at least {required}{unit})"
        return f"{field} is {value}, below the required {required}{unit}"

    return says


def _expiry(value: Value) -> str:
    if value is None:
        return (
            f"passwords never expire: MaxPasswordAge is not set (required: at most {MAX_AGE_DAYS})"
        )
    return f"MaxPasswordAge is {value} days, above the allowed {MAX_AGE_DAYS}"


def field_run(rule: FieldRule) -> Run:
    def run(ctx: AuditContext) -> Iterator[Finding]:
        for state in policy_states(ctx.snapshot):
            if state.unknown:
                yield no_account_data(state.account, state.account, state.unknown)
                continue
            policy = state.policy
            if policy is None:  # IAM.PASSWORD.MISSING reports it
                continue
            value = rule.read(policy)
            if not rule.weak(value):
                continue
            evidence = {"field": rule.field, "value": value, "required": rule.required}
            if rule.field == "MaxPasswordAge":
                evidence["ExpirePasswords"] = policy.expire_passwords
            yield found(
                state.account,
                f"the password policy of {state.account} is weak: {rule.says(value)}",
                {**evidence, "account": state.account},
                SourceRef(policy.file, ("PasswordPolicy", rule.field)),
            )

    return run


def _flag_rule(field: str, read: Callable[[PasswordPolicy], bool]) -> FieldRule:
    return FieldRule(field, True, read, lambda v: not v, _flag(field))


LENGTH = FieldRule(
    "MinimumPasswordLength",
    MIN_LENGTH,
    lambda p: p.minimum_length,
    _below(MIN_LENGTH),
    _number("MinimumPasswordLength", MIN_LENGTH),
)
REUSE = FieldRule(
    "PasswordReusePrevention",
    MIN_REUSE,
    lambda p: p.reuse_prevention,
    _below(MIN_REUSE),
    _number("PasswordReusePrevention", MIN_REUSE, " remembered passwords"),
)
EXPIRY = FieldRule(
    "MaxPasswordAge",
    MAX_AGE_DAYS,
    lambda p: p.max_age if p.max_age else None,  # 0 and absent both mean "never expire"
    lambda v: v is None or v > MAX_AGE_DAYS,
    _expiry,
)

PRACTICE = "enforce a strong password policy for IAM users"


def _field_check(rule: FieldRule, *, id: str, title: str, severity: Severity, remedy: str) -> None:
    """Register the check of one field (`id` written here only)."""
    check(
        id=id,
        title=title,
        severity=severity,
        practice=PRACTICE,
        reads=EVIDENCE,
        remediation=remedy,
        module=__name__,
    )(field_run(rule))


check(
    id="IAM.PASSWORD.MISSING",
    title="The account has an IAM password policy",
    severity=Severity.MEDIUM,
    practice=PRACTICE,
    reads=EVIDENCE,
    remediation=(
        "Set one: aws iam update-account-password-policy --minimum-password-length 14 "
        "--require-symbols --require-numbers --require-uppercase-characters "
        "--require-lowercase-characters --password-reuse-prevention 24 --max-password-age 90"
    ),
)(password_missing)

_field_check(
    LENGTH,
    id="IAM.PASSWORD.LENGTH",
    title="Passwords are at least 14 characters long",
    severity=Severity.MEDIUM,
    remedy=(
        "aws iam update-account-password-policy --minimum-password-length 14 (repeat the other "
        "settings: the call replaces the whole policy)"
    ),
)

_field_check(
    REUSE,
    id="IAM.PASSWORD.REUSE",
    title="The last 24 passwords cannot be reused",
    severity=Severity.LOW,
    remedy=(
        "aws iam update-account-password-policy --password-reuse-prevention 24 (with the other "
        "settings: the call replaces the whole policy)"
    ),
)

_field_check(
    _flag_rule("RequireSymbols", lambda p: p.require_symbols),
    id="IAM.PASSWORD.SYMBOLS",
    title="Passwords must contain a symbol",
    severity=Severity.LOW,
    remedy=("aws iam update-account-password-policy --require-symbols (with the other settings)"),
)

_field_check(
    _flag_rule("RequireNumbers", lambda p: p.require_numbers),
    id="IAM.PASSWORD.NUMBERS",
    title="Passwords must contain a number",
    severity=Severity.LOW,
    remedy=("aws iam update-account-password-policy --require-numbers (with the other settings)"),
)

_field_check(
    _flag_rule("RequireUppercaseCharacters", lambda p: p.require_uppercase),
    id="IAM.PASSWORD.UPPERCASE",
    title="Passwords must contain an uppercase letter",
    severity=Severity.LOW,
    remedy=(
        "aws iam update-account-password-policy --require-uppercase-characters (with the other "
        "settings)"
    ),
)

_field_check(
    _flag_rule("RequireLowercaseCharacters", lambda p: p.require_lowercase),
    id="IAM.PASSWORD.LOWERCASE",
    title="Passwords must contain a lowercase letter",
    severity=Severity.LOW,
    remedy=(
        "aws iam update-account-password-policy --require-lowercase-characters (with the other "
        "settings)"
    ),
)

_field_check(
    EXPIRY,
    id="IAM.PASSWORD.EXPIRY",
    title="Passwords expire within 90 days",
    severity=Severity.LOW,
    remedy=(
        "aws iam update-account-password-policy --max-password-age 90 (with the other settings)"
    ),
)

CHECKS: tuple[Rule, ...] = tuple(rules_of(__name__))
