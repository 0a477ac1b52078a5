"""Fat-finger suite: 10,000 generated erroneous orders — outside the price collar, absurd
size, restricted symbol, stale or missing data, duplicates — and zero accepted.

Each erroneous order is a mutation of a valid order, and every valid original is itself
approved, so a denial is due to the error and not to something incidental. "Absurd size"
means a notional beyond the account's whole leverage capacity (3 x equity by default):
smaller oversizing is reduced to the limits by design, which other tests cover.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

from tradegraph.core.precision import Rounding
from tradegraph.model import Instrument, Order, OrderType, Position, Side
from tradegraph.risk import (
    AccountSnapshot,
    PreTradeChecker,
    PriceMark,
    ProposedOrder,
    ReasonCode,
    RecentOrder,
    RiskConfig,
)
from tradegraph.testing.risk import T0, make_instrument

D = Decimal

N_PER_KIND = 2_000
BTC = make_instrument("BTC/USDT", tick_size="0.01", lot_size="0.0001", min_notional="10")
ETH = make_instrument("ETH/USDT", tick_size="0.01", lot_size="0.001", min_notional="10")
DOGE = make_instrument("DOGE/USDT", tick_size="0.00001", lot_size="1", min_notional="5")
XRP = make_instrument("XRP/USDT", tick_size="0.0001", lot_size="0.1", min_notional="5")
ADA = make_instrument("ADA/USDT", tick_size="0.0001", lot_size="0.1", min_notional="5")
LAST = {BTC.id: D(50000), ETH.id: D(3000), DOGE.id: D("0.15"), XRP.id: D("0.6")}
NOW = T0 + timedelta(seconds=2)
CONFIG = RiskConfig(restricted=frozenset({"DOGE/USDT"}))
CHECKER = PreTradeChecker(CONFIG)
EQUITY = D(1_000_000)


def valid_order(
    rng: random.Random, inst: Instrument, last: D, client_order_id: str = ""
) -> ProposedOrder:
    """An order that passes every check: 0.5-8 % of equity, stop 1-5 %, target 3R and >= 6 %."""
    side = rng.choice([Side.BUY, Side.SELL])
    sign = 1 if side is Side.BUY else -1
    notional = EQUITY * D(rng.randint(50, 800)) / 10_000
    qty = inst.round_quantity(notional / last) + inst.lot_size * rng.randint(0, 50)
    limit = rng.random() < 0.5
    price = inst.round_price(last * (1 + D(rng.randint(-400, 400)) / 10_000)) if limit else None
    entry = price if price is not None else last
    move = D(rng.randint(100, 500)) / 10_000
    stop = inst.round_price(entry * (1 - sign * move), Rounding.DOWN if sign > 0 else Rounding.UP)
    target = inst.round_price(entry * (1 + sign * max(3 * move, D("0.07"))))
    return ProposedOrder(
        inst,
        side,
        qty,
        OrderType.LIMIT if limit else OrderType.MARKET,
        price=price,
        stop_loss=stop,
        take_profit=target,
        client_order_id=client_order_id,
    )


def unlike_recent(rng: random.Random, inst: Instrument, account: AccountSnapshot) -> ProposedOrder:
    """A valid order that does not happen to repeat a recent order (same size and price)."""
    while True:
        order = valid_order(rng, inst, LAST[inst.id])
        if not any(
            (r.instrument_id, r.side, r.quantity, r.price)
            == (inst.id, order.side, order.quantity, order.price)
            for r in account.recent_orders
        ):
            return order


def build_account(rng: random.Random) -> AccountSnapshot:
    recent = []
    for i in range(10):
        o = valid_order(rng, rng.choice([BTC, ETH]), LAST[BTC.id] if i % 2 else LAST[ETH.id])
        o = valid_order(rng, o.instrument, LAST[o.instrument.id], f"r{i}")
        recent.append(
            RecentOrder(
                NOW - timedelta(seconds=rng.randint(1, 8)),
                o.instrument.id,
                o.side,
                o.quantity,
                o.order_type,
                o.price,
                None,
                o.client_order_id,
            )
        )
    working = [
        Order(
            f"w{i}",
            ETH.id,
            Side.BUY,
            OrderType.LIMIT,
            D("1"),
            T0 - timedelta(minutes=5 + i),
            price=D(2900 - i),
        )
        for i in range(5)
    ]
    marks = {iid: PriceMark(p, T0) for iid, p in LAST.items()}
    marks[XRP.id] = PriceMark(LAST[XRP.id], NOW - timedelta(hours=1))  # stale
    return AccountSnapshot(
        equity=EQUITY,
        positions=(Position(BTC.id, D(1), D(48000)), Position(ETH.id, D(-10), D(3100))),
        open_orders=tuple(working),
        last_prices=marks,
        recent_orders=tuple(recent),
    )


def outside_collar(
    rng: random.Random, account: AccountSnapshot
) -> tuple[ProposedOrder, ProposedOrder, ReasonCode]:
    inst = rng.choice([BTC, ETH])
    good = unlike_recent(rng, inst, account)
    last = LAST[inst.id]
    above = rng.random() < 0.5
    excess = (
        D(rng.randint(1, 90_000)) / 100_000 if not above else D(rng.randint(1, 10**7)) / 100_000
    )
    collar = CONFIG.price_collar
    raw = last * (1 + collar + excess) if above else last * (1 - collar - min(excess, D("0.94")))
    price = inst.round_price(raw, Rounding.UP if above else Rounding.DOWN)
    if price == last * (1 + collar) or price == last * (1 - collar):
        price += inst.tick_size if above else -inst.tick_size
    bad = replace(good, order_type=OrderType.LIMIT, price=price, stop_loss=None, take_profit=None)
    return good, bad, ReasonCode.PRICE_COLLAR


def absurd_size(
    rng: random.Random, account: AccountSnapshot
) -> tuple[ProposedOrder, ProposedOrder, ReasonCode]:
    inst = rng.choice([BTC, ETH])
    good = unlike_recent(rng, inst, account)
    factor = D(10) ** rng.randint(3, 6) * rng.randint(1, 9)
    bad = replace(good, quantity=good.quantity * factor)
    return good, bad, ReasonCode.FAT_FINGER


def restricted(
    rng: random.Random, account: AccountSnapshot
) -> tuple[ProposedOrder, ProposedOrder, ReasonCode]:
    good = unlike_recent(rng, BTC, account)
    bad = valid_order(rng, DOGE, LAST[DOGE.id])
    return good, bad, ReasonCode.RESTRICTED_INSTRUMENT


def stale_data(
    rng: random.Random, account: AccountSnapshot
) -> tuple[ProposedOrder, ProposedOrder, ReasonCode]:
    good = unlike_recent(rng, ETH, account)
    if rng.random() < 0.5:
        return good, valid_order(rng, XRP, LAST[XRP.id]), ReasonCode.STALE_DATA
    return good, valid_order(rng, ADA, D("0.4")), ReasonCode.NO_MARKET_PRICE


def duplicate(
    rng: random.Random, account: AccountSnapshot
) -> tuple[ProposedOrder, ProposedOrder, ReasonCode]:
    if rng.random() < 0.5:  # a client order id that is already in use
        good = replace(
            unlike_recent(rng, BTC, account), client_order_id=f"new{rng.randint(0, 10**9)}"
        )
        taken = rng.choice(
            [
                *(o.client_order_id for o in account.open_orders),
                *(r.client_order_id for r in account.recent_orders),
            ]
        )
        return good, replace(good, client_order_id=taken), ReasonCode.DUPLICATE_ORDER
    r = rng.choice(account.recent_orders)  # the same order again within the window
    inst = {BTC.id: BTC, ETH.id: ETH}[r.instrument_id]
    sign = 1 if r.side is Side.BUY else -1
    entry = r.price if r.price is not None else LAST[inst.id]
    bad = ProposedOrder(
        inst,
        r.side,
        r.quantity,
        r.order_type,
        price=r.price,
        stop_loss=inst.round_price(entry * (1 - sign * D("0.02"))),
        take_profit=inst.round_price(entry * (1 + sign * D("0.08"))),
    )
    good = replace(bad, quantity=r.quantity + inst.lot_size)
    return good, bad, ReasonCode.DUPLICATE_ORDER


KINDS: list[
    Callable[[random.Random, AccountSnapshot], tuple[ProposedOrder, ProposedOrder, ReasonCode]]
] = [
    outside_collar,
    absurd_size,
    restricted,
    stale_data,
    duplicate,
]


def test_ten_thousand_erroneous_orders_have_zero_false_accepts() -> None:
    rng = random.Random(20240102)
    account = build_account(rng)
    accepted_bad: list[tuple[str, ProposedOrder]] = []
    rejected_good: list[tuple[str, ProposedOrder, object]] = []
    missing_reason: list[tuple[str, object]] = []
    counts: Counter[str] = Counter()
    for kind in KINDS:
        for _ in range(N_PER_KIND):
            good, bad, reason = kind(rng, account)
            counts[kind.__name__] += 1
            control = CHECKER.check(good, account, NOW)
            if not control.accepted or control.reduced:
                rejected_good.append((kind.__name__, good, control))
            decision = CHECKER.check(bad, account, NOW)
            if decision.accepted:
                accepted_bad.append((kind.__name__, bad))
            elif reason not in decision.reasons:
                missing_reason.append((kind.__name__, decision))
    assert sum(counts.values()) == 10_000
    assert accepted_bad == []
    assert rejected_good == []
    assert missing_reason == []
