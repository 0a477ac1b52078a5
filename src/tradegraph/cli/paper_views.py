"""Rendering of `tradegraph paper`: progress lines as a session steps, run summaries and
the status table (rich), kept apart from the commands."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from tradegraph.bootstrap.paper import PaperContext, owner_alive
from tradegraph.cli.console import console
from tradegraph.orchestrator.sessions.runner import RunResult, StepReport
from tradegraph.orchestrator.sessions.spec import SessionStatus
from tradegraph.services import paper as service

STATUS_STYLE = {
    SessionStatus.RUNNING: "green",
    SessionStatus.STOPPING: "yellow",
    SessionStatus.STOPPED: "cyan",
    SessionStatus.FAILED: "red",
    SessionStatus.HALTED: "red",
    SessionStatus.CREATED: "white",
}


def describe(report: StepReport) -> str | None:
    parts = [
        f"[bold]{fill.side.value}[/] {fill.quantity.normalize()} @ {fill.price:.6g}"
        f" (fee {float(fill.fee):.4g})"
        for fill in report.fills
    ]
    if report.order_ids or (report.note != "no action" and not report.note.startswith("off")):
        reasoning = f" [dim]— {report.decision.reasoning}[/]" if report.decision.reasoning else ""
        parts.append(f"{report.outcome}{reasoning}")
    if not parts:
        return None
    when = report.bar.close_time.strftime("%Y-%m-%d %H:%M")
    return f"[cyan]{when}[/] " + " · ".join(parts)


@contextmanager
def progress(total: int | None, quiet: bool) -> Iterator[Callable[[StepReport], None]]:
    if quiet:
        yield lambda _report: None
        return
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("equity {task.fields[equity]}"),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("replaying", total=total, equity="-")

        def update(report: StepReport) -> None:
            line = describe(report)
            if line:
                bar.console.print(line, soft_wrap=True)
            bar.update(task, advance=1, equity=f"{report.equity:,.2f}")

        yield update


def summary(ctx: PaperContext, session_id: str, result: RunResult) -> None:
    info = service.find_session(ctx.sessions, session_id)
    view = service.session_overview(info, ctx.sessions, ctx.orders)
    style = STATUS_STYLE.get(result.status, "white")
    equity = f"{view.equity:,.2f}" if view.equity is not None else "-"
    console.print(
        f"session [bold]{session_id}[/] [{style}]{result.status.value}[/] after {result.bars} "
        f"bars (warm-up {result.warmup_bars}) · {view.trades} trades · realized "
        f"{view.realized_pnl:,.2f} · position {view.position.normalize()} · equity {equity}",
        soft_wrap=True,
    )
    if result.error:
        console.print(f"[red]error:[/] {result.error}", soft_wrap=True)


def status_row(view: service.SessionOverview) -> dict[str, Any]:
    state, spec = view.state, view.spec
    return {
        "session_id": spec.session_id,
        "status": state.status.value,
        "workflow": spec.workflow,
        "symbol": spec.symbol,
        "timeframe": spec.timeframe.code,
        "feed": spec.feed.value,
        "strategy_id": spec.strategy_id,
        "account": spec.venue.venue,
        "bars": state.bars_processed,
        "cursor": state.cursor.isoformat() if state.cursor else None,
        "position": str(view.position.normalize()),
        "equity": str(view.equity) if view.equity is not None else None,
        "trades": view.trades,
        "realized_pnl": str(view.realized_pnl),
        "error": state.last_error,
        "orphaned": state.status.is_active and not owner_alive(state.owner),
    }


def print_status(rows: list[dict[str, Any]]) -> None:
    table = Table(title="Paper sessions", title_justify="left")
    for column in ("session", "status", "market", "bars", "position", "equity", "trades"):
        table.add_column(
            column,
            justify="right" if column in ("bars", "equity", "trades") else "left",
            overflow="fold",
        )
    for row in rows:
        style = STATUS_STYLE.get(SessionStatus(row["status"]), "white")
        table.add_row(
            row["session_id"],
            f"[{style}]{row['status']}[/]" + (" [red](process gone)[/]" if row["orphaned"] else ""),
            f"{row['symbol']} {row['timeframe']}",
            str(row["bars"]),
            row["position"],
            f"{Decimal(row['equity']):,.2f}" if row["equity"] else "-",
            str(row["trades"]),
        )
    console.print(table)
    for row in rows:
        if row["error"]:
            console.print(f"[red]{row['session_id']}:[/] {row['error']}", soft_wrap=True)
        if row["orphaned"]:
            console.print(
                f"{row['session_id']}: its process is gone; continue it with "
                f"`tradegraph paper resume {row['session_id']}`.",
                soft_wrap=True,
            )


__all__ = ["STATUS_STYLE", "describe", "print_status", "progress", "status_row", "summary"]
