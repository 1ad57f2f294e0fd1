"""`iamgraph privesc`, `iamgraph paths` and `iamgraph graph`: the permission graph's answers."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import typer

from iamgraph.cli.can import (
    MfaOption,
    RenderOption,
    TimeoutOption,
    can_json,
    graph_for,
    known_checks,
    mfa_mode,
    path_json,
    render_can,
    with_unknown_actions,
)
from iamgraph.cli.common import (
    EXIT_OK,
    EXIT_UNKNOWN,
    AllowUnknownActionOption,
    FormatOption,
    OutputFormat,
    QuietOption,
    checked_request,
    plain_table,
    print_json,
    progress_bar,
    reports_input_errors,
    stdout,
)
from iamgraph.cli.draw import check_render, emit, write_render
from iamgraph.errors import InputError
from iamgraph.evaluate.gather import find_principal
from iamgraph.graph import query
from iamgraph.graph.methods import BY_NAME, METHODS
from iamgraph.graph.paths import Found, State, modes_filter
from iamgraph.graph.paths import privesc as privesc_all
from iamgraph.graph.query import Reach, proof_note
from iamgraph.load.snapshot import load_snapshot
from iamgraph.query.simulate import parse_context_pairs
from iamgraph.render.dot import Goal, diagram
from iamgraph.verdict import Answer, Verdict

METHOD_NOTE = (
    f"relative to the {len(METHODS)} escalation methods of iamgraph.graph.methods "
    "and the IAM action catalog"
)


def _say(lines: list[str]) -> None:
    for line in lines:
        stdout.print(line, highlight=False, markup=False)


def _short(arn: str) -> str:
    return arn.split(":", 4)[4] if arn.startswith("arn:") else arn


@reports_input_errors
def privesc(
    snapshot: Path = typer.Argument(..., help="Snapshot folder."),
    mfa: bool | None = MfaOption,
    timeout: float = TimeoutOption,
    render: Path | None = RenderOption,
    output: OutputFormat = FormatOption,
    quiet: bool = QuietOption,
) -> None:
    """For every user, role and root user: is it admin, can it become admin (and how), or is
    there proof it cannot? Exit code 0 when every principal is decided, 3 when any is unknown."""
    check_render(render)
    with progress_bar(quiet) as progress:
        snap = load_snapshot(snapshot, progress)
        pg, paths = graph_for(snap, round(timeout * 1000), progress)
    found = privesc_all(pg, paths, modes_filter(mfa_mode(mfa)))
    admin = {f.principal: _own_admin(pg, f) for f in found}
    if render is not None:
        hops = [h for f in found if f.verdict is Verdict.REACHABLE for h in f.hops]
        goals = [
            Goal("admin", f.hops[-1].target, "becomes admin")
            for f in found
            if f.verdict is Verdict.REACHABLE and f.hops
        ]
        starts = [f.principal for f in found if f.hops]
        emit(
            diagram(snap, hops, title="privilege escalation to admin", goals=goals, starts=starts),
            render,
        )
    code = EXIT_UNKNOWN if any(f.verdict is Verdict.UNKNOWN for f in found) else EXIT_OK
    if output is OutputFormat.JSON:
        print_json(
            {
                "principals": [
                    {
                        "principal": f.principal,
                        "admin": admin[f.principal],
                        "verdict": f.verdict.value,
                        "path": path_json(Reach(Answer(f.principal, f.verdict), f.hops)),
                        "reasons": list(f.reasons),
                    }
                    for f in found
                ],
                "notes": [METHOD_NOTE],
            }
        )
        raise typer.Exit(code)
    rows = [
        [
            f.principal,
            {True: "yes", False: "no", None: "unknown"}[admin[f.principal]],
            f.verdict.value,
            " -> ".join(f"{_short(h.target)} ({h.method})" for h in f.hops) or "-",
        ]
        for f in found
    ]
    lines = plain_table(["principal", "admin", "verdict", "path to admin"], rows).splitlines()
    for f in found:
        if f.verdict is Verdict.UNKNOWN:
            lines.append(f"unknown for {f.principal}:")
            lines += [f"    {r}" for r in f.reasons]
    counts = Counter(f.verdict.value for f in found)
    lines.append(
        f"{counts['reachable']} reachable ({sum(1 for a in admin.values() if a)} admin already), "
        f"{counts['proven-unreachable']} proven-unreachable, {counts['unknown']} unknown; "
        + METHOD_NOTE
    )
    _say(lines)
    raise typer.Exit(code)


def _own_admin(pg, f: Found) -> bool | None:
    """Admin by its own permissions, in the credential the answer started from."""
    if f.start is None:
        return False
    admin = pg.admin.get((f.start.arn, f.start.mode))
    return admin.admin if admin else None


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
    allow_unknown_action: bool = AllowUnknownActionOption,
) -> None:
    """The shortest path from a principal to another principal, to admin, or to a request,
    with every hop's evidence. Exit code 0 when answered, 3 when unknown, 2 for bad input."""
    if (to is None) == (not action and not resource):
        raise InputError("paths", "--to", "give either --to, or --action with --resource")
    if (action and not resource) or (resource and not action):
        raise InputError("paths", "--action", "--action and --resource go together")
    asked = checked_request("paths", action, resource, allow_unknown_action)
    check_render(render)
    where = parse_context_pairs(context)
    with progress_bar(quiet) as progress:
        snap = load_snapshot(snapshot, progress)
        find_principal(snap, source)
        if to not in (None, "admin"):
            find_principal(snap, to)
        pg, graph_paths = graph_for(snap, round(timeout * 1000), progress)
    allowed = modes_filter(mfa_mode(mfa))
    if action:
        checks = known_checks([(action, resource)], asked)
        reach = (
            query.can(pg, graph_paths, source, checks, mfa_mode(mfa), where)
            if checks
            else Reach(Answer(source, Verdict.UNKNOWN))
        )
        reach = with_unknown_actions(reach, asked)
        target = " | ".join(action)
    else:
        starts = graph_paths.own_starts(source, allowed)

        def goal(s: State) -> Answer:
            if to == "admin":
                return graph_paths.admin_goal(s)
            hit = Verdict.REACHABLE if s.arn == to and not s.admin else Verdict.UNREACHABLE
            return Answer(s.arn, hit)

        found = graph_paths.search(source, starts, goal, allowed)
        notes = (proof_note(),) if found.verdict is Verdict.UNREACHABLE else ()
        reach = Reach(Answer(source, found.verdict, None, found.reasons, 0.0, notes), found.hops)
        target = to
    if render is not None:
        write_render(render, snap, [reach], title=f"{source} -> {target}")
    code = EXIT_UNKNOWN if reach.answer.verdict is Verdict.UNKNOWN else EXIT_OK
    if output is OutputFormat.JSON:
        body = can_json(reach, action, resource, where)
        body["to"] = to
        print_json(body)
        raise typer.Exit(code)
    lines = render_can(reach, where)
    if reach.answer.verdict is Verdict.REACHABLE and to == "admin":
        last = reach.hops[-1].target if reach.hops else source
        lines.append(f"    admin at {last}")
    _say(lines)
    raise typer.Exit(code)


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
) -> None:
    """Draw the organization's permission graph: accounts inside their OUs, every escalation
    step between principals (dashed when unknown). Prints what was drawn."""
    check_render(render)
    with progress_bar(quiet) as progress:
        snap = load_snapshot(snapshot, progress)
        for a in account:
            if a not in snap.account_ids():
                raise InputError(str(snapshot), "--account", f"no account {a} in the snapshot")
        pg, _ = graph_for(snap, round(timeout * 1000), progress)

        def tick(done: int, total: int) -> None:
            if progress:
                progress(done, total, "working out every step")

        pg.expand_all(tick)
    keep = set(account)

    def inside(arn: str) -> bool:
        return not keep or snap.principals[arn].account in keep

    def from_admin_at_home(h) -> bool:
        """An admin's steps inside its own account add nothing to the picture."""
        admin = pg.admin.get((h.source, h.mode_from))
        same = snap.principals[h.source].account == snap.principals[h.target].account
        return bool(admin and admin.admin) and same

    hops = [
        h for h in pg.hops() if inside(h.source) and inside(h.target) and not from_admin_at_home(h)
    ]
    hops = list({(h.source, h.target, h.method): h for h in hops}.values())  # one per method
    shown = (
        {a for h in hops for a in (h.source, h.target)}
        if escalation_only
        else {a for a in snap.principals if inside(a)}
    )
    admins = [a for (a, _), v in pg.admin.items() if v.admin and a in shown]
    title = "permission graph" + (f" of {', '.join(account)}" if account else "")
    emit(diagram(snap, hops, title=title, principals=shown, ends=admins), render)
    families = Counter(BY_NAME[h.method].family.value for h in hops)
    _say(
        [
            f"{len(shown)} principals, {len(hops)} escalation steps "
            f"({sum(h.verdict is Verdict.UNKNOWN for h in hops)} unknown), "
            f"administrators: {len(set(admins))} (gold; their steps inside their own account "
            "are not drawn)",
            *[f"    {family}: {n}" for family, n in sorted(families.items())],
        ]
    )
