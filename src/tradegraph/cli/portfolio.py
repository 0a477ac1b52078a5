"""`tradegraph portfolio | trades | decisions`: what paper sessions hold, traded and decided.

Thin: each command opens the configured database through ``bootstrap``, calls one read use
case of ``tradegraph.services.portfolio`` and renders rich tables (or one JSON object with
``--json``). ``register(app)`` adds the three top-level commands.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Annotated

import typer
from rich import box
from rich.table import Table

from tradegraph.bootstrap import open_database_from
from tradegraph.bootstrap.sessions import portfolio_stores
from tradegraph.cli.console import console
from tradegraph.core.clock import LiveClock
from tradegraph.execution.store import OrderStore
from tradegraph.model.enums import Direction
from tradegraph.orchestrator.sessions.store import SessionStore
from tradegraph.services import portfolio as service
from tradegraph.services.portfolio import DecisionView, PortfolioView, TradeView
from tradegraph.settings import get_settings

StrategyOpt = Annotated[
    str | None, typer.Option("--strategy", help="Only this strategy id.", show_default=False)
]
SessionOpt = Annotated[
    str | None, typer.Option("--session", help="Only this paper session id.", show_default=False)
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object instead of tables.")]

_SIDE_STYLE = {Direction.LONG: "green", Direction.SHORT: "red", Direction.FLAT: "dim"}


@dataclass(frozen=True, slots=True)
class _Stores:
    orders: OrderStore
    sessions: SessionStore


@contextmanager
def _stores() -> Iterator[_Stores]:
    settings = get_settings()
    database = open_database_from(settings)
    try:
        sessions, orders = portfolio_stores(database, LiveClock(), settings.default_tenant)
        yield _Stores(orders, sessions)
    finally:
        database.dispose()


def _jsonable(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def _print_json(payload: Mapping[str, object]) -> None:
    typer.echo(json.dumps(_jsonable(payload), allow_nan=False))


def _money(value: Decimal) -> str:
    style = "green" if value > 0 else "red" if value < 0 else ""
    text = f"{value:,.2f}"
    return f"[{style}]{text}[/]" if style else text


def _qty(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _time(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M")


def _short_time(value: datetime) -> str:
    return value.strftime("%m-%d %H:%M")


def _short(value: Decimal | float, places: int = 4) -> str:
    """A compact number for tables: 2 decimals from 100 up, ``places`` below."""
    number = Decimal(str(value))
    digits = 2 if abs(number) >= 100 else places
    return f"{number:,.{digits}f}"


def _empty(what: str, stores: _Stores) -> None:
    count = len(stores.sessions.list_sessions())
    console.print(f"{what}")
    if count:
        console.print(
            f"{count} paper session(s) recorded; see `tradegraph paper status` and "
            "`tradegraph decisions`."
        )
    else:
        console.print(service.START_HINT)


# --- portfolio -----------------------------------------------------------------------------


def _portfolio_json(view: PortfolioView) -> dict[str, object]:
    return {
        "positions": [
            {
                "strategy_id": p.strategy_id,
                "instrument_id": p.instrument_id,
                "direction": p.direction.value,
                "quantity": p.quantity,
                "average_price": p.average_price,
                "opened_at": p.opened_at,
                "mark": p.mark,
                "mark_source": p.mark_source,
                "market_value": p.market_value,
                "unrealized_pnl": p.unrealized_pnl,
            }
            for p in view.positions
        ],
        "strategies": [
            {
                "strategy_id": s.strategy_id,
                "realized_pnl": s.realized_pnl,
                "unrealized_pnl": s.unrealized_pnl,
                "total_pnl": s.total_pnl,
                "fees": s.fees,
                "trades": s.trades,
                "open_positions": s.open_positions,
            }
            for s in view.strategies
        ],
    }


def _render_portfolio(view: PortfolioView) -> None:
    if view.positions:
        table = Table(title="Open positions", title_justify="left")
        for column in (
            "strategy",
            "instrument",
            "side",
            "quantity",
            "avg price",
            "mark",
            "value",
            "unrealized",
            "since",
        ):
            table.add_column(
                column,
                justify="left"
                if column in ("strategy", "instrument", "side", "since")
                else "right",
            )
        for p in view.positions:
            style = _SIDE_STYLE[p.direction]
            table.add_row(
                p.strategy_id,
                p.instrument_id,
                f"[{style}]{p.direction.value}[/]",
                _qty(p.quantity),
                f"{p.average_price:,.4f}",
                f"{p.mark:,.4f}" + (" [dim](fill)[/]" if p.mark_source != "close" else ""),
                f"{p.market_value:,.2f}",
                _money(p.unrealized_pnl),
                _time(p.opened_at),
            )
        console.print(table)
    else:
        console.print("No open positions.")
    table = Table(title="P&L by strategy", title_justify="left")
    for column in ("strategy", "realized", "unrealized", "total", "fees", "trades", "open"):
        table.add_column(column, justify="left" if column == "strategy" else "right")
    for s in view.strategies:
        table.add_row(
            s.strategy_id,
            _money(s.realized_pnl),
            _money(s.unrealized_pnl),
            _money(s.total_pnl),
            f"{s.fees:,.2f}",
            str(s.trades),
            str(s.open_positions),
        )
    console.print(table)


def portfolio_command(
    strategy: StrategyOpt = None, session: SessionOpt = None, as_json: JsonOpt = False
) -> None:
    """Open positions with unrealized P&L, and realized/unrealized P&L per strategy."""
    with _stores() as stores:
        view = service.portfolio(
            stores.orders, stores.sessions, strategy_id=strategy, session_id=session
        )
        if as_json:
            _print_json(_portfolio_json(view))
        elif view.is_empty:
            _empty("No positions or trades yet.", stores)
        else:
            _render_portfolio(view)


# --- trades --------------------------------------------------------------------------------


def _trade_json(view: TradeView) -> dict[str, object]:
    t = view.trade
    return {
        "strategy_id": view.strategy_id,
        "session_id": view.session_id,
        "instrument_id": t.instrument_id,
        "direction": t.direction.value,
        "quantity": t.quantity,
        "entry_time": t.entry_time,
        "entry_price": t.entry_price,
        "exit_time": t.exit_time,
        "exit_price": t.exit_price,
        "fees": t.fees,
        "pnl": t.pnl,
        "exit_reason": t.exit_reason.value,
    }


def _render_trades(views: list[TradeView]) -> None:
    """One row per trade; strategy, session and instrument move to the title when every
    trade shares them (so the table fits an 80-column terminal)."""
    ids = {
        "strategy": [v.strategy_id for v in views],
        "session": [v.session_id or "" for v in views],
        "instrument": [v.trade.instrument_id for v in views],
        "side": [v.trade.direction.value for v in views],
    }
    shared = {name: values[0] for name, values in ids.items() if len(set(values)) == 1}
    named = dict(shared)
    if named.get("strategy") == named.get("session"):  # a session's default strategy id
        named.pop("strategy", None)
    years = sorted({t.year for v in views for t in (v.trade.entry_time, v.trade.exit_time)})
    span = str(years[0]) if len(years) == 1 else f"{years[0]}–{years[-1]}"
    title = f"Closed trades ({len(views)}, {span})" + "".join(
        f" · {name} {value}" for name, value in named.items() if value
    )
    varying = [name for name in ids if name not in shared]
    table = Table(
        title=title,
        title_justify="left",
        box=box.SIMPLE_HEAD,
        collapse_padding=True,
        pad_edge=False,
    )
    numeric = ("qty", "entry", "exit", "fees", "pnl")
    for column in (
        *varying,
        "qty",
        "opened",
        "entry",
        "closed",
        "exit",
        "fees",
        "pnl",
        "reason",
    ):
        table.add_column(
            column,
            justify="right" if column in numeric else "left",
            min_width=11 if column in ("opened", "closed") else None,
        )
    for i, v in enumerate(views):
        t = v.trade
        table.add_row(
            *(ids[name][i] for name in varying),
            _short(t.quantity),
            _short_time(t.entry_time),
            _short(t.entry_price),
            _short_time(t.exit_time),
            _short(t.exit_price),
            f"{t.fees:,.2f}",
            _money(t.pnl),
            t.exit_reason.value,
        )
    console.print(table)
    total = sum((v.trade.pnl for v in views), Decimal(0))
    wins = sum(1 for v in views if v.trade.pnl > 0)
    console.print(f"Net P&L {_money(total)} over {len(views)} trade(s), {wins} winning.")


def trades_command(
    strategy: StrategyOpt = None,
    session: SessionOpt = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Show the last N trades.")] = 50,
    as_json: JsonOpt = False,
) -> None:
    """Closed round-trip trades (entry, exit, fees, net P&L, exit reason)."""
    with _stores() as stores:
        views = service.trades(
            stores.orders, stores.sessions, strategy_id=strategy, session_id=session, limit=limit
        )
        if as_json:
            _print_json({"trades": [_trade_json(v) for v in views]})
        elif not views:
            _empty("No closed trades yet.", stores)
        else:
            _render_trades(views)


# --- decisions -----------------------------------------------------------------------------


def _decision_json(view: DecisionView) -> dict[str, object]:
    return {"strategy_id": view.strategy_id, "symbol": view.symbol, **view.decision.to_dict()}


def _price(value: float | None) -> str:
    return "" if value is None else f"{value:,.4f}"


def _render_decisions(views: list[DecisionView]) -> None:
    table = Table(title="Decisions (newest first)", title_justify="left", show_lines=True)
    for column in (
        "bar",
        "session",
        "symbol",
        "decision",
        "entry",
        "stop",
        "target",
        "conf",
        "outcome",
        "reasoning",
    ):
        right = column in ("entry", "stop", "target", "conf")
        table.add_column(
            column,
            justify="right" if right else "left",
            overflow="fold",
            max_width=60 if column == "reasoning" else None,
        )
    for v in views:
        d = v.decision
        label = f"[{_SIDE_STYLE[d.direction]}]{d.direction.value}[/]"
        if d.exit:
            label += " +exit"
        table.add_row(
            _time(d.bar_time),
            d.session_id,
            v.symbol,
            label,
            _price(d.entry),
            _price(d.stop),
            _price(d.target),
            f"{d.confidence:.2f}" if d.direction is not Direction.FLAT else "",
            d.outcome,
            d.reasoning,
        )
    console.print(table)


def decisions_command(
    strategy: StrategyOpt = None,
    session: SessionOpt = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Show the newest N.")] = 20,
    actions_only: Annotated[
        bool,
        typer.Option("--actions-only", help="Skip bars where the workflow proposed nothing."),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Session decisions with what they saw, their reasoning and what came of them."""
    with _stores() as stores:
        views = service.decisions(
            stores.sessions,
            strategy_id=strategy,
            session_id=session,
            limit=limit,
            actions_only=actions_only,
        )
        if as_json:
            _print_json({"decisions": [_decision_json(v) for v in views]})
        elif not views:
            _empty("No decisions recorded yet.", stores)
        else:
            _render_decisions(views)


def register(app: typer.Typer) -> None:
    """Add ``portfolio``, ``trades`` and ``decisions`` as top-level commands."""
    app.command("portfolio")(portfolio_command)
    app.command("trades")(trades_command)
    app.command("decisions")(decisions_command)


__all__ = ["register"]
