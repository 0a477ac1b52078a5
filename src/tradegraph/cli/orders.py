"""`tradegraph orders list|show|cancel`, `tradegraph halt` and `tradegraph reconcile`.

Thin: each command opens the configured database through ``bootstrap``, calls one use
case of ``tradegraph.services.orders`` and renders rich tables (or JSON with ``--json``).
Everything that reaches a venue goes through the OMS (``bootstrap.execution``). Exit
codes: 0 done; 1 when something could not be done (a cancel failed, a venue was busy or
unreachable, reconciliation found a mismatch); 2 for usage and tradegraph errors.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated

import typer

from tradegraph.bootstrap import open_database_from
from tradegraph.bootstrap.execution import known_venues, oms_opener, order_history, order_store
from tradegraph.bootstrap.risk import risk_state_store
from tradegraph.cli import orders_views as views
from tradegraph.cli.console import console
from tradegraph.core.clock import LiveClock
from tradegraph.core.errors import ValidationError
from tradegraph.execution.store import OrderStore
from tradegraph.model.order import OrderStatus
from tradegraph.persistence.database import Database
from tradegraph.risk import DrawdownGuard, RiskConfig
from tradegraph.risk.store import RiskStateStore
from tradegraph.services import orders as service
from tradegraph.services.orders import OmsOpener, OrderCancel
from tradegraph.settings import Settings, get_settings

app = typer.Typer(help="Orders: list, inspect and cancel orders.", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]
StrategyOpt = Annotated[
    str | None, typer.Option("--strategy", help="Only this strategy id.", show_default=False)
]
OrderArg = Annotated[str, typer.Argument(help="Client order id (see `tradegraph orders list`).")]

_EXIT_FAILED = 1


@dataclass(frozen=True, slots=True)
class _Context:
    settings: Settings
    database: Database
    orders: OrderStore
    risk: RiskStateStore
    opener: OmsOpener
    clock: LiveClock


@contextmanager
def _context() -> Iterator[_Context]:
    settings = get_settings()
    database = open_database_from(settings)
    clock = LiveClock()
    try:
        yield _Context(
            settings,
            database,
            order_store(database, clock, settings.default_tenant),
            risk_state_store(database, clock),
            oms_opener(settings, database, clock),
            clock,
        )
    finally:
        database.dispose()


# --- orders list / show / cancel -------------------------------------------------------------


def _statuses(status: str | None) -> list[OrderStatus] | None:
    if status is None:
        return None
    return [service.parse_status(part) for part in status.split(",") if part.strip()]


@app.command("list")
def list_command(  # options are keyword-only: typer passes them by name
    *,
    status: Annotated[
        str | None,
        typer.Option("--status", help="Only these statuses (comma-separated, e.g. filled)."),
    ] = None,
    strategy: StrategyOpt = None,
    instrument: Annotated[
        str | None, typer.Option("--instrument", help="Only this instrument id.")
    ] = None,
    include_all: Annotated[
        bool, typer.Option("--all", help="Every status, not only open orders.")
    ] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Show the newest N.")] = 50,
    as_json: JsonOpt = False,
) -> None:
    """List orders: open ones (new and working) by default, oldest first."""
    with _context() as ctx:
        listing = service.list_orders(
            ctx.orders,
            statuses=_statuses(status),
            strategy_id=strategy,
            instrument_id=instrument,
            include_closed=include_all,
            limit=limit,
        )
    if as_json:
        views.print_json(
            {
                "orders": [views.record_json(r) for r in listing.records],
                "matched": listing.matched,
                "open_only": listing.open_only,
            }
        )
        return
    if not listing.records:
        if not listing.any_orders:
            console.print(service.EMPTY_HINT)
        elif listing.open_only:
            console.print(
                "No open orders. `tradegraph orders list --all` shows filled and canceled ones."
            )
        else:
            console.print("No order matches these filters.")
        return
    what = "Open orders" if listing.open_only else "Orders"
    console.print(views.orders_table(listing.records, what))
    if listing.truncated:
        console.print(
            f"[dim]Showing the newest {len(listing.records)} of {listing.matched}; "
            "use --limit to see more.[/]"
        )


@app.command("show")
def show_command(client_order_id: OrderArg, as_json: JsonOpt = False) -> None:
    """Show one order: its details, fills and audit-journal history."""
    with _context() as ctx:
        detail = service.show_order(
            ctx.orders,
            order_history(ctx.database, ctx.clock, ctx.settings.default_tenant),
            client_order_id,
        )
    if as_json:
        views.print_json(
            {
                "order": views.record_json(detail.record),
                "fills": [views.fill_json(f) for f in detail.fills],
                "history": [views.entry_json(e) for e in detail.history],
            }
        )
        return
    console.print(views.detail_renderables(detail))


@app.command("cancel")
def cancel_command(
    client_order_id: Annotated[
        str | None, typer.Argument(help="Client order id to cancel.", show_default=False)
    ] = None,
    cancel_all: Annotated[bool, typer.Option("--all", help="Cancel every open order.")] = False,
    strategy: StrategyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Cancel one order, or every open order (`--all`, optionally of one `--strategy`)."""
    if (client_order_id is None) == (not cancel_all):
        raise ValidationError(
            "Give either one client order id or --all.",
            hint="`tradegraph orders cancel <id>` or `tradegraph orders cancel --all`.",
        )
    if client_order_id is not None and strategy is not None:
        raise ValidationError(
            "--strategy only goes with --all.", hint="Drop --strategy or the order id."
        )
    if client_order_id is not None:
        with _context() as ctx:
            result = service.cancel_order(
                ctx.orders, ctx.opener, client_order_id, risk_store=ctx.risk
            )
        _print_cancel(result, as_json=as_json)
        return
    with _context() as ctx:
        reports = service.cancel_all_orders(ctx.orders, ctx.opener, strategy_id=strategy)
    if as_json:
        views.print_json({"ok": reports.ok, "venues": views.cancels_json(reports)})
    elif not reports.venues:
        console.print("No open orders to cancel.")
    else:
        for outcome in reports.venues:
            console.print(views.venue_line(outcome))
        views.print_failures(reports)
    if not reports.ok:
        raise typer.Exit(_EXIT_FAILED)


def _print_cancel(result: OrderCancel, *, as_json: bool) -> None:
    record = result.record
    if as_json:
        views.print_json({"order": views.record_json(record), "was_open": result.was_open})
    elif not result.was_open:
        console.print(
            f"Order {record.client_order_id} was already {views.status_text(record.status)}."
        )
    elif record.status.is_terminal:
        console.print(f"Order {record.client_order_id} is now {views.status_text(record.status)}.")
    else:
        console.print(
            f"Cancel of {record.client_order_id} sent; it stays {views.status_text(record.status)} until "
            "the venue confirms (see `tradegraph orders show`)."
        )


orders_app = app


# --- halt / reconcile ---------------------------------------------------------------------------


def halt_command(
    reason: Annotated[
        str, typer.Option("--reason", help="Why trading stops (journalled).")
    ] = "manual halt",
    actor: Annotated[str, typer.Option("--actor", help="Who halts (journalled).")] = "operator",
    as_json: JsonOpt = False,
) -> None:
    """Kill switch: HALT every strategy (durable: running sessions stop too) and cancel
    every open order. Leave it with `tradegraph risk reset STRATEGY`."""
    with _context() as ctx:
        outcome = service.halt_trading(
            ctx.orders,
            ctx.risk,
            DrawdownGuard(RiskConfig()),
            ctx.opener,
            now=ctx.clock.now(),
            reason=reason,
            actor=actor,
        )
    if as_json:
        views.print_json(views.halt_json(outcome, reason))
    else:
        views.print_halt(outcome, reason)
    if not outcome.ok:
        raise typer.Exit(_EXIT_FAILED)


def reconcile_command(as_json: JsonOpt = False) -> None:
    """Reconcile orders, fills and positions with every venue (the start-up check of a
    session). Exit 1 on any mismatch: positions that disagree halt their strategies."""
    with _context() as ctx:
        reports = service.reconcile_venues(
            ctx.orders,
            ctx.risk,
            DrawdownGuard(RiskConfig()),
            ctx.opener,
            venues=known_venues(ctx.settings),
            now=ctx.clock.now(),
        )
    if as_json:
        views.print_json(
            {"ok": reports.ok, "venues": [views.reconcile_json(v) for v in reports.venues]}
        )
    elif not reports.venues:
        console.print("Nothing to reconcile: no orders and no venue yet.")
    else:
        views.print_reconcile(reports)
    if not reports.ok:
        raise typer.Exit(_EXIT_FAILED)


def register(root: typer.Typer) -> None:
    """Add the ``orders`` group and the top-level ``halt`` and ``reconcile`` commands."""
    root.add_typer(orders_app, name="orders")
    root.command("halt")(halt_command)
    root.command("reconcile")(reconcile_command)


__all__ = ["app", "register"]
