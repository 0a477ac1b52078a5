"""Rendering for ``tradegraph orders``, ``halt`` and ``reconcile``: rich tables, one-line
venue outcomes and the JSON shapes of ``--json`` (Decimals as strings, times ISO 8601)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

import typer
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from tradegraph.cli.console import console, err_console
from tradegraph.execution.store import OrderRecord
from tradegraph.model.audit import AuditEntry
from tradegraph.model.fill import Fill
from tradegraph.model.order import OrderStatus
from tradegraph.services.orders import HaltOutcome, OrderDetail, VenueOutcome, VenueReports

STATUS_STYLE = {
    OrderStatus.NEW: "white",
    OrderStatus.SUBMITTED: "yellow",
    OrderStatus.ACCEPTED: "cyan",
    OrderStatus.PARTIALLY_FILLED: "cyan",
    OrderStatus.FILLED: "green",
    OrderStatus.CANCELED: "dim",
    OrderStatus.REJECTED: "red",
    OrderStatus.EXPIRED: "dim",
    OrderStatus.UNKNOWN: "bold red",
}


def jsonable(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def print_json(payload: object) -> None:
    typer.echo(json.dumps(jsonable(payload), allow_nan=False))


def qty(value: Decimal | None) -> str:
    return "" if value is None else f"{value.normalize():f}"


def when(value: datetime | None) -> str:
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M:%S")


def status_text(value: OrderStatus) -> str:
    return f"[{STATUS_STYLE[value]}]{value.value.upper()}[/]"


def price_text(record: OrderRecord) -> str:
    order = record.order
    parts = []
    if order.price is not None:
        parts.append(qty(order.price))
    if order.stop_price is not None:
        parts.append(f"stop {qty(order.stop_price)}")
    return " / ".join(parts)


def record_json(record: OrderRecord) -> dict[str, object]:
    order = record.order
    return {
        "client_order_id": record.client_order_id,
        "tenant_id": record.tenant_id,
        "strategy_id": record.strategy_id,
        "decision_id": record.decision_id,
        "leg": record.leg,
        "venue": record.venue,
        "instrument_id": order.instrument_id,
        "side": order.side.value,
        "order_type": order.order_type.value,
        "time_in_force": order.time_in_force.value,
        "reduce_only": order.reduce_only,
        "quantity": order.quantity,
        "price": order.price,
        "stop_price": order.stop_price,
        "status": order.status.value,
        "filled_quantity": order.filled_quantity,
        "average_fill_price": order.average_fill_price,
        "venue_order_id": order.venue_order_id,
        "last_reason": order.last_reason,
        "created_at": order.created_at,
        "updated_at": order.updated_at,
        "group_id": record.group_id,
        "oco_group": record.oco_group,
        "parent_id": record.parent_id,
        "replaces": record.replaces,
        "send_attempts": record.send_attempts,
        "version": record.version,
    }


def fill_json(fill: Fill) -> dict[str, object]:
    return {
        "trade_id": fill.trade_id,
        "time": fill.time,
        "side": fill.side.value,
        "quantity": fill.quantity,
        "price": fill.price,
        "fee": fill.fee,
        "fee_currency": fill.fee_currency,
        "liquidity": fill.liquidity.value,
    }


def entry_json(entry: AuditEntry) -> dict[str, object]:
    return {
        "seq": entry.seq,
        "time": entry.time,
        "kind": entry.kind,
        "actor": entry.actor,
        "payload": entry.payload,
    }


def orders_table(records: tuple[OrderRecord, ...], title: str) -> Table:
    table = Table(title=title, title_justify="left")
    for column in ("client order id", "strategy", "instrument", "leg", "side", "type"):
        table.add_column(column)
    for column in ("qty", "filled", "price"):
        table.add_column(column, justify="right")
    table.add_column("status")
    table.add_column("updated")
    for r in records:
        o = r.order
        table.add_row(
            r.client_order_id,
            r.strategy_id,
            o.instrument_id,
            r.leg,
            o.side.value,
            o.order_type.value,
            qty(o.quantity),
            qty(o.filled_quantity),
            price_text(r),
            status_text(o.status),
            when(o.updated_at or o.created_at),
        )
    return table


def history_detail(entry: AuditEntry) -> str:
    payload = entry.payload
    parts = []
    for key in ("venue_order_id", "reason", "note"):
        value = payload.get(key)
        if value:
            parts.append(f"{key.replace('_', ' ')}: {value}")
    if payload.get("trade_id"):
        parts.append(
            f"trade {payload['trade_id']}: {payload.get('fill_quantity')} @ "
            f"{payload.get('fill_price')}"
        )
    return "; ".join(parts)


def state(outcome: VenueOutcome) -> str:
    """The one-word state of a venue that did not run (busy, failed, mismatch)."""
    if outcome.busy:
        return "[yellow]busy[/]"
    if outcome.mismatch:
        return "[bold red]MISMATCH[/]"
    return "[red]failed[/]"


def venue_line(outcome: VenueOutcome) -> str:
    if outcome.busy:
        return f"[yellow]{outcome.venue}: busy[/] — {outcome.busy}"
    if outcome.error:
        return f"[red]{outcome.venue}: failed[/] — {outcome.error}"
    if outcome.mismatch:
        return f"[bold red]{outcome.venue}: MISMATCH[/] — {outcome.mismatch}"
    report = outcome.cancels
    if report is None:
        return f"{outcome.venue}: ok"
    text = f"{outcome.venue}: {len(report.canceled)} canceled"
    if report.pending:
        text += f", {len(report.pending)} cancel requested (not confirmed yet)"
    if report.failed:
        text += f", [red]{len(report.failed)} failed[/]"
    return text


def cancels_json(reports: VenueReports) -> list[dict[str, object]]:
    return [
        {
            "venue": v.venue,
            "ok": v.ok,
            "canceled": list(v.cancels.canceled) if v.cancels else [],
            "pending": list(v.cancels.pending) if v.cancels else [],
            "failed": [{"client_order_id": c, "reason": r} for c, r in v.cancels.failed]
            if v.cancels
            else [],
            "busy": v.busy,
            "error": v.error,
        }
        for v in reports.venues
    ]


def print_failures(reports: VenueReports) -> None:
    for coid, reason in reports.failed:
        err_console.print(f"[red]cancel failed[/] {coid}: {reason}")


def reconcile_row(outcome: VenueOutcome) -> tuple[str, str, str, str]:
    if outcome.reconcile is None:
        detail = outcome.busy or outcome.error or outcome.mismatch
        return outcome.venue, state(outcome), "", detail
    report = outcome.reconcile
    positions = ", ".join(f"{p.instrument_id} {qty(p.local)}" for p in report.positions if p.local)
    notes = []
    if report.resolved:
        notes.append(f"{len(report.resolved)} unconfirmed order(s) resolved")
    if report.unknown_venue_orders:
        ids = ", ".join(o.client_order_id for o in report.unknown_venue_orders)
        notes.append(f"[red]open at the venue, unknown here: {ids}[/]")
    if report.stale_local:
        notes.append(f"[red]open at the venue, closed here: {', '.join(report.stale_local)}[/]")
    if report.missing_at_venue:
        notes.append(f"{len(report.missing_at_venue)} order(s) updated from the venue")
    if report.sync.fills_applied:
        notes.append(f"{report.sync.fills_applied} fill(s) stored")
    notes.extend(f"[red]{p}[/]" for p in report.sync.problems)
    if report.sync.foreign_fills:
        notes.append(f"[red]{len(report.sync.foreign_fills)} fill(s) of unknown orders[/]")
    status = "[green]ok[/]" if report.ok else "[red]attention[/]"
    return outcome.venue, status, positions or "flat", "; ".join(notes)


def reconcile_json(outcome: VenueOutcome) -> dict[str, object]:
    report = outcome.reconcile
    data: dict[str, object] = {
        "venue": outcome.venue,
        "ok": outcome.ok,
        "busy": outcome.busy,
        "error": outcome.error,
        "mismatch": outcome.mismatch,
        "halted": list(outcome.halted),
        "kill_switch": outcome.kill_switch,
    }
    if report is not None:
        data.update(
            resolved=list(report.resolved),
            unknown_venue_orders=[o.client_order_id for o in report.unknown_venue_orders],
            missing_at_venue=list(report.missing_at_venue),
            stale_local=list(report.stale_local),
            fills_applied=report.sync.fills_applied,
            foreign_fills=list(report.sync.foreign_fills),
            problems=list(report.sync.problems),
            positions=[
                {"instrument_id": p.instrument_id, "local": p.local, "venue": p.venue}
                for p in report.positions
            ],
        )
    return data


def detail_renderables(detail: OrderDetail) -> Group:
    """``orders show``: the order's fields, its fills and its journal history."""
    info = Table.grid(padding=(0, 2))
    info.add_column(style="bold")
    info.add_column()
    for key, value in record_json(detail.record).items():
        if value is None or value == "":
            continue
        text = status_text(detail.record.status) if key == "status" else _text(value)
        info.add_row(key.replace("_", " "), text)
    parts: list[RenderableType] = [info]
    if detail.fills:
        fills = Table(title="Fills", title_justify="left")
        for column in ("trade id", "time", "side", "qty", "price", "fee", "liquidity"):
            fills.add_column(
                column, justify="right" if column in ("qty", "price", "fee") else "left"
            )
        for f in detail.fills:
            fee = f"{qty(f.fee)} {f.fee_currency}".strip()
            fills.add_row(
                f.trade_id,
                when(f.time),
                f.side.value,
                qty(f.quantity),
                qty(f.price),
                fee,
                f.liquidity.value,
            )
        parts.append(fills)
    else:
        parts.append(Text("No fills.", style="dim"))
    history = Table(title="History (audit journal)", title_justify="left")
    for column in ("seq", "time", "event", "status", "filled", "detail"):
        history.add_column(column, justify="right" if column in ("seq", "filled") else "left")
    for e in detail.history:
        history.add_row(
            str(e.seq),
            when(e.time),
            e.kind,
            str(e.payload.get("status", "")),
            _number(e.payload.get("filled_quantity")),
            history_detail(e),
        )
    parts.append(history)
    return Group(*parts)


def _text(value: object) -> str:
    if isinstance(value, Decimal):
        return qty(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _number(value: object) -> str:
    """A journalled decimal string, normalised (``"1.00000000"`` → ``"1"``)."""
    if not isinstance(value, str):
        return ""
    try:
        return qty(Decimal(value))
    except ArithmeticError:
        return value


def halt_json(outcome: HaltOutcome, reason: str) -> dict[str, object]:
    return {
        "ok": outcome.ok,
        "reason": reason,
        "strategies": [
            {"strategy_id": s, "mode": u.state.mode.value, "newly_halted": bool(u.transitions)}
            for s, u in outcome.strategies
        ],
        "venues": cancels_json(outcome.cancels),
    }


def print_halt(outcome: HaltOutcome, reason: str) -> None:
    names = [s for s, _ in outcome.strategies]
    if names:
        console.print(
            f"[bold red]HALTED[/] {len(names)} strateg{'y' if len(names) == 1 else 'ies'}: "
            f"{', '.join(names)} ({reason})."
        )
    else:
        console.print("No strategy has orders or risk state yet: nothing to halt.")
    for venue in outcome.cancels.venues:
        console.print(venue_line(venue))
        if venue.busy:
            console.print(
                "  [dim]the process holding this venue cancels its orders at its next bar.[/]"
            )
    if not outcome.cancels.venues:
        console.print("No open orders to cancel.")
    print_failures(outcome.cancels)
    if names:
        console.print("Resume a strategy with `tradegraph risk reset STRATEGY --equity ...`.")


def print_reconcile(reports: VenueReports) -> None:
    table = Table(title="Reconciliation", title_justify="left")
    for column in ("venue", "result", "positions", "notes"):
        table.add_column(column)
    for outcome in reports.venues:
        table.add_row(*reconcile_row(outcome))
    console.print(table)
    for outcome in reports.mismatched:
        err_console.print(
            f"[bold red]error[/] positions on venue {outcome.venue!r} disagree with the stored "
            "fills: trading there is halted."
        )
        if outcome.halted:
            err_console.print(
                f"[yellow]hint:[/] strategies HALTED: {', '.join(outcome.halted)}. Find the "
                "missing fills or orders, then `tradegraph risk reset STRATEGY`."
            )
    if reports.ok:
        console.print("[green]Local orders and positions match the venues.[/]")


__all__ = [
    "STATUS_STYLE",
    "cancels_json",
    "detail_renderables",
    "entry_json",
    "fill_json",
    "halt_json",
    "history_detail",
    "jsonable",
    "orders_table",
    "price_text",
    "print_failures",
    "print_halt",
    "print_json",
    "print_reconcile",
    "qty",
    "reconcile_json",
    "reconcile_row",
    "record_json",
    "state",
    "status_text",
    "venue_line",
    "when",
]
