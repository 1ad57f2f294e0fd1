"""What a question ranges over, before any z3 is built: the actions of a query as catalog id
sets (one per service), the resources of `*` (one ARN pattern per resource type the actions
take), a role pattern split into the roles the snapshot holds and the rest, and the ARNs a
witness should prefer. z3-free, so callers that only expand a query do not load z3.
"""

from __future__ import annotations

import re
from functools import lru_cache

from iamgraph.catalog import catalog, merge_ids
from iamgraph.evaluate.matching import Uncertain, resource_matches
from iamgraph.evaluate.request import Request
from iamgraph.model.snapshot import Snapshot

ActionSet = str | tuple[tuple[int, int], ...]  # one action name, or catalog id intervals


def action_groups(actions: list[str]) -> tuple[tuple[ActionSet, str], ...]:
    """Concrete actions one by one; patterns as catalog id sets grouped by service (the
    service decides which resource policy and RCPs apply)."""
    return _action_groups(tuple(actions))


@lru_cache(maxsize=4096)  # the graph asks the same few action lists thousands of times
def _action_groups(actions: tuple[str, ...]) -> tuple[tuple[ActionSet, str], ...]:
    cat = catalog()
    out: list[tuple[ActionSet, str]] = []
    by_service: dict[str, list[tuple[int, int]]] = {}
    for a in actions:
        if not any(c in a for c in "*?"):
            out.append((a, a))
            continue
        for lo, hi in cat.intervals(a):
            for i in range(lo, hi):
                svc = cat.actions[i].service
                by_service.setdefault(svc, []).append((i, i + 1))
    for spans in by_service.values():
        ids = sorted({i for lo, hi in spans for i in range(lo, hi)})
        out.append((tuple(merge_ids(ids)), cat.actions[ids[0]].full_name))
    return tuple(out)


def expand_star(action_set: ActionSet, resources: list[str]) -> list[str]:
    """`*` as a query resource means any resource the actions take: one ARN pattern per
    catalog resource type (`arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}` becomes
    `arn:aws:iam::*:role/*`), and `*` itself for actions that take no resource type."""
    if "*" not in resources:
        return resources
    return [r for r in resources if r != "*"] + list(_star_patterns(action_set))


@lru_cache(maxsize=4096)
def _star_patterns(action_set: ActionSet) -> tuple[str, ...]:
    cat = catalog()
    ids = (
        [cat.lookup(action_set).id]
        if isinstance(action_set, str) and cat.lookup(action_set)
        else []
    )
    if not isinstance(action_set, str):
        ids = [i for lo, hi in action_set for i in range(lo, hi)]
    patterns: dict[str, None] = {}
    for i in ids:
        info = cat.actions[i]
        types = cat.resource_types(info.service)
        for name, _required in info.resource_types:
            if name in types:
                patterns[template_glob(types[name].arn_template)] = None
        if not any(required for _, required in info.resource_types):
            patterns["*"] = None
    if not ids:
        patterns["*"] = None
    return tuple(patterns)


@lru_cache(maxsize=8192)
def template_glob(template: str) -> str:
    """A catalog ARN template as an ARN pattern: `aws` for the partition, `*` for the rest."""
    return re.sub(r"\$\{(\w+)\}", lambda m: "aws" if m.group(1) == "Partition" else "*", template)


def wild(resource: str) -> bool:
    """An ARN pattern; the bare "*" is the resource of actions without resource-level
    permissions, which a request names literally."""
    return resource != "*" and any(c in resource for c in "*?")


def representative(resource: str) -> str:
    """One ARN the pattern matches, for gathering the layers that apply to it."""
    return resource.replace("*", "x").replace("?", "x")


def outside(resource: str) -> str:
    """A role ARN the pattern matches in an account the snapshot does not list (its trust
    policy is then unknown: the answer can be proven only where the identity side decides)."""
    parts = representative(resource).split(":", 5)
    if not parts[4].isdigit():
        digits = resource.split(":", 5)[4].replace("?", "0")
        parts[4] = digits.replace("*", "0" * max(0, 13 - len(digits)), 1).replace("*", "")
    return ":".join(parts)


def split_roles(
    snap: Snapshot, action: str, resource: str
) -> list[tuple[str, tuple[str, ...], bool]]:
    """A pattern of roles for an STS action: each role's trust policy is its own resource
    policy, so every role of the snapshot the pattern matches is asked on its own, and the
    pattern itself only for roles the snapshot cannot list (accounts without IAM data),
    with the known ones excluded."""
    if not (
        wild(resource)
        and action.lower().startswith("sts:")
        and resource.startswith("arn:aws:iam::")
        and ":role/" in resource
    ):
        return [(resource, (), False)]
    known = tuple(
        arn
        for arn, p in snap.principals.items()
        if p.role is not None and _pattern_holds(resource, arn)
    )
    parts = [(arn, (), False) for arn in known]
    account = resource.split(":", 5)[4]
    complete = {a for a, data in snap.accounts.items() if data.has_iam}
    if any(c in account for c in "*?") or account not in complete:
        parts.append((resource, known, True))
    return parts


def _pattern_holds(pattern: str, arn: str) -> bool:
    try:
        return resource_matches((pattern,), arn, Request.build("sts:AssumeRole", arn), False)
    except Uncertain:
        return True


def known_for(snap: Snapshot, query: str, exclude: tuple[str, ...] = ()) -> list[str]:
    """The snapshot's ARNs a witness for `query` may prefer: only for a pattern (a concrete
    ARN needs none), and only those in the service and account the pattern names literally
    (P3: those segments hold no wildcard, so no other ARN can match), in `known_arns` order.
    A lookup, not a scan of every ARN per question (quadratic in an organization)."""
    if not wild(query):
        return []
    index = snap.memo.get("known_arns")
    if index is None:
        index = {}
        for arn in known_arns(snap):
            parts = arn.split(":", 5)
            service, account = (parts[2], parts[4]) if len(parts) == 6 else (None, None)
            for key in {(None, None), (service, None), (service, account)}:
                index.setdefault(key, []).append(arn)
        snap.memo["known_arns"] = index
    parts = query.split(":", 5)
    literal = [None if len(parts) != 6 or wild(parts[i]) else parts[i] for i in (2, 4)]
    service, account = literal if literal[0] is not None else (None, None)
    found = index.get((service, account), [])
    return [a for a in found if a not in exclude] if exclude else list(found)


def known_arns(snap: Snapshot) -> list[str]:
    """ARNs the snapshot holds, which a witness prefers over made-up ones."""
    arns = list(snap.principals) + list(snap.trails)
    for data in snap.accounts.values():
        arns += [b.arn for b in data.buckets.values()] + list(data.topics)
        arns += [r.arn for r in data.inventory.runners]  # functions, instances, stacks, ...
    return arns
