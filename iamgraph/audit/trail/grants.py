"""What the trail bucket's and key's own policies let others do: per grantee, the tamper
requests the policy alone allows, decided by the solver (`solve_for`) and replayed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from enum import StrEnum

from iamgraph.audit.model import AuditContext
from iamgraph.audit.trail.bucket import missing_file, no_bucket, trails_by_bucket
from iamgraph.audit.trail.facts import (
    BUCKET_TAMPER,
    KEY_TAMPER,
    OBJECT_ACTIONS,
    OUTSIDER_ACCOUNT,
    SOLVER_TIMEOUT_MS,
    TAMPER_ALLOW_LIST,
    THEIR_IDENTITY,
    account_file,
    reason_source,
    sorted_trails,
)
from iamgraph.evaluate.gather import (
    Mfa,
    credential_context,
    find_principal,
    is_credential_key,
)
from iamgraph.evaluate.layers import Layer, PolicySet
from iamgraph.evaluate.matching import action_matches, glob_match
from iamgraph.evaluate.request import Caller, CallerType, ContextValue
from iamgraph.finding import Finding, found
from iamgraph.load.s3 import POLICY_FILE
from iamgraph.model.arn import ArnError
from iamgraph.model.cloudtrail import Trail
from iamgraph.model.policy import Effect, Policy, PolicyKind, parse_policy
from iamgraph.model.resources import KmsKey
from iamgraph.model.snapshot import Snapshot
from iamgraph.model.source import SourceRef
from iamgraph.verdict import Answer, Verdict

# -- resource policies: what the bucket and key policies grant on their own ----------------------


class Kind(StrEnum):
    """How much of a grantee's credential the snapshot vouches for."""

    SNAPSHOT = "snapshot"  # a principal of the snapshot: every credential key known
    PRINCIPAL = "principal"  # a user or role ARN of another account: its ARN and account
    ACCOUNT = "account"  # another account (E18): any of its principals, so only its id
    ANYONE = "anyone"  # a "*" grant: any caller, every credential key free
    ANONYMOUS = "anonymous"  # an unsigned request
    SERVICE = "service"  # an AWS service principal


@dataclass(frozen=True)
class Grantee:
    """A caller a resource policy could let in."""

    label: str  # principal ARN, account root ARN, service name, "*" or "anonymous"
    caller: Caller
    kind: Kind


def allow_listed(arn: str) -> bool:
    """A break-glass user or role (TAMPER_ALLOW_LIST), by name, case as written (as ArnLike)."""
    name = arn.rsplit("/", 1)[-1] if ":user/" in arn or ":role/" in arn else ""
    return bool(name) and any(glob_match(p, name) for p in TAMPER_ALLOW_LIST)


# Where a grantee's principal is chosen by the solver (a "*" or account grant), the allow-list
# is kept out by a Deny on aws:PrincipalArn, with or without a path.
_NOT_ALLOW_LISTED = parse_policy(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Action": "*",
                "Resource": "*",
                "Condition": {
                    "ArnLike": {
                        "aws:PrincipalArn": [
                            f"arn:aws:iam::*:{kind}/{path}{name}"
                            for name in TAMPER_ALLOW_LIST
                            for kind in ("role", "user")
                            for path in ("", "*/")
                        ]
                    }
                },
            }
        ],
    },
    kind=PolicyKind.IDENTITY,
    source=SourceRef("<the break-glass allow-list>"),
    name="the break-glass allow-list",
)


def _grantees(snap: Snapshot, policy: Policy, actions: Iterable[str], owner: str) -> list[Grantee]:
    """Who the policy's Allow statements for these actions could name, less the allow-list and
    the owner account itself (a grant to it delegates to its IAM policies: E18, left to the
    graph)."""
    everyone = False
    named: dict[str, None] = {}  # ordered sets
    services: dict[str, None] = {}
    actions = list(actions)
    for st in policy.statements:
        if st.effect is not Effect.ALLOW:
            continue
        if not any(action_matches(st.actions, a) != st.not_action for a in actions):
            continue
        block = st.principal
        if block is None or st.not_principal or block.is_everyone:
            everyone = True
            continue
        for value in block.aws:
            named[f"arn:aws:iam::{value}:root" if value.isdigit() else value] = None
        for service in block.service:
            services[service] = None
    out: list[Grantee] = []
    if everyone:
        outsider = _outsider(snap)
        root = Caller(f"arn:aws:iam::{outsider}:root", CallerType.ROOT, outsider)
        out.append(Grantee("*", root, Kind.ANYONE))
        out.append(Grantee("anonymous", Caller("anonymous", CallerType.ANONYMOUS), Kind.ANONYMOUS))
    for arn in named:
        grantee = _grantee(snap, arn)
        if grantee is not None and arn != f"arn:aws:iam::{owner}:root":
            out.append(grantee)
    out += [Grantee(s, Caller(s, CallerType.SERVICE), Kind.SERVICE) for s in services]
    return [g for g in out if not allow_listed(g.caller.role_arn or g.label)]


def _outsider(snap: Snapshot) -> str:
    return OUTSIDER_ACCOUNT if OUTSIDER_ACCOUNT not in snap.account_ids() else "999999999998"


def _grantee(snap: Snapshot, arn: str) -> Grantee | None:
    if arn in snap.principals and not arn.endswith(":root"):
        return Grantee(arn, find_principal(snap, arn)[1], Kind.SNAPSHOT)
    try:
        caller = Caller.from_arn(arn)
    except ArnError:
        return None  # not a principal AWS would match (P8): the statement names no one here
    kind = Kind.ACCOUNT if caller.type is CallerType.ROOT else Kind.PRINCIPAL
    return Grantee(arn, caller, kind)


def _pins(snap: Snapshot, g: Grantee, resource: str, owner: str) -> list[tuple[str, ContextValue]]:
    """The context keys the grantee's credential fixes (MFA keys aside: they follow the mode);
    every other key is the solver's to choose."""

    def pin(key: str, value: str, type_: str = "string") -> tuple[str, ContextValue]:
        return key, ContextValue((value,), type=type_)

    c = g.caller
    out = [pin("aws:ResourceAccount", owner)]
    if g.kind in (Kind.ANYONE, Kind.ANONYMOUS):
        return out
    if g.kind is Kind.SERVICE:
        return [
            *out,
            pin("aws:PrincipalIsAWSService", "true", "boolean"),
            pin("aws:PrincipalServiceName", c.arn),
        ]
    if ":kms:" in resource:
        out.append(pin("kms:CallerAccount", c.account))
    if g.kind is Kind.SNAPSHOT:
        creds = credential_context(snap, g.label, resource, Mfa.NO_MFA)
        return out + [(k, v) for k, v in creds if not k.lower().startswith("aws:multifactorauth")]
    out += [
        pin("aws:PrincipalAccount", c.account),
        pin("aws:PrincipalIsAWSService", "false", "boolean"),
    ]
    if g.kind is Kind.PRINCIPAL:
        kind = "User" if c.type is CallerType.USER else "AssumedRole"
        out += [pin("aws:PrincipalArn", c.role_arn or c.arn), pin("aws:PrincipalType", kind)]
    return out


def _fixed(snap: Snapshot, g: Grantee) -> Callable[[str], bool]:
    """Credential keys not pinned are absent for principals the snapshot holds, anonymous
    callers and services; of other IAM principals the snapshot knows nothing more (their ARN,
    tags, organization: the solver's to choose)."""
    from iamgraph.solvers.constraints import fixed_for

    if g.kind is Kind.SNAPSHOT:
        return fixed_for(snap, g.caller.account)
    if g.kind in (Kind.ANONYMOUS, Kind.SERVICE):
        return is_credential_key  # an unsigned request or a service carries none but its pins
    return lambda _key: False


def solve_for(
    snap: Snapshot,
    ps: PolicySet,
    action: str,
    resource: str,
    pins: list[tuple[str, ContextValue]],
    modes: tuple[Mfa, ...],
    *,
    fixed: Callable[[str], bool] | None = None,
    known: Iterable[str] = (),
    timeout_ms: int = SOLVER_TIMEOUT_MS,
) -> Answer:
    """Is some request for `action` on `resource` (an ARN or pattern) allowed under `ps`, the
    `pins` fixed, every other key the caller's to choose (credential keys not pinned: absent,
    unless `fixed` says otherwise)? The solver's answer, its witness replayed through the
    evaluator (as `can` does for a principal of the snapshot; here for any PolicySet, such
    as a resource policy on its own): the caller's MFA keys, then the pins where absent.
    `known` ARNs are preferred in a witness."""
    from iamgraph.solvers.constraints import fixed_for
    from iamgraph.solvers.replay import ReplayContext
    from iamgraph.solvers.solve import solve

    caller = ps.caller
    return solve(
        ps,
        caller.arn,
        action,
        resource,
        pins,
        modes,
        replay=ReplayContext.mfa_of(caller.type, modes, pins=tuple(pins)),
        known=list(known),
        timeout_ms=timeout_ms,
        fixed=fixed or fixed_for(snap, caller.account),
    )


def _modes(caller: Caller) -> tuple[Mfa, ...]:
    from iamgraph.solvers.constraints import modes_for

    if caller.is_iam:
        return modes_for(caller.type, None)
    return (Mfa.LONG_TERM_KEYS,)  # services and anonymous callers carry no MFA key at all


@dataclass(frozen=True)
class Grant:
    grantee: Grantee
    reachable: tuple[tuple[str, str], ...]  # (action, resource) the policy lets through
    witness: Answer | None
    unknown: tuple[str, ...]
    anonymous_too: bool = False  # for "*": anonymous callers are let through as well


def policy_grants(
    snap: Snapshot,
    policy: Policy,
    owner: str,
    requests: list[tuple[str, str]],
    required: bool,
) -> list[Grant]:
    """For every grantee of the policy: which tamper requests the policy alone allows it
    (`_identity_for` says what the caller's side brings). SCPs and RCPs are left out: the
    question is what the policy itself lets through."""
    out = []
    for g in _grantees(snap, policy, {a for a, _ in requests}, owner):
        ps = PolicySet(
            caller=g.caller,
            resource_account=owner,
            identity=_identity_for(g, owner),
            resource_policy=policy,
            resource_policy_required=required,
        )
        reachable, witness, unknown = [], None, []
        for action, resource in requests:
            if not any(
                st.effect is Effect.ALLOW and action_matches(st.actions, action) != st.not_action
                for st in policy.statements
            ):
                continue
            pins = _pins(snap, g, resource, owner)
            answer = solve_for(
                snap, ps, action, resource, pins, _modes(g.caller), fixed=_fixed(snap, g)
            )
            if answer.verdict is Verdict.REACHABLE:
                reachable.append((action, resource))
                witness = witness or answer
            elif answer.verdict is Verdict.UNKNOWN:
                unknown += [f"{action}: {r}" for r in answer.reasons]
        if reachable or unknown:
            out.append(Grant(g, tuple(reachable), witness, tuple(dict.fromkeys(unknown))))
    return _collapse(out)


def _identity_for(g: Grantee, owner: str) -> tuple[Policy, ...]:
    """A caller of the owner account brings no identity allow (only grants naming it count,
    E13-E15); one of another account is taken to be allowed by its own (E17's other half is
    not the resource policy's doing). Where the solver picks the principal, the allow-list's
    Deny keeps break-glass identities out."""
    if not g.caller.is_iam:
        return ()
    own = () if g.caller.account == owner else (THEIR_IDENTITY,)
    chosen = g.kind in (Kind.ANYONE, Kind.ACCOUNT)
    return (*own, _NOT_ALLOW_LISTED) if chosen else own


def _collapse(grants: list[Grant]) -> list[Grant]:
    """A "*" grant that lets anyone tamper is one finding, anonymous callers included in its
    evidence (not one more)."""
    if not any(g.grantee.kind is Kind.ANYONE and g.reachable for g in grants):
        return grants
    anonymous = any(g.grantee.kind is Kind.ANONYMOUS and g.reachable for g in grants)
    return [
        replace(g, anonymous_too=anonymous) if g.grantee.kind is Kind.ANYONE else g
        for g in grants
        if g.grantee.kind is not Kind.ANONYMOUS or not g.reachable
    ]


def _grant_findings(subject: str, what: str, grants: list[Grant], extra: dict) -> Iterator[Finding]:
    for g in grants:
        who = {
            "*": 'any principal that meets its conditions (a "*" grant)'
            + (", anonymous callers included" if g.anonymous_too else ""),
            "anonymous": "anonymous callers",
        }.get(g.grantee.label, g.grantee.label)
        if g.reachable:
            w = g.witness.witness if g.witness else None
            granted = [r for r in (w.decision.deciding if w else ()) if r.layer is Layer.RESOURCE]
            actions = sorted({a for a, _ in g.reachable})
            yield found(
                subject,
                f"the {what} lets {who} {', '.join(actions)} (break-glass allow-list: "
                f"{', '.join(TAMPER_ALLOW_LIST)})",
                {
                    **extra,
                    "principal": g.grantee.label,
                    "caller_type": g.grantee.caller.type.value,
                    "anonymous_too": g.anonymous_too,
                    "actions": actions,
                    "requests": [list(r) for r in g.reachable],
                    "statements": [f"{r.policy} {r.sid or r.pointer}" for r in granted],
                    "chosen_context": {k: list(v.values) for k, v in w.context if k in w.chosen}
                    if w
                    else {},
                },
                reason_source(granted[0]) if granted else None,
            )
        else:
            yield found(
                subject,
                f"whether the {what} lets {who} tamper cannot be told: {'; '.join(g.unknown)}",
                {**extra, "principal": g.grantee.label, "reasons": list(g.unknown)},
                unknown=True,
            )


def run_bucket_policy_tamper(ctx: AuditContext) -> Iterator[Finding]:
    snap = ctx.snapshot
    for name, trails in trails_by_bucket(snap).items():
        bucket = snap.bucket(name)
        if bucket is None:
            yield no_bucket(name, trails)
            continue
        if bucket.policy is None:
            if not snap.answered(bucket.account, "GetBucketPolicy", "NoSuchBucketPolicy"):
                yield missing_file(snap, bucket, trails, POLICY_FILE)
            continue  # no bucket policy: it grants nothing
        requests = [
            (a, f"{bucket.arn}/*" if a in OBJECT_ACTIONS else bucket.arn) for a in BUCKET_TAMPER
        ]
        grants = policy_grants(snap, bucket.policy, bucket.account, requests, required=False)
        extra = {"bucket": name, "trails": [t.name for t in trails]}
        yield from _grant_findings(bucket.arn, f"policy of trail bucket {name}", grants, extra)


def _key_arn(trail: Trail, key: KmsKey | None) -> str:
    kid = trail.kms_key_id or ""
    if kid.startswith("arn:"):
        return kid
    owner = key.account if key else trail.account
    return f"arn:aws:kms:{trail.home_region}:{owner}:key/{kid}"


def run_key_policy_tamper(ctx: AuditContext) -> Iterator[Finding]:
    snap = ctx.snapshot
    by_key: dict[str, list[Trail]] = {}
    for t in sorted_trails(snap):
        if t.kms_key_id:
            by_key.setdefault(_key_arn(t, snap.kms_key(t.kms_key_id)), []).append(t)
    for arn, trails in by_key.items():
        key = snap.kms_key(arn)
        extra = {"key": arn, "trails": [t.name for t in trails]}
        if key is None or key.policy is None:
            account = arn.split(":")[4]
            path = account_file(snap, account, "kms", arn.rsplit("/", 1)[-1], "get-key-policy.json")
            yield found(
                arn,
                f"key {arn} of trail {', '.join(t.name for t in trails)}: its key policy is not "
                f"in the snapshot ({path})",
                {**extra, "missing": path},
                trails[0].source,
                True,
            )
            continue
        requests = [(a, arn) for a in KEY_TAMPER]
        grants = policy_grants(snap, key.policy, key.account, requests, required=True)
        yield from _grant_findings(arn, f"policy of trail key {key.key_id}", grants, extra)
