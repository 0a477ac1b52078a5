"""Rounding never leaves the tick/lot grid and respects its direction."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradegraph.core.errors import ValidationError
from tradegraph.core.precision import (
    Rounding,
    is_on_grid,
    meets_min_notional,
    round_price,
    round_quantity,
)

increments = st.sampled_from(
    [Decimal(s) for s in ("0.01", "0.05", "0.5", "1", "0.00001", "0.25", "10", "0.001", "2.5")]
)
prices = st.decimals(min_value=Decimal("0.00001"), max_value=Decimal("1000000"), places=8)


@given(prices, increments, st.sampled_from(list(Rounding)))
def test_rounded_price_is_always_on_the_tick_grid(
    price: Decimal, tick: Decimal, mode: Rounding
) -> None:
    rounded = round_price(price, tick, mode)
    assert rounded % tick == 0
    assert is_on_grid(rounded, tick)
    assert abs(rounded - price) <= tick  # never moves more than one tick


@given(prices, increments)
def test_direction_of_rounding_is_respected(price: Decimal, tick: Decimal) -> None:
    down = round_price(price, tick, Rounding.DOWN)
    up = round_price(price, tick, Rounding.UP)
    assert down <= price <= up
    assert up - down in (Decimal(0), tick)


@given(prices, increments)
def test_quantity_rounding_never_exceeds_the_budget(qty: Decimal, lot: Decimal) -> None:
    rounded = round_quantity(qty, lot)
    assert rounded % lot == 0
    assert Decimal(0) <= rounded <= qty
    assert qty - rounded < lot


@given(st.floats(min_value=1e-6, max_value=1e6, allow_nan=False), increments)
def test_floats_round_onto_the_grid_exactly(price: float, tick: Decimal) -> None:
    assert round_price(price, tick) % tick == 0


def test_hand_computed_cases() -> None:
    assert round_price("101.237", "0.05") == Decimal("101.25")
    assert round_price("101.237", "0.05", Rounding.DOWN) == Decimal("101.20")
    assert round_quantity("0.123456", "0.001") == Decimal("0.123")
    assert round_quantity("12345.6", "10") == Decimal("12340")
    assert meets_min_notional("10", "0.5", "5")
    assert not meets_min_notional("10", "0.49", "5")


@pytest.mark.parametrize("bad", ["0", "-0.01", "nan", "abc", "inf"])
def test_bad_increments_and_values_are_refused_with_a_clear_error(bad: str) -> None:
    with pytest.raises(ValidationError) as info:
        round_price("1.0", bad)
    assert (
        "increment" in str(info.value) or "number" in str(info.value) or "finite" in str(info.value)
    )


def test_negative_quantity_is_refused() -> None:
    with pytest.raises(ValidationError, match="non-negative"):
        round_quantity("-1", "1")
