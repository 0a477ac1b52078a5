"""Paper-session fixtures: run a session on in-memory stores (``run_paper``), run the
same workflow through the backtest engine (``backtest_trades``) and compare trades
(``assert_same_trades``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pandas as pd
import pytest

from tradegraph.backtest import BacktestConfig
from tradegraph.backtest.config import Direction, Sizing
from tradegraph.core.clock import LiveClock, TestClock
from tradegraph.execution.simulated import MemoryVenueJournal
from tradegraph.orchestrator.sessions.assembly import instrument_id, paper_parts
from tradegraph.orchestrator.sessions.book import StrategyBook
from tradegraph.orchestrator.sessions.feeds import ReplayFeed
from tradegraph.orchestrator.sessions.options import SessionOptions, parse_mode
from tradegraph.orchestrator.sessions.runner import RunResult, SessionRunner
from tradegraph.orchestrator.sessions.spec import SessionSpec, SizingSpec, VenueSpec
from tradegraph.portfolio.ledger import LedgerTrade
from tradegraph.risk.stops import StopPolicy
from tradegraph.services.workflows import backtest_workflow
from tradegraph.testing.orders import InMemoryOrderStore
from tradegraph.testing.risk import InMemoryRiskStateStore
from tradegraph.testing.sessions import InMemorySessionStore
from tradegraph.workflow.templates import load_template

SYMBOL = "BTC/USDT"
PERMISSIVE_RISK: dict[str, Any] = {
    # parity runs size FIXED and must never be vetoed: the backtest has no risk checks
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


@dataclass(frozen=True, slots=True)
class Trade:
    """A trade as both engines report it (floats; times as UTC timestamps)."""

    direction: str
    entry_time: pd.Timestamp
    exit_time: pd.Timestamp
    entry_price: float
    exit_price: float
    quantity: float
    fees: float
    reason: str


@dataclass(slots=True)
class PaperRun:
    spec: SessionSpec
    result: RunResult
    trades: list[Trade]
    position: Decimal
    orders: InMemoryOrderStore
    sessions: InMemorySessionStore
    journal: MemoryVenueJournal


def paper_spec(
    workflow: str,
    *,
    session_id: str = "parity",
    direction: str = "both",
    quantity: str = "1",
    commission: str = "0.001",
    slippage_bps: str = "2",
    account: str = "paper",
    params: dict[str, int | float | bool | str] | None = None,
    policy: StopPolicy | None = None,
) -> SessionSpec:
    return SessionSpec(
        session_id=session_id,
        strategy_id=session_id,
        workflow=workflow,
        workflow_hash="test",
        symbol=SYMBOL,
        instrument_id=instrument_id(SYMBOL, account),
        timeframe="1h",
        created_at=datetime(2024, 1, 1, tzinfo=UTC),
        params=params or {},
        risk=PERMISSIVE_RISK,
        venue=VenueSpec(
            venue=account,
            commission_pct=Decimal(commission),
            slippage_bps=Decimal(slippage_bps),
        ),
        sizing=SizingSpec.fixed(quantity),
        options=SessionOptions(direction=parse_mode(direction), stop_policy=policy),
        speed=0.0,
    )


def _ledger_trade(t: LedgerTrade) -> Trade:
    return Trade(
        t.direction.value,
        pd.Timestamp(t.entry_time),
        pd.Timestamp(t.exit_time),
        float(t.entry_price),
        float(t.exit_price),
        float(t.quantity),
        float(t.fees),
        t.exit_reason.value,
    )


def session_trades(
    orders: InMemoryOrderStore | Any, spec: SessionSpec
) -> tuple[list[Trade], Decimal]:
    book = StrategyBook(
        orders,
        strategy_id=spec.strategy_id,
        instrument_id=spec.instrument_id,
        starting_cash=spec.venue.starting_cash,
    )
    book.refresh()
    return [_ledger_trade(t) for t in book.trades], book.position


@pytest.fixture
def run_paper() -> Callable[..., PaperRun]:
    """Run a replay session over ``frame`` on in-memory stores, to the end."""

    def run(spec: SessionSpec, frame: pd.DataFrame) -> PaperRun:
        wall = LiveClock()
        sessions = InMemorySessionStore(wall)
        sessions.create(spec)
        orders = InMemoryOrderStore(spec.tenant_id, wall)
        journal = MemoryVenueJournal()
        feed = ReplayFeed(frame, instrument_id=spec.instrument_id, timeframe=spec.timeframe)
        parts, _, _ = paper_parts(
            spec,
            workflow=load_template(spec.workflow),
            feed=feed,
            order_store=orders,
            session_store=sessions,
            risk_store=InMemoryRiskStateStore(),
            venue_journal=journal,
            clock=TestClock(frame.index[0].to_pydatetime()),
            wall=wall,
        )
        result = SessionRunner(parts, owner="test").run()
        trades, position = session_trades(orders, spec)
        return PaperRun(spec, result, trades, position, orders, sessions, journal)

    return run


@pytest.fixture
def backtest_trades() -> Callable[..., tuple[list[Trade], float]]:
    """The backtest's closed trades (fees = entry + exit fee) and its open position."""

    def run(spec: SessionSpec, frame: pd.DataFrame, direction: str) -> tuple[list[Trade], float]:
        config = BacktestConfig(
            stop_policy=spec.options.stop_policy,
            direction=Direction[direction.upper()],
            sizing=Sizing.FIXED,
            size=float(spec.sizing.quantity or 0),
            commission_pct=float(spec.venue.commission_pct),
            slippage_bps=float(spec.venue.slippage_bps),
        )
        result = backtest_workflow(
            spec.workflow, frame, timeframe=spec.timeframe, config=config, symbol=spec.symbol
        )
        rows = result.trades
        closed = rows[rows.exit_reason != "open"]
        trades = [
            Trade(
                r.direction,
                pd.Timestamp(r.entry_time),
                pd.Timestamp(r.exit_time),
                float(r.entry_price),
                float(r.exit_price),
                float(r.quantity),
                float(r.entry_fee + r.exit_fee),
                str(r.exit_reason),
            )
            for r in closed.itertuples()
        ]
        open_rows = rows[rows.exit_reason == "open"]
        position = 0.0
        for r in open_rows.itertuples():
            position += float(r.quantity) * (1 if r.direction == "long" else -1)
        return trades, position

    return run


_REASONS = {  # backtest exit reason -> ledger exit reason
    "signal": "signal",
    "reverse": "signal",
    "stop_loss": "stop_loss",
    "take_profit": "take_profit",
    "trailing_stop": "trailing_stop",
    "time_stop": "signal",  # the policy's time stop closes with an exit order
}


def _close(a: float, b: float, rel: float = 1e-9) -> bool:
    return abs(a - b) <= rel * max(abs(a), abs(b), 1.0)


@pytest.fixture
def assert_same_trades() -> Callable[[list[Trade], list[Trade]], None]:
    """Equal trades: same sides, times and quantities; prices and fees equal up to the
    float (backtest) vs Decimal (venue) representation (1e-9 relative)."""

    def check(paper: list[Trade], backtest: list[Trade]) -> None:
        assert len(paper) == len(backtest), (len(paper), len(backtest))
        for i, (p, b) in enumerate(zip(paper, backtest, strict=True)):
            where = f"trade {i}: paper {p} vs backtest {b}"
            assert p.direction == b.direction, where
            assert p.entry_time == b.entry_time, where
            assert p.exit_time == b.exit_time, where
            assert p.quantity == b.quantity, where
            assert _close(p.entry_price, b.entry_price), where
            assert _close(p.exit_price, b.exit_price), where
            assert _close(p.fees, b.fees), where
            assert p.reason == _REASONS[b.reason], where

    return check


@pytest.fixture
def make_spec() -> Callable[..., SessionSpec]:
    return paper_spec
