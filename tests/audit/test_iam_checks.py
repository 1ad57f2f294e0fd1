"""The IAM audit families on fixtures/audit/iam (see its README for which account seeds what)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from iamgraph.audit import credentials, passwords, permissions, root
from iamgraph.audit.model import AuditContext
from iamgraph.finding import Finding, Rule, Severity
from iamgraph.load.snapshot import load_snapshot

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "audit" / "iam"
AS_OF = datetime(2026, 6, 30, 12, 0, 0, tzinfo=UTC)
BAD, CLEAN, SUMMARY_ONLY, DUMP_ONLY = "314159265358", "271828182845", "141421356237", "173205080756"
REPORT = str(FIXTURE / "accounts" / BAD / "iam" / "credential-report.csv")
AUTH = str(FIXTURE / "accounts" / BAD / "iam" / "get-account-authorization-details.json")

CHECKS: dict[str, Rule] = {
    c.id: c for module in (root, passwords, credentials, permissions) for c in module.CHECKS
}
CREDENTIAL_CHECKS = [c.id for c in credentials.CHECKS]
PASSWORD_FIELDS = [c.id for c in passwords.CHECKS if c.id != "IAM.PASSWORD.MISSING"]


def user(name: str, account: str = BAD) -> str:
    return f"arn:aws:iam::{account}:user/{name}"


def role(name: str, account: str = BAD) -> str:
    return f"arn:aws:iam::{account}:role/{name}"


def policy(name: str, account: str = BAD) -> str:
    return f"arn:aws:iam::{account}:policy/{name}"


@pytest.fixture(scope="module")
def ctx() -> AuditContext:
    return AuditContext(load_snapshot(FIXTURE), as_of=AS_OF)


def run(ctx: AuditContext, check: str, account: str | None = BAD) -> list[Finding]:
    found = list(CHECKS[check].run(ctx))
    assert all(f.rule.id == check for f in found)
    return [f for f in found if account is None or account in f.subject]


def failed(ctx: AuditContext, check: str, account: str = BAD) -> list[Finding]:
    return [f for f in run(ctx, check, account) if f.unknown is False]


def subjects(found: list[Finding]) -> list[str]:
    return sorted(f.subject for f in found)


def only(found: list[Finding]) -> Finding:
    assert len(found) == 1, found
    return found[0]


# ---- the table --------------------------------------------------------------------------------


def test_table_has_every_check_once_with_its_texts():
    ids = [c.id for m in (root, passwords, credentials, permissions) for c in m.CHECKS]
    assert len(ids) == len(set(ids)) == 27
    assert set(ids) == {
        "IAM.ROOT.ACCESS_KEYS", "IAM.ROOT.NO_MFA", "IAM.ROOT.RECENT_USE",
        "IAM.PASSWORD.MISSING", "IAM.PASSWORD.LENGTH", "IAM.PASSWORD.REUSE",
        "IAM.PASSWORD.SYMBOLS", "IAM.PASSWORD.NUMBERS", "IAM.PASSWORD.UPPERCASE",
        "IAM.PASSWORD.LOWERCASE", "IAM.PASSWORD.EXPIRY",
        "IAM.MFA.CONSOLE_USER", "IAM.CREDS.KEY_AGE", "IAM.CREDS.KEY_UNUSED",
        "IAM.CREDS.TWO_ACTIVE_KEYS", "IAM.CREDS.PASSWORD_NEVER_USED",
        "IAM.CREDS.PASSWORD_UNUSED", "IAM.CREDS.CONSOLE_AND_KEYS",
        "IAM.POLICY.USER_ATTACHED", "IAM.POLICY.INLINE",
        "IAM.POLICY.FULL_ADMIN_OUTSIDE_ADMIN_ROLES", "IAM.POLICY.NOTACTION_ALLOW",
        "IAM.POLICY.PASSROLE_STAR", "IAM.POLICY.DUPLICATES_AWS_MANAGED",
        "IAM.TRUST.ANY_PRINCIPAL", "IAM.TRUST.WHOLE_FOREIGN_ACCOUNT", "IAM.TRUST.OIDC_WITHOUT_SUB",
    }  # fmt: skip
    for c in CHECKS.values():
        assert re.fullmatch(r"IAM\.[A-Z]+\.[A-Z_]+", c.id)
        assert c.title and c.practice and c.reads and c.remediation
        assert isinstance(c.severity, Severity)


def test_severities_of_the_worst_practices():
    assert CHECKS["IAM.ROOT.ACCESS_KEYS"].severity is Severity.CRITICAL
    assert CHECKS["IAM.ROOT.NO_MFA"].severity is Severity.CRITICAL
    assert CHECKS["IAM.TRUST.ANY_PRINCIPAL"].severity is Severity.CRITICAL
    assert CHECKS["IAM.MFA.CONSOLE_USER"].severity is Severity.HIGH
    assert CHECKS["IAM.CREDS.KEY_AGE"].severity is Severity.MEDIUM
    assert CHECKS["IAM.POLICY.INLINE"].severity is Severity.LOW


@pytest.mark.parametrize("check", sorted(CHECKS))
def test_clean_account_has_no_finding(ctx, check):
    assert run(ctx, check, CLEAN) == []


@pytest.mark.parametrize("check", sorted(CHECKS))
def test_findings_are_json_ready(ctx, check):
    for f in run(ctx, check, None):
        for value in f.evidence.values():
            assert isinstance(value, str | int | bool | list | dict | type(None)), (f, value)


# ---- root -------------------------------------------------------------------------------------


def test_root_access_keys_from_the_report(ctx):
    f = only(failed(ctx, "IAM.ROOT.ACCESS_KEYS"))
    assert f.subject == f"arn:aws:iam::{BAD}:root"
    assert f.evidence["active_keys"] == [1]
    assert f.evidence["AccountAccessKeysPresent"] == 1
    assert (f.source.file, f.source.line) == (REPORT, 2)


def test_root_no_mfa_from_report_and_summary(ctx):
    f = only(failed(ctx, "IAM.ROOT.NO_MFA"))
    assert f.subject == f"arn:aws:iam::{BAD}:root"
    assert f.evidence["mfa_active"] is False
    assert f.evidence["AccountMFAEnabled"] == 0
    assert "mfa_active is false" in f.message and "AccountMFAEnabled is 0" in f.message


def test_root_recent_use_lists_password_and_key(ctx):
    f = only(failed(ctx, "IAM.ROOT.RECENT_USE"))
    assert f.evidence["uses"] == [
        {"credential": "password", "last_used": "2026-06-12T07:41:09+00:00", "age_days": 18},
        {"credential": "access key 1", "last_used": "2026-05-20T10:11:12+00:00", "age_days": 41},
    ]
    assert "18 days ago" in f.message and "41 days ago" in f.message


def test_root_checks_read_the_summary_alone(ctx):
    keys = only(run(ctx, "IAM.ROOT.ACCESS_KEYS", SUMMARY_ONLY))
    mfa = only(run(ctx, "IAM.ROOT.NO_MFA", SUMMARY_ONLY))
    assert keys.unknown is mfa.unknown is False
    assert "AccountAccessKeysPresent = 1" in keys.message
    assert keys.source.path == ("SummaryMap", "AccountAccessKeysPresent")
    assert mfa.source.path == ("SummaryMap", "AccountMFAEnabled")
    recent = only(run(ctx, "IAM.ROOT.RECENT_USE", SUMMARY_ONLY))
    assert recent.unknown is True
    assert "credential report" in recent.message


@pytest.mark.parametrize("check", [c.id for c in root.CHECKS])
def test_root_unknown_without_report_or_summary(ctx, check):
    f = only(run(ctx, check, DUMP_ONLY))
    assert f.unknown is True
    assert f.subject == f"arn:aws:iam::{DUMP_ONLY}:root"


# ---- password policy --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("check", "field", "value", "required"),
    [
        ("IAM.PASSWORD.LENGTH", "MinimumPasswordLength", 8, 14),
        ("IAM.PASSWORD.REUSE", "PasswordReusePrevention", 5, 24),
        ("IAM.PASSWORD.SYMBOLS", "RequireSymbols", False, True),
        ("IAM.PASSWORD.NUMBERS", "RequireNumbers", False, True),
        ("IAM.PASSWORD.UPPERCASE", "RequireUppercaseCharacters", False, True),
        ("IAM.PASSWORD.LOWERCASE", "RequireLowercaseCharacters", False, True),
        ("IAM.PASSWORD.EXPIRY", "MaxPasswordAge", 180, 90),
    ],
)
def test_weak_password_field(ctx, check, field, value, required):
    f = only(failed(ctx, check))
    assert f.subject == BAD
    assert {k: f.evidence[k] for k in ("field", "value", "required")} == {
        "field": field,
        "value": value,
        "required": required,
    }
    assert field in f.message and BAD in f.message
    assert f.source.path == ("PasswordPolicy", field)
    assert f.source.file.endswith(f"{BAD}/iam/get-account-password-policy.json")


def test_password_missing_where_iam_was_collected(ctx):
    assert run(ctx, "IAM.PASSWORD.MISSING", BAD) == []
    f = only(run(ctx, "IAM.PASSWORD.MISSING", SUMMARY_ONLY))
    assert f.unknown is False and f.subject == SUMMARY_ONLY
    assert f.evidence["password_policy"] is None


@pytest.mark.parametrize("check", PASSWORD_FIELDS)
def test_field_checks_quiet_when_policy_missing(ctx, check):
    assert run(ctx, check, SUMMARY_ONLY) == []


@pytest.mark.parametrize("check", [c.id for c in passwords.CHECKS])
def test_password_unknown_with_the_dump_alone(ctx, check):
    f = only(run(ctx, check, DUMP_ONLY))
    assert f.unknown is True
    assert "password policy" in f.message


# ---- user credentials -------------------------------------------------------------------------


def test_console_user_without_mfa(ctx):
    f = only(failed(ctx, "IAM.MFA.CONSOLE_USER"))
    assert f.subject == user("alice.console")
    assert f.evidence["report"] == REPORT and f.evidence["line"] == 3
    assert (f.source.file, f.source.line, f.source.column) == (REPORT, 3, 1)


def test_key_age(ctx):
    found = failed(ctx, "IAM.CREDS.KEY_AGE")
    assert [(f.subject, f.evidence["key"], f.evidence["age_days"]) for f in found] == [
        (user("bob.keys"), 1, 400),
        (user("erin.oldkey"), 1, 160),
    ]
    assert found[0].evidence["last_rotated"] == "2025-05-26T09:00:00+00:00"
    assert "400 days" in found[0].message
    assert [f.source.line for f in found] == [4, 7]


def test_key_unused_since_use_and_never_used(ctx):
    bob, erin = failed(ctx, "IAM.CREDS.KEY_UNUSED")
    assert (bob.subject, bob.evidence["key"], bob.evidence["unused_days"]) == (
        user("bob.keys"),
        1,
        200,
    )
    assert bob.evidence["last_used"] == "2025-12-12T11:00:00+00:00"
    assert (erin.subject, erin.evidence["unused_days"], erin.evidence["last_used"]) == (
        user("erin.oldkey"),
        160,
        None,
    )
    assert "never been used" in erin.message


def test_two_active_keys(ctx):
    f = only(failed(ctx, "IAM.CREDS.TWO_ACTIVE_KEYS"))
    assert f.subject == user("bob.keys")
    assert f.evidence["access_key_2_last_rotated"] == "2026-05-31T12:00:00+00:00"


def test_password_never_used_only_when_old(ctx):
    f = only(failed(ctx, "IAM.CREDS.PASSWORD_NEVER_USED"))
    assert f.subject == user("carol.never")  # frank.new's password is 10 days old
    assert f.evidence["age_days"] == 200
    assert f.evidence["password_last_changed"] == "2025-12-12T09:05:00+00:00"


def test_password_unused(ctx):
    f = only(failed(ctx, "IAM.CREDS.PASSWORD_UNUSED"))
    assert f.subject == user("dave.idle")
    assert f.evidence["unused_days"] == 130


def test_console_and_keys(ctx):
    f = only(failed(ctx, "IAM.CREDS.CONSOLE_AND_KEYS"))
    assert f.subject == user("alice.console")
    assert f.evidence["active_keys"] == [1]


@pytest.mark.parametrize("check", CREDENTIAL_CHECKS)
def test_user_missing_from_report_is_unknown(ctx, check):
    unknown = [f for f in run(ctx, check) if f.unknown is True]
    assert subjects(unknown) == [user("grace.late")]
    assert "not in the credential report" in unknown[0].message


@pytest.mark.parametrize("check", CREDENTIAL_CHECKS)
@pytest.mark.parametrize("account", [SUMMARY_ONLY, DUMP_ONLY])
def test_no_report_is_unknown(ctx, check, account):
    f = only(run(ctx, check, account))
    assert f.unknown is True
    assert f.evidence == {"account": account, "missing": "credential report"}


def test_account_in_organization_without_folder_is_unknown(ctx):
    from dataclasses import replace

    from iamgraph.model.organization import Account, Organization

    member = Account("999900001111", "gone", "x@example.com", "arn", "ACTIVE", "CREATED", None)
    closed = Account("999900002222", "closed", "y@example.com", "arn", "CLOSED", "CREATED", None)
    org = Organization(
        "o-x9y8z7w6v5", "arn", "ALL", BAD, "r-ab12", {}, {a.account_id: a for a in (member, closed)},
        {}, frozenset(),
    )  # fmt: skip
    wider = AuditContext(replace(ctx.snapshot, organization=org), as_of=AS_OF)
    for check in CHECKS:
        found = run(wider, check, "9999000")
        assert [(f.unknown, "999900001111" in f.subject) for f in found] == [(True, True)], check


# ---- policies ---------------------------------------------------------------------------------


def test_user_attached(ctx):
    found = failed(ctx, "IAM.POLICY.USER_ATTACHED")
    assert [(f.subject, f.evidence["policy_arn"], f.evidence["aws_managed"]) for f in found] == [
        (user("alice.console"), policy("reports-read"), False),
        (user("bob.keys"), "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess", True),
    ]
    assert found[0].source.path == ("UserDetailList", 0)


def test_inline_skips_service_linked_roles(ctx):
    found = failed(ctx, "IAM.POLICY.INLINE")
    assert sorted((f.subject, f.evidence["policy"]) for f in found) == [
        (f"arn:aws:iam::{BAD}:group/ops", "ops-notaction"),
        (role("BreakGlassAdmin"), "break-glass-all"),
        (role("ci-passrole"), "pass-any-role"),
        (role("deployer"), "deploy-all"),
        (user("alice.console"), "alice-extra"),
    ]
    deployer = next(f for f in found if f.subject == role("deployer"))
    assert deployer.source.path == ("RoleDetailList", 0, "RolePolicyList", 0, "PolicyDocument")
    assert deployer.source.file == AUTH and deployer.source.line > 0


def test_full_admin_outside_admin_roles(ctx):
    found = failed(ctx, "IAM.POLICY.FULL_ADMIN_OUTSIDE_ADMIN_ROLES")
    assert sorted((f.subject, f.evidence["wildcard_actions"]) for f in found) == [
        (policy("everything"), ["*"]),
        (role("deployer"), ["iam:*", "s3:*"]),
    ]
    deployer = next(f for f in found if f.subject == role("deployer"))
    assert deployer.evidence["sid"] == "DeployAll"
    assert deployer.source.path[-2:] == ("Statement", 0) and deployer.source.line > 0
    # exempt: BreakGlassAdmin's inline, admin-tools (group Administrators); skipped: wide-boundary
    assert not {role("BreakGlassAdmin"), policy("admin-tools"), policy("wide-boundary")} & {
        f.subject for f in found
    }


def test_notaction_allow(ctx):
    f = only(failed(ctx, "IAM.POLICY.NOTACTION_ALLOW"))
    assert f.subject == f"arn:aws:iam::{BAD}:group/ops"
    assert f.evidence["not_action"] == ["iam:*", "organizations:*"]
    assert f.evidence["sid"] == "AllButIam"


def test_passrole_star(ctx):
    found = failed(ctx, "IAM.POLICY.PASSROLE_STAR")
    assert sorted((f.subject, f.evidence["sid"]) for f in found) == [
        (policy("everything"), None),
        (role("ci-passrole"), "PassAnyRole"),  # not PassAppRoles (role/app-*)
        (role("deployer"), "DeployAll"),
    ]


def test_duplicates_aws_managed(ctx):
    found = failed(ctx, "IAM.POLICY.DUPLICATES_AWS_MANAGED")
    assert sorted((f.subject, f.evidence["aws_managed_policy"]) for f in found) == [
        (policy("admin-tools"), "arn:aws:iam::aws:policy/AdministratorAccess"),
        (policy("everything"), "arn:aws:iam::aws:policy/AdministratorAccess"),
        (policy("my-s3-readonly"), "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"),
    ]


# ---- trust ------------------------------------------------------------------------------------


def test_trust_any_principal(ctx):
    found = failed(ctx, "IAM.TRUST.ANY_PRINCIPAL")
    assert subjects(found) == [role("ifexists-shared"), role("public-role")]
    assert all(f.evidence["principal"] == {"AWS": "*"} for f in found)
    assert found[0].source.path[-3:] == ("AssumeRolePolicyDocument", "Statement", 0)


def test_trust_whole_foreign_account(ctx):
    found = failed(ctx, "IAM.TRUST.WHOLE_FOREIGN_ACCOUNT")
    assert sorted((f.subject, f.evidence["foreign_account"]) for f in found) == [
        (role("partner-bare"), "888877776666"),
        (role("vendor-audit"), "999988887777"),
    ]


def test_foreign_account_unknown_without_organization(ctx):
    from dataclasses import replace

    blind = AuditContext(replace(ctx.snapshot, organization=None), as_of=AS_OF)
    found = run(blind, "IAM.TRUST.WHOLE_FOREIGN_ACCOUNT")
    assert [(f.subject, f.unknown) for f in found] == [
        (role("vendor-audit"), True),
        (role("partner-bare"), True),
    ]
    assert "no organization data" in found[0].message


def test_trust_oidc_without_sub(ctx):
    found = failed(ctx, "IAM.TRUST.OIDC_WITHOUT_SUB")
    assert subjects(found) == [role("ci-passrole"), role("github-wide")]
    wide = next(f for f in found if f.subject == role("github-wide"))
    assert "repo:*" in wide.message
    assert wide.evidence["required_key"] == "token.actions.githubusercontent.com:sub"


@pytest.mark.parametrize("check", [c.id for c in permissions.CHECKS])
def test_policy_checks_read_dump_only_accounts(ctx, check):
    assert run(ctx, check, DUMP_ONLY) == []
    assert run(ctx, check, SUMMARY_ONLY) == []


@pytest.mark.parametrize("check", [c.id for c in permissions.CHECKS])
def test_policy_checks_unknown_without_authorization(ctx, check):
    from dataclasses import replace

    accounts = dict(ctx.snapshot.accounts)
    accounts[DUMP_ONLY] = replace(accounts[DUMP_ONLY], authorization=None)
    blind = AuditContext(replace(ctx.snapshot, accounts=accounts), as_of=AS_OF)
    f = only(run(blind, check, DUMP_ONLY))
    assert f.unknown is True
    assert f.evidence["missing"] == "IAM authorization details"
