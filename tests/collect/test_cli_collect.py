"""`iamgraph collect` through typer's CliRunner: what it prints, --resume, progress bars, and
bad input as one line on stderr with exit code 2."""

from __future__ import annotations

import functools
import io
import sys

import pytest
import typer
from rich.console import Console
from typer.testing import CliRunner

moto = pytest.importorskip("moto")

import boto3  # noqa: E402
import botocore.session  # noqa: E402

from iamgraph.cli import common  # noqa: E402
from iamgraph.cli.collect import MISSING_BOTO3, collect  # noqa: E402
from iamgraph.collect import run as collect_run  # noqa: E402
from iamgraph.collect.sessions import shared_loader  # noqa: E402
from iamgraph.load.snapshot import load_snapshot  # noqa: E402

runner = CliRunner()
M = "123456789012"


def app() -> typer.Typer:
    """The command in an app of its own (cli/app.py registers it in the real one)."""
    cli = typer.Typer()
    cli.command()(collect)

    @cli.callback()
    def main() -> None:
        """iamgraph"""

    return cli


@pytest.fixture(scope="module")
def member(tmp_path_factory) -> str:
    """An organization of two accounts in moto; the member's id."""
    home = tmp_path_factory.mktemp("aws-home")
    with pytest.MonkeyPatch.context() as mp:
        for var in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN", "AWS_REGION"):
            mp.delenv(var, raising=False)
        mp.setenv("AWS_ACCESS_KEY_ID", "AKIAIAMGRAPHTEST0002")
        mp.setenv("AWS_SECRET_ACCESS_KEY", "iamgraph-cli-test-secret")
        mp.setenv("AWS_DEFAULT_REGION", "us-east-1")
        mp.setenv("AWS_CONFIG_FILE", str(home / "config"))
        mp.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / "credentials"))
        mp.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
        (home / "amis.json").write_text("[]")  # moto reads its 1 MB list when EC2 is first used
        mp.setenv("MOTO_AMIS_PATH", str(home / "amis.json"))
        mp.setattr(botocore.session, "create_loader", lambda *_: shared_loader())
        with moto.mock_aws():
            org = boto3.client("organizations", region_name="us-east-1")
            org.create_organization(FeatureSet="ALL")
            created = org.create_account(Email="dev@example.com", AccountName="dev")
            boto3.client("iam", region_name="us-east-1").create_user(UserName="alice")
            yield created["CreateAccountStatus"]["AccountId"]


class _Http:
    def __init__(self, status: int) -> None:
        self.status_code, self.headers, self.content = status, {}, b""


def answer(operation: str, status: int, body: dict):
    """A session hook answering one operation itself (moto's CloudFormation needs extras, and
    it has no SSM DescribeInstanceInformation)."""

    def hook(session, account: str) -> None:
        session.events.register(f"before-call.{operation}", lambda **_: (_Http(status), body))

    return hook


NO_STACKS = answer("cloudformation.DescribeStacks", 200, {"Stacks": []})
NO_NODES = answer("ssm.DescribeInstanceInformation", 200, {"InstanceInformationList": []})


@pytest.fixture(autouse=True)
def hooks(monkeypatch):
    """The command runs `iamgraph.collect.run.collect`: give it the test's session hooks."""
    added: list = [NO_STACKS, NO_NODES]
    original = collect_run.collect

    def with_hooks(*args, **kwargs):  # and no waiting for moto's credential report
        return original(*args, hooks=added, sleep=lambda _: None, **kwargs)

    monkeypatch.setattr(collect_run, "collect", functools.wraps(original)(with_hooks))
    return added


def invoke(*args: str):
    return runner.invoke(app(), ["collect", *args])


def test_collect_then_resume(member, tmp_path):
    out = tmp_path / "snap"
    first = invoke(str(out), "--regions", "us-east-1", "--quiet")
    assert first.exit_code == 0, first.stderr
    lines = first.stdout.splitlines()
    assert lines[0].startswith(f"Collected 2 accounts in us-east-1 into {out}: organization o-")
    assert lines[1] == "2 not configured (facts), 0 failed calls (listed in snapshot.json)"
    snap = load_snapshot(out)
    assert set(snap.accounts) == {M, member}
    assert f"arn:aws:iam::{M}:user/alice" in snap.principals

    again = invoke(str(out), "--regions", "us-east-1")
    assert again.exit_code == 2 and again.stdout == ""
    assert again.stderr == (
        f"iamgraph: {out}: $: folder is not empty: give a new or empty one, or --resume\n"
    )

    resumed = invoke(str(out), "--regions", "us-east-1", "--resume", "--accounts", member)
    assert resumed.exit_code == 0, resumed.stderr
    assert resumed.stdout.startswith("Collected 1 accounts (1 from an earlier run) in us-east-1")


def test_a_progress_bar_per_account_on_a_terminal(member, tmp_path, monkeypatch):
    console = Console(file=io.StringIO(), force_terminal=True, width=100)
    monkeypatch.setattr(common, "stderr", console)
    result = invoke(str(tmp_path / "snap"), "--regions", "us-east-1", "--accounts", M)
    assert result.exit_code == 0, result.stderr
    assert f"{M}: " in console.file.getvalue()


def test_failed_calls_are_listed(member, tmp_path, hooks):
    denied = {"Error": {"Code": "AccessDenied", "Message": "no"}}
    hooks.append(answer("iam.GetAccountSummary", 403, denied))
    result = invoke(str(tmp_path / "snap"), "--regions", "us-east-1", "--accounts", member)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[1:] == [
        "1 not configured (facts), 1 failed calls (listed in snapshot.json)",
        f"  failed: {member} aws-global iam:GetAccountSummary AccessDenied",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--accounts", "1234,{member}"], "collect: --accounts: not a 12-digit account id: '1234'"),
        (["--regions", "us-east-1,Mars"], "collect: --regions: not a region name: 'Mars'"),
        (
            ["--profile", "nosuch"],
            "collect: --profile: The config profile (nosuch) could not be found",
        ),
    ],
    ids=["bad-account", "bad-region", "unknown-profile"],
)
def test_bad_options(member, tmp_path, args, message):
    result = invoke(str(tmp_path / "snap"), *[a.format(member=member) for a in args])
    assert result.exit_code == 2
    assert result.stderr == f"iamgraph: {message}\n"


def test_out_dir_that_cannot_be_written(member, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = invoke(str(blocker / "snap"))
    assert result.exit_code == 2
    assert result.stderr == f"iamgraph: {blocker / 'snap'}: $: cannot write here: Not a directory\n"
    result = invoke(str(blocker))
    assert result.stderr == f"iamgraph: {blocker}: $: not a folder\n"


def test_without_boto3_one_line_and_exit_2(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "boto3", None)  # `import boto3` now raises ImportError
    result = invoke(str(tmp_path / "snap"))
    assert result.exit_code == 2
    assert result.stderr == MISSING_BOTO3 + "\n"
    assert not (tmp_path / "snap").exists()
