"""A seeded paper-trading history for read-side tests (``portfolio``, ``trades``,
``decisions``): one session, its decisions and equity, and its orders with fills, written
through the ``SessionStore`` and ``OrderStore`` ports (in memory or in a database).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from tradegraph.execution.client_ids import client_order_id
from tradegraph.execution.store import OrderRecord, OrderStore
from tradegraph.model.enums import Direction, OrderType, Side
from tradegraph.model.order import Accepted, Canceled, Submitted
from tradegraph.orchestrator.sessions.spec import DecisionRecord, decision_id
from tradegraph.orchestrator.sessions.store import SessionStore
from tradegraph.testing.orders import event_update, fill_update, make_fill, make_order, make_record
from tradegraph.testing.risk import T0
from tradegraph.testing.session_builders import make_equity, make_session_spec

SEED_SESSION = "btc-sma"
SEED_STRATEGY = "sma-cross"
SEED_INSTRUMENT = "BTC/USDT.paper"


def _seed_order(
    orders: OrderStore,
    decision: str,
    leg: str,
    side: Side,
    *,
    order_type: OrderType,
    created: datetime,
    price: str | None = None,
    stop: str | None = None,
) -> OrderRecord:
    coid = client_order_id(orders.tenant_id, SEED_STRATEGY, decision, leg, created.date())
    order = make_order(
        coid,
        instrument_id=SEED_INSTRUMENT,
        side=side,
        order_type=order_type,
        quantity="0.5",
        price=price,
        stop_price=stop,
        created_at=created,
    )
    [record] = orders.add(
        [
            make_record(
                order,
                tenant_id=orders.tenant_id,
                strategy_id=SEED_STRATEGY,
                decision_id=decision,
                leg=leg,
                venue="paper",
                group_id=decision,
            )
        ]
    )
    [record] = orders.update(
        [event_update(record, Submitted(created), Accepted(created, f"v-{coid}"))]
    )
    return record


def _seed_fill(orders: OrderStore, record: OrderRecord, price: str, time: datetime) -> None:
    fee = (Decimal(price) * record.order.quantity * Decimal("0.001")).normalize()
    fill = make_fill(f"t-{record.client_order_id}", record.order, price=price, time=time, fee=fee)
    orders.update([fill_update(record, [fill])])


def seed_paper_history(sessions: SessionStore, orders: OrderStore) -> None:
    """One replay session over 8 hourly bars: a long (0.5 @ 100, fee 0.05) closed by its
    take-profit (0.5 @ 110, fee 0.055: pnl 4.895), then a short (0.5 @ 108, fee 0.054) still
    open at the last close 104 (unrealized 1.946). Every bar has a decision and equity."""
    start = T0
    sessions.create(make_session_spec(SEED_SESSION, strategy_id=SEED_STRATEGY, created_at=start))
    state = sessions.save_state(sessions.get_state(SEED_SESSION).started("host:1:seed", start))
    closes = ["100", "101", "104", "107", "110", "108", "106", "104"]
    for hour, close in enumerate(closes, start=1):
        bar = start + timedelta(hours=hour)
        did = decision_id(SEED_SESSION, bar)
        order_ids: tuple[str, ...] = ()
        if hour == 1:
            direction, outcome, why = Direction.LONG, "orders placed", "fast SMA crossed above slow"
            entry = _seed_order(
                orders, did, "entry", Side.BUY, order_type=OrderType.MARKET, created=bar
            )
            stop = _seed_order(
                orders, did, "stop", Side.SELL, order_type=OrderType.STOP, created=bar, stop="95"
            )
            target = _seed_order(
                orders,
                did,
                "target",
                Side.SELL,
                order_type=OrderType.LIMIT,
                created=bar,
                price="110",
            )
            order_ids = (entry.client_order_id, stop.client_order_id, target.client_order_id)
            _seed_fill(orders, entry, "100", bar + timedelta(hours=1))
        elif hour == 5:
            direction, outcome, why = Direction.FLAT, "target filled", "holding: target reached"
            _seed_fill(orders, target, "110", bar)
            [stop] = orders.update([event_update(stop, Canceled(bar, "oco"))])
        elif hour == 6:
            direction, outcome, why = (
                Direction.SHORT,
                "orders placed",
                "fast SMA crossed below slow",
            )
            short = _seed_order(
                orders, did, "entry", Side.SELL, order_type=OrderType.MARKET, created=bar
            )
            order_ids = (short.client_order_id,)
            _seed_fill(orders, short, "108", bar + timedelta(hours=1))
        else:
            direction, outcome, why = Direction.FLAT, "no action", "no crossover"
        record = DecisionRecord(
            session_id=SEED_SESSION,
            decision_id=did,
            bar_time=bar,
            direction=direction,
            entry=float(close) if direction is not Direction.FLAT else None,
            stop=95.0 if direction is Direction.LONG else None,
            target=110.0 if direction is Direction.LONG else None,
            confidence=0.8 if direction is not Direction.FLAT else 0.0,
            reasoning=why,
            inputs={"close": float(close)},
            outcome=outcome,
            order_ids=order_ids,
            created_at=bar + timedelta(hours=1),
        )
        state = sessions.record_step(
            SEED_SESSION, bar, record, make_equity(SEED_SESSION, bar), state.stepped(bar, bar)
        )


__all__ = ["SEED_INSTRUMENT", "SEED_SESSION", "SEED_STRATEGY", "seed_paper_history"]
