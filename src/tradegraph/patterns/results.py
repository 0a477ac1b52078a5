"""Typed results shared by the pattern detectors.

A detector answers, for every bar, *which way* (``direction``: int8 in {-1, 0, 1}) and *how
sure* (``confidence``: float64 in [0, 1], 0 where nothing was detected). Arrays are made
read-only so that a result can be shared between workflow nodes without defensive copies.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np
import numpy.typing as npt

from tradegraph.core.errors import ValidationError
from tradegraph.patterns.inputs import BoolArray, FloatArray, Int8Array


class Direction(IntEnum):
    """Which way a pattern points."""

    BEARISH = -1
    NEUTRAL = 0
    BULLISH = 1


def _readonly(arr: npt.NDArray[np.generic]) -> None:
    arr.flags.writeable = False


@dataclass(frozen=True, eq=False)
class PatternResult:
    """Per-bar direction and confidence of one pattern.

    ``confidence > 0`` marks a detection. A detection may be neutral (``direction == 0``),
    e.g. a doji read without context.
    """

    direction: Int8Array
    confidence: FloatArray

    def __post_init__(self) -> None:
        if self.direction.dtype != np.int8 or self.confidence.dtype != np.float64:
            raise ValidationError(
                f"PatternResult needs int8 direction and float64 confidence, got "
                f"{self.direction.dtype} and {self.confidence.dtype}.",
                hint="Build results with PatternResult.from_arrays().",
            )
        if self.direction.shape != self.confidence.shape or self.direction.ndim != 1:
            raise ValidationError(
                f"PatternResult arrays must be 1-D of one length, got shapes "
                f"{self.direction.shape} and {self.confidence.shape}.",
                hint="Build results with PatternResult.from_arrays().",
            )
        _readonly(self.direction)
        _readonly(self.confidence)

    @classmethod
    def from_arrays(
        cls, direction: npt.NDArray[np.generic], confidence: npt.NDArray[np.generic]
    ) -> PatternResult:
        """Normalise raw arrays: confidence clipped to [0, 1] (NaN → 0), direction to the
        int8 sign, and direction 0 wherever the confidence is 0."""
        conf = np.clip(np.nan_to_num(np.asarray(confidence, dtype=np.float64), nan=0.0), 0, 1)
        sign = np.sign(np.nan_to_num(np.asarray(direction, dtype=np.float64), nan=0.0))
        return cls(direction=np.where(conf > 0, sign, 0).astype(np.int8), confidence=conf)

    @classmethod
    def empty(cls, n: int) -> PatternResult:
        """No detection on any of ``n`` bars."""
        return cls(direction=np.zeros(n, np.int8), confidence=np.zeros(n, np.float64))

    def __len__(self) -> int:
        return len(self.direction)

    @property
    def detected(self) -> BoolArray:
        """Bars where the pattern was detected (``confidence > 0``)."""
        return self.confidence > 0

    @property
    def signal(self) -> FloatArray:
        """``direction × confidence`` in [-1, 1]: ready to use as a confluence component."""
        return self.direction.astype(np.float64) * self.confidence


__all__ = ["Direction", "PatternResult"]
