"""The Organizations family: do SCPs give member accounts guardrails, do they protect CloudTrail,
and is the management account kept free of workloads?

SCPs bind member accounts only (E6), so the SCP checks look at members; the management account
is judged by what it holds instead. "Protected" is decided by the solver over the SCP levels of
the account (E4, E5) for an ordinary principal with every identity permission: only a proof
that StopLogging and DeleteTrail are denied counts as protected, whether by an explicit Deny
or by a level that allows neither (an allow-list SCP without them).
"""

from __future__ import annotations

from collections.abc import Iterator

from iamgraph.audit.model import AuditContext
from iamgraph.audit.trail.grants import solve_for
from iamgraph.evaluate.gather import Mfa
from iamgraph.evaluate.layers import Level, PolicySet
from iamgraph.evaluate.matching import glob_match
from iamgraph.evaluate.request import Caller, CallerType, ContextValue
from iamgraph.finding import Finding, Rule, Severity, check, found, rules_of
from iamgraph.model.organization import SCP, Organization, OrgPolicy
from iamgraph.model.policy import Effect, Policy, PolicyKind, parse_policy
from iamgraph.model.principals import Principal, PrincipalKind
from iamgraph.model.snapshot import Snapshot
from iamgraph.model.source import SourceRef
from iamgraph.verdict import Verdict

# The management account should hold only what running the organization needs. Allowed there:
# service-linked roles (AWS creates them), and users or roles whose name matches one of these
# (glob, case-insensitive): break-glass identities, the cross-account access roles AWS
# Organizations and Control Tower create, and IAM Identity Center permission-set roles (how
# people sign in). Every other user or role is a workload principal.
MANAGEMENT_ALLOW_LIST = (
    "BreakGlass*",
    "OrganizationAccountAccessRole",
    "AWSControlTowerExecution",
    "AWSReservedSSO_*",
)

# What must be denied to an ordinary principal of a member account (the trail-killing calls).
CLOUDTRAIL_PROTECTED = ("cloudtrail:StopLogging", "cloudtrail:DeleteTrail")
ORDINARY_ROLE = "iamgraph-ordinary-principal"  # a role no SCP exemption is likely to name

_ALLOW_ALL = parse_policy(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
    kind=PolicyKind.IDENTITY,
    source=SourceRef("<an ordinary principal with every identity permission>"),
    name="every identity permission",
)


# -- the organization, or why it cannot be judged ------------------------------------------------


def _no_organization(snap: Snapshot) -> Iterator[Finding]:
    """Nothing when the collector saw the account is in no organization; otherwise one note."""
    meta = snap.meta if isinstance(snap.meta, dict) else {}
    facts = meta.get("facts") if isinstance(meta.get("facts"), list) else []
    if any(
        isinstance(f, dict) and f.get("code") == "AWSOrganizationsNotInUseException" for f in facts
    ):
        return
    yield found(
        "organization",
        "the snapshot has no organization/ folder: whether its accounts belong to an "
        "organization, and under which SCPs, cannot be told",
        {"missing": "organization/"},
        unknown=True,
    )


def _members(org: Organization) -> list[str]:
    """Active member accounts: SCPs bind these, not the management account (E6)."""
    return sorted(
        a
        for a, acct in org.accounts.items()
        if a != org.management_account and acct.state in ("ACTIVE", "")
    )


def _scp_gaps(snap: Snapshot) -> list[str]:
    """What the organization/ folder lacks that could hide an SCP or where it is attached."""
    return [
        g for g in snap.gaps if g.startswith("organization/") and "RESOURCE_CONTROL_POLICY" not in g
    ]


def _chain(org: Organization, account: str) -> list[dict]:
    return [
        {"node": node.node_id, "name": node.name, "scps": [p.name for p in policies]}
        for node, policies in org.levels(account, SCP)
    ]


def _source(policies: list[OrgPolicy]) -> SourceRef | None:
    return policies[0].document.source if policies else None


# -- ORG.SCP.ONLY_FULL_ACCESS ----------------------------------------------------------------------


def full_access(policy: Policy) -> bool:
    """Allow * on * and nothing else (FullAWSAccess, by content, whatever its name)."""
    return bool(policy.statements) and all(
        st.effect is Effect.ALLOW
        and not st.not_action
        and "*" in st.actions
        and not st.not_resource
        and (st.resources is None or "*" in st.resources)
        and not st.conditions
        for st in policy.statements
    )


def run_only_full_access(ctx: AuditContext) -> Iterator[Finding]:
    snap = ctx.snapshot
    org = snap.organization
    if org is None:
        yield from _no_organization(snap)
        return
    gaps = _scp_gaps(snap)
    for account in _members(org):
        if account not in org.nodes:
            yield _not_in_tree(account)
            continue
        if SCP not in org.enabled_policy_types:
            yield found(
                account,
                f"account {account} has no guardrail: SCPs are not enabled in organization "
                f"{org.org_id}",
                {"account": account, "enabled_policy_types": sorted(org.enabled_policy_types)},
            )
            continue
        attached = [p for _, level in org.levels(account, SCP) for p in level]
        if any(not full_access(p.document) for p in attached):
            continue
        evidence = {"account": account, "chain": _chain(org, account)}
        if gaps:
            yield found(
                account,
                f"account {account} shows only FullAWSAccess SCPs, but the organization data is "
                f"incomplete: {'; '.join(gaps)}",
                {**evidence, "missing": gaps},
                _source(attached),
                True,
            )
            continue
        yield found(
            account,
            f"account {account} has no guardrail: every SCP from the root to it is FullAWSAccess "
            f"({', '.join(dict.fromkeys(p.name for p in attached))})",
            evidence,
            _source(attached),
        )


def _not_in_tree(account: str) -> Finding:
    return found(
        account,
        f"account {account} is in the organization but not in its tree: its SCPs are unknown",
        {"account": account},
        unknown=True,
    )


# -- ORG.SCP.NO_CLOUDTRAIL_PROTECTION ------------------------------------------------------------


def _ordinary(org: Organization, account: str) -> tuple[PolicySet, list]:
    """A role of the account with every identity permission and no tag, under the account's
    SCP levels; and the credential keys it carries."""
    role = f"arn:aws:iam::{account}:role/{ORDINARY_ROLE}"
    session = f"arn:aws:sts::{account}:assumed-role/{ORDINARY_ROLE}/session"
    caller = Caller(session, CallerType.ASSUMED_ROLE, account, role_arn=role)
    levels = tuple(
        Level(node.node_id, node.name, tuple(p.document for p in policies))
        for node, policies in org.levels(account, SCP)
    )
    ps = PolicySet(
        caller=caller, resource_account=account, identity=(_ALLOW_ALL,), scp_levels=levels
    )
    paths = "/".join([org.org_id, *(n.node_id for n in org.path_to(account)[:-1])]) + "/"

    def pin(key: str, value: str, multi: bool = False, type_: str = "string") -> tuple:
        return key, ContextValue((value,), multi, type_)

    pins = [
        pin("aws:PrincipalArn", role),
        pin("aws:PrincipalAccount", account),
        pin("aws:PrincipalType", "AssumedRole"),
        pin("aws:PrincipalIsAWSService", "false", type_="boolean"),
        pin("aws:userid", "AROAORDINARYPRINCIPAL:session"),
        pin("aws:PrincipalOrgID", org.org_id),
        pin("aws:PrincipalOrgPaths", paths, multi=True),
        pin("aws:ResourceAccount", account),
        pin("aws:ResourceOrgID", org.org_id),
        pin("aws:ResourceOrgPaths", paths, multi=True),
    ]
    return ps, pins


def run_no_cloudtrail_protection(ctx: AuditContext) -> Iterator[Finding]:

    snap = ctx.snapshot
    org = snap.organization
    if org is None:
        yield from _no_organization(snap)
        return
    gaps = _scp_gaps(snap)
    for account in _members(org):
        if account not in org.nodes:
            yield _not_in_tree(account)
            continue
        ps, pins = _ordinary(org, account)
        trails = f"arn:aws:cloudtrail:*:{account}:trail/*"
        known = [t.arn for t in snap.trails.values() if t.account == account]
        answers = {
            a: solve_for(snap, ps, a, trails, pins, (Mfa.NO_MFA, Mfa.MFA), known=known)
            for a in CLOUDTRAIL_PROTECTED
        }
        allowed = {a: x for a, x in answers.items() if x.verdict is Verdict.REACHABLE}
        unknown = {a: x for a, x in answers.items() if x.verdict is Verdict.UNKNOWN}
        evidence = {
            "account": account,
            "principal": ps.caller.role_arn,
            "chain": _chain(org, account),
        }
        if allowed:
            yield _unprotected(account, allowed, evidence)
        elif unknown or gaps:
            why = [f"{a}: {'; '.join(x.reasons)}" for a, x in unknown.items()] + gaps
            yield found(
                account,
                f"whether SCPs deny {', '.join(CLOUDTRAIL_PROTECTED)} in account {account} "
                f"cannot be told: {'; '.join(why)}",
                {**evidence, "reasons": why},
                unknown=True,
            )


def _unprotected(account: str, allowed: dict, evidence: dict) -> Finding:
    first = next(iter(allowed.values())).witness
    return found(
        account,
        f"no SCP denies {', '.join(allowed)} to an ordinary principal of account {account} "
        f"(e.g. {first.action} on {first.resource}): any admin there can stop the trail",
        {
            **evidence,
            "allowed": list(allowed),
            "witness": {"action": first.action, "resource": first.resource, "mfa": first.mfa},
        },
    )


# -- ORG.MANAGEMENT.WORKLOADS -------------------------------------------------------------------


def management_allowed(p: Principal) -> bool:
    """Service-linked roles and MANAGEMENT_ALLOW_LIST names may live in the management account."""
    return p.service_linked or any(
        glob_match(pattern, p.name, ignore_case=True) for pattern in MANAGEMENT_ALLOW_LIST
    )


def run_management_workloads(ctx: AuditContext) -> Iterator[Finding]:
    snap = ctx.snapshot
    org = snap.organization
    if org is None:
        yield from _no_organization(snap)
        return
    account = org.management_account
    data = snap.accounts.get(account)
    if data is None or not data.has_iam:
        yield found(
            account,
            f"management account {account}: the snapshot has no IAM authorization details, so "
            "what it holds cannot be told",
            {"account": account, "missing": f"accounts/{account}/iam/"},
            unknown=True,
        )
        return
    held = sorted(
        (p for p in snap.principals.values() if p.account == account),
        key=lambda p: (p.kind is not PrincipalKind.USER, p.name.lower()),
    )
    workloads = [p for p in held if p.kind is not PrincipalKind.ROOT and not management_allowed(p)]
    if not workloads:
        return
    users = [p.arn for p in workloads if p.kind is PrincipalKind.USER]
    roles = [p.arn for p in workloads if p.kind is PrincipalKind.ROLE]
    yield found(
        account,
        f"management account {account} holds {len(users)} user(s) and {len(roles)} role(s) "
        f"beyond break-glass and service roles: {', '.join(p.name for p in workloads)}",
        {
            "account": account,
            "users": users,
            "roles": roles,
            "allowed": [
                p.arn for p in held if p.kind is not PrincipalKind.ROOT and management_allowed(p)
            ],
            "allow_list": list(MANAGEMENT_ALLOW_LIST),
        },
        _principal_source(workloads[0]),
    )


def _principal_source(p: Principal) -> SourceRef | None:
    entity = p.user or p.role
    return entity.source if entity is not None else None


check(
    id="ORG.SCP.ONLY_FULL_ACCESS",
    title="Member accounts have an SCP guardrail beyond FullAWSAccess",
    severity=Severity.MEDIUM,
    practice="Service control policies as preventive guardrails",
    reads="organization (SCPs and their targets)",
    remediation=(
        "Attach a guardrail SCP (deny leaving the organization, disabling CloudTrail, GuardDuty, "
        "root use, ...) at the root or the account's OU."
    ),
)(run_only_full_access)

check(
    id="ORG.SCP.NO_CLOUDTRAIL_PROTECTION",
    title="SCPs deny stopping or deleting CloudTrail in member accounts",
    severity=Severity.HIGH,
    practice="Protect CloudTrail with an SCP",
    reads="organization (solver over the SCP levels)",
    remediation=(
        "Attach at the root an SCP that denies cloudtrail:StopLogging, DeleteTrail, UpdateTrail "
        "and PutEventSelectors unless aws:PrincipalArn is a break-glass role (ArnNotLike)."
    ),
)(run_no_cloudtrail_protection)

check(
    id="ORG.MANAGEMENT.WORKLOADS",
    title="The management account holds no workload principals",
    severity=Severity.MEDIUM,
    practice="Keep the management account for organization administration only",
    reads="IAM authorization details of the management account",
    remediation=(
        "Move workloads and their users and roles into member accounts; sign in through IAM "
        "Identity Center; keep only break-glass access in the management account."
    ),
)(run_management_workloads)

CHECKS: tuple[Rule, ...] = tuple(rules_of(__name__))
