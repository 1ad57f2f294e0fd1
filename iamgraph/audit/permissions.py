"""What IAM policies say (IAM.POLICY) and whom role trust policies let in (IAM.TRUST).

These checks read policy text, not the permission graph: they flag how a policy is written
(wildcards, NotAction, inline, duplicated) wherever the customer can change it. So they read
inline policies and customer managed policies that are attached as identity policies; AWS managed
policies are AWS's to write, and a managed policy attached nowhere, or used only as a permissions
boundary, grants nothing (DUPLICATES_AWS_MANAGED is the exception: it compares every customer
managed policy). Who is actually privileged is the graph's question (`graph/admin.py`).

Admin exemption (FULL_ADMIN_OUTSIDE_ADMIN_ROLES and PASSROLE_STAR only): a policy held only by
principals or groups whose name contains `admin`, `break-glass`/`breakglass` (any separator), or
is `OrganizationAccountAccessRole` is expected to grant everything. Names are a convention, not a
proof, which is why the exemption stops at these two checks.

Every finding points at the statement (`Finding.source`), or at the principal for attachments.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from iamgraph.audit.credentials import Hit, audited_accounts, no_account_data
from iamgraph.audit.model import AuditContext, Run
from iamgraph.evaluate.matching import action_matches
from iamgraph.finding import Finding, Rule, Severity, check, found, rules_of
from iamgraph.model.arn import is_account_id
from iamgraph.model.operators import Family
from iamgraph.model.policy import Condition, Effect, Policy, Statement
from iamgraph.model.snapshot import Snapshot
from iamgraph.model.source import SourceRef

__all__ = ["CHECKS", "Holder", "admin_named", "holders"]

ADMIN_NAME = re.compile(r"admin|break[-_. ]?glass|^OrganizationAccountAccessRole$", re.IGNORECASE)
WHOLE_SERVICE = re.compile(r"^[^:]+:\*+$")  # `iam:*`, `*:*`
ALL_ROLES = re.compile(r"^arn:[^:]+:iam::[^:]*:(?:role/)?\*$")  # `arn:aws:iam::*:role/*`
ACCOUNT_ROOT = re.compile(r"^arn:[^:]+:iam::(\d{12}):root$")
ASSUME = ("sts:AssumeRole", "sts:AssumeRoleWithSAML", "sts:AssumeRoleWithWebIdentity")
WEB_IDENTITY = "sts:AssumeRoleWithWebIdentity"
GITHUB = "token.actions.githubusercontent.com"
COGNITO = "cognito-identity.amazonaws.com"

# condition keys that tie a trust to an organization, an account, a source or one principal
NARROWS_ANYONE = (
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:sourceaccount",
    "aws:sourcearn",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
    "aws:userid",
    "aws:username",
)
# condition keys that pick principals inside a trusted account; sts:ExternalId is AWS's own
# pattern for a third party's account, so it counts
NARROWS_ACCOUNT = (
    "aws:principalarn",
    "aws:userid",
    "aws:username",
    "aws:principaltag/",
    "sts:externalid",
)


def admin_named(name: str) -> bool:
    return bool(ADMIN_NAME.search(name))


# ---- who holds which policies -----------------------------------------------------------------


@dataclass(frozen=True)
class Holder:
    """A user, group or role with the policies attached to it."""

    kind: str  # user | group | role
    arn: str
    name: str
    account: str
    inline: tuple[Policy, ...]
    attached: tuple[str, ...]
    source: SourceRef
    service_linked: bool = False
    trust: Policy | None = None  # roles only

    @property
    def label(self) -> str:
        return f"{self.kind} {self.name}"


def holders(snapshot: Snapshot) -> tuple[Holder, ...]:
    """Every user, group and role of every authorization dump, once each, in file order."""
    out: dict[str, Holder] = {}
    for data in snapshot.accounts.values():
        auth = data.authorization
        if auth is None:
            continue
        for u in auth.users:
            out.setdefault(
                u.arn, Holder("user", u.arn, u.name, u.account, u.inline, u.attached, u.source)
            )
        for g in auth.groups:
            out.setdefault(
                g.arn, Holder("group", g.arn, g.name, g.account, g.inline, g.attached, g.source)
            )
        for r in auth.roles:
            out.setdefault(
                r.arn,
                Holder(
                    "role",
                    r.arn,
                    r.name,
                    r.account,
                    r.inline,
                    r.attached,
                    r.source,
                    r.service_linked,
                    r.trust,
                ),
            )
    return tuple(out.values())


def inline_name(holder: Holder, policy: Policy) -> str:
    return policy.name.removeprefix(f"{holder.arn}:")


@dataclass(frozen=True)
class Written:
    """A policy the customer wrote: inline on one holder, or customer managed and attached."""

    subject: str  # the holder's ARN for an inline policy, the policy ARN for a managed one
    where: str  # "inline policy x of role y" / "customer managed policy x"
    name: str
    kind: str  # inline | customer managed
    policy: Policy | None  # None: the dump lacks the managed policy's document
    held_by: tuple[Holder, ...]

    @property
    def admin_only(self) -> bool:
        return bool(self.held_by) and all(admin_named(h.name) for h in self.held_by)

    def facts(self) -> dict:
        return {
            "policy": self.name,
            "policy_kind": self.kind,
            "attached_to": [h.arn for h in self.held_by],
        }


def written_policies(snapshot: Snapshot) -> Iterator[Written]:
    everyone = holders(snapshot)
    for h in everyone:
        if h.service_linked:  # AWS writes these; the customer cannot change them
            continue
        for p in h.inline:
            name = inline_name(h, p)
            yield Written(h.arn, f"inline policy {name} of {h.label}", name, "inline", p, (h,))
    for arn, mp in snapshot.managed_policies.items():
        if mp.aws_managed:
            continue
        held = tuple(h for h in everyone if arn in h.attached)
        if held or mp.attachment_count > 0:
            where = f"customer managed policy {mp.name}"
            yield Written(arn, where, mp.name, "customer managed", mp.document, held)


def accounts_without_iam(snapshot: Snapshot) -> Iterator[Finding]:
    """One unknown finding per audited account whose policies the snapshot lacks."""
    for account in audited_accounts(snapshot):
        data = snapshot.accounts.get(account)
        if data is None or data.authorization is None:
            what = "IAM authorization details" if data else "account folder"
            yield no_account_data(account, account, what)


# ---- statement rules --------------------------------------------------------------------------


def covers(st: Statement, action: str) -> bool:
    """The statement's Action (or NotAction) takes in `action`."""
    return action_matches(st.actions, action) != st.not_action


def every_resource(st: Statement) -> bool:
    """Resource `*`, or a NotResource (everything but the listed resources)."""
    return st.resources is not None and (st.not_resource or "*" in st.resources)


def label(st: Statement) -> str:
    return f"statement {st.sid}" if st.sid else f"statement #{st.index}"


def conditions(st: Statement) -> list[dict]:
    return [{"operator": c.operator, "key": c.key, "values": list(c.values)} for c in st.conditions]


def statement_facts(st: Statement) -> dict:
    return {
        "statement": st.index,
        "sid": st.sid,
        "effect": st.effect.value,
        "not_action" if st.not_action else "action": list(st.actions),
        "not_resource" if st.not_resource else "resource": list(st.resources or ()),
        "conditions": conditions(st),
    }


StatementRule = Callable[[Statement], Hit | None]


def full_admin(st: Statement) -> Hit | None:
    if st.effect is not Effect.ALLOW or st.not_action or not every_resource(st):
        return None
    broad = [a for a in st.actions if a == "*" or WHOLE_SERVICE.match(a)]
    if not broad:
        return None
    what = "every action" if "*" in broad else f"every action of {', '.join(broad)}"
    return Hit(f"allows {what} on every resource", {"wildcard_actions": broad})


def notaction_allow(st: Statement) -> Hit | None:
    if st.effect is not Effect.ALLOW or not st.not_action:
        return None
    return Hit(
        f"allows every action except {', '.join(st.actions)} (Allow with NotAction), "
        "including actions AWS adds later",
        {},
    )


def passrole_star(st: Statement) -> Hit | None:
    if st.effect is not Effect.ALLOW or not covers(st, "iam:PassRole"):
        return None
    broad = [r for r in st.resources or () if r == "*" or ALL_ROLES.match(r)]
    if not (broad or (st.resources is not None and st.not_resource)):
        return None
    on = "every role" if broad else f"every role except {', '.join(st.resources)}"
    return Hit(f"allows iam:PassRole on {on}", {"resources": list(st.resources or ())})


def per_statement(rule: StatementRule, *, exempt_admins: bool) -> Run:
    """Apply `rule` to every statement of every policy the customer wrote."""

    def run(ctx: AuditContext) -> Iterator[Finding]:
        yield from accounts_without_iam(ctx.snapshot)
        for w in written_policies(ctx.snapshot):
            if w.policy is None:
                yield _no_document(w)
                continue
            if exempt_admins and w.admin_only:
                continue
            for st in w.policy.statements:
                hit = rule(st)
                if hit:
                    yield found(
                        w.subject,
                        f"{w.where}, {label(st)}: {hit.message}",
                        {**w.facts(), **statement_facts(st), **hit.evidence},
                        st.source,
                    )

    return run


def _no_document(w: Written) -> Finding:
    return found(
        w.subject,
        f"the snapshot lacks the document of {w.where}, so its statements cannot be checked",
        {**w.facts(), "missing": "policy document"},
        unknown=True,
    )


# ---- attachments ------------------------------------------------------------------------------


def user_attached(ctx: AuditContext) -> Iterator[Finding]:
    yield from accounts_without_iam(ctx.snapshot)
    for h in holders(ctx.snapshot):
        if h.kind != "user":
            continue
        for arn in h.attached:
            aws = arn.split(":")[4] == "aws"
            yield found(
                h.arn,
                f"managed policy {arn.rsplit('/', 1)[-1]} is attached directly to user {h.name}",
                {"user": h.name, "policy_arn": arn, "aws_managed": aws},
                h.source,
            )


def inline_policies(ctx: AuditContext) -> Iterator[Finding]:
    yield from accounts_without_iam(ctx.snapshot)
    for w in written_policies(ctx.snapshot):
        if w.kind != "inline":
            continue
        (holder,) = w.held_by
        yield found(
            w.subject,
            f"{holder.label} has the inline policy {w.name}",
            {
                "holder": holder.arn,
                "holder_kind": holder.kind,
                "policy": w.name,
                "statements": len(w.policy.statements),
            },
            w.policy.source,
        )


def _statement_key(st: Statement) -> tuple:
    """A statement up to Sid, action case and list order."""
    return (
        st.effect.value,
        st.not_action,
        frozenset(a.lower() for a in st.actions),
        st.not_resource,
        frozenset(st.resources) if st.resources is not None else None,
        frozenset((c.operator.lower(), c.key.lower(), frozenset(c.values)) for c in st.conditions),
    )


def policy_key(policy: Policy) -> frozenset:
    return frozenset(_statement_key(st) for st in policy.statements)


def duplicates_aws_managed(ctx: AuditContext) -> Iterator[Finding]:
    yield from accounts_without_iam(ctx.snapshot)
    aws: dict[frozenset, list[str]] = {}
    for arn, mp in ctx.snapshot.managed_policies.items():
        if mp.aws_managed and mp.document and mp.document.statements:
            aws.setdefault(policy_key(mp.document), []).append(arn)
    for arn, mp in ctx.snapshot.managed_policies.items():
        if mp.aws_managed:
            continue
        if mp.document is None:
            yield found(
                arn,
                f"the snapshot lacks the document of customer managed policy {mp.name}",
                {"policy": mp.name, "missing": "policy document"},
                mp.source,
                True,
            )
            continue
        for twin in aws.get(policy_key(mp.document), ()):
            yield found(
                arn,
                f"customer managed policy {mp.name} has the same statements as the AWS managed "
                f"policy {twin.rsplit('/', 1)[-1]}",
                {"policy": mp.name, "aws_managed_policy": twin},
                mp.document.source,
            )


# ---- trust policies ---------------------------------------------------------------------------


def narrows(cond: Condition, keys: Iterable[str], open_value: Callable[[str], bool]) -> bool:
    """A positive string or ARN test of one of `keys` that a caller cannot pass by omission:
    not negated, no IfExists, not ForAllValues (true for an absent key), and no value that
    matches everything (`open_value`)."""
    key = cond.key.lower()
    if not any(key == k or (k.endswith("/") and key.startswith(k)) for k in keys):
        return False
    p = cond.parsed
    if p.spec.negated or p.if_exists or p.qualifier == "ForAllValues":
        return False
    if p.spec.family not in (Family.STRING, Family.ARN):
        return False
    return not any(open_value(v) for v in cond.values)


def _leading_wildcard(value: str) -> bool:
    return value.startswith(("*", "?")) or not value


def _assumes(st: Statement, actions: tuple[str, ...] = ASSUME) -> bool:
    return (
        st.effect is Effect.ALLOW
        and st.principal is not None
        and any(covers(st, a) for a in actions)
    )


def roles(snapshot: Snapshot) -> Iterator[Holder]:
    return (h for h in holders(snapshot) if h.kind == "role")


TrustRule = Callable[[Snapshot, Statement], Iterable[Hit]]


def per_trust_statement(rule: TrustRule) -> Run:
    def run(ctx: AuditContext) -> Iterator[Finding]:
        yield from accounts_without_iam(ctx.snapshot)
        for role in roles(ctx.snapshot):
            for st in role.trust.statements if role.trust else ():
                for hit in rule(ctx.snapshot, st):
                    yield found(
                        role.arn,
                        f"the trust policy of role {role.name}, {label(st)}: {hit.message}",
                        {"role": role.name, **statement_facts(st), **hit.evidence},
                        st.source,
                        hit.unknown,
                    )

    return run


def any_principal(snapshot: Snapshot, st: Statement) -> Iterator[Hit]:
    if not _assumes(st) or not st.principal.is_everyone:
        return
    if any(narrows(c, NARROWS_ANYONE, _leading_wildcard) for c in st.conditions):
        return
    written = "*" if st.principal.wildcard else {"AWS": "*"}
    yield Hit(
        "lets any principal assume the role (Principal "
        f"{'*' if st.principal.wildcard else 'AWS: *'}): no condition every caller must meet "
        "pins it to an organization, account, source or principal (aws:PrincipalOrgID, "
        "aws:PrincipalAccount, aws:PrincipalArn, aws:SourceAccount, ...)",
        {"principal": written},
    )


def _whole_account(value: str) -> str | None:
    if is_account_id(value):
        return value
    m = ACCOUNT_ROOT.match(value)
    return m.group(1) if m else None


def whole_foreign_account(snapshot: Snapshot, st: Statement) -> Iterator[Hit]:
    if not _assumes(st) or any(
        narrows(c, NARROWS_ACCOUNT, _leading_wildcard) for c in st.conditions
    ):
        return
    known = set(snapshot.account_ids())
    for value in st.principal.aws:
        account = _whole_account(value)
        if not account or account in known:
            continue
        facts = {"principal": value, "foreign_account": account}
        unnarrowed = (
            "with no condition every caller must meet on aws:PrincipalArn, aws:PrincipalTag "
            "or sts:ExternalId"
        )
        if snapshot.organization is None:  # a member whose folder was not collected?
            yield Hit(
                f"trusts every principal of account {account} ({value}) {unnarrowed}; the "
                "account is not in the snapshot, which has no organization data to tell whether "
                "it is a member",
                facts,
                True,
            )
            continue
        yield Hit(
            f"trusts every principal of account {account} ({value}), which is outside the "
            f"snapshot and its organization, {unnarrowed}",
            facts,
        )


def oidc_provider(federated: str) -> str | None:
    """The condition-key prefix of an OIDC identity provider; None for a SAML provider."""
    if ":oidc-provider/" in federated:
        return federated.split(":oidc-provider/", 1)[1]
    if federated.startswith("arn:"):
        return None  # saml-provider/...
    return federated  # cognito-identity.amazonaws.com, accounts.google.com, ...


def _open_subject(provider: str) -> Callable[[str], bool]:
    """A `sub` value that any caller of the provider can match: a leading wildcard, or for
    GitHub Actions a wildcard owner (`repo:*`)."""

    def open_value(value: str) -> bool:
        if _leading_wildcard(value):
            return True
        return provider.lower() == GITHUB and value.lower().startswith("repo:*")

    return open_value


def oidc_without_sub(snapshot: Snapshot, st: Statement) -> Iterator[Hit]:
    if not _assumes(st, (WEB_IDENTITY,)):
        return
    for value in st.principal.federated:
        provider = oidc_provider(value)
        if provider is None:
            continue
        keys = [f"{provider.lower()}:sub"]
        if provider.lower() == COGNITO:  # identity pools are pinned by their id, in `aud`
            keys.append(f"{COGNITO}:aud")
        if any(narrows(c, keys, _open_subject(provider)) for c in st.conditions):
            continue
        tried = [c for c in st.conditions if c.key.lower() in keys]
        why = (
            "its condition on "
            + ", ".join(f"{c.key} ({c.operator} {', '.join(c.values)})" for c in tried)
            + " lets other subjects through"
            if tried
            else f"no condition on {provider}:sub"
        )
        yield Hit(
            f"lets any identity of the OIDC provider {provider} assume the role: {why}",
            {"federated": value, "required_key": f"{provider}:sub"},
        )


# ---- the table --------------------------------------------------------------------------------

POLICY_TEXT = "authorization details (inline and customer managed policy documents)"
TRUST_TEXT = "authorization details (role trust policies)"

check(
    id="IAM.POLICY.USER_ATTACHED",
    title="Managed policies are attached to groups or roles, not users",
    severity=Severity.LOW,
    practice="grant permissions to groups (or roles) and put users in them",
    reads="authorization details (users' AttachedManagedPolicies)",
    remediation=(
        "Attach the policy to a group, add the user to it, and detach the policy from the user "
        "(aws iam detach-user-policy)."
    ),
)(user_attached)

check(
    id="IAM.POLICY.INLINE",
    title="Permissions are in managed policies, not inline",
    severity=Severity.LOW,
    practice="prefer managed policies: versioned, reusable and reviewable in one place",
    reads="authorization details (UserPolicyList, GroupPolicyList, RolePolicyList)",
    remediation=(
        "Create a customer managed policy with the same document, attach it, then delete the "
        "inline policy (aws iam delete-role-policy / delete-user-policy / delete-group-policy)."
    ),
)(inline_policies)

check(
    id="IAM.POLICY.FULL_ADMIN_OUTSIDE_ADMIN_ROLES",
    title="Only admin roles hold policies that allow * or service:* on *",
    severity=Severity.HIGH,
    practice=(
        "grant least privilege: list actions, and keep full access for a few named admin roles"
    ),
    reads=POLICY_TEXT,
    remediation=(
        "Replace the wildcard with the actions the principal uses (IAM Access Analyzer can "
        "generate a policy from CloudTrail activity), or move the grant to an admin role."
    ),
)(per_statement(full_admin, exempt_admins=True))

check(
    id="IAM.POLICY.NOTACTION_ALLOW",
    title="No Allow statement uses NotAction",
    severity=Severity.MEDIUM,
    practice="grant least privilege with allow-lists; NotAction in an Allow grants new actions too",
    reads=POLICY_TEXT,
    remediation=(
        "Rewrite the statement as an Allow of the actions needed; keep NotAction for Deny "
        "statements."
    ),
)(per_statement(notaction_allow, exempt_admins=False))

check(
    id="IAM.POLICY.PASSROLE_STAR",
    title="iam:PassRole is limited to named roles",
    severity=Severity.HIGH,
    practice="scope iam:PassRole to the roles a principal needs, ideally with iam:PassedToService",
    reads=POLICY_TEXT,
    remediation=(
        "List the role ARNs in Resource and add a StringEquals iam:PassedToService condition."
    ),
)(per_statement(passrole_star, exempt_admins=True))

check(
    id="IAM.POLICY.DUPLICATES_AWS_MANAGED",
    title="Customer managed policies do not copy an AWS managed policy",
    severity=Severity.INFO,
    practice="use AWS managed policies as they are (AWS keeps them current) or tailor your own",
    reads="authorization details (managed policy documents)",
    remediation=(
        "Attach the AWS managed policy instead and delete the copy, or narrow the copy to what "
        "its holders need."
    ),
)(duplicates_aws_managed)

check(
    id="IAM.TRUST.ANY_PRINCIPAL",
    title="No role trusts every principal without a condition",
    severity=Severity.CRITICAL,
    practice="trust named principals, or pin a wildcard to your organization or account",
    reads=TRUST_TEXT,
    remediation=(
        "Name the principals in the trust policy, or add StringEquals aws:PrincipalOrgID "
        "(or aws:PrincipalAccount / aws:SourceAccount) to the statement."
    ),
)(per_trust_statement(any_principal))

check(
    id="IAM.TRUST.WHOLE_FOREIGN_ACCOUNT",
    title="No role trusts a whole account outside the organization without a condition",
    severity=Severity.HIGH,
    practice="trust named principals of other accounts; require sts:ExternalId from third parties",
    reads=TRUST_TEXT,
    remediation=(
        "Trust the partner's role ARN instead of its account, or add StringEquals "
        "sts:ExternalId / ArnEquals aws:PrincipalArn."
    ),
)(per_trust_statement(whole_foreign_account))

check(
    id="IAM.TRUST.OIDC_WITHOUT_SUB",
    title="Roles trusting an OIDC provider pin the token subject",
    severity=Severity.CRITICAL,
    practice="limit web-identity federation to your own subjects (repository, service account)",
    reads=TRUST_TEXT,
    remediation=(
        "Add StringEquals (or StringLike) <provider>:sub with your subject, e.g. "
        "token.actions.githubusercontent.com:sub = repo:<org>/<repo>:ref:refs/heads/main."
    ),
)(per_trust_statement(oidc_without_sub))

CHECKS: tuple[Rule, ...] = tuple(rules_of(__name__))
