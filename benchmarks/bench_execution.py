"""Execution benchmark: intents → persisted orders → simulated venue → fills stored, in
orders per second (target: >= 1,000 orders/s on SQLite).

One pass per batch size (1, 10, 100, 1000 intents per ``submit_intents`` call): the OMS
plans each batch (one market order per intent), commits it (the outbox), claims it,
sends every order to a ``SimulatedVenue`` (in-memory journal), records the answers; the
venue gets a bar, which fills every order, and ``sync`` stores the fills (de-duplicated
by trade id). The clock is the figure's denominator: everything from planning to the
stored fills. Stores: ``SqlOrderStore`` on a SQLite file in a new temp dir on disk (WAL,
``synchronous=FULL``: one fsync per commit, every change journalled in the hash-chained
audit journal in the same transaction) and, for comparison, the in-memory fake store.
Best of ``--repeat`` runs, each on a fresh database.

    .venv/bin/python -m benchmarks.bench_execution [--orders 2000] [--repeat 3]
        [--tmpdir /dev/shm]  # SQLite on tmpfs: the same work without the fsync cost
        [--profile BATCH]    # cProfile one SQLite run at that batch size, top costs
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from tradegraph.bootstrap.execution import order_store
from tradegraph.core.clock import TestClock
from tradegraph.execution.config import OmsConfig
from tradegraph.execution.oms import IntentOrder, OrderManager
from tradegraph.execution.retry import RetryPolicy
from tradegraph.execution.simulated import SimulatedVenue, SimulatedVenueConfig
from tradegraph.execution.store import OrderStore
from tradegraph.model.bar import Bar
from tradegraph.model.enums import Direction, OrderType
from tradegraph.model.intent import Intent
from tradegraph.model.order import OrderStatus
from tradegraph.model.timeframe import Timeframe
from tradegraph.persistence.database import Database
from tradegraph.risk.decision import RiskDecision
from tradegraph.testing.execution import PERP
from tradegraph.testing.orders import InMemoryOrderStore

TARGET = 1_000.0  # orders/s on SQLite
BATCHES = (1, 10, 100, 1000)
START = datetime(2024, 1, 2, tzinfo=UTC)
CONFIG = OmsConfig(
    max_orders_per_second=None,
    read_retry=RetryPolicy(attempts=1, base_delay=0.0, max_delay=0.0),
)
_MINUTE = Timeframe.parse("1m")
StoreFactory = Callable[[TestClock], tuple[OrderStore, Callable[[], None]]]


_SQLITE_PARENT: list[str | None] = [None]  # --tmpdir


def sqlite_store(clock: TestClock) -> tuple[OrderStore, Callable[[], None]]:
    """A migrated SQLite database in a new temp dir (on disk by default); its clean-up."""
    directory = Path(tempfile.mkdtemp(prefix="tg-bench-exec-", dir=_SQLITE_PARENT[0]))
    database = Database(f"sqlite:///{directory / 'tradegraph.db'}")
    database.upgrade()

    def close() -> None:
        database.dispose()
        shutil.rmtree(directory, ignore_errors=True)

    return order_store(database, clock), close


def memory_store(clock: TestClock) -> tuple[OrderStore, Callable[[], None]]:
    return InMemoryOrderStore("default", clock), lambda: None


@dataclass(frozen=True)
class Pass:
    orders: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.orders / self.seconds


def one_pass(make_store: StoreFactory, batch: int, orders: int) -> Pass:
    clock = TestClock(START)
    store, close = make_store(clock)
    try:
        venue = SimulatedVenue([PERP], clock, SimulatedVenueConfig(venue=PERP.venue))
        oms = OrderManager(
            store,
            venue,
            clock,
            instruments={PERP.id: PERP},
            config=CONFIG,
            sleep=lambda _s: None,
            rng=random.Random(0),
        )
        decision = RiskDecision.approve(Decimal(1))
        started = time.perf_counter()
        for first in range(0, orders, batch):
            now = clock.now()
            items = [
                IntentOrder(
                    Intent(PERP.id, Direction.LONG if i % 2 else Direction.SHORT, now),
                    decision,
                    "bench",
                    f"d{i}",
                    OrderType.MARKET,
                )
                for i in range(first, min(first + batch, orders))
            ]
            oms.submit_intents(items)
            bar_time = clock.advance(timedelta(minutes=1))
            bar = Bar(PERP.id, _MINUTE, bar_time, 100.0, 101.0, 99.0, 100.0, 1e9)
            venue.on_bar(PERP.id, bar)
            oms.sync()
        seconds = time.perf_counter() - started
        filled = store.find(statuses={OrderStatus.FILLED}, limit=100_000)
        if len(filled) != orders:
            raise RuntimeError(f"expected {orders} filled orders, found {len(filled)}")
        return Pass(orders, seconds)
    finally:
        close()


def best(make_store: StoreFactory, batch: int, orders: int, repeat: int) -> Pass:
    return min(
        (one_pass(make_store, batch, orders) for _ in range(repeat)), key=lambda p: p.seconds
    )


def profile(batch: int, orders: int) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    result = one_pass(sqlite_store, batch, orders)
    profiler.disable()
    print(f"\ncProfile, SQLite, batch {batch}: {result.rate:,.0f} orders/s under the profiler")
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(40)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=2000, help="orders per pass (batch 1: 1/4)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", type=int, metavar="BATCH", help="cProfile one SQLite pass")
    parser.add_argument(
        "--tmpdir",
        help="where the SQLite file goes (default: the system temp dir; "
        "/dev/shm takes the fsync cost out)",
    )
    args = parser.parse_args(argv)
    _SQLITE_PARENT[0] = args.tmpdir
    if args.profile:
        profile(args.profile, args.orders)
        return
    where = args.tmpdir or tempfile.gettempdir()
    print("intents -> persisted orders -> simulated venue -> fills stored (market orders); "
          f"SQLite file under {where}")  # fmt: skip
    print(f"{'batch':>6}{'orders':>8}{'SQLite/s':>11}{'memory/s':>11}{'SQLite ms/order':>17}"
          f"{'>= 1,000/s':>12}")  # fmt: skip
    for batch in BATCHES:
        orders = max(batch, args.orders // 4) if batch == 1 else max(batch, args.orders)
        sql = best(sqlite_store, batch, orders, args.repeat)
        mem = best(memory_store, batch, orders, args.repeat)
        verdict = "met" if sql.rate >= TARGET else "NOT met"
        print(f"{batch:>6}{orders:>8}{sql.rate:>11,.0f}{mem.rate:>11,.0f}"
              f"{sql.seconds / orders * 1e3:>17.3f}{verdict:>12}")  # fmt: skip


if __name__ == "__main__":
    main()
