"""Order services (list, show, cancel, halt, reconcile) and the execution wiring on SQLite.

Orders are placed by a real ``OrderManager`` over the database-backed order store and the
simulated venue's file journal in the test's data directory; the services then act
through ``bootstrap.execution.oms_opener`` — a second OMS over the same database and
journal, as the CLI does in another process. A ccxt venue is wired against the local fake
Binance.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from tradegraph.adapters.brokers.ccxt import CcxtExecutionClient
from tradegraph.adapters.brokers.simulated_journal import FileVenueJournal
from tradegraph.bootstrap import open_database_from
from tradegraph.bootstrap.execution import (
    build_order_manager,
    known_venues,
    market_instrument,
    oms_opener,
    order_history,
    order_manager,
    order_store,
    simulated_journal_path,
    trading_venue,
)
from tradegraph.bootstrap.risk import risk_state_store
from tradegraph.core.clock import TestClock
from tradegraph.core.errors import NotFoundError, VenueUnavailableError
from tradegraph.execution import KillSwitch, OrderManager
from tradegraph.execution.planning import PlanContext, plan_intent
from tradegraph.execution.ports import OrderRequest
from tradegraph.execution.simulated import SimulatedVenue, SimulatedVenueConfig
from tradegraph.model.bar import Bar
from tradegraph.model.enums import AssetClass, Direction, OrderType, Side
from tradegraph.model.instrument import Instrument
from tradegraph.model.intent import Intent
from tradegraph.model.order import OrderStatus
from tradegraph.model.timeframe import Timeframe
from tradegraph.orchestrator.sessions.assembly import paper_instrument
from tradegraph.persistence.database import Database
from tradegraph.risk import DrawdownGuard, RiskConfig
from tradegraph.risk.decision import RiskDecision
from tradegraph.risk.store import RiskStateStore, observe_equity
from tradegraph.services import orders as service
from tradegraph.services.trading import enforce_halt, halt_strategy, is_halted
from tradegraph.settings import Settings, load_settings
from tradegraph.testing.fake_binance_orders import FakeBinanceTrading
from tradegraph.testing.fake_exchange import FakeBinance

T0 = datetime(2024, 3, 1, tzinfo=UTC)
VENUE = "simulated"
INSTRUMENT = paper_instrument("BTC/USDT", VENUE)
SIM_CONFIG = SimulatedVenueConfig(venue=VENUE, starting_balances={"USDT": Decimal(10_000)})
MINUTE = Timeframe.parse("1m")
GUARD = DrawdownGuard(RiskConfig())


@pytest.fixture
def settings(tmp_path: Path, sqlite_url: str) -> Settings:
    return load_settings(data_dir=tmp_path / "data", database_url=sqlite_url)


@pytest.fixture
def database(settings: Settings) -> Iterator[Database]:
    db = open_database_from(settings)
    yield db
    db.dispose()


@pytest.fixture
def clock() -> TestClock:
    return TestClock(T0)


@pytest.fixture
def risk(database: Database, clock: TestClock) -> RiskStateStore:
    return risk_state_store(database, clock)


def trade_bar(venue: SimulatedVenue, clock: TestClock, price: float) -> None:
    """One minute later, a flat bar at ``price``."""
    clock.advance(timedelta(minutes=1))
    bar = Bar(INSTRUMENT.id, MINUTE, clock.now(), price, price, price, price, 1_000.0)
    venue.on_bar(INSTRUMENT.id, bar)


class Desk:
    """A trading process: an OMS over the test database and the venue's file journal."""

    def __init__(self, settings: Settings, database: Database, clock: TestClock) -> None:
        self.clock = clock
        self._venue_cm = trading_venue(settings, clock, [INSTRUMENT], sim_config=SIM_CONFIG)
        venue = self._venue_cm.__enter__()
        assert isinstance(venue, SimulatedVenue)
        self.venue = venue
        self.oms: OrderManager = build_order_manager(
            settings,
            order_store(database, clock),
            venue,
            clock,
            instruments={INSTRUMENT.id: INSTRUMENT},
            kill_switch=KillSwitch(),
        )

    def bracket(self, strategy: str, decision: str) -> list[str]:
        """A market entry (filled at the next bar) with a stop at 90 and a target at 120."""
        intent = Intent(INSTRUMENT.id, Direction.LONG, self.clock.now(), stop=90.0, target=120.0)
        placed = self.oms.submit_intent(
            intent, RiskDecision.approve(Decimal(1)), strategy_id=strategy, decision_id=decision
        )
        return [r.client_order_id for r in placed.records]

    def limit(self, strategy: str, decision: str, price: float = 80.0) -> str:
        intent = Intent(INSTRUMENT.id, Direction.LONG, self.clock.now(), entry=price)
        placed = self.oms.submit_intent(
            intent,
            RiskDecision.approve(Decimal(2)),
            strategy_id=strategy,
            decision_id=decision,
            order_type=OrderType.LIMIT,
        )
        assert placed.entry is not None
        return placed.entry.client_order_id

    def bar(self, price: float = 100.0) -> None:
        trade_bar(self.venue, self.clock, price)
        self.oms.sync()

    def close(self) -> None:
        self._venue_cm.__exit__(None, None, None)


@pytest.fixture
def desk(settings: Settings, database: Database, clock: TestClock) -> Iterator[Desk]:
    d = Desk(settings, database, clock)
    yield d
    d.close()


def seeded(desk: Desk) -> tuple[list[str], str]:
    """trend: a filled bracket entry with working stop and target; dip: a resting limit."""
    bracket = desk.bracket("trend", "d1")
    desk.bar(100.0)
    limit = desk.limit("dip", "d2")
    desk.close()
    return bracket, limit


def test_list_and_show_orders(desk: Desk, database: Database, clock: TestClock) -> None:
    store = order_store(database, clock)
    assert service.list_orders(store).any_orders is False
    # a NEW bracket leg counts as open: place the entry, look before it fills
    entry, stop, target = desk.bracket("trend", "d1")
    listing = service.list_orders(store)
    assert {r.client_order_id: r.status for r in listing.records} == {
        entry: OrderStatus.ACCEPTED,
        stop: OrderStatus.NEW,
        target: OrderStatus.NEW,
    }
    desk.bar(100.0)
    limit = desk.limit("dip", "d2")
    desk.close()

    open_ids = [r.client_order_id for r in service.list_orders(store).records]
    assert open_ids == [stop, target, limit]
    every = service.list_orders(store, include_closed=True)
    assert every.matched == 4 and not every.open_only
    newest = service.list_orders(store, include_closed=True, limit=2)
    assert [r.client_order_id for r in newest.records] == [target, limit] and newest.truncated
    filled = service.list_orders(store, statuses=[service.parse_status("FILLED")])
    assert [r.client_order_id for r in filled.records] == [entry]
    assert [r.client_order_id for r in service.list_orders(store, strategy_id="dip").records] == [
        limit
    ]

    detail = service.show_order(store, order_history(database, clock, "default"), entry)
    assert detail.record.status is OrderStatus.FILLED
    assert [(f.quantity, f.price) for f in detail.fills] == [(Decimal(1), Decimal(100))]
    kinds = [e.kind for e in detail.history]
    assert kinds == ["order.created", "order.submitted", "order.accepted", "order.filled"]
    assert all(e.payload["client_order_id"] == entry for e in detail.history)
    assert detail.history[-1].payload["trade_id"] == detail.fills[0].trade_id
    with pytest.raises(NotFoundError, match="tg-nope"):
        service.show_order(store, order_history(database, clock, "default"), "tg-nope")


def test_cancel_one_order_through_the_oms(
    desk: Desk, settings: Settings, database: Database, clock: TestClock, risk: RiskStateStore
) -> None:
    (_, stop, _), limit = seeded(desk)
    store = order_store(database, clock)
    opener = oms_opener(settings, database, clock)
    result = service.cancel_order(store, opener, limit, risk_store=risk)
    assert result.was_open and result.record.status is OrderStatus.CANCELED
    assert store.get(limit).status is OrderStatus.CANCELED  # type: ignore[union-attr]
    with trading_venue(settings, clock, create=False) as venue:
        snapshot = venue.query_order(limit, INSTRUMENT.id)
        assert snapshot is not None and snapshot.status is OrderStatus.CANCELED
        stop_at_venue = venue.query_order(stop, INSTRUMENT.id)
        assert stop_at_venue is not None and stop_at_venue.status is OrderStatus.ACCEPTED

    def refuse(venue: str) -> AbstractContextManager[OrderManager]:
        raise AssertionError(f"opened {venue} for an order that is already closed")

    again = service.cancel_order(store, refuse, limit)
    assert not again.was_open and again.record.status is OrderStatus.CANCELED


def test_cancel_all_of_one_strategy(
    desk: Desk, settings: Settings, database: Database, clock: TestClock
) -> None:
    (_, stop, target), limit = seeded(desk)
    store = order_store(database, clock)
    reports = service.cancel_all_orders(
        store, oms_opener(settings, database, clock), strategy_id="trend"
    )
    assert reports.ok and set(reports.canceled) == {stop, target}
    assert store.get(limit).status is OrderStatus.ACCEPTED  # type: ignore[union-attr]


def test_halt_is_durable_and_cancels_every_open_order(
    desk: Desk, settings: Settings, database: Database, clock: TestClock, risk: RiskStateStore
) -> None:
    (_, stop, target), limit = seeded(desk)
    observe_equity(risk, GUARD, "default", "idle", equity=Decimal(5_000), now=clock.now())
    store = order_store(database, clock)
    opener = oms_opener(settings, database, clock)
    outcome = service.halt_trading(
        store, risk, GUARD, opener, now=clock.now(), reason="drill", actor="tester"
    )
    assert outcome.ok
    assert [s for s, _ in outcome.strategies] == ["dip", "idle", "trend"]
    assert set(outcome.newly_halted) == {"dip", "idle", "trend"}
    assert set(outcome.cancels.canceled) == {stop, target, limit}
    for strategy in ("dip", "idle", "trend"):
        assert is_halted(risk, "default", strategy)
    assert not service.list_orders(store).records
    # idempotent: nothing new to halt or cancel
    again = service.halt_trading(
        store, risk, GUARD, opener, now=clock.now(), reason="drill", actor="tester"
    )
    assert again.ok and not again.newly_halted and not again.cancels.venues


def test_halt_with_a_busy_venue_is_durable_first(
    desk: Desk, settings: Settings, database: Database, clock: TestClock, risk: RiskStateStore
) -> None:
    _, limit = seeded(desk)
    store = order_store(database, clock)
    with FileVenueJournal(simulated_journal_path(settings, VENUE)):  # a running session
        with (
            pytest.raises(VenueUnavailableError, match="in use by another process"),
            order_manager(settings, database, clock, create=False),
        ):
            pass
        opener = oms_opener(settings, database, clock)
        outcome = service.halt_trading(
            store, risk, GUARD, opener, now=clock.now(), reason="drill", actor="tester"
        )
    assert not outcome.ok
    [venue] = outcome.cancels.venues
    assert venue.venue == VENUE and "in use" in venue.busy
    assert is_halted(risk, "default", "dip") and is_halted(risk, "default", "trend")
    assert store.get(limit).status is OrderStatus.ACCEPTED  # type: ignore[union-attr]


def test_running_session_enforces_the_durable_halt(
    desk: Desk, database: Database, clock: TestClock, risk: RiskStateStore
) -> None:
    _, stop, target = desk.bracket("trend", "d1")
    desk.bar(100.0)
    other = desk.limit("dip", "d2")
    assert enforce_halt(risk, desk.oms, "default", "trend") is None
    halt_strategy(risk, GUARD, "default", "trend", clock.now(), actor="cli", note="stop")
    report = enforce_halt(risk, desk.oms, "default", "trend")
    assert report is not None and set(report.canceled) == {stop, target}
    assert desk.oms.kill_switch.tripped
    assert "manual_halt" in desk.oms.kill_switch.status.reason
    refused = desk.oms.submit_intent(
        Intent(INSTRUMENT.id, Direction.LONG, clock.now(), stop=90.0),
        RiskDecision.approve(Decimal(1)),
        strategy_id="trend",
        decision_id="d3",
    )
    assert not refused.placed and "kill switch" in refused.refused_reason
    store = order_store(database, clock)
    assert store.get(other).status is OrderStatus.ACCEPTED  # type: ignore[union-attr]


def test_reconcile_ok_then_mismatch_halts(
    desk: Desk, settings: Settings, database: Database, clock: TestClock, risk: RiskStateStore
) -> None:
    seeded(desk)
    store = order_store(database, clock)
    opener = oms_opener(settings, database, clock)
    assert known_venues(settings) == [VENUE]
    reports = service.reconcile_venues(
        store, risk, GUARD, opener, venues=known_venues(settings), now=clock.now()
    )
    assert reports.ok
    [outcome] = reports.venues
    assert outcome.reconcile is not None
    assert [(p.instrument_id, p.local, p.venue) for p in outcome.reconcile.positions] == [
        (INSTRUMENT.id, Decimal(1), Decimal(1))
    ]
    # someone trades on the venue behind the OMS's back
    with trading_venue(settings, clock, create=False) as venue:
        assert isinstance(venue, SimulatedVenue)
        foreign = OrderRequest(
            "foreign-1", INSTRUMENT.id, Side.BUY, OrderType.MARKET, Decimal("0.5")
        )
        venue.submit(foreign)
        trade_bar(venue, clock, 100.0)
    reports = service.reconcile_venues(
        store, risk, GUARD, opener, venues=known_venues(settings), now=clock.now()
    )
    assert not reports.ok
    [outcome] = reports.mismatched
    assert "local 1" in outcome.mismatch and "venue 1.5" in outcome.mismatch
    assert outcome.halted == ("dip", "trend")
    assert is_halted(risk, "default", "dip") and is_halted(risk, "default", "trend")


def test_reconcile_of_a_halted_strategy_drops_its_outbox(
    desk: Desk, settings: Settings, database: Database, clock: TestClock, risk: RiskStateStore
) -> None:
    limit = desk.limit("dip", "d1")
    store = order_store(database, clock)
    # an order committed to the outbox by a process that died before sending it
    plan = plan_intent(
        Intent(INSTRUMENT.id, Direction.LONG, clock.now(), entry=70.0),
        RiskDecision.approve(Decimal(1)),
        INSTRUMENT,
        PlanContext("default", "dip", "d2", clock.now()),
        order_type=OrderType.LIMIT,
    )
    [outbox] = store.add(plan.records)
    desk.close()
    halt_strategy(risk, GUARD, "default", "dip", clock.now(), actor="cli")
    reports = service.reconcile_venues(
        store, risk, GUARD, oms_opener(settings, database, clock), venues=[], now=clock.now()
    )
    [outcome] = reports.venues
    assert outcome.reconcile is not None and "dip" in outcome.kill_switch
    dropped = store.get(outbox.client_order_id)
    assert dropped is not None and dropped.status is OrderStatus.CANCELED
    assert "kill switch" in dropped.order.last_reason
    assert store.get(limit).status is OrderStatus.ACCEPTED  # type: ignore[union-attr]


def test_one_shot_commands_act_in_the_venues_time(
    settings: Settings, database: Database, clock: TestClock, risk: RiskStateStore
) -> None:
    """A replayed session's venue lives in 2024; a reconcile run today activates the
    bracket legs of an entry that filled before the session crashed. They must be stamped
    with the venue's time, so the resumed session's next 2024 bar can fill them."""
    desk = Desk(settings, database, clock)
    entry, stop, _ = desk.bracket("trend", "d1")
    trade_bar(desk.venue, clock, 100.0)  # the entry fills at the venue ...
    desk.close()  # ... and the session dies before it syncs
    store = order_store(database, clock)
    assert store.get(stop).status is OrderStatus.NEW  # type: ignore[union-attr]

    today = TestClock(datetime(2030, 1, 1, tzinfo=UTC))
    opener = oms_opener(settings, database, today)
    reports = service.reconcile_venues(store, risk, GUARD, opener, venues=[], now=today.now())
    assert reports.ok
    assert store.get(entry).status is OrderStatus.FILLED  # type: ignore[union-attr]
    legs = store.get(stop)
    assert legs is not None and legs.status is OrderStatus.ACCEPTED
    assert legs.order.updated_at == clock.now()  # the venue's last event, not 2030

    resumed = Desk(settings, database, clock)
    try:
        resumed.bar(85.0)  # the next replayed bar gaps through the stop
        stopped = store.get(stop)
        assert stopped is not None and stopped.status is OrderStatus.FILLED
    finally:
        resumed.close()


def test_missing_journal_is_an_error_not_a_new_venue(
    settings: Settings, database: Database, clock: TestClock
) -> None:
    with (
        pytest.raises(NotFoundError, match="no journal"),
        order_manager(settings, database, clock, venue="paper", create=False),
    ):
        pass
    assert not simulated_journal_path(settings, "paper").exists()


# --- ccxt venues -------------------------------------------------------------------------------


def test_binance_venues_take_instruments_from_the_markets(
    tmp_path: Path,
    sqlite_url: str,
    binance_server: FakeBinance,
    binance_trading: FakeBinanceTrading,
    clock: TestClock,
) -> None:
    common: dict[str, object] = {
        "data_dir": tmp_path / "data",
        "database_url": sqlite_url,
        "venue_url": binance_server.base_url,
        "venue_api_key": "fake-api-key",
        "venue_api_secret": "fake-secret",
    }
    spot = load_settings(venue="binance", **common)
    perp = load_settings(venue="binance-futures", **common)
    with trading_venue(spot, clock, instrument_ids=["BTC/USDT.binance"]) as client:
        assert isinstance(client, CcxtExecutionClient) and client.venue == "binance"
        assert client.open_orders("BTC/USDT.binance") == []  # a signed request to the fake
        market = client.exchange.markets["BTC/USDT"]
        assert market_instrument(market, "binance", client.exchange.precisionMode) == Instrument(
            symbol="BTC/USDT",
            venue="binance",
            asset_class=AssetClass.CRYPTO_SPOT,
            tick_size=Decimal("0.01"),
            lot_size=Decimal("0.00001"),
            quote_currency="USDT",
            min_notional=Decimal("5"),
            base_currency="BTC",
        )
    with trading_venue(perp, clock, instrument_ids=["BTC/USDT:USDT.binance-futures"]) as client:
        assert isinstance(client, CcxtExecutionClient)
        market = client.exchange.markets["BTC/USDT:USDT"]
        instrument = market_instrument(market, "binance-futures", client.exchange.precisionMode)
        assert instrument.asset_class is AssetClass.CRYPTO_PERP
        assert (instrument.tick_size, instrument.lot_size, instrument.min_notional) == (
            Decimal("0.1"),
            Decimal("0.001"),
            Decimal("100"),
        )
    database = open_database_from(spot)
    try:
        with order_manager(spot, database, clock) as oms:  # spot: balances, no positions
            assert oms.venue == "binance" and oms.config.check_positions is False
            assert oms.config.max_orders_per_second == spot.max_orders_per_second
        with order_manager(perp, database, clock) as oms:
            assert oms.venue == "binance-futures" and oms.config.check_positions is True
    finally:
        database.dispose()
