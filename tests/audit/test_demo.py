"""`iamgraph audit fixtures/demo-org` reports exactly the seeded problems (README fact 21):
the whole set of (check, subject, outcome) with counts, so a new check cannot add a false alarm
on the clean parts unnoticed. Each family's own demo test derives its part from the facts."""

from __future__ import annotations

import json
from collections import Counter

from typer.testing import CliRunner

from iamgraph.cli.app import app
from tests.conftest import DEMO

runner = CliRunner()


def test_demo_audit_is_exactly_the_seeded_findings():
    expected = json.loads((DEMO / "expected-audit.json").read_text())
    result = runner.invoke(app, ["audit", str(DEMO), "-f", "json"])
    assert result.exit_code == 1, result.output
    out = json.loads(result.stdout)
    assert out["as_of"] == expected["as_of"]
    got = Counter((f["check"], f["subject"], f["outcome"]) for f in out["findings"])
    assert sorted([*k, n] for k, n in got.items()) == sorted(expected["findings"])
    # the clean parts: the org trail, its bucket and key, every root but dev's, the SCP tree
    clean = {
        "arn:aws:cloudtrail:us-east-1:111122223333:trail/acme-org-trail",
        "arn:aws:s3:::acme-org-cloudtrail-logs-222233334444",
        "arn:aws:iam::111122223333:root",
        "arn:aws:iam::444455556666:root",
    }
    assert not clean & {s for _, s, _ in got}
    assert not [c for c, _, _ in got if c.startswith("ORG.SCP")]
