"""Crash matrix (issue #8): the trading process is killed with SIGKILL at every OMS
crash checkpoint, several times across one run of N submissions, and restarted each
time; afterwards the venue holds exactly one order per intent (0 duplicates, 0 lost),
local order state equals the venue's, positions agree and the audit chain is intact —
on SQLite and on PostgreSQL.

Each run is a separate OS process running ``tradegraph.testing.chaos`` (the driver):
the crash runs are forked from a ``multiprocessing`` fork server that has the driver
imported already (a fresh interpreter costs ~1.5 s of imports per restart), the final
clean run is the real command line, ``python -m tradegraph.testing.chaos``. The venue
is a ``SimulatedVenue`` over a ``FileVenueJournal``, so it survives the kills; the test
rebuilds it from that journal to read the venue's state.

Size: ``CHAOS_INTENTS`` (default 200, two crashes per point); ``make chaos`` runs 1,000
submissions (five crashes per point). ``CHAOS_SEED`` picks another crash schedule. Both
are read here only (test knobs; the library reads no environment outside settings).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing.context import ForkServerContext
from pathlib import Path

import pytest

from tradegraph.adapters.brokers.simulated_journal import FileVenueJournal
from tradegraph.core.clock import TestClock
from tradegraph.execution.client_ids import client_order_id
from tradegraph.execution.simulated import SimulatedVenue, VenueSnapshot
from tradegraph.model.order import OrderStatus
from tradegraph.persistence.audit import AuditJournal
from tradegraph.persistence.database import Database
from tradegraph.persistence.orders import SqlOrderStore
from tradegraph.testing import chaos
from tradegraph.testing.chaos import CRASH_POINTS, CrashAt

INTENTS = int(os.environ.get("CHAOS_INTENTS", "200"))  # test-only knob (make chaos: 1000)
SEED = int(os.environ.get("CHAOS_SEED", "8"))
RUN_TIMEOUT = 300.0


@dataclass(frozen=True)
class CrashPlan:
    batch: int
    reconcile_every: int
    crashes: tuple[CrashAt, ...]


def crash_plan(intents: int, seed: int) -> CrashPlan:
    """``max(2, intents // 200)`` crashes per point, in a shuffled order, each a few
    batches into its run, so that together they land across roughly the first 60% of the
    submissions and every one of them happens while intents are still being placed."""
    rng = random.Random(seed)
    batch = max(5, intents // 100)
    batches = -(-intents // batch)
    per_point = max(2, intents // 200)
    span = max(2, batches * 5 // (per_point * len(CRASH_POINTS) * 4))
    crashes: list[CrashAt] = []
    for point in CRASH_POINTS:
        for _ in range(per_point):
            if point == "during_reconcile":
                hit = rng.randint(1, 2)  # 1: while reconciling at restart
            elif point == "after_send_before_ack":
                hit = rng.randint(1, span * batch)
            else:
                hit = rng.randint(1, span)
            crashes.append(CrashAt(point, hit))
    rng.shuffle(crashes)
    return CrashPlan(batch, span, tuple(crashes))


@pytest.fixture(scope="module")
def forkserver() -> ForkServerContext:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["tradegraph.testing.chaos"])
    return context


def driver_args(url: str, journal: Path, plan: CrashPlan) -> list[str]:
    return [
        "--db", url,
        "--venue-journal", str(journal),
        "--intents", str(INTENTS),
        "--seed", str(SEED),
        "--batch", str(plan.batch),
        "--reconcile-every", str(plan.reconcile_every),
    ]  # fmt: skip


def run_forked(context: ForkServerContext, argv: list[str]) -> int | None:
    process = context.Process(target=chaos.exit_with_main, args=(argv,))
    process.start()
    process.join(RUN_TIMEOUT)
    if process.is_alive():
        process.kill()
        process.join()
        pytest.fail(f"chaos driver did not finish within {RUN_TIMEOUT} s: {argv}")
    code: int | None = process.exitcode
    return code


def venue_state(journal_path: Path) -> VenueSnapshot:
    """The venue's state, rebuilt from its journal (as a restarted venue would)."""
    with FileVenueJournal(journal_path) as journal:
        venue = SimulatedVenue(
            [chaos.INSTRUMENT], TestClock(chaos.START), chaos.VENUE_CONFIG, journal
        )
        return venue.snapshot()


def expected_ids() -> set[str]:
    day = chaos.START.astimezone(UTC).date()
    return {
        client_order_id("default", chaos.STRATEGY, chaos.decision_id(i), "entry", day)
        for i in range(INTENTS)
    }


def check_state(url: str, journal_path: Path) -> dict[str, object]:
    """Assert the crash-matrix invariants; returns a few figures for the summary check."""
    wanted = expected_ids()
    venue = venue_state(journal_path)
    per_id = Counter(o.client_order_id for o in venue.orders)
    duplicates = {coid: n for coid, n in per_id.items() if n > 1}
    assert duplicates == {}, f"duplicate venue orders: {duplicates}"
    assert set(per_id) == wanted, (
        f"lost at the venue: {sorted(wanted - set(per_id))[:5]}, "
        f"foreign: {sorted(set(per_id) - wanted)[:5]}"
    )
    at_venue = {o.client_order_id: o for o in venue.orders}

    clock = TestClock(datetime.now(UTC))
    database = Database(url)
    try:
        audit = AuditJournal(database, clock)
        store = SqlOrderStore(database, audit, clock)
        records = store.find(limit=100_000)
        local = {r.client_order_id: r for r in records}
        assert len(records) == len(local) == INTENTS
        assert set(local) == wanted, f"lost locally: {sorted(wanted - set(local))[:5]}"
        mismatched = [
            (coid, r.status, at_venue[coid].status, r.order.filled_quantity,
             at_venue[coid].filled_quantity)
            for coid, r in local.items()
            if (r.status, r.order.filled_quantity, r.order.venue_order_id)
            != (at_venue[coid].status, at_venue[coid].filled_quantity,
                at_venue[coid].venue_order_id)
        ]  # fmt: skip
        assert mismatched == [], f"local state differs from the venue's: {mismatched[:5]}"
        assert all(r.send_attempts >= 1 for r in records)

        local_fills = store.fills()
        assert sorted(f.trade_id for f in local_fills) == sorted(f.trade_id for f in venue.fills)
        assert {(f.trade_id, f.quantity, f.price) for f in local_fills} == {
            (f.trade_id, f.quantity, f.price) for f in venue.fills
        }
        venue_positions = {p.instrument_id: p.quantity for p in venue.positions if p.quantity}
        assert store.net_positions(chaos.INSTRUMENT.venue) == venue_positions

        verification = audit.verify()
        assert verification.ok, verification
        created: Counter[str] = Counter()
        last: dict[str, tuple[object, ...]] = {}
        for entry in audit.iter_entries():
            coid = str(entry.payload.get("client_order_id"))
            if entry.kind == "order.created":
                created[coid] += 1
            last[coid] = (
                entry.payload["status"], entry.payload["filled_quantity"],
                entry.payload["version"],
            )  # fmt: skip
        assert created == Counter(dict.fromkeys(wanted, 1))
        journal_mismatch = [
            coid
            for coid, r in local.items()
            if last[coid] != (r.status.value, str(r.order.filled_quantity), r.version)
        ]
        assert journal_mismatch == [], "orders whose last journal entry is not their state"
    finally:
        database.dispose()
    statuses = Counter(r.status for r in records)
    assert statuses[OrderStatus.FILLED] > INTENTS // 2
    return {
        "orders": len(records),
        "positions": {k: str(v) for k, v in venue_positions.items()},
        "by_status": {s.value: n for s, n in sorted(statuses.items())},
    }


def test_kill_9_at_every_checkpoint_loses_and_duplicates_nothing(
    database_url: str, tmp_path: Path, forkserver: ForkServerContext
) -> None:
    plan = crash_plan(INTENTS, SEED)
    journal = tmp_path / "venue.jsonl"
    database = Database(database_url)
    database.upgrade()
    database.dispose()
    args = driver_args(database_url, journal, plan)

    started = time.monotonic()
    killed: dict[str, int] = defaultdict(int)
    for crash in plan.crashes:
        code = run_forked(forkserver, [*args, "--no-migrate", "--crash-at", str(crash)])
        assert code == -signal.SIGKILL, (
            f"the run meant to crash at {crash} ended with exit code {code} instead"
        )
        killed[crash.point] += 1
    assert set(killed) == set(CRASH_POINTS)

    final = subprocess.run(
        [sys.executable, "-m", "tradegraph.testing.chaos", *args],
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )
    assert final.returncode == 0, final.stdout + final.stderr
    summary = json.loads(final.stdout)
    figures = check_state(database_url, journal)
    assert summary["orders"] == figures["orders"] == INTENTS
    assert summary["venue_orders"] == INTENTS
    positions = summary["positions"]
    assert isinstance(positions, dict)
    assert positions["local"] == positions["venue"] == figures["positions"]
    assert summary["by_status"] == figures["by_status"]
    print(  # the figures, for `make chaos -s` / the benchmarks doc
        f"\ncrash matrix: {INTENTS} submissions, {len(plan.crashes)} kill -9 "
        f"({dict(killed)}), {time.monotonic() - started:.1f} s; final {summary}"
    )
