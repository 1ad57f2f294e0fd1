"""What every command shares: exit codes, output formats, input-error handling, progress on
stderr (lines on stdout are `render.text.say`'s)."""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from iamgraph import deadline
from iamgraph.errors import InputError
from iamgraph.render.controls import terminal, terminal_line

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT, EXIT_UNKNOWN = 0, 1, 2, 3
EXIT_CODES = {"PASS": EXIT_OK, "FAIL": EXIT_FINDINGS, "UNKNOWN": EXIT_UNKNOWN}  # by verdict

stderr = Console(stderr=True, soft_wrap=True)


class OutputFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


FormatOption = typer.Option(
    OutputFormat.TEXT, "--format", "-f", case_sensitive=False, help="Output format."
)
QuietOption = typer.Option(False, "--quiet", "-q", help="No progress bar.")
StrictOption = typer.Option(
    False,
    "--strict",
    help="Stop (exit 2) at an optional snapshot file that cannot be read (credential report, "
    "password policy, bucket, key or topic policy, inventory, ...) instead of leaving it out "
    "with a warning and answering `unknown` where it matters.",
)
NoSizeLimitOption = typer.Option(
    False,
    "--no-size-limit",
    help="Read policy documents above AWS's own size limits (6,144 characters for a managed "
    "policy, 10,240 for a role's inline policies together, 5,120 for an SCP, ...) instead of "
    "refusing them as bad input (exit 2): no such document can exist in AWS.",
)
AllowUnknownActionOption = typer.Option(
    False,
    "--allow-unknown-action",
    help="An action (or pattern) the IAM action catalog does not know is answered `unknown` "
    "instead of refused as bad input (exit 2).",
)


DEFAULT_DEADLINE_S = 600.0


def bounded(command: Callable[..., Any]) -> Callable[..., Any]:
    """Give a command `--deadline SECONDS`: the whole command (loading, every solver call and
    search) runs within it, and what is undecided when it passes is `unknown` ("deadline").
    One decorator where the app is composed, rather than the option in every signature."""
    option = typer.Option(
        DEFAULT_DEADLINE_S,
        "--deadline",
        min=0,
        help="Seconds the whole command may take; undecided questions are then `unknown` "
        "(reason: deadline). 0: no limit.",
    )

    @functools.wraps(command)
    def run(*args: Any, deadline_s: float = DEFAULT_DEADLINE_S, **kwargs: Any) -> Any:
        with deadline.within(deadline_s):
            try:
                return command(*args, **kwargs)
            except deadline.DeadlineExpired:  # before any question was asked: all unknown
                print(
                    f"iamgraph: the deadline ({deadline_s:g} s) passed while reading the input: "
                    "every answer is unknown",
                    file=sys.stderr,
                )
                raise typer.Exit(EXIT_UNKNOWN) from None

    return _with_options(command, run, ("deadline_s", option, float))


def cached(command: Callable[..., Any]) -> Callable[..., Any]:
    """Give a command `--no-cache` and the snapshot's cache (load/cache.py): an unchanged
    snapshot and the steps earlier commands solved on it are read from `.iamgraph-cache/`
    inside it, and what this command added is written there once it has answered (its output
    printed). A folder that cannot be written is one line on stderr (none with --quiet)."""
    option = typer.Option(
        False,
        "--no-cache",
        help="Neither read nor write the snapshot's cache (.iamgraph-cache/ in the snapshot "
        "folder); IAMGRAPH_NO_CACHE=1 does the same.",
    )

    @functools.wraps(command)
    def run(*args: Any, no_cache: bool = False, **kwargs: Any) -> Any:
        from iamgraph.load import cache

        with cache.caching(not no_cache) as session:
            try:
                result = command(*args, **kwargs)
            except typer.Exit:
                _save(session, kwargs.get("quiet", False))
                raise
            _save(session, kwargs.get("quiet", False))
            return result

    return _with_options(command, run, ("no_cache", option, bool))


def _save(session: Any, quiet: bool) -> None:
    """Write the session's entries (not after the deadline, see Session.save)."""
    if session is None:
        return
    problem = session.save()
    if problem and not quiet:
        print(terminal(f"iamgraph: no cache written: {problem}"), file=sys.stderr)


def sharded(command: Callable[..., Any]) -> Callable[..., Any]:
    """Give a command that builds the permission graph `--jobs N` and `--scheduler ADDRESS`:
    where its per-account work runs (`iamgraph.graph.parallel`). Composed where the app is,
    like `bounded`; the answers are the same however many workers there are."""
    from iamgraph.workers import SMALL

    jobs_option = typer.Option(
        1,
        "--jobs",
        "-j",
        min=1,
        help="Processes for the per-account work (admin verdicts, each principal's steps, "
        "worked out up front). One process works them out lazily, only as far as the searches "
        "go, which at 5,000 principals on 2 cores is as fast (bench/scale.py); more pay off "
        f"with more cores. Fewer than {SMALL} principals: always one process.",
    )
    scheduler_option = typer.Option(
        None,
        "--scheduler",
        metavar="ADDRESS",
        help="Run the per-account work on the Dask cluster at this address "
        "(tcp://HOST:PORT; needs `pip install 'iamgraph\\[distributed]'` here and on the workers).",
    )

    @functools.wraps(command)
    def run(*args: Any, jobs: int | None = None, scheduler: str | None = None, **kwargs: Any):
        from iamgraph import workers

        with workers.using(workers.Workers(jobs or 1, scheduler)):
            return command(*args, **kwargs)

    return _with_options(
        command, run, ("jobs", jobs_option, int | None), ("scheduler", scheduler_option, str | None)
    )


def _with_options(command: Callable[..., Any], run: Callable[..., Any], *options: tuple):
    """`run` (which wraps `command`) as typer reads it: `command`'s parameters, then each
    (name, typer option, type) as a keyword-only option."""
    signature = inspect.signature(command)
    extra = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=option, annotation=kind)
        for name, option, kind in options
    ]
    run.__signature__ = signature.replace(parameters=[*signature.parameters.values(), *extra])  # type: ignore[attr-defined]
    run.__annotations__ = {**command.__annotations__, **{name: kind for name, _, kind in options}}
    return run


def shown(text: str) -> str:
    """A progress description (an account folder, an API call): rich reads markup in it, and a
    terminal obeys control characters, so both are made plain text first."""
    return escape(terminal_line(text))


def reports_input_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn an InputError into one line on stderr and exit code 2, with no traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except InputError as exc:
            print(terminal(f"iamgraph: {exc}"), file=sys.stderr)
            raise typer.Exit(EXIT_INPUT) from None

    return wrapper


@contextmanager
def progress_bar(quiet: bool) -> Iterator[Callable[[int, int, str], None] | None]:
    """A rich progress bar on stderr; none when quiet or when stderr is not a terminal."""
    if quiet or not stderr.is_terminal:
        yield None
        return
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=stderr,
        transient=True,
    ) as bar:
        task = bar.add_task("loading", total=None)

        def update(done: int, total: int, label: str) -> None:
            bar.update(task, completed=done, total=total, description=shown(label))

        yield update
