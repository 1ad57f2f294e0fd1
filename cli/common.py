"""What every command shares: output formats, input-error handling, progress on stderr."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import orjson
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from iamgraph.catalog import request_problems, unknown_action_reason
from iamgraph.errors import InputError

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT, EXIT_UNKNOWN = 0, 1, 2, 3

stdout = Console(soft_wrap=True)
stderr = Console(stderr=True, soft_wrap=True)


class OutputFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


FormatOption = typer.Option(
    OutputFormat.TEXT, "--format", "-f", case_sensitive=False, help="Output format."
)
QuietOption = typer.Option(False, "--quiet", "-q", help="No progress bar.")
AllowUnknownActionOption = typer.Option(
    False,
    "--allow-unknown-action",
    help="An action (or pattern) the IAM action catalog does not know is answered `unknown` "
    "instead of refused as bad input (exit 2).",
)


@dataclass(frozen=True)
class Asked:
    """The actions of a question the catalog knows, and why the rest can only be `unknown`."""

    known: tuple[str, ...]
    unknown: tuple[str, ...]

    @property
    def reasons(self) -> tuple[str, ...]:
        return tuple(unknown_action_reason(a) for a in self.unknown)


def checked_request(
    command: str,
    actions: Iterable[str],
    resources: Iterable[str],
    allow_unknown_action: bool = False,
    labels: tuple[str, str] = ("--action", "--resource"),
) -> Asked:
    """Refuse (InputError, exit 2) the first action or resource of a question that names
    nothing, with the closest catalog names; with `allow_unknown_action`, a well-formed action
    the catalog does not know is set apart instead, for the command to answer `unknown`."""
    actions = list(actions)
    unknown: list[str] = []
    for p in request_problems(actions, resources):
        if p.kind == "action" and not p.malformed and allow_unknown_action:
            unknown.append(p.value)
            continue
        label = labels[0] if p.kind == "action" else labels[1]
        admit = " (--allow-unknown-action answers unknown for it)"
        hint = "" if p.malformed or p.suggestions else admit
        raise InputError(command, label, p.message + hint)
    return Asked(tuple(a for a in actions if a not in unknown), tuple(unknown))


def reports_input_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn an InputError into one line on stderr and exit code 2, with no traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except InputError as exc:
            print(f"iamgraph: {exc}", file=sys.stderr)
            raise typer.Exit(EXIT_INPUT) from None

    return wrapper


def plain_table(headers: list[str], rows: list[list[str]], right: set[str] = frozenset()) -> str:
    """Columns padded with spaces: readable in a terminal, a pipe, a README, a CI log."""
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        out = [
            c.rjust(w) if h in right else c.ljust(w)
            for c, w, h in zip(cells, widths, headers, strict=True)
        ]
        return "  ".join(out).rstrip()

    return "\n".join([line(headers), *(line(r) for r in rows)])


def print_json(data: Any) -> None:
    """JSON on stdout; orjson keeps large results (lint of a whole organization) fast."""
    sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2, default=str).decode() + "\n")


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
            bar.update(task, completed=done, total=total, description=f"loading {label}")

        yield update
