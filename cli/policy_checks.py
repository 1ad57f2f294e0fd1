"""`iamgraph diff-policy`, `check-access`, `check` and `diff`: pre-merge checks of one policy,
of a snapshot against the organization's invariants, and of a change to an organization (two
snapshots, or a snapshot and a Terraform plan)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from iamgraph.cli.can import RenderOption, TimeoutOption
from iamgraph.cli.common import (
    EXIT_CODES,
    AllowUnknownActionOption,
    NoSizeLimitOption,
    QuietOption,
    StrictOption,
    progress_bar,
    reports_input_errors,
)
from iamgraph.cli.draw import check_render, write_render
from iamgraph.cli.report import (
    OnUnknown,
    ReportFormat,
    ReportFormatOption,
    SuppressionsOption,
    UnknownOption,
)
from iamgraph.model.policy import PolicyKind

__all__ = ["OnUnknown", "check_access", "check_invariants", "diff", "diff_policy"]


class PolicyType(StrEnum):
    IDENTITY = "identity"
    RESOURCE = "resource"
    SCP = "scp"
    RCP = "rcp"


TypeOption = typer.Option(
    None,
    "--type",
    help="What the policy is; default: scp or rcp for `organizations describe-policy` output, "
    "else resource if it names a Principal, else identity.",
)
PlaceSnapshotOption = typer.Option(
    None,
    "--snapshot",
    file_okay=False,
    help="SCP/RCP: judge it in this snapshot's organization (with --target).",
)
TargetOption = typer.Option(
    None,
    "--target",
    help="SCP/RCP: the root, OU or account it is attached to (r-..., ou-..., account id); it "
    "replaces the policy of the same id or name there, else is added. Default: beside "
    "FullAWSAccess (RCPFullAWSAccess) alone.",
)
KINDS = {
    PolicyType.IDENTITY: PolicyKind.IDENTITY,
    PolicyType.RESOURCE: PolicyKind.RESOURCE,
    PolicyType.SCP: PolicyKind.SCP,
    PolicyType.RCP: PolicyKind.RCP,
}


@reports_input_errors
def diff_policy(
    old: Path = typer.Argument(..., help="The policy as it is (file or CLI output)."),
    new: Path = typer.Argument(..., help="The policy as the change makes it."),
    kind: PolicyType | None = TypeOption,
    snapshot: Path | None = PlaceSnapshotOption,
    target: str | None = TargetOption,
    unknown: OnUnknown = UnknownOption,
    timeout: float = TimeoutOption,
    output: ReportFormat = ReportFormatOption,
    suppressions: Path | None = SuppressionsOption,
    no_size_limit: bool = NoSizeLimitOption,
) -> None:
    """Does NEW grant any request OLD does not? PASS is a proof (relative to the IAM action
    catalog); FAIL lists every class of new access with a witness the evaluator confirmed.
    An SCP or RCP is judged where it stands: beside FullAWSAccess at its level, or with
    --snapshot/--target beside what is attached there and under the levels above.
    Exit 0 PASS, 1 FAIL, 3 UNKNOWN (see --unknown), 2 bad input."""
    from iamgraph.premerge import run
    from iamgraph.premerge.report import counted
    from iamgraph.render import premerge as write

    checked = run.diff_policy(
        old,
        new,
        KINDS[kind] if kind else None,
        snapshot=snapshot,
        target=target,
        timeout_ms=round(timeout * 1000),
        suppressions=suppressions,
        size_limit=not no_size_limit,
    )
    write.policy_diff(output, checked)
    raise typer.Exit(EXIT_CODES[counted(checked.report.result, unknown)])


@reports_input_errors
def check_access(
    policy: Path = typer.Argument(..., help="The policy (file or CLI output)."),
    action: list[str] = typer.Option(..., "--action", help="Action or pattern (repeatable)."),
    resource: list[str] = typer.Option(
        ["*"], "--resource", help="Resource ARN or pattern (repeatable; default any)."
    ),
    kind: PolicyType | None = TypeOption,
    snapshot: Path | None = PlaceSnapshotOption,
    target: str | None = TargetOption,
    unknown: OnUnknown = UnknownOption,
    timeout: float = TimeoutOption,
    output: ReportFormat = ReportFormatOption,
    suppressions: Path | None = SuppressionsOption,
    allow_unknown_action: bool = AllowUnknownActionOption,
    no_size_limit: bool = NoSizeLimitOption,
) -> None:
    """Does the policy grant any of these actions on any of these resources? PASS is a proof
    that it does not; FAIL shows the request it grants. An SCP or RCP never grants: it is
    asked what it lets through where it stands (as `diff-policy`). Exit codes as `diff-policy`."""
    from iamgraph.premerge import run
    from iamgraph.premerge.report import counted
    from iamgraph.render import premerge as write

    checked = run.check_access(
        policy,
        action,
        resource,
        KINDS[kind] if kind else None,
        snapshot=snapshot,
        target=target,
        timeout_ms=round(timeout * 1000),
        suppressions=suppressions,
        allow_unknown_action=allow_unknown_action,
        size_limit=not no_size_limit,
    )
    write.access_check(output, checked)
    raise typer.Exit(EXIT_CODES[counted(checked.report.result, unknown)])


@reports_input_errors
def check_invariants(
    snapshot: Path = typer.Argument(..., help="Snapshot folder."),
    invariants: Path = typer.Option(
        Path("iamgraph.toml"), "--invariants", help="The invariants file.", dir_okay=False
    ),
    unknown: OnUnknown = UnknownOption,
    timeout: float = TimeoutOption,
    output: ReportFormat = ReportFormatOption,
    suppressions: Path | None = SuppressionsOption,
    render: Path | None = RenderOption,
    show_all: bool = typer.Option(
        False, "--all", help="List each invariant that holds on its own line (text output)."
    ),
    quiet: bool = QuietOption,
    strict: bool = StrictOption,
    no_size_limit: bool = NoSizeLimitOption,
) -> None:
    """Hold the snapshot to the invariants file: PASS, FAIL (with the principals that break an
    invariant and their paths) or UNKNOWN per invariant. Exit 0 when all pass, 1 when one
    fails, 3 when one is unknown (see --unknown), 2 for bad input."""
    from iamgraph.premerge import run
    from iamgraph.premerge.report import counted
    from iamgraph.render import premerge as write
    from iamgraph.render.text import input_warnings, unreadable

    check_render(render)
    with progress_bar(quiet) as progress:
        checked = run.check_invariants(
            snapshot,
            invariants,
            timeout_ms=round(timeout * 1000),
            suppressions=suppressions,
            progress=progress,
            strict=strict,
            size_limit=not no_size_limit,
        )
    unreadable(checked.snapshot.unreadable)
    input_warnings(checked.snapshot)
    if render is not None:
        write_render(render, checked.snapshot, checked.paths, f"invariants broken in {snapshot}")
    write.invariant_check(output, checked, str(render) if render else "", show_all)
    raise typer.Exit(EXIT_CODES[counted(checked.report.result, unknown)])


@reports_input_errors
def diff(
    before: Path = typer.Argument(..., help="The snapshot as it is."),
    after: Path | None = typer.Argument(
        None, help="The snapshot as the change makes it (or give --plan)."
    ),
    plan: Path | None = typer.Option(
        None,
        "--plan",
        dir_okay=False,
        help="A Terraform plan (`terraform show -json`) to apply to BEFORE instead of AFTER.",
    ),
    account: str | None = typer.Option(
        None, "--account", help="The account the plan applies to, when it does not say."
    ),
    invariants: Path | None = typer.Option(
        None, "--invariants", help="Also report which invariants the change breaks or repairs."
    ),
    unknown: OnUnknown = UnknownOption,
    timeout: float = TimeoutOption,
    output: ReportFormat = ReportFormatOption,
    suppressions: Path | None = SuppressionsOption,
    render: Path | None = RenderOption,
    quiet: bool = QuietOption,
    strict: bool = StrictOption,
    no_size_limit: bool = NoSizeLimitOption,
) -> None:
    """What does the change from BEFORE to AFTER grant that was not granted? New access per
    principal whose own layers changed (proven absent, or shown with witnesses) grouped per
    service and access level, new and removed paths to admin, and invariants broken or
    repaired. Exit 0 none, 1 some, 3 unknown, 2 bad input."""
    from iamgraph.premerge import run
    from iamgraph.premerge.report import counted
    from iamgraph.render import premerge as write
    from iamgraph.render.text import input_warnings, unreadable

    check_render(render)
    with progress_bar(quiet) as progress:
        change = run.diff(
            before,
            after,
            plan=plan,
            account=account,
            invariants=invariants,
            timeout_ms=round(timeout * 1000),
            suppressions=suppressions,
            progress=progress,
            strict=strict,
            size_limit=not no_size_limit,
        )
    unreadable(change.unreadable)
    input_warnings(change.after)
    if render is not None:
        title = f"new paths: {before} -> {change.side}"
        write_render(render, change.after, change.paths, title=title)
    write.change(output, change, str(render) if render else "")
    raise typer.Exit(EXIT_CODES[counted(change.report.result, unknown)])
