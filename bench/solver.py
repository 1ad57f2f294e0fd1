"""Benchmark: z3 queries (`can`, `who-can`) on the demo organization and on the AWS managed
policies (each the only identity policy of one role). Prints medians, p99, totals and how many
answers were unknown; asserts nothing.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

from iamgraph.catalog import catalog
from iamgraph.evaluate.gather import Mfa
from iamgraph.evaluate.layers import PolicySet
from iamgraph.evaluate.request import Caller, ContextValue
from iamgraph.load.snapshot import load_snapshot
from iamgraph.model.policy import PolicyKind, parse_policy
from iamgraph.model.source import SourceRef
from iamgraph.query.simulate import caller_context
from iamgraph.solvers.domains import expand_star
from iamgraph.solvers.properties import can, who_can
from iamgraph.solvers.replay import ReplayContext
from iamgraph.solvers.solve import solve
from iamgraph.verdict import Verdict

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "fixtures" / "demo-org"
MANAGED = REPO.parent / "shared" / "data" / "aws-managed-policies" / "aws-managed-policies.json"
TRAIL = "arn:aws:cloudtrail:us-east-1:111122223333:trail/acme-org-trail"


def pct(times: list[float], q: float) -> float:
    s = sorted(times)
    return s[min(len(s) - 1, int(len(s) * q))]


def demo() -> None:
    snap = load_snapshot(DEMO)
    catalog()
    times, unknown = [], 0
    questions = [
        (["cloudtrail:StopLogging", "cloudtrail:DeleteTrail"], [TRAIL]),
        (["sts:AssumeRole"], ["arn:aws:iam::111122223333:role/BreakGlassAdmin"]),
        (["s3:GetObject"], ["arn:aws:s3:::acme-org-cloudtrail-logs-222233334444/org/*"]),
        (["iam:PassRole"], ["arn:aws:iam::111122223333:role/*"]),
    ]
    for actions, resources in questions:
        for arn in snap.principals:
            t = time.perf_counter()
            a = can(snap, arn, actions, resources, mfa="no-mfa")
            times.append(time.perf_counter() - t)
            unknown += a.verdict is Verdict.UNKNOWN
    print(
        f"demo-org can: {len(times)} queries, median {statistics.median(times) * 1000:.1f} ms, "
        f"p99 {pct(times, 0.99) * 1000:.1f} ms, unknown {unknown}"
    )
    for actions, resources in questions:
        t = time.perf_counter()
        answers = who_can(snap, actions, resources, mfa="no-mfa")
        dt = time.perf_counter() - t
        reach = sum(a.verdict is Verdict.REACHABLE for a in answers)
        print(
            f"demo-org who-can {actions[0]} on {resources[0]}: {dt * 1000:.0f} ms, {len(answers)} principals, {reach} reachable"
        )


def managed() -> None:
    docs = json.loads(MANAGED.read_text())["policies"]
    account = "111122223333"
    roles = []
    for i, p in enumerate(docs):
        policy = parse_policy(
            p["Document"],
            kind=PolicyKind.IDENTITY,
            source=SourceRef(p["PolicyName"]),
            name=p["PolicyName"],
        )
        caller = Caller.from_arn(f"arn:aws:iam::{account}:role/r{i}")
        roles.append(
            (
                p["PolicyName"],
                PolicySet(caller=caller, resource_account=account, identity=(policy,)),
            )
        )
    for action, resource in (("iam:PassRole", "*"), ("s3:GetObject", "arn:aws:s3:::corp-data/*")):
        times, verdicts = [], {}
        t0 = time.perf_counter()
        for name, ps in roles:
            modes = (Mfa.NO_MFA, Mfa.MFA)
            replay = ReplayContext(
                credentials={m: tuple(caller_context(ps.caller, m)) for m in modes}
            )
            pinned = [
                (k, v)
                for k, v in caller_context(ps.caller, Mfa.NO_MFA)
                if "multifactor" not in k.lower()
            ]
            pinned.append(("aws:ResourceAccount", ContextValue((account,))))
            t = time.perf_counter()
            for res in expand_star(action, [resource]):  # "*": each resource type it takes
                a = solve(ps, name, action, res, pinned, modes, replay=replay)
                if a.verdict is not Verdict.UNREACHABLE:
                    break
            times.append(time.perf_counter() - t)
            verdicts[a.verdict.value] = verdicts.get(a.verdict.value, 0) + 1
        total = time.perf_counter() - t0
        print(
            f"managed policies who-can {action} on {resource}: {len(roles)} roles in {total:.2f} s, "
            f"median {statistics.median(times) * 1000:.1f} ms, p99 {pct(times, 0.99) * 1000:.1f} ms, {verdicts}"
        )


if __name__ == "__main__":
    demo()
    if MANAGED.exists():
        managed()
