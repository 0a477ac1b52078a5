"""Exact price/quantity rounding with ``Decimal``: tick size, lot size, min notional.

Rounding a price never leaves the tick grid and rounding a quantity never leaves the lot
grid: results are exact integer multiples of the increment. Directions are explicit:
a buy limit is rounded down (never pay more than asked), a sell limit up; quantities are
rounded down (never exceed the budget) unless asked otherwise.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal, InvalidOperation
from enum import Enum

from tradegraph.core.errors import ValidationError


class Rounding(Enum):
    """How to snap a value onto its grid."""

    DOWN = ROUND_FLOOR
    UP = ROUND_CEILING
    NEAREST = ROUND_HALF_EVEN


def to_decimal(value: Decimal | int | float | str, what: str = "value") -> Decimal:
    """Convert to ``Decimal`` exactly as written (floats via ``repr``), rejecting NaN/inf."""
    try:
        text = repr(value) if isinstance(value, float) else str(value)
        result = value if isinstance(value, Decimal) else Decimal(text)
    except InvalidOperation as exc:
        raise ValidationError(
            f"{what} must be a number, got {value!r}.", hint="Pass a decimal string or number."
        ) from exc
    if not result.is_finite():
        raise ValidationError(f"{what} must be finite, got {value!r}.", hint="Pass a real number.")
    return result


def _increment(value: Decimal | int | float | str, what: str) -> Decimal:
    inc = to_decimal(value, what)
    if inc <= 0:
        raise ValidationError(
            f"{what} must be positive, got {value!r}.",
            hint=f"Set the instrument's {what} to the venue's increment, e.g. 0.01.",
        )
    return inc


def round_to_increment(
    value: Decimal | int | float | str,
    increment: Decimal | int | float | str,
    rounding: Rounding = Rounding.NEAREST,
    what: str = "value",
) -> Decimal:
    """Snap ``value`` to an exact multiple of ``increment`` in the given direction."""
    inc = _increment(increment, "increment")
    val = to_decimal(value, what)
    steps = (val / inc).quantize(Decimal(1), rounding=rounding.value)
    return steps * inc  # exact: an integer number of increments


def round_price(
    price: Decimal | int | float | str,
    tick_size: Decimal | int | float | str,
    rounding: Rounding = Rounding.NEAREST,
) -> Decimal:
    """Round a price onto the tick grid."""
    return round_to_increment(price, tick_size, rounding, what="price")


def round_quantity(
    quantity: Decimal | int | float | str,
    lot_size: Decimal | int | float | str,
    rounding: Rounding = Rounding.DOWN,
) -> Decimal:
    """Round a quantity onto the lot grid (down by default: never exceed a budget)."""
    qty = to_decimal(quantity, "quantity")
    if qty < 0:
        raise ValidationError(
            f"quantity must be non-negative, got {quantity!r}.",
            hint="Express direction with the order side, not a negative quantity.",
        )
    return round_to_increment(qty, lot_size, rounding, what="quantity")


def is_on_grid(value: Decimal | int | float | str, increment: Decimal | int | float | str) -> bool:
    """True when ``value`` is an exact integer multiple of ``increment``."""
    inc = _increment(increment, "increment")
    return (to_decimal(value) % inc) == 0


def meets_min_notional(
    price: Decimal | int | float | str,
    quantity: Decimal | int | float | str,
    min_notional: Decimal | int | float | str,
) -> bool:
    """True when ``price * quantity`` is at least ``min_notional``."""
    return to_decimal(price, "price") * to_decimal(quantity, "quantity") >= to_decimal(
        min_notional, "min_notional"
    )


__all__ = [
    "Rounding",
    "is_on_grid",
    "meets_min_notional",
    "round_price",
    "round_quantity",
    "round_to_increment",
    "to_decimal",
]
