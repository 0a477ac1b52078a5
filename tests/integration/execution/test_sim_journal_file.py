"""The simulated venue's file journal survives ``kill -9`` of the trading process.

A child process (this file, loaded by path) runs a venue over a ``FileVenueJournal``
(flush per append, no fsync) and acknowledges each order on stdout after ``submit``
returned. The parent kills it with SIGKILL - once at an arbitrary moment in the middle
of the stream, once right after it reported its full state - then reopens the journal
in a new venue: every acknowledged order is there, the state is consistent (and equal
to the reported one in the second case), and the venue carries on.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from tradegraph.adapters.brokers.simulated_journal import FileVenueJournal
from tradegraph.core.clock import TestClock
from tradegraph.execution.ports import OrderRequest
from tradegraph.execution.simulated import SimulatedVenue, SimulatedVenueConfig
from tradegraph.model.bar import Bar
from tradegraph.model.enums import AssetClass, OrderType, Side
from tradegraph.model.instrument import Instrument
from tradegraph.model.order import OrderStatus
from tradegraph.model.timeframe import Timeframe

T0 = datetime(2024, 6, 3, tzinfo=UTC)
INSTRUMENT = Instrument(
    symbol="BTC/USDT",
    venue="sim",
    asset_class=AssetClass.CRYPTO_SPOT,
    tick_size=Decimal("0.01"),
    lot_size=Decimal("0.001"),
    quote_currency="USDT",
    base_currency="BTC",
)
CONFIG = SimulatedVenueConfig(
    commission_pct=Decimal("0.001"),
    participation=Decimal("0.5"),
    starting_balances={"USDT": Decimal(10**9), "BTC": Decimal(100)},
)
ONE_MINUTE = Timeframe.parse("1m")


def open_venue(journal: FileVenueJournal, clock: TestClock) -> SimulatedVenue:
    return SimulatedVenue([INSTRUMENT], clock, CONFIG, journal)


def child_main(path: str, orders: int) -> None:
    """Submit ``orders`` orders (a bar every 5), acknowledging each on stdout; then print
    the state and wait to be killed."""
    clock = TestClock(T0)
    venue = open_venue(FileVenueJournal(path), clock)
    for i in range(orders):
        side = Side.BUY if i % 3 else Side.SELL
        kind = OrderType.MARKET if i % 2 else OrderType.LIMIT
        price = None if kind is OrderType.MARKET else Decimal(100) + Decimal(i % 7) - 3
        venue.submit(OrderRequest(f"o{i}", INSTRUMENT.id, side, kind, Decimal("0.5"), price=price))
        print(f"ack {i}", flush=True)
        if i % 5 == 4:
            bar = Bar(INSTRUMENT.id, ONE_MINUTE, clock.now(), 100.0, 102.0, 98.0, 101.0, 1.5)
            clock.advance(timedelta(minutes=1))
            venue.on_bar(INSTRUMENT.id, bar)
    print("state " + repr(venue.snapshot()), flush=True)
    signal.pause()


def _spawn(path: Path, orders: int) -> subprocess.Popen[str]:
    code = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('child', {__file__!r})\n"
        "module = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(module)\n"
        f"module.child_main({str(path)!r}, {orders})\n"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=dict(os.environ)
    )


def _kill(child: subprocess.Popen[str]) -> list[str]:
    child.send_signal(signal.SIGKILL)
    rest, _ = child.communicate(timeout=30)
    assert child.returncode == -signal.SIGKILL
    return rest.splitlines()


def _consistent(venue: SimulatedVenue) -> None:
    snapshot = venue.snapshot()
    fills = snapshot.fills
    assert [f.trade_id for f in fills] == [f"sim-t{i}" for i in range(1, len(fills) + 1)]
    for order in snapshot.orders:
        mine = sum(
            (f.quantity for f in fills if f.client_order_id == order.client_order_id), Decimal(0)
        )
        assert mine == order.filled_quantity
        if order.status is OrderStatus.FILLED:
            assert mine == order.quantity
    bought = sum((f.signed_quantity for f in fills), Decimal(0))
    totals = {b.currency: b.total for b in snapshot.balances}
    assert totals["BTC"] == 100 + bought


def test_acknowledged_orders_survive_kill_9_mid_stream(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    child = _spawn(path, 1_000_000)
    assert child.stdout is not None
    seen = 0
    while seen < 300:  # let it run, then kill it wherever it is
        line = child.stdout.readline()
        assert line.startswith("ack"), line
        seen += 1
    lines = _kill(child)
    acked = seen - 1 + sum(1 for line in lines if line.startswith("ack"))
    with FileVenueJournal(path) as journal:
        venue = open_venue(journal, TestClock(T0 + timedelta(days=1)))
        for i in range(acked + 1):
            assert venue.query_order(f"o{i}", INSTRUMENT.id) is not None, i
        _consistent(venue)
        count = venue.snapshot().order_count
        assert count >= acked + 1
        carry_on = venue.submit(
            OrderRequest("after", INSTRUMENT.id, Side.BUY, OrderType.MARKET, Decimal(1))
        )
        assert carry_on.venue_order_id == f"sim-o{count + 1}"


def test_a_killed_process_restarts_in_its_reported_state(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    child = _spawn(path, 60)
    output, state = [], None
    assert child.stdout is not None
    for line in child.stdout:
        output.append(line)
        if line.startswith("state "):
            state = line.removeprefix("state ").rstrip("\n")
            break
    _kill(child)
    assert state is not None
    assert sum(1 for line in output if line.startswith("ack")) == 60
    with FileVenueJournal(path) as journal:
        assert journal.discarded_bytes == 0
        venue = open_venue(journal, TestClock(T0 + timedelta(days=1)))
        assert repr(venue.snapshot()) == state
        _consistent(venue)
        assert len(venue.snapshot().fills) > 10
