"""Sizing: hand-computed examples and the property that, after rounding, the loss at the
stop never exceeds the risk budget (and one more lot would)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradegraph.core.errors import ValidationError
from tradegraph.model import Direction, Intent, OrderType, Side
from tradegraph.risk import (
    PreTradeChecker,
    ReasonCode,
    RiskConfig,
    SizingMethod,
    fixed_fractional,
    kelly_fraction,
    kelly_risk_fraction,
    propose_order,
    size_intent,
    volatility_target_quantity,
)
from tradegraph.risk import kernels as k
from tradegraph.testing.risk import T0, make_account, make_instrument

D = Decimal

BTC = make_instrument("BTC/USDT", tick_size="0.01", lot_size="0.001", min_notional="10")


def test_fixed_fractional_by_hand() -> None:
    # 1 % of 100,000 = 1,000 over a 1,000 stop distance -> 1 BTC.
    r = fixed_fractional(D(100000), D("0.01"), D(50000), D(49000), BTC)
    assert (r.quantity, r.stop, r.budget, r.risk_amount) == (D(1), D(49000), D(1000), D(1000))
    # Distance 1,500 -> 0.666.. floored to 0.666.
    r = fixed_fractional(D(100000), D("0.01"), D(50000), D(48500), BTC)
    assert r.quantity == D("0.666")
    assert r.risk_amount == D("999.000")
    # Shorts: stop above.
    assert fixed_fractional(D(100000), D("0.01"), D(50000), D(51000), BTC).quantity == D(1)


def test_stop_is_rounded_away_from_entry_before_sizing() -> None:
    coarse = make_instrument(tick_size="10", lot_size="0.001")
    r = fixed_fractional(D(100000), D("0.01"), D(50000), D("49005"), coarse)
    assert r.stop == D(49000)  # 995 distance would oversize; 1,000 is used
    assert r.quantity == D(1)


def test_min_notional_and_degenerate_inputs() -> None:
    big_min = make_instrument(lot_size="0.001", min_notional="100")
    r = fixed_fractional(D(100), D("0.01"), D(50000), D(49000), big_min)  # 0.001 BTC = 50 < 100
    assert not r.ok
    assert r.reasons == (ReasonCode.BELOW_MIN_NOTIONAL,)
    assert fixed_fractional(D(100000), D("0.01"), D(50000), D(50000), BTC).reasons == (
        ReasonCode.INVALID_STOP,
    )
    assert fixed_fractional(D(0), D("0.01"), D(50000), D(49000), BTC).quantity == 0
    with pytest.raises(ValidationError):
        fixed_fractional(D(100000), D("0.01"), D(-1), D(49000), BTC)


def test_confidence_scales_the_risk_fraction() -> None:
    cfg = RiskConfig()  # 0.25 % .. 2 %
    assert cfg.risk_fraction(0.0) == D("0.0025")
    assert cfg.risk_fraction(1.0) == D("0.02")
    assert cfg.risk_fraction(0.5) == D("0.01125")
    low = Intent("x", Direction.LONG, T0, confidence=0.0, entry=50000.0, stop=49000.0)
    high = Intent("x", Direction.LONG, T0, confidence=1.0, entry=50000.0, stop=49000.0)
    assert size_intent(low, BTC, D(100000), cfg).quantity == D("0.25")
    assert size_intent(high, BTC, D(100000), cfg).quantity == D(2)


def test_atr_stop_when_the_intent_has_none() -> None:
    intent = Intent("x", Direction.LONG, T0, confidence=1.0)
    r = size_intent(intent, BTC, D(100000), RiskConfig(), price=D(50000), atr=500.0)
    assert r.stop == D(49000)  # 2 ATR
    assert r.quantity == D(2)
    missing = size_intent(intent, BTC, D(100000), RiskConfig(), price=D(50000))
    assert missing.reasons == (ReasonCode.MISSING_STOP,)
    with pytest.raises(ValidationError):
        size_intent(intent, BTC, D(100000), RiskConfig())  # no entry, no price
    with pytest.raises(ValidationError):
        size_intent(Intent("x", Direction.FLAT, T0), BTC, D(100000), RiskConfig(), price=D(1))


def test_kelly() -> None:
    assert kelly_fraction(0.6, 1.0) == pytest.approx(0.2)
    assert kelly_fraction(0.5, 2.0) == pytest.approx(0.25)
    assert kelly_fraction(0.3, 1.0) == pytest.approx(-0.4)
    assert kelly_risk_fraction(0.6, 1.0, D("0.5"), D("0.5")) == pytest.approx(D("0.1"))
    assert kelly_risk_fraction(0.6, 1.0, D("0.5"), D("0.02")) == D("0.02")  # capped
    assert kelly_risk_fraction(0.3, 1.0, D("0.5"), D("0.02")) == 0  # no edge, no bet
    cfg = RiskConfig(sizing=SizingMethod.KELLY, kelly_cap=D("0.01"))
    intent = Intent("x", Direction.LONG, T0, entry=50000.0, stop=49000.0)
    assert size_intent(intent, BTC, D(100000), cfg, win_rate=0.6, payoff_ratio=1.0).quantity == D(1)
    with pytest.raises(ValidationError):
        size_intent(intent, BTC, D(100000), cfg)


def test_volatility_targeting() -> None:
    # 20 % target / 80 % vol = 0.25 of equity = 25,000 -> 0.5 BTC.
    assert volatility_target_quantity(D(100000), D("0.2"), 0.8, D(50000), BTC) == D("0.5")
    cfg = RiskConfig(sizing=SizingMethod.VOLATILITY_TARGET)
    intent = Intent("x", Direction.LONG, T0, confidence=1.0, entry=50000.0, stop=49000.0)
    assert size_intent(intent, BTC, D(100000), cfg, volatility=0.8).quantity == D("0.5")
    # ... but never more than the risk budget: 2 % over a 100-wide stop = 20 BTC, no cap;
    # over a 10,000-wide stop = 0.2 BTC.
    wide = Intent("x", Direction.LONG, T0, confidence=1.0, entry=50000.0, stop=40000.0)
    assert size_intent(wide, BTC, D(100000), cfg, volatility=0.8).quantity == D("0.2")


def test_propose_order_then_check() -> None:
    intent = Intent(
        "x", Direction.SHORT, T0, confidence=0.0, entry=50000.0, stop=50500.0, target=47000.0
    )
    cfg = RiskConfig()
    sized = size_intent(intent, BTC, D(100000), cfg)
    order = propose_order(intent, BTC, sized, order_type=OrderType.LIMIT, time=T0)
    assert order.side is Side.SELL
    assert (order.price, order.stop_loss, order.take_profit) == (D(50000), D(50500), D(47000))
    # 0.25 % of 100,000 = 250 over 500 -> 0.5 BTC; the check caps exposure at 0.4.
    assert order.quantity == D("0.5")
    decision = PreTradeChecker(cfg).check(
        order, make_account("100000", prices={BTC.id: "50000"}), T0 + timedelta(seconds=1)
    )
    assert decision.reduced
    assert decision.quantity == D("0.4")


@settings(max_examples=300, deadline=None)
@given(
    equity=st.integers(1, 10**8),
    fraction_bp=st.integers(1, 1000),
    entry_ticks=st.integers(1, 10**8),
    stop_move=st.integers(-5000, 5000).filter(lambda m: m != 0),
    lot_exp=st.integers(-4, 1),
    tick_exp=st.integers(-3, 0),
    multiplier=st.sampled_from(["1", "0.1", "50"]),
)
def test_sizing_after_rounding_never_exceeds_the_risk_budget(
    *,
    equity: int,
    fraction_bp: int,
    entry_ticks: int,
    stop_move: int,
    lot_exp: int,
    tick_exp: int,
    multiplier: str,
) -> None:
    inst = make_instrument(
        tick_size=str(D(10) ** tick_exp), lot_size=str(D(10) ** lot_exp), multiplier=multiplier
    )
    entry = entry_ticks * inst.tick_size
    stop = entry * (1 - D(stop_move) / 10_000)
    fraction = D(fraction_bp) / 10_000
    r = fixed_fractional(D(equity), fraction, entry, stop, inst)
    budget = D(equity) * fraction
    if r.stop is None or r.stop <= 0:
        assert r.quantity == 0
        return
    per_unit = abs(entry - r.stop) * inst.multiplier
    assert r.quantity % inst.lot_size == 0
    assert r.quantity * per_unit <= budget
    assert r.risk_amount == r.quantity * per_unit
    assert (r.quantity + inst.lot_size) * per_unit > budget  # and it is the largest such size
    # The float kernel for backtests stays within the budget too, and within a lot.
    q = k.risk_quantity(
        float(equity),
        float(fraction),
        float(entry),
        float(r.stop),
        float(inst.multiplier),
        float(inst.lot_size),
    )
    assert q * float(per_unit) <= float(budget) * (1 + 1e-12)
    assert abs(q - float(r.quantity)) <= float(inst.lot_size) * 1.000001
