"""The object phrases of a question: what is acted on, as a kind and ARNs.

    object = "the trail" [ "bucket" | "key" | "topic" ] | "the log bucket|key|topic"
           | "trail" NAME | "bucket" NAME | "key" ID | "topic" NAME | "role" NAME
           | "any" ( "role" | "bucket" | "key" | "topic" | "trail" ) | "a role"
           | NAME | ARN | ARN-PATTERN ;

`the trail` is the organization trail if the snapshot has exactly one, else every trail; `the
trail bucket` / `key` / `topic` (or `the log bucket`, ...) are where those trails deliver. A
bare NAME is whatever trail, bucket, topic or role of the snapshot has that name: every one of
them when several roles share it (an object, unlike a subject, may be several resources:
"who can assume BreakGlassAdmin" asks about each BreakGlassAdmin role). An ARN is read by its
service; `any role` and friends are ARN patterns over every account.
"""

from __future__ import annotations

from dataclasses import dataclass

from iamgraph.catalog import resource_problem
from iamgraph.model.cloudtrail import Trail
from iamgraph.model.principals import PrincipalKind
from iamgraph.model.snapshot import Snapshot
from iamgraph.query.words import Stuck, Words

EXPECT_OBJECT = (
    "the trail, trail NAME, the trail bucket, the trail key, the trail topic, bucket NAME, "
    "an ARN or ARN pattern"
)
DELIVERY = ("bucket", "key", "topic")
# "the log bucket", "the cloudtrail key", "the logging topic": the trail's
TRAIL_WORDS = ("trail", "log", "logging", "cloudtrail", "audit")
ANY_ARN = {
    "role": "arn:aws:iam::*:role/*",
    "bucket": "arn:aws:s3:::*",
    "key": "arn:aws:kms:*:*:key/*",
    "topic": "arn:aws:sns:*:*:*",
    "trail": "arn:aws:cloudtrail:*:*:trail/*",
}
# words that end an object phrase (a filter or MFA clause follows)
STOP = frozenset({"without", "with", "in", "outside", "from", "non-mfa", "to", "no", "under"})


@dataclass(frozen=True)
class Target:
    """What an OBJECT phrase names: a kind (trail, bucket, object, key, topic, role, other),
    ARNs."""

    kind: str
    arns: tuple[str, ...]
    described: str  # in words, for the answer's first lines


def the_trails(snap: Snapshot, start: int) -> list[Trail]:
    trails = sorted(snap.trails.values(), key=lambda t: t.arn)
    org = [t for t in trails if t.organization_trail]
    if len(org) == 1:
        return org
    if not trails:
        raise Stuck(start, "the snapshot has no trail")
    return trails


def trails_described(trails: list[Trail]) -> str:
    if len(trails) == 1 and trails[0].organization_trail:
        return f"the trail: the organization trail {trails[0].name}"
    return f"the trail: every trail of the snapshot ({len(trails)})"


def trail_target(snap: Snapshot, start: int = 0) -> Target:
    trails = the_trails(snap, start)
    return Target("trail", tuple(t.arn for t in trails), trails_described(trails))


def delivery(snap: Snapshot, trails: list[Trail], part: str, start: int) -> Target:
    arns: list[str] = []
    for t in trails:
        found = snap.trail_resources(t)
        if part == "bucket" and t.s3_bucket:
            arns.append(found.bucket.arn if found.bucket else f"arn:aws:s3:::{t.s3_bucket}")
        elif part == "key" and t.kms_key_id:
            key = t.kms_key_id
            if not key.startswith("arn:"):
                owner = found.key.account if found.key else t.account
                key = f"arn:aws:kms:{t.home_region}:{owner}:key/{key}"
            arns.append(key)
        elif part == "topic" and t.sns_topic_arn:
            arns.append(found.topic.arn if found.topic else t.sns_topic_arn)
    names = ", ".join(t.name for t in trails)
    if not arns:
        raise Stuck(start, f"the trail ({names}) has no {part}")
    return Target(part, tuple(dict.fromkeys(arns)), f"the trail {part}: the {part} of {names}")


def target(w: Words, snap: Snapshot, implied: str | None = None) -> Target:
    """The object phrase at the cursor; `implied` ("trail") when the verb names its object
    and none follows."""
    start = w.pos
    if implied and (w.at_end() or w.peek() in STOP):
        return trail_target(snap, start)
    word = w.peek()
    if word in TRAIL_WORDS and w.peek(1) in DELIVERY:
        w.pos += 2
        return delivery(snap, the_trails(snap, start), w.tokens[w.pos - 1].norm, start)
    if word == "trail":
        article = w.tokens[w.pos].start < w.tokens[w.pos].end - 1  # "the trail", not "trail X"
        w.take()
        name = w.raw() if not w.at_end() and w.peek() not in STOP else ""
        if not name or (article and not any(name in (t.name, t.arn) for t in snap.trails.values())):
            return trail_target(snap, start)
        w.take()
        return _trail_named(snap, name, start)
    if word == "any" and w.peek(1) in ANY_ARN:
        w.pos += 2
        kind = w.tokens[w.pos - 1].norm
        return Target(kind, (ANY_ARN[kind],), f"any {kind}: {ANY_ARN[kind]}")
    if word in ("role", "bucket", "key", "topic"):
        w.take()
        if w.at_end() or w.peek() in STOP:
            if word == "role":  # "pass a role to lambda"
                return Target("role", (ANY_ARN["role"],), f"any role: {ANY_ARN['role']}")
            raise Stuck(start, f"expected a {word} name after '{word}'", expects="object")
        name = w.raw()
        if name.startswith("arn:"):
            return _arn(w, start)
        w.take()
        return _named(snap, word, name, start)
    if word.startswith("arn:"):
        return _arn(w, start)
    if word and word not in STOP:
        found = _bare(snap, w.raw())
        if found is not None:
            w.take()
            return found
    raise Stuck(start, f"expected: {EXPECT_OBJECT}", expects="object")


def _arn(w: Words, start: int) -> Target:
    arn = w.take()
    problem = resource_problem(arn)
    if problem is not None:
        raise Stuck(start, problem.message, w.pos)
    kind = arn_kind(arn)
    return Target(kind, (arn,), f"{arn} (a {kind} ARN)" if kind != "other" else arn)


def _trail_named(snap: Snapshot, name: str, start: int) -> Target:
    found = sorted(t.arn for t in snap.trails.values() if name in (t.name, t.arn))
    if not found:
        known = ", ".join(sorted({t.name for t in snap.trails.values()})) or "none"
        raise Stuck(
            start, f"no trail named {name} in the snapshot (trails: {known})", expects="object"
        )
    if len(found) > 1:
        raise Stuck(start, f"trail {name} is ambiguous, give its ARN: {', '.join(found)}")
    return Target("trail", tuple(found), f"trail {name}: {found[0]}")


def _named(snap: Snapshot, kind: str, name: str, start: int) -> Target:
    """`bucket NAME`, `key ID`, `topic NAME`, `role NAME`."""
    if kind == "bucket":
        return Target("bucket", (f"arn:aws:s3:::{name}",), f"bucket {name}")
    found = _resources(snap, kind, name)
    if not found:
        raise Stuck(start, f"no {kind} named {name} in the snapshot", expects="object")
    return Target(kind, found, _described(kind, name, found))


def _bare(snap: Snapshot, name: str) -> Target | None:
    """A NAME alone: the trail, bucket, topic, key or role(s) of the snapshot called so."""
    for kind in ("trail", "bucket", "topic", "key", "role"):
        if kind == "trail":
            if any(name == t.name for t in snap.trails.values()):
                return _trail_named(snap, name, 0)
            continue
        if kind == "bucket":
            if snap.bucket(name) is not None:
                return Target("bucket", (f"arn:aws:s3:::{name}",), f"bucket {name}")
            continue
        found = _resources(snap, kind, name)
        if found:
            return Target(kind, found, _described(kind, name, found))
    return None


def _resources(snap: Snapshot, kind: str, name: str) -> tuple[str, ...]:
    if kind == "role":
        return tuple(
            sorted(
                p.arn
                for p in snap.principals.values()
                if p.kind is PrincipalKind.ROLE and p.name.lower() == name.lower()
            )
        )
    if kind == "topic":
        return tuple(
            sorted(
                t.arn for a in snap.accounts.values() for t in a.topics.values() if t.name == name
            )
        )
    if kind == "key":
        for t in snap.trails.values():  # a trail names the key's full ARN
            if t.kms_key_id and t.kms_key_id.endswith(f"key/{name}"):
                return (t.kms_key_id,)
        return tuple(
            f"arn:aws:kms:*:{a.account_id}:key/{name}"
            for a in snap.accounts.values()
            if name in a.keys
        )
    return ()


def _described(kind: str, name: str, arns: tuple[str, ...]) -> str:
    if len(arns) == 1:
        return f"{kind} {name}: {arns[0]}"
    return f"{kind} {name}: {len(arns)} {kind}s ({', '.join(arns)})"


def arn_kind(arn: str) -> str:
    """trail, bucket, object, key, topic, role or other, by the ARN's service and resource."""
    parts = arn.split(":", 5)
    if len(parts) < 6:
        return "other"
    service, resource = parts[2].lower(), parts[5]
    if service == "cloudtrail" and resource.startswith("trail/"):
        return "trail"
    if service == "s3" and resource:
        return "object" if "/" in resource else "bucket"
    if service == "kms" and resource.startswith("key/"):
        return "key"
    if service == "sns" and resource:
        return "topic"
    if service == "iam" and resource.startswith("role/"):
        return "role"
    return "other"


def object_words(snap: Snapshot) -> list[str]:
    """Every object phrase of the snapshot, for suggestions."""
    out = ["the trail", "the trail bucket", "the trail key", "the trail topic"]
    out += [f"trail {t.name}" for t in snap.trails.values()]
    out += [f"bucket {b}" for a in snap.accounts.values() for b in a.buckets]
    out += [f"topic {t.name}" for a in snap.accounts.values() for t in a.topics.values()]
    out += [f"any {k}" for k in ANY_ARN]
    roles = sorted({p.name for p in snap.principals.values() if p.kind is PrincipalKind.ROLE})
    out += [f"role {r}" for r in roles]
    return out
