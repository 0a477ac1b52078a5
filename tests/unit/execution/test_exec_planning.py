"""Order planning (pure): entries, brackets, rounding, deterministic ids; and client ids."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest

from tradegraph.core.errors import ValidationError
from tradegraph.execution.client_ids import MAX_LENGTH, client_order_id, replacement_leg
from tradegraph.execution.planning import PlanContext, plan_exit, plan_intent
from tradegraph.execution.ports import Capabilities
from tradegraph.model.enums import Direction, OrderType, Side, TimeInForce
from tradegraph.model.intent import Intent
from tradegraph.model.order import OrderStatus
from tradegraph.risk.codes import ReasonCode
from tradegraph.risk.decision import RiskDecision
from tradegraph.testing.execution import PERP
from tradegraph.testing.risk import T0

D = Decimal
CTX = PlanContext("default", "s1", "d1", T0)


def intent(direction: Direction = Direction.LONG, **prices: float | None) -> Intent:
    return Intent(PERP.id, direction, T0, **prices)  # type: ignore[arg-type]


def test_long_market_entry_with_bracket() -> None:
    plan = plan_intent(
        intent(entry=100.0, stop=95.04, target=109.97), RiskDecision.approve(D("1.2345")), PERP, CTX
    )
    entry, stop, target = plan.records
    assert entry.order.side is Side.BUY
    assert entry.order.order_type is OrderType.MARKET
    assert entry.order.quantity == D("1.234")  # rounded down to the lot
    assert entry.order.price is None
    assert (entry.leg, stop.leg, target.leg) == ("entry", "stop", "target")
    # stop: a sell STOP below entry rounded towards the entry (up); target: a sell limit
    # rounded towards the entry (down)
    assert stop.order.side is Side.SELL
    assert stop.order.order_type is OrderType.STOP
    assert stop.order.stop_price == D("95.1")
    assert target.order.order_type is OrderType.LIMIT
    assert target.order.price == D("109.9")
    for leg in (stop, target):
        assert leg.parent_id == entry.client_order_id
        assert leg.group_id == entry.client_order_id
        assert leg.order.quantity == entry.order.quantity
    assert stop.oco_group == target.oco_group is not None
    assert entry.oco_group is None
    assert all(r.status is OrderStatus.NEW and r.venue == "sim" for r in plan.records)
    assert not plan.native_oco


def test_short_limit_entry_rounding() -> None:
    plan = plan_intent(
        intent(Direction.SHORT, entry=100.04, stop=105.06, target=90.04),
        RiskDecision.approve(D(2)),
        PERP,
        CTX,
        order_type=OrderType.LIMIT,
        time_in_force=TimeInForce.IOC,
    )
    entry, stop, target = plan.records
    assert entry.order.side is Side.SELL
    assert entry.order.price == D("100.1")  # a sell limit never asks for less
    assert entry.order.time_in_force is TimeInForce.IOC
    assert stop.order.side is Side.BUY
    assert stop.order.stop_price == D("105.0")  # towards the entry: less risk
    assert target.order.price == D("90.1")  # towards the entry: no more reward than asked


def test_a_stop_within_a_tick_of_entry_is_not_rounded_through_it() -> None:
    plan = plan_intent(
        intent(entry=100.0, stop=99.97),
        RiskDecision.approve(D(1)),
        PERP,
        CTX,
        order_type=OrderType.LIMIT,
    )
    assert plan.records[1].order.stop_price == D("99.9")


def test_only_a_stop_gives_a_single_child_without_oco() -> None:
    plan = plan_intent(intent(entry=100.0, stop=90.0), RiskDecision.approve(D(1)), PERP, CTX)
    assert [r.leg for r in plan.records] == ["entry", "stop"]
    assert plan.records[1].oco_group is None
    assert (
        plan_intent(intent(entry=None), RiskDecision.approve(D(1)), PERP, CTX).records[0].group_id
        is None
    )


def test_denied_flat_and_zero_quantity_plan_nothing() -> None:
    denied = RiskDecision.deny((ReasonCode.DAILY_LOSS_LIMIT,), "daily loss")
    plan = plan_intent(intent(entry=100.0), denied, PERP, CTX)
    assert not plan.planned
    assert plan.entry is None
    assert "daily loss" in plan.skipped_reason
    flat = plan_intent(intent(Direction.FLAT), RiskDecision.approve(D(1)), PERP, CTX)
    assert "flat" in flat.skipped_reason
    tiny = plan_intent(intent(entry=100.0), RiskDecision.approve(D("0.0009")), PERP, CTX)
    assert not tiny.planned
    assert "rounds to 0" in tiny.skipped_reason


def test_ids_are_deterministic_and_day_scoped() -> None:
    decision = RiskDecision.approve(D(1))
    one = plan_intent(intent(entry=100.0, stop=90.0), decision, PERP, CTX)
    again = plan_intent(intent(entry=100.0, stop=90.0), decision, PERP, CTX)
    assert [r.client_order_id for r in one.records] == [r.client_order_id for r in again.records]
    later = PlanContext("default", "s1", "d1", T0 + timedelta(hours=1))
    assert plan_intent(intent(entry=100.0), decision, PERP, later).records[0].client_order_id == (
        one.records[0].client_order_id
    )
    next_day = PlanContext("default", "s1", "d1", T0 + timedelta(days=1))
    assert (
        plan_intent(intent(entry=100.0), decision, PERP, next_day).records[0].client_order_id
        != one.records[0].client_order_id
    )
    other = PlanContext("default", "s1", "d2", T0)
    assert plan_intent(intent(entry=100.0), decision, PERP, other).records[0].client_order_id != (
        one.records[0].client_order_id
    )
    for record in one.records:
        assert re.fullmatch(r"tg240102-[0-9a-f]{26}", record.client_order_id)
        assert len(record.client_order_id) <= MAX_LENGTH <= 36
        assert record.client_order_id == client_order_id(
            "default", "s1", "d1", record.leg, T0.date()
        )


def test_capabilities_set_reduce_only_and_native_oco() -> None:
    caps = Capabilities(reduce_only=True, native_oco=True)
    plan = plan_intent(
        intent(entry=100.0, stop=90.0, target=120.0),
        RiskDecision.approve(D(1)),
        PERP,
        CTX,
        capabilities=caps,
    )
    assert [r.order.reduce_only for r in plan.records] == [False, True, True]
    assert plan.native_oco


def test_bad_inputs_are_refused_with_a_hint() -> None:
    with pytest.raises(ValidationError, match=r"needs intent\.entry"):
        plan_intent(
            intent(entry=None), RiskDecision.approve(D(1)), PERP, CTX, order_type=OrderType.LIMIT
        )
    with pytest.raises(ValidationError, match="market or limit"):
        plan_intent(
            intent(entry=100.0), RiskDecision.approve(D(1)), PERP, CTX, order_type=OrderType.STOP
        )
    wrong = Intent("ETH/USDT.sim", Direction.LONG, T0)
    with pytest.raises(ValidationError, match="instrument"):
        plan_intent(wrong, RiskDecision.approve(D(1)), PERP, CTX)


def test_plan_exit_closes_a_signed_position() -> None:
    short = plan_exit(PERP, D("-0.5"), CTX)
    (record,) = short.records
    assert (record.leg, record.order.side, record.order.quantity) == ("exit", Side.BUY, D("0.5"))
    assert record.order.order_type is OrderType.MARKET
    assert not plan_exit(PERP, D(0), CTX).planned


def test_replacement_legs() -> None:
    assert replacement_leg("entry", 1) == "entry.r1"
    assert replacement_leg("entry.r1", 2) == "entry.r2"
    with pytest.raises(ValidationError):
        replacement_leg("entry", 0)
