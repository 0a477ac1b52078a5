"""Instrument: what can be traded, with its venue's increments and limits."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tradegraph.core.errors import ValidationError
from tradegraph.core.precision import Rounding, meets_min_notional, round_price, round_quantity
from tradegraph.model.enums import AssetClass


@dataclass(frozen=True, slots=True)
class Instrument:
    """A tradable instrument on one venue.

    ``tick_size`` and ``lot_size`` are the venue's price and quantity increments;
    ``min_notional`` the smallest order value it accepts (0 for none).
    """

    symbol: str
    venue: str
    asset_class: AssetClass
    tick_size: Decimal
    lot_size: Decimal
    quote_currency: str
    min_notional: Decimal = Decimal(0)
    base_currency: str | None = None
    multiplier: Decimal = Decimal(1)

    def __post_init__(self) -> None:
        if not self.symbol.strip():
            raise ValidationError("Instrument symbol is empty.", hint="Use e.g. 'BTC/USDT'.")
        if not self.venue.strip():
            raise ValidationError(
                f"Instrument {self.symbol!r} has an empty venue.", hint="Use e.g. 'binance'."
            )
        for name in ("tick_size", "lot_size", "multiplier"):
            value = getattr(self, name)
            if not isinstance(value, Decimal) or not value.is_finite() or value <= 0:
                raise ValidationError(
                    f"Instrument {self.symbol!r}: {name} must be a positive Decimal, got {value!r}.",
                    hint=f"Pass {name}=Decimal('0.01') (the venue's increment).",
                )
        if not isinstance(self.min_notional, Decimal) or self.min_notional < 0:
            raise ValidationError(
                f"Instrument {self.symbol!r}: min_notional must be a Decimal >= 0, "
                f"got {self.min_notional!r}.",
                hint="Use Decimal(0) when the venue has no minimum.",
            )
        if not self.quote_currency.strip():
            raise ValidationError(
                f"Instrument {self.symbol!r} has an empty quote_currency.", hint="Use e.g. 'USDT'."
            )

    @property
    def id(self) -> str:
        """Globally unique id ``SYMBOL.VENUE`` (e.g. ``BTC/USDT.binance``)."""
        return f"{self.symbol}.{self.venue}"

    def round_price(
        self, price: Decimal | float | str, rounding: Rounding = Rounding.NEAREST
    ) -> Decimal:
        return round_price(price, self.tick_size, rounding)

    def round_quantity(
        self, quantity: Decimal | float | str, rounding: Rounding = Rounding.DOWN
    ) -> Decimal:
        return round_quantity(quantity, self.lot_size, rounding)

    def accepts_notional(
        self, price: Decimal | float | str, quantity: Decimal | float | str
    ) -> bool:
        return meets_min_notional(price, quantity, self.min_notional)


__all__ = ["Instrument"]
