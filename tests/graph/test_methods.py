"""The escalation method table: what the issue asks of it, and that every entry names real
actions whose resource patterns fit the catalog (so no step is vacuously unreachable)."""

from collections import Counter

from iamgraph.catalog import catalog
from iamgraph.graph.methods import ANY, BY_NAME, METHODS, TARGET, Family, Gain, Target


def test_at_least_35_methods_with_unique_names():
    assert len(METHODS) >= 35
    assert len(BY_NAME) == len(METHODS)


def test_every_family_is_present():
    counts = Counter(m.family for m in METHODS)
    assert set(counts) == set(Family)
    assert counts[Family.PASSROLE] >= 14 and counts[Family.EXISTING] >= 6


def test_every_action_is_in_the_catalog():
    cat = catalog()
    missing = [(m.name, s.action) for m in METHODS for s in m.steps if cat.lookup(s.action) is None]
    assert not missing


def test_every_pattern_fits_its_action():
    """A step's ARN pattern must name a resource type the action takes (else the step could
    never be allowed and the method would silently never fire)."""
    cat = catalog()
    bad = []
    for m in METHODS:
        for s in m.steps:
            if s.on in (TARGET, ANY):
                continue
            info = cat.lookup(s.action)
            if not cat.resource_pattern_fits(info, s.on.format(account="111122223333")):
                bad.append((m.name, s.action, s.on))
    assert not bad


def test_passrole_methods_name_their_service_and_pass_first():
    for m in METHODS:
        if m.family is Family.PASSROLE:
            assert m.steps[0].action == "iam:PassRole" and m.service
            assert m.service.endswith(".amazonaws.com")
            assert m.gain is Gain.COMPUTE and m.target is Target.SERVICE_ROLE


def test_existing_resource_methods_read_an_inventory():
    for m in METHODS:
        assert (m.family is Family.EXISTING) == (m.inventory is not None)


def test_instance_profile_methods_are_the_ec2_ones():
    profiles = {m.name for m in METHODS if m.instance_profile}
    assert all(BY_NAME[n].service == "ec2.amazonaws.com" for n in profiles)
    assert "PassRole+ec2:RunInstances" in profiles and "ssm:SendCommand" in profiles
