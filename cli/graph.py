"""`iamgraph privesc`, `iamgraph paths` and `iamgraph graph`: the permission graph's answers."""

from __future__ import annotations

from pathlib import Path

import typer

from iamgraph.cli.can import AllOption, MfaOption, RenderOption, TimeoutOption, mfa_mode
from iamgraph.cli.common import (
    EXIT_OK,
    EXIT_UNKNOWN,
    AllowUnknownActionOption,
    FormatOption,
    NoSizeLimitOption,
    OutputFormat,
    QuietOption,
    StrictOption,
    progress_bar,
    reports_input_errors,
)
from iamgraph.cli.draw import check_render, emit, write_render
from iamgraph.errors import InputError


@reports_input_errors
def privesc(
    snapshot: Path = typer.Argument(..., help="Snapshot folder."),
    mfa: bool | None = MfaOption,
    show_all: bool = AllOption,
    timeout: float = TimeoutOption,
    render: Path | None = RenderOption,
    output: OutputFormat = FormatOption,
    quiet: bool = QuietOption,
    strict: bool = StrictOption,
    no_size_limit: bool = NoSizeLimitOption,
) -> None:
    """For every user, role and root user: is it admin, can it become admin (and how), or is
    there proof it cannot? Exit code 0 when every principal is decided, 3 when any is unknown."""
    from iamgraph.load.snapshot import load_snapshot
    from iamgraph.query import answer
    from iamgraph.render.answers import privesc_lines
    from iamgraph.render.diagrams import privesc_diagram
    from iamgraph.render.json import print_json, privesc_json
    from iamgraph.render.text import input_warnings, say, unreadable
    from iamgraph.verdict import Verdict

    check_render(render)
    with progress_bar(quiet) as progress:
        snap = load_snapshot(snapshot, progress, strict=strict, size_limit=not no_size_limit)
        found = answer.privesc(
            snap, mfa=mfa_mode(mfa), timeout_ms=round(timeout * 1000), progress=progress
        )
    unreadable(snap.unreadable)
    input_warnings(snap)
    if render is not None:
        emit(privesc_diagram(snap, found), render)
    if output is OutputFormat.JSON:
        print_json(privesc_json(found))
    else:
        say(privesc_lines(found, mfa_mode(mfa), show_all))
    unknown = any(e.found.verdict is Verdict.UNKNOWN for e in found)
    raise typer.Exit(EXIT_UNKNOWN if unknown else EXIT_OK)


@reports_input_errors
def paths(
    snapshot: Path = typer.Argument(..., help="Snapshot folder."),
    source: str = typer.Option(..., "--from", help="The principal the attacker holds."),
    to: str | None = typer.Option(None, "--to", help="A principal ARN, or `admin`."),
    action: list[str] = typer.Option([], "--action", help="Action or pattern (repeatable)."),
    resource: list[str] = typer.Option([], "--resource", help="Resource ARN (repeatable)."),
    context: list[str] = typer.Option([], "--context", help="KEY=VALUE the request carries."),
    mfa: bool | None = MfaOption,
    timeout: float = TimeoutOption,
    render: Path | None = RenderOption,
    output: OutputFormat = FormatOption,
    quiet: bool = QuietOption,
    strict: bool = StrictOption,
    no_size_limit: bool = NoSizeLimitOption,
    allow_unknown_action: bool = AllowUnknownActionOption,
) -> None:
    """The shortest path from a principal to another principal, to admin, or to a request,
    with every hop's evidence. Exit code 0 when answered, 3 when unknown, 2 for bad input."""
    from iamgraph.load.snapshot import load_snapshot
    from iamgraph.query import answer
    from iamgraph.query.asked import checked_request
    from iamgraph.query.simulate import parse_context_pairs
    from iamgraph.render.answers import paths_lines
    from iamgraph.render.json import paths_json, print_json
    from iamgraph.render.text import input_warnings, say, unreadable
    from iamgraph.verdict import Verdict

    if (to is None) == (not action and not resource):
        raise InputError("paths", "--to", "give either --to, or --action with --resource")
    if (action and not resource) or (resource and not action):
        raise InputError("paths", "--action", "--action and --resource go together")
    asked = checked_request("paths", action, resource, allow_unknown_action)
    check_render(render)
    where = parse_context_pairs(context)
    with progress_bar(quiet) as progress:
        snap = load_snapshot(snapshot, progress, strict=strict, size_limit=not no_size_limit)
        reach = answer.paths(
            snap,
            source,
            to,
            action,
            resource,
            asked=asked,
            mfa=mfa_mode(mfa),
            where=where,
            timeout_ms=round(timeout * 1000),
            progress=progress,
        )
    unreadable(snap.unreadable)
    input_warnings(snap)
    if render is not None:
        target = " | ".join(action) if action else to
        write_render(render, snap, [reach], title=f"{source} -> {target}")
    if output is OutputFormat.JSON:
        print_json(paths_json(reach, action, resource, where, to))
    else:
        say(paths_lines(reach, where, to, source))
    raise typer.Exit(EXIT_UNKNOWN if reach.answer.verdict is Verdict.UNKNOWN else EXIT_OK)


@reports_input_errors
def graph(
    snapshot: Path = typer.Argument(..., help="Snapshot folder."),
    render: Path = typer.Option(..., "--render", help="FILE.svg, .png, .pdf or .dot"),
    account: list[str] = typer.Option([], "--account", help="Only this account (repeatable)."),
    escalation_only: bool = typer.Option(
        False, "--escalation-only", help="Only principals that take or receive a step."
    ),
    timeout: float = TimeoutOption,
    quiet: bool = QuietOption,
    strict: bool = StrictOption,
    no_size_limit: bool = NoSizeLimitOption,
) -> None:
    """Draw the organization's permission graph: accounts inside their OUs, every escalation
    step between principals (dashed when unknown). Prints what was drawn."""
    from iamgraph.load.snapshot import load_snapshot
    from iamgraph.query import answer
    from iamgraph.render.answers import picture_lines
    from iamgraph.render.diagrams import picture_diagram
    from iamgraph.render.text import input_warnings, say, unreadable

    check_render(render)
    with progress_bar(quiet) as progress:
        snap = load_snapshot(snapshot, progress, strict=strict, size_limit=not no_size_limit)
        drawn = answer.picture(
            snap, account, escalation_only, timeout_ms=round(timeout * 1000), progress=progress
        )
    unreadable(snap.unreadable)
    input_warnings(snap)
    emit(picture_diagram(snap, drawn, account), render)
    say(picture_lines(drawn))
