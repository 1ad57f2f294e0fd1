"""The demo organization loads into one Snapshot whose facts match fixtures/demo-org/README.md."""

import shutil
from collections import Counter

import pytest

from iamgraph.errors import InputError
from iamgraph.load.snapshot import load_snapshot
from iamgraph.model.principals import PrincipalKind
from iamgraph.query.summary import summarize
from tests.conftest import DEMO, FIXTURES
from tests.demo import DEV_TRAIL, ORG_TRAIL


def test_counts_match_the_readme(demo):
    s = summarize(demo)
    assert (s.accounts, s.ous, s.scps, s.rcps) == (6, 4, 5, 2)  # seeded fact 16
    assert (s.users, s.groups, s.roles, s.policies, s.trails) == (14, 6, 20, 7, 2)
    per = {a.account_id: (a.users, a.groups, a.roles, a.policies) for a in s.per_account}
    assert per == {
        "111122223333": (7, 3, 5, 2),
        "222233334444": (0, 0, 3, 0),
        "333344445555": (1, 0, 3, 1),
        "444455556666": (3, 2, 4, 2),
        "555566667777": (2, 1, 3, 1),
        "666677778888": (1, 0, 2, 1),
    }


def test_the_only_gap_is_the_missing_managed_policy(demo):
    # seeded fact 14
    assert demo.gaps == (
        "no document for managed policy arn:aws:iam::aws:policy/ReadOnlyAccess: "
        "principals it is attached to are partly unknown",
    )
    tooling = demo.principals["arn:aws:iam::333344445555:role/SecurityTooling"]
    assert tooling.policies.unresolved == ("arn:aws:iam::aws:policy/ReadOnlyAccess",)


def test_group_policies_are_the_members_identity_policies(demo):
    # G1: Admins' AdministratorAccess and RequireMFA apply to maria.garcia
    maria = demo.principals["arn:aws:iam::111122223333:user/maria.garcia"]
    assert maria.groups == ("arn:aws:iam::111122223333:group/Admins",)
    names = {p.name for p in maria.policies.identity}
    assert "arn:aws:iam::aws:policy/AdministratorAccess" in names
    assert any(n.endswith("group/Admins:RequireMFA") for n in names)


def test_boundary_resolved_across_pages(demo):
    deploy = demo.principals["arn:aws:iam::444455556666:role/PlatformDeploy"]
    assert deploy.policies.boundary_arn == "arn:aws:iam::444455556666:policy/deploy-boundary"
    assert deploy.policies.boundary is not None
    denied = {
        a for s in deploy.policies.boundary.statements if s.effect == "Deny" for a in s.actions
    }
    assert "iam:CreateAccessKey" in denied


def test_roots_are_principals(demo):
    roots = [p for p in demo.principals.values() if p.kind is PrincipalKind.ROOT]
    assert sorted(p.account for p in roots) == sorted(demo.organization.accounts)


def test_trails_are_deduplicated_and_linked_to_their_resources(demo):
    # seeded facts 12 and 13
    assert set(demo.trails) == {ORG_TRAIL, DEV_TRAIL}
    org_trail = demo.trails[ORG_TRAIL]
    assert org_trail.organization_trail and org_trail.multi_region and org_trail.log_file_validation
    res = demo.trail_resources(org_trail)
    assert (
        res.bucket.name == "acme-org-cloudtrail-logs-222233334444"
        and res.bucket.account == "222233334444"
    )
    assert res.bucket.versioning == "Enabled"
    assert res.key.key_id == "6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f"
    assert res.topic.arn == "arn:aws:sns:us-east-1:111122223333:acme-org-trail-notifications"
    assert demo.trail_status(org_trail).is_logging
    dev = demo.trails[DEV_TRAIL]
    assert demo.trail_status(dev).is_logging is False
    assert demo.event_selectors(dev).advanced and not demo.event_selectors(dev).basic
    assert demo.trail_resources(dev).bucket is None  # no files for the dev trail's bucket


def test_credentials_and_password_policies(demo):
    # seeded fact 4
    accounts = demo.accounts
    dev_root = accounts["555566667777"].credential_report.root
    assert dev_root.mfa_active is False
    assert all(
        a.credential_report.root.mfa_active for aid, a in accounts.items() if aid != "555566667777"
    )
    rows = {r.user: r for r in accounts["444455556666"].credential_report.rows}
    keys = rows["legacy-batch"].access_keys
    assert keys[0].active and keys[1].active
    assert keys[0].last_rotated.isoformat() == "2023-08-15T09:30:12+00:00"
    assert accounts["333344445555"].password_policy is None  # no password policy
    weak = accounts["444455556666"].password_policy
    assert (weak.minimum_length, weak.require_symbols, weak.expire_passwords) == (8, False, False)
    assert accounts["555566667777"].summary.get("AccountMFAEnabled") == 0


def test_missing_files_become_gaps(tmp_path):
    snap = tmp_path / "snap"
    shutil.copytree(DEMO, snap)
    (snap / "accounts/444455556666/iam/credential-report.csv").unlink()
    shutil.rmtree(snap / "accounts/666677778888")
    loaded = load_snapshot(snap)
    assert "no credential report for 444455556666" in loaded.gaps
    assert (
        "no account folder for 666677778888: its IAM, credentials and trails unknown" in loaded.gaps
    )


def test_single_account_without_organization(tmp_path):
    snap = tmp_path / "one"
    shutil.copytree(DEMO / "accounts/555566667777", snap / "accounts/555566667777")
    loaded = load_snapshot(snap)
    assert loaded.organization is None
    assert loaded.gaps == ("no organization/ folder: SCPs and RCPs unknown",)
    assert len([p for p in loaded.principals.values() if p.kind is PrincipalKind.USER]) == 2


def test_progress_is_reported(tmp_path):
    seen = []
    load_snapshot(DEMO, lambda done, total, label: seen.append((done, total, label)))
    assert seen[0] == (0, 7, "loading the organization")
    assert seen[-1] == (7, 7, "resolving policies")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p, "snapshot not found"),
        (lambda p: p.mkdir() or p, "not a snapshot: no organization/ or accounts/ folder inside"),
    ],
)
def test_missing_or_empty_snapshot(tmp_path, make, message):
    path = make(tmp_path / "snap")
    with pytest.raises(InputError) as info:
        load_snapshot(path)
    assert info.value.message == message


CLOUDSPLAINING = FIXTURES / "loaders/cloudsplaining/example-excerpt.json"


def test_real_world_dump_as_a_snapshot():
    """One authorization-details file is a snapshot: each account gets its root, and a user
    holds its own policies and its groups' (the excerpt's users span two accounts)."""
    snap = load_snapshot(CLOUDSPLAINING)
    kinds = Counter(p.kind for p in snap.principals.values())
    assert (kinds[PrincipalKind.USER], kinds[PrincipalKind.ROLE], kinds[PrincipalKind.ROOT]) == (
        6,
        6,
        2,
    )

    def identity(account: str, name: str) -> list[str]:
        user = snap.principals[f"arn:aws:iam::{account}:user/{name}"]
        return [p.name for p in user.policies.identity]

    # group privesc-sre-group's attached policy, and nothing of the user's own
    assert identity("200611803367", "privesc-sre-user") == [
        "arn:aws:iam::200611803367:policy/privesc-sre-admin-policy"
    ]
    # own inline and attached, then group biden's inline and attached
    assert identity("012345678901", "biden") == [
        "arn:aws:iam::012345678901:user/biden:InsecureUserPolicy",
        "arn:aws:iam::aws:policy/AWSLambdaFullAccess",
        "arn:aws:iam::012345678901:group/biden:InlinePolicyForBidenGroup",
        "arn:aws:iam::aws:policy/AmazonRDSFullAccess",
    ]
