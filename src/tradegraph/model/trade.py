"""Trade: one closed round trip (entry to exit) with its result."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from tradegraph.core.errors import ValidationError
from tradegraph.model.enums import Direction


class ExitReason(StrEnum):
    SIGNAL = "signal"
    STOP_LOSS = "stop_loss"
    TAKE_PROFIT = "take_profit"
    TRAILING_STOP = "trailing_stop"
    TIME_STOP = "time_stop"
    REVERSAL = "reversal"
    LIQUIDATION = "liquidation"
    END_OF_DATA = "end_of_data"
    MANUAL = "manual"


@dataclass(frozen=True, slots=True)
class Trade:
    """A closed round trip. ``pnl`` is net of ``fees``; ``r_multiple`` is pnl divided by
    the initial risk (entry-to-stop distance times quantity) when a stop was set."""

    instrument_id: str
    direction: Direction
    quantity: float
    entry_time: datetime
    entry_price: float
    exit_time: datetime
    exit_price: float
    fees: float
    pnl: float
    exit_reason: ExitReason
    r_multiple: float | None = None

    def __post_init__(self) -> None:
        if self.direction is Direction.FLAT:
            raise ValidationError("A trade is long or short, not flat.", hint="Fix the direction.")
        if self.exit_time < self.entry_time:
            raise ValidationError(
                f"Trade exits ({self.exit_time}) before it enters ({self.entry_time}).",
                hint="Check the fill order.",
            )

    @property
    def holding_time(self) -> timedelta:
        return self.exit_time - self.entry_time

    @property
    def return_pct(self) -> float:
        gross = (self.exit_price / self.entry_price - 1.0) * self.direction.sign
        return gross * 100.0


__all__ = ["ExitReason", "Trade"]
