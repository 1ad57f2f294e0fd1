"""Wildcard patterns as token lists, and whether two patterns can match a common string.

A policy's `Resource` (`*` any run, `?` one character, P3) and a catalog ARN template
(`${Var}` placeholders) are both sequences of tokens: a character class, repeated or not.
`intersects` walks the product of the two automata, so "could this Resource name a resource
of that type?" is answered exactly instead of by trying sample strings.
"""

from __future__ import annotations

import re
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
