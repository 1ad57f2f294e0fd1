"""`iamgraph lint`'s reports: a compiler's line per finding (`file:line:col: severity rule:
message [json-path]`) and the JSON document; the severity word is the rule's on the one scale
as a compiler says it (`error` or `warning`)."""

from __future__ import annotations

from iamgraph.finding import Finding
from iamgraph.premerge.lint import Linted, is_error


def lint_line(f: Finding) -> str:
    loc = f.locations[0]
    where = f"{loc.file}:{loc.line}:{loc.column}" if loc.line else loc.file
    return f"{where}: {f.rule.severity.compiler_word} {f.rule.id}: {f.message} [{f.key}]"


def lint_totals(findings: list[Finding]) -> str:
    errors = sum(is_error(f) for f in findings)
    return f"{errors} errors, {len(findings) - errors} warnings"


def lint_text(linted: Linted) -> list[str]:
    """A line per finding, the line that counts those in AWS managed policies (when some were
    left out), and the totals."""
    out = [lint_line(f) for f in linted.findings]
    if linted.aws_managed_hidden:
        out.append(
            f"{linted.aws_managed_hidden} findings in AWS managed policies not shown; "
            "--include-aws-managed shows them"
        )
    return [*out, lint_totals(list(linted.findings))]


def lint_json(linted: Linted) -> dict:
    return {
        "findings": [_as_dict(f) for f in linted.findings],
        "aws_managed_not_shown": linted.aws_managed_hidden,
    }


def _as_dict(f: Finding) -> dict:
    loc = f.locations[0]
    return {
        "rule": f.rule.id,
        "severity": f.rule.severity.compiler_word,
        "message": f.message,
        "file": loc.file,
        "line": loc.line,
        "column": loc.column,
        "json_path": f.key,
        "policy": f.subject,
    }
