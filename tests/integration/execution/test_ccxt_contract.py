"""``CcxtExecutionClient`` passes the ``ExecutionClient`` conformance suite, spot and perps,
with the real ccxt ``binance`` client talking HTTP to the local fake Binance."""

from __future__ import annotations

import pytest

from tradegraph.adapters.brokers.ccxt import CcxtExecutionClient
from tradegraph.model.instrument import Instrument
from tradegraph.testing.execution_contract import ExecutionClientContract
from tradegraph.testing.fake_binance_orders import FakeBinanceDriver


class TestCcxtSpotContract(ExecutionClientContract):
    @pytest.fixture
    def client(self, binance_spot_client: CcxtExecutionClient) -> CcxtExecutionClient:
        return binance_spot_client

    @pytest.fixture
    def instrument(self, binance_spot_instrument: Instrument) -> Instrument:
        return binance_spot_instrument

    @pytest.fixture
    def market(self, binance_driver: FakeBinanceDriver) -> FakeBinanceDriver:
        return binance_driver


class TestCcxtPerpContract(ExecutionClientContract):
    @pytest.fixture
    def client(self, binance_perp_client: CcxtExecutionClient) -> CcxtExecutionClient:
        return binance_perp_client

    @pytest.fixture
    def instrument(self, binance_perp_instrument: Instrument) -> Instrument:
        return binance_perp_instrument

    @pytest.fixture
    def market(self, binance_driver: FakeBinanceDriver) -> FakeBinanceDriver:
        return binance_driver
