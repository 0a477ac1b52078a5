"""Fill: one execution reported by a venue (or the simulator)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from tradegraph.core.errors import ValidationError
from tradegraph.model.enums import Liquidity, Side


@dataclass(frozen=True, slots=True)
class Fill:
    """An execution. ``trade_id`` is the venue's id for it: the de-duplication key."""

    trade_id: str
    client_order_id: str
    instrument_id: str
    side: Side
    quantity: Decimal
    price: Decimal
    time: datetime
    fee: Decimal = Decimal(0)
    fee_currency: str = ""
    liquidity: Liquidity = Liquidity.TAKER

    def __post_init__(self) -> None:
        if not self.trade_id:
            raise ValidationError("Fill needs the venue's trade_id.", hint="Pass trade_id=...")
        for name in ("quantity", "price"):
            value = getattr(self, name)
            if not value.is_finite() or value <= 0:
                raise ValidationError(
                    f"Fill {self.trade_id!r}: {name} must be positive, got {value}.",
                    hint="Check the venue's execution report.",
                )
        if not self.fee.is_finite():
            raise ValidationError(f"Fill {self.trade_id!r}: fee is not finite.", hint="Use 0.")

    @property
    def signed_quantity(self) -> Decimal:
        return self.quantity * self.side.sign

    @property
    def notional(self) -> Decimal:
        return self.quantity * self.price


__all__ = ["Fill"]
