"""Fixtures for execution integration tests.

``binance_*``: a local fake Binance (spot ``/api/v3`` and USDⓈ-M ``/fapi``) on 127.0.0.1
with order endpoints, a ``TestClock`` as exchange time, funded accounts, one spot and one
perp market, and the real ccxt client pointed at it through ``CcxtExecutionClient``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from tradegraph.adapters.brokers.ccxt import (
    CcxtExchangeConfig,
    CcxtExecutionClient,
    MarketType,
    build_exchange,
)
from tradegraph.core.clock import TestClock
from tradegraph.model.enums import AssetClass
from tradegraph.model.instrument import Instrument
from tradegraph.testing.fake_binance_orders import FakeBinanceDriver, FakeBinanceTrading
from tradegraph.testing.fake_exchange import FakeBinance

BINANCE_API_KEY = "fake-api-key"
BINANCE_START = datetime(2024, 3, 1, tzinfo=UTC)
BINANCE_SPOT_PRICE = Decimal("50000.00")
BINANCE_PERP_PRICE = Decimal("50010.0")


@pytest.fixture
def binance_clock() -> TestClock:
    return TestClock(BINANCE_START)


@pytest.fixture
def binance_server(binance_clock: TestClock) -> Iterator[FakeBinance]:
    with FakeBinance(clock=binance_clock) as server:
        yield server


@pytest.fixture
def binance_trading(binance_server: FakeBinance) -> FakeBinanceTrading:
    """Spot BTC/USDT (tick 0.01, lot 0.00001, min notional 5) and perp BTC/USDT:USDT
    (tick 0.1, lot 0.001, min notional 100); 100k USDT + 1 BTC spot, 100k USDT margin."""
    trading = FakeBinanceTrading(binance_server, api_key=BINANCE_API_KEY)
    trading.add_market("BTC/USDT")
    trading.add_market(
        "BTC/USDT:USDT",
        tick_size=Decimal("0.1"),
        step_size=Decimal("0.001"),
        min_qty=Decimal("0.001"),
        max_qty=Decimal("1000"),
        min_notional=Decimal("100"),
    )
    trading.deposit("USDT", Decimal("100000"))
    trading.deposit("BTC", Decimal("1"))
    trading.deposit("USDT", Decimal("100000"), perp=True)
    return trading


@pytest.fixture
def binance_spot_instrument() -> Instrument:
    return Instrument(
        symbol="BTC/USDT",
        venue="binance",
        asset_class=AssetClass.CRYPTO_SPOT,
        tick_size=Decimal("0.01"),
        lot_size=Decimal("0.00001"),
        quote_currency="USDT",
        min_notional=Decimal("5"),
        base_currency="BTC",
    )


@pytest.fixture
def binance_perp_instrument() -> Instrument:
    return Instrument(
        symbol="BTC/USDT:USDT",
        venue="binance",
        asset_class=AssetClass.CRYPTO_PERP,
        tick_size=Decimal("0.1"),
        lot_size=Decimal("0.001"),
        quote_currency="USDT",
        min_notional=Decimal("100"),
        base_currency="BTC",
    )


@pytest.fixture
def binance_exchange_factory(
    binance_server: FakeBinance,
) -> Callable[[MarketType], object]:
    """A fresh real ccxt ``binance`` object pointed at the fake server."""

    def build(market_type: MarketType) -> object:
        config = CcxtExchangeConfig(
            market_type=market_type,
            api_key=BINANCE_API_KEY,
            secret="fake-secret",
            api_base_url=binance_server.base_url,
            enable_rate_limit=False,
            timeout_ms=5_000,
        )
        return build_exchange(config)

    return build


@pytest.fixture
def binance_spot_client(
    binance_trading: FakeBinanceTrading,
    binance_exchange_factory: Callable[[MarketType], object],
    binance_spot_instrument: Instrument,
    binance_clock: TestClock,
) -> CcxtExecutionClient:
    binance_trading.set_price("BTC/USDT", BINANCE_SPOT_PRICE)
    return CcxtExecutionClient(
        binance_exchange_factory(MarketType.SPOT),
        [binance_spot_instrument],
        binance_clock,
        market_type=MarketType.SPOT,
    )


@pytest.fixture
def binance_perp_client(
    binance_trading: FakeBinanceTrading,
    binance_exchange_factory: Callable[[MarketType], object],
    binance_perp_instrument: Instrument,
    binance_clock: TestClock,
) -> CcxtExecutionClient:
    binance_trading.set_price("BTC/USDT:USDT", BINANCE_PERP_PRICE)
    return CcxtExecutionClient(
        binance_exchange_factory(MarketType.PERP),
        [binance_perp_instrument],
        binance_clock,
        market_type=MarketType.PERP,
    )


@pytest.fixture
def binance_driver(
    binance_trading: FakeBinanceTrading,
    binance_clock: TestClock,
    binance_spot_instrument: Instrument,
    binance_perp_instrument: Instrument,
) -> FakeBinanceDriver:
    return FakeBinanceDriver(
        binance_trading,
        binance_clock,
        {i.id: i.symbol for i in (binance_spot_instrument, binance_perp_instrument)},
        {
            binance_spot_instrument.id: BINANCE_SPOT_PRICE,
            binance_perp_instrument.id: BINANCE_PERP_PRICE,
        },
    )
