"""Crypto venues through ccxt: ``CcxtExecutionClient`` (spot and USDⓈ-M perps).

``exchange.build_exchange`` makes the ccxt object (credentials, base URL, market type);
``client.CcxtExecutionClient`` implements ``tradegraph.execution.ports.ExecutionClient``
over it; ``errors`` decides what a ccxt failure means for an order (executed, not
executed, unknown); ``validation`` checks orders against the venue's filters before
sending; ``mapping`` turns ccxt structures into ``VenueOrder``/``Fill``/``Balance``
values. ccxt is imported nowhere else in execution.
"""

from tradegraph.adapters.brokers.ccxt.client import (
    PERP_CAPABILITIES,
    SPOT_CAPABILITIES,
    CcxtExecutionClient,
)
from tradegraph.adapters.brokers.ccxt.exchange import (
    CcxtExchangeConfig,
    MarketType,
    build_exchange,
)

__all__ = [
    "PERP_CAPABILITIES",
    "SPOT_CAPABILITIES",
    "CcxtExchangeConfig",
    "CcxtExecutionClient",
    "MarketType",
    "build_exchange",
]
