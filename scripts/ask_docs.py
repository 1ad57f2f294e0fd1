"""Write docs/ask.md from docs/ask.template.md: the vocabulary's verb and phrase tables, and
each `<<RUN: QUESTION>>` replaced by what `iamgraph ask fixtures/demo-org QUESTION` prints
(COLUMNS=100, no cache). tests/query/test_ask_docs.py checks the page against today's output.

    .venv/bin/python scripts/ask_docs.py
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from iamgraph.query.vocabulary import PHRASES, SERVICES, VERBS

REPO = Path(__file__).resolve().parent.parent
ENTRY = "import sys; from iamgraph.cli.app import app; sys.argv[0] = 'iamgraph'; app()"
KINDS = ("trail", "bucket", "object", "key", "topic", "role")


def verbs_table() -> str:
    rows = ["| verb | " + " | ".join(KINDS) + " |", "|---" * (len(KINDS) + 1) + "|"]
    for verb, kinds in VERBS.items():
        cells = [", ".join(f"`{a}`" for a in kinds.get(k, ())) or "-" for k in KINDS]
        rows.append(f"| {verb} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def phrases_list() -> str:
    by: dict[str, list[str]] = {}
    for p in PHRASES:
        by.setdefault(p.verb, []).append(
            f"`{p.words}`" + (" (alone: on the trail)" if p.implies else "")
        )
    return "\n".join(f"- **{verb}**: " + "; ".join(words) for verb, words in by.items())


def run(match: re.Match) -> str:
    question = match.group(1)
    env = dict(os.environ, COLUMNS="100", NO_COLOR="1", TERM="dumb", IAMGRAPH_NO_CACHE="1")
    argv = [sys.executable, "-c", ENTRY, "ask", "fixtures/demo-org", question]
    done = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=REPO)
    printed = (done.stdout + done.stderr).rstrip("\n")
    return (
        f'```console\n$ iamgraph ask fixtures/demo-org "{question}"\n{printed}\n```\n'
        f"(exit {done.returncode})"
    )


def main() -> None:
    page = (REPO / "docs" / "ask.template.md").read_text()
    page = page.replace("<<VERBS>>", verbs_table()).replace("<<PHRASES>>", phrases_list())
    page = page.replace("<<SERVICES>>", ", ".join(f"`{k}`" for k in SERVICES))
    page = re.sub(r"<<RUN: (.*?)>>", run, page)
    (REPO / "docs" / "ask.md").write_text(page)


if __name__ == "__main__":
    main()
