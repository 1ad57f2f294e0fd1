"""`iamgraph simulate`: decide single requests, from a snapshot or from policy files."""

from __future__ import annotations

from enum import StrEnum
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
from iamgraph.errors import InputError
from iamgraph.model.credentials import Mfa


class Engine(StrEnum):
    EVALUATOR = "evaluator"
    SOLVER = "solver"


@reports_input_errors
def simulate(
    snapshot: Path | None = typer.Argument(
        None, help="Snapshot folder (snapshot mode); omit for custom mode."
    ),
    principal: str | None = typer.Option(
        None, "--principal", help="Snapshot mode: user, role, role-session or root ARN."
    ),
    action: list[str] = typer.Option(..., "--action", help="Action to simulate (repeatable)."),
    resource: list[str] = typer.Option(["*"], "--resource", help="Resource ARN (repeatable)."),
    context: list[str] = typer.Option([], "--context", help="KEY=VALUE; repeat a key for a list."),
    context_entries: str | None = typer.Option(
        None, "--context-entries", help="AWS ContextEntry JSON, inline or file://path."
    ),
    mfa: Mfa | None = typer.Option(
        None,
        "--mfa",
        case_sensitive=False,
        help=(
            "keys: long-term access keys (MFA key absent); no-mfa: session without MFA; "
            "mfa: session with MFA. Default: keys for users and root, no-mfa for roles."
        ),
    ),
    identity_policy: list[Path] = typer.Option(
        [], "--identity-policy", help="Custom mode: identity policy file (repeatable)."
    ),
    boundary: Path | None = typer.Option(
        None, "--boundary", help="Custom mode: permissions boundary file."
    ),
    session_policy: Path | None = typer.Option(
        None, "--session-policy", help="Custom mode: session policy file."
    ),
    resource_policy: Path | None = typer.Option(
        None,
        "--resource-policy",
        help="Custom mode: resource policy (or trust or key policy) file.",
    ),
    scp_level: list[str] = typer.Option(
        [],
        "--scp-level",
        help="Custom mode: SCP files at one level, comma-separated; repeat per level, root first.",
    ),
    rcp_level: list[str] = typer.Option(
        [], "--rcp-level", help="Custom mode: RCP files at one level, like --scp-level."
    ),
    caller_arn: str | None = typer.Option(
        None,
        "--caller-arn",
        help=(
            "Custom mode: the caller (user, assumed-role session, root), or an IAM OIDC or SAML "
            "provider for a web-identity or SAML caller (decided by --resource-policy, the "
            "role's trust policy; the token's keys in --context-entries)."
        ),
    ),
    caller_role_arn: str | None = typer.Option(
        None, "--caller-role-arn", help="Custom mode: the role of an assumed-role session."
    ),
    resource_owner: str | None = typer.Option(
        None, "--resource-owner", help="Custom mode: account that owns the resource."
    ),
    management_account: bool = typer.Option(
        False,
        "--management-account",
        help="Custom mode: the caller is in the management account (E6).",
    ),
    service_linked: bool = typer.Option(
        False, "--service-linked", help="Custom mode: the caller is a service-linked role (E7)."
    ),
    engine: Engine = typer.Option(
        Engine.EVALUATOR,
        "--engine",
        case_sensitive=False,
        help="evaluator: the concrete decision procedure, with reasons; solver: the z3 encoding.",
    ),
    output: OutputFormat = FormatOption,
    quiet: bool = QuietOption,
    strict: bool = StrictOption,
    no_size_limit: bool = NoSizeLimitOption,
    allow_unknown_action: bool = AllowUnknownActionOption,
) -> None:
    """Decide requests the way AWS does, with the statements that decided.

    Snapshot mode: SNAPSHOT --principal ARN --action A --resource ARN. Custom mode (no
    SNAPSHOT): policy files and caller facts, like `aws iam simulate-custom-policy`.
    """
    from iamgraph.query.simulate import Custom, any_unknown
    from iamgraph.query.simulate import simulate as run_simulation
    from iamgraph.render.json import print_json
    from iamgraph.render.simulate import simulate_json, simulate_lines
    from iamgraph.render.text import say, unreadable

    custom = Custom(
        tuple(identity_policy),
        boundary,
        session_policy,
        resource_policy,
        tuple(scp_level),
        tuple(rcp_level),
        caller_arn,
        caller_role_arn,
        resource_owner,
        management_account,
        service_linked,
    )
    left_out: list[InputError] = []
    with progress_bar(quiet) as progress:
        results = run_simulation(
            snapshot,
            principal,
            action,
            resource,
            context=context,
            context_entries=context_entries,
            mfa=mfa,
            custom=custom,
            engine=engine.value,
            allow_unknown_action=allow_unknown_action,
            progress=progress,
            strict=strict,
            size_limit=not no_size_limit,
            left_out=left_out,
        )
    unreadable(left_out)
    if output is OutputFormat.JSON:
        print_json(simulate_json(results))
    else:
        say(simulate_lines(results))
    raise typer.Exit(EXIT_UNKNOWN if any_unknown(results) else EXIT_OK)
