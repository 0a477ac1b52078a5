"""Position: the net holding in one instrument, updated by fills (pure)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from tradegraph.core.errors import ValidationError
from tradegraph.model.enums import Direction
from tradegraph.model.fill import Fill


@dataclass(frozen=True, slots=True)
class Position:
    """Signed net quantity (positive long, negative short), average entry price of the
    open quantity, and realized P&L net of fees."""

    instrument_id: str
    quantity: Decimal = Decimal(0)
    average_price: Decimal = Decimal(0)
    realized_pnl: Decimal = Decimal(0)
    fees_paid: Decimal = Decimal(0)

    @property
    def direction(self) -> Direction:
        if self.quantity > 0:
            return Direction.LONG
        if self.quantity < 0:
            return Direction.SHORT
        return Direction.FLAT

    @property
    def is_flat(self) -> bool:
        return self.quantity == 0

    def unrealized_pnl(self, mark_price: Decimal) -> Decimal:
        return (mark_price - self.average_price) * self.quantity

    def apply(self, fill: Fill) -> Position:
        """The position after ``fill``: opening, adding, reducing, closing or flipping."""
        if fill.instrument_id != self.instrument_id:
            raise ValidationError(
                f"Fill for {fill.instrument_id} applied to position in {self.instrument_id}.",
                hint="Route fills to the position of their own instrument.",
            )
        signed = fill.signed_quantity
        qty, avg = self.quantity, self.average_price
        realized = self.realized_pnl - fill.fee
        if qty == 0 or (qty > 0) == (signed > 0):  # open or add
            new_qty = qty + signed
            new_avg = (avg * abs(qty) + fill.price * fill.quantity) / abs(new_qty)
        else:  # reduce, close or flip
            closing = min(abs(signed), abs(qty))
            realized += (fill.price - avg) * closing * (1 if qty > 0 else -1)
            new_qty = qty + signed
            if new_qty == 0:
                new_avg = Decimal(0)
            elif (new_qty > 0) == (qty > 0):
                new_avg = avg
            else:
                new_avg = fill.price  # flipped: the remainder opened at the fill price
        return replace(
            self,
            quantity=new_qty,
            average_price=new_avg,
            realized_pnl=realized,
            fees_paid=self.fees_paid + fill.fee,
        )


__all__ = ["Position"]
