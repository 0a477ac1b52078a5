"""SeriesKey: which bar series a frame is (venue, symbol, timeframe)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from tradegraph.core.errors import ValidationError
from tradegraph.model.timeframe import Timeframe

_VENUE: Final = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
_SYMBOL: Final = re.compile(r"^[A-Z0-9][A-Z0-9._/:=^+-]{0,63}$")


@dataclass(frozen=True, slots=True, order=True)
class SeriesKey:
    """Identifies one stored bar series. Venue is lower case, symbol upper case.

    ``SeriesKey.of("binance", "btc/usdt", "1h")`` normalises and validates the parts.
    """

    venue: str
    symbol: str
    timeframe: Timeframe

    def __post_init__(self) -> None:
        if not _VENUE.match(self.venue):
            raise ValidationError(
                f"Invalid venue {self.venue!r}.",
                hint="Use a short lower-case name such as 'binance', 'local' or 'synthetic'.",
            )
        if not _SYMBOL.match(self.symbol) or ".." in self.symbol:
            raise ValidationError(
                f"Invalid symbol {self.symbol!r}.",
                hint="Use letters, digits and . _ / : = ^ + - only, e.g. 'BTC/USDT' or 'AAPL'.",
            )

    @classmethod
    def of(cls, venue: str, symbol: str, timeframe: Timeframe | str) -> SeriesKey:
        """Normalise case and whitespace, parse the timeframe, then validate."""
        return cls(venue.strip().lower(), symbol.strip().upper(), Timeframe.parse(timeframe))

    @property
    def symbol_dir(self) -> str:
        """The symbol as a directory name (``BTC/USDT`` → ``BTC-USDT``)."""
        return self.symbol.replace("/", "-").replace(":", "_")

    def __str__(self) -> str:
        return f"{self.venue}:{self.symbol}:{self.timeframe}"


__all__ = ["SeriesKey"]
