"""Building the ccxt exchange object a ``CcxtExecutionClient`` trades through.

``build_exchange(config)`` makes a ccxt instance for one market type (spot or USDⓈ-M
perpetuals) with options that keep start-up to the one ``exchangeInfo`` request of that
market type: no currency list (``fetchCurrencies``, a signed ``sapi`` call), no margin
pair lists (``fetchMargins``), only the requested market types. ``api_base_url``
re-points every REST URL at another host while keeping the paths, which is how tests run
the real ccxt client against ``tradegraph.testing.fake_binance_orders`` on 127.0.0.1.
Credentials are passed in by the caller (bootstrap reads them from settings).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import ccxt

from tradegraph.core.errors import ConfigurationError


class MarketType(StrEnum):
    """Which of a venue's markets a client trades."""

    SPOT = "spot"
    PERP = "perp"
    """Linear (USDⓈ-margined) perpetual swaps, ccxt symbols like ``BTC/USDT:USDT``."""


@dataclass(frozen=True, slots=True)
class CcxtExchangeConfig:
    """How to build the ccxt client of one venue account."""

    exchange_id: str = "binance"
    market_type: MarketType = MarketType.SPOT
    api_key: str = field(default="", repr=False)
    secret: str = field(default="", repr=False)
    api_base_url: str | None = None
    """Send every REST request to this scheme://host[:port] instead (tests, proxies)."""
    enable_rate_limit: bool = True
    """ccxt's own request spacing by the exchange's published rate limit."""
    timeout_ms: int = 10_000
    recv_window_ms: int | None = None


def _rebase(url: str, base: str) -> str:
    target, parts = urlsplit(base), urlsplit(url)
    path = target.path.rstrip("/") + parts.path
    return urlunsplit((target.scheme, target.netloc, path, parts.query, parts.fragment))


def _rebase_all(urls: Any, base: str) -> Any:
    if isinstance(urls, str):
        return _rebase(urls, base) if urls.startswith(("http://", "https://")) else urls
    if isinstance(urls, dict):
        return {key: _rebase_all(value, base) for key, value in urls.items()}
    return urls


def build_exchange(config: CcxtExchangeConfig) -> Any:
    """A ccxt exchange instance for ``config`` (markets are loaded on first use)."""
    exchange_class = getattr(ccxt, config.exchange_id, None)
    if exchange_class is None or not isinstance(exchange_class, type):
        raise ConfigurationError(
            f"Unknown exchange {config.exchange_id!r}.",
            hint="Use a ccxt exchange id such as binance, bybit or okx.",
        )
    perp = config.market_type is MarketType.PERP
    options: dict[str, object] = {
        "fetchCurrencies": False,
        "defaultType": "swap" if perp else "spot",
    }
    if config.exchange_id.startswith("binance"):  # these options' shapes are Binance's
        options["fetchMarkets"] = {"types": ["linear" if perp else "spot"]}
        options["fetchMargins"] = False
        if config.recv_window_ms is not None:
            options["recvWindow"] = config.recv_window_ms
    exchange: Any = exchange_class(
        {
            "apiKey": config.api_key,
            "secret": config.secret,
            "enableRateLimit": config.enable_rate_limit,
            "timeout": config.timeout_ms,
            "options": options,
        }
    )
    if config.api_base_url:
        exchange.urls["api"] = _rebase_all(exchange.urls["api"], config.api_base_url)
    return exchange


__all__ = ["CcxtExchangeConfig", "MarketType", "build_exchange"]
