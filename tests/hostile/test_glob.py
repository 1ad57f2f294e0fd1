"""Issue 17, class 1: wildcard matching cannot backtrack.

`*a*a*...*b` used to become `.*a.*a...b` and Python's `re` tried every way to split a long name
among the stars: minutes for 15 stars and 60 characters. The inputs below would take the old
code far longer than any CI job; the matcher in `model/patterns.py` decides them at once.
The property tests keep the old regexes as the reference: same answers on short inputs, case
rules included (P1 actions case-insensitive, P3 resources case-sensitive, C11, C17).
"""

import json
import re

from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from iamgraph.catalog import catalog
from iamgraph.cli.app import app
from iamgraph.evaluate.matching import (
    _segmented,
    action_matches,
    glob_match,
    parts_glob,
    resource_matches,
    short_pattern,
)
from iamgraph.evaluate.request import Request
from iamgraph.model.patterns import wildcard_tokens

NO_REQUEST = Request("s3:GetObject", "*")  # variables are off: the request is never read

# --- the regexes matching.py used before issue 17, kept only as the reference -------------


def old_glob(pattern: str, ignore_case: bool, colon: bool) -> re.Pattern[str]:
    star, one = (".*", ".") if colon else ("[^:]*", "[^:]")
    body = "".join(star if c == "*" else one if c == "?" else re.escape(c) for c in pattern)
    return re.compile(body, (re.IGNORECASE if ignore_case else 0) | re.DOTALL)


def old_glob_match(pattern: str, value: str, ignore_case: bool, colon: bool) -> bool:
    if "*" not in pattern and "?" not in pattern:  # kept as it was: no wildcard, no regex
        return pattern.lower() == value.lower() if ignore_case else pattern == value
    return old_glob(pattern, ignore_case, colon).fullmatch(value) is not None


def old_parts_regex(parts, *, colon=True):
    star, one = (".*", ".") if colon else ("[^:]*", "[^:]")
    out = []
    for piece, is_pattern in parts:
        if is_pattern:
            out.append(
                "".join(star if c == "*" else one if c == "?" else re.escape(c) for c in piece)
            )
        else:
            out.append(re.escape(piece))
    return "".join(out)


def old_short_pattern_regex(parts):
    out = []
    for n, (piece, is_pattern) in enumerate(parts):
        if not is_pattern:
            out.append(re.escape(piece))
            continue
        for i, c in enumerate(piece):
            nxt = (
                piece[i + 1]
                if i + 1 < len(piece)
                else next((p[0] for p, _ in parts[n + 1 :] if p), "")
            )
            if c == "*":
                out.append(".*" if nxt in (":", "") else "[^:]*")
            elif c == "?":
                out.append("[^:]")
            else:
                out.append(re.escape(c))
    return "".join(out)


def old_split_head(parts):
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
                    return old_parts_regex(head, colon=False), old_parts_regex(tail, colon=True)
    return None


def old_segmented(parts, resource):
    head = old_split_head(parts)
    if head is None:
        return re.fullmatch(old_parts_regex(parts), resource, re.DOTALL) is not None
    values = resource.split(":", 5)
    return re.fullmatch(head[0], ":".join(values[:5]), re.DOTALL) is not None and (
        re.fullmatch(head[1], values[5], re.DOTALL) is not None
    )


# --- random short patterns and values ----------------------------------------------------

# Letters whose case-folding `re` treats specially (long s, Kelvin sign, dotted I) sit beside
# plain ones, so "case sensitivity exactly as before" is tested, not assumed.
CHARS = "aAbB:/ſsKkİi"
PATTERN = st.text(alphabet=CHARS + "*?", max_size=9)
VALUE = st.text(alphabet=CHARS, max_size=12)
PARTS = st.lists(st.tuples(st.text(alphabet=CHARS + "*?", max_size=5), st.booleans()), max_size=4)


@st.composite
def pattern_and_value(draw, pattern=PATTERN):
    """A value built from the pattern half the time, so matches are common, not rare."""
    p = draw(pattern)
    if draw(st.booleans()):
        return p, draw(VALUE)
    fill = [draw(VALUE) if c == "*" else draw(st.sampled_from(CHARS)) if c == "?" else c for c in p]
    return p, "".join(fill)


@settings(max_examples=1500, deadline=None)
@given(pattern_and_value(), st.booleans(), st.booleans())
def test_glob_match_agrees_with_the_old_regex(pv, ignore_case, colon):
    pattern, value = pv
    old = old_glob_match(pattern, value, ignore_case, colon)
    assert glob_match(pattern, value, ignore_case=ignore_case, colon=colon) is old


@settings(max_examples=1000, deadline=None)
@given(PARTS, VALUE, st.booleans())
def test_parts_and_short_patterns_agree_with_the_old_regexes(parts, value, colon):
    old = re.fullmatch(old_parts_regex(parts, colon=colon), value, re.DOTALL) is not None
    assert parts_glob(parts, colon=colon).matches(value) is old
    old_short = re.fullmatch(old_short_pattern_regex(parts), value, re.DOTALL) is not None
    assert short_pattern(parts).matches(value) is old_short


ARN_PATTERN = st.lists(st.text(alphabet="ab*?/", max_size=4), min_size=6, max_size=7).map(":".join)
ARN = st.lists(st.text(alphabet="ab/", max_size=4), min_size=6, max_size=7).map(":".join)


@settings(max_examples=1000, deadline=None)
@given(ARN_PATTERN, ARN, st.text(alphabet="a:b*", max_size=3))
def test_segmented_resources_agree_with_the_old_regexes(pattern, resource, substituted):
    assert resource_matches((pattern,), resource, NO_REQUEST, False) is old_segmented(
        [(pattern, True)], resource
    )
    parts = [(pattern, True), (substituted, False), ("*", True)]
    assert _segmented(parts, resource) is old_segmented(parts, resource)


def test_only_the_policys_own_wildcards_are_wildcards():  # V5: substituted text is literal
    assert parts_glob([("a", True), ("*", False)]).matches("a*")
    assert not parts_glob([("a", True), ("*", False)]).matches("ab")
    assert wildcard_tokens((("?", False),)) == ("?",)


# --- hostile inputs: 30 stars against 512 characters ------------------------------------

STARS = "*a" * 30 + "*b"  # no match: every `a` fits, the final `b` never does
NAME = "a" * 512


def test_thirty_stars_against_512_characters_decide():
    assert not glob_match(STARS, NAME)
    assert not glob_match(STARS, NAME, colon=False)
    assert glob_match(STARS, NAME + "b")
    assert not glob_match(STARS.upper(), NAME, ignore_case=True)
    assert action_matches(("s3:" + STARS,), "S3:" + NAME.upper() + "B")  # P1: any case
    role = "arn:aws:iam::111122223333:role/"
    assert not resource_matches((role + STARS,), role + NAME, NO_REQUEST, False)
    assert resource_matches((role + STARS,), role + NAME + "b", NO_REQUEST, False)
    assert not resource_matches((role + STARS.upper(),), role + NAME + "b", NO_REQUEST, False)  # P3
    assert not short_pattern([("x:" + STARS, True)]).matches("x:" + NAME)
    assert not parts_glob([(STARS, True)], colon=False).matches(NAME)


def test_thirty_stars_and_question_marks_in_colon_segments_decide():
    pattern = ":".join(["*a?" * 10 + "*b"] * 3)
    value = ":".join([NAME] * 3)
    assert not glob_match(pattern, value, colon=False)
    assert not short_pattern([(pattern, True)]).matches(value)
    assert not glob_match(pattern, value)


def test_catalog_action_expansion_with_thirty_stars():
    assert catalog().intervals("s3:" + "*e" * 30 + "*x") == ()


def test_simulate_with_a_thirty_star_resource_returns(tmp_path):
    role = "arn:aws:iam::111122223333:role/"
    policy = tmp_path / "stars.json"
    policy.write_text(
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": role + STARS}
                ],
            }
        )
    )
    result = CliRunner().invoke(
        app,
        [
            "simulate",
            "--identity-policy",
            str(policy),
            "--caller-arn",
            "arn:aws:iam::111122223333:user/dana",
            "--action",
            "sts:AssumeRole",
            "--resource",
            role + NAME,
        ],
    )
    assert result.exit_code in (0, 1), result.output
    assert result.stdout.split()[:2] == ["implicitDeny", "sts:AssumeRole"]


def test_diff_policy_with_a_sixteen_star_resource_returns(tmp_path):
    """The issue's reproduction: over 130 s before; the witness `role/aaa...a` is replayed on
    the evaluator against the star pattern."""
    stars = "arn:aws:iam::111122223333:role/" + "*a" * 16 + "*b"
    named = "arn:aws:iam::111122223333:role/" + "a" * 60
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    allow = {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": stars}
    old.write_text(json.dumps({"Version": "2012-10-17", "Statement": [allow]}))
    grant = {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": named}
    new.write_text(json.dumps({"Version": "2012-10-17", "Statement": [allow, grant]}))
    result = CliRunner().invoke(app, ["diff-policy", str(old), str(new)])
    assert result.exit_code == 1, result.output  # FAIL: `role/a...a` has no `b`, so it is new
    assert f"sts:AssumeRole on {named}" in result.stdout
