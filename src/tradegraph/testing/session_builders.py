"""Builders of session values for tests: a valid spec, non-default session options, a
decision and an equity snapshot."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal

from tradegraph.backtest.config import Direction as Mode
from tradegraph.model.enums import Direction
from tradegraph.model.tenant import DEFAULT_TENANT_ID
from tradegraph.model.timeframe import Timeframe
from tradegraph.orchestrator.sessions.spec import (
    DecisionRecord,
    EquitySnapshot,
    SessionOptions,
    SessionSpec,
    SizingSpec,
    VenueSpec,
    decision_id,
)
from tradegraph.risk.stops import StopPolicy, TrailingKind
from tradegraph.testing.risk import T0


def make_session_options() -> SessionOptions:
    """Options with every field away from its default (both directions, a chandelier
    trailing stop with a time stop, a 4-hourly schedule): what a round trip must keep."""
    return SessionOptions(
        direction=Mode.BOTH,
        stop_policy=StopPolicy(
            atr_multiple=2.5,
            atr_period=10,
            breakeven_r=None,
            breakeven_offset_r=0.25,
            trailing=TrailingKind.CHANDELIER,
            trail_multiple=2.0,
            chandelier_period=12,
            max_bars=24,
            time_stop_min_r=0.5,
        ),
        schedule="0 */4 * * *",
    )


def make_session_spec(
    session_id: str = "s1",
    *,
    tenant_id: str = DEFAULT_TENANT_ID,
    strategy_id: str = "sma-cross",
    created_at: datetime = T0,
    **overrides: object,
) -> SessionSpec:
    """A valid replay session spec with fixed sizing; ``overrides`` replace fields."""
    base = SessionSpec(
        session_id=session_id,
        tenant_id=tenant_id,
        strategy_id=strategy_id,
        workflow="sma_crossover",
        workflow_hash="0" * 64,
        symbol="BTC/USDT",
        instrument_id="BTC/USDT.paper",
        timeframe=Timeframe.parse("1h"),
        speed=1000.0,
        params={"fast": 10, "slow": 30},
        risk={"leverage": "2"},
        venue=VenueSpec(commission_pct=Decimal("0.001")),
        sizing=SizingSpec.fixed("0.5"),
        created_at=created_at,
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


def make_decision(
    session_id: str,
    bar_time: datetime,
    *,
    direction: Direction = Direction.LONG,
    outcome: str = "orders placed",
    reasoning: str = "fast SMA crossed above slow SMA",
    order_ids: tuple[str, ...] = (),
) -> DecisionRecord:
    return DecisionRecord(
        session_id=session_id,
        decision_id=decision_id(session_id, bar_time),
        bar_time=bar_time,
        direction=direction,
        entry=101.5 if direction is not Direction.FLAT else None,
        stop=99.25 if direction is not Direction.FLAT else None,
        target=105.0 if direction is not Direction.FLAT else None,
        confidence=0.75 if direction is not Direction.FLAT else 0.0,
        reasoning=reasoning,
        inputs={"close": 101.5, "sma_fast": 100.9, "sma_slow": 100.1},
        outcome=outcome,
        order_ids=order_ids,
        created_at=bar_time + timedelta(hours=1),
    )


def make_equity(session_id: str, time: datetime, equity: str = "10000") -> EquitySnapshot:
    value = Decimal(equity)
    return EquitySnapshot(
        session_id=session_id,
        time=time,
        equity=value,
        cash=value - Decimal("50.5"),
        position_value=Decimal("50.5"),
        drawdown=Decimal("0.0125"),
    )


__all__ = ["make_decision", "make_equity", "make_session_options", "make_session_spec"]
