"""A pull-request comment: the verdict first, then one table row per finding, the witnesses
folded under `<details>`. Everything from the input is put in code spans or escaped, and every
line ending in it (CommonMark's \\r as well as \\n, U+2028, U+2029, NEL) becomes a space, so
a policy cannot inject Markdown or HTML into the comment (issue 17, class 3)."""

from __future__ import annotations

from collections.abc import Iterable

from iamgraph.finding import Finding
from iamgraph.render.controls import one_line

HEADLINE = {"PASS": "✅ PASS", "FAIL": "❌ FAIL", "UNKNOWN": "⚠️ UNKNOWN"}


def code(text: str) -> str:
    """A code span that holds any text on one line: backticks become a longer fence, pipes are
    escaped."""
    text = one_line(text).replace("|", "\\|")
    fence = "`"
    while fence in text:
        fence += "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def markdown(
    title: str, result: str, items: Iterable[Finding], summary: list[str], image: str = ""
) -> str:
    """The comment. `summary` lines are Markdown the caller composed around escaped values;
    each is still kept to one line, as are the title and the image path."""
    items = list(items)
    title, image = one_line(title), one_line(image)
    summary = [one_line(line) for line in summary]
    live = [i for i in items if i.suppression is None]
    counts = (
        f"{sum(not i.unknown for i in live)} findings, {sum(i.unknown for i in live)} unknown, "
        f"{len(items) - len(live)} suppressed"
    )
    lines = [f"### iamgraph {title}: {HEADLINE.get(result, result)}", "", counts, ""]
    lines += summary
    if summary:
        lines.append("")
    if items:
        lines += ["| Severity | Rule | Subject | Finding |", "|---|---|---|---|"]
        for i in items:
            severity = "unknown" if i.unknown else i.rule.severity.value
            note = " (suppressed)" if i.suppression else ""
            lines.append(
                f"| {severity}{note} | {i.rule.id} {i.rule.title} | {code(i.subject)} "
                f"| {escape(i.message)} |"
            )
        lines.append("")
        for i in items:
            if not (i.details or i.suppression or i.locations):
                continue
            lines += ["<details>", f"<summary>{i.rule.id} {_html(i.message)}</summary>", ""]
            lines += [f"- {code(d.strip())}" for d in i.details]
            lines += [f"- at {code(f'{loc.file}:{loc.line}:{loc.column}')}" for loc in i.locations]
            if i.suppression:
                lines.append(f"- suppressed: {escape(i.suppression.justification)}")
            lines += ["", "</details>", ""]
    if image:
        lines += [f"Paths: ![escalation paths]({image})", ""]
    return "\n".join(lines).rstrip() + "\n"


def escape(text: str) -> str:
    """Text for a table cell or a list item: Markdown punctuation and pipes escaped."""
    out = one_line(text).replace("\\", "\\\\").replace("|", "\\|")
    for ch in "`*_[]<>#!":
        out = out.replace(ch, "\\" + ch)
    return out


def _html(text: str) -> str:
    """Text inside the `<summary>` HTML block: on one line, since a blank line ends the block."""
    return one_line(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
