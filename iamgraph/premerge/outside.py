"""`ask` questions about "anyone outside the organization": who outside can make a request.

The snapshot holds no principal outside the organization, so the answer is built from the two
ways it can show an outsider getting in, each row a caller or a role:

1. Directly, through the resource's own policy (a bucket, key or topic policy; a role's trust
   for `sts:AssumeRole`): the solver asks it for the callers `premerge.exposure` asks about
   (each outside account the policy names, an account nobody names, anonymous), their own
   account granting them anything (E17), the RCPs above the resource applying (E9). A row per
   caller shown able (a replayed witness) or left open (`unknown`).
2. Through a role of the snapshot an outsider can assume (`exposure.foreign_trust`: a trust
   naming an outside account or `*`, solver-checked), then over paths as `who-can` answers for
   that role. A row per such role: reachable when the outsider's way in and the role's way on
   are both shown (with the MFA the question asks of the session the outsider obtains),
   proven-unreachable when the role itself cannot, else `unknown`. A role trusting an identity
   provider is `unknown` unless the role cannot: whether the provider's users are outside the
   organization is not in the snapshot.

Anything the snapshot cannot show is `unknown` with its reason, never "no": a resource whose
policy was not collected, an ARN pattern or a service whose resource policies are not modelled,
an account of the organization whose IAM the snapshot lacks (its roles may let outsiders in).
"No row" means proven: relative to resource and trust policies (S3 ACLs are not in the
snapshot, as for `exposure`) and the escalation methods.
"""

from __future__ import annotations

from dataclasses import replace

from iamgraph.evaluate.gather import Mfa
from iamgraph.evaluate.request import Caller, CallerType
from iamgraph.model.policy import Effect
from iamgraph.model.principals import PrincipalKind
from iamgraph.model.snapshot import Snapshot
from iamgraph.premerge.exposure import caller_request, foreign_trust, inside
from iamgraph.premerge.policy_diff import callers_of
from iamgraph.query.answer import Answered, Progress, ask
from iamgraph.query.principals import Filter
from iamgraph.query.reach import Reach, proof_note
from iamgraph.verdict import DEFAULT_TIMEOUT_MS, Answer, Verdict

MODES = {
    None: (Mfa.LONG_TERM_KEYS, Mfa.MFA),
    "no-mfa": (Mfa.LONG_TERM_KEYS,),
    "mfa": (Mfa.MFA,),
}
SESSION_FITS = {None: {"keys", "no-mfa", "mfa"}, "no-mfa": {"keys", "no-mfa"}, "mfa": {"mfa"}}


def from_outside(
    snap: Snapshot,
    answered: Answered,
    timeout_ms: int = DEFAULT_TIMEOUT_MS,
    progress: Progress = None,
) -> Answered:
    """The answer for principals outside the organization to the question `answered` holds
    (`answer.ask_question` leaves it to this layer): the rows of (1) and (2) above, and how
    each gets in as the answer's notes."""
    query = answered.query
    rows: list[Reach] = []
    notes: list[str] = []
    for check in query.checks:
        for resource in check.resources:
            for action in check.actions:
                if action not in answered.asked.unknown:
                    rows += _direct(snap, action, resource, query.mfa, timeout_ms, notes)

    def role_reach(role: str) -> Reach:
        one = replace(query, principal=role, command="can", filter=Filter())
        reply = ask(snap, one, asked=answered.asked, timeout_ms=timeout_ms, progress=progress)
        return reply.reaches[0]

    exposed = foreign_trust(snap, timeout_ms, named_only=True)
    rows += _through_roles(snap, exposed, role_reach, query.mfa, notes)
    rows += _unheld_accounts(snap)
    merged: dict[str, Reach] = {}
    for r in rows:  # one row per caller or role: reachable wins, then unknown
        old = merged.get(r.answer.principal)
        if old is None or _rank(r) < _rank(old):
            merged[r.answer.principal] = r
    if not merged:
        notes.append("no resource policy or role trust of the snapshot lets anyone outside in")
        notes.append(f"proof: {proof_note()}; S3 ACLs are not in the snapshot")
    return replace(answered, reaches=tuple(merged.values()), notes=tuple(dict.fromkeys(notes)))


def _rank(r: Reach) -> int:
    return {Verdict.REACHABLE: 0, Verdict.UNKNOWN: 1, Verdict.UNREACHABLE: 2}[r.answer.verdict]


def _direct(snap, action, resource, mfa, timeout_ms, notes) -> list[Reach]:
    """(1): the outside callers the resource's own policy lets in."""
    found = _policy_of(snap, resource)
    if isinstance(found, str):
        return [Reach(Answer(resource, Verdict.UNKNOWN, None, (found,)))]
    if found is None:
        return []  # no resource policy: no way in but a role (E17)
    policy, account = found
    ours = inside(snap)
    out = []
    for caller in callers_of([policy]):
        if not _outsider(caller, ours):
            continue
        answer = caller_request(
            snap, policy, account, caller, action, resource, timeout_ms, MODES[mfa]
        )
        if answer is None:
            continue
        if answer.verdict is Verdict.REACHABLE:
            notes.append(f"{caller.arn}: let in by the policy of {resource}")
        out.append(Reach(replace(answer, principal=caller.arn)))
    return out


def _outsider(caller: Caller, ours: frozenset[str]) -> bool:
    return caller.type is CallerType.ANONYMOUS or (caller.is_iam and caller.account not in ours)


def _policy_of(snap: Snapshot, resource: str):
    """(policy, account) of the resource, None when it has none (a trail), or why unknown."""
    parts = resource.split(":", 5)
    service = parts[2] if len(parts) == 6 else ""
    rest = parts[5] if len(parts) == 6 else ""
    if service == "cloudtrail":
        return None
    named = rest.split("/", 1)[0] if service == "s3" else resource.replace(":*:", ":")
    if "*" in named or "?" in named:
        return f"{resource}: an ARN pattern; outside callers are asked about named resources"
    if service == "s3":
        bucket = snap.bucket(rest.split("/", 1)[0])
        if bucket is None or (bucket.policy is None and not bucket.has_policy_file):
            return f"the policy of bucket {rest.split('/', 1)[0]} is not in the snapshot"
        return (bucket.policy, bucket.account) if bucket.policy else None
    if service == "kms":
        key = snap.kms_key(resource)
        if key is None or key.policy is None:
            return f"the key policy of {resource} is not in the snapshot"
        return key.policy, key.account
    if service == "sns":
        topic = snap.topic(resource)
        if topic is None or topic.policy is None:
            return f"the policy of topic {resource} is not in the snapshot"
        return topic.policy, topic.account
    if service == "iam" and rest.startswith("role/"):
        role = snap.principals.get(resource)
        if role is None or role.trust is None:
            return f"the trust policy of {resource} is not in the snapshot"
        return role.trust, role.account
    return f"{resource}: resource policies of {service or 'this service'} are not modelled"


def _through_roles(snap, exposed, role_reach, mfa, notes) -> list[Reach]:
    """(2): roles an outsider can assume, answered by what the role can do over paths."""
    out = []
    for e in exposed:
        role = role_reach(e.resource)
        way_in = e.answer
        if role.answer.verdict is Verdict.UNREACHABLE:
            out.append(role)
            continue
        if way_in.verdict is Verdict.REACHABLE and way_in.witness is not None:
            if way_in.witness.mfa not in SESSION_FITS[mfa]:
                why = f"{e.caller} assumes {e.resource} only with MFA, the question asks without"
                out.append(_unknown(role, why))
                continue
            if role.answer.verdict is Verdict.REACHABLE:
                notes.append(f"{e.resource}: assumable from outside by {e.caller}")
                out.append(role)
                continue
        reasons = [*way_in.reasons, *role.answer.reasons]
        if way_in.verdict is not Verdict.REACHABLE:
            reasons.insert(0, f"whether {e.caller} can assume {e.resource} is not decided")
        out.append(_unknown(role, *reasons))
    for arn, provider in _federated(snap):
        role = role_reach(arn)
        if role.answer.verdict is Verdict.UNREACHABLE:
            continue
        why = (
            f"{arn} trusts identity provider {provider}: whether its users are outside "
            "the organization is not in the snapshot"
        )
        out.append(_unknown(role, why))
    return out


def _federated(snap: Snapshot) -> list[tuple[str, str]]:
    out = []
    for p in snap.principals.values():
        if p.kind is not PrincipalKind.ROLE or p.trust is None:
            continue
        for st in p.trust.statements:
            if st.effect is Effect.ALLOW and st.principal is not None and st.principal.federated:
                out += [(p.arn, f) for f in st.principal.federated]
    return out


def _unheld_accounts(snap: Snapshot) -> list[Reach]:
    """An account of the organization whose IAM the snapshot lacks: its roles may let anyone
    in, and what they can do is not known."""
    org = snap.organization
    if org is None:
        return []
    held = {a for a, data in snap.accounts.items() if data.has_iam}
    return [
        Reach(
            Answer(
                f"arn:aws:iam::{a}:root",
                Verdict.UNKNOWN,
                None,
                (f"account {a}'s IAM is not in the snapshot: its roles may admit outsiders",),
            )
        )
        for a in sorted(org.accounts)
        if a not in held
    ]


def _unknown(role: Reach, *reasons: str) -> Reach:
    a = role.answer
    answer = Answer(a.principal, Verdict.UNKNOWN, None, tuple(dict.fromkeys(reasons)), a.seconds)
    return Reach(answer, role.hops, role.start)
