"""The indicator registry: every series indicator by name, with its typed spec.

The workflow node library exposes each entry as a node: ``inputs`` become input ports
(columns of an OHLCV frame), ``params`` become node parameters (defaults and bounds
mirror the Python functions exactly; a test checks it), ``outputs`` become output ports
and ``warmup`` tells the planner how many bars of history each node needs.
"""

from __future__ import annotations

from types import MappingProxyType

from tradegraph.core.errors import NotFoundError
from tradegraph.indicators.averages import ema, sma, wma
from tradegraph.indicators.channels import donchian, keltner
from tradegraph.indicators.momentum import cci, macd, mfi, rsi, stoch_fast, stoch_slow
from tradegraph.indicators.profile import volume_profile
from tradegraph.indicators.specs import (
    IndicatorSpec,
    InputColumn,
    LessThan,
    ParamSpec,
    ResolvedParams,
    WarmupFunction,
    did_you_mean,
    p_int,
)
from tradegraph.indicators.trend import adx, supertrend
from tradegraph.indicators.volatility import atr, bollinger, true_range
from tradegraph.indicators.volume import obv, vwap_anchored, vwap_rolling, vwap_session

_SESSIONS = ("1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d", "1w")
_HLC: tuple[InputColumn, ...] = ("high", "low", "close")
_HLCV: tuple[InputColumn, ...] = ("high", "low", "close", "volume")


def _int(name: str, default: int | None, minimum: int, description: str) -> ParamSpec:
    return ParamSpec(name, "int", default, description, minimum=float(minimum))


def _period(default: int | None, minimum: int = 1, what: str = "bars averaged") -> ParamSpec:
    return _int("period", default, minimum, f"lookback length ({what})")


def _first_minus_one(name: str) -> WarmupFunction:
    def warmup(params: ResolvedParams) -> int:
        return p_int(params, name) - 1

    return warmup


def _same_as(name: str) -> WarmupFunction:
    def warmup(params: ResolvedParams) -> int:
        return p_int(params, name)

    return warmup


def _macd_warmup(params: ResolvedParams) -> int:
    return p_int(params, "slow") - 1 + p_int(params, "signal") - 1


def _stoch_fast_warmup(params: ResolvedParams) -> int:
    return p_int(params, "k_period") - 1 + p_int(params, "d_period") - 1


def _stoch_slow_warmup(params: ResolvedParams) -> int:
    return (
        p_int(params, "k_period")
        - 1
        + p_int(params, "k_smooth")
        - 1
        + p_int(params, "d_period")
        - 1
    )


def _adx_warmup(params: ResolvedParams) -> int:
    return 2 * p_int(params, "period") - 1


def _keltner_warmup(params: ResolvedParams) -> int:
    return max(p_int(params, "period") - 1, p_int(params, "atr_period"))


def _zero(_params: ResolvedParams) -> int:
    return 0


def _one(_params: ResolvedParams) -> int:
    return 1


_SPECS: tuple[IndicatorSpec, ...] = (
    IndicatorSpec(
        name="sma",
        title="Simple moving average",
        category="average",
        function=sma,
        inputs=("close",),
        params=(_period(None),),
        outputs=("value",),
        warmup=_first_minus_one("period"),
        description="Arithmetic mean of the last `period` closes.",
    ),
    IndicatorSpec(
        name="ema",
        title="Exponential moving average",
        category="average",
        function=ema,
        inputs=("close",),
        params=(_period(None),),
        outputs=("value",),
        warmup=_first_minus_one("period"),
        description="EMA with alpha = 2/(period+1), seeded by the SMA of the first `period` closes.",
    ),
    IndicatorSpec(
        name="wma",
        title="Weighted moving average",
        category="average",
        function=wma,
        inputs=("close",),
        params=(_period(None),),
        outputs=("value",),
        warmup=_first_minus_one("period"),
        description="Linearly weighted mean, newest bar heaviest.",
    ),
    IndicatorSpec(
        name="rsi",
        title="Relative Strength Index",
        category="momentum",
        function=rsi,
        inputs=("close",),
        params=(_period(14, 2),),
        outputs=("value",),
        warmup=_same_as("period"),
        description="Wilder's RSI, 0..100.",
    ),
    IndicatorSpec(
        name="macd",
        title="MACD",
        category="momentum",
        function=macd,
        inputs=("close",),
        params=(
            _int("fast", 12, 2, "fast EMA length (must be < slow)"),
            _int("slow", 26, 3, "slow EMA length (must be > fast)"),
            _int("signal", 9, 1, "signal EMA length"),
        ),
        outputs=("line", "signal", "hist"),
        warmup=_macd_warmup,
        description="Fast EMA minus slow EMA, its signal EMA and the histogram.",
        relations=(LessThan("fast", "slow"),),
    ),
    IndicatorSpec(
        name="bollinger",
        title="Bollinger Bands",
        category="volatility",
        function=bollinger,
        inputs=("close",),
        params=(
            _period(20, 2),
            ParamSpec("nbdev", "float", 2.0, "band width in standard deviations", minimum=0.0),
        ),
        outputs=("upper", "middle", "lower"),
        warmup=_first_minus_one("period"),
        description="SMA ± nbdev population standard deviations.",
    ),
    IndicatorSpec(
        name="true_range",
        title="True range",
        category="volatility",
        function=true_range,
        inputs=_HLC,
        params=(),
        outputs=("value",),
        warmup=_one,
        description="max(high, previous close) − min(low, previous close).",
    ),
    IndicatorSpec(
        name="atr",
        title="Average True Range",
        category="volatility",
        function=atr,
        inputs=_HLC,
        params=(_period(14),),
        outputs=("value",),
        warmup=_same_as("period"),
        description="Wilder's smoothed true range.",
    ),
    IndicatorSpec(
        name="supertrend",
        title="SuperTrend",
        category="trend",
        function=supertrend,
        inputs=_HLC,
        params=(
            _period(10, what="ATR length"),
            ParamSpec(
                "multiplier",
                "float",
                3.0,
                "ATR multiple of the bands",
                minimum=0.0,
                exclusive_minimum=True,
            ),
        ),
        outputs=("line", "direction"),
        warmup=_same_as("period"),
        description="Trailing ATR band that flips with the trend; direction +1 up, −1 down.",
    ),
    IndicatorSpec(
        name="stoch_fast",
        title="Fast stochastic",
        category="momentum",
        function=stoch_fast,
        inputs=_HLC,
        params=(
            _int("k_period", 14, 1, "%K lookback"),
            _int("d_period", 3, 1, "%D smoothing (SMA)"),
        ),
        outputs=("k", "d"),
        warmup=_stoch_fast_warmup,
        description="Raw %K and its SMA %D, 0..100.",
    ),
    IndicatorSpec(
        name="stoch_slow",
        title="Slow stochastic",
        category="momentum",
        function=stoch_slow,
        inputs=_HLC,
        params=(
            _int("k_period", 14, 1, "raw %K lookback"),
            _int("k_smooth", 3, 1, "%K smoothing (SMA)"),
            _int("d_period", 3, 1, "%D smoothing (SMA)"),
        ),
        outputs=("k", "d"),
        warmup=_stoch_slow_warmup,
        description="Smoothed %K and its SMA %D, 0..100.",
    ),
    IndicatorSpec(
        name="cci",
        title="Commodity Channel Index",
        category="momentum",
        function=cci,
        inputs=_HLC,
        params=(_period(20, 2),),
        outputs=("value",),
        warmup=_first_minus_one("period"),
        description="(typical price − its SMA) / (0.015 × mean absolute deviation).",
    ),
    IndicatorSpec(
        name="mfi",
        title="Money Flow Index",
        category="volume",
        function=mfi,
        inputs=_HLCV,
        params=(_period(14, 2),),
        outputs=("value",),
        warmup=_same_as("period"),
        description="Volume-weighted RSI of the typical price, 0..100.",
    ),
    IndicatorSpec(
        name="adx",
        title="Average Directional Index",
        category="trend",
        function=adx,
        inputs=_HLC,
        params=(_period(14, 2),),
        outputs=("adx", "plus_di", "minus_di"),
        warmup=_adx_warmup,
        description="Wilder's ADX with +DI and −DI.",
    ),
    IndicatorSpec(
        name="obv",
        title="On-Balance Volume",
        category="volume",
        function=obv,
        inputs=("close", "volume"),
        params=(),
        outputs=("value",),
        warmup=_zero,
        description="Running sum of volume signed by the close-to-close change.",
    ),
    IndicatorSpec(
        name="vwap_session",
        title="Session VWAP",
        category="volume",
        function=vwap_session,
        inputs=(*_HLCV, "timestamp"),
        params=(
            ParamSpec("session", "str", "1d", "session length (UTC periods)", choices=_SESSIONS),
            ParamSpec("offset_ns", "int", 0, "session start offset in nanoseconds"),
        ),
        outputs=("value",),
        warmup=_zero,
        description="Volume-weighted typical price, restarting every session.",
    ),
    IndicatorSpec(
        name="vwap_rolling",
        title="Rolling VWAP",
        category="volume",
        function=vwap_rolling,
        inputs=_HLCV,
        params=(_int("window", None, 1, "bars in the window"),),
        outputs=("value",),
        warmup=_first_minus_one("window"),
        description="Volume-weighted typical price of the last `window` bars.",
    ),
    IndicatorSpec(
        name="vwap_anchored",
        title="Anchored VWAP",
        category="volume",
        function=vwap_anchored,
        inputs=_HLCV,
        params=(_int("anchor_index", None, 0, "bar index the VWAP starts from"),),
        outputs=("value",),
        warmup=_same_as("anchor_index"),
        description="Volume-weighted typical price since the anchor bar.",
    ),
    IndicatorSpec(
        name="volume_profile",
        title="Volume profile",
        category="volume",
        function=volume_profile,
        inputs=_HLCV,
        params=(
            _int("window", None, 1, "bars in the rolling profile"),
            _int("bins", 24, 1, "price rows"),
            ParamSpec(
                "value_area",
                "float",
                0.7,
                "share of volume in the value area",
                minimum=0.0,
                maximum=1.0,
                exclusive_minimum=True,
            ),
            ParamSpec(
                "distribution",
                "str",
                "range",
                "how a bar's volume is placed",
                choices=("range", "close", "typical"),
            ),
        ),
        outputs=("poc", "vah", "val"),
        warmup=_first_minus_one("window"),
        description="Point of control and value-area high/low of the last `window` bars.",
    ),
    IndicatorSpec(
        name="donchian",
        title="Donchian channel",
        category="channel",
        function=donchian,
        inputs=("high", "low"),
        params=(_period(20),),
        outputs=("upper", "middle", "lower"),
        warmup=_first_minus_one("period"),
        description="Highest high and lowest low of the last `period` bars and their mean.",
    ),
    IndicatorSpec(
        name="keltner",
        title="Keltner channel",
        category="channel",
        function=keltner,
        inputs=_HLC,
        params=(
            _period(20, what="EMA length"),
            ParamSpec("multiplier", "float", 2.0, "ATR multiple of the bands", minimum=0.0),
            _int("atr_period", 10, 1, "ATR length"),
        ),
        outputs=("upper", "middle", "lower"),
        warmup=_keltner_warmup,
        description="EMA(close) ± multiplier × ATR.",
    ),
)

REGISTRY: MappingProxyType[str, IndicatorSpec] = MappingProxyType(
    {spec.name: spec for spec in _SPECS}
)


def get_indicator(name: str) -> IndicatorSpec:
    """The spec registered as ``name``; unknown names raise with the closest match."""
    if name not in REGISTRY:
        raise NotFoundError(
            f"No indicator named {name!r}.", hint=did_you_mean(name, sorted(REGISTRY))
        )
    return REGISTRY[name]


def indicator_names() -> tuple[str, ...]:
    """Registered indicator names, in registry order."""
    return tuple(REGISTRY)


__all__ = ["REGISTRY", "get_indicator", "indicator_names"]
