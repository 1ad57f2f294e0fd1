"""`iamgraph collect OUT_DIR`: a read-only snapshot of a live AWS organization.

boto3 is an optional extra, so it (and iamgraph.collect, which uses it) is imported inside the
command: `iamgraph --help` and every other command work without it.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from iamgraph.cli import common
from iamgraph.cli.common import EXIT_INPUT, QuietOption, reports_input_errors, shown
from iamgraph.collect import have_boto3
from iamgraph.collect.options import (
    DEFAULT_ROLE,
    CollectOptions,
    parse_accounts,
    parse_regions,
)

MISSING_BOTO3 = "iamgraph: collect: boto3 is not installed: pip install 'iamgraph[collect]'"


@reports_input_errors
def collect(
    out_dir: Path = typer.Argument(..., help="New or empty folder to write the snapshot into."),
    profile: str | None = typer.Option(None, "--profile", help="AWS profile (boto3's default)."),
    role_name: str = typer.Option(
        DEFAULT_ROLE, "--role-name", help="Role to assume in each member account."
    ),
    accounts: str | None = typer.Option(
        None, "--accounts", help="Comma-separated account ids (default: every active account)."
    ),
    regions: str | None = typer.Option(
        None, "--regions", help="Comma-separated regions (default: the profile's region)."
    ),
    resume: bool = typer.Option(
        False, "--resume", help="Continue in OUT_DIR, skipping accounts already complete."
    ),
    workers: int = typer.Option(4, "--workers", min=1, max=64, help="Accounts collected at once."),
    quiet: bool = QuietOption,
) -> None:
    """Take a read-only snapshot of a live AWS organization with boto3."""
    if not have_boto3():
        print(MISSING_BOTO3, file=sys.stderr)
        raise typer.Exit(EXIT_INPUT) from None
    from iamgraph.collect.run import collect as run_collect
    from iamgraph.render.collect import collect_lines
    from iamgraph.render.text import say

    options = CollectOptions(
        out_dir=out_dir,
        profile=profile,
        role_name=role_name,
        accounts=parse_accounts(accounts),
        regions=parse_regions(regions),
        resume=resume,
        workers=workers,
    )
    with account_bars(quiet) as progress:
        result = run_collect(options, progress=progress)
    say(collect_lines(result))


@contextmanager
def account_bars(quiet: bool) -> Iterator[Callable[[str, int, int, str], None] | None]:
    """One rich progress bar per account on stderr; none when quiet or not a terminal."""
    if quiet or not common.stderr.is_terminal:
        yield None
        return
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=common.stderr,
        transient=True,
    ) as bar:
        tasks: dict[str, int] = {}
        lock = threading.Lock()  # account workers report from their own threads

        def update(key: str, done: int, total: int, what: str) -> None:
            with lock:
                if key not in tasks:
                    tasks[key] = bar.add_task(key, total=total or None)
                bar.update(
                    tasks[key],
                    completed=done,
                    total=total or None,
                    description=shown(f"{key}: {what}"),
                )

        yield update
