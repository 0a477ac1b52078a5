"""Paper-session wiring: settings → database stores, the simulated venue over its file
journal, the feed, the OMS and the runner.

- ``open_paper(settings)``: the database (migrated), the audit journal, the SQL session,
  order and risk-state stores, and the catalog (``PaperContext``; close it when done).
- ``build_session(ctx, session_id, ...)``: a runnable ``PaperSession``: the session's
  workflow (refused if edited since creation), its feed (catalog replay on a bar-driven
  clock, or closed candles polled through ccxt), the ``SimulatedVenue`` over
  ``<data_dir>/venues/<venue>.jsonl`` (one writer per file: a second process on the same
  venue fails clearly), an ``OrderManager`` on the order store and the ``SessionRunner``.

Business time of a session is bar time (a ``TestClock`` the runner moves to each bar's
open and close) for both feeds: orders decided at a close are stamped with it and trade
at the next bar, as in the backtest. Real time is only used for heartbeats and to know
when a polled bar has closed.

Owners: a running session records ``host:pid:nonce``; ``owner_alive`` tells whether that
process still exists (same host only), so ``paper resume`` can take over a session whose
process was killed.
"""

from __future__ import annotations

import os
import secrets
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tradegraph.adapters.brokers.simulated_journal import FileVenueJournal
from tradegraph.bootstrap.market_data import exchange_fetcher
from tradegraph.bootstrap.risk import risk_state_store
from tradegraph.bootstrap.system import open_database_from
from tradegraph.core.clock import LiveClock, TestClock
from tradegraph.data.catalog import Catalog
from tradegraph.data.contract import times_ns
from tradegraph.execution.oms import OrderManager
from tradegraph.execution.simulated import SimulatedVenue
from tradegraph.orchestrator.sessions.assembly import account_parts
from tradegraph.orchestrator.sessions.feeds import Feed, PollingFeed, ReplayFeed, from_ns
from tradegraph.orchestrator.sessions.group import SessionGroup
from tradegraph.orchestrator.sessions.runner import (
    Checkpoint,
    Pacer,
    RunResult,
    SessionRunner,
    StepReport,
)
from tradegraph.orchestrator.sessions.spec import FeedKind, SessionSpec
from tradegraph.persistence.audit import AuditJournal
from tradegraph.persistence.database import Database
from tradegraph.persistence.orders import SqlOrderStore
from tradegraph.persistence.sessions import SqlSessionStore
from tradegraph.risk.store import RiskStateStore
from tradegraph.services.paper import check_workflow_unchanged, replay_frame
from tradegraph.settings import Settings

_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(slots=True)
class PaperContext:
    """The database-backed stores paper sessions share (one per process)."""

    settings: Settings
    database: Database
    audit: AuditJournal
    sessions: SqlSessionStore
    orders: SqlOrderStore
    risk_store: RiskStateStore
    catalog: Catalog
    wall: LiveClock

    def close(self) -> None:
        self.database.dispose()

    def __enter__(self) -> PaperContext:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def open_paper(settings: Settings) -> PaperContext:
    """Open (and migrate) the configured database and build the stores on it."""
    database = open_database_from(settings)
    wall = LiveClock()
    audit = AuditJournal(database, wall)
    tenant = settings.default_tenant
    return PaperContext(
        settings=settings,
        database=database,
        audit=audit,
        sessions=SqlSessionStore(database, audit, wall, tenant),
        orders=SqlOrderStore(database, audit, wall, tenant),
        risk_store=risk_state_store(database, wall),
        catalog=Catalog(settings.catalog_dir),
        wall=wall,
    )


def owner_token() -> str:
    """This process as a session owner: ``host:pid:nonce``."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def owner_alive(owner: str | None) -> bool:
    """Whether the process named by an owner token still runs (False for another host's
    token only when it is malformed: other hosts cannot be checked, so True)."""
    if not owner:
        return False
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if not pid_text.isdigit():
        return False
    if host != socket.gethostname():
        return True
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def venue_journal_path(settings: Settings, venue: str) -> Path:
    """Where the simulated venue ``venue`` keeps its journal."""
    return settings.venues_dir / f"{venue}.jsonl"


@dataclass(slots=True)
class PaperSession:
    """A session ready to run; ``close`` releases its venue journal."""

    spec: SessionSpec
    runner: SessionRunner
    venue: SimulatedVenue
    oms: OrderManager
    journal: FileVenueJournal
    feed: Feed

    def run(self) -> RunResult:
        try:
            return self.runner.run()
        finally:
            self.close()

    def close(self) -> None:
        self.journal.close()


def _feed(ctx: PaperContext, spec: SessionSpec, pacer: Pacer) -> tuple[Feed, datetime]:
    if spec.feed is FeedKind.REPLAY:
        frame = replay_frame(spec, ctx.catalog)
        first = from_ns(int(times_ns(frame)[0])) if len(frame) else _EPOCH
        feed: Feed = ReplayFeed(
            frame,
            instrument_id=spec.instrument_id,
            timeframe=spec.timeframe,
            speed=spec.speed,
            sleep=pacer,
        )
        return feed, first
    fetcher = exchange_fetcher(spec.data_venue, api_base_url=ctx.settings.venue_url)
    polling = PollingFeed(
        fetcher,
        symbol=spec.symbol,
        instrument_id=spec.instrument_id,
        timeframe=spec.timeframe,
        clock=ctx.wall,
        sleep=pacer,
    )
    return polling, spec.start or _EPOCH


def build_session(
    ctx: PaperContext,
    session_id: str,
    *,
    observer: Callable[[StepReport], None] | None = None,
    checkpoint: Checkpoint | None = None,
    takeover: bool = False,
    sleep: Callable[[float], None] = time.sleep,
) -> PaperSession:
    """A runnable session (see the module docstring). ``checkpoint`` receives the OMS's
    and the runner's crash-point names (tests kill the process there)."""
    group = build_group(
        ctx, [session_id], observer=observer, checkpoint=checkpoint, takeover=takeover,
        sleep=sleep,
    )  # fmt: skip
    return PaperSession(
        group.specs[0], group.runners[0], group.venue, group.oms, group.journal, group.feeds[0]
    )


@dataclass(slots=True)
class PaperGroup:
    """Sessions sharing one simulated account, ready to run together."""

    specs: list[SessionSpec]
    runners: list[SessionRunner]
    venue: SimulatedVenue
    oms: OrderManager
    journal: FileVenueJournal
    feeds: list[Feed]

    def run(self) -> list[RunResult]:
        try:
            if len(self.runners) == 1:
                return [self.runners[0].run()]
            return SessionGroup(self.runners).run()
        finally:
            self.close()

    def close(self) -> None:
        self.journal.close()


def build_group(
    ctx: PaperContext,
    session_ids: list[str],
    *,
    observer: Callable[[StepReport], None] | None = None,
    checkpoint: Checkpoint | None = None,
    takeover: bool = False,
    sleep: Callable[[float], None] = time.sleep,
) -> PaperGroup:
    """Sessions on one account (all ``session_ids`` must share it), to run together."""
    specs = [ctx.sessions.get_spec(sid) for sid in session_ids]
    workflows = [check_workflow_unchanged(spec) for spec in specs]
    pacers = [Pacer(sleep) for _ in specs]
    built = [_feed(ctx, spec, pacer) for spec, pacer in zip(specs, pacers, strict=True)]
    feeds = [feed for feed, _ in built]
    journal = FileVenueJournal(venue_journal_path(ctx.settings, specs[0].venue.venue))
    try:
        clock = TestClock(min(first for _, first in built))
        parts, venue, oms = account_parts(
            specs,
            workflows=workflows,
            feeds=feeds,
            order_store=ctx.orders,
            session_store=ctx.sessions,
            risk_store=ctx.risk_store,
            venue_journal=journal,
            clock=clock,
            wall=ctx.wall,
            checkpoint=checkpoint,
        )
        owner = owner_token()
        runners = [
            SessionRunner(
                p,
                owner=owner,
                observer=observer,
                checkpoint=checkpoint,
                takeover=takeover,
                pacer=pacer,
            )
            for p, pacer in zip(parts, pacers, strict=True)
        ]
    except BaseException:
        journal.close()
        raise
    return PaperGroup(specs, runners, venue, oms, journal, feeds)


__all__ = [
    "PaperContext",
    "PaperGroup",
    "PaperSession",
    "build_group",
    "build_session",
    "open_paper",
    "owner_alive",
    "owner_token",
    "venue_journal_path",
]
