"""Fill-rule parity between the simulated venue and the backtest engine.

For random bars (on a 0.01 tick grid) and one entry order - market, limit, stop or
stop-limit, buy (long entry) or sell (short entry), placed on a bar's close - plus an
optional later exit signal, ``run_backtest`` (the real compiled engine) and a
``SimulatedVenue`` fed the same bars must agree on every fill: bar, side, price and fee,
and on the entry order's final state. Compared under both fill modes (next open, close),
with slippage (bps) and percent + fixed commission, and limit / stop prices drawn both
at random and exactly at later bars' open / high / low (the boundary cases).

How the venue is driven, as the engine's semantics say: bar t arrives at its open time;
the clock then moves to its close, where the entry (bar s) is submitted, and where an
exit signal (bar e) cancels a still-working entry and submits a market order closing
the position. The engine runs with ``order_ttl=0`` (good till canceled, as the venue),
``Sizing.FIXED`` one unit, and no stops / targets (the OMS's job, not the venue's).
Not compared: entries the engine sizes from equity, protective exits, reversals.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradegraph.backtest import (
    BacktestConfig,
    Direction,
    FillMode,
    Intents,
    MarketData,
    Sizing,
    run_backtest,
)
from tradegraph.core.clock import TestClock
from tradegraph.execution.ports import OrderRequest
from tradegraph.execution.simulated import FillMode as VenueFillMode
from tradegraph.execution.simulated import SimulatedVenue, SimulatedVenueConfig
from tradegraph.model.bar import Bar
from tradegraph.model.enums import AssetClass, OrderType, Side
from tradegraph.model.fill import Fill
from tradegraph.model.instrument import Instrument
from tradegraph.model.order import OrderStatus
from tradegraph.model.timeframe import Timeframe

T0 = datetime(2024, 5, 1, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
ONE_MINUTE = Timeframe.parse("1m")
INSTRUMENT = Instrument(
    symbol="ETH/USDT:USDT",
    venue="sim",
    asset_class=AssetClass.CRYPTO_PERP,
    tick_size=Decimal("0.01"),
    lot_size=Decimal(1),
    quote_currency="USDT",
)
STATUS = {"filled": OrderStatus.FILLED, "cancelled": OrderStatus.CANCELED}

Cents = tuple[int, int, int, int]
FillRow = tuple[int, str, float, float]  # bar, side, price, fee


@dataclass(frozen=True, slots=True)
class Scenario:
    """Bars (open, high, low, close in cents), one entry on bar ``signal``'s close, an
    optional exit signal on bar ``exit``, and the fee / slippage / fill-mode settings."""

    bars: list[Cents]
    signal: int
    side: Side
    kind: OrderType
    limit: int | None
    stop: int | None
    exit: int | None
    close_mode: bool
    slippage_bps: int
    commission_pct: str
    commission_fixed: str


@st.composite
def markets(draw: st.DrawFn) -> list[Cents]:
    """Gaps between a close and the next open, wicks beyond open and close."""
    n = draw(st.integers(5, 12))
    bars = []
    close = 20_000
    for _ in range(n):
        o = close + draw(st.integers(-150, 150))
        c = o + draw(st.integers(-250, 250))
        h = max(o, c) + draw(st.integers(0, 120))
        low = min(o, c) - draw(st.integers(0, 120))
        bars.append((o, h, low, c))
        close = c
    return bars


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    bars = draw(markets())
    n = len(bars)
    signal = draw(st.integers(0, n - 2))
    later = [price for bar in bars[signal + 1 :] for price in bar[:3]]

    def price() -> int:
        if draw(st.booleans()):
            return draw(st.sampled_from(later))  # exactly a later open / high / low
        return bars[signal][3] + draw(st.integers(-400, 400))

    kind = draw(st.sampled_from(list(OrderType)))
    return Scenario(
        bars=bars,
        signal=signal,
        side=draw(st.sampled_from(list(Side))),
        kind=kind,
        limit=price() if kind.needs_price else None,
        stop=price() if kind.needs_stop_price else None,
        exit=draw(st.none() | st.integers(signal + 1, n - 1)),
        close_mode=draw(st.booleans()),
        slippage_bps=draw(st.sampled_from([0, 3, 10, 25])),
        commission_pct=draw(st.sampled_from(["0", "0.001", "0.0025"])),
        commission_fixed=draw(st.sampled_from(["0", "0.5"])),
    )


def _at(n: int, bar: int | None, value: float) -> npt.NDArray[np.float64]:
    out = np.full(n, np.nan)
    if bar is not None:
        out[bar] = value
    return out


def run_engine(sc: Scenario) -> tuple[list[FillRow], str]:
    """The backtest engine's fills and the entry order's final status."""
    bars = np.asarray(sc.bars, dtype=np.float64) / 100
    n = bars.shape[0]
    market = MarketData.from_arrays(bars[:, 0], bars[:, 1], bars[:, 2], bars[:, 3])
    entry = _at(n, sc.signal, 1.0) == 1.0
    exit_ = _at(n, sc.exit, 1.0) == 1.0
    limit = _at(n, sc.signal, np.nan if sc.limit is None else sc.limit / 100)
    stop = _at(n, sc.signal, np.nan if sc.stop is None else sc.stop / 100)
    buy = sc.side is Side.BUY
    intents = Intents(
        entry_long=entry if buy else None,
        entry_short=None if buy else entry,
        exit=exit_,
        limit=limit,
        stop_entry=stop,
    )
    config = BacktestConfig(
        cash=1e9,
        direction=Direction.LONG if buy else Direction.SHORT,
        sizing=Sizing.FIXED,
        size=1.0,
        lot_size=1.0,
        tick_size=0.01,
        order_ttl=0,
        fill=FillMode.CLOSE if sc.close_mode else FillMode.NEXT_OPEN,
        slippage_bps=float(sc.slippage_bps),
        commission_pct=float(sc.commission_pct),
        commission_fixed=float(sc.commission_fixed),
    )
    result = run_backtest(market, intents, config)
    frame = result.fills
    fills = [
        (int(b), str(side), float(p), float(f))
        for b, side, p, f in zip(
            frame["bar"], frame["side"], frame["price"], frame["fee"], strict=True
        )
    ]
    [status] = list(result.orders["status"])
    return fills, str(status)


def run_venue(sc: Scenario) -> tuple[list[FillRow], OrderStatus]:
    """The simulated venue's fills (with the bar they happened on) and the entry's status."""
    clock = TestClock(T0)
    config = SimulatedVenueConfig(
        fill_mode=VenueFillMode.CLOSE if sc.close_mode else VenueFillMode.NEXT_OPEN,
        slippage_bps=Decimal(sc.slippage_bps),
        commission_pct=Decimal(sc.commission_pct),
        commission_fixed=Decimal(sc.commission_fixed),
        starting_balances={"USDT": Decimal(10**9)},
    )
    venue = SimulatedVenue([INSTRUMENT], clock, config)

    def price(cents: int | None) -> Decimal | None:
        return None if cents is None else Decimal(cents) / 100

    entry = OrderRequest(
        "entry", INSTRUMENT.id, sc.side, sc.kind, Decimal(1), price(sc.limit), price(sc.stop)
    )
    fills: list[tuple[int, Fill]] = []
    for t, (o, h, low, c) in enumerate(sc.bars):
        bar = Bar(
            INSTRUMENT.id, ONE_MINUTE, T0 + t * MINUTE, o / 100, h / 100, low / 100, c / 100, 1e6
        )
        clock.set(bar.time)
        fills.extend((t, f) for f in venue.on_bar(INSTRUMENT.id, bar))
        clock.set(bar.close_time)
        before = len(venue.fills(INSTRUMENT.id))
        if t == sc.signal:
            venue.submit(entry)
        if t == sc.exit:
            venue.cancel("entry", INSTRUMENT.id)
            for position in venue.positions():
                side = Side.SELL if position.quantity > 0 else Side.BUY
                size = abs(position.quantity)
                venue.submit(OrderRequest("exit", INSTRUMENT.id, side, OrderType.MARKET, size))
        fills.extend((t, f) for f in venue.fills(INSTRUMENT.id)[before:])  # CLOSE-mode fills
    order = venue.query_order("entry", INSTRUMENT.id)
    assert order is not None
    rows = [(t, f.side.value, float(f.price), float(f.fee)) for t, f in fills]
    return rows, order.status


def assert_same(sc: Scenario) -> list[FillRow]:
    engine_fills, engine_status = run_engine(sc)
    venue_fills, venue_status = run_venue(sc)
    assert len(venue_fills) == len(engine_fills), (venue_fills, engine_fills)
    for got, want in zip(venue_fills, engine_fills, strict=True):
        assert got[:2] == want[:2]
        assert got[2] == pytest.approx(want[2], abs=1e-9)
        assert got[3] == pytest.approx(want[3], abs=1e-9)
    assert venue_status is STATUS.get(engine_status, OrderStatus.ACCEPTED)  # pending: working
    return engine_fills


@settings(max_examples=120, deadline=None)
@given(sc=scenarios())
def test_the_venue_fills_like_the_backtest_engine(sc: Scenario) -> None:
    assert_same(sc)


@pytest.mark.parametrize("close_mode", [False, True])
@pytest.mark.parametrize(
    ("kind", "limit", "stop"),
    [
        (OrderType.MARKET, None, None),
        (OrderType.LIMIT, 19_900, None),
        (OrderType.STOP, None, 20_250),
        (OrderType.STOP_LIMIT, 20_260, 20_250),
    ],
)
def test_each_order_type_and_fill_mode_fills_and_exits_alike(
    kind: OrderType, limit: int | None, stop: int | None, close_mode: bool
) -> None:
    """A fixed case per order type and fill mode that is known to fill and exit, so each
    rule is certainly compared (not only when hypothesis happens to reach it)."""
    bars = [
        (20_000, 20_050, 19_950, 20_000),
        (20_100, 20_300, 19_800, 20_200),
        (20_200, 20_400, 20_000, 20_300),
        (20_350, 20_500, 20_300, 20_400),
    ]
    sc = Scenario(bars, 0, Side.BUY, kind, limit, stop, 2, close_mode, 10, "0.001", "0.5")
    assert len(assert_same(sc)) == 2
