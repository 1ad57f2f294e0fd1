"""`collect`'s result as text: what was collected, what is not configured, the failed calls
(the first twenty; all of them are in snapshot.json)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # collect.run needs boto3, an optional extra: only its type is used here
    from iamgraph.collect.run import CollectResult

SHOWN_FAILURES = 20


def collect_lines(result: CollectResult) -> list[str]:
    org = f"organization {result.organization}" if result.organization else "no organization"
    resumed = f" ({len(result.resumed)} from an earlier run)" if result.resumed else ""
    lines = [
        f"Collected {len(result.accounts)} accounts{resumed} in {', '.join(result.regions)} "
        f"into {result.out_dir}: {org}",
        f"{len(result.facts)} not configured (facts), {len(result.failures)} failed calls "
        "(listed in snapshot.json)",
    ]
    lines += [
        f"  failed: {i.account} {i.region} {i.service}:{i.operation} {i.code}"
        for i in result.failures[:SHOWN_FAILURES]
    ]
    if len(result.failures) > SHOWN_FAILURES:
        lines.append(f"  ... and {len(result.failures) - SHOWN_FAILURES} more")
    return lines
