"""The audit's own text and JSON reports (SARIF and Markdown are the shared writers): one line
pair per finding, the counts line, and the JSON document with each check's title and
remediation beside its findings; the check list, and the HTML page with its diagrams."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from datetime import datetime

from iamgraph.audit.run import Audit
from iamgraph.finding import Finding, Rule
from iamgraph.query.access import Status
from iamgraph.render.diagrams import audit_diagrams
from iamgraph.render.dot import svg
from iamgraph.render.headline import audit_headline
from iamgraph.render.html import html_report
from iamgraph.render.report import write
from iamgraph.render.text import Para, Said, short, warn


def outcome(f: Finding) -> str:
    """The audit's word for a finding: `fail` (proven) or `unknown` (could not tell)."""
    return "unknown" if f.unknown else "fail"


# what an unknown's `missing` names -> the file it needs, inside accounts/<id>/
_NEEDED = {
    "credential report": "iam/credential-report.csv",
    "IAM authorization details": "iam/get-account-authorization-details.json",
    "password policy file": "iam/get-account-password-policy.json",
    "account folder": "",
    "IAM data (iam/ folder)": "iam/",
}


def _needs(f: Finding) -> str:
    """The file an unknown finding lacks (`no_account_data`), or "" for other unknowns."""
    missing, account = f.evidence.get("missing"), f.evidence.get("account")
    if not (f.unknown and f.suppression is None and isinstance(missing, str) and account):
        return ""
    key = "password policy file" if missing.startswith("password policy file (") else missing
    file = _NEEDED.get(key)
    return "" if file is None else f"accounts/{account}/{file}"


def audit_text(
    result: str,
    findings: list[Finding],
    checks: list[Rule] | int,
    as_of: datetime,
    show_all: bool = False,
) -> list[Said]:
    """The answer first (`render.headline.audit_headline`), then a line pair per finding (the
    message wrapped to the terminal); the unknowns that lack one file are one pair, naming the
    file once and the checks it leaves open. With `show_all`, the checks that found nothing."""
    rules = checks if isinstance(checks, list) else []
    count = len(checks) if isinstance(checks, list) else checks
    groups: dict[str, list[Finding]] = {}
    for f in findings:
        if _needs(f):
            groups.setdefault(_needs(f), []).append(f)
    out: list[Said] = [Para(audit_headline(result, findings, count, as_of))]
    for f in findings:
        group = groups.get(_needs(f), [])
        if len(group) > 1:
            if f is group[0]:
                ids = ", ".join(dict.fromkeys(g.rule.id for g in group))
                out.append(
                    Para(
                        f"unknown   {len(group)} checks need {_needs(f)}, which the snapshot lacks:"
                    )
                )
                out.append(Para(ids, " " * 10, ""))
            continue
        state = "unknown" if f.unknown else f.rule.severity.value
        out.append(Para(f"{state:<8}  {f.rule.id}  {short(f.subject)}", "", " " * 10))
        out.append(Para(f.message, " " * 10, ""))
    if show_all and rules:
        found = {f.rule.id for f in findings}
        clean = [c.id for c in rules if c.id not in found]
        if clean:
            out.append(Para(f"nothing found by {len(clean)} checks: {', '.join(clean)}"))
    return out


def audit_json(result: str, findings: list[Finding], checks: list[Rule], as_of: datetime) -> dict:
    return {
        "result": result,
        "as_of": as_of.isoformat(),
        "checks": [c.id for c in checks],
        "findings": [
            {
                "check": f.rule.id,
                "title": f.rule.title,
                "severity": f.rule.severity.value,
                "outcome": outcome(f),
                "subject": f.subject,
                "message": f.message,
                "evidence": f.evidence,
                "remediation": f.rule.remediation,
                **({"source": str(f.source)} if f.source else {}),
                "fingerprint": f.fingerprint,
                **(
                    {"suppressed": {"justification": f.suppression.justification}}
                    if f.suppression
                    else {}
                ),
            }
            for f in findings
        ],
    }


def check_list(checks: Iterable[Rule]) -> list[str]:
    """`audit --list`: one line per check, id, severity and title."""
    return [f"{c.id:<45} {c.severity.value:<8} {c.title}" for c in checks]


def audit_report(fmt: str, a: Audit, show_all: bool = False) -> None:
    """The audit as text, JSON, SARIF or Markdown (HTML is `render.html.audit_html`)."""
    items = list(a.report.items)
    write(
        fmt,
        a.report,
        title=f"audit {a.folder}",
        text=lambda: audit_text(a.report.result, items, list(a.checks), a.context.as_of, show_all),
        json_doc=lambda: audit_json(a.report.result, items, list(a.checks), a.context.as_of),
        findings_in_json=False,
    )


def _svgs(a: Audit) -> list[tuple[str, str]]:
    """The diagrams as SVG text; none (with a note on stderr) when Graphviz's `dot` is
    missing."""
    if a.diagrams is None:
        return []
    out = []
    for caption, dot in audit_diagrams(a.context.snapshot, a.diagrams):
        try:
            out.append((caption, svg(dot)))
        except Exception as exc:  # graphviz.ExecutableNotFound, CalledProcessError
            warn(f"diagrams left out: {exc}")
            return []
    return out


def audit_html(a: Audit) -> None:
    """The audit as one self-contained HTML page on standard output (`render.html`)."""
    access = [
        (
            r.principal,
            r.service,
            [x.level for x in r.levels if x.status is Status.ALLOWED]
            + (["unknown"] if any(x.status is Status.UNKNOWN for x in r.levels) else []),
        )
        for r in a.context.access
    ]
    sys.stdout.write(
        html_report(
            title=f"iamgraph audit of {a.folder.name}",
            snapshot=str(a.folder),
            as_of=a.context.as_of.date().isoformat(),
            checks=list(a.checks),
            findings=list(a.found),
            access=access,
            diagrams=_svgs(a),
        )
    )
