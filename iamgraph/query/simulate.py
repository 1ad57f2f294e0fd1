"""`iamgraph simulate`: single requests decided like `aws iam simulate-custom-policy` /
`simulate-principal-policy`, but with SCPs, RCPs, boundaries and resource policies included.

Two ways in: a snapshot and a principal ARN (`snapshot_case`), or policy files and caller
facts (`custom_case`); `simulate` chooses between them. Results are shaped like AWS's
`EvaluationResults` so they read familiar.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from iamgraph.catalog import catalog
from iamgraph.errors import InputError
from iamgraph.evaluate.gather import (
    Mfa,
    credential_context,
    find_principal,
    mfa_context,
    policies_for,
    request_context,
)
from iamgraph.evaluate.layers import Decision, Level, Outcome, PolicySet, decide
from iamgraph.evaluate.request import Caller, CallerType, ContextValue, Request
from iamgraph.load.fields import Doc
from iamgraph.load.policy_file import load_policy_file
from iamgraph.load.snapshot import load_snapshot
from iamgraph.model.arn import ArnError, parse_arn
from iamgraph.model.operators import numeric_value
from iamgraph.model.policy import Policy, PolicyKind
from iamgraph.model.snapshot import Snapshot
from iamgraph.query.asked import Asked, checked_request

DEFAULT_CALLER = "arn:aws:iam::123456789012:user/simulated"

# AWS ContextKeyType values; list types end in "List" (simulate-custom-policy).
CONTEXT_TYPES = ("string", "numeric", "boolean", "date", "ip", "binary")


@dataclass(frozen=True)
class Result:
    action: str
    resource: str
    decision: Decision
    context: tuple[tuple[str, ContextValue], ...]  # what the request carried

    def as_aws(self) -> dict:
        d = self.decision
        return {
            "EvalActionName": self.action,
            "EvalResourceName": self.resource,
            "EvalDecision": d.outcome.value,
            "MatchedStatements": [
                {
                    "SourcePolicyId": r.policy,
                    "SourcePolicyType": r.layer.value,
                    "Effect": r.effect,
                    "Sid": r.sid,
                    "At": r.at or None,
                    "File": r.file,
                    "JsonPointer": r.pointer,
                    "StartPosition": {"Line": r.line, "Column": r.column},
                    "Decisive": r in d.deciding,
                }
                for r in d.reasons
            ],
            "MissingContextValues": list(d.missing_context),
            "EvalDecisionDetails": d.details,
            "ImplicitDenyBecause": list(d.lacking),
            "UnknownBecause": list(d.unknown_because),
            "Assumptions": list(d.assumptions),
            "ContextEntries": [
                {
                    "ContextKeyName": k,
                    "ContextKeyValues": list(v.values),
                    "ContextKeyType": v.type + ("List" if v.multi else ""),
                }
                for k, v in self.context
            ],
        }


def snapshot_case(
    snap: Snapshot,
    principal: str,
    actions: list[str],
    resources: list[str],
    context: list[tuple[str, ContextValue]],
    mfa: Mfa | None = None,
    engine: str = "evaluator",
) -> list[Result]:
    out = []
    for action in actions:
        for resource in resources:
            ps = policies_for(snap, principal, action, resource)
            req = Request.build(action, resource, context).with_context(
                credential_context(snap, principal, resource, mfa) + request_context(resource)
            )
            out.append(_result(ps, req, engine))
    return out


def custom_case(
    *,
    identity: list[Policy],
    boundary: Policy | None,
    session: Policy | None,
    resource_policy: Policy | None,
    scp_levels: list[list[Policy]],
    rcp_levels: list[list[Policy]],
    caller_arn: str | None,
    caller_role_arn: str | None,
    resource_owner: str | None,
    management_account: bool,
    service_linked: bool,
    actions: list[str],
    resources: list[str],
    context: list[tuple[str, ContextValue]],
    mfa: Mfa | None = None,
    engine: str = "evaluator",
) -> list[Result]:
    federated = federated_caller(caller_arn) if caller_arn else None
    if federated is not None:
        check_federated(
            federated,
            actions,
            resources,
            identity=bool(identity),
            boundary=boundary is not None,
            session=session is not None,
            resource_policy=resource_policy is not None,
            scp=bool(scp_levels),
            caller_role_arn=caller_role_arn,
            service_linked=service_linked,
            mfa=mfa,
        )
        scp_levels = []  # Q2: SCPs never restrict a principal outside the organization's IAM
        base = federated
    else:
        try:
            base = Caller.from_arn(caller_arn or DEFAULT_CALLER, caller_role_arn)
        except ArnError as exc:
            raise InputError("--caller-arn", "$", str(exc)) from None
    caller = Caller(
        base.arn, base.type, base.account, base.role_arn, management_account, service_linked
    )
    assumptions = [] if caller_arn else [f"caller {DEFAULT_CALLER} (no --caller-arn)"]
    out = []
    for action in actions:
        for resource in resources:
            owner = resource_owner or _arn_account(resource)
            if owner is None:
                owner = caller.account
                assumptions_here = [
                    *assumptions,
                    f"resource owner {owner}, the caller's account (no --resource-owner)",
                ]
            else:
                assumptions_here = assumptions
            ps = PolicySet(
                caller=caller,
                resource_account=owner,
                identity=tuple(identity),
                boundary=boundary,
                session=session,
                resource_policy=resource_policy,
                resource_policy_required=policy_required(action, resource),
                scp_levels=_levels("scp", scp_levels)
                if not (management_account or service_linked)
                else (),
                rcp_levels=_levels("rcp", rcp_levels) if not management_account else (),
                assumptions=tuple(assumptions_here),
            )
            req = Request.build(action, resource, context).with_context(
                caller_context(caller, mfa) + request_context(resource)
            )
            out.append(_result(ps, req, engine))
    return out


def _result(ps: PolicySet, req: Request, engine: str = "evaluator") -> Result:
    entries = tuple((req.names[k], v) for k, v in req.context.items())
    if engine == "solver":  # the z3 encoding decides: outcome only, no statement-level reasons
        from iamgraph.solvers.outcome import outcome_of

        outcome, why = outcome_of(ps, req)
        unknown = why if outcome is Outcome.UNKNOWN else ()
        decision = Decision(outcome, (), (), (), {}, (), unknown, ps.assumptions)
        return Result(req.action, req.resource, decision, entries)
    return Result(req.action, req.resource, decide(ps, req), entries)


def _levels(kind: str, levels: list[list[Policy]]) -> tuple[Level, ...]:
    return tuple(
        Level(f"{kind}-level-{i + 1}", f"--{kind}-level {i + 1}", tuple(ps))
        for i, ps in enumerate(levels)
    )


def _arn_account(resource: str) -> str | None:
    try:
        return parse_arn(resource).account or None
    except ArnError:
        return None


def policy_required(action: str, resource: str) -> bool:
    """E19: a role's trust policy and a KMS key policy must allow the principal themselves."""
    try:
        arn = parse_arn(resource)
    except ArnError:
        return False
    service = action.split(":", 1)[0].lower()
    return (arn.service == "iam" and arn.resource_type == "role" and service == "sts") or (
        arn.service == "kms" and arn.resource_type == "key"
    )


def caller_context(caller: Caller, mfa: Mfa | None) -> list[tuple[str, ContextValue]]:
    """The keys AWS sets from any credential (the snapshot adds tags and organization keys).
    A federated caller signs with no AWS credential: the keys of its token (`HOST:sub`,
    `SAML:aud`) come from `--context-entries`, and the request carries nothing else of it."""
    if caller.type is CallerType.WEB_IDENTITY:
        return []
    out = [
        ("aws:PrincipalArn", ContextValue((caller.role_arn or caller.arn,))),
        ("aws:PrincipalAccount", ContextValue((caller.account,))),
    ]
    if caller.type is CallerType.USER:
        out.append(("aws:username", ContextValue((caller.arn.rsplit("/", 1)[-1],))))
    return out + mfa_context(caller.type, mfa)


# T2, T3: the STS call a federated caller makes, by the kind of its IAM identity provider.
FEDERATED_ACTIONS = {
    "oidc-provider": "sts:AssumeRoleWithWebIdentity",
    "saml-provider": "sts:AssumeRoleWithSAML",
}
# Session tags and a source identity passed in the token or assertion are authorized by the
# same trust policy, in the same call (IAM User Guide, id_session-tags.html, id_credentials_temp_
# control-access_monitor.html).
FEDERATED_EXTRA_ACTIONS = ("sts:TagSession", "sts:SetSourceIdentity")


def federated_caller(arn: str) -> Caller | None:
    """The web-identity or SAML caller an IAM identity provider ARN stands for (T2, T3), None
    for any other ARN. It is represented as the graph and `diff-policy` represent it: its ARN
    is the trust policy's `Federated` value, matched exactly."""
    try:
        parsed = parse_arn(arn)
    except ArnError:
        return None
    if parsed.service != "iam" or parsed.resource_type not in FEDERATED_ACTIONS:
        return None
    if not parsed.resource_id:
        raise InputError(
            "--caller-arn", "$", f"an identity provider ARN names no provider: {arn!r}"
        )
    return Caller(arn, CallerType.WEB_IDENTITY, parsed.account)


def check_federated(
    caller: Caller,
    actions: list[str],
    resources: list[str],
    *,
    identity: bool,
    boundary: bool,
    session: bool,
    resource_policy: bool,
    scp: bool,
    caller_role_arn: str | None,
    service_linked: bool,
    mfa: Mfa | None,
) -> None:
    """What a federated request is: the provider's one STS call (and the session tags and
    source identity it carries) on a role, decided by the role's trust policy (T2, T3) and the
    RCPs of the role's account (E9). Anything else would be decided on facts that do not apply
    to it, so it is bad input rather than an answer."""
    kind = parse_arn(caller.arn).resource_type
    call = FEDERATED_ACTIONS[kind]
    where = "simulate"
    not_for = [
        (identity, "--identity-policy", "a federated caller has no identity policy (T2)"),
        (boundary, "--boundary", "a role's boundary limits its sessions, not who assumes it"),
        (session, "--session-policy", "a session policy limits the session, not the call"),
        (scp, "--scp-level", "SCPs do not apply to principals outside the organization (Q2)"),
        (bool(caller_role_arn), "--caller-role-arn", "a federated caller is no role session"),
        (service_linked, "--service-linked", "a federated caller is no service-linked role"),
        (
            mfa is not None,
            "--mfa",
            "a token carries no IAM credential; give its keys in --context-entries",
        ),
    ]
    for given, option, why in not_for:
        if given:
            raise InputError(where, "$", f"{option} does not apply to {caller.arn}: {why}")
    if not resource_policy:
        raise InputError(
            where,
            "$",
            f"the role's trust policy decides {call} for {caller.arn}: pass it with "
            "--resource-policy",
        )
    allowed = {call.lower()} | {a.lower() for a in FEDERATED_EXTRA_ACTIONS}
    for action in actions:
        if action.lower() not in allowed:  # P1: action names compare case-insensitively
            raise InputError(
                where,
                "$",
                f"{caller.arn} makes {call} (with sts:TagSession, sts:SetSourceIdentity), "
                f"not {action}",
            )
    for resource in resources:
        try:
            arn = parse_arn(resource)
        except ArnError:
            arn = None
        if arn is None or arn.service != "iam" or arn.resource_type != "role":
            raise InputError(where, "$", f"{call} is made on an IAM role ARN, not {resource!r}")


def parse_context_pairs(pairs: list[str]) -> list[tuple[str, ContextValue]]:
    """`--context KEY=VALUE`, repeated; a key given twice becomes a list."""
    values: dict[str, list[str]] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise InputError("--context", "$", f"expected KEY=VALUE, got {pair!r}")
        values.setdefault(key, []).append(value)
    return [(k, ContextValue(tuple(v), multi=len(v) > 1)) for k, v in values.items()]


def parse_context_entries(text: str) -> list[tuple[str, ContextValue]]:
    """AWS ContextEntry JSON, inline or `file://path`, checked against its ContextKeyType."""
    source = "--context-entries"
    if text.startswith("file://"):
        doc = Doc.read(Path(text[len("file://") :]))
    else:
        from iamgraph.load.jsonloc import parse_located

        doc = Doc(parse_located(text, source))
    if not isinstance(doc.root, list):
        raise doc.error((), "expected a list of ContextEntry objects")
    out = []
    for i, item in enumerate(doc.root):
        entry = doc.obj(item, (i,))
        key = doc.field(entry, (i,), "ContextKeyName", str)
        values = doc.strings(entry, (i,), "ContextKeyValues", required=True)
        ctype = doc.field(entry, (i,), "ContextKeyType", str, required=False, default="string")
        base = ctype[: -len("List")] if ctype.endswith("List") else ctype
        if base not in CONTEXT_TYPES:
            raise doc.error((i, "ContextKeyType"), f"unknown ContextKeyType {ctype!r}")
        for j, v in enumerate(values):
            problem = _check_value(base, v)
            if problem:
                raise doc.error((i, "ContextKeyValues", j), problem)
        if not ctype.endswith("List") and len(values) != 1:
            raise doc.error((i, "ContextKeyValues"), f"{ctype} takes one value, got {len(values)}")
        out.append((key, ContextValue(tuple(values), ctype.endswith("List"), base)))
    return out


def _check_value(ctype: str, value: str) -> str | None:
    import base64
    import ipaddress
    from decimal import InvalidOperation

    from iamgraph.load.fields import parse_date

    try:
        if ctype == "numeric" and numeric_value(value) is None:
            return f"not a valid numeric value: {value!r}"
        elif ctype == "boolean" and value.lower() not in ("true", "false"):
            return f"not a boolean: {value!r}"
        elif ctype == "date" and parse_date(value) is None:
            return f"not a date: {value!r}"
        elif ctype == "ip":
            ipaddress.ip_network(value, strict=False)
        elif ctype == "binary":
            base64.b64decode(value, validate=True)
    except (InvalidOperation, ValueError):
        return f"not a valid {ctype} value: {value!r}"
    return None


def refuse_patterns(actions: tuple[str, ...] | list[str]) -> None:
    """A request names one action; a pattern would be decided as an action of that name."""
    for a in actions:
        if any(c in a for c in "*?"):
            n = len(catalog().expand(a))
            raise InputError(
                "simulate",
                "--action",
                f"{a!r} is a pattern ({n} actions in the catalog): simulate decides one request "
                "per action; give an action, or ask `can` about the pattern",
            )


def with_unknown_actions(
    results: list[Result], actions: list[str], resources: list[str], asked: Asked
) -> list[Result]:
    """The results in the order asked, an action the catalog does not know decided `unknown`
    (`--allow-unknown-action`): AWS may have it, and iamgraph knows nothing of it."""
    if not asked.unknown:
        return results
    known = iter(results)
    out = []
    for a in actions:
        for r in resources:
            if a in asked.unknown:
                why = asked.reasons[asked.unknown.index(a)]
                out.append(
                    Result(a, r, Decision(Outcome.UNKNOWN, (), (), (), unknown_because=(why,)), ())
                )
            else:
                out.append(next(known))
    return out


def policy_from_file(
    path: Path | None, kind: PolicyKind | None, *, size_limit: bool = True
) -> Policy | None:
    """The policy of a custom-mode file option (`--boundary` ...), None when not given."""
    return load_policy_file(path, kind, size_limit=size_limit)[0] if path else None


def policy_level(spec: str, kind: PolicyKind, *, size_limit: bool = True) -> list[Policy]:
    """The policies of one SCP or RCP level: files separated by commas."""
    return [
        p
        for f in spec.split(",")
        if f
        for p in load_policy_file(Path(f), kind, size_limit=size_limit)
    ]


@dataclass(frozen=True)
class Custom:
    """Custom mode's policy files and caller facts, as the options name them."""

    identity_policy: tuple[Path, ...] = ()
    boundary: Path | None = None
    session_policy: Path | None = None
    resource_policy: Path | None = None
    scp_level: tuple[str, ...] = ()
    rcp_level: tuple[str, ...] = ()
    caller_arn: str | None = None
    caller_role_arn: str | None = None
    resource_owner: str | None = None
    management_account: bool = False
    service_linked: bool = False

    def given(self) -> list[str]:
        """The options given that only custom mode takes (the flags aside)."""
        values = {
            "identity-policy": self.identity_policy,
            "boundary": self.boundary,
            "session-policy": self.session_policy,
            "resource-policy": self.resource_policy,
            "scp-level": self.scp_level,
            "rcp-level": self.rcp_level,
            "caller-arn": self.caller_arn,
            "caller-role-arn": self.caller_role_arn,
            "resource-owner": self.resource_owner,
        }
        return [name for name, value in values.items() if value]


def simulate(
    snapshot: Path | None,
    principal: str | None,
    actions: list[str],
    resources: list[str],
    *,
    context: Iterable[str] = (),
    context_entries: str | None = None,
    mfa: Mfa | None = None,
    custom: Custom = Custom(),
    engine: str = "evaluator",
    allow_unknown_action: bool = False,
    progress: Callable[[int, int, str], None] | None = None,
    strict: bool = False,
    left_out: list[InputError] | None = None,
    size_limit: bool = True,
) -> list[Result]:
    """The `simulate` command's one call: snapshot mode with a SNAPSHOT (and `principal`),
    else custom mode from `custom`'s files; an option of the other mode is bad input. The
    results come in the order asked, unknown actions decided `unknown`; `left_out` receives
    the snapshot's unreadable optional files (none with `strict`: they are bad input);
    `size_limit=False` reads policy documents above AWS's size limits."""
    asked = checked_request("simulate", actions, resources, allow_unknown_action)
    refuse_patterns(asked.known)
    known = list(asked.known)
    ctx = parse_context_pairs(list(context))
    if context_entries:
        ctx += parse_context_entries(context_entries)
    if snapshot is not None:
        given = custom.given()
        if given:
            raise InputError("simulate", "$", f"--{given[0]} is for custom mode (without SNAPSHOT)")
        if not principal:
            raise InputError("simulate", "$", "snapshot mode needs --principal ARN")
        snap = load_snapshot(snapshot, progress, strict=strict, size_limit=size_limit)
        if left_out is not None:
            left_out.extend(snap.unreadable)
        find_principal(snap, principal)
        results = snapshot_case(snap, principal, known, resources, ctx, mfa, engine)
    else:
        if principal:
            raise InputError(
                "simulate", "$", "--principal needs a SNAPSHOT; in custom mode use --caller-arn"
            )
        limited = {"size_limit": size_limit}
        results = custom_case(
            identity=[
                p
                for f in custom.identity_policy
                for p in load_policy_file(f, PolicyKind.IDENTITY, **limited)
            ],
            boundary=policy_from_file(custom.boundary, PolicyKind.BOUNDARY, **limited),
            session=policy_from_file(custom.session_policy, PolicyKind.SESSION, **limited),
            resource_policy=policy_from_file(custom.resource_policy, None, **limited),
            scp_levels=[policy_level(lv, PolicyKind.SCP, **limited) for lv in custom.scp_level],
            rcp_levels=[policy_level(lv, PolicyKind.RCP, **limited) for lv in custom.rcp_level],
            caller_arn=custom.caller_arn,
            caller_role_arn=custom.caller_role_arn,
            resource_owner=custom.resource_owner,
            management_account=custom.management_account,
            service_linked=custom.service_linked,
            actions=known,
            resources=resources,
            context=ctx,
            mfa=mfa,
            engine=engine,
        )
    return with_unknown_actions(results, actions, resources, asked)


def any_unknown(results: list[Result]) -> bool:
    """Whether some request could not be decided (exit code 3)."""
    return any(r.decision.outcome is Outcome.UNKNOWN for r in results)
