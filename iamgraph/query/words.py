"""The words of a question, normalized once for the grammar: case, punctuation, the articles
"the", "a", "an", keyword plurals and a trailing "?" never matter.

Each `Token` keeps the word as typed (`raw`, for names, ARNs and action patterns, whose case
matters) and its keyword form (`norm`), and where it stands in the question as typed: an
article dropped before a word belongs to that word, so an error can quote "the trial" whole.
"""

from __future__ import annotations

from dataclasses import dataclass

ARTICLES = frozenset({"the", "a", "an", "our", "my", "its"})
# keyword plurals (and a few spellings) -> the one form the grammar reads
SINGULAR: dict[str, str] = {
    "principals": "principal",
    "users": "user",
    "roles": "role",
    "buckets": "bucket",
    "keys": "key",
    "topics": "topic",
    "trails": "trail",
    "objects": "object",
    "files": "object",
    "accounts": "account",
    "identities": "identity",
    "admins": "admin",
    "administrator": "admin",
    "administrators": "admin",
    "paths": "path",
    "logs": "log",
    "messages": "message",
    "ous": "ou",
    "organisation": "organization",
    "org": "organization",
    "nonmfa": "non-mfa",
    "no-mfa": "non-mfa",
    "anybody": "anyone",
    "someone": "anyone",
    "somebody": "anyone",
    "everyone": "anyone",
    "everybody": "anyone",
}
PUNCTUATION = "?!.,;\"'`()“”‘’"


@dataclass(frozen=True)
class Token:
    raw: str  # as typed, without surrounding punctuation
    norm: str  # lower case, singular
    start: int  # index of its first word in the question as typed (a dropped article's)
    end: int  # one past its last word


def tokens(question: str) -> tuple[list[str], list[Token]]:
    """The question's words as typed, and its tokens without articles."""
    words = question.split()
    out: list[Token] = []
    start = 0
    for i, word in enumerate(words):
        raw = word.strip(PUNCTUATION)
        norm = raw.lower()
        if not raw:
            continue
        if norm in ARTICLES:
            continue
        out.append(Token(raw, SINGULAR.get(norm, norm), start, i + 1))
        start = i + 1
    return words, out


class Words:
    """A cursor over the tokens of one question."""

    def __init__(self, question: str) -> None:
        self.question = question
        self.words, self.tokens = tokens(question)
        self.pos = 0

    def peek(self, n: int = 0) -> str:
        i = self.pos + n
        return self.tokens[i].norm if i < len(self.tokens) else ""

    def raw(self, n: int = 0) -> str:
        i = self.pos + n
        return self.tokens[i].raw if i < len(self.tokens) else ""

    def at(self, *keywords: str) -> bool:
        """Whether the next tokens are `keywords` (each may be "a|b" for either)."""
        return all(self.peek(i) in k.split("|") for i, k in enumerate(keywords))

    def accept(self, *keywords: str) -> bool:
        if self.at(*keywords):
            self.pos += len(keywords)
            return True
        return False

    def accept_phrase(self, phrase: str) -> bool:
        return self.accept(*phrase.split())

    def take(self) -> str:
        word = self.raw()
        self.pos += 1
        return word

    def at_end(self) -> bool:
        return self.pos >= len(self.tokens)

    def typed(self, start: int, end: int | None = None) -> str:
        """The question as typed from token `start` up to token `end` (the rest when None),
        articles before a token included."""
        first = self.tokens[start].start if start < len(self.tokens) else len(self.words)
        last = len(self.words) if end is None or end >= len(self.tokens) else self.tokens[end].start
        return " ".join(self.words[first:last]).rstrip("?")

    def before(self, pos: int) -> str:
        """The question as typed before token `pos`."""
        first = self.tokens[pos].start if pos < len(self.tokens) else len(self.words)
        return " ".join(self.words[:first]).rstrip("?")


class Stuck(Exception):
    """The tokens from `pos` on are not understood: `why` says what was expected there, and
    `expects` names the grammar's category (start, subject, verb, object, end, ...) that a
    suggestion completes; `end` is where the phrase not understood ends (None: the rest)."""

    def __init__(self, pos: int, why: str, end: int | None = None, expects: str = "") -> None:
        super().__init__(why)
        self.pos = pos
        self.why = why
        self.end = end
        self.expects = expects
