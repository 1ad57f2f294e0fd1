"""Matching of Action, Resource and Principal elements, with policy variables (P1-P8, V1-V5).

Every matcher returns True or False, or raises `Uncertain` where AWS's documentation leaves the
answer open; the evaluator turns that into an `unknown` decision instead of guessing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from iamgraph.evaluate.request import Caller, CallerType, Request
from iamgraph.model.arn import is_account_id
from iamgraph.model.patterns import Glob, compile_glob, compile_short, glob_matches, wildcard_tokens
from iamgraph.model.policy import PrincipalBlock


class Uncertain(Exception):
    """The documentation does not settle this case; the decision must be `unknown`."""


MISSING = None  # a variable whose key is absent resolves to null: it matches nothing (V2)

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_DEFAULT = re.compile(r"^\s*([^,\s]+)\s*,\s*'([^']*)'\s*$")
_ESCAPES = {"*": "*", "?": "?", "$": "$"}  # V5


def glob_match(pattern: str, value: str, *, ignore_case: bool = False, colon: bool = True) -> bool:
    """`*` any run, `?` one character; with `colon=False` neither crosses a `:`. No regex over
    the whole pattern: `patterns.Glob` cannot backtrack (issue 17)."""
    if "*" not in pattern and "?" not in pattern:  # most action names: no wildcard
        return pattern.lower() == value.lower() if ignore_case else pattern == value
    return glob_matches(pattern, value, ignore_case=ignore_case, colon=colon)


def substitute(text: str, request: Request, enabled: bool) -> list[tuple[str, bool]] | None:
    """Split `text` into (piece, is_pattern) parts with `${...}` replaced (V1-V5).

    Pattern pieces keep their wildcards; substituted values and escapes are literal. None when a
    variable's key is absent and has no default (V2). Variables stay literal text unless the
    policy's Version enables them (V4).
    """
    if not enabled or "${" not in text:
        return [(text, True)]
    parts: list[tuple[str, bool]] = []
    pos = 0
    for m in _VARIABLE.finditer(text):
        parts.append((text[pos : m.start()], True))
        inner = m.group(1)
        pos = m.end()
        if inner in _ESCAPES:
            parts.append((_ESCAPES[inner], False))
            continue
        key, default = inner.strip(), None
        d = _DEFAULT.match(inner)
        if d:
            key, default = d.group(1), d.group(2)  # V3
        value = request.get(key)
        if value is None:
            if default is None:
                return MISSING
            parts.append((default, False))
        elif value.single is None:
            raise Uncertain(f"variable ${{{key}}} names a multivalued key (V1: single-valued only)")
        else:
            parts.append((value.single, False))
    parts.append((text[pos:], True))
    return parts


def parts_glob(parts: list[tuple[str, bool]], *, colon: bool = True) -> Glob:
    """Substituted parts as one pattern: wildcards only in the policy's own text (V5)."""
    return compile_glob(wildcard_tokens(tuple(parts)), colon=colon)


def action_matches(patterns: tuple[str, ...], action: str) -> bool:
    """P1, P2: case-insensitive; `*` and `?` anywhere in the action name."""
    try:
        return _action_matches(patterns, action)
    except TypeError:  # a list of patterns: not hashable, so not cached
        return any(glob_match(p, action, ignore_case=True) for p in patterns)


# An organization reuses a few statements (managed policies) across thousands of principals, and
# the graph asks each about the same few dozen actions: 3.5 million glob matches for 250
# principals, a few thousand distinct questions.
@lru_cache(maxsize=1 << 18)
def _action_matches(patterns: tuple[str, ...], action: str) -> bool:
    return any(glob_match(p, action, ignore_case=True) for p in patterns)


def resource_matches(
    patterns: tuple[str, ...], resource: str, request: Request, variables: bool
) -> bool:
    """P3: case-sensitive; a wildcard stays within the partition, service, region and account
    segments and may span `/` and `:` in the resource part. In a pattern with fewer than six
    segments a `*` that ends a segment may expand across `:` (`short_pattern_regex`)."""
    return any(_resource_match(p, resource, request, variables) for p in patterns)


def _resource_match(pattern: str, resource: str, request: Request, variables: bool) -> bool:
    if pattern == "*":
        return True
    if "${" not in pattern and pattern.count(":") >= 5 and resource.count(":") >= 5:
        if "*" not in pattern and "?" not in pattern:
            return pattern == resource
        head, tail = _plain(pattern)  # the common case, compiled once per pattern
        values = resource.split(":", 5)
        return head.matches(":".join(values[:5])) and tail.matches(values[5])
    parts = substitute(pattern, request, variables)
    if parts is MISSING:
        return False
    text = "".join(p for p, _ in parts)
    if text.count(":") >= 5 and resource.count(":") >= 5:
        return _segmented(parts, resource)
    return short_pattern(parts).matches(resource)


def short_pattern(parts: list[tuple[str, bool]]) -> Glob:
    """P3 for a Resource with fewer than six ARN segments: "if the `*` wildcard is the last
    character of a resource ARN segment, it can expand to match beyond the colon boundaries";
    every other `*` and `?` stays within its segment."""
    return compile_short(wildcard_tokens(tuple(parts)))


@lru_cache(maxsize=1 << 16)
def _plain(pattern: str) -> tuple[Glob, Glob]:
    """A pattern without variables, as `_segmented` matches it: head and resource part."""
    head = _split_head([(pattern, True)])
    assert head is not None  # the caller checked for five colons; no substituted text
    return head


def _segmented(parts: list[tuple[str, bool]], resource: str) -> bool:
    """Match the first five ARN segments without crossing `:`, then the resource part freely."""
    head = _split_head(parts)
    if head is None:
        return parts_glob(parts, colon=True).matches(resource)
    head_glob, tail_glob = head
    values = resource.split(":", 5)
    return head_glob.matches(":".join(values[:5])) and tail_glob.matches(values[5])


def _split_head(parts: list[tuple[str, bool]]) -> tuple[Glob, Glob] | None:
    """Patterns for the text before and after the fifth `:` of a pattern (None if a literal
    substituted value holds one of those colons)."""
    colons = 0
    for i, (piece, is_pattern) in enumerate(parts):
        for j, c in enumerate(piece):
            if c == ":":
                if not is_pattern:
                    return None
                colons += 1
                if colons == 5:
                    head = [*parts[:i], (piece[:j], True)]
                    tail = [(piece[j + 1 :], True), *parts[i + 1 :]]
                    return parts_glob(head, colon=False), parts_glob(tail, colon=True)
    return None


@dataclass(frozen=True)
class PrincipalMatch:
    """How a Principal element named the caller: decides E13-E15 and E18."""

    how: str  # everyone | account | user | role | session | service | federated


def principal_match(block: PrincipalBlock, caller: Caller) -> PrincipalMatch | None:
    """The most specific way `block` names `caller`, or None (P8, E18)."""
    if block.is_everyone:
        return PrincipalMatch("everyone")
    best: PrincipalMatch | None = None
    for value in block.aws:
        how = _aws_match(value, caller)
        if how and (best is None or _RANK[how] > _RANK[best.how]):
            best = PrincipalMatch(how)
    if caller.type is CallerType.SERVICE and caller.arn.lower() in (
        s.lower() for s in block.service
    ):
        best = PrincipalMatch("service")
    if caller.type is CallerType.WEB_IDENTITY and caller.arn in block.federated:
        best = PrincipalMatch("federated")
    return best


_RANK = {"account": 1, "role": 2, "user": 3, "session": 3}


def _aws_match(value: str, caller: Caller) -> str | None:
    if not caller.is_iam:
        return None
    if value in (caller.account, f"arn:aws:iam::{caller.account}:root"):
        return "account"  # E18: the account delegates to its own IAM policies
    if is_account_id(value):
        return None
    if value == caller.arn:
        return "session" if caller.type is CallerType.ASSUMED_ROLE else "user"
    if caller.role_arn and value == caller.role_arn:
        return "role"
    return None


def not_principal_excludes(block: PrincipalBlock, caller: Caller) -> bool:
    """P7: NotPrincipal leaves a caller out only if every identity it acts as is listed: its
    own ARN, its role's ARN for a session, and its account. Listing fewer may deny it."""
    if block.is_everyone:
        return True
    named = set(block.aws)
    if not caller.is_iam:
        return caller.arn in block.service or caller.arn in block.federated
    account = {caller.account, f"arn:aws:iam::{caller.account}:root"}
    needed = [caller.arn] + ([caller.role_arn] if caller.role_arn else [])
    if caller.type is CallerType.ROOT:
        return bool(named & account)
    return all(n in named for n in needed) and bool(named & account)
