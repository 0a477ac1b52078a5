"""The fill ledger: round trips with partial fills, adds, partial closes and flips; exact
P&L identities (hypothesis)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradegraph.core.errors import ValidationError
from tradegraph.model.enums import Direction, Side
from tradegraph.model.fill import Fill
from tradegraph.model.trade import ExitReason
from tradegraph.portfolio.ledger import Ledger, exit_reason_for_leg, fold_fills

T0 = datetime(2024, 1, 1, tzinfo=UTC)
BTC = "BTC/USDT.paper"
ETH = "ETH/USDT.paper"


def fill(
    n: int,
    side: Side,
    qty: str,
    price: str,
    *,
    fee: str = "0",
    order: str | None = None,
    instrument: str = BTC,
) -> Fill:
    return Fill(
        trade_id=f"t{n}",
        client_order_id=order or f"o{n}",
        instrument_id=instrument,
        side=side,
        quantity=Decimal(qty),
        price=Decimal(price),
        time=T0 + timedelta(hours=n),
        fee=Decimal(fee),
    )


def test_simple_long_round_trip() -> None:
    ledger = fold_fills(
        [fill(1, Side.BUY, "2", "100", fee="0.2"), fill(2, Side.SELL, "2", "110", fee="0.22")],
        {"o2": ExitReason.TAKE_PROFIT},
    )
    [trade] = ledger.trades
    assert trade.direction is Direction.LONG
    assert (trade.quantity, trade.entry_price, trade.exit_price) == (2, 100, 110)
    assert trade.fees == Decimal("0.42")
    assert trade.pnl == Decimal("19.58")
    assert trade.exit_reason is ExitReason.TAKE_PROFIT
    assert (trade.entry_time, trade.exit_time) == (T0 + timedelta(hours=1), T0 + timedelta(hours=2))
    assert ledger.holdings == {}
    assert ledger.cash_flow == Decimal("19.58")
    assert ledger.realized_pnl == Decimal("19.58")
    model = trade.to_trade()
    assert model.pnl == pytest.approx(19.58)
    assert model.direction is Direction.LONG


def test_partial_fills_and_partial_closes_make_one_round_trip() -> None:
    fills = [
        fill(1, Side.BUY, "1", "100", order="entry"),
        fill(2, Side.BUY, "1", "102", order="entry"),  # partial fill of the same order
        fill(3, Side.SELL, "0.5", "105", order="exit"),  # partial close
        fill(4, Side.BUY, "0.5", "104", order="add"),  # add
        fill(5, Side.SELL, "2", "99", order="stop"),
    ]
    ledger = fold_fills(fills, {"stop": ExitReason.STOP_LOSS})
    [trade] = ledger.trades
    assert trade.quantity == Decimal("2.5")
    assert trade.entry_price == Decimal(254) / Decimal("2.5")  # (100 + 102 + 52) / 2.5
    assert trade.exit_price == Decimal("250.5") / Decimal("2.5")  # (52.5 + 198) / 2.5
    assert trade.pnl == Decimal("250.5") - Decimal(254)
    assert trade.exit_reason is ExitReason.STOP_LOSS
    assert (trade.entry_order_id, trade.exit_order_id) == ("entry", "stop")


def test_open_position_is_marked_with_its_average_price() -> None:
    ledger = fold_fills([fill(1, Side.BUY, "1", "100", fee="1"), fill(2, Side.BUY, "3", "104")])
    holding = ledger.holdings[BTC]
    assert holding.quantity == 4
    assert holding.position.average_price == 103
    assert holding.opened_at == T0 + timedelta(hours=1)
    marks = {BTC: Decimal(110)}
    assert ledger.unrealized_pnl(marks) == Decimal(440) - Decimal(412) - 1
    assert ledger.position_value(marks) == 440
    assert ledger.equity(Decimal(1000), marks) == Decimal(1000) - 413 + 440
    with pytest.raises(ValidationError, match="No mark price"):
        ledger.unrealized_pnl({})


def test_a_flip_closes_one_round_trip_and_opens_the_next() -> None:
    fills = [
        fill(1, Side.SELL, "1", "100", fee="0.1"),
        fill(2, Side.BUY, "3", "90", fee="0.3"),  # closes the short, opens 2 long
        fill(3, Side.SELL, "2", "95"),
    ]
    ledger = fold_fills(fills)
    short, long_ = ledger.trades
    assert short.direction is Direction.SHORT
    assert short.exit_reason is ExitReason.REVERSAL
    assert short.fees == Decimal("0.2")  # 0.1 + a third of 0.3
    assert short.pnl == Decimal(10) - Decimal("0.2")
    assert long_.direction is Direction.LONG
    assert long_.entry_time == T0 + timedelta(hours=2)
    assert long_.quantity == 2
    assert long_.fees == Decimal("0.2")
    assert long_.pnl == Decimal(10) - Decimal("0.2")
    assert long_.exit_reason is ExitReason.SIGNAL
    assert ledger.fees == Decimal("0.4")


def test_instruments_are_independent_and_refeeding_is_idempotent() -> None:
    fills = [
        fill(1, Side.BUY, "1", "100"),
        fill(2, Side.SELL, "10", "5", instrument=ETH),
        fill(3, Side.SELL, "1", "101"),
    ]
    ledger = Ledger().apply_all(fills)
    ledger.apply_all(fills)  # a restarted runner re-feeding what it saw
    assert [t.instrument_id for t in ledger.trades] == [BTC]
    assert list(ledger.holdings) == [ETH]
    assert ledger.holdings[ETH].quantity == -10


def test_out_of_order_and_conflicting_fills_are_refused() -> None:
    ledger = fold_fills([fill(2, Side.BUY, "1", "100")])
    with pytest.raises(ValidationError, match="older than"):
        ledger.apply(fill(1, Side.BUY, "1", "100"))
    with pytest.raises(ValidationError, match="different values"):
        ledger.apply(fill(2, Side.BUY, "2", "100"))


def test_exit_reason_for_leg() -> None:
    assert exit_reason_for_leg("stop") is ExitReason.STOP_LOSS
    assert exit_reason_for_leg("stop.r2") is ExitReason.STOP_LOSS
    assert exit_reason_for_leg("target") is ExitReason.TAKE_PROFIT
    assert exit_reason_for_leg("exit") is ExitReason.SIGNAL
    assert exit_reason_for_leg("entry") is None


_QTY = st.decimals(min_value=Decimal("0.001"), max_value=Decimal(50), places=3)
_PRICE = st.decimals(min_value=Decimal("0.01"), max_value=Decimal(100_000), places=2)
_FEE = st.decimals(min_value=Decimal(0), max_value=Decimal(5), places=4)
_FILLS = st.lists(
    st.tuples(st.sampled_from([BTC, ETH]), st.sampled_from(list(Side)), _QTY, _PRICE, _FEE),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(_FILLS, _PRICE, _PRICE)
def test_trade_pnl_plus_open_pnl_equals_cash_change_plus_marked_positions(
    raw: list[tuple[str, Side, Decimal, Decimal, Decimal]], btc_mark: Decimal, eth_mark: Decimal
) -> None:
    fills = [
        Fill(
            trade_id=f"t{i}",
            client_order_id=f"o{i}",
            instrument_id=iid,
            side=side,
            quantity=qty,
            price=price,
            time=T0 + timedelta(minutes=i),
            fee=fee,
        )
        for i, (iid, side, qty, price, fee) in enumerate(raw)
    ]
    ledger = fold_fills(fills)
    marks = {BTC: btc_mark, ETH: eth_mark}
    cash_change = sum((-f.signed_quantity * f.price - f.fee for f in fills), Decimal(0))
    assert ledger.cash_flow == cash_change
    assert ledger.realized_pnl + ledger.unrealized_pnl(
        marks
    ) == cash_change + ledger.position_value(marks)
    assert sum((t.fees for t in ledger.trades), Decimal(0)) + sum(
        (h.fees for h in ledger.holdings.values()), Decimal(0)
    ) == sum((f.fee for f in fills), Decimal(0))
    for iid in (BTC, ETH):
        net = sum((f.signed_quantity for f in fills if f.instrument_id == iid), Decimal(0))
        held = ledger.holdings.get(iid)
        assert (held.quantity if held else Decimal(0)) == net
    if not ledger.holdings:
        assert ledger.realized_pnl == cash_change
