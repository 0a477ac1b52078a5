"""The matching engine behind the fake Binance order endpoints (no HTTP here).

Book-less on purpose: each market has a last price set by the test (``set_price``).
Market orders fill at the last price at once; a marketable limit order fills at the last
price as taker; a resting limit order fills at its own price (maker) when ``set_price``
crosses it; a stop (Binance ``STOP_LOSS``/``STOP_LOSS_LIMIT``) triggers when the last price
reaches its stop price. Liquidity is unlimited unless the test caps it: ``volume`` on
``set_price`` caps resting fills in that step, ``set_liquidity`` caps each taker
execution (the rest of a market/IOC order expires, of a GTC limit order rests), and
``fill_parts`` splits every taker execution into that many trades.

Spot keeps per-asset free/locked balances (a limit buy locks quote, a sell locks base;
commission is taken from the asset received, like Binance without BNB). USDⓈ-M perps keep
one-way positions (signed amount, entry price), a USDT wallet, realized PnL and an
initial-margin check at ``leverage``. Rule breaks raise ``VenueError`` carrying the
Binance error code and message; the HTTP layer (``fake_binance_orders``) renders them.
The records it keeps (``Order``, ``Trade``, ``MarketRules`` ...) are in
``fake_binance_records``.
Spot OCO order lists (``submit_oco``): a stop leg and a ``LIMIT_MAKER`` leg rest together
on one balance reservation; when either executes (the limit is crossed, the stop triggers)
the other becomes EXPIRED first, as Binance reports it; canceling one leg cancels both.
Client order ids are unique among a market's *open* orders only: once the first order
with an id is closed, the id is accepted again as a new order (real Binance behaviour).
"""

from __future__ import annotations

import threading
from collections import defaultdict
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from tradegraph.core.clock import Clock
from tradegraph.testing.fake_binance_records import (
    Book,
    MarketRules,
    NewOrder,
    Order,
    Position,
    SpotAsset,
    Trade,
    VenueError,
)

_ZERO = Decimal(0)
_FEE_QUANTUM = Decimal("0.00000001")


def _split(quantity: Decimal, parts: int, step: Decimal) -> list[Decimal]:
    if parts <= 1:
        return [quantity]
    piece = (quantity / parts / step).to_integral_value(ROUND_FLOOR) * step
    pieces = [piece] * (parts - 1) if piece > 0 else []
    pieces.append(quantity - sum(pieces, _ZERO))
    return [p for p in pieces if p > 0]


class MatchingEngine:
    """Orders, trades, balances and positions of one fake Binance account."""

    def __init__(
        self,
        clock: Clock,
        *,
        spot_fee: Decimal = Decimal("0.001"),
        perp_taker_fee: Decimal = Decimal("0.0004"),
        perp_maker_fee: Decimal = Decimal("0.0002"),
        leverage: int = 10,
    ) -> None:
        self.clock = clock
        self.lock = threading.RLock()
        self.spot_fee = spot_fee
        self.perp_taker_fee = perp_taker_fee
        self.perp_maker_fee = perp_maker_fee
        self.leverage = Decimal(leverage)
        self.fill_parts = 1
        self.markets: dict[tuple[Book, str], MarketRules] = {}
        self.prices: dict[tuple[Book, str], Decimal] = {}
        self.liquidity: dict[tuple[Book, str], Decimal] = {}
        self.orders: dict[tuple[Book, str], list[Order]] = defaultdict(list)
        self.trades: dict[tuple[Book, str], list[Trade]] = defaultdict(list)
        self.spot_assets: dict[str, SpotAsset] = defaultdict(SpotAsset)
        self.perp_wallet: dict[str, Decimal] = defaultdict(lambda: _ZERO)
        self.positions: dict[str, Position] = defaultdict(Position)
        self._next_order_id: dict[tuple[Book, str], int] = defaultdict(lambda: 4_000_000)
        self._next_trade_id: dict[tuple[Book, str], int] = defaultdict(lambda: 700_000)
        self.order_lists: dict[int, list[Order]] = {}
        """OCO order lists by ``orderListId``: their legs, stop first."""
        self.list_client_ids: dict[int, str] = {}

    def now_ms(self) -> int:
        return self.clock.timestamp_ns() // 1_000_000

    # -- set-up ----------------------------------------------------------------------
    def add_market(self, rules: MarketRules) -> None:
        with self.lock:
            self.markets[(rules.book, rules.market_id)] = rules

    def rules(self, book: Book, market_id: str) -> MarketRules:
        rules = self.markets.get((book, market_id))
        if rules is None:
            raise VenueError(-1121, "Invalid symbol.")
        return rules

    def key_of(self, symbol: str) -> tuple[Book, str]:
        for key, rules in self.markets.items():
            if rules.symbol == symbol:
                return key
        raise KeyError(f"fake Binance has no market {symbol!r}; call add_market first")

    def deposit(self, asset: str, amount: Decimal, *, book: Book = Book.SPOT) -> None:
        with self.lock:
            if book is Book.SPOT:
                self.spot_assets[asset].free += amount
            else:
                self.perp_wallet[asset] += amount

    # -- queries ---------------------------------------------------------------------
    def find(
        self,
        book: Book,
        market_id: str,
        *,
        order_id: int | None = None,
        client_order_id: str | None = None,
    ) -> Order | None:
        """By order id, else the most recent order with the client id."""
        for order in reversed(self.orders[(book, market_id)]):
            if order_id is not None and order.order_id == order_id:
                return order
            if order_id is None and order.request.client_order_id == client_order_id:
                return order
        return None

    def open_orders(self, book: Book, market_id: str | None) -> list[Order]:
        return [
            o
            for (b, mid), orders in self.orders.items()
            if b is book and (market_id is None or mid == market_id)
            for o in orders
            if o.is_open
        ]

    def orders_with_client_id(self, client_order_id: str) -> list[Order]:
        with self.lock:
            return [
                o for orders in self.orders.values() for o in orders
                if o.request.client_order_id == client_order_id
            ]  # fmt: skip

    # -- submit ----------------------------------------------------------------------
    def submit(self, book: Book, request: NewOrder) -> Order:
        with self.lock:
            rules = self.rules(book, request.market_id)
            key = (book, request.market_id)
            duplicate = self.find(book, request.market_id, client_order_id=request.client_order_id)
            if duplicate is not None and duplicate.is_open:
                if book is Book.SPOT:
                    raise VenueError(-2010, "Duplicate order sent.")
                raise VenueError(-4116, "ClientOrderId is duplicated.")
            last = self.prices.get(key)
            self._check_filters(book, rules, request, last)
            if book is Book.SPOT:
                self._check_stop(request, last)
                locked = self._reserve_spot(rules, request, last)
            else:
                self._check_perp(rules, request, last)
                locked = _ZERO
            self._next_order_id[key] += 1
            now = self.now_ms()
            order = Order(self._next_order_id[key], book, request, now, now, locked=locked)
            self.orders[key].append(order)
            if not order.is_stop:
                self._on_live(order, rules)
            return order

    def submit_oco(
        self, book: Book, stop: NewOrder, limit: NewOrder, list_client_id: str
    ) -> tuple[int, list[Order]]:
        """Place an OCO pair (spot only): ``stop`` (STOP_LOSS[_LIMIT]) and ``limit``
        (LIMIT_MAKER), same side and quantity. Returns (orderListId, [stop, limit])."""
        with self.lock:
            if book is not Book.SPOT:
                raise VenueError(-1121, "Invalid symbol.")
            rules = self.rules(book, stop.market_id)
            key = (book, stop.market_id)
            for leg in (stop, limit):
                duplicate = self.find(book, leg.market_id, client_order_id=leg.client_order_id)
                if duplicate is not None and duplicate.is_open:
                    raise VenueError(-2010, "Duplicate order sent.")
            last = self.prices.get(key)
            for leg in (stop, limit):
                self._check_filters(book, rules, leg, last)
            sell = stop.side == "SELL"
            ordered = limit.price > stop.stop_price if sell else limit.price < stop.stop_price
            if last is not None:
                ordered = ordered and (
                    limit.price > last > stop.stop_price
                    if sell
                    else limit.price < last < stop.stop_price
                )
            if not ordered:
                raise VenueError(
                    -1131 if last is None else -2010,
                    "The relationship of the prices for the orders is not correct.",
                )
            locked = self._reserve_spot(rules, stop if not sell else limit, last)
            list_id = len(self.order_lists) + 1
            now = self.now_ms()
            legs: list[Order] = []
            for leg in (stop, limit):
                self._next_order_id[key] += 1
                order = Order(self._next_order_id[key], book, leg, now, now, order_list_id=list_id)
                self.orders[key].append(order)
                legs.append(order)
            legs[0].locked = locked  # one reservation for the pair, held by the stop leg
            self.order_lists[list_id] = legs
            self.list_client_ids[list_id] = list_client_id
            return list_id, legs

    def _expire_siblings(self, order: Order, status: str = "EXPIRED") -> None:
        """Close the other open legs of ``order``'s OCO list (releasing their locks)."""
        for sibling in self.order_lists.get(order.order_list_id, ()):
            if sibling is not order and sibling.is_open:
                self._close(sibling, status)

    def _check_filters(
        self, book: Book, rules: MarketRules, req: NewOrder, last: Decimal | None
    ) -> None:
        spot = book is Book.SPOT
        if req.type in ("LIMIT", "LIMIT_MAKER", "STOP_LOSS_LIMIT"):
            if req.price < rules.min_price or req.price > rules.max_price:
                raise (
                    VenueError(-1013, "Filter failure: PRICE_FILTER")
                    if spot
                    else VenueError(-4013, "Price less than min price.")
                )
            if req.price % rules.tick_size:
                raise (
                    VenueError(-1013, "Filter failure: PRICE_FILTER")
                    if spot
                    else VenueError(-4014, "Price not increased by tick size.")
                )
        if req.stop_price and req.stop_price % rules.tick_size:
            raise VenueError(-1013, "Filter failure: PRICE_FILTER")
        if req.quantity < rules.min_qty or req.quantity > rules.max_qty:
            raise (
                VenueError(-1013, "Filter failure: LOT_SIZE")
                if spot
                else VenueError(-4004, "Quantity less than min quantity.")
            )
        if req.quantity % rules.step_size:
            raise (
                VenueError(-1013, "Filter failure: LOT_SIZE")
                if spot
                else VenueError(-4023, "Qty not increased by step size.")
            )
        reference = req.price or req.stop_price or last
        if reference is not None and reference * req.quantity < rules.min_notional:
            if spot:
                raise VenueError(-1013, "Filter failure: NOTIONAL")
            if not req.reduce_only:
                raise VenueError(
                    -4164,
                    f"Order's notional must be no smaller than {rules.min_notional.normalize()} "
                    "(unless you choose reduce only).",
                )

    @staticmethod
    def _check_stop(req: NewOrder, last: Decimal | None) -> None:
        if req.type not in ("STOP_LOSS", "STOP_LOSS_LIMIT") or last is None:
            return
        if (req.side == "BUY" and last >= req.stop_price) or (
            req.side == "SELL" and last <= req.stop_price
        ):
            raise VenueError(-2010, "Stop price would trigger immediately.")

    def _reserve_spot(self, rules: MarketRules, req: NewOrder, last: Decimal | None) -> Decimal:
        """Lock what a resting order needs; check what an immediate one needs."""
        insufficient = VenueError(-2010, "Account has insufficient balance for requested action.")
        if req.side == "SELL":
            asset, need = self.spot_assets[rules.base], req.quantity
        else:
            unit = req.price or req.stop_price or last or _ZERO
            asset, need = self.spot_assets[rules.quote], req.quantity * unit
        if asset.free < need:
            raise insufficient
        if req.type == "MARKET":
            return _ZERO
        asset.free -= need
        asset.locked += need
        return need

    def _check_perp(self, rules: MarketRules, req: NewOrder, last: Decimal | None) -> None:
        position = self.positions[rules.market_id]
        sign = 1 if req.side == "BUY" else -1
        if req.reduce_only:
            if (
                position.amount == 0
                or position.amount * sign > 0
                or req.quantity > abs(position.amount)
            ):
                raise VenueError(-2022, "ReduceOnly Order is rejected.")
            return
        reference = req.price or last or _ZERO
        if req.quantity * reference / self.leverage > self._perp_available(rules.quote):
            raise VenueError(-2019, "Margin is insufficient.")

    def perp_margin(self, asset: str) -> tuple[Decimal, Decimal, Decimal]:
        """(position initial margin, open-order initial margin, unrealized PnL) of ``asset``."""
        position_margin = unrealized = orders_margin = _ZERO
        for (book, market_id), rules in self.markets.items():
            if book is not Book.PERP or rules.quote != asset:
                continue
            position = self.positions[market_id]
            mark = self.prices.get((book, market_id), position.entry_price)
            position_margin += abs(position.amount) * mark / self.leverage
            unrealized += position.amount * (mark - position.entry_price)
            for order in self.orders[(book, market_id)]:
                if order.is_open and not order.request.reduce_only:
                    orders_margin += order.remaining * order.request.price / self.leverage
        return position_margin, orders_margin, unrealized

    def _perp_available(self, asset: str) -> Decimal:
        position_margin, orders_margin, unrealized = self.perp_margin(asset)
        return self.perp_wallet[asset] + unrealized - position_margin - orders_margin

    # -- cancel ----------------------------------------------------------------------
    def cancel(
        self, book: Book, market_id: str, *, order_id: int | None, client_order_id: str | None
    ) -> Order:
        with self.lock:
            self.rules(book, market_id)
            order = self.find(book, market_id, order_id=order_id, client_order_id=client_order_id)
            if order is None or not order.is_open:
                raise VenueError(-2011, "Unknown order sent.")
            self._close(order, "CANCELED")
            self._expire_siblings(order, "CANCELED")  # canceling a leg cancels the list
            return order

    def _close(self, order: Order, status: str) -> None:
        order.status = status
        order.update_ms = self.now_ms()
        if order.book is Book.SPOT and order.locked > 0:
            rules = self.rules(order.book, order.request.market_id)
            asset = self.spot_assets[rules.base if order.request.side == "SELL" else rules.quote]
            asset.locked -= order.locked
            asset.free += order.locked
            order.locked = _ZERO

    # -- prices and matching -----------------------------------------------------------
    def set_liquidity(self, symbol: str, quantity: Decimal | None) -> None:
        with self.lock:
            key = self.key_of(symbol)
            if quantity is None:
                self.liquidity.pop(key, None)
            else:
                self.liquidity[key] = quantity

    def set_price(self, symbol: str, price: Decimal, volume: Decimal | None = None) -> list[Trade]:
        """Move the last price; fill what it crosses (up to ``volume`` in total)."""
        with self.lock:
            key = self.key_of(symbol)
            rules = self.markets[key]
            self.prices[key] = price
            before = len(self.trades[key])
            budget = [volume]
            for order in list(self.orders[key]):
                if not order.is_open:
                    continue
                if order.is_stop and not order.triggered:
                    if not self._stop_reached(order, price):
                        continue
                    order.triggered = True
                    self._expire_siblings(order)
                    self._on_live(order, rules)  # a triggered stop takes liquidity
                    continue
                limit = order.request.price
                crossed = price <= limit if order.request.side == "BUY" else price >= limit
                if crossed:
                    self._expire_siblings(order)
                    self._execute(order, rules, limit, maker=True, budget=budget)
            return self.trades[key][before:]

    @staticmethod
    def _stop_reached(order: Order, price: Decimal) -> bool:
        stop = order.request.stop_price
        return price >= stop if order.request.side == "BUY" else price <= stop

    def _on_live(self, order: Order, rules: MarketRules) -> None:
        """A new (or just triggered) order meets the market."""
        req = order.request
        last = self.prices.get((order.book, req.market_id))
        is_market = req.type in ("MARKET", "STOP_LOSS")
        marketable = last is not None and (
            is_market or (last <= req.price if req.side == "BUY" else last >= req.price)
        )
        if not marketable or last is None:
            if is_market:
                self._close(order, "EXPIRED")  # no price, no liquidity: Binance expires it
            return
        cap = self.liquidity.get((order.book, req.market_id))
        if req.time_in_force == "FOK" and cap is not None and cap < order.remaining:
            self._close(order, "EXPIRED")
            return
        quantity = order.remaining if cap is None else min(order.remaining, cap)
        for part in _split(quantity, self.fill_parts, rules.step_size):
            self._execute(order, rules, last, maker=False, quantity=part)
        if order.is_open and (is_market or req.time_in_force in ("IOC", "FOK")):
            self._close(order, "EXPIRED")

    def _execute(
        self,
        order: Order,
        rules: MarketRules,
        price: Decimal,
        *,
        maker: bool,
        budget: list[Decimal | None] | None = None,
        quantity: Decimal | None = None,
    ) -> None:
        qty = order.remaining if quantity is None else min(quantity, order.remaining)
        if order.book is Book.PERP and order.request.reduce_only:
            reducible = self._reducible(order, rules)
            if reducible <= 0:
                self._close(order, "EXPIRED")  # nothing left to reduce: Binance expires it
                return
            qty = min(qty, reducible)
        if budget is not None and budget[0] is not None:
            qty = min(qty, budget[0])
        if qty <= 0:
            return
        if order.book is Book.SPOT and not self._settle_spot(order, rules, price, qty):
            self._close(order, "EXPIRED")
            return
        if budget is not None and budget[0] is not None:
            budget[0] -= qty
        key = (order.book, rules.market_id)
        self._next_trade_id[key] += 1
        if order.book is Book.SPOT:
            fee_asset = rules.base if order.request.side == "BUY" else rules.quote
            fee_base = qty if order.request.side == "BUY" else qty * price
            commission = (fee_base * self.spot_fee).quantize(_FEE_QUANTUM, ROUND_HALF_UP)
            realized = _ZERO
        else:
            rate = self.perp_maker_fee if maker else self.perp_taker_fee
            fee_asset = rules.quote
            commission = (qty * price * rate).quantize(_FEE_QUANTUM, ROUND_HALF_UP)
            realized = self._settle_perp(order, rules, price, qty, commission)
        if order.book is Book.SPOT:
            self.spot_assets[fee_asset].free -= commission
        now = self.now_ms()
        trade = Trade(
            self._next_trade_id[key], order.order_id, order.book, rules.market_id,
            order.request.side, price, qty, commission, fee_asset, now, maker, realized,
        )  # fmt: skip
        self.trades[key].append(trade)
        order.trades.append(trade)
        order.executed += qty
        order.cum_quote += qty * price
        order.update_ms = now
        order.status = "FILLED" if order.remaining == 0 else "PARTIALLY_FILLED"
        if order.status == "FILLED":
            self._close(order, "FILLED")

    def _reducible(self, order: Order, rules: MarketRules) -> Decimal:
        amount = self.positions[rules.market_id].amount
        opposite = amount < 0 if order.request.side == "BUY" else amount > 0
        return abs(amount) if opposite else _ZERO

    def _settle_spot(self, order: Order, rules: MarketRules, price: Decimal, qty: Decimal) -> bool:
        """Move balances for one spot execution; False when the account cannot pay."""
        base, quote = self.spot_assets[rules.base], self.spot_assets[rules.quote]
        if order.request.side == "BUY":
            cost = qty * price
            release = min(order.locked, qty * (order.request.price or order.request.stop_price))
            if quote.free + release < cost:
                return False
            order.locked -= release
            quote.locked -= release
            quote.free += release - cost
            base.free += qty
        else:
            release = min(order.locked, qty)
            if base.free + release < qty:
                return False
            order.locked -= release
            base.locked -= release
            base.free -= qty - release
            quote.free += qty * price
        return True

    def _settle_perp(
        self, order: Order, rules: MarketRules, price: Decimal, qty: Decimal, commission: Decimal
    ) -> Decimal:
        position = self.positions[rules.market_id]
        signed = qty if order.request.side == "BUY" else -qty
        realized = _ZERO
        old = position.amount
        if old == 0 or (old > 0) == (signed > 0):
            total = abs(old) + qty
            position.entry_price = (
                (abs(old) * position.entry_price + qty * price) / total
            ).quantize(_FEE_QUANTUM, ROUND_HALF_UP)
        else:
            closed = min(qty, abs(old))
            realized = closed * (price - position.entry_price) * (1 if old > 0 else -1)
            if qty > abs(old):
                position.entry_price = price
        position.amount = old + signed
        if position.amount == 0:
            position.entry_price = _ZERO
        position.update_ms = self.now_ms()
        self.perp_wallet[rules.quote] += realized - commission
        return realized


__all__ = ["MatchingEngine"]
