"""Technical indicators (layer 2): pure, causal, vectorised functions over price arrays.

Inputs are numpy arrays, pandas Series or sequences (coerced to contiguous float64);
outputs are float64 numpy arrays (NamedTuples of them for multi-output indicators) with
NaN during warm-up. TA-Lib is used, and is the reference, wherever it has the indicator;
the rest (SuperTrend, VWAP, volume profile, Donchian/Keltner composition) are own numba or
numpy code. ``registry`` describes every indicator (inputs, params, outputs, warm-up) for
the workflow node library.

Boundary: imports only ``tradegraph.core`` (errors), numpy, pandas, TA-Lib and numba.
No I/O, no clock, no state between calls.
"""

from tradegraph.indicators.averages import ema, sma, wma
from tradegraph.indicators.channels import donchian, keltner
from tradegraph.indicators.momentum import cci, macd, mfi, rsi, stoch_fast, stoch_slow
from tradegraph.indicators.profile import VolumeProfile, volume_profile, volume_profile_range
from tradegraph.indicators.registry import REGISTRY, get_indicator, indicator_names
from tradegraph.indicators.results import (
    AdxResult,
    BollingerResult,
    ChannelResult,
    MacdResult,
    StochResult,
    SuperTrendResult,
    VolumeProfileResult,
)
from tradegraph.indicators.specs import IndicatorSpec, ParamSpec
from tradegraph.indicators.trend import adx, supertrend
from tradegraph.indicators.volatility import atr, bollinger, true_range
from tradegraph.indicators.volume import (
    obv,
    typical_price,
    vwap_anchored,
    vwap_rolling,
    vwap_session,
)

__all__ = [
    "REGISTRY",
    "AdxResult",
    "BollingerResult",
    "ChannelResult",
    "IndicatorSpec",
    "MacdResult",
    "ParamSpec",
    "StochResult",
    "SuperTrendResult",
    "VolumeProfile",
    "VolumeProfileResult",
    "adx",
    "atr",
    "bollinger",
    "cci",
    "donchian",
    "ema",
    "get_indicator",
    "indicator_names",
    "keltner",
    "macd",
    "mfi",
    "obv",
    "rsi",
    "sma",
    "stoch_fast",
    "stoch_slow",
    "supertrend",
    "true_range",
    "typical_price",
    "volume_profile",
    "volume_profile_range",
    "vwap_anchored",
    "vwap_rolling",
    "vwap_session",
    "wma",
]
