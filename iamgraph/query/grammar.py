"""`iamgraph ask`: the English grammar of the questions `can`, `who-can`, `paths` and
`privesc` answer (docs/ask.md holds it whole, with examples).

    question = "who" "can" verb-phrase { clause }                       (who-can)
             | ("which" | "what") subjects { clause } "can" verb-phrase { clause }
             | "can" subject verb-phrase { clause }                     (can, or who-can)
             | ("who" "is" | "who" "are" | "which" subjects "are") "admin" { clause }   (privesc)
             | ("who" "can" | "can" any-subject) "become" "admin" { clause }           (privesc)
             | "can" PRINCIPAL ("become" | "reach") ("admin" | PRINCIPAL)             (paths)
             | "is" PRINCIPAL "admin"                                               (privesc)
             | "how" ("can" | "does") PRINCIPAL ("reach" | "become" | "assume" | "get to")
               ("admin" | PRINCIPAL)                                               (paths)
             | "how" "can" PRINCIPAL verb-phrase                                   (paths)
             | ["show" | "find" | "is there"] "path" "from" PRINCIPAL "to" ("admin" | PRINCIPAL)
    subject  = PRINCIPAL | "any" ["non-MFA"] ("principal" | "user" | "role") | "anyone"
             | "anyone outside the organization" ;
    verb-phrase = VERB [particle] object [ "to" SERVICE ] | ACTION-PATTERN object ;
    clause   = "without MFA" | "with MFA" | "in account" (ID | NAME) | "in OU" NAME
             | "outside the organization" ;

Words (`query.words`): case, punctuation, "the/a/an", plurals and a trailing "?" never
matter. Subjects and filters: `query.principals`; objects: `query.objects`; verbs and their
actions: `query.vocabulary` (one rule per entry). A question it cannot read is an InputError
that says what it understood, the closest question it accepts (`query.suggest`) and which
command answers it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from iamgraph.catalog import catalog
from iamgraph.errors import InputError
from iamgraph.evaluate.gather import find_principal
from iamgraph.evaluate.request import ContextValue
from iamgraph.model.snapshot import Snapshot
from iamgraph.query import objects
from iamgraph.query.objects import Target, arn_kind  # noqa: F401  (re-exported)
from iamgraph.query.principals import (
    Filter,
    any_subject,
    filter_clause,
    mfa_clause,
    principal,
    which_subject,
)
from iamgraph.query.suggest import explain
from iamgraph.query.vocabulary import PARTICLES, PHRASES, S3_OBJECT_ACTIONS, SERVICES, VERBS
from iamgraph.query.words import Stuck, Words

EXPECT_START = "can ..., who can ..., who is admin, how can X reach Y, show the path from X to Y"
EXPECT_VERB = (
    "delete, stop logging on, tamper with, read, write, assume, pass, decrypt, encrypt, use, "
    "publish to, subscribe to, disable, put, get, list, modify the policy of, become admin, "
    "an action pattern like s3:Put*"
)
EXPECT_END = "the end of the question, without MFA, with MFA, in account N, in OU NAME"
ACTION_PATTERN = re.compile(r"^[a-z0-9-]+:[a-z0-9*?-]+$", re.IGNORECASE)  # P1: any case
# A word that looks like an action name without its service prefix (StopLogging)
BARE_ACTION = re.compile(r"^[A-Z][a-z]+[A-Z][A-Za-z0-9]*$")
ADMIN = ("admin",)
BECOME = ("become", "reach", "get to", "escalate to", "turn into")
# longest phrase first, so "stop logging on" wins over "stop"
_PHRASES = sorted(PHRASES, key=lambda p: -len(p.words.split()))


@dataclass(frozen=True)
class Check:
    """Actions asked on resources: one `can` / `who-can` call."""

    actions: tuple[str, ...]
    resources: tuple[str, ...]


Where = tuple[tuple[str, ContextValue], ...]


@dataclass(frozen=True)
class Query:
    """What a question asks, for the command that answers it: `can` (one principal's
    request), `who-can` (every principal's, narrowed by `filter`), `paths` (from `principal`
    to the principal `to`, to admin, or to a request), `privesc` (who is or can become admin;
    `admins`: only who is admin already; `principal`: only that one)."""

    question: str
    principal: str | None  # None: every principal of the snapshot
    mfa: str | None  # None (any), "no-mfa" or "mfa", as solvers.properties.can takes it
    checks: tuple[Check, ...]
    target: Target | None
    command: str = ""  # can | who-can | paths | privesc; by `principal` when not given
    to: str | None = None  # paths: a principal ARN or "admin"
    filter: Filter = field(default_factory=Filter)
    where: Where = ()  # context the request carries (iam:PassedToService)
    admins: bool = False  # privesc: only who is admin already

    def __post_init__(self) -> None:
        if not self.command:
            object.__setattr__(self, "command", "who-can" if self.principal is None else "can")

    def describe(self) -> list[str]:
        mfa = {
            None: "any credential",
            "no-mfa": "credentials without MFA (access keys or sessions)",
            "mfa": "sessions with MFA",
        }[self.mfa]
        if self.command == "privesc":
            what = "who is admin already" if self.admins else "who is or can become admin"
            if self.principal:
                what = "is it admin already, or how it can become admin"
            who = self.principal or "every principal"
            lines = [f"understood as: privesc, {who}, {what}, {mfa}"]
        elif self.command == "paths":
            to = self.to if self.to else "a request"
            lines = [f"understood as: paths, from {self.principal} to {to}, {mfa}"]
        else:
            who = "every principal" if self.principal is None else self.principal
            if self.filter.outside:
                who = "anyone outside the organization"
            lines = [f"understood as: {self.command}, {who}, {mfa}"]
        if self.filter:
            lines.append(f"    principals: {'; '.join(self.filter.said)}")
        if self.target is not None:
            lines.append(f"    {self.target.described}")
        lines += [f"    {', '.join(c.actions)} on {', '.join(c.resources)}" for c in self.checks]
        lines += [f"    with {k}={v.values[0]}" for k, v in self.where]
        return lines


def parse(question: str, snap: Snapshot, allow_unknown_action: bool = False) -> Query:
    """The query a question asks, resolved in `snap`; an InputError when it cannot be read,
    saying what was understood, the closest question accepted and the command that answers."""
    w = Words(question)
    try:
        return read(w, snap, allow_unknown_action)
    except Stuck as stuck:
        message = explain(w, stuck, snap, allow_unknown_action, read)
        raise InputError("ask", "$", message) from None


def read(w: Words, snap: Snapshot, allow_unknown_action: bool = False) -> Query:
    """The query of the words at `w` (a `Stuck` where they stop making sense)."""
    q = _question(w, snap, allow_unknown_action)
    if not w.at_end():
        raise Stuck(w.pos, f"expected: {EXPECT_END}", expects="end")
    return q


def the_trail(snap: Snapshot) -> Target:
    """`the trail`, as a question names it: the organization trail if the snapshot has exactly
    one, else every trail (an InputError when it has none)."""
    try:
        return objects.trail_target(snap)
    except Stuck as stuck:
        raise InputError("ask", "$", stuck.why) from None


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
    except Stuck as stuck:
        raise InputError("ask", "$", stuck.why) from None
    who = "any principal" if principal is None else principal
    words = {None: "", "no-mfa": " without MFA", "mfa": " with MFA"}[mfa]
    return Query(f"can {who} {verb} {target.described}{words}", principal, mfa, checks, target)


# -- questions ------------------------------------------------------------------------------


@dataclass
class _Said:
    """What the clauses of a question said so far: the MFA mode and the principal filter."""

    mfa: str | None = None
    filter: Filter = field(default_factory=Filter)

    def clauses(self, w: Words, snap: Snapshot) -> None:
        while True:
            mfa = mfa_clause(w)
            if mfa is not None:
                self.mfa = mfa
                continue
            f = filter_clause(w, snap)
            if f is None:
                return
            self.filter = self.filter.narrowed(f)


def _question(w: Words, snap: Snapshot, allow: bool) -> Query:
    q = w.question
    said = _Said()
    if w.accept("list", "admin") or w.accept("show", "admin"):
        said.clauses(w, snap)
        return _privesc(q, said, admins=True)
    if w.accept("who", "is") or w.accept("who", "are"):
        if not _admin(w):
            raise Stuck(w.pos, "expected: admin", expects="admin")
        said.clauses(w, snap)
        return _privesc(q, said, admins=True)
    if w.at("which|what") and not w.at("what", "is"):
        start = w.pos
        w.take()
        who = which_subject(w)
        if who is None:
            raise Stuck(start, f"expected: {EXPECT_START}", expects="start")
        said.filter, said.mfa = who
        said.clauses(w, snap)
        if w.accept("is") or w.accept("are"):
            if not _admin(w):
                raise Stuck(w.pos, "expected: admin", expects="admin")
            said.clauses(w, snap)
            return _privesc(q, said, admins=True)
        if not w.accept("can"):
            raise Stuck(w.pos, "expected: can", expects="can")
        return _every(w, snap, allow, said)
    if w.accept("who", "can"):
        return _every(w, snap, allow, said)
    if w.at("who", "has|have", "access"):  # who has access to X: who can access X
        w.take()
        return _every(w, snap, allow, said)
    if w.at("who") and w.peek(1) not in ("is", "are"):  # who outside the organization can ...
        start = w.pos
        w.take()
        said.clauses(w, snap)
        if w.pos == start + 1 or not w.accept("can"):
            raise Stuck(start, f"expected: {EXPECT_START}", expects="start")
        return _every(w, snap, allow, said)
    if w.accept("can") or w.accept("could"):
        anyone = any_subject(w)
        if anyone is not None:
            said.filter, said.mfa = anyone
            said.clauses(w, snap)
            return _every(w, snap, allow, said)
        who = principal(w, snap)
        return _one(w, snap, allow, who, said)
    if w.at("is") and w.peek(1) != "there":
        w.take()
        who = principal(w, snap)
        if not _admin(w):
            raise Stuck(w.pos, "expected: admin", expects="admin")
        said.clauses(w, snap)
        _no_filter(w, said, who)
        return _privesc(q, said, admins=True, principal=who)
    if w.accept("how", "can") or w.accept("how", "does") or w.accept("how", "do"):
        who = principal(w, snap)
        return _path(w, snap, allow, who, said)
    start = w.pos
    for opener in ("show", "find", "is there", "there is", "what is", "give"):
        if w.accept_phrase(opener):
            w.accept("me")
            break
    if w.accept("path", "from"):
        who = principal(w, snap)
        if not w.accept("to"):
            raise Stuck(w.pos, "expected: to admin, to PRINCIPAL", expects="become")
        return _to(w, snap, who, said)
    raise Stuck(start if start else 0, f"expected: {EXPECT_START}", expects="start")


def _admin(w: Words) -> bool:
    return w.accept("admin") or w.accept("account", "admin")


def _privesc(q: str, said: _Said, admins: bool, principal: str | None = None) -> Query:
    if said.filter.outside:  # privesc answers for the snapshot's principals only
        raise Stuck(
            0,
            "privesc answers for principals of the snapshot; who outside the organization can "
            'get in: `iamgraph check` with an invariant exposure = "foreign-trust", or ask '
            '"can anyone outside the organization assume ROLE"',
        )
    return Query(q, principal, said.mfa, (), None, "privesc", filter=said.filter, admins=admins)


def _no_filter(w: Words, said: _Said, who: str) -> None:
    if said.filter:
        raise Stuck(
            w.pos - 1, f"{'; '.join(said.filter.said)} narrows who, but the question names {who}"
        )


def _every(w: Words, snap: Snapshot, allow: bool, said: _Said) -> Query:
    """After `who can`, `can any principal`, `which users can`: who-can or privesc."""
    if _becomes(w):
        if not _admin(w):
            raise Stuck(w.pos, "expected: admin", expects="admin")
        said.clauses(w, snap)
        return _privesc(w.question, said, admins=False)
    verb, implied = _verb(w, allow)
    at = w.pos
    target = objects.target(w, snap, implied)
    where = _service(w, verb)
    said.clauses(w, snap)
    checks = _checks(verb, target, at)
    return Query(w.question, None, said.mfa, checks, target, filter=said.filter, where=where)


def _one(w: Words, snap: Snapshot, allow: bool, who: str, said: _Said) -> Query:
    """After `can PRINCIPAL`: can, or paths for `become admin` / `reach PRINCIPAL`."""
    said.clauses(w, snap)
    if _becomes(w):
        return _to(w, snap, who, said)
    checks, target, where = _request(w, snap, allow, who, said)
    return Query(w.question, who, said.mfa, checks, target, where=where)


def _path(w: Words, snap: Snapshot, allow: bool, who: str, said: _Said) -> Query:
    """After `how can PRINCIPAL`: paths to admin, to a principal, or to a request."""
    said.clauses(w, snap)
    if _becomes(w) or w.accept("assume"):
        return _to(w, snap, who, said)
    checks, target, where = _request(w, snap, allow, who, said)
    return Query(w.question, who, said.mfa, checks, target, "paths", where=where)


def _request(w: Words, snap: Snapshot, allow: bool, who: str, said: _Said):
    """VERB OBJECT [clauses] asked of one principal: its checks, object and pinned keys."""
    verb, implied = _verb(w, allow)
    at = w.pos
    target = objects.target(w, snap, implied)
    where = _service(w, verb)
    said.clauses(w, snap)
    _no_filter(w, said, who)
    return _checks(verb, target, at), target, where


def _to(w: Words, snap: Snapshot, who: str, said: _Said) -> Query:
    """`admin` or a principal, after `become`, `reach`, `path from X to`."""
    if w.at_end():
        raise Stuck(w.pos, "expected: admin, a principal", expects="to")
    try:
        to = "admin" if _admin(w) else principal(w, snap)
    except Stuck as stuck:
        raise Stuck(stuck.pos, stuck.why, stuck.end, expects=stuck.expects and "to") from None
    said.clauses(w, snap)
    _no_filter(w, said, who)
    return Query(w.question, who, said.mfa, (), None, "paths", to=to)


def _becomes(w: Words) -> bool:
    return any(w.accept_phrase(p) for p in BECOME)


def _verb(w: Words, allow_unknown_action: bool) -> tuple[str, str | None]:
    """A verb phrase of `vocabulary.PHRASES` (then an optional particle), or an action pattern."""
    for phrase in _PHRASES:
        if w.accept_phrase(phrase.words):
            if w.peek() in PARTICLES and w.peek(1) not in ("account", "ou", "organization"):
                w.take()
            return phrase.verb, phrase.implies
    word = w.raw()
    if ACTION_PATTERN.match(word) or ":" in word or BARE_ACTION.match(word):
        problem = catalog().action_problem(word)
        if problem is None or (allow_unknown_action and not problem.malformed):
            return w.take(), None
        if ACTION_PATTERN.match(word) or problem.suggestions:
            raise Stuck(w.pos, problem.message, w.pos + 1)
    raise Stuck(w.pos, f"expected: {EXPECT_VERB}", expects="verb")


def _service(w: Words, verb: str) -> Where:
    """`pass ROLE to SERVICE`: the request carries iam:PassedToService."""
    if verb != "pass" or not w.accept("to"):
        return ()
    start = w.pos
    name = w.peek()
    if w.at("step", "function"):
        w.pos += 2
        name = "step functions"
    elif name:
        w.take()
    service = SERVICES.get(name) or (name if name.endswith(".amazonaws.com") else None)
    if service is None:
        known = ", ".join(sorted(SERVICES))
        raise Stuck(start, f"expected a service ({known}) or its principal", expects="service")
    return (("iam:PassedToService", ContextValue((service,))),)


def _checks(verb: str, target: Target, object_at: int) -> tuple[Check, ...]:
    if verb not in VERBS:  # an action pattern, asked as written
        resources = list(target.arns)
        if target.kind == "bucket":
            resources += [f"{a}/*" for a in target.arns]
        return (Check((verb,), tuple(resources)),)
    actions = VERBS[verb].get(target.kind)
    if actions is None:
        kinds = ", ".join(k + "s" for k in VERBS[verb])
        raise Stuck(
            object_at,
            f'"{verb}" applies to {kinds}, not to {target.described}',
            expects="object-of:" + verb,
        )
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
