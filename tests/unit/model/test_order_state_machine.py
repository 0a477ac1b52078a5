"""The order state machine never reaches an illegal state under random event sequences."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradegraph.core.errors import IllegalTransitionError, ValidationError
from tradegraph.model import Order, OrderStatus, OrderType, Side
from tradegraph.model.order import (
    Accepted,
    Canceled,
    Expired,
    Filled,
    MarkedUnknown,
    OrderEvent,
    Rejected,
    Submitted,
)

T0 = datetime(2024, 1, 1, tzinfo=UTC)
TERMINAL = {OrderStatus.FILLED, OrderStatus.CANCELED, OrderStatus.REJECTED, OrderStatus.EXPIRED}
# Transition relation written out independently of the implementation's table.
LEGAL = {
    OrderStatus.NEW: {OrderStatus.SUBMITTED, OrderStatus.CANCELED, OrderStatus.REJECTED},
    OrderStatus.SUBMITTED: {
        OrderStatus.ACCEPTED,
        OrderStatus.REJECTED,
        OrderStatus.PARTIALLY_FILLED,
        OrderStatus.FILLED,
        OrderStatus.CANCELED,
        OrderStatus.EXPIRED,
        OrderStatus.UNKNOWN,
    },
    OrderStatus.ACCEPTED: {
        OrderStatus.PARTIALLY_FILLED,
        OrderStatus.FILLED,
        OrderStatus.CANCELED,
        OrderStatus.EXPIRED,
        OrderStatus.UNKNOWN,
    },
    OrderStatus.PARTIALLY_FILLED: {
        OrderStatus.PARTIALLY_FILLED,
        OrderStatus.FILLED,
        OrderStatus.CANCELED,
        OrderStatus.EXPIRED,
        OrderStatus.UNKNOWN,
    },
    OrderStatus.UNKNOWN: {
        OrderStatus.ACCEPTED,
        OrderStatus.PARTIALLY_FILLED,
        OrderStatus.FILLED,
        OrderStatus.CANCELED,
        OrderStatus.REJECTED,
        OrderStatus.EXPIRED,
    },
}


def make_order(quantity: str = "10") -> Order:
    return Order(
        client_order_id="c1",
        instrument_id="BTC/USDT.binance",
        side=Side.BUY,
        order_type=OrderType.LIMIT,
        quantity=Decimal(quantity),
        price=Decimal("100"),
        created_at=T0,
    )


events = st.one_of(
    st.just(Submitted(T0)),
    st.just(Accepted(T0, "v1")),
    st.just(Rejected(T0, "no")),
    st.builds(
        Filled,
        st.just(T0),
        st.integers(min_value=-1, max_value=12).map(Decimal),
        st.integers(min_value=1, max_value=200).map(Decimal),
        st.just("t"),
    ),
    st.just(Canceled(T0)),
    st.just(Expired(T0)),
    st.just(MarkedUnknown(T0, "timeout")),
)


@settings(max_examples=400)
@given(st.lists(events, max_size=25))
def test_random_event_sequences_never_reach_an_illegal_state(seq: list[OrderEvent]) -> None:
    order = make_order()
    for event in seq:
        before = order
        try:
            order = order.apply(event)
        except IllegalTransitionError:
            assert order is before  # refused events change nothing
            continue
        assert order.status in LEGAL.get(before.status, set()), (before.status, order.status)
        assert before.status not in TERMINAL
        assert Decimal(0) <= order.filled_quantity <= order.quantity
        assert order.filled_quantity >= before.filled_quantity  # fills never disappear
        assert (order.status is OrderStatus.FILLED) == (order.filled_quantity == order.quantity)
        if order.status is OrderStatus.REJECTED:
            assert order.filled_quantity == 0
        if order.filled_quantity > 0:
            assert order.average_fill_price is not None and order.average_fill_price > 0


def test_happy_path_with_partial_fills_and_average_price() -> None:
    order = make_order().apply(Submitted(T0)).apply(Accepted(T0, "v9"))
    order = order.apply(Filled(T0, Decimal(4), Decimal(100), "a"))
    assert order.status is OrderStatus.PARTIALLY_FILLED
    order = order.apply(Filled(T0, Decimal(6), Decimal(110), "b"))
    assert order.status is OrderStatus.FILLED
    assert order.average_fill_price == Decimal(106)  # (4*100 + 6*110) / 10
    with pytest.raises(IllegalTransitionError, match="filled"):
        order.apply(Canceled(T0))


def test_unknown_is_resolved_by_the_venue_outcome_never_by_resubmission() -> None:
    order = make_order().apply(Submitted(T0)).apply(MarkedUnknown(T0, "timeout"))
    assert order.status is OrderStatus.UNKNOWN
    with pytest.raises(IllegalTransitionError, match="resending"):
        order.apply(Submitted(T0))
    assert order.apply(Accepted(T0, "v1")).status is OrderStatus.ACCEPTED
    assert order.apply(Rejected(T0, "x")).status is OrderStatus.REJECTED


def test_overfill_is_refused() -> None:
    order = make_order("1").apply(Submitted(T0))
    with pytest.raises(IllegalTransitionError, match="overfill"):
        order.apply(Filled(T0, Decimal(2), Decimal(1), "x"))


def test_invalid_orders_are_refused_with_the_field_named() -> None:
    with pytest.raises(ValidationError, match="limit price"):
        Order("c", "X.v", Side.BUY, OrderType.LIMIT, Decimal(1), T0)
    with pytest.raises(ValidationError, match="stop_price"):
        Order("c", "X.v", Side.BUY, OrderType.STOP, Decimal(1), T0)
    with pytest.raises(ValidationError, match="quantity must be positive"):
        Order("c", "X.v", Side.BUY, OrderType.MARKET, Decimal(0), T0)
