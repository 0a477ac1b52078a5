"""``CcxtExecutionClient``: the ``ExecutionClient`` port over a ccxt exchange (spot or perps).

- Client ids pass through unchanged (ccxt ``clientOrderId`` → Binance ``newClientOrderId``
  on submit, ``origClientOrderId`` on query/cancel); nothing here invents ids.
- Instruments map to ccxt symbols by ``Instrument.symbol`` (``BTC/USDT``; perps
  ``BTC/USDT:USDT``). Before sending, an order is checked against the venue's market
  (tick size, lot size, amount/price limits, min notional, supported type and time in
  force, client id length): a breach is a REJECTED ``VenueOrder`` with the reason and no
  request is sent. Nothing is rounded silently (ccxt itself would round to precision).
- Failures map by ``errors.classify``: a request that may have executed raises
  ``OrderStateUnknownError`` (submit, cancel); one that certainly did not raises
  ``VenueUnavailableError`` (``RateLimitedError`` with ``retry_after`` for 418/429, which
  Binance answers before executing); a definitive venue refusal of a submit is a REJECTED
  snapshot; a duplicate open client id answers with the open order's snapshot. Reads
  never retry: a failed read raises ``VenueUnavailableError`` (the OMS retries with
  jitter); an unknown order is ``None`` from ``query_order``.
- ``cancel`` of an order the venue reports unknown (Binance ``-2011`` also covers orders
  that already closed) queries it: a closed order's snapshot comes back unchanged, a
  never-seen one raises ``NotFoundError``. ``modify`` is cancel + new order.
- Binance's trade list names the venue order id only; the client maps it to the client
  id from the orders it has seen, else by fetching the order once. ``fills(since=...)``
  pages through every trade from ``since`` (Binance: first page by time, then by trade id;
  perps walk 7-day windows); ``fills()`` without ``since`` is the venue's latest page only
  (Binance: 1000 trades). Fill trade ids are ``"<symbol>#<venue trade id>"`` because
  Binance numbers trades per market.
- Reusing a client id is not guarded here: Binance accepts an id again once the first
  order with it has closed, so a blind re-send after an ambiguous submit can create a
  second order. The OMS prevents that by resolving with ``query_order`` first.
- ``submit_oco`` (spot only: Binance ``POST /api/v3/orderList/oco``, see ``oco``) places a
  stop + target pair as one order list with both client ids; failures map as for
  ``submit`` (a refusal is two REJECTED snapshots). Perps have no native OCO here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from functools import partial
from typing import Any, Final, TypeVar

import ccxt

from tradegraph.adapters.brokers.ccxt import mapping, oco
from tradegraph.adapters.brokers.ccxt.errors import Outcome, classify, venue_message
from tradegraph.adapters.brokers.ccxt.exchange import MarketType
from tradegraph.adapters.brokers.ccxt.validation import check_request
from tradegraph.core.clock import Clock
from tradegraph.core.errors import (
    ConfigurationError,
    ExecutionError,
    NotFoundError,
    OrderRejectedError,
    OrderStateUnknownError,
    TradegraphError,
    VenueUnavailableError,
)
from tradegraph.data.sources.ports import RateLimitedError
from tradegraph.execution.ports import (
    Balance,
    Capabilities,
    OrderRequest,
    VenueOrder,
    VenuePosition,
)
from tradegraph.model.enums import OrderType, TimeInForce
from tradegraph.model.fill import Fill
from tradegraph.model.instrument import Instrument
from tradegraph.model.order import OrderStatus

T = TypeVar("T")
_TRADE_PAGE: Final = 1000
_PERP_TRADE_WINDOW_MS: Final = 7 * 86_400_000  # Binance futures: endTime - startTime <= 7d
_MAPPING_ERRORS = (TradegraphError, KeyError, ValueError, TypeError)

SPOT_CAPABILITIES: Final = Capabilities(
    order_types=frozenset(
        {OrderType.MARKET, OrderType.LIMIT, OrderType.STOP, OrderType.STOP_LIMIT}
    ),
    time_in_force=frozenset({TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK}),
    native_oco=True,
    reduce_only=False,
    native_modify=False,
    reports_positions=False,
    client_order_id_max_length=36,
)
PERP_CAPABILITIES: Final = Capabilities(
    order_types=frozenset({OrderType.MARKET, OrderType.LIMIT}),
    time_in_force=frozenset({TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK}),
    native_oco=False,
    reduce_only=True,
    native_modify=False,
    reports_positions=True,
    client_order_id_max_length=36,
)


def _replacement_quantity(original: VenueOrder) -> Decimal:
    remaining = original.remaining_quantity
    return remaining if remaining > 0 else original.quantity


def _time_in_force(value: object) -> TimeInForce:
    text = str(value or "GTC").lower()
    try:
        return TimeInForce(text)
    except ValueError:
        return TimeInForce.GTC


class CcxtExecutionClient:
    """One venue account's spot or perp market through ccxt (see the module docstring)."""

    def __init__(
        self,
        exchange: Any,
        instruments: Iterable[Instrument],
        clock: Clock,
        *,
        venue: str = "binance",
        market_type: MarketType = MarketType.SPOT,
    ) -> None:
        self._exchange = exchange
        self._clock = clock
        self._venue = venue
        self._market_type = MarketType(market_type)
        self._instruments: dict[str, Instrument] = {}
        for instrument in instruments:
            if instrument.venue != venue:
                raise ConfigurationError(
                    f"Instrument {instrument.id} is on venue {instrument.venue!r}, not {venue!r}.",
                    hint="Give each CcxtExecutionClient only its own venue's instruments.",
                )
            perp = ":" in instrument.symbol
            if perp != (self._market_type is MarketType.PERP):
                raise ConfigurationError(
                    f"Instrument {instrument.id} does not belong to a {self._market_type} client.",
                    hint="Perp symbols look like 'BTC/USDT:USDT', spot ones like 'BTC/USDT'.",
                )
            self._instruments[instrument.id] = instrument
        self._by_symbol = {i.symbol: i for i in self._instruments.values()}
        self._client_ids: dict[tuple[str, str], str] = {}
        perp = self._market_type is MarketType.PERP
        self._capabilities = PERP_CAPABILITIES if perp else SPOT_CAPABILITIES

    # -- identity --------------------------------------------------------------------
    @property
    def venue(self) -> str:
        return self._venue

    @property
    def capabilities(self) -> Capabilities:
        return self._capabilities

    @property
    def exchange(self) -> Any:
        """The underlying ccxt exchange (for diagnostics)."""
        return self._exchange

    # -- writes ----------------------------------------------------------------------
    def submit(self, request: OrderRequest) -> VenueOrder:
        instrument = self._instruments.get(request.instrument_id)
        if instrument is None:
            return self._rejected(
                request, f"{request.instrument_id} is not traded through this {self._venue} client"
            )
        symbol = instrument.symbol
        market = self._market(symbol)
        if market is None:
            return self._rejected(request, f"{self._venue} does not list {symbol}")
        reason = check_request(request, market, self._exchange, self._capabilities)
        if reason:
            return self._rejected(request, reason)
        kind = "market" if request.order_type in (OrderType.MARKET, OrderType.STOP) else "limit"
        params: dict[str, object] = {"clientOrderId": request.client_order_id}
        if kind == "limit":
            params["timeInForce"] = request.time_in_force.value.upper()
        if request.stop_price is not None and request.order_type.needs_stop_price:
            params["triggerPrice"] = float(request.stop_price)
        if request.reduce_only and self._capabilities.reduce_only:
            params["reduceOnly"] = True
        price = float(request.price) if request.order_type.needs_price and request.price else None
        try:
            raw = self._exchange.create_order(
                symbol, kind, request.side.value, float(request.quantity), price, params
            )
        except ccxt.BaseError as exc:
            return self._submit_failed(request, exc)
        try:
            return self._snapshot(raw, instrument, request.client_order_id)
        except _MAPPING_ERRORS as exc:
            raise OrderStateUnknownError(
                f"{self._venue} accepted order {request.client_order_id!r} but its answer "
                f"could not be read: {exc}",
                hint="Resolve with query_order(client_order_id); never re-send blindly.",
            ) from exc

    def submit_oco(self, stop: OrderRequest, target: OrderRequest) -> tuple[VenueOrder, VenueOrder]:
        if not self._capabilities.native_oco:
            raise ConfigurationError(
                f"{self._venue} {self._market_type} has no native OCO order lists.",
                hint="Check capabilities.native_oco; the OMS emulates OCO on this market.",
            )
        problem = oco.check_pair(stop, target)
        if problem:
            raise ConfigurationError(
                f"Cannot place an OCO pair: {problem}.",
                hint="Pass a STOP leg and a LIMIT leg of one bracket.",
            )
        instrument = self._instruments.get(stop.instrument_id)
        market = None if instrument is None else self._market(instrument.symbol)
        if instrument is None or market is None:
            why = f"{stop.instrument_id} is not traded through this {self._venue} client"
            return self._rejected(stop, why), self._rejected(target, why)
        for leg in (stop, target):
            reason = check_request(leg, market, self._exchange, self._capabilities)
            if reason:
                why = f"OCO leg {leg.client_order_id!r}: {reason}"
                return self._rejected(stop, why), self._rejected(target, why)
        try:
            raw = self._exchange.privatePostOrderListOco(oco.oco_params(stop, target, market))
        except ccxt.BaseError as exc:
            return self._oco_failed(stop, target, exc)
        try:
            reports = oco.leg_reports(raw)
            legs = tuple(
                self._snapshot(self._exchange.parse_order(reports[leg.client_order_id], market),
                               instrument, leg.client_order_id)
                for leg in (stop, target)
            )  # fmt: skip
        except _MAPPING_ERRORS as exc:
            raise OrderStateUnknownError(
                f"{self._venue} accepted the OCO pair {stop.client_order_id!r}/"
                f"{target.client_order_id!r} but its answer could not be read: {exc}",
                hint="Resolve each leg with query_order(client_order_id); never re-send blindly.",
            ) from exc
        return legs[0], legs[1]

    def _oco_failed(
        self, stop: OrderRequest, target: OrderRequest, exc: BaseException
    ) -> tuple[VenueOrder, VenueOrder]:
        outcome = classify(exc)
        if outcome is Outcome.DUPLICATE:
            found = [self.query_order(leg.client_order_id, leg.instrument_id)
                     for leg in (stop, target)]  # fmt: skip
            if found[0] is None or found[1] is None:
                raise OrderStateUnknownError(
                    f"{self._venue} reported the OCO pair {stop.client_order_id!r}/"
                    f"{target.client_order_id!r} as a duplicate but does not return both legs.",
                    hint="Query each leg later with query_order(client_order_id).",
                ) from exc
            return found[0], found[1]
        if outcome in (Outcome.REJECTED, Outcome.NOT_FOUND):
            why = f"{type(exc).__name__}: {venue_message(exc)}"
            return self._rejected(stop, why), self._rejected(target, why)
        what = f"OCO submit of {stop.client_order_id!r}/{target.client_order_id!r}"
        raise self._transport_error(what, exc, outcome, write=True) from exc

    def _submit_failed(self, request: OrderRequest, exc: BaseException) -> VenueOrder:
        outcome = classify(exc)
        coid = request.client_order_id
        if outcome is Outcome.DUPLICATE:
            existing = self.query_order(coid, request.instrument_id)
            if existing is None:
                raise OrderStateUnknownError(
                    f"{self._venue} reported client id {coid!r} as a duplicate but does not "
                    "return the order.",
                    hint="Query again later with query_order(client_order_id).",
                ) from exc
            return existing
        if outcome in (Outcome.REJECTED, Outcome.NOT_FOUND):
            return self._rejected(request, f"{type(exc).__name__}: {venue_message(exc)}")
        raise self._transport_error(f"submit of order {coid!r}", exc, outcome, write=True) from exc

    def cancel(self, client_order_id: str, instrument_id: str) -> VenueOrder:
        instrument = self._instrument(instrument_id)
        self._market(instrument.symbol)  # a failure here is a read: nothing was sent
        try:
            raw = self._exchange.cancel_order(
                client_order_id, instrument.symbol, {"clientOrderId": client_order_id}
            )
        except ccxt.BaseError as exc:
            outcome = classify(exc)
            if outcome is Outcome.NOT_FOUND:
                existing = self.query_order(client_order_id, instrument_id)
                if existing is None:
                    raise NotFoundError(
                        f"{self._venue} does not know order {client_order_id!r} on "
                        f"{instrument.symbol}.",
                        hint="Check the client order id; it was never placed at the venue.",
                    ) from exc
                return existing
            if outcome in (Outcome.REJECTED, Outcome.DUPLICATE):
                raise OrderRejectedError(
                    f"{self._venue} refused to cancel {client_order_id!r}: {venue_message(exc)}",
                    hint="Query the order; it may already be closing.",
                ) from exc
            raise self._transport_error(
                f"cancel of order {client_order_id!r}", exc, outcome, write=True
            ) from exc
        try:
            return self._snapshot(raw, instrument, client_order_id)
        except _MAPPING_ERRORS as exc:
            raise OrderStateUnknownError(
                f"{self._venue} answered the cancel of {client_order_id!r} unreadably: {exc}",
                hint="Resolve with query_order(client_order_id).",
            ) from exc

    def modify(
        self,
        client_order_id: str,
        instrument_id: str,
        *,
        new_client_order_id: str,
        quantity: Decimal | None = None,
        price: Decimal | None = None,
    ) -> VenueOrder:
        """Cancel, then place the replacement (this venue does not amend in place).

        The replacement keeps side, type, stop price, time in force and reduce-only; its
        quantity defaults to what the original had left. When the original has already
        closed (filled or canceled), nothing is sent and the replacement is REJECTED."""
        instrument = self._instrument(instrument_id)
        raw = self._read(
            f"order {client_order_id!r}",
            lambda: self._fetch_order(client_order_id, instrument.symbol),
        )
        if raw is None:
            raise NotFoundError(
                f"{self._venue} does not know order {client_order_id!r}.",
                hint="Only orders the venue has can be modified.",
            )
        canceled = self.cancel(client_order_id, instrument_id)
        request = OrderRequest(
            client_order_id=new_client_order_id,
            instrument_id=instrument_id,
            side=canceled.side,
            order_type=canceled.order_type,
            quantity=quantity if quantity is not None else _replacement_quantity(canceled),
            price=price if price is not None else canceled.price,
            stop_price=canceled.stop_price,
            time_in_force=_time_in_force(raw.get("timeInForce")),
            reduce_only=bool(raw.get("reduceOnly")),
        )
        if canceled.status is not OrderStatus.CANCELED:
            return self._rejected(
                request,
                f"original order {client_order_id!r} is {canceled.status.value}; "
                "nothing to replace",
            )
        return self.submit(request)

    # -- reads -----------------------------------------------------------------------
    def query_order(self, client_order_id: str, instrument_id: str) -> VenueOrder | None:
        instrument = self._instrument(instrument_id)
        raw = self._read(
            f"order {client_order_id!r}",
            lambda: self._fetch_order(client_order_id, instrument.symbol),
        )
        if raw is None:
            return None
        return self._snapshot(raw, instrument, client_order_id)

    def _fetch_order(self, client_order_id: str, symbol: str) -> Mapping[str, Any] | None:
        try:
            raw: Mapping[str, Any] = self._exchange.fetch_order(
                client_order_id, symbol, {"clientOrderId": client_order_id}
            )
        except ccxt.BaseError as exc:
            if classify(exc) is Outcome.NOT_FOUND:
                return None
            raise
        return raw

    def open_orders(self, instrument_id: str | None = None) -> Sequence[VenueOrder]:
        instruments = (
            [self._instrument(instrument_id)]
            if instrument_id is not None
            else list(self._instruments.values())
        )
        result: list[VenueOrder] = []
        for instrument in instruments:
            symbol = instrument.symbol
            rows: list[Mapping[str, Any]] = self._read(
                f"open orders of {symbol}", partial(self._exchange.fetch_open_orders, symbol)
            )
            result.extend(
                self._snapshot(raw, instrument, str(raw.get("clientOrderId"))) for raw in rows
            )
        return result

    def fills(self, instrument_id: str, since: datetime | None = None) -> Sequence[Fill]:
        instrument = self._instrument(instrument_id)
        symbol = instrument.symbol
        since_ms = mapping.to_ms(since) if since is not None else None
        trades = self._read(f"trades of {symbol}", lambda: self._trades(symbol, since_ms))
        result: list[Fill] = []
        for trade in trades:
            timestamp = trade.get("timestamp")
            if since_ms is not None and timestamp is not None and int(timestamp) < since_ms:
                continue
            client_id = self._client_id_for(symbol, str(trade.get("order") or ""))
            result.append(
                mapping.fill(
                    trade, instrument_id=instrument.id, symbol=symbol, client_order_id=client_id
                )
            )
        result.sort(key=lambda f: f.time)
        return result

    def _trades(self, symbol: str, since_ms: int | None) -> list[Mapping[str, Any]]:
        """All trades from ``since_ms`` (the latest page when None), oldest first."""
        fetch = self._exchange.fetch_my_trades
        if since_ms is None:
            return list(fetch(symbol, None, _TRADE_PAGE))
        if str(self._exchange.id).startswith("binance"):
            return self._binance_trades(symbol, since_ms)
        seen: set[str] = set()
        out: list[Mapping[str, Any]] = []
        cursor = since_ms
        while True:  # a time cursor; trades at the page edge come twice and are dropped
            page = list(fetch(symbol, cursor, _TRADE_PAGE))
            fresh = [t for t in page if str(t.get("id")) not in seen]
            seen.update(str(t.get("id")) for t in fresh)
            out.extend(fresh)
            if len(page) < _TRADE_PAGE or not fresh:
                return out
            cursor = int(page[-1]["timestamp"])

    def _binance_trades(self, symbol: str, since_ms: int) -> list[Mapping[str, Any]]:
        """Find the first page by time, then page by trade id (``fromId``), which never
        skips trades that share a millisecond. Binance futures answer at most 7 days per
        time query, so perps walk 7-day windows (with an explicit end: ccxt would cap the
        first request at 7 days silently) until a window has trades or reaches now."""
        fetch = self._exchange.fetch_my_trades
        windowed = self._market_type is MarketType.PERP
        now_ms = mapping.to_ms(self._clock.now())
        cursor = since_ms
        while True:
            params = {"until": cursor + _PERP_TRADE_WINDOW_MS - 1} if windowed else {}
            page = list(fetch(symbol, cursor, _TRADE_PAGE, params))
            if page or not windowed or cursor + _PERP_TRADE_WINDOW_MS > now_ms:
                break
            cursor += _PERP_TRADE_WINDOW_MS
        out = list(page)
        more = len(page) >= _TRADE_PAGE or (windowed and bool(page))
        while more:
            page = list(fetch(symbol, None, _TRADE_PAGE, {"fromId": int(page[-1]["id"]) + 1}))
            out.extend(page)
            more = len(page) >= _TRADE_PAGE
        return out

    def _client_id_for(self, symbol: str, venue_order_id: str) -> str:
        """The client id of a venue order id: from the orders seen, else asked once."""
        known = self._client_ids.get((symbol, venue_order_id))
        if known is not None or not venue_order_id:
            return known or ""

        def fetch() -> str:
            try:
                raw = self._exchange.fetch_order(venue_order_id, symbol)
            except ccxt.BaseError as exc:
                if classify(exc) is Outcome.NOT_FOUND:
                    return ""
                raise
            return str(raw.get("clientOrderId") or "")

        client_id = self._read(f"order id {venue_order_id} of {symbol}", fetch)
        self._client_ids[(symbol, venue_order_id)] = client_id
        return client_id

    def positions(self) -> Sequence[VenuePosition]:
        if self._market_type is not MarketType.PERP or not self._instruments:
            return []
        symbols = sorted(self._by_symbol)
        rows = self._read("positions", lambda: self._exchange.fetch_positions(symbols))
        result = []
        for raw in rows:
            instrument = self._by_symbol.get(str(raw.get("symbol")))
            if instrument is None:
                continue
            position = mapping.position(raw, instrument.id)
            if position is not None:
                result.append(position)
        return result

    def balances(self) -> Sequence[Balance]:
        params = {"type": "swap"} if self._market_type is MarketType.PERP else {}
        raw = self._read("balances", lambda: self._exchange.fetch_balance(params))
        return mapping.balances(raw)

    # -- helpers ---------------------------------------------------------------------
    def _instrument(self, instrument_id: str) -> Instrument:
        instrument = self._instruments.get(instrument_id)
        if instrument is None:
            raise ConfigurationError(
                f"{instrument_id} is not traded through this {self._venue} "
                f"{self._market_type} client.",
                hint="Pass the instrument when building the CcxtExecutionClient.",
            )
        return instrument

    def _market(self, symbol: str) -> Mapping[str, Any] | None:
        if not self._exchange.markets:
            self._read("markets", self._exchange.load_markets)
        markets: Mapping[str, Any] = self._exchange.markets or {}
        return markets.get(symbol)

    def _snapshot(
        self, raw: Mapping[str, Any], instrument: Instrument, client_id: str
    ) -> VenueOrder:
        order = mapping.venue_order(
            raw, instrument_id=instrument.id, client_order_id=client_id, now=self._clock.now()
        )
        if order.venue_order_id:
            self._client_ids[(instrument.symbol, order.venue_order_id)] = client_id
        return order

    def _rejected(self, request: OrderRequest, reason: str) -> VenueOrder:
        return VenueOrder(
            client_order_id=request.client_order_id,
            venue_order_id="",
            instrument_id=request.instrument_id,
            side=request.side,
            order_type=request.order_type,
            quantity=request.quantity,
            status=OrderStatus.REJECTED,
            updated_at=self._clock.now(),
            price=request.price,
            stop_price=request.stop_price,
            reason=reason,
        )

    def _read(self, what: str, call: Callable[[], T]) -> T:
        try:
            return call()
        except ccxt.BaseError as exc:
            outcome = classify(exc)
            if outcome in (Outcome.REJECTED, Outcome.NOT_FOUND, Outcome.DUPLICATE):
                raise ExecutionError(
                    f"{self._venue} refused the read of {what}: {type(exc).__name__}: "
                    f"{venue_message(exc)}",
                    hint="Check the instrument's symbol and the API key's permissions.",
                ) from exc
            raise self._transport_error(f"read of {what}", exc, outcome, write=False) from exc

    def _transport_error(
        self, what: str, exc: BaseException, outcome: Outcome, *, write: bool
    ) -> ExecutionError:
        detail = f"{type(exc).__name__}: {venue_message(exc)}"
        if outcome is Outcome.RATE_LIMITED:
            return RateLimitedError(
                f"{self._venue} rate-limited the {what} (not executed): {detail}",
                retry_after=self._retry_after(),
                hint="Back off for retry_after seconds, then retry with the same client id.",
            )
        if outcome is Outcome.NOT_EXECUTED or not write:
            return VenueUnavailableError(
                f"{self._venue} did not execute the {what}: {detail}",
                hint="Check the network, API key and clock; retry later.",
            )
        return OrderStateUnknownError(
            f"The {what} at {self._venue} may or may not have taken effect: {detail}",
            hint="Resolve with query_order(client_order_id); never re-send blindly.",
        )

    def _retry_after(self) -> float | None:
        headers = self._exchange.last_response_headers or {}
        value = headers.get("Retry-After") or headers.get("retry-after")
        try:
            return float(value) if value is not None else None
        except ValueError:
            return None


__all__ = ["PERP_CAPABILITIES", "SPOT_CAPABILITIES", "CcxtExecutionClient"]
