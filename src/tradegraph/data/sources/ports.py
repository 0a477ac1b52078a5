"""Ports of the data sources.

- ``OhlcvSource``: anything that yields the bars of one series as contract frames, in time
  order (a file, the synthetic generator, a paginated download). The market-data service
  stores what a source yields in the catalog.
- ``OhlcvFetcher``: one page of bars from a remote venue. The ccxt adapter implements it;
  the download algorithm (pagination, retries, resume) is written once against it.

A fetcher signals a *transient* failure (network error, 5xx, maintenance) by raising
``VenueUnavailableError`` and a rate limit by raising ``RateLimitedError`` (with the
server's ``Retry-After`` when it sent one). Every other ``TradegraphError`` is permanent
(an unknown symbol, a bad request) and is not retried.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol, runtime_checkable

import pandas as pd

from tradegraph.core.errors import VenueUnavailableError
from tradegraph.model.timeframe import Timeframe

#: One raw bar: ``[open time in epoch ms, open, high, low, close, volume]``.
RawBar = Sequence[float]


class RateLimitedError(VenueUnavailableError):
    """The venue refused a request because of its rate limit (HTTP 418/429)."""

    code = "execution.venue_unavailable.rate_limited"

    def __init__(self, message: str, *, retry_after: float | None = None, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.retry_after = retry_after


@runtime_checkable
class OhlcvSource(Protocol):
    """A finite source of bars for one series."""

    def frames(self) -> Iterator[pd.DataFrame]:
        """Contract frames in increasing, non-overlapping time order."""
        ...


@runtime_checkable
class OhlcvFetcher(Protocol):
    """Fetches one page of bars from a venue."""

    @property
    def venue(self) -> str:
        """Catalog venue name of the bars (``binance``)."""
        ...

    @property
    def max_page_size(self) -> int:
        """The most bars one request may ask for."""
        ...

    def fetch_ohlcv(
        self, symbol: str, timeframe: Timeframe, since_ms: int, limit: int
    ) -> list[RawBar]:
        """Bars opening at or after ``since_ms``, oldest first, at most ``limit`` of them.

        An empty list means the venue has no bars at or after ``since_ms``.
        """
        ...


__all__ = ["OhlcvFetcher", "OhlcvSource", "RateLimitedError", "RawBar"]
