"""docs/ask.md: every example's output is what `iamgraph ask` prints today, and its verb
tables are the vocabulary's (a verb or phrase added to the table and not to the page fails)."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from iamgraph.cli.app import app
from iamgraph.query.vocabulary import PHRASES, VERBS
from iamgraph.render import text
from tests.conftest import REPO

PAGE = (REPO / "docs" / "ask.md").read_text()
EXAMPLE = re.compile(
    r'```console\n\$ iamgraph ask fixtures/demo-org "(.*?)"\n(.*?)```\n\(exit (\d)\)', re.S
)
EXAMPLES = EXAMPLE.findall(PAGE)


def test_the_page_has_examples():
    assert len(EXAMPLES) >= 10


@pytest.mark.parametrize("question,printed,code", EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_example_output_is_real(monkeypatch, question, printed, code):
    monkeypatch.chdir(REPO)
    monkeypatch.setattr(text.stdout, "width", 100)  # as scripts/ask_docs.py runs it
    result = CliRunner().invoke(app, ["ask", "fixtures/demo-org", question])
    assert result.exit_code == int(code)
    assert result.stdout + result.stderr == printed


def test_every_verb_and_phrase_is_on_the_page():
    for verb, kinds in VERBS.items():
        assert f"| {verb} |" in PAGE
        for actions in kinds.values():
            assert all(f"`{a}`" in PAGE for a in actions)
    for phrase in PHRASES:
        assert f"`{phrase.words}`" in PAGE
