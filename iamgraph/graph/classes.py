"""Resources a principal's question cannot tell apart, so one solved question serves them all.

The graph asks the same question of one source for every target of a method: may it pass this
role, create keys for this user. Each asked alone costs a solver call (about a millisecond), and
a method's targets in an account number in the hundreds. The evaluator's decision on a concrete
request depends on the resource only through which statements' Resource (or NotResource)
patterns match it (P3), which layers apply (its account: SCPs, RCPs, E6-E9), the resource
policy (none here: resources with one are left out), and the context keys the resource fixes
(`gather.credential_context`: aws:ResourceAccount, its organization path). Two resources alike
in all of these are decided alike for every request, so a proof for one is a proof for the
other, and a witness for one becomes a witness for the other by changing its resource, which
the evaluator then replays (`solvers.properties.moved`).

`signature` is that likeness, for one source, set of changes and action (the caller keys on
those too); None where it cannot vouch for it (a pattern with a policy
variable, a condition on the resource's tags, a wildcard resource, an unresolved policy).
"""

from __future__ import annotations

from collections.abc import Callable

from iamgraph.evaluate.gather import Mfa, credential_context, policies_for
from iamgraph.evaluate.layers import PolicySet
from iamgraph.evaluate.matching import action_matches, resource_matches
from iamgraph.evaluate.request import Request
from iamgraph.model.snapshot import Snapshot

Signature = tuple


def signature(
    snap: Snapshot,
    source: str,
    action: str,
    resource: str,
    transform: Callable[[PolicySet], PolicySet] | None = None,
) -> Signature | None:
    """What the decision of `source` doing `action` on `resource` reads of the resource."""
    if "*" in resource or "?" in resource:
        return None
    ps = policies_for(snap, source, action, resource)
    ps = transform(ps) if transform else ps
    if ps.resource_policy is not None or ps.resource_policy_required or ps.unresolved:
        return None
    probe = Request.build(action, resource, [])
    matched: list[bool | None] = []
    for policy in ps.policies():
        for st in policy.statements:
            if action_matches(st.actions, action) == st.not_action:
                continue  # never applies to the action, whatever the resource
            if any("resourcetag/" in c.key.lower() for c in st.conditions):
                return None
            if st.resources is None:
                matched.append(None)
                continue
            if any("${" in r for r in st.resources):
                return None
            hit = resource_matches(st.resources, resource, probe, variables=False)
            matched.append(hit != st.not_resource)
    fixed = tuple(credential_context(snap, source, resource, Mfa.NO_MFA))
    # with the source, its changes and the action (the caller's key), the resource's account
    # settles which policies apply, in which order (`matched` lines up)
    return (ps.resource_account, tuple(matched), fixed)
