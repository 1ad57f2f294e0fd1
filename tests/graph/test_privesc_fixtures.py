"""`iamgraph privesc` on every fixtures/privesc snapshot must say what its expected.json says
(and on the demo organization what its expected-privesc.json says, fact 20): the verdict of
every principal, whether it is admin, and the method of each hop of the shortest path. Traps
must come back proven-unreachable (no false positives)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from iamgraph.cli.app import app
from tests.conftest import FIXTURES

runner = CliRunner()
FAMILIES = sorted(p.parent.name for p in (FIXTURES / "privesc").glob("*/expected.json"))
SNAPSHOTS = {name: (FIXTURES / "privesc" / name, "expected.json") for name in FAMILIES}
SNAPSHOTS["demo-org"] = (FIXTURES / "demo-org", "expected-privesc.json")


def test_every_family_has_a_fixture():
    assert FAMILIES == [
        "admin-under-scp",
        "credentials-and-trust",
        "existing-compute",
        "gained-permissions",
        "iam-writes",
        "passrole-compute",
        "policy-versions",
        "time-bound",
    ]


@pytest.fixture(scope="module", params=sorted(SNAPSHOTS))
def family(request):
    folder, name = SNAPSHOTS[request.param]
    result = runner.invoke(app, ["privesc", str(folder), "-f", "json"])
    assert result.exit_code in (0, 3), result.output
    expected = json.loads((folder / name).read_text())["principals"]
    got = {p["principal"]: p for p in json.loads(result.stdout)["principals"]}
    return request.param, expected, got, result.exit_code


def test_one_entry_per_principal(family):
    _, expected, got, _ = family
    assert sorted(got) == sorted(expected)


def test_verdicts_match(family):
    _, expected, got, code = family
    wrong = {
        arn: (want["verdict"], got[arn]["verdict"], got[arn]["reasons"])
        for arn, want in expected.items()
        if got[arn]["verdict"] != want["verdict"]
    }
    assert not wrong, wrong
    unknown = any(w["verdict"] == "unknown" for w in expected.values())
    assert code == (3 if unknown else 0)


def test_admin_flags_match(family):
    _, expected, got, _ = family
    wrong = {a: w["admin"] for a, w in expected.items() if got[a]["admin"] != w["admin"]}
    assert not wrong, wrong


def test_paths_use_the_expected_methods(family):
    _, expected, got, _ = family
    wrong = {}
    for arn, want in expected.items():
        if want["verdict"] != "reachable":
            continue
        methods = [hop["method"] for hop in got[arn]["path"]]
        if methods != want.get("methods", []):
            wrong[arn] = (want.get("methods"), methods)
    assert not wrong, wrong


def test_every_hop_carries_its_evidence(family):
    """A proven hop names what it was proven on and the statements that allowed it."""
    _, expected, got, _ = family
    for arn, want in expected.items():
        if want["verdict"] != "reachable":
            continue
        for hop in got[arn]["path"]:
            assert hop["verdict"] == "reachable"
            assert hop["actions"] and all(a["resource"] for a in hop["actions"])
            assert hop["statements"], hop
