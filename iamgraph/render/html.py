"""The audit as one self-contained HTML page: an auditor opens it offline, prints it, mails it.

Nothing is fetched: CSS is inline, there is no script, and a Content-Security-Policy forbids
loading anything should a value slip through. Every value from the snapshot is escaped (names,
messages and evidence are attacker-controlled text), and Graphviz SVG is rebuilt from a parse
with an allow-list of elements, no event handlers and only in-page links.
"""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from collections import Counter
from html import escape

from iamgraph.finding import Finding, Rule, Severity
from iamgraph.render.controls import terminal

__all__ = ["html_report", "sanitize_svg"]

LEVELS = ("List", "Read", "Write", "Permissions management", "Tagging")  # catalog's classic ones
SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
SVG_ELEMENTS = frozenset(
    {"svg", "g", "title", "desc", "defs", "polygon", "polyline", "path", "ellipse", "circle"}
    | {"rect", "line", "text", "tspan", "a", "linearGradient", "radialGradient", "stop"}
)  # what Graphviz draws with; anything else (script, foreignObject, animate, use) is dropped
ATTR_NAME = re.compile(r"[A-Za-z_][-A-Za-z0-9_.:]*\Z")
PROLOG = re.compile(r"<\?xml.*?\?>|<!DOCTYPE[^>\[]*(\[.*?\])?\s*>|<!--.*?-->", re.S)
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

CSS = """
body{font:14px/1.45 "DejaVu Sans",Helvetica,Arial,sans-serif;color:#1d1d1f;margin:0 auto;
 max-width:1200px;padding:1.5em}
h1{margin:0 0 .2em;font-size:1.7em}
h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:1.8em}
h3{margin:.2em 0;font-size:1.1em}.meta{color:#555;margin:0}nav a{margin-right:1em}
table{border-collapse:collapse;margin:.4em 0}th,td{border:1px solid #ccc;padding:.25em .5em;
 text-align:left;vertical-align:top}th{background:#f3f3f3}td.n,th.n{text-align:right}
.cards{display:flex;flex-wrap:wrap;gap:.6em}.card{border:1px solid #ccc;border-radius:6px;
 padding:.4em .8em;min-width:6em}.card b{display:block;font-size:1.6em}
.badge{display:inline-block;border-radius:4px;padding:0 .45em;font-size:.8em;font-weight:bold;
 text-transform:uppercase;color:#fff;vertical-align:middle}
.critical{background:#8b0000}.high{background:#d62728}.medium{background:#e67e00}
.low{background:#2b6cb0}.info{background:#666}.unknown{background:#7a5ea8}.fail{background:#444}
.check{border:1px solid #ddd;border-left:5px solid #999;border-radius:4px;padding:.6em .9em;
 margin:1em 0}.check.sev-critical{border-left-color:#8b0000}
.check.sev-high{border-left-color:#d62728}
.check.sev-medium{border-left-color:#e67e00}.check.sev-low{border-left-color:#2b6cb0}
.check p{margin:.25em 0}.id{font-family:"DejaVu Sans Mono",monospace}
.ev{font-size:.85em;margin:0}
.ev th{background:none;font-weight:normal;color:#555;white-space:nowrap}
code,.src{font-family:"DejaVu Sans Mono",monospace;font-size:.85em;overflow-wrap:anywhere}
table.findings{width:100%}table.findings>tbody>tr>td:nth-child(2){width:20%}
table.findings>tbody>tr>td:nth-child(4){width:18%}
.tables{display:flex;flex-wrap:wrap;gap:1.5em;align-items:flex-start}
td.mark{text-align:center;color:#0a6b2d;font-weight:bold}td.admin{background:#fff4cc}
figure{margin:1em 0}figure svg{max-width:100%;height:auto}figcaption{font-weight:bold}
@media print{body{max-width:none;padding:0;font-size:11px}nav{display:none}
 .check,figure,table{break-inside:avoid}.badge,td.admin,th{print-color-adjust:exact;
 -webkit-print-color-adjust:exact}h2{break-after:avoid}}
"""


def e(value: object) -> str:
    """Every value that reaches the page goes through here: HTML-escaped, and control
    characters but tab and newline shown as escapes (HTML forbids them in text)."""
    return escape(terminal(str(value)), quote=True)


def html_report(
    *,
    title: str,
    snapshot: str,
    as_of: str,
    checks: list[Rule],
    findings: list[Finding],
    access: list[tuple[str, str, list[str]]],
    diagrams: list[tuple[str, str]],
) -> str:
    """One HTML5 document: header, summary, findings by check, passed checks, access levels,
    escalation diagrams. Pure: the caller runs the audit and renders the SVG."""
    pairs = [(f.rule, f) for f in findings]
    body = [
        _header(title, snapshot, as_of),
        _summary(checks, pairs),
        _findings(pairs, snapshot),
        _passed(checks, pairs),
        _access(access),
        _diagrams(diagrams),
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{e(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


def _header(title: str, snapshot: str, as_of: str) -> str:
    links = "".join(
        f'<a href="#{k}">{v}</a>'
        for k, v in [
            ("summary", "Summary"),
            ("findings", "Findings"),
            ("passed", "Passed checks"),
            ("access", "Access levels"),
            ("diagrams", "Escalation diagrams"),
        ]
    )
    return (
        f'<header><h1>{e(title)}</h1><p class="meta">Snapshot <code>{e(snapshot)}</code>'
        f" &middot; as of {e(as_of)}</p><nav>{links}</nav></header>"
    )


def _badge(severity: Severity | str) -> str:
    return f'<span class="badge {e(severity)}">{e(severity)}</span>'


def _outcome(f: Finding) -> str:
    return "unknown" if f.unknown else "fail"


def _family(check_id: str) -> str:
    return check_id.split(".", 1)[0]


def _summary(checks: list[Rule], findings: list[tuple[Rule, Finding]]) -> str:
    """Counts an auditor reads first: by severity and outcome, then by family of checks."""
    by = Counter((c.severity, _outcome(f)) for c, f in findings)
    failed = {c.id for c, _ in findings}
    cards = [
        ("checks run", len(checks)),
        ("findings", len(findings)),
        ("failed (fail)", sum(n for (_, o), n in by.items() if o == "fail")),
        ("could not tell (unknown)", sum(n for (_, o), n in by.items() if o == "unknown")),
        ("checks passed", sum(1 for c in checks if c.id not in failed)),
    ]
    card_html = "".join(f'<div class="card"><b>{n}</b>{e(label)}</div>' for label, n in cards)
    sev_rows = "".join(
        f"<tr><td>{_badge(s)}</td><td class=n>{by[s, 'fail']}</td>"
        f"<td class=n>{by[s, 'unknown']}</td>"
        f"<td class=n>{by[s, 'fail'] + by[s, 'unknown']}</td></tr>"
        for s in Severity
    )
    families = list(dict.fromkeys(_family(c.id) for c in [*checks, *(c for c, _ in findings)]))
    fam_rows = "".join(
        f"<tr><td class=id>{e(fam)}</td>"
        f"<td class=n>{sum(1 for c in checks if _family(c.id) == fam)}</td>"
        f"<td class=n>{len({c.id for c, _ in findings if _family(c.id) == fam})}</td>"
        f"<td class=n>{sum(1 for c, _ in findings if _family(c.id) == fam)}</td></tr>"
        for fam in families
    )
    return (
        f'<section id="summary"><h2>Summary</h2><div class="cards">{card_html}</div>'
        '<div class="tables"><table class="by-severity"><tr><th>severity</th><th class=n>fail</th>'
        f"<th class=n>unknown</th><th class=n>total</th></tr>{sev_rows}</table>"
        '<table class="by-family"><tr><th>family</th><th class=n>checks</th>'
        f"<th class=n>checks with findings</th><th class=n>findings</th></tr>{fam_rows}</table>"
        "</div></section>"
    )


def _findings(findings: list[tuple[Rule, Finding]], snapshot: str) -> str:
    """Grouped by check, in the order given (run_audit sorts worst first)."""
    groups: dict[str, tuple[Rule, list[Finding]]] = {}
    for check, finding in findings:
        groups.setdefault(check.id, (check, []))[1].append(finding)
    if not groups:
        return '<section id="findings"><h2>Findings</h2><p>No findings.</p></section>'
    parts = [_check_block(c, fs, snapshot) for c, fs in groups.values()]
    return f'<section id="findings"><h2>Findings</h2>{"".join(parts)}</section>'


def _check_block(check: Rule, findings: list[Finding], snapshot: str) -> str:
    rows = "".join(
        f"<tr><td>{_badge(_outcome(f))}</td><td><code>{e(f.subject)}</code></td>"
        f"<td>{e(f.message)}{_evidence(f.evidence)}</td>"
        f"<td class=src>{_source(f, snapshot)}</td></tr>"
        for f in findings
    )
    return (
        f'<article class="check sev-{e(check.severity)}" id="check-{e(check.id)}">'
        f"<h3>{_badge(check.severity)} <span class=id>{e(check.id)}</span> {e(check.title)}</h3>"
        f"<p><b>Practice:</b> {e(check.practice)}</p>"
        f"<p><b>Remediation:</b> {e(check.remediation)}</p>"
        f"<p><b>Reads:</b> {e(check.reads)} &middot; {len(findings)} finding(s)</p>"
        "<table class=findings><tr><th>outcome</th><th>subject</th><th>what was found</th>"
        f"<th>source</th></tr>{rows}</table></article>"
    )


def _evidence(evidence: dict) -> str:
    if not evidence:
        return ""
    rows = "".join(f"<tr><th>{e(k)}</th><td>{e(_value(v))}</td></tr>" for k, v in evidence.items())
    return f'<table class="ev">{rows}</table>'


def _value(value: object) -> str:
    """Scalars as they are, lists of scalars comma-separated, anything deeper as JSON."""
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return ", ".join(str(v) for v in value) or "(none)"
    if isinstance(value, dict | list):
        return json.dumps(value, default=str)
    return "(none)" if value is None else str(value)


def _source(finding: Finding, snapshot: str) -> str:
    """`file:line`, relative to the snapshot folder when it lies inside it."""
    src = finding.source
    if src is None:
        return ""
    file = src.file
    for root in {snapshot, os.path.abspath(snapshot)} if snapshot else ():
        prefix = root.rstrip("/") + "/"
        if file.startswith(prefix):
            file = file[len(prefix) :]
            break
    return e(f"{file}:{src.line}" if src.line else file)


def _passed(checks: list[Rule], findings: list[tuple[Rule, Finding]]) -> str:
    """Coverage: the checks that ran and found nothing."""
    failed = {c.id for c, _ in findings}
    rows = "".join(
        f"<tr><td class=id>{e(c.id)}</td><td>{e(c.title)}</td><td>{_badge(c.severity)}</td>"
        f"<td>{e(c.reads)}</td></tr>"
        for c in checks
        if c.id not in failed
    )
    if not rows:
        return '<section id="passed"><h2>Passed checks</h2><p>None.</p></section>'
    return (
        '<section id="passed"><h2>Passed checks</h2><table class="passed">'
        f"<tr><th>check</th><th>title</th><th>severity</th><th>reads</th></tr>{rows}</table></section>"
    )


def _access(access: list[tuple[str, str, list[str]]]) -> str:
    """One table per principal: services by access level, a mark where allowed."""
    by_principal: dict[str, dict[str, set[str]]] = {}
    for principal, service, levels in access:
        by_principal.setdefault(principal, {}).setdefault(service, set()).update(levels)
    extra = sorted(
        {lv for s in by_principal.values() for ls in s.values() for lv in ls} - set(LEVELS)
    )
    columns = [*LEVELS, *extra]
    head = "<tr><th>service</th>" + "".join(f"<th>{e(c)}</th>" for c in columns) + "</tr>"
    tables = [
        f"<h3><code>{e(p)}</code></h3><table class=access>{head}"
        + "".join(_access_row(s, ls, columns) for s, ls in services.items())
        + "</table>"
        for p, services in by_principal.items()
    ]
    body = "".join(tables) or "<p>No access levels were computed.</p>"
    return f'<section id="access"><h2>Access levels</h2>{body}</section>'


def _access_row(service: str, levels: set[str], columns: list[str]) -> str:
    if service == "*":
        return (
            f'<tr><td class=id>*</td><td class=admin colspan="{len(columns)}">'
            "administrator: everything the SCPs allow</td></tr>"
        )
    marks = "".join(
        '<td class=mark title="allowed">✓</td>' if c in levels else "<td></td>" for c in columns
    )
    return f"<tr><td class=id>{e(service)}</td>{marks}</tr>"


def _diagrams(diagrams: list[tuple[str, str]]) -> str:
    figures = "".join(
        f"<figure>{sanitize_svg(svg)}<figcaption>{e(caption)}</figcaption></figure>"
        for caption, svg in diagrams
    )
    body = figures or "<p>No escalation paths to draw.</p>"
    return f'<section id="diagrams"><h2>Escalation diagrams</h2>{body}</section>'


def sanitize_svg(svg: str) -> str:
    """The <svg> element of `dot -Tsvg` output, rebuilt from a parse: prolog, DOCTYPE (and so
    any entity), comments, unknown elements, on* handlers and non-`#` links removed."""
    try:
        root = ET.fromstring(PROLOG.sub("", svg).strip())
    except ET.ParseError as err:
        return f'<p class="bad-svg">The diagram could not be embedded: {e(err)}</p>'
    if _local(root.tag) != "svg":
        return '<p class="bad-svg">The diagram is not an SVG document.</p>'
    return _element(root)


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def _element(el: ET.Element) -> str:
    tag = _local(el.tag)
    if tag not in SVG_ELEMENTS or not el.tag.startswith(("{" + SVG_NS + "}", tag)):
        return ""
    attrs = "".join(f' {name}="{e(value)}"' for name, value in _attributes(el))
    inner = e(el.text or "") + "".join(_element(c) + e(c.tail or "") for c in el)
    return f"<{tag}{attrs}>{inner}</{tag}>"


def _attributes(el: ET.Element) -> list[tuple[str, str]]:
    kept = []
    for key, value in el.attrib.items():
        if key.startswith("{" + XLINK_NS + "}"):
            name = "xlink:" + _local(key)
        elif key.startswith("{"):
            continue  # other namespaces: nothing Graphviz needs
        else:
            name = key
        lowered = name.lower()
        if not ATTR_NAME.match(name) or lowered.startswith("on"):
            continue
        if lowered == "style" and "url(" in value.lower():
            continue  # would fetch (the CSP forbids it too)
        if lowered.endswith("href") and not value.startswith("#"):
            continue
        kept.append((name, value))
    return kept
