"""`lint`'s findings as text, like a compiler's: `file:line:col: severity rule: message`, then
the counts; and as JSON."""

from __future__ import annotations

from iamgraph.premerge.lint import LintFinding, Severity


def finding_line(f: LintFinding) -> str:
    where = f"{f.file}:{f.line}:{f.column}" if f.line else f.file
    return f"{where}: {f.rule.severity.value} {f.rule.id}: {f.message} [{f.path}]"


def counts_line(findings: list[LintFinding]) -> str:
    errors = sum(f.rule.severity is Severity.ERROR for f in findings)
    return f"{errors} errors, {len(findings) - errors} warnings"


def lint_json(findings: list[LintFinding]) -> dict:
    return {"findings": [f.as_dict() for f in findings]}
