"""Who outside the organization can reach in: role trusts that let a principal of another
organization (or of none) assume a role, and bucket, key and topic policies open to anyone.

Each question is asked with the solver for a caller outside: a principal of every outside
account the policy names, one of an account nobody names, and (for resource policies) an
anonymous caller; each with `aws:PrincipalOrgID` absent and with another organization's id, since
`...IfExists` conditions tell the two apart. The caller's own permissions allow everything
(another account grants its principals what it likes), and the RCPs above the resource apply.
A witness is replayed by the evaluator; a timeout is `unknown`, never "not exposed".
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from iamgraph.evaluate.gather import RCP_SERVICES, Mfa, is_credential_key, org_levels
from iamgraph.evaluate.layers import Level, PolicySet
from iamgraph.evaluate.request import Caller, CallerType, ContextValue
from iamgraph.graph.admin import ALLOW_ALL
from iamgraph.model.organization import RCP
from iamgraph.model.policy import Effect, Policy
from iamgraph.model.principals import PrincipalKind
from iamgraph.model.snapshot import Snapshot
from iamgraph.premerge.policy_diff import OTHER_ACCOUNT, callers_of
from iamgraph.solvers.domains import action_groups
from iamgraph.solvers.solve import solve
from iamgraph.verdict import DEFAULT_TIMEOUT_MS, Answer, Verdict

OTHER_ORG = "o-outside00000"  # an organization that is not this one
# Only an AWS service principal calling on a resource owner's behalf carries these; an IAM or
# anonymous caller cannot set them (AWS global condition context keys, "Availability").
SERVICE_SOURCE_KEYS = frozenset(
    {
        "aws:sourceaccount",
        "aws:sourcearn",
        "aws:sourceowner",
        "aws:sourceorgid",
        "aws:sourceorgpaths",
    }
)


@dataclass(frozen=True)
class Exposure:
    resource: str  # the role, bucket, key or topic ARN
    kind: str  # "trust" or "resource"
    caller: str  # the outside caller of the witness (or of the open question)
    answer: Answer  # REACHABLE with a replayed witness, or UNKNOWN
    policy: Policy


def inside(snap: Snapshot) -> frozenset[str]:
    """The accounts that are not outside: the organization's, else the snapshot's."""
    if snap.organization is not None:
        return frozenset(snap.organization.accounts) | {snap.organization.management_account}
    return frozenset(snap.account_ids())


def foreign_trust(
    snap: Snapshot, timeout_ms: int = DEFAULT_TIMEOUT_MS, named_only: bool = False
) -> list[Exposure]:
    """Roles a principal outside the organization can assume (sts:AssumeRole). `named_only`:
    ask only about the roles whose trust names an outside account or everyone (`opens_to`),
    the only ones an outsider can be let in by; the others are proven closed without asking."""
    ours = inside(snap)
    out = []
    for p in snap.principals.values():
        if p.kind is not PrincipalKind.ROLE or p.role is None or p.service_linked:
            continue
        if named_only and not opens_to(p.trust, ours):
            continue
        callers = [c for c in callers_of([p.trust]) if c.is_iam and c.account not in ours]
        found = _first(snap, p.trust, p.account, callers, "sts:AssumeRole", p.arn, timeout_ms)
        out += [Exposure(p.arn, "trust", c, a, p.trust) for c, a in found]
    return out


def opens_to(policy: Policy | None, ours: frozenset[str]) -> bool:
    """Whether some Allow of the policy names everyone or a principal of an account not in
    `ours` (P8; a trust may not use NotPrincipal, P7, but one that does counts as open). An
    Allow naming only principals of `ours` or services lets no outside IAM caller in."""
    for st in policy.statements if policy else ():
        if st.effect is not Effect.ALLOW:
            continue
        if st.not_principal or st.principal is None or st.principal.is_everyone:
            return True
        for value in st.principal.aws:
            account = (
                value if value.isdigit() else value.split(":")[4] if value.count(":") >= 4 else ""
            )
            if account not in ours:
                return True
    return False


def public_resources(snap: Snapshot, timeout_ms: int = DEFAULT_TIMEOUT_MS) -> list[Exposure]:
    """Buckets, keys and topics whose policy lets anyone (anonymous or any account) in."""
    ours = inside(snap)
    out = []
    for account, data in sorted(snap.accounts.items()):
        targets: list[tuple[str, Policy | None, str]] = []
        for _, b in sorted(data.buckets.items()):
            targets += [(b.arn, b.policy, "s3:*"), (f"{b.arn}/*", b.policy, "s3:*")]
        for key_id, k in sorted(data.keys.items()):
            targets.append((f"arn:aws:kms:*:{account}:key/{key_id}", k.policy, "kms:*"))
        for arn, t in sorted(data.topics.items()):
            targets.append((arn, t.policy, "sns:*"))
        for arn, policy, actions in targets:
            if policy is None:
                continue
            callers = [
                c
                for c in callers_of([policy])
                if c.type is CallerType.ANONYMOUS or (c.is_iam and c.account == OTHER_ACCOUNT)
            ]
            assert all(c.account not in ours for c in callers if c.is_iam)
            found = _first(snap, policy, account, callers, actions, arn, timeout_ms)
            out += [Exposure(arn, "resource", c, a, policy) for c, a in found]
    return out


def caller_request(
    snap: Snapshot,
    policy: Policy,
    account: str,
    caller: Caller,
    action: str,
    resource: str,
    timeout_ms: int,
    modes: tuple[Mfa, ...] = (Mfa.LONG_TERM_KEYS, Mfa.MFA),
) -> Answer | None:
    """Can `caller`, from outside, make a request for `action` on `resource` that `policy` (the
    resource's, in `account`) and the RCPs above it allow? A replayed witness, the open
    question (`unknown`), or None when proven not."""
    return _any(snap, policy, account, caller, action, resource, timeout_ms, modes)


def _first(snap, policy, account, callers, action, resource, timeout_ms) -> list:
    """For each caller: the first witness, or the open question; nothing when proven closed."""
    found = []
    for caller in callers:
        answer = _any(snap, policy, account, caller, action, resource, timeout_ms)
        if answer is not None:
            found.append((caller.arn, answer))
    return found


def _any(
    snap, policy, account, caller, action, resource, timeout_ms, modes=(Mfa.LONG_TERM_KEYS, Mfa.MFA)
) -> Answer | None:
    """A witness for some action of the pattern, else the first open question, else None."""
    open_: Answer | None = None
    for action_set, _ in action_groups([action]):
        for org_id in (None, OTHER_ORG):
            answer = _ask(
                snap, policy, account, caller, org_id, action, action_set, resource, timeout_ms,
                modes,
            )  # fmt: skip
            if answer.verdict is Verdict.REACHABLE:
                return answer
            if answer.verdict is Verdict.UNKNOWN and open_ is None:
                open_ = answer
    return open_


def _ask(snap, policy, account, caller, org_id, pattern, action_set, resource, timeout_ms, modes):
    ps = PolicySet(
        caller,
        account,
        identity=(ALLOW_ALL,) if caller.is_iam else (),
        resource_policy=policy,
        resource_policy_required=pattern.startswith(("sts:", "kms:")),  # E19
        rcp_levels=_rcps(snap, account, pattern),
    )
    pinned = list(_pinned(caller, org_id))
    return solve(  # replayed on the chosen keys alone (the pins are among them)
        ps,
        caller.arn,
        action_set,
        resource,
        pinned,
        modes,
        timeout_ms=timeout_ms,
        fixed=lambda k: is_credential_key(k) or k.lower() in SERVICE_SOURCE_KEYS,
    )


def _pinned(caller: Caller, org_id: str | None) -> Iterator[tuple[str, ContextValue]]:
    if not caller.is_iam:
        return
    yield "aws:PrincipalArn", ContextValue((caller.arn,))
    yield "aws:PrincipalAccount", ContextValue((caller.account,))
    yield "aws:PrincipalType", ContextValue(("User",))
    yield "aws:PrincipalIsAWSService", ContextValue(("false",), type="boolean")
    if org_id:
        yield "aws:PrincipalOrgID", ContextValue((org_id,))


def _rcps(snap: Snapshot, account: str, action: str) -> tuple[Level, ...]:
    """E9: RCPs bind requests to the services they support, in member accounts only."""
    org = snap.organization
    service = action.split(":", 1)[0]
    if org is None or account == org.management_account or service not in RCP_SERVICES:
        return ()
    return org_levels(org, account, RCP, [])
