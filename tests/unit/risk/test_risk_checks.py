"""Pre-trade checks on hand-computed cases: one scenario per rule.

Scenario: BTC at 50,000 (tick 0.01, lot 0.001, min notional 10), equity 100,000.
Default caps: 20 % per instrument and cluster -> 20,000 = 0.4 BTC; 2 % risk -> 2,000;
3x leverage -> 300,000 gross.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from tradegraph.model import Order, OrderType, Position, Side
from tradegraph.risk import (
    AccountSnapshot,
    CorrelationMatrix,
    GuardMode,
    Outcome,
    PreTradeChecker,
    PriceMark,
    ProposedOrder,
    ReasonCode,
    RecentOrder,
    RiskConfig,
)
from tradegraph.testing.risk import T0, make_account, make_instrument

D = Decimal

BTC = make_instrument("BTC/USDT", tick_size="0.01", lot_size="0.001", min_notional="10")
ETH = make_instrument("ETH/USDT", tick_size="0.01", lot_size="0.01", min_notional="10")
SOL = make_instrument("SOL/USDT", tick_size="0.001", lot_size="0.1")
NOW = T0 + timedelta(seconds=1)
R = ReasonCode


def buy(
    qty: str, *, stop: str | None = "49000", target: str | None = "53000", **kw: object
) -> ProposedOrder:
    return ProposedOrder(
        BTC,
        Side.BUY,
        D(qty),
        stop_loss=D(stop) if stop else None,
        take_profit=D(target) if target else None,
        **kw,  # type: ignore[arg-type]
    )


def sell(qty: str, **kw: object) -> ProposedOrder:
    return ProposedOrder(BTC, Side.SELL, D(qty), **kw)  # type: ignore[arg-type]


def account(**kw: object) -> AccountSnapshot:
    prices = {BTC.id: "50000", ETH.id: "3000", SOL.id: "100"}
    return make_account("100000", prices=prices, **kw)  # type: ignore[arg-type]


def check(
    order: ProposedOrder,
    acct: AccountSnapshot | None = None,
    *,
    mode: GuardMode = GuardMode.ACTIVE,
    now=NOW,
    **cfg: object,
):  # type: ignore[no-untyped-def]
    checker = PreTradeChecker(RiskConfig(**cfg))  # type: ignore[arg-type]
    return checker.check(order, acct or account(), now, mode)


def test_a_small_good_order_is_approved_unchanged() -> None:
    d = check(buy("0.2"))
    assert d.outcome is Outcome.APPROVED
    assert d.quantity == D("0.2")
    assert d.reasons == ()
    assert d.risk_increasing


def test_instrument_cap_reduces_to_the_largest_lot_multiple() -> None:
    # 20 % of 100,000 = 20,000 at 50,000 -> 0.4 BTC.
    d = check(buy("1"), max_cluster_exposure=D(1))
    assert d.outcome is Outcome.REDUCED
    assert d.quantity == D("0.4")
    assert d.reasons == (R.INSTRUMENT_EXPOSURE,)


def test_risk_per_trade_reduces_to_the_budget() -> None:
    # Stop 5,000 away: 2 % of 100,000 = 2,000 -> 0.4 BTC. R = 10,000 / 5,000 = 2.
    d = check(
        buy("1", stop="45000", target="60000"),
        max_instrument_exposure=D(1),
        max_cluster_exposure=D(1),
    )
    assert (d.outcome, d.quantity, d.reasons) == (Outcome.REDUCED, D("0.4"), (R.RISK_PER_TRADE,))


def test_reducing_mode_halves_every_capacity() -> None:
    # 10 % of 100,000 -> 0.2 BTC.
    d = check(buy("0.3"), mode=GuardMode.REDUCING)
    assert d.outcome is Outcome.REDUCED
    assert d.quantity == D("0.2")
    assert R.GUARD_REDUCING in d.reasons
    assert R.INSTRUMENT_EXPOSURE in d.reasons


def test_halted_denies_new_risk_but_lets_exits_through() -> None:
    long_one = account(positions={BTC.id: "1"})
    assert check(buy("0.1"), mode=GuardMode.HALTED).reasons == (R.SAFE_MODE,)
    exit_ = check(sell("0.5"), long_one, mode=GuardMode.HALTED)
    assert exit_.outcome is Outcome.APPROVED
    assert not exit_.risk_increasing
    flip = check(sell("1.5", stop_loss=D("51000")), long_one, mode=GuardMode.HALTED)
    assert flip.denied
    assert R.SAFE_MODE in flip.reasons


def test_cancels_always_pass() -> None:
    checker = PreTradeChecker(RiskConfig())
    assert checker.check_cancel("abc").accepted


def test_reduce_only_is_cut_to_the_position() -> None:
    d = check(
        sell("1.5", reduce_only=True), account(positions={BTC.id: "1"}), mode=GuardMode.HALTED
    )
    assert (d.outcome, d.quantity, d.reasons) == (Outcome.REDUCED, D("1"), (R.REDUCE_ONLY,))
    flat = check(sell("1", reduce_only=True))
    assert flat.denied
    assert flat.reasons == (R.REDUCE_ONLY,)


def test_working_orders_on_the_same_side_count_against_an_exit() -> None:
    working = Order("w1", BTC.id, Side.SELL, OrderType.LIMIT, D("0.8"), T0, price=D("51000"))
    acct = AccountSnapshot(
        equity=D(100000),
        positions=(Position(BTC.id, D(1), D(50000)),),
        open_orders=(working,),
        last_prices={BTC.id: PriceMark(D(50000), T0)},
    )
    # 0.8 working + 0.5 new > 1 held: the new sell could open a short, so it adds risk.
    d = check(sell("0.5"), acct, mode=GuardMode.HALTED)
    assert d.denied
    assert d.risk_increasing
    # A reduce-only working order never adds exposure, so it does not count.
    protective = Order(
        "w2", BTC.id, Side.SELL, OrderType.STOP, D("1"), T0, stop_price=D("45000"), reduce_only=True
    )
    acct2 = AccountSnapshot(
        equity=D(100000),
        positions=(Position(BTC.id, D(1), D(50000)),),
        open_orders=(protective,),
        last_prices={BTC.id: PriceMark(D(50000), T0)},
    )
    assert check(sell("1"), acct2, mode=GuardMode.HALTED).outcome is Outcome.APPROVED


def test_working_buys_use_up_instrument_capacity() -> None:
    working = Order("w1", BTC.id, Side.BUY, OrderType.LIMIT, D("0.3"), T0, price=D("49000"))
    acct = AccountSnapshot(
        equity=D(100000), open_orders=(working,), last_prices={BTC.id: PriceMark(D(50000), T0)}
    )
    # 0.4 cap - 0.3 working = 0.1 left.
    d = check(buy("0.1"), acct)
    assert d.outcome is Outcome.APPROVED
    d = check(buy("0.2"), acct, max_cluster_exposure=D(1))
    assert (d.outcome, d.quantity) == (Outcome.REDUCED, D("0.1"))


@pytest.mark.parametrize(
    ("limit", "ok"),
    [("52500", True), ("52500.01", False), ("47500", True), ("47499.99", False)],
)
def test_price_collar_is_five_percent_either_side(limit: str, ok: bool) -> None:
    order = ProposedOrder(
        BTC,
        Side.BUY,
        D("0.1"),
        OrderType.LIMIT,
        price=D(limit),
        stop_loss=D("40000"),
        take_profit=D("60000"),
    )
    d = check(order)
    assert (R.PRICE_COLLAR not in d.reasons) is ok


def test_stale_and_missing_prices_deny_new_risk_but_not_market_exits() -> None:
    assert check(buy("0.1"), now=T0 + timedelta(minutes=5)).accepted
    assert check(buy("0.1"), now=T0 + timedelta(minutes=5, seconds=1)).reasons == (R.STALE_DATA,)
    stale = T0 + timedelta(hours=1)
    long_one = account(positions={BTC.id: "1"})
    assert check(sell("1"), long_one, now=stale).outcome is Outcome.APPROVED
    limit_exit = sell("1", order_type=OrderType.LIMIT, price=D("50000"))
    assert check(limit_exit, long_one, now=stale).reasons == (R.STALE_DATA,)
    no_price = AccountSnapshot(equity=D(100000), positions=(Position(BTC.id, D(1), D(50000)),))
    assert check(buy("0.1"), no_price).reasons == (R.NO_MARKET_PRICE,)
    assert check(sell("1"), no_price).accepted


def test_grid_violations() -> None:
    assert check(buy("0.1005")).reasons == (R.INVALID_QUANTITY,)
    odd = ProposedOrder(
        BTC,
        Side.BUY,
        D("0.1"),
        OrderType.LIMIT,
        price=D("50000.005"),
        stop_loss=D("45000"),
        take_profit=D("60000"),
    )
    assert check(odd).reasons == (R.INVALID_PRICE,)


def test_min_notional() -> None:
    # 0.001 * 50,000 = 50 < 100.
    pricey = make_instrument("BTC/USDT", tick_size="0.01", lot_size="0.001", min_notional="100")
    order = ProposedOrder(
        pricey, Side.BUY, D("0.001"), stop_loss=D("49000"), take_profit=D("53000")
    )
    assert check(order).reasons == (R.BELOW_MIN_NOTIONAL,)
    order2 = ProposedOrder(
        pricey, Side.BUY, D("0.002"), stop_loss=D("49000"), take_profit=D("53000")
    )
    assert check(order2).accepted


def test_max_order_quantity_and_notional() -> None:
    assert check(buy("0.2"), max_order_quantity=D("0.1")).reasons == (R.MAX_ORDER_QUANTITY,)
    assert check(buy("0.2"), max_order_notional=D("9999")).reasons == (R.MAX_ORDER_NOTIONAL,)
    assert check(buy("0.2"), max_order_notional=D("10000")).accepted


def test_fat_finger_beyond_leverage_capacity_is_denied_not_reduced() -> None:
    # 7 BTC = 350,000 > 3 x 100,000.
    d = check(buy("7"))
    assert d.denied
    assert d.reasons == (R.FAT_FINGER,)


def test_reductions_that_keep_too_little_are_denied() -> None:
    # Cap 0.4 of 1.5 requested = 26.7 % >= 20 %: reduced; of 2.5 = 16 %: denied.
    assert check(buy("1.5"), max_cluster_exposure=D(1)).quantity == D("0.4")
    d = check(buy("2.5", stop="49500"), max_cluster_exposure=D(2))  # risk 1,250 < 2,000
    assert d.denied
    assert d.reasons == (R.INSTRUMENT_EXPOSURE,)
    assert check(buy("1"), allow_reduce=False).denied


def test_duplicates_by_client_id_and_by_signature_within_the_window() -> None:
    recent = RecentOrder(
        T0 - timedelta(seconds=5), BTC.id, Side.BUY, D("0.2"), client_order_id="c1"
    )
    acct = AccountSnapshot(
        equity=D(100000), last_prices={BTC.id: PriceMark(D(50000), T0)}, recent_orders=(recent,)
    )
    assert check(buy("0.1", client_order_id="c1"), acct).reasons == (R.DUPLICATE_ORDER,)
    assert check(buy("0.2"), acct).reasons == (R.DUPLICATE_ORDER,)  # 6 s ago, window 10 s
    assert check(buy("0.2"), acct, now=T0 + timedelta(seconds=6)).accepted  # 11 s ago
    assert check(buy("0.3"), acct).accepted


def test_order_rate_limit() -> None:
    recent = tuple(
        RecentOrder(T0 - timedelta(seconds=i), ETH.id, Side.BUY, D(i + 1)) for i in range(20)
    )
    acct = AccountSnapshot(
        equity=D(100000), last_prices={BTC.id: PriceMark(D(50000), T0)}, recent_orders=recent
    )
    # 20 orders within the last minute (T0-19s .. T0) at NOW = T0+1s.
    assert check(buy("0.1"), acct).reasons == (R.ORDER_RATE,)
    # 41 s later the oldest have left the 60 s window.
    later = T0 + timedelta(seconds=42)
    assert check(buy("0.1"), acct, now=later, max_data_age=timedelta(hours=1)).accepted


def test_restricted_by_symbol_or_id() -> None:
    assert check(buy("0.1"), restricted=frozenset({"BTC/USDT"})).reasons == (
        R.RESTRICTED_INSTRUMENT,
    )
    assert check(buy("0.1"), restricted=frozenset({BTC.id})).reasons == (R.RESTRICTED_INSTRUMENT,)
    exit_ = check(sell("1"), account(positions={BTC.id: "1"}), restricted=frozenset({BTC.id}))
    assert exit_.accepted


def test_stop_and_target_rules() -> None:
    assert check(buy("0.1", stop=None)).reasons == (R.MISSING_STOP,)
    assert check(buy("0.1", stop=None), require_stop=False).accepted
    assert check(buy("0.1", stop="51000")).reasons == (R.INVALID_STOP,)
    assert check(buy("0.1", target="48000")).reasons == (R.INVALID_TARGET,)
    assert check(buy("0.1", target=None), require_target=True).reasons == (R.MISSING_TARGET,)
    # R = 500 / 1,000 = 0.5 < 1; profit 500 / 50,000 = 1 % < 5 %.
    d = check(buy("0.1", target="50500"))
    assert d.reasons == (R.REWARD_RISK, R.EXPECTED_PROFIT)
    # Intraday turns the expected-profit floor off; R still applies.
    assert check(buy("0.1", target="50500"), intraday=True).reasons == (R.REWARD_RISK,)
    assert check(buy("0.1", stop="49500", target="51000"), intraday=True).accepted
    # Shorts mirror longs.
    short = sell("0.1", stop_loss=D("51000"), take_profit=D("47000"))
    assert check(short).accepted
    bad_short = sell("0.1", stop_loss=D("49000"), take_profit=D("47000"))
    assert check(bad_short).reasons == (R.INVALID_STOP,)


def test_loss_limits_from_period_pnl() -> None:
    # Start of day = 92,000 + 8,000 = 100,000: an 8 % loss.
    hit = make_account("92000", prices={BTC.id: "50000"}, daily_pnl="-8000")
    assert check(buy("0.1"), hit).reasons == (R.DAILY_LOSS_LIMIT,)
    near = make_account("92001", prices={BTC.id: "50000"}, daily_pnl="-7999")
    assert check(buy("0.1"), near).accepted
    month = make_account("80000", prices={BTC.id: "50000"}, monthly_pnl="-20000")
    assert check(buy("0.1"), month).reasons == (R.MONTHLY_LOSS_LIMIT,)
    broke = make_account("0", prices={BTC.id: "50000"})
    assert R.NON_POSITIVE_EQUITY in check(buy("0.1"), broke).reasons


def test_gross_leverage_room() -> None:
    acct = make_account(
        "100000",
        prices={BTC.id: "50000", ETH.id: "3000", SOL.id: "100"},
        positions={ETH.id: "50", SOL.id: "1400"},  # 50 x 3,000 + 1,400 x 100 = 290,000
    )
    # Room 300,000 - 290,000 = 10,000 -> 0.2 BTC.
    d = check(buy("0.4"), acct)
    assert (d.outcome, d.quantity, d.reasons) == (Outcome.REDUCED, D("0.2"), (R.LEVERAGE,))


def test_correlated_cluster_room() -> None:
    def acct(corr: float) -> AccountSnapshot:
        base = make_account(
            "100000", prices={BTC.id: "50000", ETH.id: "3000"}, positions={ETH.id: "5"}
        )
        return AccountSnapshot(
            equity=base.equity,
            positions=base.positions,
            last_prices=base.last_prices,
            correlations=CorrelationMatrix({(ETH.id, BTC.id): corr}),
        )

    # ETH 15,000 held and correlated: cluster room 20,000 - 15,000 = 5,000 -> 0.1 BTC.
    d = check(buy("0.2"), acct(0.9))
    assert (d.outcome, d.quantity, d.reasons) == (Outcome.REDUCED, D("0.1"), (R.CLUSTER_EXPOSURE,))
    assert check(buy("0.2"), acct(-0.8)).quantity == D("0.1")  # |corr| counts
    assert check(buy("0.2"), acct(0.5)).outcome is Outcome.APPROVED
    static = check(buy("0.2"), acct(0.0), clusters=(frozenset({BTC.id, ETH.id}),))
    assert static.quantity == D("0.1")


def test_contract_multiplier() -> None:
    es = make_instrument("ES", tick_size="0.25", lot_size="1", multiplier="50")
    acct = make_account("10000000", prices={es.id: "5000"})
    # One contract = 250,000; 20 % of 10M = 2M -> 8 contracts.
    order = ProposedOrder(es, Side.BUY, D(10), stop_loss=D("4900"), take_profit=D("5300"))
    d = check(order, acct, max_cluster_exposure=D(1))
    assert (d.quantity, d.reasons) == (D(8), (R.INSTRUMENT_EXPOSURE,))
    # Risk: 100 points x 50 = 5,000 per contract; 2 % of 10M = 200,000 -> 40: not binding.


def test_several_problems_are_all_reported() -> None:
    order = ProposedOrder(
        BTC, Side.BUY, D("0.1"), OrderType.LIMIT, price=D("60000"), client_order_id="dup"
    )
    acct = AccountSnapshot(
        equity=D(100000),
        last_prices={BTC.id: PriceMark(D(50000), T0)},
        recent_orders=(RecentOrder(T0, BTC.id, Side.BUY, D(1), client_order_id="dup"),),
    )
    d = check(order, acct, mode=GuardMode.HALTED, restricted=frozenset({BTC.id}))
    assert set(d.reasons) == {
        R.PRICE_COLLAR,
        R.DUPLICATE_ORDER,
        R.SAFE_MODE,
        R.RESTRICTED_INSTRUMENT,
        R.MISSING_STOP,
    }
    assert "collar" in d.detail
