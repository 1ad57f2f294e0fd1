"""Q1: a user holds at most two access keys, active or not. Creating a third for a victim who
already has two needs iam:DeleteAccessKey on the victim first; without it there is no step."""

from __future__ import annotations

import shutil

from iamgraph.evaluate.gather import Mfa
from iamgraph.graph.build import build
from iamgraph.load.snapshot import load_snapshot
from tests.conftest import FIXTURES

ACCT = "arn:aws:iam::220000000001"
SCHEDULER = f"{ACCT}:user/report-scheduler"  # CreateAccessKey, no DeleteAccessKey
VICTIM = f"{ACCT}:user/svc-legacy-export"
ROTATOR = f"{ACCT}:user/key-rotator"  # CreateAccessKey and DeleteAccessKey
ADMIN_USER = f"{ACCT}:user/ops-automation"


def steps(snapshot, source: str) -> set[tuple[str, str]]:
    pg = build(snapshot)
    return {(h.method, h.target) for h in pg.steps(source, Mfa.LONG_TERM_KEYS)}


def with_second_keys(tmp_path):
    folder = tmp_path / "snap"
    shutil.copytree(FIXTURES / "privesc" / "credentials-and-trust", folder)
    report = folder / "accounts/220000000001/iam/credential-report.csv"
    lines = report.read_text().split("\n")
    for i, line in enumerate(lines):
        cells = line.split(",")
        if cells[1] in (VICTIM, ADMIN_USER):  # a second, inactive key (it still counts)
            cells[13:18] = ["false", "2025-01-10T08:00:00+00:00", "N/A", "N/A", "N/A"]
            lines[i] = ",".join(cells)
    report.write_text("\n".join(lines))
    return load_snapshot(folder)


def test_one_key_leaves_room():
    snap = load_snapshot(FIXTURES / "privesc" / "credentials-and-trust")
    assert ("CreateAccessKey", VICTIM) in steps(snap, SCHEDULER)


def test_two_keys_need_a_delete_first(tmp_path):
    snap = with_second_keys(tmp_path)
    assert ("CreateAccessKey", VICTIM) not in steps(snap, SCHEDULER)
    assert ("CreateAccessKey", ADMIN_USER) in steps(snap, ROTATOR)
