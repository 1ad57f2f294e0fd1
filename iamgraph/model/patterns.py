"""Wildcard patterns as token lists, and whether two patterns can match a common string.

A policy's `Resource` (`*` any run, `?` one character, P3) and a catalog ARN template
(`${Var}` placeholders) are both sequences of tokens: a character class, repeated or not.
`intersects` walks the product of the two automata, so "could this Resource name a resource
of that type?" is answered exactly instead of by trying sample strings.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

ANY: frozenset[str] | None = None  # the class of every character


@dataclass(frozen=True)
class Token:
    """One character from a class: `chars` (a literal), or any character not in `excluded`."""

    chars: str | None = None  # a single literal character
    excluded: frozenset[str] = frozenset()
    repeat: bool = False  # zero or more of the class


ANY_RUN = Token(repeat=True)
ANY_ONE = Token()


@lru_cache(maxsize=1 << 16)
def glob_tokens(pattern: str) -> tuple[Token, ...]:
    """`*` and `?` wildcards; every other character literal."""
    return tuple(ANY_RUN if c == "*" else ANY_ONE if c == "?" else Token(chars=c) for c in pattern)


def template_tokens(template: str, no_slash: frozenset[str] = frozenset()) -> tuple[Token, ...]:
    """A catalog ARN template: `${Partition}`, `${Region}`, `${Account}` stay within their ARN
    segment; variables in `no_slash` cannot hold `/`; any other variable is one or more of
    anything."""
    out: list[Token] = []
    pos = 0
    for m in re.finditer(r"\$\{(\w+)\}", template):
        out.extend(Token(chars=c) for c in template[pos : m.start()])
        var = m.group(1)
        if var in ("Partition", "Region", "Account"):
            out.append(Token(excluded=frozenset(":"), repeat=True))
        elif var in no_slash:
            out += [Token(excluded=frozenset("/")), Token(excluded=frozenset("/"), repeat=True)]
        else:
            out += [ANY_ONE, ANY_RUN]
        pos = m.end()
    out.extend(Token(chars=c) for c in template[pos:])
    return tuple(out)


def _overlap(a: Token, b: Token) -> bool:
    if a.chars is not None and b.chars is not None:
        return a.chars == b.chars
    if a.chars is not None:
        return a.chars not in b.excluded
    if b.chars is not None:
        return b.chars not in a.excluded
    return True  # two negated classes always share some character


@lru_cache(maxsize=1 << 16)
def intersects(a: tuple[Token, ...], b: tuple[Token, ...]) -> bool:
    """Is there a string both token sequences match? (Cached: the same segments recur.)"""
    seen: set[tuple[int, int]] = set()
    stack = [(0, 0)]
    while stack:
        i, j = stack.pop()
        if (i, j) in seen:
            continue
        seen.add((i, j))
        if i == len(a) and j == len(b):
            return True
        if i < len(a) and a[i].repeat:
            stack.append((i + 1, j))
        if j < len(b) and b[j].repeat:
            stack.append((i, j + 1))
        if i < len(a) and j < len(b) and _overlap(a[i], b[j]):
            stack.append((i if a[i].repeat else i + 1, j if b[j].repeat else j + 1))
    return False


FILLER = "x0-_a"  # characters tried, in order, where a wildcard meets a wildcard


def common_string(a: tuple[Token, ...], b: tuple[Token, ...]) -> str | None:
    """A short string both token sequences match, or None (`intersects`, keeping the path)."""
    parent: dict[tuple[int, int], tuple[tuple[int, int], str] | None] = {(0, 0): None}
    queue = [(0, 0)]
    for i, j in queue:  # breadth first: the queue grows while it is read
        if i == len(a) and j == len(b):
            out: list[str] = []
            node = (i, j)
            while parent[node] is not None:
                node, c = parent[node]
                out.append(c)
            return "".join(reversed(out))
        steps: list[tuple[tuple[int, int], str]] = []
        if i < len(a) and a[i].repeat:
            steps.append(((i + 1, j), ""))
        if j < len(b) and b[j].repeat:
            steps.append(((i, j + 1), ""))
        if i < len(a) and j < len(b):
            c = _shared_char(a[i], b[j])
            if c is not None:
                steps.append(((i if a[i].repeat else i + 1, j if b[j].repeat else j + 1), c))
        for node, c in steps:
            if node not in parent:
                parent[node] = ((i, j), c)
                queue.append(node)
    return None


def _shared_char(a: Token, b: Token) -> str | None:
    if not _overlap(a, b):
        return None
    if a.chars is not None or b.chars is not None:
        return a.chars if a.chars is not None else b.chars
    return next((c for c in FILLER if c not in a.excluded and c not in b.excluded), None)


# Matching a value against a wildcard pattern without a backtracking regex (issue 17): a pattern
# like `*a*a*a...*b` compiled to `.*a.*a...b` makes Python's `re` try every split of a long
# name, exponential in the number of stars. Here each run of literals and `?` between two stars
# is a star-free regex (fixed length, so `re` cannot backtrack across it), found left to right
# at its first occurrence: a later piece only needs the earliest end of the one before it. `re`
# still compares the characters, so case-folding is exactly what the old regexes did.

STAR = "\x00*"  # token: any run of characters (two characters: never equal to a literal)
ONE = "\x00?"  # token: any one character


def wildcard_tokens(parts: tuple[tuple[str, bool], ...]) -> tuple[str, ...]:
    """(text, is_pattern) parts as tokens: `*` and `?` in pattern text are wildcards, every
    other character (and all of a substituted value, V5) is a literal."""
    return tuple(
        (STAR if c == "*" else ONE if c == "?" else c) if is_pattern else c
        for text, is_pattern in parts
        for c in text
    )


Pieces = tuple[tuple[re.Pattern[str], int], ...]  # star-free regexes and their lengths


def _pieces(tokens: tuple[str, ...], ignore_case: bool) -> Pieces:
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    out: list[tuple[re.Pattern[str], int]] = []
    piece: list[str] = []
    for t in (*tokens, STAR):
        if t == STAR:
            out.append(
                (
                    re.compile("".join("." if c == ONE else re.escape(c) for c in piece), flags),
                    len(piece),
                )
            )
            piece = []
        else:
            piece.append(t)
    return tuple(out)


def _whole(pieces: Pieces, value: str) -> bool:
    """Does `value` match pieces joined by stars? First piece a prefix, last a suffix, the
    middle ones at their first occurrence in between."""
    (first, n_first), (last, n_last) = pieces[0], pieces[-1]
    if len(pieces) == 1:
        return n_first == len(value) and first.fullmatch(value) is not None
    end = len(value) - n_last
    if end < n_first or first.match(value) is None:
        return False
    pos = n_first
    for rx, _ in pieces[1:-1]:
        m = rx.search(value, pos, end)
        if m is None:
            return False
        pos = m.end()
    return last.fullmatch(value, end) is not None


@dataclass(frozen=True)
class Glob:
    """A compiled wildcard pattern. With `segments`, literal `:` split pattern and value and the
    segments align one to one, except after an `open` segment (one ending in a `*` that may
    cross `:`), after which the next segment may start at any later `:` of the value."""

    whole: Pieces | None = None  # one glob over the whole value (`*` and `?` cross `:`)
    runs: tuple[tuple[tuple[Pieces, ...], bool], ...] = ()  # segments up to an open one; open?

    def matches(self, value: str) -> bool:
        if self.whole is not None:
            return _whole(self.whole, value)
        values = value.split(":")
        if len(self.runs) == 1 and not self.runs[0][1]:  # no `*` crosses `:`: segments align
            segments = self.runs[0][0]
            return len(values) == len(segments) and all(map(_whole, segments, values))
        cur = 0
        for k, (segments, is_open) in enumerate(self.runs):
            n = len(segments)
            if not is_open:  # the last run: anchored at the end of the value
                start = len(values) - n
                return (
                    start >= cur
                    and (k > 0 or start == 0)
                    and all(_whole(s, v) for s, v in zip(segments, values[start:], strict=True))
                )
            for start in (0,) if k == 0 else range(cur, len(values) - n + 1):  # first fit
                if start + n <= len(values) and all(
                    _whole(s, v) for s, v in zip(segments, values[start : start + n], strict=False)
                ):
                    cur = start + n
                    break
            else:
                return False
        return True


@lru_cache(maxsize=1 << 16)
def compile_glob(tokens: tuple[str, ...], *, ignore_case: bool = False, colon: bool = True) -> Glob:
    """`STAR` any run, `ONE` one character; with `colon=False` neither crosses a `:`."""
    if colon:
        return Glob(whole=_pieces(tokens, ignore_case))
    return _split(tokens, ignore_case, crossing=lambda i: False)


@lru_cache(maxsize=1 << 16)
def compile_short(tokens: tuple[str, ...]) -> Glob:
    """P3 for a Resource with fewer than six ARN segments: a `*` that ends a segment (before a
    `:` or at the end) crosses `:`, every other wildcard stays within its segment."""
    return _split(
        tokens,
        False,
        crossing=lambda i: tokens[i] == STAR and tokens[i + 1 : i + 2] in ((":",), ()),
    )


def _split(tokens: tuple[str, ...], ignore_case: bool, crossing: Callable[[int], bool]) -> Glob:
    runs: list[tuple[tuple[Pieces, ...], bool]] = []
    run: list[Pieces] = []
    segment: list[str] = []
    for i, t in enumerate((*tokens, ":")):
        if t != ":":
            segment.append(t)
            continue
        run.append(_pieces(tuple(segment), ignore_case))
        is_open = bool(segment) and i > 0 and crossing(i - 1)
        segment = []
        if is_open:
            runs.append((tuple(run), True))
            run = []
    if run:
        runs.append((tuple(run), False))
    return Glob(runs=tuple(runs))


def glob_matches(
    pattern: str, value: str, *, ignore_case: bool = False, colon: bool = True
) -> bool:
    """`*` any run, `?` one character, everything else literal (P2, P3, C11)."""
    return _compiled(pattern, ignore_case, colon).matches(value)


@lru_cache(maxsize=1 << 16)
def _compiled(pattern: str, ignore_case: bool, colon: bool) -> Glob:
    tokens = wildcard_tokens(((pattern, True),))
    return compile_glob(tokens, ignore_case=ignore_case, colon=colon)
