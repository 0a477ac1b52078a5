"""Market data (layer 2): the OHLCV frame contract, quality checks, sources, the Parquet
catalog, resampling and multi-timeframe alignment.

Boundary: imports only ``tradegraph.core``, ``tradegraph.model`` and numpy/pandas/pyarrow.
No network code: remote venues are reached through the ``OhlcvFetcher`` port whose
implementations live in ``tradegraph.adapters.market_data``. No settings: callers pass
paths, clocks and configs explicitly.
"""

from tradegraph.data.align import align_to, multi_timeframe
from tradegraph.data.catalog import AppendResult, Catalog, SeriesInfo
from tradegraph.data.contract import (
    OHLCV_COLUMNS,
    empty_ohlcv,
    is_ohlcv,
    normalize_ohlcv,
    to_ohlcv,
    validate_ohlcv,
)
from tradegraph.data.keys import SeriesKey
from tradegraph.data.quality import (
    IssueKind,
    QualityConfig,
    QualityIssue,
    QualityReport,
    Severity,
    check_quality,
)
from tradegraph.data.resample import Resampled, resample_ohlcv
from tradegraph.data.sources import (
    OhlcvFetcher,
    OhlcvSource,
    SyntheticConfig,
    generate_ohlcv,
    read_ohlcv_file,
    synthetic_ohlcv,
)

__all__ = [
    "OHLCV_COLUMNS",
    "AppendResult",
    "Catalog",
    "IssueKind",
    "OhlcvFetcher",
    "OhlcvSource",
    "QualityConfig",
    "QualityIssue",
    "QualityReport",
    "Resampled",
    "SeriesInfo",
    "SeriesKey",
    "Severity",
    "SyntheticConfig",
    "align_to",
    "check_quality",
    "empty_ohlcv",
    "generate_ohlcv",
    "is_ohlcv",
    "multi_timeframe",
    "normalize_ohlcv",
    "read_ohlcv_file",
    "resample_ohlcv",
    "synthetic_ohlcv",
    "to_ohlcv",
    "validate_ohlcv",
]
