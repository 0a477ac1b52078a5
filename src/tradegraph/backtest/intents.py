"""Intents: what the strategy wants, bar by bar, as arrays computed on each bar's close.

Every field is optional. Boolean fields default to "never"; price fields to NaN ("none").
A field may be a scalar (same value on every bar), a 1-D array (one instrument), or a
2-D ``(bars, instruments)`` array. pandas Series/DataFrames are accepted.

- ``entry_long`` / ``entry_short``: open a position in that direction (reversing an
  opposite one) - see ``Direction`` for what each mode does with them.
- ``exit``: close the open position (ignored in ``Direction.REVERSE``).
- ``stop_loss`` / ``take_profit``: absolute prices attached to the entry made from
  this bar's signal.
- ``trailing``: trailing-stop distance in price units attached to the entry.
- ``size``: per-entry override of ``BacktestConfig.size`` (its meaning follows sizing).
- ``limit`` / ``stop_entry``: make the entry a limit, stop or stop-limit order instead
  of a market order.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import numpy.typing as npt

from tradegraph.core.errors import ValidationError

Bool2D = npt.NDArray[np.bool_]
IntentValue = object  # scalar, sequence, numpy array, pandas Series or DataFrame

_BOOL_FIELDS = ("entry_long", "entry_short", "exit")
_FLOAT_FIELDS = ("stop_loss", "take_profit", "trailing", "size", "limit", "stop_entry")
_FALSE = np.zeros((1, 1), dtype=np.bool_)
_NAN = np.full((1, 1), np.nan)


@dataclass(frozen=True, slots=True, kw_only=True)
class Intents:
    """Per-bar trading intents (see the module docstring)."""

    entry_long: IntentValue = None
    entry_short: IntentValue = None
    exit: IntentValue = None
    stop_loss: IntentValue = None
    take_profit: IntentValue = None
    trailing: IntentValue = None
    size: IntentValue = None
    limit: IntentValue = None
    stop_entry: IntentValue = None

    def fields_set(self) -> tuple[str, ...]:
        return tuple(f.name for f in fields(self) if getattr(self, f.name) is not None)

    def to_kernel(self, bars: int, instruments: int) -> tuple[npt.NDArray[np.generic], ...]:
        """The nine intent arrays in kernel order, each 2-D C-contiguous and either
        ``(bars, instruments)``, ``(bars, 1)``, ``(1, instruments)`` or ``(1, 1)``."""
        if not any(getattr(self, name) is not None for name in ("entry_long", "entry_short")):
            raise ValidationError(
                "Intents has no entry signal, so the backtest would never trade.",
                hint="Set entry_long and/or entry_short (boolean arrays, one per bar).",
            )
        out = [_convert(n, getattr(self, n), bars, instruments, boolean=True) for n in _BOOL_FIELDS]
        out.extend(
            _convert(n, getattr(self, n), bars, instruments, boolean=False) for n in _FLOAT_FIELDS
        )
        return tuple(out)


def _convert(
    name: str, value: object, bars: int, instruments: int, *, boolean: bool
) -> npt.NDArray[np.generic]:
    if value is None:
        return _FALSE if boolean else _NAN
    raw = value.to_numpy() if hasattr(value, "to_numpy") else value
    try:
        arr = np.asarray(raw, dtype=np.float64 if not boolean else None)
    except (TypeError, ValueError) as exc:
        raise ValidationError(
            f"Intents.{name} could not be read as a numeric array: {exc}.",
            hint="Pass a numpy array, a pandas Series/DataFrame or a scalar.",
        ) from exc
    if boolean and arr.dtype != np.bool_:
        if arr.dtype.kind not in "iuf":
            raise ValidationError(
                f"Intents.{name} must be boolean, got dtype {arr.dtype}.",
                hint="Use comparisons such as fast > slow to build signals.",
            )
        arr = np.nan_to_num(arr.astype(np.float64), nan=0.0) != 0.0
    if arr.ndim == 0:
        arr = arr.reshape(1, 1)
    elif arr.ndim == 1:
        arr = arr.reshape(-1, 1) if arr.shape[0] == bars or instruments == 1 else arr.reshape(1, -1)
    if arr.ndim != 2:
        raise ValidationError(
            f"Intents.{name} has {arr.ndim} dimensions.",
            hint="Use 1-D (one instrument) or 2-D (bars x instruments) arrays.",
        )
    rows, cols = arr.shape
    if rows not in (1, bars) or cols not in (1, instruments):
        raise ValidationError(
            f"Intents.{name} has shape {arr.shape} but the market has {bars} bars x "
            f"{instruments} instrument(s).",
            hint="Compute intents on the same bars as the market data (one row per bar).",
        )
    if not boolean and name in ("trailing", "size"):
        finite = arr[np.isfinite(arr)]
        if finite.size and (finite <= 0).any():
            raise ValidationError(
                f"Intents.{name} has zero or negative values.",
                hint="Use NaN where there is no value; distances and sizes are positive.",
            )
    return np.ascontiguousarray(arr, dtype=np.bool_ if boolean else np.float64)


__all__ = ["Intents"]
