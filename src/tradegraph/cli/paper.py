"""`tradegraph paper start|status|stop|resume`: paper-trading sessions.

``start`` creates a session from a workflow (template or file) and runs it in the
foreground until its replay ends or a stop is requested (Ctrl-C, or ``paper stop`` from
another terminal), printing its decisions and fills as they happen; ``--detach`` runs it
in a background process instead. ``resume`` continues a stopped, failed or killed
session where it left off. ``status`` lists sessions; ``stop`` asks one (or all) to stop.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated

import typer

from tradegraph.backtest.space import parse_values
from tradegraph.bootstrap.paper import (
    PaperContext,
    build_group,
    open_paper,
    owner_alive,
)
from tradegraph.cli.backtest_options import (
    AtrStopOpt,
    BreakevenOpt,
    ChandelierOpt,
    DirectionName,
    StopAtrPeriodOpt,
    TimeStopOpt,
    TrailFractionOpt,
    TrailMultipleOpt,
    TrailOpt,
    build_stop_policy,
)
from tradegraph.cli.console import console
from tradegraph.cli.paper_views import print_status, progress, status_row, summary
from tradegraph.core.errors import ValidationError
from tradegraph.orchestrator.sessions.options import SessionOptions, parse_mode
from tradegraph.orchestrator.sessions.runner import RunResult
from tradegraph.orchestrator.sessions.spec import FeedKind, SessionStatus, VenueSpec, parse_speed
from tradegraph.risk.config import RiskConfig
from tradegraph.risk.stops import TrailingKind
from tradegraph.services import paper as service
from tradegraph.settings import get_settings

app = typer.Typer(
    help="Paper trading: run workflows on replayed or live bars.", no_args_is_help=True
)

_DATA = "Market data"
_ACCOUNT = "Account and risk"
SessionArg = Annotated[
    str | None, typer.Argument(help="Session id (default: the most recent session).")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]


@contextmanager
def _context() -> Iterator[PaperContext]:
    ctx = open_paper(get_settings())
    try:
        yield ctx
    finally:
        ctx.close()


def _decimal(name: str, value: float | str) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise ValidationError(f"{name} {value!r} is not a number.", hint="E.g. 0.001.") from exc


def _risk(overrides: list[str]) -> RiskConfig | None:
    if not overrides:
        return None
    values: dict[str, object] = {}
    for item in overrides:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ValidationError(
                f"--risk {item!r} is not NAME=VALUE.", hint="E.g. --risk require_stop=false."
            )
        text = value.strip()
        values[name.strip()] = {"true": True, "false": False}.get(text.lower(), text)
    return RiskConfig.from_mapping(values)


def _time(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValidationError(
            f"{text!r} is not a date/time.",
            hint="Use ISO 8601, e.g. 2024-01-31 or 2024-01-31T12:00.",
        ) from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _remaining(ctx: PaperContext, session_id: str) -> int | None:
    spec = ctx.sessions.get_spec(session_id)
    if spec.feed is not FeedKind.REPLAY:
        return None
    frame = service.replay_frame(spec, ctx.catalog)
    cursor = ctx.sessions.get_state(session_id).cursor
    return len(frame) if cursor is None else int((frame.index > cursor).sum())


def _run(
    ctx: PaperContext, session_ids: list[str], *, takeover: bool, quiet: bool
) -> list[RunResult]:
    """Run sessions in the foreground (several: together, on their shared account)."""
    totals = [_remaining(ctx, sid) for sid in session_ids]
    total = None if any(t is None for t in totals) else sum(t or 0 for t in totals)
    with progress(total, quiet) as observer:
        group = build_group(ctx, session_ids, observer=observer, takeover=takeover)
        results = group.run()
    for session_id, result in zip(session_ids, results, strict=True):
        summary(ctx, session_id, result)
    return results


def _detach(session_ids: list[str]) -> None:
    settings = get_settings()
    logs = settings.data_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    session_id = session_ids[0]
    log = logs / f"paper-{session_id}.log"
    with log.open("ab") as out:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "tradegraph", "paper", "resume", *session_ids, "--quiet"],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    console.print(
        f"session [bold]{', '.join(session_ids)}[/] runs in the background (pid {process.pid}); "
        f"log: {log}. "
        "Watch it with `tradegraph paper status`, stop it with "
        f"`tradegraph paper stop {session_id}`.",
        soft_wrap=True,
    )


# --- commands ----------------------------------------------------------------------------


@app.command("start")
def start(
    *,
    workflow: Annotated[str, typer.Argument(help="Workflow template (e.g. sma_cross) or file.")],
    symbol: Annotated[str, typer.Option("--symbol", "-s", help="Symbol, e.g. BTC/USDT.")],
    timeframe: Annotated[str, typer.Option("--timeframe", "-t", help="Bar timeframe, e.g. 1h.")],
    feed: Annotated[
        FeedKind,
        typer.Option(
            "--feed",
            help="replay (catalog bars) or ccxt (closed candles polled).",
            rich_help_panel=_DATA,
        ),
    ] = FeedKind.REPLAY,
    speed: Annotated[
        str,
        typer.Option(
            "--speed",
            help="Replay pace: 1000x real time, or inf/max (no waiting).",
            rich_help_panel=_DATA,
        ),
    ] = "1000x",
    synthetic: Annotated[
        bool, typer.Option("--synthetic", help="Replay generated bars.", rich_help_panel=_DATA)
    ] = False,
    bars: Annotated[
        int, typer.Option("--bars", min=2, help="Synthetic bars.", rich_help_panel=_DATA)
    ] = 2_000,
    data_seed: Annotated[
        int, typer.Option("--data-seed", help="Synthetic data seed.", rich_help_panel=_DATA)
    ] = 0,
    data_venue: Annotated[
        str | None,
        typer.Option(
            "--data-venue",
            help="Catalog venue (replay) or exchange (ccxt, default binance).",
            rich_help_panel=_DATA,
        ),
    ] = None,
    start_at: Annotated[
        str | None,
        typer.Option("--start", help="First bar to replay (catalog).", rich_help_panel=_DATA),
    ] = None,
    end_at: Annotated[
        str | None,
        typer.Option("--end", help="Last bar to replay (catalog).", rich_help_panel=_DATA),
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option("--param", "-p", help="Workflow parameter NAME=VALUE (repeat)."),
    ] = None,
    session_id: Annotated[
        str | None, typer.Option("--session-id", help="Session id (default: generated).")
    ] = None,
    strategy_id: Annotated[
        str | None,
        typer.Option(
            "--strategy-id",
            help="Strategy owning the orders and risk budget (default: the session id).",
            rich_help_panel=_ACCOUNT,
        ),
    ] = None,
    account: Annotated[
        str | None,
        typer.Option(
            "--account",
            help="Simulated account (venue) name, shared by sessions that trade together; "
            "default: one account per session (paper-<session>).",
            rich_help_panel=_ACCOUNT,
        ),
    ] = None,
    quantity: Annotated[
        float | None,
        typer.Option(
            "--quantity",
            "-q",
            help="Fixed units per entry (default: risk-engine sizing).",
            rich_help_panel=_ACCOUNT,
        ),
    ] = None,
    cash: Annotated[
        float, typer.Option("--cash", help="Starting cash.", rich_help_panel=_ACCOUNT)
    ] = 10_000.0,
    commission: Annotated[
        float,
        typer.Option(
            "--commission", help="Commission per fill, 0.001 = 0.1%.", rich_help_panel=_ACCOUNT
        ),
    ] = 0.0,
    slippage_bps: Annotated[
        float, typer.Option("--slippage-bps", help="Slippage, bps.", rich_help_panel=_ACCOUNT)
    ] = 0.0,
    direction: Annotated[
        DirectionName,
        typer.Option(
            "--direction",
            help="long, short, both or reverse (as backtest).",
            rich_help_panel=_ACCOUNT,
        ),
    ] = DirectionName.long,
    risk: Annotated[
        list[str] | None,
        typer.Option(
            "--risk",
            help="RiskConfig override NAME=VALUE (repeat), e.g. require_stop=false.",
            rich_help_panel=_ACCOUNT,
        ),
    ] = None,
    schedule: Annotated[
        str | None,
        typer.Option(
            "--schedule",
            help="Decide only at closes matching this cron expression, e.g. '0 */4 * * *'.",
            rich_help_panel=_ACCOUNT,
        ),
    ] = None,
    atr_stop: AtrStopOpt = None,
    stop_atr_period: StopAtrPeriodOpt = 14,
    breakeven_r: BreakevenOpt = None,
    trail: TrailOpt = TrailingKind.NONE,
    trail_multiple: TrailMultipleOpt = 3.0,
    trail_fraction: TrailFractionOpt = 0.05,
    chandelier_period: ChandelierOpt = 22,
    time_stop_bars: TimeStopOpt = None,
    detach: Annotated[
        bool, typer.Option("--detach", help="Run in a background process and return.")
    ] = False,
    create_only: Annotated[
        bool,
        typer.Option(
            "--create-only",
            help="Only create it (run it later with `paper resume`, e.g. with other "
            "sessions on the same --account).",
        ),
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress output.")] = False,
) -> None:
    """Create a paper session and run it.

    Example: tradegraph paper start sma_cross --symbol BTC/USDT --timeframe 1h --synthetic --bars 600 --speed inf

    Example: tradegraph paper start ema_rsi_mtf -s BTC/USDT -t 1h --start 2024-01-01 --speed 5000x --quantity 0.1
    """
    policy = build_stop_policy(
        atr_stop=atr_stop,
        atr_period=stop_atr_period,
        breakeven_r=breakeven_r,
        trail=trail,
        trail_multiple=trail_multiple,
        trail_fraction=trail_fraction,
        chandelier_period=chandelier_period,
        time_stop_bars=time_stop_bars,
    )
    request = service.StartRequest(
        workflow=workflow,
        symbol=symbol,
        timeframe=timeframe,
        feed=feed,
        speed=parse_speed(speed),
        synthetic=synthetic,
        bars=bars,
        seed=data_seed,
        data_venue=data_venue,
        start=_time(start_at),
        end=_time(end_at),
        session_id=session_id,
        strategy_id=strategy_id,
        params=dict(parse_values(param or [])),
        risk=_risk(risk or []),
        quantity=_decimal("--quantity", quantity) if quantity is not None else None,
        account=account,
        venue=VenueSpec(
            starting_cash=_decimal("--cash", cash),
            commission_pct=_decimal("--commission", commission),
            slippage_bps=_decimal("--slippage-bps", slippage_bps),
        ),
        options=SessionOptions(
            direction=parse_mode(direction.value),
            stop_policy=policy,
            schedule=schedule,
        ),
    )
    with _context() as ctx:
        spec = service.create_session(request, sessions=ctx.sessions, catalog=ctx.catalog,
                                      clock=ctx.wall)  # fmt: skip
        console.print(
            f"session [bold]{spec.session_id}[/]: {spec.workflow} on {spec.symbol} "
            f"{spec.timeframe} ({spec.feed.value}, data {spec.data_venue}, account "
            f"{spec.venue.venue})",
            soft_wrap=True,
        )
        if create_only:
            console.print(f"created; run it with `tradegraph paper resume {spec.session_id}`")
            return
        if detach:
            _detach([spec.session_id])
            return
        [result] = _run(ctx, [spec.session_id], takeover=False, quiet=quiet)
    if result.status is SessionStatus.FAILED:
        raise typer.Exit(1)


@app.command("resume")
def resume(
    sessions: Annotated[
        list[str],
        typer.Argument(help="Session id(s); several run together on their shared account."),
    ],
    force: Annotated[
        bool, typer.Option("--force", help="Take over even if its process seems alive.")
    ] = False,
    detach: Annotated[bool, typer.Option("--detach", help="Run in the background.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress output.")] = False,
) -> None:
    """Continue sessions where they left off (after a stop, a failure or a crash).

    Example: tradegraph paper resume sma-cross-btc-usdt-1h-3f9a1c

    Example: tradegraph paper resume trend breakout   # two strategies on one --account
    """
    with _context() as ctx:
        takeover = False
        for session in sessions:
            state = ctx.sessions.get_state(session)
            if state.status.is_active:
                if owner_alive(state.owner) and not force:
                    raise ValidationError(
                        f"Session {session!r} is {state.status.value} in a live process "
                        f"({state.owner}).",
                        hint="Stop it with `tradegraph paper stop`, or pass --force if that "
                        "process is really gone.",
                    )
                takeover = True
        if detach:
            _detach(sessions)
            return
        results = _run(ctx, sessions, takeover=takeover, quiet=quiet)
    if any(r.status is SessionStatus.FAILED for r in results):
        raise typer.Exit(1)


@app.command("status")
def status(session: SessionArg = None, as_json: JsonOpt = False) -> None:
    """List paper sessions (or show one): status, progress, position, equity, trades."""
    with _context() as ctx:
        if session is not None:
            info = service.find_session(ctx.sessions, session)
            views = [service.session_overview(info, ctx.sessions, ctx.orders)]
        else:
            views = service.overviews(ctx.sessions, ctx.orders)
    rows = [status_row(v) for v in views]
    if as_json:
        console.print_json(json.dumps(rows if session is None else rows[0]))
        return
    if not rows:
        console.print("No paper sessions. Start one with `tradegraph paper start`.")
        return
    print_status(rows)


@app.command("stop")
def stop(session: SessionArg = None) -> None:
    """Ask a session (default: every running one) to stop after its current bar."""
    with _context() as ctx:
        states = service.stop_sessions(ctx.sessions, session)
    if not states:
        console.print("No running paper session.")
    for state in states:
        console.print(f"session [bold]{state.session_id}[/]: {state.status.value}")


def register(root: typer.Typer) -> None:
    """Add the ``paper`` command group."""
    root.add_typer(app, name="paper")


__all__ = ["app", "register"]
