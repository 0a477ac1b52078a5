from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradegraph.core.errors import ValidationError
from tradegraph.model import (
    AssetClass,
    Bar,
    Direction,
    Fill,
    Instrument,
    Intent,
    Position,
    Side,
    Timeframe,
)

T0 = datetime(2024, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("code", "seconds", "freq"),
    [
        ("1m", 60, "1min"),
        ("5m", 300, "5min"),
        ("15m", 900, "15min"),
        ("1h", 3600, "1h"),
        ("4h", 14400, "4h"),
        ("1d", 86400, "1D"),
        ("1w", 604800, "1W-MON"),
    ],
)
def test_timeframes_parse_with_seconds_and_pandas_frequency(
    code: str, seconds: int, freq: str
) -> None:
    tf = Timeframe.parse(code)
    assert tf.seconds == seconds
    assert tf.pandas_freq == freq
    assert str(tf) == code
    assert Timeframe.parse(code.upper()) == tf


@pytest.mark.parametrize("bad", ["2x", "", "1y", "0m", "h1", "90s"])
def test_unknown_timeframes_get_a_clear_error(bad: str) -> None:
    with pytest.raises(ValidationError, match="Unknown timeframe") as info:
        Timeframe.parse(bad)
    assert "1m" in (info.value.hint or "")


def test_timeframes_order_and_divide() -> None:
    assert Timeframe.parse("1m") < Timeframe.parse("1h") < Timeframe.parse("1d")
    assert Timeframe.parse("15m").divides(Timeframe.parse("1h"))
    assert not Timeframe.parse("1h").divides(Timeframe.parse("15m"))


def test_instrument_rounds_on_its_own_grid_and_checks_notional() -> None:
    inst = Instrument(
        "BTC/USDT",
        "binance",
        AssetClass.CRYPTO_SPOT,
        Decimal("0.01"),
        Decimal("0.00001"),
        "USDT",
        min_notional=Decimal(5),
    )
    assert inst.id == "BTC/USDT.binance"
    assert inst.round_price(43210.1234) == Decimal("43210.12")
    assert inst.round_quantity("0.123456789") == Decimal("0.12345")
    assert not inst.accepts_notional("43210", "0.0001")
    with pytest.raises(ValidationError, match="tick_size"):
        Instrument("X", "v", AssetClass.EQUITY, Decimal(0), Decimal(1), "USD")


def test_bar_rejects_inconsistent_ohlc_and_knows_its_close_time() -> None:
    tf = Timeframe.parse("1h")
    bar = Bar("X.v", tf, T0, 10, 12, 9, 11, 100)
    assert bar.close_time == T0 + timedelta(hours=1)
    with pytest.raises(ValidationError, match="inconsistent"):
        Bar("X.v", tf, T0, 10, 9.5, 9, 11, 100)
    with pytest.raises(ValidationError, match="non-finite"):
        Bar("X.v", tf, T0, float("nan"), 12, 9, 11, 100)


def test_intent_checks_stop_and_target_sides() -> None:
    intent = Intent("X.v", Direction.LONG, T0, 0.8, entry=100, stop=95, target=115)
    assert intent.reward_risk == pytest.approx(3.0)
    with pytest.raises(ValidationError, match="wrong side"):
        Intent("X.v", Direction.LONG, T0, entry=100, stop=105)
    with pytest.raises(ValidationError, match="wrong side"):
        Intent("X.v", Direction.SHORT, T0, entry=100, target=105)
    with pytest.raises(ValidationError, match="confidence"):
        Intent("X.v", Direction.LONG, T0, confidence=1.5)


def fill(side: Side, qty: str, price: str, n: int = 0, fee: str = "0") -> Fill:
    return Fill(f"t{n}", "c", "X.v", side, Decimal(qty), Decimal(price), T0, fee=Decimal(fee))


def test_position_open_add_reduce_flip_close() -> None:
    pos = Position("X.v")
    pos = pos.apply(fill(Side.BUY, "2", "100", fee="1"))
    pos = pos.apply(fill(Side.BUY, "2", "110"))
    assert pos.quantity == 4 and pos.average_price == 105
    pos = pos.apply(fill(Side.SELL, "1", "120"))
    assert pos.realized_pnl == Decimal(15) - 1 and pos.average_price == 105
    pos = pos.apply(fill(Side.SELL, "5", "100"))  # close 3 at a loss of 5 each, open 2 short
    assert pos.quantity == -2 and pos.average_price == 100 and pos.direction is Direction.SHORT
    assert pos.realized_pnl == Decimal(14) - 15
    pos = pos.apply(fill(Side.BUY, "2", "90"))
    assert pos.is_flat and pos.realized_pnl == Decimal(19)


@given(
    st.lists(
        st.tuples(st.sampled_from([Side.BUY, Side.SELL]), st.integers(1, 5), st.integers(50, 150)),
        min_size=1,
        max_size=30,
    )
)
def test_position_pnl_equals_cash_flow_accounting(trades: list[tuple[Side, int, int]]) -> None:
    """Realized + unrealized P&L equals the cash flows marked at the last price."""
    pos = Position("X.v")
    cash = Decimal(0)
    for i, (side, qty, price) in enumerate(trades):
        pos = pos.apply(fill(side, str(qty), str(price), i))
        cash -= side.sign * Decimal(qty) * Decimal(price)
    mark = Decimal(trades[-1][2])
    total = pos.realized_pnl + pos.unrealized_pnl(mark)
    # the average price is a 28-digit Decimal quotient, so allow for its last digit
    assert abs(total - (cash + pos.quantity * mark)) < Decimal("1e-20")
