"""A bucket policy file the snapshot lacks is "no policy" only where AWS said so.

The collector records `NoSuchBucketPolicy` as a fact in snapshot.json (collect.ledger) and
writes no file; an absent file without that record was not collected, and a bucket policy can
grant another account access (S3 cross-account access needs the bucket policy's grant:
https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-walkthroughs-managing-access-example2.html),
so a cross-account request is `unknown`, never proven unreachable (issue 16 item 7).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from iamgraph.evaluate.gather import find_target, policies_for
from iamgraph.load.snapshot import load_snapshot
from tests.conftest import FIXTURES
from tests.demo import CI_DEPLOYER, LOGS_ID, TRAIL_BUCKET, TRAIL_BUCKET_NAME

OBJECT = f"{TRAIL_BUCKET}/AWSLogs/{LOGS_ID}/x.json.gz"


def _without_policy(tmp_path: Path, answered: bool) -> Path:
    root = tmp_path / "snap"
    shutil.copytree(FIXTURES / "demo-org", root)
    (root / "accounts" / LOGS_ID / "s3" / TRAIL_BUCKET_NAME / "get-bucket-policy.json").unlink()
    if answered:
        meta = json.loads((root / "snapshot.json").read_text())
        meta["facts"].append(
            {
                "service": "s3",
                "operation": "GetBucketPolicy",
                "account": LOGS_ID,
                "region": "us-east-1",
                "code": "NoSuchBucketPolicy",
            }
        )
        (root / "snapshot.json").write_text(json.dumps(meta))
    return root


def test_an_uncollected_bucket_policy_is_not_taken_for_none(tmp_path):
    snap = load_snapshot(_without_policy(tmp_path, answered=False))
    target = find_target(snap, "s3:GetObject", OBJECT)
    assert target.policy is None
    assert target.unresolved == (
        f"bucket policy of {OBJECT} (no get-bucket-policy.json, and snapshot.json records no "
        "NoSuchBucketPolicy answer for its account)",
    )


def test_a_bucket_answered_without_policy_has_none(tmp_path):
    snap = load_snapshot(_without_policy(tmp_path, answered=True))
    target = find_target(snap, "s3:GetObject", OBJECT)
    assert (target.account, target.policy, target.unresolved) == (LOGS_ID, None, ())


def test_an_uncollected_bucket_policy_leaves_the_layers_unresolved(tmp_path):
    """The layers of a request on the bucket carry the gap, so the solver and the evaluator
    answer `unknown` wherever the bucket policy could decide (as for an unreadable one)."""
    snap = load_snapshot(_without_policy(tmp_path, answered=False))
    layers = policies_for(snap, CI_DEPLOYER, "s3:GetObject", OBJECT)
    assert any("NoSuchBucketPolicy" in u for u in layers.unresolved)
