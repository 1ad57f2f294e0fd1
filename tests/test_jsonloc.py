import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from iamgraph.errors import InputError
from iamgraph.load.jsonloc import parse_located, read_located

TEXT = """{
    "Statement": [
        {"Effect": "Allow",
         "Action": "s3:GetObject"}
    ]
}"""


def test_positions_of_nested_values():
    doc = parse_located(TEXT, "p.json")
    assert doc.position(("Statement", 0)) == (3, 9)
    assert doc.position(("Statement", 0, "Action")) == (4, 20)
    # a path below a scalar falls back to the nearest located ancestor
    assert doc.position(("Statement", 0, "Action", 3)) == (4, 20)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"a": 1,}', "invalid JSON at line 1 column 9: expected a property name in double quotes"),
        ('{"a": [1, 2}', "invalid JSON at line 1 column 12: expected ',' or ']' in an array"),
        (
            '{"a": tru}',
            "invalid JSON at line 1 column 7: unexpected character 't', expected a value",
        ),
        ("{} {}", "invalid JSON at line 1 column 4: extra data after the JSON value"),
        ('{"a": "x', "invalid JSON at line 1 column 7: unterminated string"),
    ],
)
def test_syntax_errors_name_line_and_column(text, message):
    with pytest.raises(InputError) as info:
        parse_located(text, "bad.json")
    assert str(info.value) == f"bad.json: $: {message}"


def test_missing_and_empty_files(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        read_located(tmp_path / "nope.json")
    (tmp_path / "empty.json").write_text("  \n")
    with pytest.raises(InputError, match="empty file, expected JSON"):
        read_located(tmp_path / "empty.json")


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=20,
)


@given(json_values, st.sampled_from([None, 2, 4]))
def test_agrees_with_the_standard_library(value, indent):
    text = json.dumps(value, indent=indent)
    assert parse_located(text).value == json.loads(text)
