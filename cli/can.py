"""`iamgraph can` and `iamgraph who-can`: is any request in a set allowed, proven either way.

`can` asks for one principal, `who-can` for every principal of the snapshot; both answer with the
solver's verdict (`reachable` with a replayed witness, `proven-unreachable`, or `unknown` and
why). By default they follow the permission graph: a principal can do what any principal it can
become can do, and the answer shows the path; `--direct` counts its own permissions only.
The answering is `iamgraph.query.answer`'s, the writing `iamgraph.render`'s.
"""

from __future__ import annotations

from pathlib import Path

import typer

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
from iamgraph.cli.draw import check_render, write_render
from iamgraph.deadline import DEFAULT_TIMEOUT_MS

DirectOption = typer.Option(
    False, "--direct", help="Count the principal's own permissions only (no paths)."
)
RenderOption = typer.Option(
    None,
    "--render",
    help="Also draw the answer's paths: FILE.svg, .png, .pdf or .dot (Graphviz).",
    dir_okay=False,
)
MfaOption = typer.Option(
    None,
    "--mfa/--no-mfa",
    help="--mfa: only sessions with MFA; --no-mfa: only credentials without MFA "
    "(access keys or sessions). Default: any.",
)
AllOption = typer.Option(
    False, "--all", help="Also list the principals proven unable (left out by default)."
)
TimeoutOption = typer.Option(
    DEFAULT_TIMEOUT_MS / 1000, "--timeout", min=0.001, help="Seconds per solver call."
)


def mfa_mode(mfa: bool | None) -> str | None:
    """`--mfa/--no-mfa` as the library takes it."""
    return None if mfa is None else ("mfa" if mfa else "no-mfa")


@reports_input_errors
def can(
    snapshot: Path = typer.Argument(..., help="Snapshot folder."),
    principal: str = typer.Argument(..., help="User, role, role-session or root ARN."),
    action: str = typer.Argument(..., help="Action or action pattern (s3:Put*)."),
    resource: str = typer.Argument(..., help="Resource ARN or ARN pattern."),
    more_actions: list[str] = typer.Option([], "--action", help="Another action (repeatable)."),
    more_resources: list[str] = typer.Option(
        [], "--resource", help="Another resource (repeatable)."
    ),
    context: list[str] = typer.Option(
        [], "--context", help="KEY=VALUE the request must carry; repeat a key for a list."
    ),
    mfa: bool | None = MfaOption,
    direct: bool = DirectOption,
    timeout: float = TimeoutOption,
    render: Path | None = RenderOption,
    output: OutputFormat = FormatOption,
    quiet: bool = QuietOption,
    strict: bool = StrictOption,
    no_size_limit: bool = NoSizeLimitOption,
    allow_unknown_action: bool = AllowUnknownActionOption,
) -> None:
    """Can PRINCIPAL, or a principal it can become, make some request for ACTION on RESOURCE?

    Every context key the request is free to carry is the solver's to choose; `--context` pins
    some. Exit code 0 when answered (reachable or proven-unreachable), 3 when unknown, 2 for
    bad input (an action or resource that names nothing).
    """
    from iamgraph.load.snapshot import load_snapshot
    from iamgraph.query import answer
    from iamgraph.query.asked import checked_request
    from iamgraph.query.simulate import parse_context_pairs
    from iamgraph.render.answers import can_answer_lines
    from iamgraph.render.json import can_json, print_json
    from iamgraph.render.text import input_warnings, say, unreadable
    from iamgraph.verdict import Verdict

    actions = [action, *more_actions]
    resources = [resource, *more_resources]
    asked = checked_request(
        "can", actions, resources, allow_unknown_action, labels=("ACTION", "RESOURCE")
    )
    check_render(render)
    where = parse_context_pairs(context)
    with progress_bar(quiet) as progress:
        snap = load_snapshot(snapshot, progress, strict=strict, size_limit=not no_size_limit)
        reach = answer.can(
            snap,
            principal,
            actions,
            resources,
            asked=asked,
            mfa=mfa_mode(mfa),
            where=where,
            direct=direct,
            timeout_ms=round(timeout * 1000),
            progress=progress,
        )
    unreadable(snap.unreadable)
    input_warnings(snap)
    if render is not None:
        write_render(render, snap, [reach], title=f"{principal}: {' | '.join(actions)}")
    if output is OutputFormat.JSON:
        print_json(can_json(reach, actions, resources, where))
    else:
        say(can_answer_lines(reach, actions, resources, where, mfa_mode(mfa)))
    raise typer.Exit(EXIT_UNKNOWN if reach.answer.verdict is Verdict.UNKNOWN else EXIT_OK)


@reports_input_errors
def who_can(
    snapshot: Path = typer.Argument(..., help="Snapshot folder."),
    action: list[str] = typer.Option(..., "--action", help="Action or pattern (repeatable)."),
    resource: list[str] = typer.Option(
        ..., "--resource", help="Resource ARN or ARN pattern (repeatable)."
    ),
    where: list[str] = typer.Option(
        [], "--where", help="KEY=VALUE the request must carry; repeat a key for a list."
    ),
    mfa: bool | None = MfaOption,
    direct: bool = DirectOption,
    show_all: bool = AllOption,
    timeout: float = TimeoutOption,
    render: Path | None = RenderOption,
    output: OutputFormat = FormatOption,
    quiet: bool = QuietOption,
    strict: bool = StrictOption,
    no_size_limit: bool = NoSizeLimitOption,
    allow_unknown_action: bool = AllowUnknownActionOption,
) -> None:
    """Which principals of the snapshot can make such a request, themselves or through the
    principals they can become (a role counts only if a credential of it can be obtained)?

    Exit code 0 when every principal is decided, 3 when any is unknown, 2 for bad input.
    """
    from iamgraph.load.snapshot import load_snapshot
    from iamgraph.query import answer
    from iamgraph.query.asked import checked_request
    from iamgraph.query.simulate import parse_context_pairs
    from iamgraph.render.answers import who_can_lines
    from iamgraph.render.json import print_json, who_can_json
    from iamgraph.render.text import input_warnings, say, unreadable

    asked = checked_request("who-can", action, resource, allow_unknown_action)
    check_render(render)
    pinned = parse_context_pairs(where)
    with progress_bar(quiet) as progress:
        snap = load_snapshot(snapshot, progress, strict=strict, size_limit=not no_size_limit)
        reaches = answer.who_can(
            snap,
            [(action, resource)],
            asked=asked,
            mfa=mfa_mode(mfa),
            where=pinned,
            direct=direct,
            timeout_ms=round(timeout * 1000),
            progress=progress,
        )
    unreadable(snap.unreadable)
    input_warnings(snap)
    if render is not None:
        write_render(render, snap, reaches, title=" | ".join(action))
    if output is OutputFormat.JSON:
        print_json(who_can_json(reaches))
    else:
        say(who_can_lines(reaches, action, resource, mfa_mode(mfa), show_all))
    raise typer.Exit(EXIT_UNKNOWN if answer.any_unknown(reaches) else EXIT_OK)
