"""Restart persistence: a venue rebuilt over its journal (in memory or in a JSON-lines
file) is in the identical state and carries on identically; the file journal drops a
torn last line, refuses damaged lines and a second writer; the codec round-trips."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from tradegraph.adapters.brokers.simulated_journal import FileVenueJournal
from tradegraph.core.clock import TestClock
from tradegraph.core.errors import ConfigurationError, IntegrityError, PersistenceError
from tradegraph.execution.simulated import (
    MemoryVenueJournal,
    OrderTriggered,
    SimulatedVenue,
    SimulatedVenueConfig,
    decode_event,
    encode_event,
)
from tradegraph.model.enums import OrderType, Side, TimeInForce

D = Decimal  # short, for hand-computed figures

CONFIG: dict[str, Any] = {
    "commission_pct": D("0.001"),
    "maker_commission_pct": D("0.0005"),
    "commission_fixed": D("0.1"),
    "slippage_bps": D(3),
    "participation": D("0.25"),
    "latency": timedelta(seconds=5),
}

STARTING = {"USDT": D(1_000_000), "BTC": D(10)}  # as the ``sim`` fixture's default


def drive(sim: SimpleNamespace, venue: SimulatedVenue, clock: TestClock) -> None:
    """Every kind of state change: accepts, rejects, partial fills, triggers, cancels,
    modifies, expiries, spot and perp fills."""
    lmt, stl, stp = OrderType.LIMIT, OrderType.STOP_LIMIT, OrderType.STOP
    buy, sell = Side.BUY, Side.SELL
    venue.submit(sim.req("m1", buy, qty="7"))
    venue.submit(sim.req("l1", buy, lmt, qty="2", price="97.00"))
    venue.submit(sim.req("sl1", buy, stl, qty="1", price="100.80", stop="101.00"))
    venue.submit(sim.req("st1", sell, stp, qty="1", stop="90.00"))
    venue.submit(sim.req("bad", buy, lmt, qty="1", price="99.999"))
    venue.submit(sim.req("ioc", buy, lmt, qty="1", price="90", tif=TimeInForce.IOC))
    venue.submit(sim.req("p1", buy, qty="1", instrument=sim.perp))
    clock.advance(timedelta(seconds=10))
    sim.bar((100.0, 102.0, 99.0, 101.0), 12)
    venue.on_bar(sim.perp.id, sim.make_bar(sim.perp, clock.now(), (2500.0, 2510.0, 2490.0, 2500.0)))
    sim.bar((100.5, 100.9, 97.5, 98.0), 8)
    venue.modify("l1", sim.spot.id, new_client_order_id="l2", price=D("96.00"))
    venue.cancel("st1", sim.spot.id)
    venue.submit(sim.req("m1", sell, qty="1"))  # m1 is still working: no second order
    sim.bar((98.0, 99.0, 95.0, 96.0), 4)
    venue.submit(sim.req("p2", sell, qty="3", instrument=sim.perp))
    clock.advance(timedelta(seconds=10))
    venue.on_quote(sim.perp.id, D("2520.00"), D("2520.05"))


def carry_on(
    sim: SimpleNamespace, venue: SimulatedVenue, clock: TestClock
) -> list[tuple[str, D, D]]:
    venue.submit(sim.req("after", Side.SELL, qty="2"))
    clock.advance(timedelta(minutes=1))
    bar = sim.make_bar(sim.spot, clock.now(), (97.0, 98.0, 96.0, 97.0), 100)
    return [(f.trade_id, f.quantity, f.price) for f in venue.on_bar(sim.spot.id, bar)]


def test_a_rebuilt_venue_has_the_identical_state(sim: SimpleNamespace, clock: TestClock) -> None:
    venue = sim.venue(**CONFIG)
    drive(sim, venue, clock)
    before = venue.snapshot()
    assert before.trade_count >= 6
    assert {o.status.value for o in before.orders} >= {"filled", "canceled", "rejected", "expired"}
    assert any(o.status.value == "partially_filled" for o in before.orders)
    # what is held back: only the resting buy l2 (2 x 96 at the highest fee rate, plus
    # the fixed fee); m1 was sent before any price was known, so it reserves nothing
    [usdt] = [b for b in before.balances if b.currency == "USDT"]
    assert [o.client_order_id for o in venue.open_orders()] == ["m1", "l2"]
    assert usdt.total - usdt.free == 2 * D(96) * D("1.001") + D("0.1")
    rebuilt = sim.venue(**CONFIG)  # over the same in-memory journal
    assert rebuilt.snapshot() == before
    assert rebuilt.open_orders() == venue.open_orders()
    assert rebuilt.balances() == venue.balances()
    # two venues over copies of the journal carry on identically (ids continue)
    results = []
    for _ in range(2):
        copy = MemoryVenueJournal()
        for event in sim.journal.read():
            copy.append(event)
        own_clock = TestClock(clock.now())
        config = SimulatedVenueConfig(**CONFIG, starting_balances=STARTING)
        twin = SimulatedVenue([sim.spot, sim.perp], own_clock, config, copy)
        results.append((carry_on(sim, twin, own_clock), twin.snapshot()))
    assert results[0] == results[1]
    assert results[0][0][0][0] == f"sim-t{before.trade_count + 1}"


def test_restart_from_a_file_journal(
    sim: SimpleNamespace, clock: TestClock, tmp_path: Path
) -> None:
    path = tmp_path / "venue" / "journal.jsonl"
    with FileVenueJournal(path) as journal:
        venue = sim.venue(journal, **CONFIG)
        drive(sim, venue, clock)
        before = venue.snapshot()
    lines = path.read_text().splitlines()
    assert json.loads(lines[0])["type"] == "opened"
    assert len(lines) == len(journal.read())
    with FileVenueJournal(path, fsync=True) as reopened:
        assert reopened.discarded_bytes == 0
        restarted = sim.venue(reopened, **CONFIG)
        assert restarted.snapshot() == before
        fills = carry_on(sim, restarted, clock)
        assert fills[0][0] == f"sim-t{before.trade_count + 1}"
        after = restarted.snapshot()
    with FileVenueJournal(path) as third:
        assert sim.venue(third, **CONFIG).snapshot() == after


def test_a_torn_last_line_is_dropped(
    sim: SimpleNamespace, clock: TestClock, tmp_path: Path
) -> None:
    path = tmp_path / "journal.jsonl"
    with FileVenueJournal(path) as journal:
        venue = sim.venue(journal, **CONFIG)
        drive(sim, venue, clock)
        before = venue.snapshot()
    complete = path.read_bytes()
    torn = b'{"fee":"0.1","liquidity":"taker","price":"97.0'  # a crash mid-write
    path.write_bytes(complete + torn)
    with FileVenueJournal(path) as reopened:
        assert reopened.discarded_bytes == len(torn)
        assert path.read_bytes() == complete  # truncated back to the last full line
        restarted = sim.venue(reopened, **CONFIG)
        assert restarted.snapshot() == before
        carry_on(sim, restarted, clock)
        after = restarted.snapshot()
    with FileVenueJournal(path) as again:
        assert again.discarded_bytes == 0
        assert sim.venue(again, **CONFIG).snapshot() == after


def test_a_damaged_complete_line_is_refused(sim: SimpleNamespace, tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    with FileVenueJournal(path) as journal:
        venue = sim.venue(journal)
        venue.submit(sim.req("a", Side.BUY))
    lines = path.read_text().splitlines(keepends=True)
    path.write_text(lines[0] + lines[1][:20] + "\n")
    with pytest.raises(IntegrityError, match="line 2 is not valid JSON"):
        FileVenueJournal(path)
    path.write_text(lines[0] + lines[1].replace('"quantity":"1"', '"quantity":"-1"'))
    with pytest.raises(IntegrityError, match="quantity must be positive"):
        FileVenueJournal(path)


def test_one_writer_per_journal_file(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    first = FileVenueJournal(path)
    with pytest.raises(PersistenceError, match="in use by another writer"):
        FileVenueJournal(path)
    first.close()
    first.close()  # idempotent
    FileVenueJournal(path).close()
    event = OrderTriggered(datetime(2024, 1, 1, tzinfo=UTC), "sim-o1")
    with pytest.raises(PersistenceError, match="is closed"):
        first.append(event)


def test_reopening_with_another_config_is_refused(sim: SimpleNamespace) -> None:
    sim.venue()
    with pytest.raises(ConfigurationError, match="was started by venue 'sim' with balances"):
        sim.venue(starting_balances={"USDT": D(5)})


def test_a_journal_must_start_with_the_opening(clock: TestClock, sim: SimpleNamespace) -> None:
    venue = sim.venue()
    venue.submit(sim.req("a", Side.BUY))
    events = list(sim.journal.read())
    broken = MemoryVenueJournal()
    for event in events[1:]:
        broken.append(event)
    with pytest.raises(IntegrityError, match="not with the venue's opening"):
        SimulatedVenue([sim.spot], clock, journal=broken)


def test_the_codec_round_trips_every_event(sim: SimpleNamespace, clock: TestClock) -> None:
    venue = sim.venue(**CONFIG)
    drive(sim, venue, clock)
    events = sim.journal.read()
    assert {type(e).__name__ for e in events} == {
        "VenueOpened",
        "OrderPlaced",
        "OrderTriggered",
        "OrderFilled",
        "OrderClosed",
    }
    for event in events:
        text = json.dumps(encode_event(event))
        assert decode_event(json.loads(text)) == event
    with pytest.raises(IntegrityError, match="unknown event type"):
        decode_event({"v": 1, "type": "nope", "time": "2024-01-01T00:00:00+00:00"})
    with pytest.raises(IntegrityError, match="format version"):
        decode_event({"v": 99, "type": "opened"})
