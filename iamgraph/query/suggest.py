"""What an `ask` error says about a question the grammar cannot read: what it understood, the
closest question it accepts, and which command answers it.

The closest question is computed from the grammar, not looked up: at the point where reading
stopped, each phrase the grammar would take there (verbs, the snapshot's objects and principal
names, clauses, or nothing for stray words) replaces the first k words not understood; the
candidates closest by edit distance to the words they replace are read again, the first that
reads whole wins (one more round of repair is allowed, so two mistakes can be fixed).
"""

from __future__ import annotations

import difflib
import shlex
from collections.abc import Callable
from typing import Any

from iamgraph.errors import InputError
from iamgraph.model.snapshot import Snapshot
from iamgraph.query.objects import object_words
from iamgraph.query.principals import filter_words, subject_words
from iamgraph.query.vocabulary import SERVICES, VERBS
from iamgraph.query.words import Stuck, Words

Read = Callable[[Words, Snapshot, bool], Any]  # grammar.read, passed in (no import cycle)
BUDGET = 1000  # questions read while looking for the closest one
TRIED = 80  # candidates read again per repair, closest first
INSERT = 3  # the cost of a phrase added where one is missing (candidates in order of preference)


def explain(w: Words, stuck: Stuck, snap: Snapshot, allow: bool, read: Read) -> str:
    """The error's text: what was understood and why not the rest; then, when the grammar was
    stuck on a phrase (not on a name it knows is ambiguous), the closest question it accepts
    and the command that answers it."""
    done = w.before(stuck.pos)
    rest = w.typed(stuck.pos, stuck.end) or "(the end of the question)"
    head = f'understood "{done}", not "{rest}"' if done else f'understood nothing of "{rest}"'
    lines = [f"{head} ({stuck.why})"]
    if not stuck.expects:
        return lines[0]
    found = closest(w, stuck, snap, allow, read)
    if found is not None:
        sentence, query = found
        lines.append(f'    closest question it accepts: "{sentence}"')
        lines.append(f"    answered by: {command_line(query, snap)}")
    else:
        lines.append(f"    answered by: {command_hint(w, snap)}")
    return "\n".join(lines)


def closest(w: Words, stuck: Stuck, snap: Snapshot, allow: bool, read: Read):
    """(sentence, query) of the closest question `read` (the grammar's) takes whole, or None."""
    budget = [BUDGET]

    def attempt(sentence: str, depth: int, after: int):
        if budget[0] <= 0:
            return None
        budget[0] -= 1
        words = Words(sentence)
        try:
            return sentence, read(words, snap, allow)
        except Stuck as again:
            if depth == 0 or not again.expects or again.pos <= after:
                return None
            return repairs(words, again, depth - 1)
        except InputError:
            return None

    def repairs(words: Words, at: Stuck, depth: int):
        sites = [(at.pos, at.expects)]
        if at.expects.startswith("object") and at.pos > 0:  # "stop loging on": the verb's
            sites.append((at.pos - 1, "verb"))
        scored = []
        for pos, expects in sites:
            first = words.tokens[pos].start if pos < len(words.tokens) else len(words.words)
            prefix = words.words[:first]
            rest = [x.rstrip("?") for x in words.words[first:]]
            for order, cand in enumerate(candidates(expects, snap, rest)):
                for k in range(len(rest) + 1):
                    span = " ".join(rest[:k]).lower()
                    cost = _distance(span, cand.lower()) if k else INSERT
                    sentence = " ".join(x for x in (*prefix, cand, *rest[k:]) if x)
                    close = cost <= max(INSERT, k * 2)
                    scored.append((cost, order, -k, sentence, close, max(pos, at.pos)))
        scored.sort()
        tried = scored[: TRIED if depth else TRIED // 4]
        sentences = [(close, sentence, after) for *_, sentence, close, after in tried]
        # close repairs first (one, then two), then any; a second repair is always close
        passes = [(True, 0), (True, 1), (False, 0), (False, 1)] if depth else [(True, 0)]
        for only_close, tries in passes:
            for close, sentence, after in sentences:
                if only_close and not close:
                    continue
                hit = attempt(sentence, tries, after)
                if hit is not None:
                    return hit
        return None

    return repairs(w, stuck, 1)


def candidates(expects: str, snap: Snapshot, rest: list[str]) -> list[str]:
    """The phrases the grammar takes where it expects `expects`, most likely first; names
    only when close to a word not understood (`rest`)."""
    if expects == "start":
        return ["can", "who can", "how can", "who is admin", "which principals can"]
    if expects in ("principal", "to"):
        generic, names = subject_words(snap)
        close = [n for word in rest for n in close_names(word, names)]
        return ["admin", *close] if expects == "to" else [*close, *generic]
    if expects == "verb":
        return [*VERBS, "become admin"]
    if expects.startswith("object"):
        return object_words(snap)
    if expects == "end":
        return ["", *filter_words(snap)]
    if expects == "admin":
        return ["admin"]
    if expects == "can":
        return ["can"]
    if expects == "become":
        return ["to admin"]
    if expects == "service":
        return list(SERVICES)
    return []


def _distance(a: str, b: str) -> int:
    """Levenshtein distance (a question's words are short)."""
    if a == b:
        return 0
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def command_line(query, snap: Snapshot) -> str:
    """The iamgraph command that answers a query (its first check, for who-can and can)."""
    root = shlex.quote(str(snap.root))
    mfa = {None: "", "no-mfa": " --no-mfa", "mfa": " --mfa"}[query.mfa]
    if query.command == "privesc":
        return f"iamgraph privesc {root}{mfa}"
    if query.command == "paths" and query.to:
        return f"iamgraph paths {root} --from {query.principal} --to {query.to}{mfa}"
    check = query.checks[0]
    pins = [f"{k}={v.values[0]}" for k, v in query.where]
    actions = " ".join(f"--action {a}" for a in check.actions)
    resources = " ".join(f"--resource {shlex.quote(r)}" for r in check.resources)
    if query.command == "paths":
        context = "".join(f" --context {p}" for p in pins)
        return f"iamgraph paths {root} --from {query.principal} {actions} {resources}{context}{mfa}"
    if query.command == "who-can":
        where = "".join(f" --where {p}" for p in pins)
        return f"iamgraph who-can {root}{mfa} {actions} {resources}{where}"
    first, *more = check.actions
    extra = "".join(f" --action {a}" for a in more)
    res_first, *res_more = check.resources
    extra += "".join(f" --resource {shlex.quote(r)}" for r in res_more)
    context = "".join(f" --context {p}" for p in pins)
    return (
        f"iamgraph can {root} {query.principal} {first} {shlex.quote(res_first)}{extra}"
        f"{context}{mfa}"
    )


def command_hint(w: Words, snap: Snapshot) -> str:
    """The command for a question nothing close to which reads: by its words."""
    root = shlex.quote(str(snap.root))
    said = {t.norm for t in w.tokens}
    if said & {"how", "path", "route", "chain"}:
        return f"iamgraph paths {root} --from PRINCIPAL --to PRINCIPAL|admin"
    if said & {"admin", "escalate", "escalation", "privesc", "privilege"}:
        return f"iamgraph privesc {root}"
    if said & {"never", "must", "always", "invariant", "ensure", "guarantee"}:
        return f"iamgraph check {root} --invariants iamgraph.toml"
    return f"iamgraph who-can {root} --action SERVICE:ACTION --resource ARN"


def close_names(name: str, names: list[str]) -> list[str]:
    """Names of the snapshot close to a name it does not hold."""
    return difflib.get_close_matches(name, names, n=3, cutoff=0.6)
