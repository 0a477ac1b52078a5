"""Pure transition rules: venue snapshot → events (terminal only once fills caught up),
fills → updates (overfills and closed orders refused), records keep every field."""

from __future__ import annotations

from dataclasses import fields, replace
from decimal import Decimal

from tradegraph.execution.ports import VenueOrder
from tradegraph.execution.transitions import (
    ack_events,
    apply_fills,
    claim,
    local_cancel,
    update_with,
)
from tradegraph.model.enums import OrderType, Side
from tradegraph.model.order import (
    Accepted,
    Canceled,
    Expired,
    Filled,
    MarkedUnknown,
    Order,
    OrderStatus,
    Rejected,
    Submitted,
)
from tradegraph.testing.orders import make_fill, make_order, make_record
from tradegraph.testing.risk import T0

D = Decimal
S = OrderStatus


def snapshot(status: S, filled: str = "0", reason: str = "") -> VenueOrder:
    return VenueOrder(
        client_order_id="o-1",
        venue_order_id="v-1",
        instrument_id="BTC/USDT",
        side=Side.BUY,
        order_type=OrderType.LIMIT,
        quantity=D(1),
        status=status,
        updated_at=T0,
        filled_quantity=D(filled),
        reason=reason,
    )


def submitted() -> Order:
    return make_order().apply(Submitted(T0))


def test_acknowledgements_from_unconfirmed_states() -> None:
    for order in (submitted(), submitted().apply(MarkedUnknown(T0, "timeout"))):
        assert ack_events(order, snapshot(S.ACCEPTED), T0) == (Accepted(T0, "v-1"),)
        # fills come from the fill feed, not from the snapshot
        assert ack_events(order, snapshot(S.FILLED, "1"), T0) == (Accepted(T0, "v-1"),)
        assert ack_events(order, snapshot(S.REJECTED, reason="lot"), T0) == (Rejected(T0, "lot"),)
        assert ack_events(order, snapshot(S.CANCELED), T0) == (
            Accepted(T0, "v-1"),
            Canceled(T0, "canceled at the venue"),
        )
        assert ack_events(order, snapshot(S.EXPIRED), T0) == (Accepted(T0, "v-1"), Expired(T0))


def test_a_terminal_state_waits_for_the_last_fills() -> None:
    accepted = submitted().apply(Accepted(T0, "v-1"))
    assert ack_events(accepted, snapshot(S.CANCELED, "0.4"), T0) == ()
    partly = accepted.apply(Filled(T0, D("0.4"), D(100), "t1"))
    assert ack_events(partly, snapshot(S.CANCELED, "0.4", "user"), T0) == (Canceled(T0, "user"),)
    assert ack_events(partly, snapshot(S.PARTIALLY_FILLED, "0.4"), T0) == ()
    assert ack_events(partly, snapshot(S.REJECTED), T0) == ()  # cannot reject a filled order


def test_new_and_terminal_orders_take_nothing_from_snapshots() -> None:
    assert ack_events(make_order(), snapshot(S.ACCEPTED), T0) == ()
    canceled = make_order().apply(Canceled(T0))
    assert ack_events(canceled, snapshot(S.ACCEPTED), T0) == ()


def test_fills_apply_in_time_order_and_refuse_overfills() -> None:
    record = make_record(make_order(quantity="1"))
    record = replace(record, order=record.order.apply(Submitted(T0)))
    early = make_fill("t1", record.order, quantity="0.6", time=T0)
    late = make_fill("t2", record.order, quantity="0.6", time=T0.replace(minute=5))
    update, problems = apply_fills(record, [late, early])
    assert update is not None
    assert [f.trade_id for f in update.fills] == ["t1"]
    assert update.record.order.filled_quantity == D("0.6")
    assert len(problems) == 1
    assert "t2" in problems[0]
    closed = replace(record, order=record.order.apply(Canceled(T0)))
    none, issues = apply_fills(closed, [early])
    assert none is None
    assert "canceled" in issues[0]


def test_updates_keep_every_record_field() -> None:
    record = make_record(
        group_id="g",
        oco_group="oco",
        parent_id="p",
        replaces="r",
        send_attempts=2,
    )
    record = replace(record, version=7)
    update = update_with(record)
    assert update.record == record
    for field in fields(record):
        assert getattr(update.record, field.name) == getattr(record, field.name), field.name
    claimed = claim(record, T0)
    assert claimed.record.send_attempts == 3
    assert claimed.record.status is S.SUBMITTED
    assert claimed.events == (Submitted(T0),)
    dropped = local_cancel(record, "never sent", T0)
    assert dropped.record.status is S.CANCELED
    assert dropped.note == "never sent"
