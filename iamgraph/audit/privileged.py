"""The privileged family: who is an administrator (or can become one) and can act without MFA,
who may make sensitive changes without MFA, and who holds permissions management.

"Privileged" is decided by the solver, never by a name: admin by its own permissions
(`graph.admin.decide_admin`) or a path to admin over the permission graph (`graph.paths`).
The sensitive-action check asks the principal's own layers (identity, boundary, SCPs) with a
credential without MFA, one solver call per group of actions at most, after a prefilter on the
statements' action patterns. An answer the solver could not give is an UNKNOWN finding.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from iamgraph.audit.model import AuditContext
from iamgraph.catalog import catalog
from iamgraph.evaluate.gather import Mfa
from iamgraph.finding import Finding, Rule, Severity, check, rules_of
from iamgraph.finding import found as finding_for  # `found` names a path search's result here
from iamgraph.model.operators import Family
from iamgraph.model.policy import Effect, Statement
from iamgraph.model.principals import Principal, PrincipalKind
from iamgraph.model.snapshot import Snapshot
from iamgraph.query.access import (
    OwnPermissions,
    credential_row,
    statements,
)
from iamgraph.verdict import Answer, Verdict

if TYPE_CHECKING:
    from iamgraph.graph.build import Hop
    from iamgraph.graph.paths import Found

WRITE_LEVELS = ("Write", "Permissions management")
CLOUDTRAIL_TAMPER = (
    "cloudtrail:StopLogging",
    "cloudtrail:DeleteTrail",
    "cloudtrail:UpdateTrail",
    "cloudtrail:PutEventSelectors",
)
KEY_DELETION = ("kms:ScheduleKeyDeletion", "kms:DisableKey")


@dataclass(frozen=True)
class Group:
    name: str
    ids: frozenset[int]  # catalog action ids


@cache  # 22,000 catalog actions: scan them once per (service, levels)
def _levels_of(service: str, levels: tuple[str, ...]) -> frozenset[int]:
    return frozenset(
        a.id for a in catalog().actions if a.service == service and a.access_levels & set(levels)
    )


def _named(actions: tuple[str, ...]) -> frozenset[int]:
    cat = catalog()
    return frozenset(cat.lookup(a).id for a in actions if cat.lookup(a) is not None)


@cache
def sensitive_groups() -> tuple[Group, ...]:
    return (
        Group("IAM writes", _levels_of("iam", WRITE_LEVELS)),
        Group("CloudTrail tampering", _named(CLOUDTRAIL_TAMPER)),
        Group("KMS key deletion", _named(KEY_DELETION)),
        Group("Organizations writes", _levels_of("organizations", WRITE_LEVELS)),
    )


# -- credentials ------------------------------------------------------------------------------


def _credentials(snap: Snapshot, p: Principal) -> dict:
    """What the credential report says the principal holds (roles: sessions only)."""
    if p.kind is PrincipalKind.ROLE:
        return {"kind": "role sessions"}
    row = credential_row(snap, p)
    if row is None:
        return {"credential_report": None}
    return {
        "password_enabled": row.password_enabled is not False,
        "mfa_active": row.mfa_active,
        "active_access_keys": sum(1 for k in row.access_keys if k.active),
    }


def _needs_mfa(st: Statement) -> bool:
    """Does the statement apply only to MFA sessions? `Bool aws:MultiFactorAuthPresent true`
    (M3) or a plain Numeric operator on aws:MultiFactorAuthAge (present only with MFA, M4;
    C1 makes it false otherwise). IfExists and negated forms do not count (M1, M2, C2, C3)."""
    for c in st.conditions:
        spec, key = c.parsed.spec, c.key.lower()
        if c.parsed.if_exists or c.parsed.qualifier or spec.negated:
            continue
        present = key == "aws:multifactorauthpresent" and spec.family is Family.BOOL
        if present and c.values and all(v.lower() == "true" for v in c.values):
            return True
        if key == "aws:multifactorauthage" and spec.family is Family.NUMERIC:
            return True
    return False


def non_mfa_modes(snap: Snapshot, p: Principal) -> tuple[tuple[Mfa, ...], str]:
    """The credentials without MFA the principal's own permissions can be used with, and
    what was assumed: a user's access keys and console password without a device (credential
    report; both without one); a role's sessions unless every Allow of its trust policy
    requires MFA (then no session without MFA exists)."""
    if p.kind is PrincipalKind.ROLE:
        trust = p.trust
        admits = trust is None or any(
            st.effect is Effect.ALLOW and not _needs_mfa(st) for st in trust.statements
        )
        return ((Mfa.NO_MFA,) if admits else ()), ""
    row = credential_row(snap, p)
    if row is None:
        return (Mfa.LONG_TERM_KEYS, Mfa.NO_MFA), f"no credential report for {p.account}"
    modes = []
    if any(k.active for k in row.access_keys):
        modes.append(Mfa.LONG_TERM_KEYS)
    if row.password_enabled is not False and not row.mfa_active:
        modes.append(Mfa.NO_MFA)
    return tuple(modes), ""


# -- IAM.MFA.PRIVILEGED_NO_MFA -----------------------------------------------------------------


def _hop(h: Hop) -> dict:
    return {"from": h.source, "to": h.target, "method": h.method, "mode_to": h.mode_to.value}


def run_privileged_no_mfa(ctx: AuditContext) -> Iterator[Finding]:
    """Every principal a credential without MFA (one an attacker can hold: its own keys or
    password, or a session its trust lets someone obtain) makes admin, itself or over paths."""
    from iamgraph.graph.paths import NON_MFA, who_can

    pg = ctx.graph
    paths = ctx.paths
    for found in who_can(pg, paths, paths.admin_goal, NON_MFA):
        if found.verdict is Verdict.REACHABLE:
            yield _privileged(ctx.snapshot, found)
        elif found.verdict is Verdict.UNKNOWN:
            yield finding_for(
                found.principal,
                f"whether {found.principal} is privileged without MFA cannot be told: "
                + "; ".join(found.reasons),
                {
                    "principal": found.principal,
                    "hops": [_hop(h) for h in found.hops],
                    "reasons": list(found.reasons),
                },
                unknown=True,
            )


_MODE_WORDS = {"keys": "long-term access keys", "no-mfa": "a session without MFA"}


def _privileged(snap: Snapshot, found: Found) -> Finding:
    p = snap.principals[found.principal]
    start = found.start.mode.value if found.start else None
    how = (
        "is an administrator by its own permissions"
        if not found.hops
        else f"reaches admin through {len(found.hops)} hop(s) to {found.hops[-1].target}"
    )
    creds = _credentials(snap, p)
    message = f"{found.principal} {how} with {_MODE_WORDS.get(start, start)}"
    outcome = False
    if creds.get("credential_report", True) is None:  # the graph assumed every credential
        message += f", if it holds such credentials: no credential report for {p.account}"
        outcome = True
    return finding_for(
        found.principal,
        message,
        {
            "principal": found.principal,
            "kind": p.kind.value,
            "privileged": "own admin" if not found.hops else "path to admin",
            "start_mode": start,
            "hops": [_hop(h) for h in found.hops],
            "credentials": creds,
        },
        unknown=outcome,
    )


# -- IAM.MFA.SENSITIVE_WITHOUT_MFA -------------------------------------------------------------


def _subjects(snap: Snapshot) -> list[Principal]:
    return [
        p
        for p in snap.principals.values()
        if p.kind is not PrincipalKind.ROOT and not p.service_linked
    ]


def _witness(answer: Answer) -> dict:
    w = answer.witness
    return {
        "action": w.action,
        "resource": w.resource,
        "mfa": w.mfa,
        "statements": statements(w.decision),
    }


def sensitive(ctx: AuditContext, p: Principal) -> Finding | None:

    modes, assumed = non_mfa_modes(ctx.snapshot, p)
    if not modes:
        return None
    own = OwnPermissions(ctx.snapshot, p.arn, modes)
    allowed: dict[str, dict] = {}
    undecided: dict[str, list[str]] = {}
    for group in sensitive_groups():
        answer = own.ask(group.ids)
        if answer.verdict is Verdict.REACHABLE:
            allowed[group.name] = _witness(answer)
        elif answer.verdict is Verdict.UNKNOWN:
            undecided[group.name] = list(answer.reasons)
    if not allowed and not undecided:
        return None
    evidence = {
        "principal": p.arn,
        "modes": [m.value for m in modes],
        "groups": allowed,
        "undecided": undecided,
        "credentials": _credentials(ctx.snapshot, p),
    }
    if allowed and not assumed:
        names = ", ".join(allowed)
        return finding_for(
            p.arn,
            f"{p.arn} may make sensitive changes without MFA ({names}), e.g. "
            + "; ".join(f"{w['action']} on {w['resource']}" for w in allowed.values()),
            evidence,
        )
    why = [f"{g}: {'; '.join(r)}" for g, r in undecided.items()]
    if assumed:
        why.insert(0, f"if it holds credentials without MFA ({assumed})")
    return finding_for(
        p.arn,
        f"whether {p.arn} may make sensitive changes without MFA cannot be told"
        + (f" (allowed: {', '.join(allowed)})" if allowed else "")
        + ": "
        + "; ".join(why),
        {**evidence, "assumed": assumed or None},
        unknown=True,
    )


def run_sensitive_without_mfa(ctx: AuditContext) -> Iterator[Finding]:
    for p in _subjects(ctx.snapshot):
        finding = sensitive(ctx, p)
        if finding is not None:
            yield finding


# -- IAM.ACCESS.PERMISSIONS_MANAGEMENT ---------------------------------------------------------


def run_permissions_management(ctx: AuditContext) -> Iterator[Finding]:
    """Non-administrators that hold Permissions management on some service (the access table)."""
    from iamgraph.query.access import Status, access_table

    # the full table when the report already built it, else this one level only
    rows = ctx.__dict__.get("access") or access_table(
        ctx.snapshot, levels=("Permissions management",), graph=ctx.__dict__.get("graph")
    )
    admins = {r.principal for r in rows if r.admin}
    held: dict[str, dict[str, str]] = {}
    unknown: dict[str, list[str]] = {}
    for r in rows:
        cell = r.level("Permissions management")
        if r.principal in admins or cell is None:
            continue
        if cell.status is Status.ALLOWED:
            held.setdefault(r.principal, {})[r.service] = cell.witness[0] if cell.witness else ""
        else:
            unknown.setdefault(r.principal, []).append(f"{r.service}: {'; '.join(cell.reasons)}")
    for arn in dict.fromkeys([*held, *unknown]):
        services = held.get(arn, {})
        if services:
            yield finding_for(
                arn,
                f"{arn} holds permissions management on {', '.join(sorted(services))}",
                {
                    "principal": arn,
                    "services": sorted(services),
                    "witnesses": services,
                    "undecided": unknown.get(arn, []),
                },
            )
        else:
            yield finding_for(
                arn,
                f"whether {arn} holds permissions management cannot be told: "
                + "; ".join(unknown[arn]),
                {"principal": arn, "services": [], "undecided": unknown[arn]},
                unknown=True,
            )


check(
    id="IAM.MFA.PRIVILEGED_NO_MFA",
    title="No administrator (or principal that can become one) acts without MFA",
    severity=Severity.CRITICAL,
    practice="MFA for privileged identities",
    reads="graph (admin verdicts and escalation paths, credential report)",
    remediation=(
        "Enable MFA and remove access keys for the identity, require MFA in the trust policy "
        "of admin roles, or remove the escalation path."
    ),
)(run_privileged_no_mfa)

check(
    id="IAM.MFA.SENSITIVE_WITHOUT_MFA",
    title="Sensitive changes (IAM, CloudTrail, KMS key deletion, Organizations) require MFA",
    severity=Severity.HIGH,
    practice="MFA-protected API access for sensitive actions",
    reads="identity policies, boundary, SCPs (solver), credential report, trust policies",
    remediation=(
        "Add a Deny with BoolIfExists aws:MultiFactorAuthPresent false for these actions, or "
        "require MFA in the role's trust policy."
    ),
)(run_sensitive_without_mfa)

check(
    id="IAM.ACCESS.PERMISSIONS_MANAGEMENT",
    title="Non-administrators holding permissions management",
    severity=Severity.INFO,
    practice="Least privilege: review who can change permissions",
    reads="access-level table (solver over the IAM action catalog)",
    remediation=(
        "Review the principal's Permissions management actions; scope them to named resources "
        "or remove them."
    ),
)(run_permissions_management)

CHECKS: tuple[Rule, ...] = tuple(rules_of(__name__))
