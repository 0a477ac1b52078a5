"""Crash-matrix driver: one trading process that can be killed (``kill -9``) at any OMS
crash checkpoint, then restarted over the same durable state.

Usage::

    python -m tradegraph.testing.chaos --db URL --venue-journal PATH --intents N \\
        [--seed S] [--batch B] [--reconcile-every R] [--crash-at POINT:K ...] [--no-migrate]

One run builds a ``SqlOrderStore`` on ``--db`` (migrated unless ``--no-migrate``), a
``SimulatedVenue`` over the ``FileVenueJournal`` at ``--venue-journal`` (its state
survives the process) and an ``OrderManager`` whose ``checkpoint`` hook sends the
process ``SIGKILL`` at the K-th hit of POINT (``--crash-at`` may be repeated; points are
``CRASH_POINTS``, counted from this process's start). Then:

1. on a restart, one bar first: the venue trades on while the trading process is down,
   so orders sent before the crash may have filled — a blind re-send of one of them
   would make a second order (the venue accepts a client id again once its order is
   closed, as Binance does); then ``oms.reconcile()`` — the restart path (resolve the
   outbox and unconfirmed orders, compare open orders, sync fills, check positions);
2. place, in batches of ``B``, the intents ``0..N-1`` that have no order in the store
   yet (decision ``d<i>``: deterministic client ids, so nothing is ever placed twice);
   after each batch the clock moves one minute, the venue gets a bar (``on_bar``) and the
   OMS syncs; every ``R`` batches it reconciles;
3. feeds a few more bars until nothing is left unresolved or partially filled, reconciles
   once more and prints a JSON summary on stdout (exit 0).

Intent ``i`` is drawn from ``random.Random(f"{seed}:{i}")``: long or short; a market
order, a limit that the next bar reaches, or a limit far from the price that keeps
resting; 0.5 to 3 units, while one order may take at most 2 units of a bar (volume 4,
participation 0.5), so bigger orders fill partially across bars. Time is a ``TestClock``
that resumes one minute after the latest time in the store or the venue journal, so
every run is deterministic given the state it starts from, and venue times never go
backwards across restarts.

Exit codes: 0 done; killed by ``SIGKILL`` at a crash point (a negative return code in
``subprocess``); 2 bad arguments; 3 the OMS failed (the error is printed as JSON).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import NoReturn

from tradegraph.adapters.brokers.simulated_journal import FileVenueJournal
from tradegraph.core.clock import TestClock
from tradegraph.core.errors import TradegraphError, ValidationError
from tradegraph.execution.oms import IntentOrder, OrderManager
from tradegraph.execution.simulated import SimulatedVenue, SimulatedVenueConfig
from tradegraph.execution.store import OrderRecord
from tradegraph.execution.transitions import OPEN, UNCONFIRMED
from tradegraph.model.bar import Bar
from tradegraph.model.enums import Direction, OrderType
from tradegraph.model.intent import Intent
from tradegraph.model.order import OrderStatus
from tradegraph.model.timeframe import Timeframe
from tradegraph.persistence.audit import AuditJournal
from tradegraph.persistence.database import Database
from tradegraph.persistence.orders import SqlOrderStore
from tradegraph.risk.decision import RiskDecision
from tradegraph.testing.execution import FAST, PERP

CRASH_POINTS = (
    "after_intent_commit",
    "after_claim",
    "after_send_before_ack",
    "after_ack_before_fill",
    "during_reconcile",
)
"""The OMS checkpoints (``OrderManager(checkpoint=...)``) a run can be killed at."""

START = datetime(2024, 1, 2, tzinfo=UTC)
"""Where time starts on an empty store and journal (client ids are scoped to its day)."""
STEP = timedelta(minutes=1)
STRATEGY = "chaos"
INSTRUMENT = PERP
VENUE_CONFIG = SimulatedVenueConfig(
    venue=PERP.venue,
    participation=Decimal("0.5"),
    commission_pct=Decimal("0.0004"),
)
"""One order takes at most half a bar's volume (``BAR_VOLUME``): partial fills."""
BAR_VOLUME = 4.0
PRICE = 100.0
_MINUTE = Timeframe.parse("1m")
_MAX_DRAIN_BARS = 20
_FIND_LIMIT = 100_000
_LAST_MINUTE = START + timedelta(days=1) - STEP


def decision_id(index: int) -> str:
    return f"d{index}"


@dataclass(frozen=True, slots=True)
class CrashAt:
    """Kill the process at the ``hit``-th call of checkpoint ``point`` (1-based)."""

    point: str
    hit: int

    @classmethod
    def parse(cls, text: str) -> CrashAt:
        point, _, count = text.partition(":")
        if point not in CRASH_POINTS or not count.isdigit() or int(count) < 1:
            raise ValidationError(
                f"Bad crash point {text!r}.",
                hint=f"Write POINT:K with K >= 1 and POINT one of {', '.join(CRASH_POINTS)}.",
            )
        return cls(point, int(count))

    def __str__(self) -> str:
        return f"{self.point}:{self.hit}"


@dataclass(frozen=True, slots=True)
class ChaosConfig:
    """One run of the driver (see the module docstring)."""

    database_url: str
    venue_journal: Path
    intents: int
    seed: int = 0
    batch: int = 10
    reconcile_every: int = 5
    crash_at: tuple[CrashAt, ...] = ()
    migrate: bool = True

    def __post_init__(self) -> None:
        if self.intents < 1 or self.batch < 1 or self.reconcile_every < 1:
            raise ValidationError(
                f"intents, batch and reconcile-every must be >= 1, got {self.intents}, "
                f"{self.batch}, {self.reconcile_every}.",
                hint="Use e.g. --intents 200 --batch 10 --reconcile-every 5.",
            )
        if self.intents // self.batch > 1000:
            raise ValidationError(
                f"{self.intents} intents in batches of {self.batch} need more one-minute bars "
                "than one day has (client order ids are scoped to the day).",
                hint="Use a larger --batch (at most 1,000 batches).",
            )


@dataclass(frozen=True, slots=True)
class IntentSpec:
    """What intent ``index`` is (deterministic from the seed)."""

    direction: Direction
    order_type: OrderType
    quantity: Decimal
    entry: float


def intent_spec(seed: int, index: int) -> IntentSpec:
    rng = random.Random(f"{seed}:{index}")  # noqa: S311 - test data, not crypto
    direction = Direction.LONG if rng.random() < 0.5 else Direction.SHORT
    sign = direction.sign
    kind = rng.random()
    if kind < 0.6:
        order_type, entry = OrderType.MARKET, PRICE
    elif kind < 0.85:
        order_type, entry = OrderType.LIMIT, PRICE - 0.5 * sign  # reached by the next bar
    else:
        order_type, entry = OrderType.LIMIT, PRICE - 10.0 * sign  # keeps resting
    quantity = Decimal(rng.randrange(500, 3001)).scaleb(-3)
    return IntentSpec(direction, order_type, quantity, entry)


def intent_order(seed: int, index: int, now: datetime) -> IntentOrder:
    spec = intent_spec(seed, index)
    intent = Intent(
        instrument_id=INSTRUMENT.id, direction=spec.direction, time=now, entry=spec.entry
    )
    return IntentOrder(
        intent,
        RiskDecision.approve(spec.quantity),
        STRATEGY,
        decision_id(index),
        spec.order_type,
    )


def crash_hook(crashes: Sequence[CrashAt]) -> tuple[Callable[[str], None], Counter[str]]:
    """A checkpoint hook that kills this process at the named hits; and its hit counter."""
    targets = {(c.point, c.hit) for c in crashes}
    hits: Counter[str] = Counter()

    def hook(name: str) -> None:
        hits[name] += 1
        if (name, hits[name]) in targets:
            sys.stdout.flush()
            sys.stderr.write(f"chaos: kill -9 at {name} #{hits[name]}\n")
            sys.stderr.flush()
            os.kill(os.getpid(), signal.SIGKILL)

    return hook, hits


def resume_time(records: Sequence[OrderRecord], journal: FileVenueJournal) -> datetime:
    """One step after the latest time in the store or the venue journal (or ``START``)."""
    latest = START - STEP
    for event in journal.read():
        latest = max(latest, event.time)
    for record in records:
        order = record.order
        latest = max(latest, order.created_at, order.updated_at or order.created_at)
    return latest + STEP


@dataclass
class _Run:
    config: ChaosConfig
    clock: TestClock
    venue: SimulatedVenue
    store: SqlOrderStore
    oms: OrderManager
    hits: Counter[str]
    reconciles: int = 0
    bars: int = 0
    placed: list[int] = field(default_factory=list)

    def bar(self) -> None:
        now = self.clock.advance(STEP)
        if now > _LAST_MINUTE:
            raise ValidationError(
                "The chaos run went past the end of its trading day.",
                hint="Use fewer intents or larger batches.",
            )
        bar = Bar(
            instrument_id=INSTRUMENT.id,
            timeframe=_MINUTE,
            time=now,
            open=PRICE,
            high=PRICE + 1.0,
            low=PRICE - 1.0,
            close=PRICE,
            volume=BAR_VOLUME,
        )
        self.venue.on_bar(INSTRUMENT.id, bar)
        self.bars += 1

    def reconcile(self) -> None:
        self.oms.reconcile()
        self.reconciles += 1

    def place(self, pending: Sequence[int]) -> None:
        seed, batch = self.config.seed, self.config.batch
        for number, start in enumerate(range(0, len(pending), batch), start=1):
            chunk = pending[start : start + batch]
            now = self.clock.now()
            placements = self.oms.submit_intents([intent_order(seed, i, now) for i in chunk])
            refused = [p.refused_reason for p in placements if not p.placed]
            if refused:
                raise ValidationError(
                    f"The OMS refused {len(refused)} chaos intent(s): {refused[0]}.",
                    hint="The chaos run uses no throttle and never trips the kill switch.",
                )
            self.placed.extend(chunk)
            self.bar()
            self.oms.sync()
            if number % self.config.reconcile_every == 0:
                self.reconcile()

    def drain(self) -> None:
        """Bars until nothing is unconfirmed, unsent or partially filled."""
        waiting = UNCONFIRMED | {OrderStatus.NEW, OrderStatus.PARTIALLY_FILLED}
        for _ in range(_MAX_DRAIN_BARS):
            self.oms.resolve()
            if not self.store.find(statuses=waiting, limit=1):
                return
            self.bar()
            self.oms.sync()
        left = self.store.find(statuses=waiting, limit=5)
        raise ValidationError(
            f"Orders still unsettled after {_MAX_DRAIN_BARS} bars: "
            f"{[(r.client_order_id, r.status.value) for r in left]}.",
            hint="The OMS does not converge with the venue: look at these orders.",
        )

    def summary(self) -> dict[str, object]:
        records = self.store.find(limit=_FIND_LIMIT)
        statuses = Counter(r.status.value for r in records)
        venue_positions = {p.instrument_id: str(p.quantity) for p in self.venue.positions()}
        local_positions = {k: str(v) for k, v in self.store.net_positions(self.venue.venue).items()}
        return {
            "intents": self.config.intents,
            "orders": len(records),
            "placed_this_run": len(self.placed),
            "open_orders": sum(1 for r in records if r.status in OPEN),
            "by_status": dict(sorted(statuses.items())),
            "venue_orders": len(self.venue.snapshot().orders),
            "positions": {"local": local_positions, "venue": venue_positions},
            "reconciles": self.reconciles,
            "bars": self.bars,
            "checkpoints": dict(sorted(self.hits.items())),
            "finished_at": self.clock.now().isoformat(),
        }


def run(config: ChaosConfig) -> dict[str, object]:
    """One driver run (see the module docstring); returns the summary."""
    hook, hits = crash_hook(config.crash_at)
    database = Database(config.database_url)
    journal = FileVenueJournal(config.venue_journal)
    try:
        if config.migrate:
            database.upgrade()
        clock = TestClock(START)
        store = SqlOrderStore(database, AuditJournal(database, clock), clock)
        records = store.find(limit=_FIND_LIMIT)
        clock.set(resume_time(records, journal))
        venue = SimulatedVenue([INSTRUMENT], clock, VENUE_CONFIG, journal)
        oms = OrderManager(
            store,
            venue,
            clock,
            instruments={INSTRUMENT.id: INSTRUMENT},
            config=FAST,
            checkpoint=hook,
            sleep=lambda _seconds: None,
            rng=random.Random(config.seed),  # noqa: S311 - retry jitter
        )
        state = _Run(config, clock, venue, store, oms, hits)
        if records:
            state.bar()  # the market went on while we were down (see the module doc)
        state.reconcile()  # the restart path (a no-op on an empty store)
        known = {r.decision_id for r in store.find(strategy_id=STRATEGY, limit=_FIND_LIMIT)}
        state.place([i for i in range(config.intents) if decision_id(i) not in known])
        state.drain()
        state.reconcile()
        return state.summary()
    finally:
        journal.close()
        database.dispose()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tradegraph.testing.chaos",
        description="OMS crash-matrix driver: place intents over a durable store and "
        "simulated venue, optionally kill -9 at a checkpoint.",
    )
    parser.add_argument(
        "--db", required=True, help="database URL (sqlite:///... or postgresql://...)"
    )
    parser.add_argument("--venue-journal", required=True, type=Path, help="venue journal file")
    parser.add_argument("--intents", required=True, type=int)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--reconcile-every", type=int, default=5)
    parser.add_argument(
        "--crash-at",
        action="append",
        default=[],
        metavar="POINT:K",
        help=f"kill -9 at the K-th hit of POINT ({', '.join(CRASH_POINTS)})",
    )
    parser.add_argument("--no-migrate", action="store_true", help="the schema is up to date")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        config = ChaosConfig(
            database_url=args.db,
            venue_journal=args.venue_journal,
            intents=args.intents,
            seed=args.seed,
            batch=args.batch,
            reconcile_every=args.reconcile_every,
            crash_at=tuple(CrashAt.parse(text) for text in args.crash_at),
            migrate=not args.no_migrate,
        )
    except ValidationError as exc:
        parser.error(str(exc))
    try:
        summary = run(config)
    except TradegraphError as exc:
        print(json.dumps({"error": type(exc).__name__, "message": str(exc)}))
        return 3
    print(json.dumps(summary, sort_keys=True))
    return 0


def exit_with_main(argv: Sequence[str]) -> NoReturn:
    """``main`` as a process entry point (e.g. a ``multiprocessing`` target): exits with
    its return code."""
    raise SystemExit(main(argv))


__all__ = [
    "CRASH_POINTS",
    "ChaosConfig",
    "CrashAt",
    "IntentSpec",
    "crash_hook",
    "exit_with_main",
    "intent_order",
    "intent_spec",
    "main",
    "resume_time",
    "run",
]


if __name__ == "__main__":
    raise SystemExit(main())
