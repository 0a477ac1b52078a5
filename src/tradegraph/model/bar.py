"""Bar: one OHLCV candle. Series of bars live in columnar frames (``tradegraph.data``);
this value is for events and the step (paper/live) path."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from tradegraph.core.errors import ValidationError
from tradegraph.model.timeframe import Timeframe


@dataclass(frozen=True, slots=True)
class Bar:
    """An OHLCV bar; ``time`` is the bar's *open* time (UTC), as in the data contract."""

    instrument_id: str
    timeframe: Timeframe
    time: datetime
    open: float
    high: float
    low: float
    close: float
    volume: float

    def __post_init__(self) -> None:
        if self.time.tzinfo is None or self.time.utcoffset() != timedelta(0):
            raise ValidationError(
                f"Bar time must be timezone-aware UTC, got {self.time!r}.",
                hint="Use datetime(..., tzinfo=datetime.UTC).",
            )
        values = (self.open, self.high, self.low, self.close, self.volume)
        if not all(math.isfinite(v) for v in values):
            raise ValidationError(
                f"Bar {self.instrument_id} {self.time.isoformat()} has a non-finite value: {values}.",
                hint="Drop or repair the bar before building it.",
            )
        if self.high < max(self.open, self.close, self.low) or self.low > min(
            self.open, self.close
        ):
            raise ValidationError(
                f"Bar {self.instrument_id} {self.time.isoformat()} is inconsistent: "
                f"open={self.open} high={self.high} low={self.low} close={self.close}.",
                hint="high must be >= open, close, low and low <= open, close.",
            )
        if self.volume < 0:
            raise ValidationError(
                f"Bar {self.instrument_id} {self.time.isoformat()} has negative volume {self.volume}.",
                hint="Volume must be >= 0.",
            )

    @property
    def close_time(self) -> datetime:
        """When the bar closes (open time + timeframe): the earliest moment it is known."""
        return self.time + timedelta(seconds=self.timeframe.seconds)


__all__ = ["Bar"]
