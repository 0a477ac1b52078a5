"""Market-data wiring: the concrete fetcher behind the ``OhlcvFetcher`` port."""

from __future__ import annotations

from tradegraph.adapters.market_data.ccxt import CcxtFetcherConfig, CcxtOhlcvFetcher
from tradegraph.data.sources.ports import OhlcvFetcher


def exchange_fetcher(exchange: str, *, api_base_url: str | None = None) -> OhlcvFetcher:
    """A ccxt-backed fetcher for ``exchange`` (optionally at another base URL)."""
    return CcxtOhlcvFetcher(
        CcxtFetcherConfig(exchange_id=exchange.strip().lower(), api_base_url=api_base_url)
    )


__all__ = ["exchange_fetcher"]
