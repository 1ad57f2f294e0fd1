"""Benchmark: how fast `evaluate.decide` answers once policies are parsed and gathered.

Every principal of the demo organization against a fixed set of (action, resource) requests;
prints requests per second and the median and 99th-percentile time of one decision.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from iamgraph.evaluate.gather import credential_context, policies_for, request_context
from iamgraph.evaluate.layers import decide
from iamgraph.evaluate.request import Request
from iamgraph.load.snapshot import load_snapshot

DEMO = Path(__file__).resolve().parents[1] / "fixtures" / "demo-org"
REQUESTS = [
    ("cloudtrail:StopLogging", "arn:aws:cloudtrail:us-east-1:111122223333:trail/acme-org-trail"),
    ("cloudtrail:DeleteTrail", "arn:aws:cloudtrail:us-east-1:111122223333:trail/acme-org-trail"),
    ("sts:AssumeRole", "arn:aws:iam::111122223333:role/TrailOperator"),
    ("sts:AssumeRole", "arn:aws:iam::111122223333:role/BreakGlassAdmin"),
    ("iam:PassRole", "arn:aws:iam::111122223333:role/lambda-org-maintenance"),
    ("s3:GetObject", "arn:aws:s3:::acme-org-cloudtrail-logs-222233334444/org/AWSLogs/x.json.gz"),
    ("s3:DeleteObject", "arn:aws:s3:::acme-org-cloudtrail-logs-222233334444/org/AWSLogs/x.json.gz"),
    ("kms:Decrypt", "arn:aws:kms:us-east-1:222233334444:key/6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f"),
    ("ec2:RunInstances", "arn:aws:ec2:us-west-2:444455556666:instance/*"),
    ("rds:CreateDBInstance", "arn:aws:rds:us-east-1:555566667777:db:reports"),
]


def main() -> None:
    snap = load_snapshot(DEMO)
    principals = list(snap.principals)  # users, roles and each account's root
    cases = []
    start = time.perf_counter()
    for who in principals:
        for action, resource in REQUESTS:
            ps = policies_for(snap, who, action, resource)
            req = Request.build(
                action,
                resource,
                credential_context(snap, who, resource) + request_context(resource),
            )
            cases.append((ps, req))
    gather_s = time.perf_counter() - start
    times = []
    outcomes: dict[str, int] = {}
    for _ in range(5):
        for ps, req in cases:
            t = time.perf_counter()
            d = decide(ps, req)
            times.append(time.perf_counter() - t)
            outcomes[d.outcome.value] = outcomes.get(d.outcome.value, 0) + 1
    total = sum(times)
    times.sort()
    p99 = times[int(len(times) * 0.99)]
    print(
        f"demo-org: {len(principals)} principals x {len(REQUESTS)} requests = {len(cases)} cases; "
        f"gathering layers {gather_s * 1000:.0f} ms"
    )
    print(
        f"decide: {len(times) / total:,.0f} requests/s, median {statistics.median(times) * 1e6:.0f} us, "
        f"p99 {p99 * 1e6:.0f} us (5 rounds)"
    )
    print(f"outcomes per round: { {k: v // 5 for k, v in sorted(outcomes.items())} }")


if __name__ == "__main__":
    main()
