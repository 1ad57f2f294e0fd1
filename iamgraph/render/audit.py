"""The audit's own text and JSON reports (SARIF, Markdown and HTML are the shared writers):
one line pair per finding, the counts line, and the JSON document with each check's title and
remediation beside its findings."""

from __future__ import annotations

from datetime import datetime

from iamgraph.finding import Finding, Rule, Severity


def outcome(f: Finding) -> str:
    """The audit's word for a finding: `fail` (proven) or `unknown` (could not tell)."""
    return "unknown" if f.unknown else "fail"


def audit_text(result: str, findings: list[Finding], checks: int, as_of: datetime) -> list[str]:
    out = []
    for f in findings:
        state = "unknown" if f.unknown else f.rule.severity.value
        out.append(f"{state:<8}  {f.rule.id}  {f.subject}")
        out.append(f"          {f.message}")
    live = [i for i in findings if i.suppression is None]
    fails = [i for i in live if not i.unknown]
    by = {s: sum(i.rule.severity is s for i in fails) for s in Severity}
    counts = ", ".join(f"{n} {s.value}" for s, n in by.items() if n)
    out.append(
        f"{result}: {len(fails)} findings ({counts or 'none'}), "
        f"{len(live) - len(fails)} unknown; {checks} checks, "
        f"as of {as_of.date().isoformat()}"
    )
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
