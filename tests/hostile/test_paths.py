"""Hostile input, issue 17 classes 5 and 9: ids that become paths, and files that are not files.

An Organizations id names a file of the snapshot (`list-accounts-for-parent/<id>.json`), so an id
`../../../outside-marker` used to open a file beside the snapshot; ids are now checked against
AWS's patterns (ListChildren ParentId, DescribePolicy PolicyId in the Organizations API
reference) before they touch a path, in the loader and in the collector. A FIFO used to block
forever, a link to /dev/zero to read until memory ran out, and a symlink loop to read as "not
collected"; now each is one InputError naming the file (exit 2, or the optional-file degrade rule).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from iamgraph.cli.app import app
from iamgraph.collect.organization import collect_organization
from iamgraph.collect.writer import write_files
from iamgraph.errors import InputError
from iamgraph.load import files
from iamgraph.load.settings import read_toml

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "fixtures" / "demo-org"
DEGRADE = REPO / "fixtures" / "degrade"
ACCOUNT = "111122223333"
AUTH = f"accounts/{ACCOUNT}/iam/get-account-authorization-details.json"
PASSWORD = f"accounts/{ACCOUNT}/iam/get-account-password-policy.json"
OU_PATTERN = "ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}"


def _copy(source: Path, tmp_path: Path) -> Path:
    snap = tmp_path / "snap"
    shutil.copytree(source, snap)
    return snap


def _edit(file: Path, change) -> None:
    data = json.loads(file.read_text())
    change(data)
    file.write_text(json.dumps(data, indent=4))


def _fails(args: list[str]) -> str:
    """Exit 2, nothing on stdout, no traceback: the one stderr line."""
    result = CliRunner().invoke(app, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    return line


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A file beside the snapshot that `../../../outside-marker` reached: it reads as an empty
    listing, so without the id check the run succeeded having read it."""
    marker = tmp_path / "outside-marker.json"
    marker.write_text('{"OrganizationalUnits": [], "Accounts": []}\n')
    return marker


def test_an_ou_id_that_climbs_out_is_refused(tmp_path: Path, outside: Path) -> None:
    snap = _copy(DEMO, tmp_path)
    listing = snap / "organization/list-organizational-units-for-parent/r-a1b2.json"
    _edit(listing, lambda d: d["OrganizationalUnits"][0].update(Id="../../../outside-marker"))
    assert _fails(["summary", str(snap)]) == (
        f"iamgraph: {listing}: $.OrganizationalUnits[0].Id: "
        f"not a valid OU id: '../../../outside-marker' (expected {OU_PATTERN})"
    )


def test_a_policy_id_that_climbs_out_is_refused(tmp_path: Path, outside: Path) -> None:
    snap = _copy(DEMO, tmp_path)
    listing = snap / "organization/list-policies-SERVICE_CONTROL_POLICY.json"
    _edit(listing, lambda d: d["Policies"][1].update(Id="../../outside-marker"))
    assert _fails(["summary", str(snap)]) == (
        f"iamgraph: {listing}: $.Policies[1].Id: "
        "not a valid policy id: '../../outside-marker' (expected p-[0-9a-zA-Z_]{8,128})"
    )


def test_aws_managed_policy_ids_are_valid_ids() -> None:
    """`p-FullAWSAccess` fits the PolicyId pattern (FORMATS 1.5): the demo loads as before."""
    result = CliRunner().invoke(app, ["summary", str(DEMO)])
    assert result.exit_code == 0, result.output
    assert "5 SCPs, 2 RCPs" in result.stdout


def test_a_symlink_out_of_the_organization_folder_is_refused(tmp_path: Path) -> None:
    snap = _copy(DEMO, tmp_path)
    described = snap / "organization/describe-policy/p-devallow.json"
    elsewhere = tmp_path / "elsewhere.json"
    shutil.move(described, elsewhere)
    described.symlink_to(elsewhere)
    assert _fails(["summary", str(snap)]) == (
        f"iamgraph: {described}: $: leaves {snap / 'organization'}: refused"
    )


def test_a_fifo_is_not_read(tmp_path: Path) -> None:
    """A plain open() of a FIFO waits for a writer forever; it is opened non-blocking."""
    snap = _copy(DEGRADE, tmp_path)
    (snap / AUTH).unlink()
    os.mkfifo(snap / AUTH)
    # Only for a regression: a reader stuck in open() is released after 30 s (so the test fails
    # instead of hanging); a non-blocking writer open with no reader just fails, harmlessly.
    release = threading.Timer(30, _open_writer, [snap / AUTH])
    release.daemon = True
    release.start()
    try:
        line = _fails(["summary", str(snap)])
    finally:
        release.cancel()
    assert line == f"iamgraph: {snap / AUTH}: $: is a FIFO, not a regular file; expected JSON"


def _open_writer(fifo: Path) -> None:
    with contextlib.suppress(OSError):
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))


def test_a_link_to_dev_zero_is_not_read(tmp_path: Path) -> None:
    """/dev/zero never ends: only regular files are read."""
    snap = _copy(DEGRADE, tmp_path)
    (snap / AUTH).unlink()
    (snap / AUTH).symlink_to("/dev/zero")
    assert _fails(["summary", str(snap)]) == (
        f"iamgraph: {snap / AUTH}: $: is a character device, not a regular file; expected JSON"
    )


def test_a_file_above_the_size_cap_is_refused(tmp_path: Path, monkeypatch) -> None:
    snap = _copy(DEGRADE, tmp_path)
    size = (snap / AUTH).stat().st_size
    monkeypatch.setattr(files, "MAX_FILE_BYTES", 1000)
    assert _fails(["summary", str(snap)]) == (
        f"iamgraph: {snap / AUTH}: $: {size} bytes, above the 1000-byte limit for one file"
    )


def _loop(file: Path) -> None:
    file.unlink()
    other = file.with_name("loop-" + file.name)
    file.symlink_to(other.name)
    other.symlink_to(file.name)


def test_a_symlink_loop_in_a_required_file_stops_the_run(tmp_path: Path) -> None:
    snap = _copy(DEMO, tmp_path)
    org = snap / "organization/describe-organization.json"
    _loop(org)
    assert _fails(["summary", str(snap)]) == f"iamgraph: {org}: $: symlink loop, cannot be read"


def test_a_symlink_loop_in_an_optional_file_is_unreadable_not_absent(tmp_path: Path) -> None:
    """Absent would be a finding ("no password policy"); unreadable is unknown (the degrade rule
    of load/optional.py), and --strict stops."""
    snap = _copy(DEGRADE, tmp_path)
    _loop(snap / PASSWORD)
    check = ["--check", "IAM.PASSWORD.MISSING"]
    result = CliRunner().invoke(app, ["audit", str(snap), *check])
    assert result.exit_code == 3, result.output
    assert result.stderr.splitlines() == [
        f"iamgraph: warning: {snap / PASSWORD}: $: symlink loop, cannot be read "
        "(left out: what reads it is unknown; --strict stops)"
    ]
    assert _fails(["audit", str(snap), *check, "--strict"]) == (
        f"iamgraph: {snap / PASSWORD}: $: symlink loop, cannot be read"
    )


def test_a_dangling_symlink_is_unreadable_not_absent(tmp_path: Path) -> None:
    snap = _copy(DEGRADE, tmp_path)
    (snap / AUTH).unlink()
    (snap / AUTH).symlink_to("nowhere.json")
    assert _fails(["summary", str(snap)]) == (
        f"iamgraph: {snap / AUTH}: $: symlink to a missing file"
    )


# -- the collector: API-returned ids become file and folder names --


class _Answers:
    """A ledger that answers each call from a table (the organizations client is not used)."""

    def __init__(self, answers: dict[str, dict]) -> None:
        self.answers = answers

    def call(self, client, operation: str, **params):
        return self.answers.get(operation)

    pages = call


def _org(ou_id: str, policy_id: str = "p-devallow") -> dict[str, dict]:
    root = {
        "Id": "r-a1b2",
        "PolicyTypes": [{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}],
    }
    return {
        "describe_organization": {"Organization": {"Id": "o-a1b2c3d4e5"}},
        "list_roots": {"Roots": [root]},
        "list_organizational_units_for_parent": {"OrganizationalUnits": [{"Id": ou_id}]},
        "list_accounts_for_parent": {"Accounts": []},
        "list_policies": {"Policies": [{"Id": policy_id}]},
    }


def test_the_collector_refuses_an_api_ou_id_that_climbs_out() -> None:
    with pytest.raises(InputError) as caught:
        collect_organization(None, _Answers(_org("../../../outside-marker")))
    assert str(caught.value) == (
        "organization/list-organizational-units-for-parent/r-a1b2.json (as returned by the API): "
        f"$.OrganizationalUnits[0].Id: not a valid OU id: '../../../outside-marker' "
        f"(expected {OU_PATTERN})"
    )


def test_the_collector_refuses_an_api_policy_id_that_climbs_out() -> None:
    with pytest.raises(InputError, match=r"\$\.Policies\[0\]\.Id: not a valid policy id"):
        collect_organization(None, _Answers(_org("ou-a1b2-dev00001", "p-../../../x")))


def test_the_writer_keeps_every_file_under_its_root(tmp_path: Path) -> None:
    root = tmp_path / "out" / "organization"
    root.mkdir(parents=True)
    with pytest.raises(InputError) as caught:
        write_files(root, {"describe-policy/ok.json": {}, "describe-policy/../../../x.json": {}})
    assert str(caught.value) == (
        f"{root / 'describe-policy/../../../x.json'}: $: leaves {root}: refused"
    )
    assert list(tmp_path.rglob("*.json")) == []  # nothing written, not even the good one


def test_a_fifo_as_the_settings_file_is_refused(tmp_path: Path) -> None:
    """iamgraph.toml goes through the same read: a FIFO there would block `check` forever."""
    toml = tmp_path / "iamgraph.toml"
    os.mkfifo(toml)
    with pytest.raises(InputError) as caught:
        read_toml(toml)
    assert str(caught.value) == f"{toml}: $: is a FIFO, not a regular file; expected TOML"
