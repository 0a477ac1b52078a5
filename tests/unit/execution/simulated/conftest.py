"""Fixtures for the simulated venue's tests: a test clock, instruments on venue "sim",
venue and bar builders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest

from tradegraph.core.clock import TestClock
from tradegraph.execution.ports import OrderRequest
from tradegraph.execution.simulated import (
    MemoryVenueJournal,
    SimulatedVenue,
    SimulatedVenueConfig,
    VenueJournal,
)
from tradegraph.model.bar import Bar
from tradegraph.model.enums import AssetClass, OrderType, Side, TimeInForce
from tradegraph.model.instrument import Instrument
from tradegraph.model.timeframe import Timeframe

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
ONE_MINUTE = Timeframe.parse("1m")


def spot(min_notional: str = "10") -> Instrument:
    return Instrument(
        symbol="BTC/USDT",
        venue="sim",
        asset_class=AssetClass.CRYPTO_SPOT,
        tick_size=Decimal("0.01"),
        lot_size=Decimal("0.001"),
        quote_currency="USDT",
        min_notional=Decimal(min_notional),
        base_currency="BTC",
    )


def perp() -> Instrument:
    return Instrument(
        symbol="ETH/USDT:USDT",
        venue="sim",
        asset_class=AssetClass.CRYPTO_PERP,
        tick_size=Decimal("0.05"),
        lot_size=Decimal("0.01"),
        quote_currency="USDT",
        min_notional=Decimal(5),
        base_currency="ETH",
    )


def bar(
    instrument: Instrument,
    time: datetime,
    ohlc: tuple[float, float, float, float],
    volume: float = 1_000.0,
) -> Bar:
    o, h, low, c = ohlc
    return Bar(instrument.id, ONE_MINUTE, time, o, h, low, c, volume)


@pytest.fixture
def clock() -> TestClock:
    return TestClock(T0)


@pytest.fixture
def sim(clock: TestClock) -> SimpleNamespace:
    """``sim.venue(**config)`` builds a venue over ``sim.journal`` (new per test) with a
    spot and a perp instrument and plenty of balance unless told otherwise;
    ``sim.bar(ohlc, volume)`` feeds the next one-minute bar of the spot instrument,
    opening at the clock's time, and moves the clock to its close; ``sim.req(...)``
    builds an OrderRequest (spot unless ``instrument=``)."""
    journal: VenueJournal = MemoryVenueJournal()
    instruments = [spot(), perp()]
    state = SimpleNamespace(venue=None)

    def venue(journal_: VenueJournal | None = None, **overrides: object) -> SimulatedVenue:
        options: dict[str, object] = {
            "starting_balances": {"USDT": Decimal(1_000_000), "BTC": Decimal(10)}
        }
        options.update(overrides)
        config = SimulatedVenueConfig(**options)  # type: ignore[arg-type]
        built = SimulatedVenue(
            instruments, clock, config, journal if journal_ is None else journal_
        )
        state.venue = built
        return built

    def feed(
        ohlc: tuple[float, float, float, float],
        volume: float = 1_000.0,
        instrument: Instrument = instruments[0],
    ) -> list[object]:
        assert state.venue is not None
        b = bar(instrument, clock.now(), ohlc, volume)
        clock.advance(MINUTE)
        return list(state.venue.on_bar(instrument.id, b))

    def req(
        coid: str,
        side: Side,
        kind: OrderType = OrderType.MARKET,
        *,
        qty: str = "1",
        price: str | None = None,
        stop: str | None = None,
        instrument: Instrument = instruments[0],
        tif: TimeInForce = TimeInForce.GTC,
        reduce_only: bool = False,
    ) -> OrderRequest:
        return OrderRequest(
            client_order_id=coid,
            instrument_id=instrument.id,
            side=side,
            order_type=kind,
            quantity=Decimal(qty),
            price=None if price is None else Decimal(price),
            stop_price=None if stop is None else Decimal(stop),
            time_in_force=tif,
            reduce_only=reduce_only,
        )

    return SimpleNamespace(
        venue=venue,
        bar=feed,
        make_bar=bar,
        req=req,
        journal=journal,
        spot=instruments[0],
        perp=instruments[1],
        t0=T0,
    )
