"""Order handling of the simulated venue: rejections as REJECTED snapshots, balance
reservations and affordability, reduce-only and shorts, futures-style accounting,
client-id semantics, modify, and configuration errors."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest

from tradegraph.core.clock import TestClock
from tradegraph.core.errors import (
    ConfigurationError,
    NotFoundError,
    OrderStateUnknownError,
    PersistenceError,
    ValidationError,
    VenueUnavailableError,
)
from tradegraph.execution.ports import ExecutionClient, OrderRequest
from tradegraph.execution.simulated import (
    FillMode,
    MemoryVenueJournal,
    SimulatedVenue,
    SimulatedVenueConfig,
    VenueEvent,
)
from tradegraph.model.enums import OrderType, Side, TimeInForce
from tradegraph.model.order import OrderStatus
from tradegraph.testing.risk import make_instrument

D = Decimal  # short, for hand-computed figures

MKT, LMT, STP, STL = OrderType.MARKET, OrderType.LIMIT, OrderType.STOP, OrderType.STOP_LIMIT
BUY, SELL = Side.BUY, Side.SELL
FLAT = (100.0, 101.0, 99.0, 100.0)


@pytest.mark.parametrize(
    ("kind", "qty", "price", "stop", "reason"),
    [
        (LMT, "1", "100.005", None, "price 100.005 is not a multiple of the tick size 0.01"),
        (STP, "1", None, "100.001", "stop price 100.001 is not a multiple of the tick size"),
        (LMT, "1.0005", "100", None, "quantity 1.0005 is not a multiple of the lot size 0.001"),
        (LMT, "0.001", "100", None, "notional 0.100 is below the minimum 10"),
        (LMT, "1", None, None, "a limit order needs a limit price"),
        (STL, "1", "100", None, "a stop_limit order needs a stop price"),
        (
            LMT,
            "20000",
            "100",
            None,
            "insufficient balance: needs 2000000 USDT, 1000000 USDT is free",
        ),
    ],
)
def test_invalid_orders_are_rejected_snapshots(  # noqa: PLR0917 - parametrized arguments
    sim: SimpleNamespace,
    kind: OrderType,
    qty: str,
    price: str | None,
    stop: str | None,
    reason: str,
) -> None:
    venue = sim.venue()
    answer = venue.submit(sim.req("x", BUY, kind, qty=qty, price=price, stop=stop))
    assert answer.status is OrderStatus.REJECTED
    assert reason in answer.reason
    assert venue.open_orders() == []
    assert venue.query_order("x", sim.spot.id) == answer
    assert sim.bar((90.0, 120.0, 80.0, 100.0)) == []


def test_other_rejections(sim: SimpleNamespace) -> None:
    venue = sim.venue()
    unknown = venue.submit(OrderRequest("u", "DOGE/USDT.sim", BUY, MKT, D(1)))
    assert (unknown.status, unknown.reason) == (
        OrderStatus.REJECTED,
        "unknown instrument 'DOGE/USDT.sim' on venue 'sim'",
    )
    day = venue.submit(sim.req("d", BUY, LMT, price="100", tif=TimeInForce.DAY))
    assert "time in force day is not supported" in day.reason
    long_id = venue.submit(sim.req("x" * 37, BUY, LMT, price="100"))
    assert "longer than 36" in long_id.reason
    too_much_base = venue.submit(sim.req("s", SELL, LMT, qty="11", price="100"))
    assert too_much_base.reason == "insufficient balance: needs 11 BTC, 10 BTC is free"
    sim.bar(FLAT)  # now the venue knows a price: a market order's notional is checked
    tiny = venue.submit(sim.req("tiny", BUY, MKT, qty="0.05"))
    assert "notional 5.000 is below the minimum 10" in tiny.reason


def test_working_orders_reserve_balance(sim: SimpleNamespace) -> None:
    venue = sim.venue(
        commission_pct=D("0.001"),
        commission_fixed=D(1),
        starting_balances={"USDT": D(1000), "BTC": D(1)},
    )
    venue.submit(sim.req("b", BUY, LMT, qty="5", price="100"))
    venue.submit(sim.req("s", SELL, LMT, qty="0.4", price="200"))
    free = {b.currency: (b.total, b.free) for b in venue.balances()}
    # 5 x 100 x 1.001 + 1 held back for the buy, 0.4 BTC for the sell
    assert free == {"USDT": (D(1000), D("498.5")), "BTC": (D(1), D("0.6"))}
    second = venue.submit(sim.req("b2", BUY, LMT, qty="5", price="100"))
    assert second.status is OrderStatus.REJECTED
    assert second.reason == "insufficient balance: needs 501.500 USDT, 498.500 USDT is free"
    venue.cancel("b", sim.spot.id)
    assert {b.currency: b.free for b in venue.balances()}["USDT"] == D(1000)


def test_an_unaffordable_fill_is_cut_to_what_the_balance_pays(sim: SimpleNamespace) -> None:
    venue = sim.venue(starting_balances={"USDT": D(250)})
    placed = venue.submit(sim.req("b", BUY, qty="3"))  # no price known yet: no reservation
    assert placed.status is OrderStatus.ACCEPTED
    [fill] = sim.bar(FLAT)
    assert (fill.quantity, fill.price) == (D("2.5"), D(100))
    order = venue.query_order("b", sim.spot.id)
    assert (order.status, order.filled_quantity, order.reason) == (
        OrderStatus.CANCELED,
        D("2.5"),
        "insufficient balance",
    )
    assert {b.currency: b.total for b in venue.balances()} == {"BTC": D("2.5"), "USDT": D(0)}


def test_reduce_only_and_no_shorts_on_derivatives(sim: SimpleNamespace) -> None:
    perp = sim.perp
    venue = sim.venue(allow_short=False)
    flat = venue.submit(sim.req("r0", SELL, qty="1", instrument=perp, reduce_only=True))
    assert flat.reason == f"reduce-only sell would not reduce the position in {perp.id}"
    short = venue.submit(sim.req("sh", SELL, qty="1", instrument=perp))
    assert "would open a short position" in short.reason
    venue.submit(sim.req("long", BUY, qty="1", instrument=perp))
    venue.on_bar(perp.id, sim.make_bar(perp, sim.t0, (2500.0, 2510.0, 2490.0, 2505.0)))
    [position] = venue.positions()
    assert position.quantity == D(1)
    reduce = venue.submit(sim.req("r1", SELL, qty="2", instrument=perp, reduce_only=True))
    assert reduce.status is OrderStatus.ACCEPTED
    later = sim.t0 + timedelta(minutes=1)
    venue.on_bar(perp.id, sim.make_bar(perp, later, (2520.0, 2530.0, 2510.0, 2525.0)))
    order = venue.query_order("r1", perp.id)
    assert (order.filled_quantity, order.status) == (D(1), OrderStatus.CANCELED)
    assert order.reason.startswith("position limit reached")
    assert venue.positions() == []


def test_derivatives_settle_pnl_in_the_quote_currency(sim: SimpleNamespace) -> None:
    perp = sim.perp
    venue = sim.venue(commission_fixed=D(1), starting_balances={"USDT": D(1000)})
    prices = [(2500.0, 2500.0, 2500.0, 2500.0), (2550.0, 2550.0, 2550.0, 2550.0)]
    venue.submit(sim.req("b", BUY, qty="2", instrument=perp))
    venue.on_bar(perp.id, sim.make_bar(perp, sim.t0, prices[0]))
    venue.submit(sim.req("s", SELL, qty="3", instrument=perp))
    venue.on_bar(perp.id, sim.make_bar(perp, sim.t0 + timedelta(minutes=1), prices[1]))
    # long 2 @ 2500, sell 3 @ 2550: +100 realized, short 1 opened at 2550, two fees of 1
    [position] = venue.positions()
    assert (position.quantity, position.average_price) == (D(-1), D(2550))
    assert [(b.currency, b.total) for b in venue.balances()] == [("USDT", D(1098))]


def test_client_ids_cancel_and_modify(sim: SimpleNamespace) -> None:
    venue = sim.venue()
    first = venue.submit(sim.req("a", BUY, LMT, price="90"))
    duplicate = venue.submit(sim.req("a", BUY, LMT, price="91"))
    assert duplicate == first  # the working order's own snapshot, not a second order
    assert venue.query_order("a", sim.spot.id) == first
    assert len(venue.snapshot().orders) == 1
    replaced = venue.modify("a", sim.spot.id, new_client_order_id="a2", quantity=D(2))
    assert (replaced.client_order_id, replaced.quantity, replaced.price) == ("a2", D(2), D(90))
    again = venue.modify("a", sim.spot.id, new_client_order_id="a2", quantity=D(2))
    assert again == replaced  # a retried modify finds its replacement
    assert [o.client_order_id for o in venue.open_orders()] == ["a2"]
    canceled = venue.query_order("a", sim.spot.id)
    assert (canceled.status, canceled.reason) == (OrderStatus.CANCELED, "replaced by 'a2'")
    venue.submit(sim.req("m", BUY))
    sim.bar(FLAT)
    late = venue.modify("m", sim.spot.id, new_client_order_id="m2", price=D(1))
    assert late.status is OrderStatus.REJECTED
    assert late.reason == "cannot modify 'm': it is filled"
    with pytest.raises(NotFoundError, match="no order 'zz'"):
        venue.cancel("zz", sim.spot.id)
    assert venue.query_order("a2", sim.perp.id) is None  # client ids are per instrument


def test_bars_must_come_in_order_for_known_instruments(sim: SimpleNamespace) -> None:
    venue = sim.venue()
    sim.bar(FLAT)
    with pytest.raises(ValidationError, match="is not after the previous bar"):
        venue.on_bar(sim.spot.id, sim.make_bar(sim.spot, sim.t0, FLAT))
    with pytest.raises(ValidationError, match="is not traded on venue 'sim'"):
        venue.on_bar("X.sim", sim.make_bar(sim.spot, sim.t0, FLAT))
    with pytest.raises(ValidationError, match="Quote"):
        venue.on_quote(sim.spot.id, D(101), D(100))


def test_venue_satisfies_the_port_and_checks_instrument_venues(clock: TestClock) -> None:
    venue = SimulatedVenue([make_instrument(venue="sim")], clock)
    assert isinstance(venue, ExecutionClient)
    assert venue.capabilities.reports_positions
    assert not venue.capabilities.native_modify
    with pytest.raises(ConfigurationError, match="not to the simulated venue 'sim'"):
        SimulatedVenue([make_instrument(venue="binance")], clock)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("commission_pct", 0.001, "not 0.001"),
        ("commission_pct", D("0.2"), "a fraction in \\[0, 0.1\\)"),
        ("slippage_bps", D(-1), ">= 0"),
        ("participation", D(0), "in \\(0, 1\\]"),
        ("latency", timedelta(seconds=-1), "a timedelta >= 0"),
        ("venue", " ", "a non-empty name"),
        ("starting_balances", {"USDT": D(-1)}, ">= 0"),
    ],
)
def test_config_validation(field: str, value: object, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        SimulatedVenueConfig(**{field: value})  # type: ignore[arg-type]


def test_config_converts_exact_values() -> None:
    config = SimulatedVenueConfig(
        commission_pct="0.001",  # type: ignore[arg-type]
        starting_balances={"USDT": 5},  # type: ignore[dict-item]
    )
    assert config.commission_pct == D("0.001")
    assert config.maker_rate == D("0.001")
    assert config.balances() == (("USDT", D(5)),)


class FailingJournal(MemoryVenueJournal):
    """A memory journal that fails once ``appends_left`` more appends were stored."""

    def __init__(self) -> None:
        super().__init__()
        self.appends_left: int | None = None

    def append(self, event: VenueEvent) -> None:
        if self.appends_left is not None:
            if self.appends_left <= 0:
                raise PersistenceError("disk full", hint="free some space")
            self.appends_left -= 1
        super().append(event)


def test_a_journal_failure_means_nothing_was_executed(sim: SimpleNamespace) -> None:
    journal = FailingJournal()
    venue = sim.venue(journal)
    venue.submit(sim.req("rest", BUY, LMT, price="90"))
    before = venue.snapshot()
    journal.appends_left = 0
    with pytest.raises(VenueUnavailableError, match="could not record OrderPlaced"):
        venue.submit(sim.req("new", BUY, LMT, price="90"))
    with pytest.raises(VenueUnavailableError, match="Nothing was executed"):
        venue.cancel("rest", sim.spot.id)
    assert venue.snapshot() == before
    assert venue.query_order("new", sim.spot.id) is None
    journal.appends_left = None
    assert sim.venue(journal).snapshot() == before  # and a restart agrees


def test_a_journal_failure_after_acceptance_is_an_unknown_outcome(sim: SimpleNamespace) -> None:
    journal = FailingJournal()
    venue = sim.venue(journal, fill_mode=FillMode.CLOSE)
    sim.bar(FLAT)
    venue.submit(sim.req("rest", BUY, LMT, price="90"))
    journal.appends_left = 1  # the order is recorded, its fill at the close is not
    with pytest.raises(OrderStateUnknownError, match="accepted as sim-o2"):
        venue.submit(sim.req("mkt", BUY))
    assert venue.query_order("mkt", sim.spot.id).status is OrderStatus.ACCEPTED
    journal.appends_left = 1  # the cancel is recorded, the replacement is not
    with pytest.raises(OrderStateUnknownError, match="replacement 'rest2' could not be placed"):
        venue.modify("rest", sim.spot.id, new_client_order_id="rest2")
    assert venue.query_order("rest", sim.spot.id).status is OrderStatus.CANCELED
    assert venue.query_order("rest2", sim.spot.id) is None


def test_quote_times_must_be_utc(sim: SimpleNamespace) -> None:
    venue = sim.venue()
    with pytest.raises(ValidationError, match="not timezone-aware UTC"):
        venue.on_quote(sim.spot.id, D(99), D(100), datetime(2024, 1, 1))


def test_modify_moves_the_stop_of_a_stop_order_and_keeps_the_remaining_quantity(
    sim: SimpleNamespace,
) -> None:
    venue = sim.venue(participation=D("0.1"))
    venue.submit(sim.req("stop", BUY, STP, qty="3", stop="110.00"))
    venue.submit(sim.req("lmt", BUY, LMT, qty="3", price="99.50"))
    sim.bar(FLAT, 10)  # the limit takes 1 of 3
    stop = venue.modify("stop", sim.spot.id, new_client_order_id="stop2", price=D("105.00"))
    assert (stop.stop_price, stop.price, stop.quantity) == (D("105.00"), None, D(3))
    lmt = venue.modify("lmt", sim.spot.id, new_client_order_id="lmt2", price=D("99.00"))
    assert (lmt.price, lmt.quantity, lmt.filled_quantity) == (D("99.00"), D(2), D(0))
