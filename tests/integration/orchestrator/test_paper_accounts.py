"""Several strategies on one account (a session group in one process), and several
sessions at once (threads on one database): each strategy trades as it would alone and
keeps its own book and risk budget."""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from tradegraph.bootstrap.paper import PaperContext, build_group, build_session, open_paper
from tradegraph.orchestrator.sessions.book import StrategyBook
from tradegraph.orchestrator.sessions.options import SessionOptions, parse_mode
from tradegraph.orchestrator.sessions.runner import RunResult
from tradegraph.orchestrator.sessions.spec import SessionStatus, VenueSpec
from tradegraph.risk.config import RiskConfig
from tradegraph.services.paper import StartRequest, create_session, replay_frame
from tradegraph.settings import load_settings

BARS = 300
RISK = {
    "require_stop": False,
    "min_expected_profit": "0",
    "min_reward_risk": "0",
    "max_instrument_exposure": "10",
    "max_cluster_exposure": "10",
    "leverage": "10",
    "risk_per_trade_max": "0.1",
    "daily_loss_limit": "1",
    "monthly_loss_limit": "1",
}


def _create(  # noqa: PLR0917 - one session's facts
    ctx: PaperContext, session_id: str, workflow: str, symbol: str, seed: int, account: str | None
) -> None:
    create_session(
        StartRequest(
            workflow=workflow,
            symbol=symbol,
            timeframe="1h",
            synthetic=True,
            bars=BARS,
            seed=seed,
            speed=0.0,
            session_id=session_id,
            strategy_id=session_id,
            quantity=Decimal(1),
            risk=RiskConfig.from_mapping(RISK),
            account=account,
            venue=VenueSpec(commission_pct=Decimal("0.001")),
            options=SessionOptions(direction=parse_mode("both")),
        ),
        sessions=ctx.sessions,
        catalog=ctx.catalog,
        clock=ctx.wall,
    )


def _trades(ctx: PaperContext, session_id: str) -> list[tuple[object, ...]]:
    spec = ctx.sessions.get_spec(session_id)
    book = StrategyBook(
        ctx.orders,
        strategy_id=spec.strategy_id,
        instrument_id=spec.instrument_id,
        starting_cash=spec.venue.starting_cash,
    )
    book.refresh()
    rows = [
        (t.direction.value, t.entry_time, t.exit_time, float(t.entry_price),
         float(t.exit_price), float(t.quantity), float(t.fees))
        for t in book.trades
    ]  # fmt: skip
    return [*rows, ("open", float(book.position))]


def _alone(ctx: PaperContext, session_id: str, run_paper: Callable[..., Any]) -> list[object]:
    """The session's trades when it runs alone (in memory, its own account)."""
    spec = ctx.sessions.get_spec(session_id)
    paper = run_paper(spec, replay_frame(spec, ctx.catalog))
    rows = [
        (t.direction, t.entry_time, t.exit_time, t.entry_price, t.exit_price, t.quantity, t.fees)
        for t in paper.trades
    ]
    return [*rows, ("open", float(paper.position))]


MARKETS = [("trend", "sma_cross", "BTC/USDT", 0), ("breakout", "breakout_volume", "ETH/USDT", 2)]


def test_two_strategies_share_one_account_and_trade_as_they_would_alone(
    sqlite_url: str, tmp_path: Path, run_paper: Callable[..., Any]
) -> None:
    settings = load_settings(data_dir=tmp_path / "data", database_url=sqlite_url)
    with open_paper(settings) as ctx:
        for name, workflow, symbol, seed in MARKETS:
            _create(ctx, f"{name}-shared", workflow, symbol, seed, "shared")
        results = build_group(ctx, ["trend-shared", "breakout-shared"]).run()
        assert [r.status for r in results] == [SessionStatus.STOPPED] * 2, results
        assert [r.bars for r in results] == [BARS, BARS]
        for name, *_ in MARKETS:
            shared = _trades(ctx, f"{name}-shared")
            assert len(shared) > 3
            assert shared == _alone(ctx, f"{name}-shared", run_paper)
        # one account: both strategies' orders on venue "shared"; each its own guard
        venues = {r.venue for r in ctx.orders.find(strategy_id="trend-shared", limit=10_000)}
        venues |= {r.venue for r in ctx.orders.find(strategy_id="breakout-shared", limit=10_000)}
        assert venues == {"shared"}
        assert {"trend-shared", "breakout-shared"} <= set(ctx.risk_store.strategies("default"))
        assert ctx.audit.verify().ok


def test_sessions_run_at_once_on_one_database(
    database_url: str, tmp_path: Path, run_paper: Callable[..., Any]
) -> None:
    settings = load_settings(data_dir=tmp_path / "data", database_url=database_url)
    with open_paper(settings) as ctx:
        for name, workflow, symbol, seed in MARKETS:
            _create(ctx, name, workflow, symbol, seed, None)
    results: dict[str, RunResult] = {}
    errors: list[BaseException] = []

    def run(session_id: str) -> None:
        try:
            with open_paper(settings) as own:  # one process-like context per thread
                results[session_id] = build_session(own, session_id).run()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(name,)) for name, *_ in MARKETS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    assert not errors, errors
    assert {k: v.status for k, v in results.items()} == {
        "trend": SessionStatus.STOPPED,
        "breakout": SessionStatus.STOPPED,
    }
    with open_paper(settings) as ctx:
        for name, *_ in MARKETS:
            assert _trades(ctx, name) == _alone(ctx, name, run_paper)
            assert ctx.sessions.get_state(name).bars_processed == BARS
        assert ctx.audit.verify().ok
