"""`iamgraph ask`: a question in English, answered by the command it maps to (`can`,
`who-can`, `paths` or `privesc`); the grammar is `iamgraph.query.grammar`'s, docs/ask.md."""

from __future__ import annotations

from pathlib import Path

import typer

from iamgraph.cli.can import AllOption, DirectOption, RenderOption, TimeoutOption
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

# Shown by `ask --help`. Typer reads rich markup in help (`\\[` keeps a bracket as written);
# rich keeps line breaks, so a paragraph is one line (rich wraps it) and a table one per row.
QUESTIONS = r"""Questions (and the command that answers):
  who can VERB OBJECT \[CLAUSE...]            who-can
  which principals|users can VERB OBJECT     who-can
  can SUBJECT VERB OBJECT \[CLAUSE...]        can, or who-can for any/anyone
  who is admin, who are the admins           privesc (admin already)
  who can become admin \[without MFA]         privesc
  is PRINCIPAL admin                         privesc (that principal)
  can PRINCIPAL become admin                 paths --to admin
  how can PRINCIPAL reach|assume PRINCIPAL   paths --to PRINCIPAL
  how can PRINCIPAL VERB OBJECT              paths --action --resource
  show the path from PRINCIPAL to admin      paths --to admin"""
EXAMPLES = """Examples (on fixtures/demo-org):
  who can assume BreakGlassAdmin
  can dev.one become admin
  which principals without MFA can stop logging?
  who can delete the trail without MFA in account 111122223333
  can ci-runner pass a role to lambda
  can anyone outside the organization read the log bucket
  who are the admins in OU Prod
  how can ops-automation assume TrailOperator"""
HELP = "\n\n".join(
    (
        "Answer a question about the snapshot in English (full grammar: docs/ask.md).",
        "Prints what the question was understood as, then the answer of the command it maps "
        "to: `can` (one principal), `who-can` (every principal), `paths` or `privesc`; over "
        "paths unless `--direct`. Exit codes as theirs. Case, punctuation, the/a/an, plurals "
        "and a trailing ? never matter. A question it cannot read is exit 2, with the closest "
        "question it accepts and the command that answers it.",
        QUESTIONS,
        "Verbs: delete, stop logging (on), turn off logging, tamper with, read, write, assume, "
        "pass (a role to SERVICE), decrypt (with), encrypt (with), use (a key), publish to, "
        "subscribe to, disable, put, get, list, modify (change) the policy of, modify the "
        "trust policy of, or an action pattern such as s3:Put*.",
        "Subjects: user NAME, role NAME, a bare user or role name (when unique), a principal "
        "ARN, any principal, any non-MFA principal, anyone, anyone outside the organization.",
        "Objects: the trail, the trail bucket|key|topic (the log bucket), trail NAME, bucket "
        "NAME, key ID, topic NAME, role NAME, a bare name, any role|bucket|key|topic|trail, an "
        "ARN or ARN pattern.",
        "Clauses: without MFA, with MFA, in account ID|NAME, in OU NAME, outside the organization.",
        EXAMPLES,
    )
)


@reports_input_errors
def ask(
    snapshot: Path = typer.Argument(..., help="Snapshot folder."),
    question: str = typer.Argument(
        ..., help='For example "can any non-MFA principal delete the trail".'
    ),
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
    from iamgraph.load.snapshot import load_snapshot
    from iamgraph.premerge.outside import from_outside
    from iamgraph.query import answer
    from iamgraph.render.answers import ask_lines
    from iamgraph.render.diagrams import privesc_diagram
    from iamgraph.render.json import ask_json, print_json
    from iamgraph.render.text import input_warnings, say, unreadable

    check_render(render)
    timeout_ms = round(timeout * 1000)
    with progress_bar(quiet) as progress:
        snap = load_snapshot(snapshot, progress, strict=strict, size_limit=not no_size_limit)
        answered = answer.ask_question(
            snap,
            question,
            allow_unknown_action=allow_unknown_action,
            direct=direct,
            timeout_ms=timeout_ms,
            progress=progress,
        )
        if answered.query.filter.outside:
            answered = from_outside(snap, answered, timeout_ms, progress)
    unreadable(snap.unreadable)
    input_warnings(snap)
    if render is not None:
        if answered.escalations is not None:
            emit(privesc_diagram(snap, answered.escalations), render)
        else:
            drawn = [r for r in answered.reaches if r.answer.principal in snap.principals]
            write_render(render, snap, drawn, title=question)  # outside callers: not drawn
    if output is OutputFormat.JSON:
        print_json(ask_json(question, answered))
    else:
        say(ask_lines(answered, show_all))
    raise typer.Exit(EXIT_UNKNOWN if answered.unknown else EXIT_OK)


ask.__doc__ = HELP
