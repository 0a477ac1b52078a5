"""``OhlcvFetcher`` over ccxt: one ``fetch_ohlcv`` call per page.

ccxt's own throttle (``enableRateLimit``) spaces requests by the exchange's published rate
limit; ccxt's errors are mapped onto the port's contract: rate-limit answers become
``RateLimitedError`` (carrying the server's ``Retry-After``), network failures, 5xx and
maintenance become ``VenueUnavailableError`` (retried by the downloader), an unknown
symbol becomes ``DataNotFoundError`` and anything else a permanent ``DataError``.

``api_base_url`` re-points every REST URL of the exchange at another host while keeping
the paths (``https://api.binance.com/api/v3`` → ``http://127.0.0.1:8123/api/v3``): that is
how tests run the real ccxt client against ``tradegraph.testing.FakeBinance``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit, urlunsplit

import ccxt

from tradegraph.core.errors import (
    ConfigurationError,
    DataError,
    DataNotFoundError,
    VenueUnavailableError,
)
from tradegraph.data.sources.ports import RateLimitedError, RawBar
from tradegraph.model.timeframe import Timeframe

_DEFAULT_PAGE: Final = 1000
_PAGE_SIZES: Final[Mapping[str, int]] = {"binance": 1000, "binanceus": 1000, "bybit": 1000}


@dataclass(frozen=True, slots=True)
class CcxtFetcherConfig:
    """How to build the ccxt client."""

    exchange_id: str = "binance"
    api_base_url: str | None = None
    """Send every REST request to this scheme://host[:port] instead (tests, proxies)."""
    enable_rate_limit: bool = True
    rate_limit_ms: int | None = None
    """Minimum milliseconds between requests; the exchange's published value when None."""
    timeout_ms: int = 10_000
    market_types: tuple[str, ...] = ("spot",)
    """Market types ccxt loads (binance family only); spot keeps start-up to one request."""
    page_size: int | None = None


def _rebase(url: str, base: str) -> str:
    target = urlsplit(base)
    parts = urlsplit(url)
    path = target.path.rstrip("/") + parts.path
    return urlunsplit((target.scheme, target.netloc, path, parts.query, parts.fragment))


def _rebase_all(urls: Any, base: str) -> Any:
    if isinstance(urls, str):
        return _rebase(urls, base) if urls.startswith(("http://", "https://")) else urls
    if isinstance(urls, dict):
        return {key: _rebase_all(value, base) for key, value in urls.items()}
    return urls


class CcxtOhlcvFetcher:
    """Fetches bar pages from any ccxt exchange (the ``OhlcvFetcher`` port)."""

    def __init__(self, config: CcxtFetcherConfig | None = None) -> None:
        self.config = config or CcxtFetcherConfig()
        exchange_class = getattr(ccxt, self.config.exchange_id, None)
        if exchange_class is None or not isinstance(exchange_class, type):
            raise ConfigurationError(
                f"Unknown exchange {self.config.exchange_id!r}.",
                hint="Use a ccxt exchange id such as binance, kraken, bybit or coinbase.",
            )
        exchange_options: dict[str, object] = {"fetchCurrencies": False}
        if self.config.exchange_id.startswith("binance"):  # the option's shape is per exchange
            exchange_options["fetchMarkets"] = {"types": list(self.config.market_types)}
        options: dict[str, object] = {
            "enableRateLimit": self.config.enable_rate_limit,
            "timeout": self.config.timeout_ms,
            "options": exchange_options,
        }
        if self.config.rate_limit_ms is not None:
            options["rateLimit"] = self.config.rate_limit_ms
        self.exchange: Any = exchange_class(options)
        if not self.exchange.has.get("fetchOHLCV"):
            raise ConfigurationError(
                f"{self.config.exchange_id} does not offer OHLCV history through ccxt.",
                hint="Pick another exchange, or import the bars from a CSV file.",
            )
        if self.config.api_base_url:
            self.exchange.urls["api"] = _rebase_all(
                self.exchange.urls["api"], self.config.api_base_url
            )

    @property
    def venue(self) -> str:
        return str(self.config.exchange_id)

    @property
    def max_page_size(self) -> int:
        if self.config.page_size is not None:
            return self.config.page_size
        return _PAGE_SIZES.get(self.config.exchange_id, _DEFAULT_PAGE)

    def fetch_ohlcv(
        self, symbol: str, timeframe: Timeframe, since_ms: int, limit: int
    ) -> list[RawBar]:
        try:
            if not self.exchange.markets:
                self.exchange.load_markets()
            rows = self.exchange.fetch_ohlcv(symbol, timeframe.code, since=since_ms, limit=limit)
        except (ccxt.RateLimitExceeded, ccxt.DDoSProtection) as exc:
            raise RateLimitedError(
                f"{self.venue} rate-limited the request: {exc}",
                retry_after=self._retry_after(),
                hint="Wait and retry; lower the request rate.",
            ) from exc
        except ccxt.NetworkError as exc:
            raise VenueUnavailableError(
                f"{self.venue} is unavailable: {type(exc).__name__}: {exc}",
                hint="Check the network and the exchange status; retry later.",
            ) from exc
        except ccxt.BadSymbol as exc:
            raise DataNotFoundError(
                f"{self.venue} has no market {symbol!r}: {exc}",
                hint="Use the exchange's unified symbol, e.g. BTC/USDT.",
            ) from exc
        except ccxt.BaseError as exc:
            raise DataError(
                f"{self.venue} refused the {symbol} {timeframe} request: "
                f"{type(exc).__name__}: {exc}",
                hint="Check the symbol, the timeframe and the start date.",
            ) from exc
        return [list(row) for row in rows]

    def _retry_after(self) -> float | None:
        headers = self.exchange.last_response_headers or {}
        value = headers.get("Retry-After") or headers.get("retry-after")
        try:
            return float(value) if value is not None else None
        except ValueError:
            return None


__all__ = ["CcxtFetcherConfig", "CcxtOhlcvFetcher"]
