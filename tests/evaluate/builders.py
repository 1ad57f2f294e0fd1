"""Small builders for evaluator tests: policies from dicts, callers, requests, policy sets."""

from __future__ import annotations

from iamgraph.evaluate.layers import Decision, Level, PolicySet, decide
from iamgraph.evaluate.request import Caller, CallerType, ContextValue, Request
from iamgraph.model.policy import Policy, PolicyKind, parse_policy
from iamgraph.model.source import SourceRef

ACCOUNT = "111122223333"
OTHER = "444455556666"
USER = f"arn:aws:iam::{ACCOUNT}:user/alice"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/app"
SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/app/run-1"
BUCKET = "arn:aws:s3:::acme-data"
OBJECT = "arn:aws:s3:::acme-data/reports/q1.csv"


def policy(
    *statements: dict, kind: str = "identity", version: str | None = "2012-10-17", name: str = ""
) -> Policy:
    doc: dict = {"Statement": list(statements)}
    if version:
        doc["Version"] = version
    k = PolicyKind(kind)
    return parse_policy(
        doc, kind=k, source=SourceRef(f"{name or k.value}.json"), name=name or k.value
    )


def allow(action="*", resource="*", **extra) -> dict:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action="*", resource="*", **extra) -> dict:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def grant(principal, action="*", effect="Allow", resource=None, **extra) -> dict:
    """A resource-policy statement naming `principal` ("*" or an AWS principal string)."""
    st = {
        "Effect": effect,
        "Principal": principal if principal == "*" else {"AWS": principal},
        "Action": action,
    }
    if resource:
        st["Resource"] = resource
    return {**st, **extra}


def caller(arn: str = USER, **facts) -> Caller:
    c = Caller.from_arn(arn)
    return Caller(c.arn, c.type, c.account, c.role_arn, **facts)


def request(action: str, resource: str = OBJECT, **context) -> Request:
    """`context` maps key names (use __ for ':' and ___ for '/') to a string or a list."""
    entries = []
    for key, value in context.items():
        name = key.replace("___", "/").replace("__", ":")
        values = tuple(value) if isinstance(value, list | tuple) else (value,)
        entries.append((name, ContextValue(values, multi=isinstance(value, list | tuple))))
    return Request.build(action, resource, entries)


def ctx(pairs: dict[str, str | list[str]]) -> list[tuple[str, ContextValue]]:
    """Context entries from real key names: {"aws:SourceIp": "203.0.113.7"}."""
    return [
        (k, ContextValue(tuple(v) if isinstance(v, list) else (v,), multi=isinstance(v, list)))
        for k, v in pairs.items()
    ]


def levels(*per_level: tuple[Policy, ...]) -> tuple[Level, ...]:
    return tuple(Level(f"node-{i}", f"level {i}", tuple(ps)) for i, ps in enumerate(per_level))


def run(
    req: Request,
    *,
    identity=(),
    who: Caller | None = None,
    resource_account: str | None = ACCOUNT,
    **layers,
) -> Decision:
    """Decide `req` for `who` (default alice in ACCOUNT) with the given layers."""
    ps = PolicySet(
        caller=who or caller(),
        resource_account=resource_account,
        identity=tuple(identity),
        **layers,
    )
    return decide(ps, req)


def outcome(decision: Decision) -> str:
    return decision.outcome.value


def federated(provider: str) -> Caller:
    """A caller of AssumeRoleWithWebIdentity/AssumeRoleWithSAML, known by its provider (T2, T3):
    a well-known IdP name, an OIDC provider ARN or a SAML provider ARN."""
    return Caller(provider, CallerType.WEB_IDENTITY)


def anonymous() -> Caller:
    """An unsigned request (P8: only `"*"` names it)."""
    return Caller("anonymous", CallerType.ANONYMOUS)


def request_with(action: str, resource: str, context: dict[str, str | list[str]]) -> Request:
    """A request whose context uses real key names; a list value makes a multivalued key."""
    return Request.build(action, resource, ctx(context))
