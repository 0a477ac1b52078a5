"""Bars from crypto exchanges through ccxt (the only place ccxt is imported for data)."""

from tradegraph.adapters.market_data.ccxt.fetcher import CcxtFetcherConfig, CcxtOhlcvFetcher

__all__ = ["CcxtFetcherConfig", "CcxtOhlcvFetcher"]
