"""Wildcard patterns as z3 regular expressions, mirroring `iamgraph.evaluate.matching` exactly.

Input: a glob (`*` any run, `?` one character) and how it may cross `:`. Output: a z3 `ReRef`.
Trusted: z3's string theory. Nothing here yields `unknown`; callers decide what they support.
"""

from __future__ import annotations

from functools import lru_cache

import z3

RE = z3.ReSort(z3.StringSort())
ANY_CHAR = z3.AllChar(RE)
NOT_COLON = z3.Intersect(ANY_CHAR, z3.Complement(z3.Re(":")))

# z3 rewrites a regex as it is asserted, before any timeout applies, in time that grows with the
# square of its wildcards and more (512 `*a` pieces: 0.5 s; 2,500 inside a 5 KB policy: 90 s).
# Real patterns hold a handful; a pattern with more is not encoded but left open (a havoc), so
# answers that depend on it are `unknown`, never a proof.
MAX_WILDCARDS = 64


def wildcards(pattern: str) -> int:
    return pattern.count("*") + pattern.count("?")


def too_wild(pattern: str) -> str | None:
    """Why the pattern is not encoded, if it is not."""
    n = wildcards(pattern)
    if n <= MAX_WILDCARDS:
        return None
    return f"a pattern with {n} wildcards is not encoded (more than {MAX_WILDCARDS})"


def _char(c: str, ignore_case: bool) -> z3.ReRef:
    if ignore_case and c.lower() != c.upper():
        return z3.Union(z3.Re(c.lower()), z3.Re(c.upper()))
    return z3.Re(z3.StringVal(c))


def literal(text: str, *, ignore_case: bool = False) -> z3.ReRef:
    if not text:
        return z3.Re(z3.StringVal(""))
    if not ignore_case:
        return z3.Re(z3.StringVal(text))
    parts = [_char(c, True) for c in text]
    return parts[0] if len(parts) == 1 else z3.Concat(*parts)


@lru_cache(maxsize=8192)
def glob(pattern: str, colon: bool = True, ignore_case: bool = False) -> z3.ReRef:
    """`*` -> any run (no `:` unless `colon`), `?` -> one character, the rest literal."""
    star = z3.Star(ANY_CHAR if colon else NOT_COLON)
    one = ANY_CHAR if colon else NOT_COLON
    parts: list[z3.ReRef] = []
    run = ""
    for c in pattern:
        if c in "*?":
            if run:
                parts.append(literal(run, ignore_case=ignore_case))
                run = ""
            parts.append(star if c == "*" else one)
        else:
            run += c
    if run:
        parts.append(literal(run, ignore_case=ignore_case))
    if not parts:
        return z3.Re(z3.StringVal(""))
    return parts[0] if len(parts) == 1 else z3.Concat(*parts)


def short_resource(pattern: str) -> z3.ReRef:
    """A Resource with fewer than six ARN segments (P3): a `*` that ends a segment may expand
    across `:`, every other wildcard stays inside its segment (`matching.short_pattern`)."""
    parts: list[z3.ReRef] = []
    run = ""
    for i, c in enumerate(pattern):
        if c in "*?":
            if run:
                parts.append(literal(run))
                run = ""
            ends = c == "*" and (i + 1 == len(pattern) or pattern[i + 1] == ":")
            parts.append(
                z3.Star(ANY_CHAR) if ends else z3.Star(NOT_COLON) if c == "*" else NOT_COLON
            )
        else:
            run += c
    if run:
        parts.append(literal(run))
    if not parts:
        return z3.Re(z3.StringVal(""))
    return parts[0] if len(parts) == 1 else z3.Concat(*parts)


def parts(pieces: list[tuple[str, bool]], *, colon: bool = True) -> z3.ReRef:
    """A pattern after variable substitution: pattern pieces keep their wildcards, substituted
    values are literal (V1, V5)."""
    out = [
        glob(piece, colon=colon) if is_pattern else literal(piece)
        for piece, is_pattern in pieces
        if piece
    ]
    if not out:
        return literal("")
    return out[0] if len(out) == 1 else z3.Concat(*out)


@lru_cache(maxsize=4096)
def resource_parts(pieces: tuple[tuple[str, bool], ...]) -> z3.ReRef:
    """A Resource after variable substitution, as `matching._resource_match` matches it (P3,
    V1, V5): substituted values are literal; with five colons the head's wildcards stay in
    their segment (the whole pattern one glob when a value holds one of those colons), with
    fewer a `*` that ends a segment crosses `:` (`matching.short_pattern`)."""
    text = "".join(piece for piece, _ in pieces)
    if text.count(":") < 5:
        return _short_parts(list(pieces))
    colons = 0
    for i, (piece, is_pattern) in enumerate(pieces):
        for j, c in enumerate(piece):
            if c != ":":
                continue
            if not is_pattern:
                return parts(list(pieces), colon=True)
            colons += 1
            if colons == 5:
                head = [*pieces[:i], (piece[:j], True)]
                tail = [(piece[j + 1 :], True), *pieces[i + 1 :]]
                return z3.Concat(parts(head, colon=False), z3.Re(":"), parts(tail, colon=True))
    return parts(list(pieces), colon=True)


def _short_parts(pieces: list[tuple[str, bool]]) -> z3.ReRef:
    out: list[z3.ReRef] = []
    for n, (piece, is_pattern) in enumerate(pieces):
        if not is_pattern:
            if piece:
                out.append(literal(piece))
            continue
        run = ""
        for i, c in enumerate(piece):
            if c not in "*?":
                run += c
                continue
            if run:
                out.append(literal(run))
                run = ""
            nxt = piece[i + 1] if i + 1 < len(piece) else _next_char(pieces, n)
            if c == "?":
                out.append(NOT_COLON)
            else:
                out.append(z3.Star(ANY_CHAR if nxt in (":", "") else NOT_COLON))
        if run:
            out.append(literal(run))
    if not out:
        return literal("")
    return out[0] if len(out) == 1 else z3.Concat(*out)


def _next_char(pieces: list[tuple[str, bool]], n: int) -> str:
    for piece, _ in pieces[n + 1 :]:
        if piece:
            return piece[0]
    return ""


@lru_cache(maxsize=8192)
def resource(pattern: str) -> z3.ReRef:
    """P3 as `matching._segmented`: wildcards stay within the first five ARN segments and may
    span `/` and `:` in the resource part. Only for patterns with at least five colons."""
    head, tail = _split5(pattern)
    return z3.Concat(glob(head, colon=False), z3.Re(":"), glob(tail, colon=True))


def _split5(pattern: str) -> tuple[str, str]:
    parts = pattern.split(":", 5)
    return ":".join(parts[:5]), parts[5]


# Commercial AWS regions, so that witnesses name real ones (partition aws).
REGIONS = (
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "af-south-1", "ap-east-1", "ap-south-1",
    "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
    "ap-southeast-5", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ca-central-1",
    "ca-west-1", "eu-central-1", "eu-central-2", "eu-west-1", "eu-west-2", "eu-west-3",
    "eu-north-1", "eu-south-1", "eu-south-2", "il-central-1", "me-south-1", "me-central-1",
    "sa-east-1", "mx-central-1",
)  # fmt: skip
DIGIT = z3.Range("0", "9")
PARTITIONS = ("aws", "aws-cn", "aws-us-gov")
NAME_CHAR = z3.Union(z3.Range("a", "z"), z3.Range("0", "9"), z3.Re("-"))
ALNUM = z3.Union(z3.Range("a", "z"), z3.Range("0", "9"))
# a name a reader takes for one: letters and digits, single dashes between them (left free,
# z3 picks `role/-` or `room/a-------`)
NAME = z3.Concat(z3.Plus(ALNUM), z3.Star(z3.Concat(z3.Re("-"), z3.Plus(ALNUM))))


def arn_term(pattern: str, tag: str = "resource") -> tuple[z3.SeqRef, list[z3.BoolRef]]:
    """A symbolic ARN matching `pattern`: one string with one regular membership (z3 decides
    those fast; a concatenation of segment variables it often cannot). A wildcard partition,
    region or account is narrowed to real values: aws partitions, a real region or none, an
    account id or none."""
    term = z3.String(tag)
    return term, [z3.InRe(term, _arn_regex(pattern))]


@lru_cache(maxsize=4096)
def _arn_regex(pattern: str) -> z3.ReRef:
    segments = pattern.split(":", 5)
    parts: list[z3.ReRef] = []
    for i, seg in enumerate(segments):
        if i:
            parts.append(z3.Re(":"))
        if not any(c in seg for c in "*?"):
            parts.append(literal(seg))
            continue
        shape = glob(seg, colon=(i == 5))
        narrow = {
            1: _choice(PARTITIONS),
            2: z3.Plus(NAME_CHAR),
            3: _choice(("", *REGIONS)),
            4: z3.Union(literal(""), z3.Loop(DIGIT, 12, 12)),
        }.get(i)
        parts.append(z3.Intersect(shape, narrow) if narrow is not None else shape)
    return z3.Concat(*parts)


@lru_cache(maxsize=64)
def _choice(values: tuple[str, ...]) -> z3.ReRef:
    return z3.Union(*[literal(v) for v in values])


def with_segment(pattern: str, index: int, value: str) -> str:
    """`pattern` with ARN segment `index` replaced (e.g. the account, to ask "same account?")."""
    segments = pattern.split(":", 5)
    segments[index] = value
    return ":".join(segments)


@lru_cache(maxsize=4096)
def resource_like_a_name(pattern: str) -> z3.ReRef:
    """`resource(pattern)` where each wildcard of the resource part stands for a short name
    (lower-case letters and digits, single dashes between them): a preference for readable
    witnesses, never a limit."""
    head, tail = _split5(pattern)
    parts: list[z3.ReRef] = []
    run = ""
    for c in tail:
        if c in "*?":
            if run:
                parts.append(literal(run))
                run = ""
            parts.append(NAME if c == "*" else ALNUM)
        else:
            run += c
    if run:
        parts.append(literal(run))
    tail_re = parts[0] if len(parts) == 1 else z3.Concat(*parts) if parts else literal("")
    return z3.Concat(glob(head, colon=False), z3.Re(":"), tail_re)
