"""The relative links of README.md and docs/*.md lead somewhere: a file of the repository and,
for `page.md#anchor`, a heading of that page (GitHub's anchors). The README's reference moved to
docs/ (issue 19), so a link that was right from the top folder may not be from docs/."""

from __future__ import annotations

import re
from pathlib import Path

from tests.docs.pasted import REPO, documents

# Pages that other branches add: a link to one is checked once it exists.
ELSEWHERE = {
    Path("docs/ask.md"): "the ask grammar, written on the wt-ask branch (issue 19)",
}
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


def _prose(text: str) -> list[str]:
    """The document's lines outside code (indented blocks and fences)."""
    lines, fenced = [], False
    for line in text.split("\n"):
        if line.lstrip().startswith("```"):
            fenced = not fenced
        elif not fenced and not line.startswith("    "):
            lines.append(line)
    return lines


def anchors(path: Path) -> set[str]:
    """GitHub's anchor for every heading of a Markdown page (a repeated one gets -1, -2...)."""
    seen: dict[str, int] = {}
    found = set()
    for line in _prose(path.read_text()):
        if match := re.match(r"#+ (.*)", line):
            slug = re.sub(r"[^\w\- ]", "", match.group(1).strip().lower()).replace(" ", "-")
            found.add(slug if slug not in seen else f"{slug}-{seen[slug]}")
            seen[slug] = seen.get(slug, 0) + 1
    return found


def broken(document: Path, text: str | None = None) -> list[str]:
    """The links of `document` (or of `text`, as if it were there) that lead nowhere."""
    bad = []
    for line in _prose(text if text is not None else (REPO / document).read_text()):
        for target in LINK.findall(line):
            if re.match(r"[a-z]+:", target):
                continue  # https:, mailto:
            path, _, anchor = target.partition("#")
            file = (REPO / document).parent / path if path else REPO / document
            relative = Path(*file.resolve().relative_to(REPO).parts)
            if not file.exists():
                if relative not in ELSEWHERE:
                    bad.append(f"{target}: no such file")
            elif anchor and file.suffix == ".md" and anchor not in anchors(file):
                bad.append(f"{target}: no heading with that anchor")
    return bad


def test_relative_links_lead_somewhere():
    found = {str(d): broken(d) for d in documents()}
    assert {d: b for d, b in found.items() if b} == {}


def test_the_link_check_finds_broken_links():
    page = "[a](nope.md) [b](commands.md#no-such) [c](commands.md#iamgraph-can) [d](ask.md)"
    assert broken(Path("docs/page.md"), page) == [
        "nope.md: no such file",
        "commands.md#no-such: no heading with that anchor",
    ]
    assert broken(Path("README.md"), "    [code](nope.md)\n![x](docs/demo-dev.svg)") == []
    commands = REPO / "docs" / "commands.md"
    assert {"iamgraph-summary-snapshot", "iamgraph-lint-path", "time---deadline"} <= anchors(
        commands
    )
