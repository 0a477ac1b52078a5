"""Bar sources behind one port (``OhlcvSource``): files, the synthetic market, downloads.

Boundary: pure data code (numpy, pandas, pyarrow). Remote venues are reached only through
the ``OhlcvFetcher`` port defined here; its implementations (ccxt) live in
``tradegraph.adapters.market_data``.
"""

from tradegraph.data.sources.download import (
    Downloader,
    DownloadRequest,
    DownloadSource,
    RetryPolicy,
)
from tradegraph.data.sources.files import FileSource, ImportedFile, read_ohlcv_file
from tradegraph.data.sources.layouts import Layout, detect_layout
from tradegraph.data.sources.ports import OhlcvFetcher, OhlcvSource, RateLimitedError, RawBar
from tradegraph.data.sources.synthetic import (
    Regime,
    SyntheticConfig,
    SyntheticMarket,
    SyntheticSource,
    generate_market,
    generate_ohlcv,
    synthetic_ohlcv,
)

__all__ = [
    "DownloadRequest",
    "DownloadSource",
    "Downloader",
    "FileSource",
    "ImportedFile",
    "Layout",
    "OhlcvFetcher",
    "OhlcvSource",
    "RateLimitedError",
    "RawBar",
    "Regime",
    "RetryPolicy",
    "SyntheticConfig",
    "SyntheticMarket",
    "SyntheticSource",
    "detect_layout",
    "generate_market",
    "generate_ohlcv",
    "read_ohlcv_file",
    "synthetic_ohlcv",
]
