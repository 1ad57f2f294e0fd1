"""`render.headline`: the answer first (issue 19), worded from real verdicts on the fixtures:
a reachable answer names who and how (and how a credential counted with is obtained), an
answer proven for all says so with the count, and any unknown keeps NO from being said."""

from pathlib import Path

import pytest

from iamgraph.query import answer
from iamgraph.query.asked import checked_request
from iamgraph.render.headline import (
    audit_headline,
    can_headline,
    check_headline,
    privesc_headline,
    who_can_headline,
)
from iamgraph.verdict import Verdict
from tests.conftest import REPO
from tests.demo import CI_DEPLOYER, LOGS, MGMT, ORG_TRAIL

TRAIL_KEY = "arn:aws:kms:us-east-1:222233334444:key/6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f"
TIMEOUT = 60_000


@pytest.fixture(scope="module")
def graph(demo):
    return answer.graph_for(demo, TIMEOUT)


def test_reachable_names_who_and_how_and_how_the_credential_is_obtained(demo, graph):
    reaches = answer.who_can(
        demo, [(["cloudtrail:StopLogging"], [ORG_TRAIL])], mfa="no-mfa", graph=graph
    )
    assert who_can_headline(reaches, ["cloudtrail:StopLogging"], [ORG_TRAIL], "no-mfa") == (
        "YES: 2 principals can cloudtrail:StopLogging on 111122223333:trail/acme-org-trail "
        "without MFA: ci-deployer (via lambda-org-maintenance: PassRole + lambda:CreateFunction "
        "+ InvokeFunction), lambda-org-maintenance (a session without MFA when ci-deployer "
        "passes it to new compute). 38 proven unable."
    )
    # the role counts only through ci-deployer's step: the reach says so (issue 19)
    role = next(r for r in reaches if r.answer.principal == f"{MGMT}:role/lambda-org-maintenance")
    assert [(h.source, h.method) for h in role.obtained] == [
        (CI_DEPLOYER, "PassRole+lambda:CreateFunction+InvokeFunction")
    ]


def test_proven_for_all_says_no_with_the_count(demo, graph):
    reaches = answer.who_can(demo, [(["kms:Decrypt"], [TRAIL_KEY])], mfa="no-mfa", graph=graph)
    assert {r.answer.verdict for r in reaches} == {Verdict.UNREACHABLE}
    assert who_can_headline(reaches, ["kms:Decrypt"], [TRAIL_KEY], "no-mfa") == (
        "NO: no principal can kms:Decrypt on "
        "222233334444:key/6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f without MFA: proven for all 40."
    )


def test_unknowns_are_never_no(demo, graph):
    asked = checked_request("who-can", ["cloudtrail:StopLoging"], [ORG_TRAIL], True)
    reaches = answer.who_can(
        demo, [(["cloudtrail:StopLoging"], [ORG_TRAIL])], asked=asked, graph=graph
    )
    line = who_can_headline(reaches, ["cloudtrail:StopLoging"], [ORG_TRAIL], None)
    assert line == (
        "UNKNOWN: no principal is shown able to cloudtrail:StopLoging on "
        "111122223333:trail/acme-org-trail, but 40 of 40 are unknown: maria.garcia "
        f"({asked.reasons[0]}) and 39 more."
    )
    # one unknown among proofs: still not NO, and the unknown one is named with its reason
    proven = answer.who_can(demo, [(["kms:Decrypt"], [TRAIL_KEY])], mfa="no-mfa", graph=graph)
    mixed = (*proven[:-1], reaches[-1])
    line = who_can_headline(mixed, ["kms:Decrypt"], [TRAIL_KEY], "no-mfa")
    assert line.startswith("UNKNOWN: no principal is shown able to kms:Decrypt on ")
    assert line.endswith(
        f"but 1 of 40 is unknown: root of 666677778888 ({asked.reasons[0]}). 39 proven unable."
    )


def test_can_answers_each_verdict(demo, graph):
    reach = answer.can(demo, CI_DEPLOYER, ["cloudtrail:StopLogging"], [ORG_TRAIL], mfa="no-mfa")
    assert can_headline(reach, ["cloudtrail:StopLogging"], [ORG_TRAIL], "no-mfa") == (
        "YES: ci-deployer can cloudtrail:StopLogging on 111122223333:trail/acme-org-trail "
        "without MFA, via lambda-org-maintenance: PassRole + lambda:CreateFunction + "
        "InvokeFunction."
    )
    direct = answer.can(demo, CI_DEPLOYER, ["cloudtrail:StopLogging"], [ORG_TRAIL], direct=True)
    assert can_headline(direct, ["cloudtrail:StopLogging"], [ORG_TRAIL], None) == (
        "NO: ci-deployer cannot cloudtrail:StopLogging on 111122223333:trail/acme-org-trail "
        "(proven)."
    )
    report = "arn:aws:s3:::acme-security-findings-333344445555/report.json"
    tooling = "arn:aws:iam::333344445555:role/SecurityTooling"
    unknown = answer.can(demo, tooling, ["s3:GetObject"], [report], direct=True)
    assert unknown.answer.verdict is Verdict.UNKNOWN
    line = can_headline(unknown, ["s3:GetObject"], [report], None)
    assert line.startswith(
        "UNKNOWN: whether SecurityTooling can s3:GetObject on "
        f"s3:::acme-security-findings-333344445555/report.json: {unknown.answer.reasons[0]}"
    )


def test_privesc_counts_admins_climbers_proofs_and_unknowns(demo, graph):
    escalations = answer.privesc(demo, graph=graph)
    line = privesc_headline(escalations, None)
    assert line.startswith(
        "YES: 2 principals not admin can become admin: dev.one (via dev-admin: AssumeRole), "
        "dev.two (via dev-admin: AssumeRole). 16 admin already, 21 proven unable, 1 unknown: "
        "SecurityTooling (whether arn:aws:iam::333344445555:role/SecurityTooling is admin: "
    )
    counted = 2 + 16 + 21 + 1
    assert counted == len(escalations)


def test_check_names_the_broken_invariants(tmp_path):
    from iamgraph.premerge.run import check_invariants

    c = check_invariants(REPO / "fixtures/demo-org", REPO / "iamgraph.toml", timeout_ms=TIMEOUT)
    assert check_headline(c.report.result, c.outcomes, "iamgraph.toml") == (
        "FAIL: 2 of 7 invariants in iamgraph.toml broken: no-non-mfa-trail-tampering "
        "(2 principals), no-escalation-to-admin (2 principals, 1 unknown). 5 hold (proven)."
    )


def test_audit_leads_with_the_counts():
    from iamgraph.audit.run import audit_snapshot

    a = audit_snapshot(REPO / "fixtures/audit/trail/clean", timeout_ms=TIMEOUT, as_of="2026-11-20")
    line = audit_headline(a.report.result, list(a.report.items), len(a.checks), a.context.as_of)
    fails = [f for f in a.report.items if not f.unknown and f.suppression is None]
    assert line.startswith(f"{a.report.result}: {len(fails)} finding")
    assert f"from {len(a.checks)} checks, as of 2026-11-20" in line


def test_a_name_shared_by_two_principals_stays_a_short_arn():
    from iamgraph.render.headline import names

    got = names([f"{MGMT}:role/BreakGlassAdmin", f"{LOGS}:role/BreakGlassAdmin", CI_DEPLOYER])
    assert got == {
        f"{MGMT}:role/BreakGlassAdmin": "111122223333:role/BreakGlassAdmin",
        f"{LOGS}:role/BreakGlassAdmin": "222233334444:role/BreakGlassAdmin",
        CI_DEPLOYER: "ci-deployer",
    }


def test_module_reads_no_cli():
    assert "typer" not in Path(REPO / "iamgraph/render/headline.py").read_text()
