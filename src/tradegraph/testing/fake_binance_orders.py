"""Binance order endpoints on a ``FakeBinance``: spot ``/api/v3`` and USDⓈ-M ``/fapi``.

``FakeBinanceTrading(server)`` registers, with Binance's real paths, parameters and error
codes::

    spot   POST|GET|DELETE /api/v3/order    GET /api/v3/openOrders   GET /api/v3/myTrades
           POST /api/v3/orderList/oco (OCO pair: aboveType/belowType, one leg LIMIT_MAKER)
           GET /api/v3/account              GET /api/v3/exchangeInfo (filters of added markets)
    perps  GET /fapi/v1/exchangeInfo        POST|GET|DELETE /fapi/v1/order
           GET /fapi/v1/openOrders          GET /fapi/v1/userTrades
           GET /fapi/v2|v3/positionRisk     GET /fapi/v2|v3/account   GET /fapi/v1/leverageBracket

Private requests need an ``X-MBX-APIKEY`` header (the configured one when ``api_key`` is
set) and ``timestamp``/``signature`` parameters; signatures are not verified. Matching,
balances and positions live in ``fake_binance_matching.MatchingEngine``; the JSON shapes
(string decimals, ``clientOrderId``, ``transactTime``/``updateTime``, ``fills`` on a ``FULL``
answer, statuses NEW/PARTIALLY_FILLED/FILLED/CANCELED/EXPIRED) in ``fake_binance_shapes``.
A refused order is an error answer, as at Binance, not a REJECTED order: filters
(PRICE_FILTER, LOT_SIZE, NOTIONAL → ``-1013 Filter failure: ...``; futures ``-4014``,
``-4023``, ``-4164``), balance (``-2010``; futures margin ``-2019``), an open duplicate
client id (``-2010 Duplicate order sent.``; futures ``-4116``), reduce-only that would not
reduce (``-2022``), a stop that would trigger at once. A client id reused after its first
order closed is accepted as a new order, as Binance does.

Tests drive prices with ``set_price`` (``set_liquidity``/``fill_parts``/``volume`` for
partial fills); ``FakeBinanceDriver`` is the ``MarketDriver`` of the execution contract.
Faults use the server's mechanism (``inject``) on the order paths; ``OrderFaults`` names
the ones that matter for order safety: execute-then-drop, 5xx before/after executing, 429
with ``Retry-After``, and Binance's ``-1007`` timeout before/after executing.
``submits_for(client_id)`` counts order requests that carried the id (faulted ones too),
``venue_orders_for(client_id)`` the orders the venue created with it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from datetime import timedelta
from decimal import Decimal
from typing import Final
from urllib.parse import parse_qsl

from tradegraph.core.clock import TestClock
from tradegraph.testing import fake_binance_shapes as shapes
from tradegraph.testing.fake_binance_matching import MatchingEngine
from tradegraph.testing.fake_binance_records import (
    Book,
    MarketRules,
    NewOrder,
    Order,
    Trade,
    VenueError,
)
from tradegraph.testing.fake_exchange import (
    FakeBinance,
    FakeRequest,
    FakeResponse,
    Fault,
    FaultKind,
)

SPOT_ORDER: Final = "/api/v3/order"
SPOT_OCO: Final = "/api/v3/orderList/oco"
PERP_ORDER: Final = "/fapi/v1/order"
_TIMEOUT_MSG: Final = (
    "Timeout waiting for response from backend server. Send status unknown; "
    "execution status unknown."
)
_CLIENT_ID = re.compile(r"^[.A-Z:/a-z0-9_-]{1,36}$")
_DECIMAL = re.compile(r"^([0-9]{1,20})(\.[0-9]{1,20})?$")
_SPOT_TYPES = frozenset({"LIMIT", "MARKET", "STOP_LOSS", "STOP_LOSS_LIMIT"})
_PERP_TYPES = frozenset({"LIMIT", "MARKET"})

Params = Mapping[str, str]


class OrderFaults:
    """Named faults for the order endpoints (pass them to ``inject_submit``/``inject``)."""

    @staticmethod
    def execute_then_drop() -> Fault:
        """The order is placed and matched, then the connection is cut mid-response."""
        return Fault.cut()

    @staticmethod
    def server_error_before(status: int = 503) -> Fault:
        """A 5xx answered before the request reaches the matching engine."""
        return Fault.server_error(status)

    @staticmethod
    def server_error_after(status: int = 503) -> Fault:
        """The order executes, then the gateway answers 5xx."""
        return Fault.after(status)

    @staticmethod
    def rate_limited(retry_after: float = 1.0) -> Fault:
        """HTTP 429 ``-1003`` with ``Retry-After``; Binance did not execute the request."""
        return Fault.rate_limited(retry_after)

    @staticmethod
    def timeout(*, executed: bool) -> Fault:
        """Binance's ``-1007`` timeout (HTTP 503), after or without executing the order."""
        body = json.dumps({"code": -1007, "msg": _TIMEOUT_MSG}).encode()
        return Fault(FaultKind.AFTER if executed else FaultKind.STATUS, 503, body)


def _error(exc: VenueError) -> FakeResponse:
    return FakeResponse.json({"code": exc.code, "msg": exc.msg}, status=exc.status)


def _params(request: FakeRequest) -> dict[str, str]:
    params = dict(request.query)
    if request.body:
        params.update(parse_qsl(request.body.decode()))
    return params


def _mandatory(params: Params, name: str) -> str:
    value = params.get(name, "")
    if not value:
        raise VenueError(
            -1102, f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed."
        )
    return value


def _decimal(params: Params, name: str, *, required: bool) -> Decimal:
    text = _mandatory(params, name) if required else params.get(name, "")
    if not text:
        return Decimal(0)
    if not _DECIMAL.match(text):
        raise VenueError(
            -1100,
            f"Illegal characters found in parameter '{name}'; legal range is "
            "'^([0-9]{1,20})(\\.[0-9]{1,20})?$'.",
        )
    return Decimal(text)  # the pattern admits only plain decimals


def _int(params: Params, name: str) -> int | None:
    text = params.get(name)
    if text is None or text == "":
        return None
    if not text.lstrip("-").isdigit():
        raise VenueError(-1100, f"Illegal characters found in parameter '{name}'.")
    return int(text)


class FakeBinanceDriver:
    """``MarketDriver`` (``tradegraph.testing.execution_contract``) over a fake Binance.

    ``trade_at`` advances the exchange's ``TestClock`` by ``step`` and sets the last price,
    so every call is strictly later than earlier venue events. ``symbols`` maps
    instrument ids to ccxt symbols (``BTC/USDT.binance`` → ``BTC/USDT``)."""

    def __init__(
        self,
        trading: FakeBinanceTrading,
        clock: TestClock,
        symbols: Mapping[str, str],
        prices: Mapping[str, Decimal],
        step: timedelta = timedelta(seconds=1),
    ) -> None:
        if trading.server.clock is not clock:
            raise ValueError("FakeBinanceDriver needs the fake exchange's own TestClock.")
        self._trading = trading
        self._clock = clock
        self._symbols = dict(symbols)
        self._prices = dict(prices)
        self._step = step
        for instrument_id, price in self._prices.items():
            trading.set_price(self._symbols[instrument_id], price)

    def price(self, instrument_id: str) -> Decimal:
        return self._prices[instrument_id]

    def trade_at(self, instrument_id: str, price: Decimal) -> None:
        self._clock.advance(self._step)
        self._prices[instrument_id] = price
        self._trading.set_price(self._symbols[instrument_id], price)


class FakeBinanceTrading:
    """Installs Binance order endpoints on ``server`` and exposes test controls."""

    def __init__(
        self,
        server: FakeBinance,
        *,
        api_key: str | None = None,
        leverage: int = 10,
        spot_fee: Decimal = Decimal("0.001"),
    ) -> None:
        self.server = server
        self.api_key = api_key
        """When set, private requests must carry this ``X-MBX-APIKEY``."""
        self.engine = MatchingEngine(server.clock, leverage=leverage, spot_fee=spot_fee)
        self._generated = 0
        self._install()

    # -- test controls ---------------------------------------------------------------
    def add_market(self, symbol: str, **filters: Decimal) -> MarketRules:
        """Add ``BTC/USDT`` (spot) or ``BTC/USDT:USDT`` (perp) with optional filter values
        (``tick_size``, ``step_size``, ``min_qty``, ``max_qty``, ``min_notional`` ...)."""
        rules = MarketRules(symbol, **filters)
        self.engine.add_market(rules)
        if rules.book is Book.SPOT:
            self.server.add_market(rules.base + "/" + rules.quote)
            self.server.symbol_overrides[rules.market_id] = {
                "orderTypes": ["LIMIT", "LIMIT_MAKER", "MARKET", "STOP_LOSS", "STOP_LOSS_LIMIT",
                               "TAKE_PROFIT", "TAKE_PROFIT_LIMIT"],
                "filters": shapes.spot_filters(rules),
            }  # fmt: skip
        return rules

    def set_price(
        self, symbol: str, price: Decimal, *, volume: Decimal | None = None
    ) -> list[Trade]:
        """Set the last price of ``symbol``; resting orders it crosses fill (up to
        ``volume``), stops it reaches trigger. Returns the trades it caused."""
        return self.engine.set_price(symbol, price, volume)

    def set_liquidity(self, symbol: str, quantity: Decimal | None) -> None:
        """Cap every taker execution on ``symbol`` at ``quantity`` (None: unlimited)."""
        self.engine.set_liquidity(symbol, quantity)

    @property
    def fill_parts(self) -> int:
        return self.engine.fill_parts

    @fill_parts.setter
    def fill_parts(self, parts: int) -> None:
        """Split every taker execution into ``parts`` trades (several fills per order)."""
        self.engine.fill_parts = parts

    def deposit(self, asset: str, amount: Decimal, *, perp: bool = False) -> None:
        self.engine.deposit(asset, amount, book=Book.PERP if perp else Book.SPOT)

    def inject_submit(self, *faults: Fault | None, perp: bool = False) -> None:
        """Apply ``faults`` to the next order submits (one each; None lets one through)."""
        self.server.inject(PERP_ORDER if perp else SPOT_ORDER, *faults, method="POST")

    def inject_oco(self, *faults: Fault | None) -> None:
        """Apply ``faults`` to the next spot OCO submits (one each; None lets one through)."""
        self.server.inject(SPOT_OCO, *faults, method="POST")

    def oco_requests(self) -> list[dict[str, str]]:
        """The parameters of every OCO request that reached the server (faulted ones too)."""
        return [
            {**entry.query, **dict(parse_qsl(entry.body.decode()))}
            for entry in self.server.requests
            if entry.method == "POST" and entry.path == SPOT_OCO
        ]

    def order_lists(self) -> int:
        """OCO order lists the venue created."""
        with self.engine.lock:
            return len(self.engine.order_lists)

    def inject_cancel(self, *faults: Fault | None, perp: bool = False) -> None:
        self.server.inject(PERP_ORDER if perp else SPOT_ORDER, *faults, method="DELETE")

    def submits_for(self, client_order_id: str) -> int:
        """Order requests that reached the server with this client id (faulted ones too)."""
        count = 0
        for entry in self.server.requests:
            if entry.method == "POST" and entry.path in (SPOT_ORDER, PERP_ORDER):
                params = {**entry.query, **dict(parse_qsl(entry.body.decode()))}
                count += params.get("newClientOrderId") == client_order_id
        return count

    def venue_orders_for(self, client_order_id: str) -> int:
        """Orders the venue created with this client id."""
        return len(self.engine.orders_with_client_id(client_order_id))

    def orders_for(self, client_order_id: str) -> list[Order]:
        return self.engine.orders_with_client_id(client_order_id)

    def spot_balance(self, asset: str) -> tuple[Decimal, Decimal]:
        """(free, locked) of a spot asset."""
        with self.engine.lock:
            entry = self.engine.spot_assets[asset]
            return entry.free, entry.locked

    def position(self, symbol: str) -> Decimal:
        with self.engine.lock:
            return self.engine.positions[self.engine.key_of(symbol)[1]].amount

    # -- routing ---------------------------------------------------------------------
    def _install(self) -> None:
        spot: dict[tuple[str, str], Callable[[Params], object]] = {
            ("POST", SPOT_ORDER): lambda p: self._new_order(Book.SPOT, p),
            ("POST", SPOT_OCO): self._new_oco,
            ("GET", SPOT_ORDER): lambda p: self._order_json(Book.SPOT, self._lookup(Book.SPOT, p)),
            ("DELETE", SPOT_ORDER): lambda p: self._cancel(Book.SPOT, p),
            ("GET", "/api/v3/openOrders"): lambda p: self._open_orders(Book.SPOT, p),
            ("GET", "/api/v3/myTrades"): lambda p: self._my_trades(Book.SPOT, p),
            ("GET", "/api/v3/account"): lambda _p: shapes.spot_account(self.engine),
            ("POST", PERP_ORDER): lambda p: self._new_order(Book.PERP, p),
            ("GET", PERP_ORDER): lambda p: self._order_json(Book.PERP, self._lookup(Book.PERP, p)),
            ("DELETE", PERP_ORDER): lambda p: self._cancel(Book.PERP, p),
            ("GET", "/fapi/v1/openOrders"): lambda p: self._open_orders(Book.PERP, p),
            ("GET", "/fapi/v1/userTrades"): lambda p: self._my_trades(Book.PERP, p),
            ("GET", "/fapi/v2/positionRisk"): self._position_risk,
            ("GET", "/fapi/v3/positionRisk"): self._position_risk,
            ("GET", "/fapi/v2/account"): lambda _p: shapes.perp_account(self.engine),
            ("GET", "/fapi/v3/account"): lambda _p: shapes.perp_account(self.engine),
            ("GET", "/fapi/v1/leverageBracket"): lambda _p: shapes.leverage_brackets(self.engine),
        }
        for (method, path), action in spot.items():
            self.server.route(method, path, self._private(action))
        self.server.route(
            "GET",
            "/fapi/v1/exchangeInfo",
            lambda _r: FakeResponse.json(shapes.perp_exchange_info(self.engine)),
        )
        self.server.route("GET", "/fapi/v1/ping", lambda _r: FakeResponse.json({}))

    def _private(self, action: Callable[[Params], object]) -> Callable[[FakeRequest], FakeResponse]:
        def handle(request: FakeRequest) -> FakeResponse:
            key = request.headers.get("x-mbx-apikey")
            if not key:
                return _error(VenueError(-2014, "API-key format invalid.", 401))
            if self.api_key is not None and key != self.api_key:
                return _error(
                    VenueError(-2015, "Invalid API-key, IP, or permissions for action.", 401)
                )
            params = _params(request)
            try:
                _mandatory(params, "timestamp")
                _mandatory(params, "signature")
                with self.engine.lock:
                    return FakeResponse.json(action(params))
            except VenueError as exc:
                return _error(exc)

        return handle

    # -- orders ----------------------------------------------------------------------
    def _market_id(self, book: Book, params: Params) -> str:
        market_id = _mandatory(params, "symbol")
        self.engine.rules(book, market_id)
        return market_id

    def _client_id(self, params: Params) -> str:
        client_id = params.get("newClientOrderId")
        if client_id is None:
            self._generated += 1
            return f"web_{self._generated:024d}"
        if not _CLIENT_ID.match(client_id):
            raise VenueError(
                -1100,
                "Illegal characters found in parameter 'newClientOrderId'; legal range is "
                "'^[\\.A-Z\\:/a-z0-9_-]{1,36}$'.",
            )
        return client_id

    def _new_order(self, book: Book, params: Params) -> object:
        market_id = self._market_id(book, params)
        side = _mandatory(params, "side")
        order_type = _mandatory(params, "type")
        if side not in ("BUY", "SELL"):
            raise VenueError(-1117, "Invalid side.")
        if order_type not in (_SPOT_TYPES if book is Book.SPOT else _PERP_TYPES):
            raise VenueError(-1116, "Invalid orderType.")
        limit = order_type in ("LIMIT", "STOP_LOSS_LIMIT")
        if limit and params.get("timeInForce") not in ("GTC", "IOC", "FOK"):
            raise VenueError(-1102, "Mandatory parameter 'timeInForce' was not sent, was "
                             "empty/null, or malformed.")  # fmt: skip
        if not limit and "timeInForce" in params and book is Book.SPOT:
            raise VenueError(-1106, "Parameter 'timeInForce' sent when not required.")
        request = NewOrder(
            market_id=market_id,
            client_order_id=self._client_id(params),
            side=side,
            type=order_type,
            quantity=_decimal(params, "quantity", required=True),
            price=_decimal(params, "price", required=limit),
            stop_price=_decimal(params, "stopPrice", required=order_type.startswith("STOP")),
            time_in_force=params.get("timeInForce", "GTC"),
            reduce_only=params.get("reduceOnly", "false").lower() == "true",
        )
        order = self.engine.submit(book, request)
        if book is Book.PERP:
            return shapes.perp_order(order)
        body = shapes.spot_order(order)
        kind = params.get("newOrderRespType", "FULL" if order_type in ("LIMIT", "MARKET")
                          else "ACK")  # fmt: skip
        base = {k: body[k] for k in ("symbol", "orderId", "orderListId", "clientOrderId")}
        if kind == "ACK":
            return {**base, "transactTime": order.time_ms}
        for name in ("time", "updateTime", "isWorking", "icebergQty"):
            body.pop(name)
        if not request.stop_price:
            body.pop("stopPrice")  # a conditional field: only stop orders carry it
        body["transactTime"] = order.time_ms
        if kind == "FULL":
            body["fills"] = [
                {"price": shapes.fmt8(t.price), "qty": shapes.fmt8(t.qty), "commission": shapes.fmt8(t.commission),
                 "commissionAsset": t.commission_asset, "tradeId": t.trade_id}
                for t in order.trades
            ]  # fmt: skip
        return body

    def _oco_leg(self, params: Params, market_id: str, side: str, where: str) -> NewOrder:
        kind = _mandatory(params, f"{where}Type")
        if kind not in ("LIMIT_MAKER", "STOP_LOSS", "STOP_LOSS_LIMIT"):
            raise VenueError(-1116, "Invalid orderType.")
        limit = kind != "STOP_LOSS"
        stop = kind.startswith("STOP")
        tif = params.get(f"{where}TimeInForce", "")
        if kind == "STOP_LOSS_LIMIT" and tif not in ("GTC", "IOC", "FOK"):
            raise VenueError(-1102, f"Mandatory parameter '{where}TimeInForce' was not sent, "
                             "was empty/null, or malformed.")  # fmt: skip
        client_id = params.get(f"{where}ClientOrderId")
        return NewOrder(
            market_id=market_id,
            client_order_id=self._client_id({"newClientOrderId": client_id} if client_id else {}),
            side=side,
            type=kind,
            quantity=_decimal(params, "quantity", required=True),
            price=_decimal(params, f"{where}Price", required=limit),
            stop_price=_decimal(params, f"{where}StopPrice", required=stop),
            time_in_force=tif or "GTC",
        )

    def _new_oco(self, params: Params) -> object:
        """POST /api/v3/orderList/oco: the legs rest; one executing expires the other."""
        market_id = self._market_id(Book.SPOT, params)
        side = _mandatory(params, "side")
        if side not in ("BUY", "SELL"):
            raise VenueError(-1117, "Invalid side.")
        above = self._oco_leg(params, market_id, side, "above")
        below = self._oco_leg(params, market_id, side, "below")
        # SELL: target above the market (LIMIT_MAKER), stop below; BUY: the reverse.
        limit, stop = (above, below) if side == "SELL" else (below, above)
        if limit.type != "LIMIT_MAKER" or not stop.type.startswith("STOP"):
            raise VenueError(-1167, "This OCO order list combination is not supported: for "
                             f"{side} the {'above' if side == 'SELL' else 'below'} order must "
                             "be LIMIT_MAKER and the other a stop.")  # fmt: skip
        list_client_id = params.get("listClientOrderId") or self._client_id({})
        list_id, legs = self.engine.submit_oco(Book.SPOT, stop, limit, list_client_id)
        reports = []
        for order in legs:
            body = shapes.spot_order(order)
            for name in ("time", "updateTime", "isWorking", "icebergQty"):
                body.pop(name)
            if not order.request.stop_price:
                body.pop("stopPrice")
            reports.append({**body, "transactTime": order.time_ms})
        return {
            "orderListId": list_id, "contingencyType": "OCO", "listStatusType": "EXEC_STARTED",
            "listOrderStatus": "EXECUTING", "listClientOrderId": list_client_id,
            "transactionTime": legs[0].time_ms, "symbol": market_id,
            "orders": [
                {"symbol": market_id, "orderId": o.order_id,
                 "clientOrderId": o.request.client_order_id}
                for o in legs
            ],
            "orderReports": reports,
        }  # fmt: skip

    def _lookup(self, book: Book, params: Params) -> Order:
        market_id = self._market_id(book, params)
        order_id = _int(params, "orderId")
        client_id = params.get("origClientOrderId")
        if order_id is None and client_id is None:
            raise VenueError(-1102, "Param 'origClientOrderId' or 'orderId' must be sent, but "
                             "both were empty/null!")  # fmt: skip
        order = self.engine.find(book, market_id, order_id=order_id, client_order_id=client_id)
        if order is None:
            raise VenueError(-2013, "Order does not exist.")
        return order

    def _order_json(self, book: Book, order: Order) -> object:
        return shapes.spot_order(order) if book is Book.SPOT else shapes.perp_order(order)

    def _cancel(self, book: Book, params: Params) -> object:
        market_id = self._market_id(book, params)
        order_id = _int(params, "orderId")
        client_id = params.get("origClientOrderId")
        if order_id is None and client_id is None:
            raise VenueError(-1102, "Param 'origClientOrderId' or 'orderId' must be sent, but "
                             "both were empty/null!")  # fmt: skip
        order = self.engine.cancel(book, market_id, order_id=order_id, client_order_id=client_id)
        if book is Book.PERP:
            return shapes.perp_order(order)
        body = shapes.spot_order(order)
        for name in ("time", "updateTime", "isWorking", "stopPrice", "icebergQty",
                     "workingTime", "origQuoteOrderQty"):  # fmt: skip
            body.pop(name)
        self._generated += 1
        return {
            "symbol": body.pop("symbol"),
            "origClientOrderId": order.request.client_order_id,
            "orderId": body.pop("orderId"),
            "orderListId": order.order_list_id,
            "clientOrderId": params.get("newClientOrderId") or f"cancel_{self._generated:018d}",
            "transactTime": order.update_ms,
            **{k: v for k, v in body.items() if k not in ("orderListId", "clientOrderId")},
        }

    def _open_orders(self, book: Book, params: Params) -> object:
        market_id = self._market_id(book, params) if params.get("symbol") else None
        return [self._order_json(book, o) for o in self.engine.open_orders(book, market_id)]

    def _my_trades(self, book: Book, params: Params) -> object:
        market_id = self._market_id(book, params)
        trades = self.engine.trades[(book, market_id)]
        order_id, from_id = _int(params, "orderId"), _int(params, "fromId")
        start, end = _int(params, "startTime"), _int(params, "endTime")
        limit = min(_int(params, "limit") or 500, 1000)
        selected = [t for t in trades if order_id is None or t.order_id == order_id]
        if from_id is not None:
            selected = [t for t in selected if t.trade_id >= from_id][:limit]
        elif start is not None or end is not None:
            selected = [
                t for t in selected
                if (start is None or t.time_ms >= start) and (end is None or t.time_ms <= end)
            ][:limit]  # fmt: skip
        else:
            selected = selected[-limit:]
        render = shapes.spot_trade if book is Book.SPOT else shapes.perp_trade
        return [render(t) for t in selected]

    def _position_risk(self, params: Params) -> object:
        market_id = self._market_id(Book.PERP, params) if params.get("symbol") else None
        return shapes.position_rows(self.engine, market_id)



def sent_params(server: FakeBinance, path: str, method: str = "POST") -> list[dict[str, str]]:
    """The parameters (query and form body) of the requests ``server`` got on ``path``."""
    return [
        {**r.query, **dict(parse_qsl(r.body.decode()))}
        for r in server.requests
        if r.path == path and r.method == method
    ]

__all__ = [
    "PERP_ORDER",
    "SPOT_OCO",
    "SPOT_ORDER",
    "FakeBinanceDriver",
    "FakeBinanceTrading",
    "OrderFaults",
    "sent_params",
]
