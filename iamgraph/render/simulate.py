"""`simulate`'s results as text (one line per request, then the statements that decided it)
and as AWS-shaped JSON (`EvaluationResults`)."""

from __future__ import annotations

from iamgraph.query.simulate import Result
from iamgraph.render.text import reason_line


def simulate_lines(results: list[Result]) -> list[str]:
    lines = []
    width = max(len(r.action) for r in results)
    for r in results:
        d = r.decision
        lines.append(f"{d.outcome.value:<13} {r.action:<{width}}  {r.resource}")
        lines += [f"    {reason_line(reason)}" for reason in d.deciding]
        for why in d.lacking:
            lines.append(f"    no Allow: {why}")
        for why in d.unknown_because:
            lines.append(f"    unknown: {why}")
        if d.missing_context:
            lines.append(f"    missing context: {', '.join(d.missing_context)}")
        for a in d.assumptions:
            lines.append(f"    assumed: {a}")
    return lines


def simulate_json(results: list[Result]) -> dict:
    return {"EvaluationResults": [r.as_aws() for r in results]}
