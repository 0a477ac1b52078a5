"""Candlestick patterns: pin bar, hammer / shooting star, engulfing, doji, inside bar and
morning / evening star.

Recognition uses TA-Lib's CDL functions where they exist (hammer, shooting star, engulfing,
doji, morning and evening star); pin bar and inside bar have no TA-Lib equivalent and are
computed here. TA-Lib's candle definitions compare each bar with averages of the bars
*before* it, so every detector is causal: the output at bar t depends on bars <= t only.

Confidence is a documented shape score in [0, 1] (see each function); detections whose
score is below the config's ``min_confidence`` are dropped. The scores are computed by
fused numba kernels (``_candle_kernels``), one pass per pattern.
"""

from __future__ import annotations

from dataclasses import dataclass

import talib

from tradegraph.core.errors import ValidationError
from tradegraph.patterns import _candle_kernels as k
from tradegraph.patterns.inputs import ArrayLike, FloatArray, Int8Array, ohlc
from tradegraph.patterns.params import DetectorConfig, param
from tradegraph.patterns.results import PatternResult

_MIN_CONF_DOC = "Detections with a lower confidence are dropped."


@dataclass(frozen=True)
class PinBarConfig(DetectorConfig):
    """A pin bar: one long wick (the 'pin'), a small body and a short opposite wick."""

    min_wick_ratio: float = param(0.6, gt=0, le=1, doc="Long wick / range at least this.")
    max_body_ratio: float = param(0.3, ge=0, lt=1, doc="Body / range at most this.")
    max_nose_ratio: float = param(0.2, ge=0, lt=1, doc="Opposite wick / range at most this.")
    min_confidence: float = param(0.0, ge=0, le=1, doc=_MIN_CONF_DOC)

    def check(self) -> None:
        if self.min_wick_ratio <= self.max_nose_ratio:
            raise ValidationError(
                f"PinBarConfig.min_wick_ratio ({self.min_wick_ratio}) must exceed "
                f"max_nose_ratio ({self.max_nose_ratio}), or one bar could be both a "
                "bullish and a bearish pin.",
                hint="For example min_wick_ratio=0.6, max_nose_ratio=0.2.",
            )


@dataclass(frozen=True)
class HammerConfig(DetectorConfig):
    """TA-Lib hammer (bullish) and shooting star (bearish)."""

    min_confidence: float = param(0.0, ge=0, le=1, doc=_MIN_CONF_DOC)


@dataclass(frozen=True)
class EngulfingConfig(DetectorConfig):
    """TA-Lib engulfing: a body of the opposite colour engulfs the previous body."""

    min_confidence: float = param(0.0, ge=0, le=1, doc=_MIN_CONF_DOC)


@dataclass(frozen=True)
class DojiConfig(DetectorConfig):
    """TA-Lib doji, read as a reversal warning against the preceding move."""

    trend_lookback: int = param(
        5, ge=0, le=1000, doc="Bars of prior move that set the direction; 0 = neutral doji."
    )
    min_confidence: float = param(0.0, ge=0, le=1, doc=_MIN_CONF_DOC)


@dataclass(frozen=True)
class InsideBarConfig(DetectorConfig):
    """A bar whose range lies inside the previous ('mother') bar's range."""

    strict: bool = param(True, doc="Require strictly lower high and higher low.")
    min_confidence: float = param(0.0, ge=0, le=1, doc=_MIN_CONF_DOC)


@dataclass(frozen=True)
class StarConfig(DetectorConfig):
    """TA-Lib morning star (bullish) and evening star (bearish)."""

    penetration: float = param(
        0.3, ge=0, le=1, doc="Third body must close this far into the first body."
    )
    min_confidence: float = param(0.0, ge=0, le=1, doc=_MIN_CONF_DOC)


def _result(out: tuple[Int8Array, FloatArray]) -> PatternResult:
    return PatternResult(direction=out[0], confidence=out[1])


def pin_bar(
    open_: ArrayLike,
    high: ArrayLike,
    low: ArrayLike,
    close: ArrayLike,
    config: PinBarConfig = PinBarConfig(),
) -> PatternResult:
    """Pin bars: +1 for a long lower wick (bullish), -1 for a long upper wick.

    Conditions (as shares of the bar's range): long wick ``>= min_wick_ratio``, body
    ``<= max_body_ratio``, opposite wick ``<= max_nose_ratio``. Confidence = the long
    wick's share of the range.
    """
    o, h, lo, c = ohlc(open_, high, low, close)
    cfg = config
    return _result(
        k.pin_bar_kernel(
            o,
            h,
            lo,
            c,
            cfg.min_wick_ratio,
            cfg.max_body_ratio,
            cfg.max_nose_ratio,
            cfg.min_confidence,
        )
    )


def hammer_shooting_star(
    open_: ArrayLike,
    high: ArrayLike,
    low: ArrayLike,
    close: ArrayLike,
    config: HammerConfig = HammerConfig(),
) -> PatternResult:
    """TA-Lib ``CDLHAMMER`` (+1) and ``CDLSHOOTINGSTAR`` (-1).

    Confidence = the long shadow's share of the range (lower for a hammer, upper for a
    shooting star).
    """
    o, h, lo, c = ohlc(open_, high, low, close)
    bull = talib.CDLHAMMER(o, h, lo, c)
    bear = talib.CDLSHOOTINGSTAR(o, h, lo, c)
    return _result(k.shadow_kernel(o, h, lo, c, bull, bear, config.min_confidence))


def engulfing(
    open_: ArrayLike,
    high: ArrayLike,
    low: ArrayLike,
    close: ArrayLike,
    config: EngulfingConfig = EngulfingConfig(),
) -> PatternResult:
    """TA-Lib ``CDLENGULFING``: +1 bullish, -1 bearish.

    Confidence = ``s × (1 − 0.5 × previous body / engulfing body)`` where ``s`` is 1 for a
    strict engulfing and 0.8 when an end of the bodies is equal (TA-Lib's ±80).
    """
    o, h, lo, c = ohlc(open_, high, low, close)
    raw = talib.CDLENGULFING(o, h, lo, c)
    return _result(k.engulfing_kernel(o, c, raw, config.min_confidence))


def doji(
    open_: ArrayLike,
    high: ArrayLike,
    low: ArrayLike,
    close: ArrayLike,
    config: DojiConfig = DojiConfig(),
) -> PatternResult:
    """TA-Lib ``CDLDOJI``, directed against the move of the ``trend_lookback`` bars before it.

    Direction = ``−sign(close[t−1] − close[t−1−trend_lookback])`` (0 when the lookback is
    0 or not yet available: a neutral detection). Confidence = ``1 − body / range``
    (1 for a four-price doji).
    """
    o, h, lo, c = ohlc(open_, high, low, close)
    found = talib.CDLDOJI(o, h, lo, c)
    return _result(k.doji_kernel(o, h, lo, c, found, config.trend_lookback, config.min_confidence))


def inside_bar(
    open_: ArrayLike,
    high: ArrayLike,
    low: ArrayLike,
    close: ArrayLike,
    config: InsideBarConfig = InsideBarConfig(),
) -> PatternResult:
    """Inside bars, read as continuation of the mother bar: direction = colour of bar t−1.

    Confidence = ``1 − range / mother range`` (tighter compression, higher confidence). A
    detection on a doji mother bar is neutral (direction 0).
    """
    o, h, lo, c = ohlc(open_, high, low, close)
    return _result(k.inside_bar_kernel(o, h, lo, c, config.strict, config.min_confidence))


def morning_evening_star(
    open_: ArrayLike,
    high: ArrayLike,
    low: ArrayLike,
    close: ArrayLike,
    config: StarConfig = StarConfig(),
) -> PatternResult:
    """TA-Lib ``CDLMORNINGSTAR`` (+1) and ``CDLEVENINGSTAR`` (−1), flagged on the third bar.

    Confidence = how far the third close recovers into the first body, as a fraction of
    that body, capped at 1 (e.g. a morning star closing at the first bar's open scores 1).
    """
    o, h, lo, c = ohlc(open_, high, low, close)
    pen = config.penetration
    bull = talib.CDLMORNINGSTAR(o, h, lo, c, penetration=pen)
    bear = talib.CDLEVENINGSTAR(o, h, lo, c, penetration=pen)
    return _result(k.star_kernel(o, c, bull, bear, config.min_confidence))


__all__ = [
    "DojiConfig",
    "EngulfingConfig",
    "HammerConfig",
    "InsideBarConfig",
    "PinBarConfig",
    "StarConfig",
    "doji",
    "engulfing",
    "hammer_shooting_star",
    "inside_bar",
    "morning_evening_star",
    "pin_bar",
]
