"""ProposedOrder: an order as the risk engine sees it, before it exists in the OMS."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from tradegraph.core.errors import ValidationError
from tradegraph.model.enums import OrderType, Side
from tradegraph.model.instrument import Instrument


@dataclass(frozen=True, slots=True)
class ProposedOrder:
    """A candidate order: what to trade, and the protective stop / target that justify it.

    ``price`` is the limit price (LIMIT, STOP_LIMIT), ``stop_price`` the trigger (STOP,
    STOP_LIMIT). ``stop_loss`` and ``take_profit`` are the bracket that will protect the
    position; they drive the risk-per-trade, reward/risk and expected-profit checks.
    Structural mistakes (non-positive quantity, a limit order without a price) raise
    ``ValidationError``; everything a venue or a risk limit would refuse is a decision.
    """

    instrument: Instrument
    side: Side
    quantity: Decimal
    order_type: OrderType = OrderType.MARKET
    price: Decimal | None = None
    stop_price: Decimal | None = None
    reduce_only: bool = False
    time: datetime | None = None
    client_order_id: str = ""
    stop_loss: Decimal | None = None
    take_profit: Decimal | None = None

    def __post_init__(self) -> None:
        where = f"ProposedOrder {self.side.value} {self.instrument.id}"
        if (
            not isinstance(self.quantity, Decimal)
            or not self.quantity.is_finite()
            or self.quantity <= 0
        ):
            raise ValidationError(
                f"{where}: quantity must be a positive Decimal, got {self.quantity!r}.",
                hint="Express direction with side=Side.SELL, not a negative quantity.",
            )
        for name in ("price", "stop_price", "stop_loss", "take_profit"):
            value = getattr(self, name)
            if value is not None and (
                not isinstance(value, Decimal) or not value.is_finite() or value <= 0
            ):
                raise ValidationError(
                    f"{where}: {name} must be a positive Decimal or None, got {value!r}.",
                    hint=f"Leave {name}=None when there is none.",
                )
        if self.order_type.needs_price and self.price is None:
            raise ValidationError(
                f"{where}: a {self.order_type.value} order needs a limit price.",
                hint="Pass price=Decimal(...).",
            )
        if self.order_type.needs_stop_price and self.stop_price is None:
            raise ValidationError(
                f"{where}: a {self.order_type.value} order needs a stop_price.",
                hint="Pass stop_price=Decimal(...).",
            )
        if not self.order_type.needs_price and self.price is not None:
            raise ValidationError(
                f"{where}: a {self.order_type.value} order takes no limit price, got {self.price}.",
                hint="Use OrderType.LIMIT (or STOP_LIMIT) for a limit price.",
            )
        if self.time is not None and self.time.tzinfo is None:
            raise ValidationError(
                f"{where}: time must be timezone-aware UTC, got {self.time!r}.",
                hint="Take times from a tradegraph.core.clock.Clock.",
            )

    @property
    def signature(self) -> tuple[str, Side, OrderType, Decimal, Decimal | None, Decimal | None]:
        """What makes two orders duplicates of each other (ids aside)."""
        return (
            self.instrument.id,
            self.side,
            self.order_type,
            self.quantity,
            self.price,
            self.stop_price,
        )


__all__ = ["ProposedOrder"]
