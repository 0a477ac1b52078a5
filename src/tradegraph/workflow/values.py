"""The values that flow along edges, and the one decision per bar a workflow outputs.

Per-bar values are numpy arrays (``series``: float64, ``signal``: bool, ``text``: object)
or frozen dataclasses of equal-length arrays (:class:`Bars`, :class:`Levels`,
:class:`RegimeSeries`, :class:`DecisionSeries`). A few generic helpers (``length``,
``tail``, ``mask``, ``fields_of``, ``rebuild``) let the batch and step evaluators treat
every type alike. :class:`Decision` is one bar's decision as a typed value.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd

from tradegraph.core.errors import ValidationError
from tradegraph.data.contract import OHLCV_COLUMNS, from_arrays, times_ns
from tradegraph.model.enums import Direction
from tradegraph.model.intent import Intent
from tradegraph.model.timeframe import Timeframe

FloatArray: TypeAlias = npt.NDArray[np.float64]
BoolArray: TypeAlias = npt.NDArray[np.bool_]
Int8Array: TypeAlias = npt.NDArray[np.int8]
IntArray: TypeAlias = npt.NDArray[np.int64]
ObjectArray: TypeAlias = npt.NDArray[np.object_]
AnyArray: TypeAlias = npt.NDArray[np.generic]


@dataclass(frozen=True, eq=False, slots=True)
class Bars:
    """OHLCV bars of one timeframe: open times (int64 ns, UTC) and five float64 columns."""

    timeframe: Timeframe
    time_ns: IntArray
    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    volume: FloatArray

    def __len__(self) -> int:
        return len(self.time_ns)

    def column(self, name: str) -> FloatArray:
        """One of ``open high low close volume``."""
        if name not in OHLCV_COLUMNS:
            raise ValidationError(
                f"Bars have no column {name!r}.", hint=f"Use one of {list(OHLCV_COLUMNS)}."
            )
        value: FloatArray = getattr(self, name)
        return value

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, timeframe: Timeframe) -> Bars:
        """Bars from an OHLCV frame (DatetimeIndex of open times; volume optional)."""
        missing = [c for c in ("open", "high", "low", "close") if c not in frame.columns]
        if missing:
            raise ValidationError(
                f"The bar frame lacks column(s) {missing}; it has {list(frame.columns)}.",
                hint="Pass an OHLCV frame (tradegraph.data.to_ohlcv builds one).",
            )
        n = len(frame)
        volume = (
            frame["volume"].to_numpy(dtype=np.float64)
            if "volume" in frame.columns
            else np.zeros(n, dtype=np.float64)
        )

        def col(name: str) -> FloatArray:
            return np.ascontiguousarray(frame[name].to_numpy(dtype=np.float64))

        return cls(
            timeframe,
            np.ascontiguousarray(times_ns(frame)),
            col("open"),
            col("high"),
            col("low"),
            col("close"),
            np.ascontiguousarray(volume),
        )

    def to_frame(self) -> pd.DataFrame:
        """The bars as a contract OHLCV frame (no copy of the columns)."""
        return from_arrays(self.time_ns, (self.open, self.high, self.low, self.close, self.volume))


@dataclass(frozen=True, eq=False, slots=True)
class Levels:
    """Nearest support (<= close) and resistance (> close) per bar; NaN where none."""

    support: FloatArray
    resistance: FloatArray


@dataclass(frozen=True, eq=False, slots=True)
class RegimeSeries:
    """Trend (−1 bear, 0 sideways, +1 bull) and volatility (0 low, 1 high) per bar."""

    trend: Int8Array
    volatility: Int8Array
    trend_score: FloatArray
    adx: FloatArray
    volatility_ratio: FloatArray
    valid: BoolArray


@dataclass(frozen=True, eq=False, slots=True)
class DecisionSeries:
    """The decision of every bar: direction (+1 long, −1 short, 0 none), exit flag,
    reference entry (the close), stop and target (NaN = none), confidence, reasoning.

    Entry, stop, target and confidence are meaningful only where ``direction != 0``
    (:meth:`at` ignores them elsewhere); arrays may be read-only broadcasts."""

    direction: Int8Array
    exit: BoolArray
    entry: FloatArray
    stop: FloatArray
    target: FloatArray
    confidence: FloatArray
    reasoning: ObjectArray

    def __len__(self) -> int:
        return len(self.direction)

    def at(self, bar: int, time_ns: int) -> Decision:
        """The typed decision of bar ``bar`` (whose open time is ``time_ns``)."""
        sign = int(self.direction[bar])
        text = self.reasoning[bar]
        return Decision(
            bar=bar,
            time_ns=time_ns,
            direction=Direction.LONG
            if sign > 0
            else Direction.SHORT
            if sign < 0
            else Direction.FLAT,
            exit=bool(self.exit[bar]),
            entry=_price(self.entry[bar]) if sign else None,
            stop=_price(self.stop[bar]) if sign else None,
            target=_price(self.target[bar]) if sign else None,
            confidence=float(self.confidence[bar]) if sign else 0.0,
            reasoning=str(text) if text is not None else "",
        )


def _price(value: np.float64) -> float | None:
    number = float(value)
    return number if math.isfinite(number) else None


Value: TypeAlias = AnyArray | Bars | Levels | RegimeSeries | DecisionSeries
Compound: TypeAlias = Bars | Levels | RegimeSeries | DecisionSeries


@dataclass(frozen=True, slots=True)
class Decision:
    """One bar's decision: what the workflow wants to do at that bar's close."""

    bar: int
    time_ns: int
    direction: Direction
    exit: bool
    entry: float | None
    stop: float | None
    target: float | None
    confidence: float
    reasoning: str

    @property
    def acts(self) -> bool:
        """True when the decision opens a position or exits one."""
        return self.direction is not Direction.FLAT or self.exit

    def to_intent(self, instrument_id: str) -> Intent | None:
        """The domain :class:`Intent` for an entry decision (None for flat bars)."""
        if self.direction is Direction.FLAT:
            return None
        time = pd.Timestamp(self.time_ns, unit="ns", tz="UTC").to_pydatetime()
        return Intent(
            instrument_id=instrument_id,
            direction=self.direction,
            time=time,
            confidence=self.confidence,
            entry=self.entry,
            stop=self.stop,
            target=self.target,
            reasoning=self.reasoning,
        )


def fields_of(value: Value) -> dict[str, AnyArray]:
    """The per-bar arrays of a value (``{"": array}`` for a plain array)."""
    if isinstance(value, np.ndarray):
        return {"": value}
    return {
        f.name: getattr(value, f.name)
        for f in dataclasses.fields(value)
        if isinstance(getattr(value, f.name), np.ndarray)
    }


def rebuild(template: Value, arrays: dict[str, AnyArray]) -> Value:
    """A value of ``template``'s kind made of ``arrays`` (as returned by ``fields_of``)."""
    if isinstance(template, np.ndarray):
        return arrays[""]
    changes: dict[str, Any] = dict(arrays)
    return dataclasses.replace(template, **changes)


def length(value: Value) -> int:
    """Number of bars of a value."""
    return len(next(iter(fields_of(value).values())))


def tail(value: Value, bars: int) -> Value:
    """The last ``bars`` bars of a value (all of it when shorter)."""
    if isinstance(value, np.ndarray):
        return value[-bars:]
    return rebuild(value, {k: a[-bars:] for k, a in fields_of(value).items()})


def absent_scalar(dtype: np.dtype[np.generic]) -> object:
    """What a gated-off bar holds: NaN, False, 0 or None by dtype."""
    if dtype.kind == "f":
        return np.nan
    if dtype.kind == "b":
        return False
    if dtype.kind in "iu":
        return 0
    return None


def mask(value: Value, keep: BoolArray) -> Value:
    """``value`` where ``keep`` is True, the absent value of each array elsewhere."""
    out = {}
    for name, arr in fields_of(value).items():
        masked = arr.copy()
        masked[~keep] = absent_scalar(arr.dtype)  # type: ignore[assignment]  # NaN/False/0/None
        out[name] = masked
    return rebuild(value, out)


def empty_text(n: int) -> ObjectArray:
    """A text series of ``n`` bars with no text (writable, filled with None)."""
    return np.empty(n, dtype=object)  # numpy fills object arrays with None


def constant(value: object, n: int, dtype: type | np.dtype[Any]) -> AnyArray:
    """``n`` bars of one value as a read-only broadcast (no memory per bar)."""
    return np.broadcast_to(np.array(value, dtype=dtype), (n,))


__all__ = [
    "AnyArray",
    "Bars",
    "BoolArray",
    "Compound",
    "Decision",
    "DecisionSeries",
    "FloatArray",
    "Int8Array",
    "IntArray",
    "Levels",
    "ObjectArray",
    "RegimeSeries",
    "Value",
    "absent_scalar",
    "constant",
    "empty_text",
    "fields_of",
    "length",
    "mask",
    "rebuild",
    "tail",
]
