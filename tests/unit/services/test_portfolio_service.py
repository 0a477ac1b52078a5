"""Portfolio read use cases over the in-memory order and session stores."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tradegraph.core.clock import TestClock
from tradegraph.core.errors import NotFoundError
from tradegraph.model.enums import Direction
from tradegraph.model.trade import ExitReason
from tradegraph.services import portfolio as service
from tradegraph.testing.orders import InMemoryOrderStore
from tradegraph.testing.paper_history import (
    SEED_INSTRUMENT,
    SEED_SESSION,
    SEED_STRATEGY,
    seed_paper_history,
)
from tradegraph.testing.risk import T0
from tradegraph.testing.sessions import InMemorySessionStore


@pytest.fixture
def stores() -> tuple[InMemoryOrderStore, InMemorySessionStore]:
    clock = TestClock(T0)
    orders = InMemoryOrderStore("default", clock)
    sessions = InMemorySessionStore(clock)
    seed_paper_history(sessions, orders)
    return orders, sessions


def test_portfolio_marks_the_open_short_at_the_last_recorded_close(
    stores: tuple[InMemoryOrderStore, InMemorySessionStore],
) -> None:
    orders, sessions = stores
    view = service.portfolio(orders, sessions)
    [position] = view.positions
    assert (position.strategy_id, position.instrument_id) == (SEED_STRATEGY, SEED_INSTRUMENT)
    assert position.direction is Direction.SHORT
    assert position.quantity == Decimal("-0.5")
    assert position.average_price == 108
    assert (position.mark, position.mark_source) == (104, "close")
    assert position.market_value == -52
    assert position.unrealized_pnl == Decimal("1.946")
    [totals] = view.strategies
    assert totals.realized_pnl == Decimal("4.895")
    assert totals.unrealized_pnl == Decimal("1.946")
    assert totals.fees == Decimal("0.159")
    assert (totals.trades, totals.open_positions) == (1, 1)


def test_given_marks_override_and_filters_narrow(
    stores: tuple[InMemoryOrderStore, InMemorySessionStore],
) -> None:
    orders, sessions = stores
    marked = service.portfolio(orders, sessions, marks={SEED_INSTRUMENT: Decimal(100)})
    assert marked.positions[0].unrealized_pnl == Decimal("3.946")
    assert service.portfolio(orders, sessions, strategy_id="other").is_empty
    assert service.portfolio(orders, sessions, session_id="other-session").is_empty
    assert len(service.portfolio(orders, sessions, session_id=SEED_SESSION).positions) == 1


def test_trades_carry_session_reason_and_exact_pnl(
    stores: tuple[InMemoryOrderStore, InMemorySessionStore],
) -> None:
    orders, sessions = stores
    [view] = service.trades(orders, sessions)
    assert (view.strategy_id, view.session_id) == (SEED_STRATEGY, SEED_SESSION)
    trade = view.trade
    assert trade.direction is Direction.LONG
    assert (trade.entry_price, trade.exit_price, trade.quantity) == (100, 110, Decimal("0.5"))
    assert trade.pnl == Decimal("4.895")
    assert trade.exit_reason is ExitReason.TAKE_PROFIT
    assert service.trades(orders, sessions, strategy_id="nobody") == []


def test_decisions_newest_first_with_reasoning(
    stores: tuple[InMemoryOrderStore, InMemorySessionStore],
) -> None:
    _, sessions = stores
    newest = service.decisions(sessions, limit=3)
    assert [v.decision.bar_time.hour for v in newest] == [20, 19, 18]
    assert newest[0].decision.inputs == {"close": 104.0}
    actions = service.decisions(sessions, actions_only=True)
    assert [v.decision.direction for v in actions] == [Direction.SHORT, Direction.LONG]
    assert actions[1].decision.reasoning == "fast SMA crossed above slow"
    assert len(actions[1].decision.order_ids) == 3
    with pytest.raises(NotFoundError):
        service.decisions(sessions, session_id="missing")


def test_session_overview_has_the_last_equity(
    stores: tuple[InMemoryOrderStore, InMemorySessionStore],
) -> None:
    _, sessions = stores
    [view] = service.session_overview(sessions)
    assert view.state.bars_processed == 8
    assert view.last_equity is not None
    assert view.last_equity.time == view.state.cursor
