"""Signal (something asked for a trade) and Intent (a decision engine's trade idea).

Decision to order is code: an Intent goes through risk sizing and checks before any order
exists. An Intent never carries a quantity; risk decides that.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from tradegraph.core.errors import ValidationError
from tradegraph.model.enums import Direction


@dataclass(frozen=True, slots=True)
class Signal:
    """An external or internal request to act (a TradingView alert, a workflow output).

    ``dedupe_key`` makes ingestion idempotent: the same key is accepted once.
    """

    signal_id: str
    source: str
    instrument_id: str
    time: datetime
    action: Direction
    dedupe_key: str
    payload: Mapping[str, str | float | int | bool | None] = field(
        default_factory=lambda: MappingProxyType({})
    )

    def __post_init__(self) -> None:
        if not self.dedupe_key:
            raise ValidationError(
                f"Signal {self.signal_id!r} needs a dedupe_key.",
                hint="Derive one with content_id(source, instrument, time, action).",
            )
        object.__setattr__(self, "payload", MappingProxyType(dict(self.payload)))


@dataclass(frozen=True, slots=True)
class Intent:
    """A trade idea: direction, optional entry/stop/target prices, confidence and why."""

    instrument_id: str
    direction: Direction
    time: datetime
    confidence: float = 1.0
    entry: float | None = None
    stop: float | None = None
    target: float | None = None
    reasoning: str = ""

    def __post_init__(self) -> None:
        where = f"Intent {self.direction.value} {self.instrument_id}"
        if not 0.0 <= self.confidence <= 1.0 or math.isnan(self.confidence):
            raise ValidationError(
                f"{where}: confidence must be in [0, 1], got {self.confidence}.",
                hint="Clamp the model's score to [0, 1].",
            )
        for name in ("entry", "stop", "target"):
            value = getattr(self, name)
            if value is not None and (not math.isfinite(value) or value <= 0):
                raise ValidationError(
                    f"{where}: {name} must be a positive price, got {value}.",
                    hint=f"Leave {name}=None when there is no {name}.",
                )
        if self.direction is Direction.FLAT:
            return
        sign = self.direction.sign
        if (
            self.entry is not None
            and self.stop is not None
            and (self.entry - self.stop) * sign <= 0
        ):
            raise ValidationError(
                f"{where}: stop {self.stop} is on the wrong side of entry {self.entry}.",
                hint="A long stop is below entry; a short stop is above it.",
            )
        if (
            self.entry is not None
            and self.target is not None
            and ((self.target - self.entry) * sign <= 0)
        ):
            raise ValidationError(
                f"{where}: target {self.target} is on the wrong side of entry {self.entry}.",
                hint="A long target is above entry; a short target is below it.",
            )

    @property
    def reward_risk(self) -> float | None:
        """Reward-to-risk (R) of the target vs the stop, when all three prices are set."""
        if self.entry is None or self.stop is None or self.target is None:
            return None
        return abs(self.target - self.entry) / abs(self.entry - self.stop)


__all__ = ["Intent", "Signal"]
