"""Pattern intersection against a brute-force oracle over short strings."""

import itertools
import re

from hypothesis import given
from hypothesis import strategies as st

from iamgraph.model.patterns import glob_tokens, intersects, template_tokens

ALPHABET = "a/:"


def _glob_rx(p):
    return re.compile(
        "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in p), re.S
    )


def test_examples():
    bucket = template_tokens("arn:${Partition}:s3:::${BucketName}", frozenset({"BucketName"}))
    obj = template_tokens(
        "arn:${Partition}:s3:::${BucketName}/${ObjectName}", frozenset({"BucketName"})
    )
    assert intersects(glob_tokens("arn:aws:s3:::logs"), bucket)
    assert not intersects(glob_tokens("arn:aws:s3:::logs/*"), bucket)
    assert intersects(glob_tokens("arn:aws:s3:::logs/*"), obj)
    assert intersects(glob_tokens("arn:aws:s3:::*"), obj)
    assert not intersects(glob_tokens("arn:aws:s3:::logs"), obj)


@given(st.text("a/:*?", max_size=4), st.text("a/:*?", max_size=4))
def test_two_globs_agree_with_brute_force(p, q):
    rp, rq = _glob_rx(p), _glob_rx(q)
    # any common string can be shortened to at most len(p) + len(q) characters
    words = (
        "".join(w)
        for n in range(len(p) + len(q) + 1)
        for w in itertools.product(ALPHABET, repeat=n)
    )
    expected = any(rp.fullmatch(w) and rq.fullmatch(w) for w in words)
    assert intersects(glob_tokens(p), glob_tokens(q)) is expected
