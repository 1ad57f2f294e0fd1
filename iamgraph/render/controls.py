"""Control characters and line endings out of every human-facing output (issue 17, class 4).

Names, Sids, OU and SCP names are attacker-chosen strings: an ESC sequence (`\\x1b[2K\\x1b[1A`)
written raw to a terminal erases the line above (a FAIL can be hidden), a carriage return
overwrites it, and in a Graphviz label the same bytes make an SVG that is not well-formed XML.
Each such character is shown visibly as its Python escape (`\\x1b`, `\\x85`): a reader sees
that it was there and which it was, and the output stays plain ASCII around it. A literal
backslash-x in a name reads the same; the JSON and SARIF outputs (escaped by their encoders)
keep the exact value.
"""

from __future__ import annotations

import re

# C0 (NUL..US), DEL, C1 (U+0080..U+009F). Tab and newline are matched too: each writer says
# which of them its format keeps.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Characters XML 1.0 forbids outside the control range (its `Char` production), the line and
# paragraph separators, which `str.splitlines` and some terminals and viewers break at, and the
# bidirectional embeddings, overrides and isolates, which make a terminal or a browser show text
# in another order than it is read ("Trojan Source": a FAIL can be made to read as PASS).
_NOT_ONE_LINE = re.compile(r"[\u2028\u2029\u202a-\u202e\u2066-\u2069\ufffe\uffff]")
# CommonMark's line endings (\r\n, \r, \n) and the ones other renderers honour: NEL, U+2028
# (line separator), U+2029 (paragraph separator); a vertical tab and form feed as well.
LINE_ENDINGS = re.compile(r"\r\n|[\r\n\x0b\x0c\x85\u2028\u2029]")


def _visible(m: re.Match[str]) -> str:
    return f"\\x{ord(m.group()):02x}"


def _unicode(m: re.Match[str]) -> str:
    return f"\\u{ord(m.group()):04x}"


def terminal(text: str) -> str:
    """Text for a terminal or a CI log: every control character but tab and newline shown as
    its escape, and the separators and bidi controls of `_NOT_ONE_LINE`. A newline is kept for
    the messages that join their lines with it; `terminal_line` is for one line."""
    text = _CONTROL.sub(lambda m: m.group() if m.group() in "\t\n" else _visible(m), text)
    return _NOT_ONE_LINE.sub(_unicode, text)


def terminal_line(text: str) -> str:
    """One line of a terminal or CI log (`say`): a newline inside it is a value's (a condition
    value in a witness could otherwise print a line of its own, `PASS: ...`), shown as its
    escape like every other control character but tab."""
    text = _CONTROL.sub(lambda m: m.group() if m.group() == "\t" else _visible(m), text)
    return _NOT_ONE_LINE.sub(_unicode, text)


def label(text: str) -> str:
    """One line for a diagram label (DOT, hence SVG/XML) or a table cell: every control
    character, tab and newline included, shown as its escape; U+2028, U+2029 and U+FFFE/U+FFFF
    (which XML forbids) as `\\u2028`."""
    text = _CONTROL.sub(_visible, text)
    return _NOT_ONE_LINE.sub(_unicode, text)


def one_line(text: str) -> str:
    """A value inside one Markdown line: each line ending a space (so no value starts a block:
    a heading, a list, an HTML block), every other control character but tab as its escape."""
    text = LINE_ENDINGS.sub(" ", text)
    text = _CONTROL.sub(lambda m: m.group() if m.group() == "\t" else _visible(m), text)
    return _NOT_ONE_LINE.sub(_unicode, text)
