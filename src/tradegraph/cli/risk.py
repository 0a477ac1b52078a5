"""`tradegraph risk status|halt|reset`: the drawdown guard (SAFE_MODE) of each strategy."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation
from typing import Annotated

import typer
from rich.table import Table

from tradegraph.bootstrap import open_database_from
from tradegraph.bootstrap.risk import risk_state_store
from tradegraph.cli.console import console
from tradegraph.core.clock import LiveClock
from tradegraph.core.errors import ValidationError
from tradegraph.risk import DrawdownGuard, GuardMode, RiskConfig
from tradegraph.risk.guard import GuardState
from tradegraph.risk.store import RiskStateStore, guard_status, halt_guard, reset_guard
from tradegraph.settings import get_settings

app = typer.Typer(help="Risk: drawdown guard status, manual halt and reset.", no_args_is_help=True)

_MODE_STYLE = {GuardMode.ACTIVE: "green", GuardMode.REDUCING: "yellow", GuardMode.HALTED: "red"}
Strategy = Annotated[str, typer.Argument(help="Strategy id.")]
Actor = Annotated[str, typer.Option("--actor", help="Who is doing this (journalled).")]
Note = Annotated[str, typer.Option("--note", help="Why (journalled).")]


@contextmanager
def _store() -> Iterator[tuple[RiskStateStore, str]]:
    settings = get_settings()
    database = open_database_from(settings)
    try:
        yield risk_state_store(database, LiveClock()), settings.default_tenant
    finally:
        database.dispose()


def _render(states: list[tuple[str, GuardState]]) -> None:
    table = Table(title="Drawdown guard", title_justify="left")
    for column in ("strategy", "mode", "since", "reason", "peak", "last", "drawdown", "day loss"):
        table.add_column(column, justify="right" if column in ("peak", "last") else "left")
    for strategy, s in states:
        style = _MODE_STYLE[s.mode]
        table.add_row(
            strategy,
            f"[{style}]{s.mode.value.upper()}[/]",
            s.since.strftime("%Y-%m-%d %H:%M:%S"),
            s.reason.value if s.reason else "",
            f"{s.peak_equity:,.2f}",
            f"{s.last_equity:,.2f}",
            f"{s.drawdown:.2%}",
            f"{s.daily_loss:.2%}",
        )
    console.print(table)


@app.command("status")
def status(
    strategy: Annotated[
        str | None, typer.Argument(help="Strategy id (default: every strategy).")
    ] = None,
) -> None:
    """Show the guard state (ACTIVE / REDUCING / HALTED) of one or every strategy."""
    with _store() as (store, tenant):
        names = [strategy] if strategy else list(store.strategies(tenant))
        states = [(name, guard_status(store, tenant, name)) for name in names]
    if not states:
        console.print("No strategy has reported equity to the risk engine yet.")
        return
    _render(states)


@app.command("halt")
def halt(strategy: Strategy, actor: Actor = "operator", note: Note = "") -> None:
    """Trip SAFE_MODE by hand: only cancels and risk-reducing orders pass until a reset."""
    with _store() as (store, tenant):
        update = halt_guard(
            store,
            DrawdownGuard(RiskConfig()),
            tenant,
            strategy,
            LiveClock().now(),
            actor=actor,
            note=note,
        )
    _render([(strategy, update.state)])


@app.command("reset")
def reset(
    strategy: Strategy,
    equity: Annotated[
        str | None,
        typer.Option("--equity", help="Current equity to re-baseline on (default: last seen)."),
    ] = None,
    actor: Actor = "operator",
    note: Note = "",
) -> None:
    """Leave SAFE_MODE explicitly; peak, day and month baselines become the current equity."""
    with _store() as (store, tenant):
        current = guard_status(store, tenant, strategy)
        try:
            value = Decimal(equity) if equity is not None else current.last_equity
        except InvalidOperation as exc:
            raise ValidationError(
                f"--equity {equity!r} is not a number.", hint="Pass e.g. --equity 10500.25."
            ) from exc
        update = reset_guard(
            store,
            DrawdownGuard(RiskConfig()),
            tenant,
            strategy,
            equity=value,
            now=LiveClock().now(),
            actor=actor,
            note=note,
        )
    if update.transitions:
        console.print(
            f"[green]Reset[/] {strategy}: {current.mode.value} → {update.state.mode.value}."
        )
    else:
        console.print(f"{strategy} was already {update.state.mode.value}; baselines re-set.")
    _render([(strategy, update.state)])


__all__ = ["app"]
