"""``VenueGateway``: an ``ExecutionClient`` behind a circuit breaker and read retries.

Every call goes through the venue's ``CircuitBreaker``; reads (``query_order``,
``open_orders``, ``fills``, ``positions``, ``balances``) are in addition retried with full
jitter by a ``ReadRetrier``, which stops early when the circuit is not closed. Writes
(``submit``, ``submit_oco``, ``cancel``, ``modify``) are called exactly once: their transport failures go
back to the OMS, which resolves them by querying.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal

from tradegraph.core.clock import Clock
from tradegraph.core.errors import ExecutionError
from tradegraph.execution.breaker import BreakerConfig, BreakerState, CircuitBreaker
from tradegraph.execution.ports import (
    Balance,
    Capabilities,
    ExecutionClient,
    OrderRequest,
    VenueOrder,
    VenuePosition,
)
from tradegraph.execution.retry import ReadRetrier, RetryPolicy
from tradegraph.model.fill import Fill


class VenueGateway:
    """The OMS's only way to a venue."""

    def __init__(
        self,
        client: ExecutionClient,
        clock: Clock,
        *,
        breaker: BreakerConfig | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self._client = client
        self._venue = client.venue
        self._breaker = CircuitBreaker(self._venue, clock, breaker)
        self._retrier = ReadRetrier(retry, sleep=sleep, rng=rng, retryable=self._may_retry)

    def _may_retry(self, _error: ExecutionError) -> bool:
        return self._breaker.state is BreakerState.CLOSED

    @property
    def client(self) -> ExecutionClient:
        return self._client

    @property
    def venue(self) -> str:
        return self._venue

    @property
    def capabilities(self) -> Capabilities:
        return self._client.capabilities

    @property
    def breaker(self) -> CircuitBreaker:
        return self._breaker

    @property
    def retrier(self) -> ReadRetrier:
        return self._retrier

    # --- writes: once, through the breaker -------------------------------------------------

    def submit(self, request: OrderRequest) -> VenueOrder:
        return self._breaker.call(lambda: self._client.submit(request))

    def submit_oco(self, stop: OrderRequest, target: OrderRequest) -> tuple[VenueOrder, VenueOrder]:
        return self._breaker.call(lambda: self._client.submit_oco(stop, target))

    def cancel(self, client_order_id: str, instrument_id: str) -> VenueOrder:
        return self._breaker.call(lambda: self._client.cancel(client_order_id, instrument_id))

    def modify(
        self,
        client_order_id: str,
        instrument_id: str,
        *,
        new_client_order_id: str,
        quantity: Decimal | None = None,
        price: Decimal | None = None,
    ) -> VenueOrder:
        return self._breaker.call(
            lambda: self._client.modify(
                client_order_id,
                instrument_id,
                new_client_order_id=new_client_order_id,
                quantity=quantity,
                price=price,
            )
        )

    # --- reads: retried, through the breaker ----------------------------------------------

    def query_order(self, client_order_id: str, instrument_id: str) -> VenueOrder | None:
        return self._retrier.read(
            "query_order",
            lambda: self._breaker.call(
                lambda: self._client.query_order(client_order_id, instrument_id)
            ),
        )

    def open_orders(self, instrument_id: str | None = None) -> Sequence[VenueOrder]:
        return self._retrier.read(
            "open_orders",
            lambda: self._breaker.call(lambda: self._client.open_orders(instrument_id)),
        )

    def fills(self, instrument_id: str, since: datetime | None = None) -> Sequence[Fill]:
        return self._retrier.read(
            "fills", lambda: self._breaker.call(lambda: self._client.fills(instrument_id, since))
        )

    def positions(self) -> Sequence[VenuePosition]:
        return self._retrier.read("positions", lambda: self._breaker.call(self._client.positions))

    def balances(self) -> Sequence[Balance]:
        return self._retrier.read("balances", lambda: self._breaker.call(self._client.balances))


__all__ = ["VenueGateway"]
