"""A local fake exchange: a real HTTP server on 127.0.0.1 that answers like Binance spot.

``FakeExchangeServer`` is the generic part: a ``ThreadingHTTPServer`` in a daemon thread on
a free port, a route table (``route(method, path, handler)``), a request log and fault
injection (HTTP 429 with ``Retry-After``, 5xx, a connection cut in the middle of a
response, a slow answer, an error answer sent *after* the handler ran, and an optional
minimum interval between requests that answers 429 when a client goes faster).

``FakeBinance`` adds Binance spot market-data endpoints (``/api/v3/ping``, ``/time``,
``/exchangeInfo``, ``/klines``) with the real response shapes, serving bars from contract
frames and hiding bars that have not opened yet by its clock. Point a ccxt ``binance``
instance at ``server.base_url`` to exercise the real client code. Later issues add order
endpoints by registering more routes.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qsl, urlsplit

import numpy as np
import pandas as pd

from tradegraph.core.clock import Clock, LiveClock
from tradegraph.data.contract import times_ns, validate_ohlcv
from tradegraph.model.timeframe import Timeframe


@dataclass(frozen=True, slots=True)
class FakeRequest:
    """One request as a handler sees it (query values are the last of each name)."""

    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True, slots=True)
class FakeResponse:
    status: int = 200
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()

    @classmethod
    def json(
        cls, payload: object, status: int = 200, headers: tuple[tuple[str, str], ...] = ()
    ) -> FakeResponse:
        content = (("Content-Type", "application/json;charset=UTF-8"), *headers)
        return cls(status, json.dumps(payload, separators=(",", ":")).encode(), content)


Handler = Callable[[FakeRequest], FakeResponse]


class FaultKind(StrEnum):
    STATUS = "status"
    CUT = "cut"
    DELAY = "delay"
    AFTER = "after"
    """Run the handler (the request takes effect), then answer with the fault's status/body."""


@dataclass(frozen=True, slots=True)
class Fault:
    """What to do to a request instead of (or before) answering it normally."""

    kind: FaultKind
    status: int = 500
    body: bytes = b""
    retry_after: float | None = None
    delay: float = 0.0

    @classmethod
    def rate_limited(cls, retry_after: float = 1.0) -> Fault:
        """HTTP 429 with Binance's body and a ``Retry-After`` header."""
        body = {
            "code": -1003,
            "msg": "Too many requests; current limit of IP is 6000 requests per minute.",
        }
        return cls(FaultKind.STATUS, 429, json.dumps(body).encode(), retry_after=retry_after)

    @classmethod
    def server_error(cls, status: int = 503) -> Fault:
        """A 5xx answer (Binance sends an HTML/text body for gateway errors)."""
        return cls(FaultKind.STATUS, status, b"Service Unavailable")

    @classmethod
    def cut(cls) -> Fault:
        """Send the headers and half of the real body, then drop the connection."""
        return cls(FaultKind.CUT)

    @classmethod
    def slow(cls, seconds: float) -> Fault:
        """Answer normally after ``seconds``."""
        return cls(FaultKind.DELAY, delay=seconds)

    @classmethod
    def after(cls, status: int = 503, body: bytes = b"Service Unavailable") -> Fault:
        """Let the request take effect, then answer ``status`` with ``body`` instead."""
        return cls(FaultKind.AFTER, status, body)


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    method: str
    path: str
    query: Mapping[str, str]
    status: int
    fault: FaultKind | None
    at: float = field(default=0.0)
    """``time.monotonic()`` when the request arrived."""
    body: bytes = b""


class _Faults:
    def __init__(self) -> None:
        self.queued: dict[tuple[str, str], deque[Fault | None]] = {}
        self.persistent: dict[tuple[str, str], Fault] = {}

    def next(self, key: tuple[str, str]) -> Fault | None:
        queue = self.queued.get(key)
        if queue:
            return queue.popleft()  # None: answer this one normally
        return self.persistent.get(key)


class FakeExchangeServer:
    """Generic fake venue HTTP server; see the module docstring."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self._routes: dict[tuple[str, str], Handler] = {}
        self._faults = _Faults()
        self._log: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._last_request: float | None = None
        self.min_interval: float | None = None
        """When set, requests closer together than this many seconds get a 429."""
        self.rate_limit_retry_after = 1.0
        self._server = ThreadingHTTPServer((host, port), self._handler_class())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> Self:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name="fake-exchange",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- configuration ---------------------------------------------------------------
    def route(self, method: str, path: str, handler: Handler) -> None:
        """Answer ``method path`` with ``handler`` (replaces an existing route)."""
        with self._lock:
            self._routes[(method.upper(), path)] = handler

    def inject(self, path: str, *faults: Fault | None, method: str = "GET") -> None:
        """Apply ``faults`` to the next requests to ``path``, one per request.

        ``None`` lets a request through untouched, so ``inject(path, None, None, cut)``
        breaks the third request.
        """
        with self._lock:
            self._faults.queued.setdefault((method.upper(), path), deque()).extend(faults)

    def break_path(self, path: str, fault: Fault, *, method: str = "GET") -> None:
        """Apply ``fault`` to every request to ``path`` until ``heal`` (after queued ones)."""
        with self._lock:
            self._faults.persistent[(method.upper(), path)] = fault

    def heal(self, path: str | None = None) -> None:
        """Remove persistent and queued faults (of ``path``, or all)."""
        with self._lock:
            for table in (self._faults.persistent, self._faults.queued):
                for key in [k for k in table if path is None or k[1] == path]:
                    del table[key]

    @property
    def requests(self) -> list[RecordedRequest]:
        """A copy of the request log."""
        with self._lock:
            return list(self._log)

    def requests_to(self, path: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == path]

    # -- serving ---------------------------------------------------------------------
    def _decide(self, request: FakeRequest) -> tuple[Handler | None, Fault | None]:
        key = (request.method, request.path)
        now = time.monotonic()
        with self._lock:
            fault = self._faults.next(key)
            too_fast = (
                self.min_interval is not None
                and self._last_request is not None
                and now - self._last_request < self.min_interval
            )
            self._last_request = now
            if fault is None and too_fast:
                fault = Fault.rate_limited(self.rate_limit_retry_after)
            return self._routes.get(key), fault

    @staticmethod
    def _answer(handler: Handler | None, request: FakeRequest) -> FakeResponse:
        if handler is None:
            return FakeResponse.json({"code": -1, "msg": "Not found."}, status=404)
        try:
            return handler(request)
        except Exception as exc:  # a bug in a fake handler must show up, not hang the client
            message = f"fake handler failed: {type(exc).__name__}: {exc}"
            return FakeResponse.json({"code": -1000, "msg": message}, status=500)

    def _record(self, request: FakeRequest, status: int, fault: Fault | None) -> None:
        entry = RecordedRequest(
            request.method,
            request.path,
            dict(request.query),
            status,
            fault.kind if fault else None,
            time.monotonic(),
            request.body,
        )
        with self._lock:
            self._log.append(entry)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out as separate writes

            def log_message(self, format: str, *args: Any) -> None:
                """Silence the default stderr access log."""

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                request = FakeRequest(
                    self.command,
                    parts.path,
                    dict(parse_qsl(parts.query)),
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(length) if length else b"",
                )
                handler, fault = server._decide(request)
                if fault is not None and fault.kind is FaultKind.STATUS:
                    headers: tuple[tuple[str, str], ...] = ()
                    if fault.retry_after is not None:
                        headers = (("Retry-After", f"{fault.retry_after:g}"),)
                    response = FakeResponse(fault.status, fault.body, headers)
                else:
                    if fault is not None and fault.kind is FaultKind.DELAY:
                        time.sleep(fault.delay)
                    response = server._answer(handler, request)
                    if fault is not None and fault.kind is FaultKind.AFTER:
                        response = FakeResponse(
                            fault.status,
                            fault.body,
                            (("Content-Type", "application/json;charset=UTF-8"),)
                            if fault.body.startswith(b"{")
                            else (),
                        )
                server._record(request, response.status, fault)
                self._send(response, cut=fault is not None and fault.kind is FaultKind.CUT)

            def _send(self, response: FakeResponse, *, cut: bool) -> None:
                self.send_response(response.status)
                for name, value in response.headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(response.body)))
                if cut:
                    self.send_header("Connection", "close")
                self.end_headers()
                if cut:
                    self.wfile.write(response.body[: len(response.body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(response.body)

            def do_GET(self) -> None:
                self._serve()

            def do_POST(self) -> None:
                self._serve()

            def do_PUT(self) -> None:
                self._serve()

            def do_DELETE(self) -> None:
                self._serve()

        return _Handler


# ---------------------------------------------------------------------------- Binance
_INTERVALS = frozenset(
    ("1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d", "1w")
)
_MAX_LIMIT = 1000
_DEFAULT_LIMIT = 500


def _binance_error(code: int, message: str, status: int = 400) -> FakeResponse:
    return FakeResponse.json({"code": code, "msg": message}, status=status)


def _decimal(value: float) -> str:
    return f"{value:.8f}"


@dataclass(frozen=True, slots=True)
class _Series:
    open_ms: np.ndarray[Any, np.dtype[np.int64]]
    values: np.ndarray[Any, np.dtype[np.float64]]
    step_ms: int


class FakeBinance(FakeExchangeServer):
    """Binance spot market data (real URL paths and JSON shapes) over stored frames."""

    def __init__(self, *, clock: Clock | None = None, host: str = "127.0.0.1", port: int = 0):
        super().__init__(host=host, port=port)
        self.clock: Clock = clock or LiveClock()
        self._markets: dict[str, tuple[str, str]] = {}
        self.symbol_overrides: dict[str, dict[str, object]] = {}
        """Fields merged over a market's default ``exchangeInfo`` entry, by market id
        (e.g. ``filters`` and ``orderTypes``; used by ``fake_binance_orders``)."""
        self._series: dict[tuple[str, str], _Series] = {}
        self.route("GET", "/api/v3/ping", lambda _r: FakeResponse.json({}))
        self.route("GET", "/api/v3/time", self._time)
        self.route("GET", "/api/v3/exchangeInfo", self._exchange_info)
        self.route("GET", "/api/v3/klines", self._klines)

    @property
    def api_url(self) -> str:
        """What ccxt's ``urls['api']['public']`` should be."""
        return f"{self.base_url}/api/v3"

    def add_market(self, symbol: str) -> str:
        """Register a spot market by unified symbol (``BTC/USDT``); returns its id."""
        base, quote = symbol.upper().split("/")
        market_id = base + quote
        with self._lock:
            self._markets[market_id] = (base, quote)
        return market_id

    def add_klines(self, symbol: str, timeframe: Timeframe, frame: pd.DataFrame) -> None:
        """Serve ``frame`` (a contract frame) as the ``timeframe`` klines of ``symbol``."""
        validate_ohlcv(frame, what="fake exchange klines")
        market_id = self.add_market(symbol)
        series = _Series(
            times_ns(frame) // 1_000_000,
            frame.to_numpy(dtype=np.float64),
            timeframe.seconds * 1000,
        )
        with self._lock:
            self._series[(market_id, timeframe.code)] = series

    def _weight_headers(self, weight: int) -> tuple[tuple[str, str], ...]:
        used = str(weight * (1 + len(self.requests)))
        return (("x-mbx-used-weight", used), ("x-mbx-used-weight-1m", used))

    def _time(self, _request: FakeRequest) -> FakeResponse:
        return FakeResponse.json({"serverTime": self.clock.timestamp_ns() // 1_000_000})

    def _exchange_info(self, _request: FakeRequest) -> FakeResponse:
        with self._lock:
            markets = dict(self._markets)
            overrides = dict(self.symbol_overrides)
        symbols = [
            {**_symbol_info(market_id, base, quote), **overrides.get(market_id, {})}
            for market_id, (base, quote) in markets.items()
        ]
        payload = {
            "timezone": "UTC",
            "serverTime": self.clock.timestamp_ns() // 1_000_000,
            "rateLimits": [
                _rate_limit("REQUEST_WEIGHT", "MINUTE", 1, 6000),
                _rate_limit("ORDERS", "SECOND", 10, 100),
                _rate_limit("RAW_REQUESTS", "MINUTE", 5, 61000),
            ],
            "exchangeFilters": [],
            "symbols": symbols,
        }
        return FakeResponse.json(payload, headers=self._weight_headers(20))

    def _klines(self, request: FakeRequest) -> FakeResponse:
        query = request.query
        market_id, interval = query.get("symbol", ""), query.get("interval", "")
        if market_id not in self._markets:
            return _binance_error(-1121, "Invalid symbol.")
        if interval not in _INTERVALS:
            return _binance_error(-1120, "Invalid interval.")
        try:
            limit = int(query.get("limit", _DEFAULT_LIMIT))
            start = int(query["startTime"]) if "startTime" in query else None
            end = int(query["endTime"]) if "endTime" in query else None
        except ValueError:
            return _binance_error(-1100, "Illegal characters found in a parameter.")
        if not 1 <= limit <= _MAX_LIMIT:
            return _binance_error(-1130, "Data sent for parameter 'limit' is not valid.")
        with self._lock:
            series = self._series.get((market_id, interval))
        rows = [] if series is None else self._select(series, start, end, limit)
        return FakeResponse.json(rows, headers=self._weight_headers(2))

    def _select(
        self, series: _Series, start: int | None, end: int | None, limit: int
    ) -> list[list[object]]:
        now_ms = self.clock.timestamp_ns() // 1_000_000
        visible = series.open_ms <= now_ms
        if end is not None:
            visible &= series.open_ms <= end
        if start is not None:
            visible &= series.open_ms >= start
            positions = np.flatnonzero(visible)[:limit]
        else:
            positions = np.flatnonzero(visible)[-limit:]
        rows: list[list[object]] = []
        for p in positions.tolist():
            open_ms = int(series.open_ms[p])
            o, h, low, c, v = (float(x) for x in series.values[p])
            quote = v * (o + c) / 2
            rows.append([
                open_ms, _decimal(o), _decimal(h), _decimal(low), _decimal(c), _decimal(v),
                open_ms + series.step_ms - 1, _decimal(quote), 100 + p % 900,
                _decimal(v / 2), _decimal(quote / 2), "0",
            ])  # fmt: skip
        return rows


def _rate_limit(kind: str, interval: str, number: int, limit: int) -> dict[str, object]:
    return {"rateLimitType": kind, "interval": interval, "intervalNum": number, "limit": limit}


def _filter(kind: str, **fields: object) -> dict[str, object]:
    return {"filterType": kind, **fields}


def _symbol_info(market_id: str, base: str, quote: str) -> dict[str, object]:
    return {
        "symbol": market_id,
        "status": "TRADING",
        "baseAsset": base,
        "baseAssetPrecision": 8,
        "quoteAsset": quote,
        "quotePrecision": 8,
        "quoteAssetPrecision": 8,
        "baseCommissionPrecision": 8,
        "quoteCommissionPrecision": 8,
        "orderTypes": ["LIMIT", "LIMIT_MAKER", "MARKET", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT"],
        "icebergAllowed": True,
        "ocoAllowed": True,
        "otoAllowed": True,
        "quoteOrderQtyMarketAllowed": True,
        "allowTrailingStop": True,
        "cancelReplaceAllowed": True,
        "isSpotTradingAllowed": True,
        "isMarginTradingAllowed": False,
        "filters": [
            _filter("PRICE_FILTER", minPrice="0.01", maxPrice="1000000.00", tickSize="0.01"),
            _filter("LOT_SIZE", minQty="0.00001", maxQty="9000.00", stepSize="0.00001"),
            _filter("NOTIONAL", minNotional="5.00", applyMinToMarket=True, avgPriceMins=5),
            _filter("MARKET_LOT_SIZE", minQty="0.00", maxQty="100.00", stepSize="0.00"),
        ],
        "permissions": [],
        "permissionSets": [["SPOT"]],
        "defaultSelfTradePreventionMode": "EXPIRE_MAKER",
        "allowedSelfTradePreventionModes": ["EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH"],
    }


__all__ = [
    "FakeBinance",
    "FakeExchangeServer",
    "FakeRequest",
    "FakeResponse",
    "Fault",
    "FaultKind",
    "Handler",
    "RecordedRequest",
]
