"""Paper-session use cases shared by the CLI and the API.

- ``StartRequest`` → ``create_session``: validate the workflow (template or file), make
  sure the bars exist (synthetic bars are generated once into the catalog under a venue
  named after their seed and length, so a resumed replay reads the very same series),
  and store a new ``SessionSpec`` (status CREATED). Running it is the composition root's
  job (``tradegraph.bootstrap.paper``): the runner needs the database, the venue journal
  and the feed.
- ``replay_frame``: the bars a replay session runs over (its catalog series, within its
  start/end).
- ``session_overview`` / ``overviews``: what ``paper status`` shows (state, position,
  equity, trades).
- ``stop_sessions``: request a stop of one session, or of every active one.

Everything takes what it works on explicitly (stores, a ``Catalog``, a clock).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pandas as pd

from tradegraph.core.clock import Clock
from tradegraph.core.errors import DataNotFoundError, NotFoundError, ValidationError
from tradegraph.data.catalog import Catalog
from tradegraph.data.keys import SeriesKey
from tradegraph.data.sources.synthetic import synthetic_ohlcv
from tradegraph.execution.store import OrderStore
from tradegraph.model.timeframe import Timeframe
from tradegraph.orchestrator.sessions.assembly import instrument_id
from tradegraph.orchestrator.sessions.book import StrategyBook
from tradegraph.orchestrator.sessions.options import SessionOptions
from tradegraph.orchestrator.sessions.spec import (
    FeedKind,
    SessionInfo,
    SessionSpec,
    SessionState,
    SessionStatus,
    SizingSpec,
    VenueSpec,
    risk_overrides,
)
from tradegraph.orchestrator.sessions.store import SessionStore
from tradegraph.risk.config import RiskConfig
from tradegraph.services.workflows import resolve_source
from tradegraph.workflow.hashing import spec_hash
from tradegraph.workflow.params import bind_inputs
from tradegraph.workflow.spec import WorkflowSpec
from tradegraph.workflow.validation import resolve

Params = dict[str, int | float | bool | str]

DEFAULT_VENUE = "paper"
SYNTHETIC_PREFIX = "synthetic"
_SLUG = re.compile(r"[^a-z0-9]+")


def synthetic_venue(seed: int, bars: int) -> str:
    """The catalog venue that holds the synthetic series of ``seed`` and ``bars``."""
    return f"{SYNTHETIC_PREFIX}-s{seed}-n{bars}"


@dataclass(frozen=True, slots=True, kw_only=True)
class StartRequest:
    """What ``paper start`` asks for."""

    workflow: str
    symbol: str
    timeframe: Timeframe | str
    feed: FeedKind = FeedKind.REPLAY
    speed: float = 1000.0
    synthetic: bool = False
    bars: int = 2_000
    seed: int = 0
    data_venue: str | None = None
    """Catalog venue (replay) or exchange (ccxt); synthetic data picks its own."""
    start: datetime | None = None
    end: datetime | None = None
    session_id: str | None = None
    strategy_id: str | None = None
    params: Params = field(default_factory=dict)
    risk: RiskConfig | None = None
    """The strategy's risk limits (None: ``RiskConfig()`` defaults)."""
    quantity: Decimal | None = None
    """Fixed units per entry; None sizes with the risk engine."""
    venue: VenueSpec = field(default_factory=VenueSpec)
    """Costs and starting cash of the simulated account."""
    account: str | None = None
    """The simulated venue (account) name; None gives the session its own account,
    ``paper-<session id>``. Sessions sharing an account must run together (one process
    per account, and replayed time only moves forward on it)."""
    options: SessionOptions = field(default_factory=SessionOptions)

    def __post_init__(self) -> None:
        object.__setattr__(self, "timeframe", Timeframe.parse(self.timeframe))
        if self.synthetic and self.feed is not FeedKind.REPLAY:
            raise ValidationError(
                "Synthetic data can only be replayed.", hint="Use --feed replay with --synthetic."
            )
        if self.synthetic and (self.start is not None or self.end is not None):
            raise ValidationError(
                "--start/--end select catalog data; synthetic data is all replayed.",
                hint="Drop --start/--end, or --synthetic to replay the catalog.",
            )
        if self.bars < 2:
            raise ValidationError(f"bars = {self.bars}; expected at least 2.", hint="E.g. 600.")


def _slug(text: str) -> str:
    return _SLUG.sub("-", text.lower()).strip("-")[:24] or "session"


def new_session_id(workflow: str, symbol: str, timeframe: Timeframe) -> str:
    """A readable, unique id (at most 42 characters): ``sma-cross-btc-usdt-1h-3f9a1c``."""
    name = _slug(Path(workflow).stem)[:16].strip("-")
    market = _slug(symbol)[:12].strip("-")
    return f"{name}-{market}-{timeframe.code}-{secrets.token_hex(3)}"


def load_workflow(reference: str) -> WorkflowSpec:
    """The workflow a session runs (template name or file)."""
    return resolve_source(reference).spec


def _check_workflow(spec: WorkflowSpec, request: StartRequest) -> None:
    bound = bind_inputs(spec, symbol=request.symbol, timeframe=request.timeframe)
    resolve(bound, overrides=request.params)  # every problem listed, before anything runs


def prepare_data(request: StartRequest, catalog: Catalog) -> str:
    """Make sure the replay's bars are in the catalog; returns the data venue."""
    tf = Timeframe.parse(request.timeframe)
    if request.feed is FeedKind.CCXT:
        return (request.data_venue or "binance").strip().lower()
    if request.synthetic:
        venue = synthetic_venue(request.seed, request.bars)
        key = SeriesKey.of(venue, request.symbol, tf)
        if not catalog.exists(key):
            catalog.write(key, synthetic_ohlcv(tf, request.bars, seed=request.seed))
        return venue
    key = catalog.find(request.symbol, tf, request.data_venue)
    return key.venue


def create_session(
    request: StartRequest,
    *,
    sessions: SessionStore,
    catalog: Catalog,
    clock: Clock,
    tenant_id: str | None = None,
) -> SessionSpec:
    """Validate, prepare the data and store a new session (status CREATED)."""
    workflow = load_workflow(request.workflow)
    _check_workflow(workflow, request)
    tf = Timeframe.parse(request.timeframe)
    data_venue = prepare_data(request, catalog)
    session_id = request.session_id or new_session_id(request.workflow, request.symbol, tf)
    account = request.account or f"{DEFAULT_VENUE}-{session_id}"
    venue = replace(request.venue, venue=account)
    sizing = SizingSpec.fixed(request.quantity) if request.quantity is not None else SizingSpec()
    spec = SessionSpec(
        session_id=session_id,
        tenant_id=tenant_id or sessions.tenant_id,
        strategy_id=request.strategy_id or session_id,
        workflow=request.workflow,
        workflow_hash=spec_hash(workflow),
        symbol=request.symbol.strip(),
        instrument_id=instrument_id(request.symbol.strip(), account),
        timeframe=tf,
        created_at=clock.now(),
        data_venue=data_venue,
        feed=request.feed,
        speed=request.speed,
        start=request.start,
        end=request.end,
        params=request.params,
        risk=risk_overrides(request.risk) if request.risk is not None else {},
        venue=venue,
        sizing=sizing,
        options=request.options,
    )
    sessions.create(spec)
    return spec


def check_workflow_unchanged(spec: SessionSpec) -> WorkflowSpec:
    """The session's workflow, refusing one edited since the session was created."""
    workflow = load_workflow(spec.workflow)
    if spec_hash(workflow) != spec.workflow_hash:
        raise ValidationError(
            f"Workflow {spec.workflow!r} changed since session {spec.session_id!r} was "
            "created; resuming would not continue the same strategy.",
            hint="Restore the workflow file, or start a new session with the edited workflow.",
        )
    return workflow


def replay_frame(spec: SessionSpec, catalog: Catalog) -> pd.DataFrame:
    """The bars a replay session runs over."""
    key = SeriesKey.of(spec.data_venue, spec.symbol, spec.timeframe)
    if not catalog.exists(key):
        raise DataNotFoundError(
            f"Session {spec.session_id!r} replays {key}, which is not in the catalog.",
            hint="Import or download the series again (`tradegraph data ...`).",
        )
    end = None
    if spec.end is not None:
        end = spec.end + pd.Timedelta(seconds=spec.timeframe.seconds)  # inclusive end
    return catalog.load(key, spec.start, end)


# --- status -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SessionOverview:
    """One row of ``paper status``."""

    spec: SessionSpec
    state: SessionState
    position: Decimal
    equity: Decimal | None
    trades: int
    realized_pnl: Decimal

    @property
    def session_id(self) -> str:
        return self.spec.session_id


def session_overview(
    info: SessionInfo, sessions: SessionStore, orders: OrderStore
) -> SessionOverview:
    """State, position, last equity and closed trades of one session."""
    spec, state = info.spec, info.state
    book = StrategyBook(
        orders,
        strategy_id=spec.strategy_id,
        instrument_id=spec.instrument_id,
        starting_cash=spec.venue.starting_cash,
    )
    book.refresh()
    snapshots = sessions.equity(spec.session_id, since=state.cursor) if state.cursor else []
    equity = snapshots[-1].equity if snapshots else None
    realized = sum((t.pnl for t in book.trades), Decimal(0))
    return SessionOverview(spec, state, book.position, equity, len(book.trades), realized)


def overviews(
    sessions: SessionStore, orders: OrderStore, *, active_only: bool = False
) -> list[SessionOverview]:
    statuses = {s for s in SessionStatus if s.is_active} if active_only else None
    return [
        session_overview(i, sessions, orders) for i in sessions.list_sessions(statuses=statuses)
    ]


def find_session(sessions: SessionStore, session_id: str | None) -> SessionInfo:
    """The named session, or the only / most recent one when no id is given."""
    listed = sessions.list_sessions()
    if session_id is not None:
        for info in listed:
            if info.spec.session_id == session_id:
                return info
        raise NotFoundError(
            f"No paper session {session_id!r}.",
            hint="List sessions with `tradegraph paper status`.",
        )
    if not listed:
        raise NotFoundError(
            "There are no paper sessions yet.",
            hint="Start one: tradegraph paper start sma_cross --symbol BTC/USDT --timeframe 1h "
            "--synthetic",
        )
    return listed[-1]


def stop_sessions(
    sessions: SessionStore, session_id: str | None = None, *, actor: str = "operator"
) -> list[SessionState]:
    """Request a stop of ``session_id``, or of every active session when None."""
    if session_id is not None:
        return [sessions.request_stop(session_id, actor=actor)]
    active = sessions.list_sessions(statuses={s for s in SessionStatus if s.is_active})
    return [sessions.request_stop(i.spec.session_id, actor=actor) for i in active]


__all__ = [
    "DEFAULT_VENUE",
    "SessionOverview",
    "StartRequest",
    "check_workflow_unchanged",
    "create_session",
    "find_session",
    "load_workflow",
    "new_session_id",
    "overviews",
    "prepare_data",
    "replay_frame",
    "session_overview",
    "stop_sessions",
    "synthetic_venue",
]
