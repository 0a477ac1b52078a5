"""The ``tradegraph`` command: assembles the command groups and maps errors to exit codes."""

from __future__ import annotations

import typer

from tradegraph import __version__
from tradegraph.bootstrap import configure_logging
from tradegraph.cli import backtest, data, orders, paper, portfolio, risk, system, workflow
from tradegraph.cli.console import console, render_error
from tradegraph.core.errors import TradegraphError
from tradegraph.settings import get_settings

app = typer.Typer(
    name="tradegraph",
    help="AI-assisted algorithmic trading: workflows, data, backtests, paper trading.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command("info")(system.info)
app.add_typer(system.db_app, name="db")
app.add_typer(system.audit_app, name="audit")
app.add_typer(data.app, name="data")
app.add_typer(risk.app, name="risk")
app.add_typer(workflow.app, name="workflow")
backtest.register(app)
portfolio.register(app)
paper.register(app)
orders.register(app)


def _version(value: bool) -> None:
    if value:
        console.print(f"tradegraph {__version__}")
        raise typer.Exit


@app.callback()
def _root(
    version: bool = typer.Option(  # noqa: ARG001 - handled eagerly by its callback
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """tradegraph command line."""
    configure_logging(get_settings())


EXIT_USAGE_ERROR = 2


def main() -> None:
    """Console-script entry point: a tradegraph error becomes a clear message and exit 2.

    Typer/click handle usage errors and exit codes themselves (standalone mode).
    """
    try:
        app()
    except TradegraphError as exc:
        render_error(exc)
        raise SystemExit(EXIT_USAGE_ERROR) from exc


__all__ = ["app", "main"]
