"""Typed results of the multi-output indicators.

Each is a ``NamedTuple`` of float64 arrays: immutable, unpackable
(``line, signal, hist = macd(close)``) and addressable by field name.
"""

from __future__ import annotations

from typing import NamedTuple

from tradegraph.indicators.inputs import FloatArray


class MacdResult(NamedTuple):
    """MACD line (fast EMA − slow EMA), its signal EMA and the histogram (line − signal)."""

    line: FloatArray
    signal: FloatArray
    hist: FloatArray


class BollingerResult(NamedTuple):
    """Bollinger Bands: SMA ± ``nbdev`` population standard deviations."""

    upper: FloatArray
    middle: FloatArray
    lower: FloatArray


class AdxResult(NamedTuple):
    """Wilder's Average Directional Index with the +DI and −DI lines."""

    adx: FloatArray
    plus_di: FloatArray
    minus_di: FloatArray


class StochResult(NamedTuple):
    """Stochastic oscillator %K and its moving average %D."""

    k: FloatArray
    d: FloatArray


class ChannelResult(NamedTuple):
    """A price channel (Donchian, Keltner): upper, middle and lower lines."""

    upper: FloatArray
    middle: FloatArray
    lower: FloatArray


class SuperTrendResult(NamedTuple):
    """SuperTrend line and direction (+1.0 up-trend, −1.0 down-trend, NaN in warm-up)."""

    line: FloatArray
    direction: FloatArray


class VolumeProfileResult(NamedTuple):
    """Per-bar point of control and value-area high/low of a rolling volume profile."""

    poc: FloatArray
    vah: FloatArray
    val: FloatArray


__all__ = [
    "AdxResult",
    "BollingerResult",
    "ChannelResult",
    "MacdResult",
    "StochResult",
    "SuperTrendResult",
    "VolumeProfileResult",
]
