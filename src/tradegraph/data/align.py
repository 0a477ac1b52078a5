"""Multi-timeframe alignment without look-ahead.

A higher-timeframe bar that opens at ``T`` closes at ``T + H``. On a base series it becomes
visible at the first base bar that opens at or after ``T + H`` and stays the visible value
until the next higher bar closes. Base rows before the first higher close get NaN.

So a decision taken on the base bar opening at ``t`` only ever sees higher bars that had
closed by ``t``; changing base bars after ``t`` can never change what row ``t`` sees.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from tradegraph.core.errors import ValidationError
from tradegraph.data.contract import OHLCV_COLUMNS, validate_ohlcv
from tradegraph.data.resample import check_resample_pair, resample_ohlcv
from tradegraph.model.timeframe import Timeframe


def align_to(
    base_index: pd.DatetimeIndex, higher: pd.DataFrame | pd.Series, higher_tf: Timeframe
) -> pd.DataFrame:
    """Values of ``higher`` (indexed by bar open time) as visible on each base bar.

    Works for any numeric columns (bars, indicators computed on the higher timeframe);
    the result is float64 and indexed by ``base_index``.
    """
    frame = higher.to_frame() if isinstance(higher, pd.Series) else higher
    if not isinstance(frame.index, pd.DatetimeIndex) or not frame.index.is_monotonic_increasing:
        raise ValidationError(
            "align_to needs a higher-timeframe frame with an increasing DatetimeIndex.",
            hint="Pass bars produced by resample_ohlcv or loaded from the catalog.",
        )
    base = pd.DatetimeIndex(base_index).as_unit("ns")
    visible_at = frame.index.as_unit("ns").asi8 + higher_tf.nanoseconds
    position = np.searchsorted(visible_at, base.asi8, side="right") - 1
    seen = position >= 0
    take = np.where(seen, position, 0)
    columns = {}
    for name in frame.columns:
        values = frame[name].to_numpy(dtype=np.float64, na_value=np.nan)
        aligned = values[take] if len(values) else np.full(len(base), np.nan)
        columns[name] = np.where(seen, aligned, np.nan)
    return pd.DataFrame(columns, index=base, columns=list(frame.columns), copy=False)


def multi_timeframe(
    base: pd.DataFrame, base_tf: Timeframe, higher: Sequence[Timeframe]
) -> pd.DataFrame:
    """The base bars plus, per higher timeframe, its complete bars aligned without look-ahead.

    Higher columns are named ``<column>_<timeframe>`` (``close_1h``, ``volume_1d``).
    """
    validate_ohlcv(base, what="base bars")
    parts = [base]
    for tf in higher:
        check_resample_pair(base_tf, tf)
        bars = resample_ohlcv(base, base_tf, tf).complete_bars()
        aligned = align_to(pd.DatetimeIndex(base.index), bars, tf)
        parts.append(aligned.rename(columns={c: f"{c}_{tf.code}" for c in OHLCV_COLUMNS}))
    return pd.concat(parts, axis=1)


__all__ = ["align_to", "multi_timeframe"]
