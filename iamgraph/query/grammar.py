"""`iamgraph ask`: a small English grammar for the questions `can` and `who-can` answer.

    question  = ( "can" subject | "who" "can" ) verb object [ mfa ] [ "?" ] ;
    subject   = "any" [ "non-MFA" ] "principal" | principal ;
    principal = ARN | "user" NAME | "role" NAME ;
    verb      = "delete" | "stop" "logging" "on" | "tamper" "with" | "read" | "write"
              | ACTION-PATTERN ;                        (* s3:Put*, cloudtrail:StopLogging *)
    object    = "the" "trail" [ "bucket" | "key" | "topic" ]
              | "trail" NAME | "bucket" NAME | ARN | ARN-PATTERN ;
    mfa       = "without" "MFA" | "with" "MFA" ;

Keywords are case-insensitive; NAME, ARN and ACTION-PATTERN are one word each, kept as written.
`can any ... principal` and `who can` ask about every principal of the snapshot (`who-can`);
`can PRINCIPAL` about one (`can`). `non-MFA` and `without MFA` mean credentials without MFA
(access keys or sessions), `with MFA` a session with MFA.

Objects: `the trail` is the organization trail if the snapshot has exactly one, else every trail;
`the trail bucket` / `key` / `topic` are where those trails deliver (their S3 bucket, KMS key, SNS
topic); `trail NAME` is the trail of that name (an error naming the candidates if several accounts
have one); `bucket NAME` is `arn:aws:s3:::NAME`. An ARN is read by its service: a CloudTrail trail,
an S3 bucket (no `/`) or object, a KMS key, an SNS topic; other ARNs take an action pattern only.

Verbs, by the kind of object (on a bucket, object actions go to `arn:aws:s3:::NAME/*`):

    delete           trail: cloudtrail:DeleteTrail
                     bucket: s3:DeleteBucket; objects: s3:DeleteObject
                     key: kms:ScheduleKeyDeletion, kms:DisableKey      topic: sns:DeleteTopic
    stop logging on  trail: cloudtrail:StopLogging
    tamper with      trail: cloudtrail:StopLogging, DeleteTrail, UpdateTrail, PutEventSelectors,
                            PutInsightSelectors
                     bucket: s3:DeleteBucket, PutBucketPolicy, DeleteBucketPolicy,
                             PutLifecycleConfiguration; objects: s3:DeleteObject
                     key: kms:ScheduleKeyDeletion, DisableKey, PutKeyPolicy
                     topic: sns:DeleteTopic, SetTopicAttributes
    read             trail: cloudtrail:GetTrail, GetTrailStatus, GetEventSelectors
                     objects: s3:GetObject   key: kms:Decrypt   topic: sns:Subscribe
    write            trail: cloudtrail:UpdateTrail, PutEventSelectors
                     objects: s3:PutObject   key: kms:Encrypt, GenerateDataKey   topic: sns:Publish

An action pattern is asked as written, on the object's ARN (a bucket's ARN and its objects).
A phrase the grammar does not know is an `InputError` that says which words were understood
and which were not, and what was expected there. So is an action or pattern that names nothing
in the IAM action catalog (with the closest names), unless `allow_unknown_action`: then it is
kept, for the command to answer `unknown`; and an ARN object that is not an ARN.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from iamgraph.catalog import catalog, resource_problem
from iamgraph.errors import InputError
from iamgraph.evaluate.gather import find_principal
from iamgraph.model.cloudtrail import Trail
from iamgraph.model.principals import PrincipalKind
from iamgraph.model.snapshot import Snapshot
from iamgraph.query.vocabulary import S3_OBJECT_ACTIONS, VERBS

EXPECT_START = "can ..., who can ..."
EXPECT_SUBJECT = "any principal, any non-MFA principal, user NAME, role NAME, a principal ARN"
EXPECT_VERB = "delete, stop logging on, tamper with, read, write, an action pattern like s3:Put*"
EXPECT_OBJECT = (
    "the trail, trail NAME, the trail bucket, the trail key, the trail topic, bucket NAME, "
    "an ARN or ARN pattern"
)
EXPECT_END = "the end of the question, without MFA, with MFA"

ACTION_PATTERN = re.compile(r"^[a-z0-9-]+:[a-z0-9*?-]+$", re.IGNORECASE)  # P1: any case
# A word that looks like an action name without its service prefix (StopLogging)
BARE_ACTION = re.compile(r"^[A-Z][a-z]+[A-Z][A-Za-z0-9]*$")


@dataclass(frozen=True)
class Target:
    """What an OBJECT phrase names: a kind (trail, bucket, object, key, topic, other), ARNs."""

    kind: str
    arns: tuple[str, ...]
    described: str  # in words, for the answer's first lines


@dataclass(frozen=True)
class Check:
    """Actions asked on resources: one `can` / `who-can` call."""

    actions: tuple[str, ...]
    resources: tuple[str, ...]


@dataclass(frozen=True)
class Query:
    question: str
    principal: str | None  # None: every principal of the snapshot (who-can)
    mfa: str | None  # None (any), "no-mfa" or "mfa", as solvers.properties.can takes it
    checks: tuple[Check, ...]
    target: Target

    @property
    def command(self) -> str:
        return "who-can" if self.principal is None else "can"

    def describe(self) -> list[str]:
        who = "every principal" if self.principal is None else self.principal
        mfa = {
            None: "any credential",
            "no-mfa": "credentials without MFA (access keys or sessions)",
            "mfa": "sessions with MFA",
        }[self.mfa]
        lines = [f"understood as: {self.command}, {who}, {mfa}", f"    {self.target.described}"]
        lines += [f"    {', '.join(c.actions)} on {', '.join(c.resources)}" for c in self.checks]
        return lines


class _Stuck(Exception):
    """The words from `pos` on are not understood; `why` says what was expected."""

    def __init__(self, pos: int, why: str, end: int | None = None) -> None:
        super().__init__(why)
        self.pos = pos
        self.why = why
        self.end = end  # where the phrase not understood ends (None: the rest)


class _Words:
    def __init__(self, question: str) -> None:
        words = question.split()
        if words and words[-1].endswith("?"):
            words[-1] = words[-1][:-1]
            if not words[-1]:
                words.pop()
        self.words = words
        self.pos = 0

    def peek(self, n: int = 0) -> str:
        i = self.pos + n
        return self.words[i].lower() if i < len(self.words) else ""

    def raw(self, n: int = 0) -> str:
        i = self.pos + n
        return self.words[i] if i < len(self.words) else ""

    def accept(self, *keywords: str) -> bool:
        if all(self.peek(i) == k for i, k in enumerate(keywords)):
            self.pos += len(keywords)
            return True
        return False

    def take(self) -> str:
        word = self.raw()
        self.pos += 1
        return word

    def at_end(self) -> bool:
        return self.pos >= len(self.words)


def parse(question: str, snap: Snapshot, allow_unknown_action: bool = False) -> Query:
    """The query a question asks, resolved in `snap`; an InputError when it cannot be read."""
    w = _Words(question)
    try:
        return _question(w, snap, question, allow_unknown_action)
    except _Stuck as stuck:
        done = " ".join(w.words[: stuck.pos])
        rest = " ".join(w.words[stuck.pos : stuck.end]) or "(the end of the question)"
        head = f'understood "{done}", not "{rest}"' if done else f'understood nothing of "{rest}"'
        raise InputError("ask", "$", f"{head} ({stuck.why})") from None


def the_trail(snap: Snapshot) -> Target:
    """`the trail`, as a question names it: the organization trail if the snapshot has exactly
    one, else every trail (an InputError when it has none)."""
    try:
        trails = _the_trails(snap, 0)
    except _Stuck as stuck:
        raise InputError("ask", "$", stuck.why) from None
    return Target("trail", tuple(t.arn for t in trails), _trails_described(snap, trails))


def structured(
    snap: Snapshot, verb: str, target: Target, principal: str | None = None, mfa: str | None = None
) -> Query:
    """The query a question asks, built from its parts instead of its words: `verb` is one of
    `VERBS` or an action pattern, `principal` None for every principal; `parse` builds the same
    query from the sentence."""
    if principal is not None:
        find_principal(snap, principal)
    try:
        checks = _checks(verb, target, 0)
    except _Stuck as stuck:
        raise InputError("ask", "$", stuck.why) from None
    who = "any principal" if principal is None else principal
    words = {None: "", "no-mfa": " without MFA", "mfa": " with MFA"}[mfa]
    return Query(f"can {who} {verb} {target.described}{words}", principal, mfa, checks, target)


def _question(w: _Words, snap: Snapshot, question: str, allow_unknown_action: bool) -> Query:
    mfa: str | None = None
    principal: str | None = None
    if w.accept("who", "can"):
        pass
    elif w.accept("can"):
        start = w.pos
        if w.accept("any"):
            if w.accept("non-mfa"):
                mfa = "no-mfa"
            if not w.accept("principal"):
                raise _Stuck(start, f"expected: {EXPECT_SUBJECT}")
        else:
            principal = _principal(w, snap)
    else:
        raise _Stuck(0, f"expected: {EXPECT_START}")
    verb = _verb(w, allow_unknown_action)
    object_at = w.pos
    target = _object(w, snap)
    if w.accept("without", "mfa"):
        mfa = "no-mfa"
    elif w.accept("with", "mfa"):
        mfa = "mfa"
    if not w.at_end():
        raise _Stuck(w.pos, f"expected: {EXPECT_END}")
    checks = _checks(verb, target, object_at)
    return Query(question, principal, mfa, checks, target)


def _principal(w: _Words, snap: Snapshot) -> str:
    start = w.pos
    word = w.peek()
    if word.startswith("arn:"):
        arn = w.take()
        try:
            find_principal(snap, arn)
        except InputError as exc:
            raise _Stuck(start, exc.message, w.pos) from None
        return arn
    if word not in ("user", "role") or not w.raw(1):
        raise _Stuck(start, f"expected: {EXPECT_SUBJECT}")
    kind = PrincipalKind(w.take().lower())
    name = w.take()
    found = sorted(
        p.arn for p in snap.principals.values() if p.kind is kind and p.name.lower() == name.lower()
    )
    if not found:
        raise _Stuck(start, f"no {kind.value} named {name} in the snapshot", w.pos)
    if len(found) > 1:
        candidates = ", ".join(found)
        raise _Stuck(start, f"{kind.value} {name} is ambiguous, give its ARN: {candidates}", w.pos)
    return found[0]


def _verb(w: _Words, allow_unknown_action: bool) -> str:
    for verb in VERBS:
        if w.accept(*verb.split()):
            return verb
    word = w.raw()
    if ACTION_PATTERN.match(word) or ":" in word or BARE_ACTION.match(word):
        problem = catalog().action_problem(word)
        if problem is None or (allow_unknown_action and not problem.malformed):
            return w.take()
        if ACTION_PATTERN.match(word) or problem.suggestions:
            raise _Stuck(w.pos, problem.message, w.pos + 1)
    raise _Stuck(w.pos, f"expected: {EXPECT_VERB}")


def _object(w: _Words, snap: Snapshot) -> Target:
    start = w.pos
    if w.accept("the", "trail"):
        trails = _the_trails(snap, start)
        part = w.peek()
        if part in ("bucket", "key", "topic"):
            w.take()
            return _delivery(snap, trails, part, start)
        return Target("trail", tuple(t.arn for t in trails), _trails_described(snap, trails))
    if w.peek() == "trail" and w.raw(1):
        w.take()
        name = w.take()
        found = sorted(t.arn for t in snap.trails.values() if name in (t.name, t.arn))
        if not found:
            known = ", ".join(sorted({t.name for t in snap.trails.values()})) or "none"
            raise _Stuck(start, f"no trail named {name} in the snapshot (trails: {known})")
        if len(found) > 1:
            raise _Stuck(start, f"trail {name} is ambiguous, give its ARN: {', '.join(found)}")
        return Target("trail", tuple(found), f"trail {name}: {found[0]}")
    if w.peek() == "bucket" and w.raw(1) and not w.raw(1).startswith("arn:"):
        w.take()
        name = w.take()
        return Target("bucket", (f"arn:aws:s3:::{name}",), f"bucket {name}")
    if w.peek().startswith("arn:"):
        arn = w.take()
        problem = resource_problem(arn)
        if problem is not None:
            raise _Stuck(start, problem.message, w.pos)
        kind = arn_kind(arn)
        return Target(kind, (arn,), f"{arn} (a {kind} ARN)" if kind != "other" else arn)
    raise _Stuck(start, f"expected: {EXPECT_OBJECT}")


def arn_kind(arn: str) -> str:
    """trail, bucket, object, key, topic or other, by the ARN's service and resource."""
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
    return "other"


def _the_trails(snap: Snapshot, start: int) -> list[Trail]:
    trails = sorted(snap.trails.values(), key=lambda t: t.arn)
    org = [t for t in trails if t.organization_trail]
    if len(org) == 1:
        return org
    if not trails:
        raise _Stuck(start, "the snapshot has no trail")
    return trails


def _trails_described(snap: Snapshot, trails: list[Trail]) -> str:
    if len(trails) == 1 and trails[0].organization_trail:
        return f"the trail: the organization trail {trails[0].name}"
    return f"the trail: every trail of the snapshot ({len(trails)})"


def _delivery(snap: Snapshot, trails: list[Trail], part: str, start: int) -> Target:
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
    if not arns:
        names = ", ".join(t.name for t in trails)
        raise _Stuck(start, f"the trail ({names}) has no {part}")
    names = ", ".join(t.name for t in trails)
    kind = {"bucket": "bucket", "key": "key", "topic": "topic"}[part]
    return Target(kind, tuple(dict.fromkeys(arns)), f"the trail {part}: the {part} of {names}")


def _checks(verb: str, target: Target, object_at: int) -> tuple[Check, ...]:
    if verb not in VERBS:  # an action pattern, asked as written
        resources = list(target.arns)
        if target.kind == "bucket":
            resources += [f"{a}/*" for a in target.arns]
        return (Check((verb,), tuple(resources)),)
    actions = VERBS[verb].get(target.kind)
    if actions is None:
        kinds = ", ".join(k + "s" for k in VERBS[verb])
        raise _Stuck(object_at, f'"{verb}" applies to {kinds}, not to {target.described}')
    if target.kind != "bucket":
        return (Check(actions, target.arns),)
    on_bucket = tuple(a for a in actions if a not in S3_OBJECT_ACTIONS)
    on_objects = tuple(a for a in actions if a in S3_OBJECT_ACTIONS)
    checks = []
    if on_bucket:
        checks.append(Check(on_bucket, target.arns))
    if on_objects:
        checks.append(Check(on_objects, tuple(f"{a}/*" for a in target.arns)))
    return tuple(checks)
