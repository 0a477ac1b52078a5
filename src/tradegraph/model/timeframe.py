"""Timeframe: the bar period of a series (``1m 5m 15m 1h 4h 1d 1w``)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from tradegraph.core.errors import ValidationError


class _Unit(Enum):
    MINUTE = ("m", 60, "min")
    HOUR = ("h", 3_600, "h")
    DAY = ("d", 86_400, "D")
    WEEK = ("w", 604_800, "W-MON")


_SUPPORTED = ("1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d", "1w")


@dataclass(frozen=True, slots=True, order=True)
class Timeframe:
    """A bar period. Ordered by length; ``str()`` gives the canonical code (``"4h"``).

    Weekly bars open on Monday 00:00 UTC (the crypto and TradingView convention).
    """

    seconds: int

    @classmethod
    def parse(cls, text: str | Timeframe) -> Timeframe:
        """Parse ``"1m" "5m" "15m" "1h" "4h" "1d" "1w"`` (and 3m/30m/2h/6h/8h/12h)."""
        if isinstance(text, Timeframe):
            return text
        code = str(text).strip().lower()
        aliases = {"1min": "1m", "60m": "1h", "1hour": "1h", "24h": "1d", "1day": "1d", "7d": "1w"}
        code = aliases.get(code, code)
        if code not in _SUPPORTED:
            raise ValidationError(
                f"Unknown timeframe {text!r}.",
                hint=f"Use one of: {', '.join(_SUPPORTED)}.",
            )
        unit = next(u for u in _Unit if u.value[0] == code[-1])
        return cls(int(code[:-1]) * unit.value[1])

    def __post_init__(self) -> None:
        if self.seconds <= 0:
            raise ValidationError(
                f"Timeframe seconds must be positive, got {self.seconds}.",
                hint="Use Timeframe.parse('1h') and friends.",
            )

    @property
    def code(self) -> str:
        for unit in (_Unit.WEEK, _Unit.DAY, _Unit.HOUR, _Unit.MINUTE):
            if self.seconds % unit.value[1] == 0:
                return f"{self.seconds // unit.value[1]}{unit.value[0]}"
        return f"{self.seconds}s"

    @property
    def nanoseconds(self) -> int:
        return self.seconds * 1_000_000_000

    @property
    def pandas_freq(self) -> str:
        """The pandas offset alias (``"15min"``, ``"4h"``, ``"1D"``, ``"1W-MON"``)."""
        for unit in (_Unit.WEEK, _Unit.DAY, _Unit.HOUR, _Unit.MINUTE):
            if self.seconds % unit.value[1] == 0:
                return f"{self.seconds // unit.value[1]}{unit.value[2]}"
        return f"{self.seconds}s"

    def divides(self, other: Timeframe) -> bool:
        """True when ``other`` is a whole multiple of this timeframe (resampling possible)."""
        return other.seconds % self.seconds == 0

    def __str__(self) -> str:
        return self.code


__all__ = ["Timeframe"]
