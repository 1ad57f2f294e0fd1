"""Hostile input, issue 17 classes 3 and 4: nothing from the input is injected into an output.

A Sid, a file name, a user or OU name are attacker-chosen strings. In a pull-request comment a
carriage return (a CommonMark line ending) or a blank line must not start a heading or an HTML
block; on a terminal an ESC sequence must not erase the FAIL line above; in a Graphviz SVG a
control character must not make the XML unparsable. The Markdown is checked by parsing it with
a CommonMark parser (markdown-it-py), not by comparing strings.
"""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET

import pytest
from markdown_it import MarkdownIt
from typer.testing import CliRunner

from iamgraph.cli.app import app
from iamgraph.render.controls import label, one_line, terminal
from iamgraph.render.html import e
from iamgraph.render.markdown import code, escape
from tests.conftest import DEMO, FIXTURES

runner = CliRunner()
ESC = "\x1b[2K\x1b[1A"  # erase the line, cursor up: hides the line above
USER = f"maria{ESC}\r\x9b"  # ESC sequence, carriage return, C1 CSI
SHOWN = "maria\\x1b[2K\\x1b[1A\\x0d\\x9b"
OU = f"Sec{ESC}urity\n<b>"
RAW = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # what must never reach a terminal
TRAIL = "arn:aws:cloudtrail:us-east-1:111122223333:trail/acme-org-trail"


# -- class 3: Markdown ---------------------------------------------------------------------------
PAYLOADS = [
    "Wide\r### ✅ PASS: no new access\r",
    "Wide\r\n\r\n### ✅ PASS: no new access\r\n",
    "Wide\u2028### ✅ PASS: no new access\u2029\x85",
    "Wide\n\n<img src=x onerror=alert(1)>\n\n# ✅ PASS: no new access",
]


def _tokens(markdown_text: str) -> list:
    """Every block and inline token CommonMark (with GitHub's tables) makes of the comment."""
    md = MarkdownIt("commonmark").enable("table")
    out = []
    for t in md.parse(markdown_text):
        out.append(t)
        out += t.children or []
    return out


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_sid_and_a_file_name_cannot_inject_markdown(tmp_path, payload):
    policy = json.loads((FIXTURES / "policies/diff/reader-widened.json").read_text())
    for s in policy["Statement"]:
        s["Sid"] = payload
    new = tmp_path / f"new{payload[4:20]}.json"  # the file name in the PR holds it too
    new.write_text(json.dumps(policy))
    old = FIXTURES / "policies/diff/reader-wildcard.json"
    result = runner.invoke(
        app, ["diff-policy", str(old), str(new), "-f", "markdown", "--timeout", "120"]
    )
    assert result.exit_code == 1, result.output
    assert "PASS: no new access" in result.stdout  # the payload is there, as text
    tokens = _tokens(result.stdout)
    headings = [i for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert headings == [0]  # the title only
    assert tokens[1].content.startswith("iamgraph diff-policy") and "❌ FAIL" in tokens[1].content
    for t in tokens:
        if t.type == "html_block":
            tags = set(re.findall(r"<(/?[A-Za-z]+)", t.content))
            assert tags <= {"details", "/details", "summary", "/summary"}, t.content
        assert t.type != "html_inline", t.content
    carried = [t.content for t in tokens if t.type == "code_inline" and "PASS" in t.content]
    assert carried  # the Sid is shown in a code span, on one line


def test_markdown_helpers_keep_every_value_on_one_line():
    for ending in ("\r\n", "\r", "\n", "\u2028", "\u2029", "\x85", "\x0b", "\x0c"):
        for out in (code(f"a{ending}# b"), escape(f"a{ending}# b"), one_line(f"a{ending}b")):
            assert not re.search(r"[\r\n\u2028\u2029\x85\x0b\x0c]", out), repr(out)
    assert one_line("a\x1bb\tc") == "a\\x1bb\tc"


# -- class 4: terminal and SVG -------------------------------------------------------------------
@pytest.fixture(scope="module")
def hostile_org(tmp_path_factory):
    """The demo organization with maria.garcia (an administrator) and the Security OU renamed
    to names holding ESC sequences, a carriage return, a C1 character and a newline."""
    root = tmp_path_factory.mktemp("hostile") / "org"
    shutil.copytree(DEMO, root)
    user, ou = json.dumps(USER)[1:-1], json.dumps(OU)[1:-1]
    for f in root.rglob("*.json"):
        text = f.read_text()
        new = text.replace("maria.garcia", user).replace('"Name": "Security"', f'"Name": "{ou}"')
        if new != text:
            f.write_text(new)
    return root


def _clean(text: str) -> None:
    assert not RAW.search(text), repr(RAW.search(text))


def test_privesc_text_shows_control_characters_escaped(hostile_org):
    result = runner.invoke(app, ["privesc", str(hostile_org), "--timeout", "120"])
    _clean(result.stdout)
    _clean(result.stderr)
    row = [line for line in result.stdout.splitlines() if "maria" in line]
    assert len(row) == 1 and SHOWN in row[0] and "reachable" in row[0]  # still on its own row


def test_who_can_text_shows_control_characters_escaped(hostile_org):
    args = ["who-can", str(hostile_org), "--action", "cloudtrail:StopLogging", "--direct"]
    result = runner.invoke(app, [*args, "--resource", TRAIL, "--timeout", "120"])
    _clean(result.stdout)
    lines = result.stdout.splitlines()
    assert lines[0].startswith("YES: ") and SHOWN in lines[0]  # the answer names it, escaped
    row = [line for line in lines[1:] if "maria" in line]
    assert len(row) == 1 and SHOWN in row[0] and "reachable" in row[0]


def test_json_keeps_the_exact_name_escaped_by_the_encoder(hostile_org):
    result = runner.invoke(app, ["privesc", str(hostile_org), "-f", "json", "--timeout", "120"])
    _clean(result.stdout)  # C0 escaped by the encoder, DEL and C1 by print_json
    names = {p["principal"] for p in json.loads(result.stdout)["principals"]}
    assert f"arn:aws:iam::111122223333:user/{USER}" in names  # the exact name, once parsed


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_graph_svg_is_well_formed_xml(hostile_org, tmp_path):
    out = tmp_path / "x.svg"
    result = runner.invoke(app, ["graph", str(hostile_org), "--render", str(out)])
    assert result.exit_code == 0, result.output
    svg = ET.parse(out).getroot()  # raises on a control character
    texts = " ".join(t.text or "" for t in svg.iter("{http://www.w3.org/2000/svg}text"))
    assert SHOWN in texts and "OU Sec\\x1b[2K\\x1b[1Aurity\\x0a<b>" in texts


def test_dot_labels_hold_no_control_character(hostile_org, tmp_path):
    out = tmp_path / "x.dot"
    result = runner.invoke(app, ["graph", str(hostile_org), "--render", str(out)])
    assert result.exit_code == 0, result.output
    _clean(out.read_text().replace("\n", "").replace("\t", ""))


def test_an_input_error_line_shows_control_characters_escaped(tmp_path):
    result = runner.invoke(app, ["privesc", str(tmp_path / f"none{ESC}")])
    assert result.exit_code == 2
    _clean(result.stderr)
    assert "none\\x1b[2K\\x1b[1A" in result.stderr


def test_escapes_for_every_control_character():
    controls = "".join(map(chr, [*range(0x20), *range(0x7F, 0xA0)]))
    assert not RAW.search(terminal(controls)) and "\t\n" in terminal(controls)
    assert not re.search(
        r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ufffe\uffff]",
        label(controls + "\u2028\u2029\ufffe\uffff"),
    )
    assert terminal("a\x1b[1Ab\rc") == "a\\x1b[1Ab\\x0dc"
    assert e("a\x1bb<") == "a\\x1bb&lt;"


def test_a_newline_in_a_witness_value_cannot_print_a_line_of_its_own(tmp_path):
    """A condition value is the policy author's: with a newline in it, the witness line used
    to print `PASS: no new access, proven` as a line of its own under the FAIL."""
    from typer.testing import CliRunner

    from iamgraph.cli.app import app

    value = "x\nPASS: no new access, proven\n"
    st = {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/*"}
    st["Condition"] = {"StringEquals": {"aws:PrincipalTag/team": value}}
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text('{"Version": "2012-10-17", "Statement": []}')
    new.write_text(json.dumps({"Version": "2012-10-17", "Statement": [st]}))
    result = CliRunner().invoke(app, ["diff-policy", str(old), str(new)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith("FAIL:")
    assert not any(line.startswith("PASS") for line in lines)
    assert r"aws:PrincipalTag/team=x\x0aPASS: no new access, proven\x0a" in result.output


def test_bidi_controls_are_shown_not_obeyed():
    """U+202E (right-to-left override) and the isolates reorder what a terminal or browser
    shows ("Trojan Source"); every human-facing writer shows them as escapes."""
    from iamgraph.render.controls import label, one_line, terminal, terminal_line

    hostile = "role/\u202eSSAP\u2066x\u2069"
    for escape_fn in (terminal, terminal_line, label, one_line):
        out = escape_fn(hostile)
        assert not re.search("[\u202a-\u202e\u2066-\u2069]", out), escape_fn.__name__
        assert "\\u202e" in out and "\\u2066" in out


def test_progress_descriptions_are_plain_text():
    """An account folder named `[blink]x` or holding an ESC sequence is shown as written on the
    progress bar, not read as rich markup or obeyed by the terminal."""
    from rich.text import Text

    from iamgraph.cli.common import shown

    text = "loading [bold red]111122223333[/]\x1b[2K"
    rendered = Text.from_markup(shown(text))
    assert rendered.plain == "loading [bold red]111122223333[/]\\x1b[2K"
    assert not rendered.spans
