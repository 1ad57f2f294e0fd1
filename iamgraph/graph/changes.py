"""Configuration changes an escalation step makes to a principal it holds, and what they do to
that principal's layers.

A state of the search is a principal, its credential's MFA mode and the changes made to it so
far: groups joined, policies attached or written, a policy version made default, a boundary
removed or replaced. The principal's permissions in that state are its snapshot layers with the
changes applied, so further steps are asked with the permissions gained on the way (issue 14:
joining a non-admin group that may attach policies is the first of two hops to admin).

A change is *monotone* when it can only widen what the principal may do: it adds Allow
statements and no Deny (E2: a Deny could take something away), or it removes the boundary
(E10: a boundary only narrows). The search applies every available monotone change at once
(the principal with all of them can do whatever it could with any subset), and explores the
others one by one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from iamgraph.evaluate.layers import PolicySet
from iamgraph.graph.admin import ALLOW_ALL
from iamgraph.model.policy import Effect, Policy
from iamgraph.model.snapshot import Snapshot

ADMIN_POLICY = "arn:aws:iam::aws:policy/AdministratorAccess"  # in every account (AWS managed)

EVERYTHING = ALLOW_ALL  # what a policy of the attacker's own choosing allows


class ChangeKind(StrEnum):
    # Put*Policy (`ref`: the user, group or role, whose inline policies it may overwrite),
    # CreatePolicyVersion (`ref`: the managed policy it rewrites), attaching AdministratorAccess
    EVERYTHING = "a policy of its own choosing"
    GROUP = "joined group"
    POLICY = "policy attached"
    VERSION = "policy version made default"
    NO_BOUNDARY = "permissions boundary removed"
    BOUNDARY = "permissions boundary set to"
    # not a step: the bound a search proves with (`graph.bound`), at least every other change
    # could give: its identity policies replaced by everything, its boundary gone
    TOP = "every identity permission, no boundary"


@dataclass(frozen=True, order=True)
class Change:
    kind: ChangeKind
    ref: str = ""  # the group or managed policy ARN
    version: str = ""  # VERSION: the version made default

    def describe(self) -> str:
        if self.kind in (ChangeKind.EVERYTHING, ChangeKind.NO_BOUNDARY, ChangeKind.TOP):
            return str(self.kind)
        name = self.ref.rsplit("/", 1)[-1]
        return f"{self.kind} {name}" + (f" {self.version}" if self.version else "")


Gains = tuple[Change, ...]  # sorted, no duplicates: a state's key


def add(gains: Gains, *changes: Change) -> Gains:
    """`gains` with `changes`; a VERSION or BOUNDARY replaces an earlier one of its policy."""
    out = set(gains)
    for c in changes:
        if c.kind is ChangeKind.VERSION:
            out = {o for o in out if not (o.kind is ChangeKind.VERSION and o.ref == c.ref)}
        if c.kind in (ChangeKind.BOUNDARY, ChangeKind.NO_BOUNDARY):
            out = {o for o in out if o.kind not in (ChangeKind.BOUNDARY, ChangeKind.NO_BOUNDARY)}
        out.add(c)
    return tuple(sorted(out))


def documents(snap: Snapshot, change: Change) -> tuple[Policy, ...] | None:
    """The policies a change adds to the identity layer (None: a text the snapshot lacks)."""
    if change.kind in (ChangeKind.EVERYTHING, ChangeKind.TOP):
        return (EVERYTHING,)
    if change.kind is ChangeKind.GROUP:
        group = snap.groups.get(change.ref)
        if group is None:
            return None
        docs = [snap.managed_policies.get(m) for m in group.attached]
        if any(d is None or d.document is None for d in docs):
            return None
        return (*group.inline, *(d.document for d in docs))
    if change.kind in (ChangeKind.POLICY, ChangeKind.BOUNDARY):
        mp = snap.managed_policies.get(change.ref)
        return (mp.document,) if mp is not None and mp.document is not None else None
    if change.kind is ChangeKind.VERSION:
        mp = snap.managed_policies.get(change.ref)
        doc = dict(mp.other_versions).get(change.version) if mp else None
        return (doc,) if doc is not None else None
    return ()


def monotone(snap: Snapshot, change: Change) -> bool:
    """Can the change only widen the principal's permissions?"""
    if change.kind in (ChangeKind.NO_BOUNDARY, ChangeKind.TOP):
        return True
    if change.kind in (ChangeKind.VERSION, ChangeKind.BOUNDARY):
        return False  # a replacement: what the old text allowed may be lost
    docs = documents(snap, change)
    return docs is not None and not any(
        st.effect is Effect.DENY for d in docs for st in d.statements
    )


def apply(snap: Snapshot, ps: PolicySet, gains: Gains) -> PolicySet:
    """The principal's layers after `gains` (E10 for boundaries, G1 for groups)."""
    if not gains:
        return ps
    identity = list(ps.identity)
    boundary = ps.boundary
    unresolved = list(ps.unresolved)
    for c in gains:
        docs = documents(snap, c)
        if docs is None:
            unresolved.append(f"the text of {c.ref} (gained: {c.describe()})")
            continue
        if c.kind is ChangeKind.NO_BOUNDARY:
            boundary = None
        elif c.kind is ChangeKind.TOP:  # Deny statements of its own go too: an upper bound
            identity, boundary = [EVERYTHING], None
        elif c.kind is ChangeKind.BOUNDARY:
            boundary = docs[0]
        elif c.kind is ChangeKind.VERSION:
            default = snap.managed_policies[c.ref].document
            identity = [docs[0] if p is default else p for p in identity]
            boundary = docs[0] if boundary is not None and boundary is default else boundary
        elif c.kind is ChangeKind.EVERYTHING and c.ref in snap.managed_policies:
            # CreatePolicyVersion: the policy's text becomes everything, where it stands
            default = snap.managed_policies[c.ref].document
            identity = [EVERYTHING if p is default else p for p in identity]
            boundary = None if boundary is not None and boundary is default else boundary
        else:
            gone = _overwritten(snap, c)
            identity = [p for p in identity if not any(p is g for g in gone)]
            identity += [d for d in docs if not any(d is p for p in identity)]
    return replace(ps, identity=tuple(identity), boundary=boundary, unresolved=tuple(unresolved))


def _overwritten(snap: Snapshot, change: Change) -> tuple[Policy, ...]:
    """What Put*Policy replaces: every inline policy of the user, group or role (a policy
    written under an existing name overwrites it, Deny statements and all)."""
    if change.kind is not ChangeKind.EVERYTHING or not change.ref:
        return ()
    group = snap.groups.get(change.ref)
    if group is not None:
        return group.inline
    p = snap.principals.get(change.ref)
    entity = p and (p.user or p.role)
    return tuple(entity.inline) if entity else ()


def transform(snap: Snapshot, gains: Gains):
    """`apply` as the `transform` argument of `solvers.properties.can` (None without gains)."""
    if not gains:
        return None
    return lambda ps: apply(snap, ps, gains)
