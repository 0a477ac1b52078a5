"""The values around a ``SessionRunner``: what it drives (``SessionParts``), what it
reports per bar (``StepReport``) and per run (``RunResult``), the venue it shows bars to
(``BarVenue``) and the stop-aware ``Pacer`` feeds sleep through."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Protocol, runtime_checkable

from tradegraph.ai.cache import CachedLLM
from tradegraph.core.clock import Clock
from tradegraph.core.errors import TradegraphError
from tradegraph.execution.oms import OrderManager
from tradegraph.execution.ports import Capabilities, VenueOrder
from tradegraph.model.bar import Bar
from tradegraph.model.fill import Fill
from tradegraph.model.instrument import Instrument
from tradegraph.orchestrator.sessions.feeds import Feed
from tradegraph.orchestrator.sessions.spec import SessionSpec, SessionStatus
from tradegraph.orchestrator.sessions.store import SessionStore
from tradegraph.risk.store import RiskStateStore
from tradegraph.workflow.graph import ResolvedGraph
from tradegraph.workflow.values import Decision

Checkpoint = Callable[[str], None]
"""Receives crash-point names (the OMS's and the runner's ``after_open``,
``after_bar_fills``, ``after_orders``, ``during_reconcile``)."""


@runtime_checkable
class BarVenue(Protocol):
    """A venue that trades on the bars it is shown (the simulated venue)."""

    def on_bar(self, instrument_id: str, bar: Bar) -> list[Fill]: ...

    def open_orders(self, instrument_id: str | None = None) -> Sequence[VenueOrder]: ...


@dataclass(frozen=True, slots=True)
class StepReport:
    """What one bar did (for progress output)."""

    bar: Bar
    decision: Decision
    note: str
    outcome: str
    order_ids: tuple[str, ...]
    fills: tuple[Fill, ...]
    equity: Decimal
    position: Decimal


@dataclass(frozen=True, slots=True)
class RunResult:
    """How a run ended."""

    session_id: str
    status: SessionStatus
    bars: int
    """Bars processed by this run (warm-up excluded)."""
    warmup_bars: int
    cursor: datetime | None
    error: str | None = None


@dataclass(slots=True)
class SessionParts:
    """Everything a runner drives (built by the composition root)."""

    spec: SessionSpec
    graph: ResolvedGraph
    instrument: Instrument
    feed: Feed
    orders: OrderManager
    sessions: SessionStore
    risk_store: RiskStateStore
    clock: Clock
    """Business time: a ``TestClock`` moved bar by bar (replays and paper on live bars)."""
    wall: Clock
    """Heartbeats (real time)."""
    capabilities: Capabilities
    """The venue's (reduce-only bracket legs and exits when it supports them)."""
    venue: BarVenue | None = None
    llm: CachedLLM | None = None
    workflow_params: dict[str, object] = field(default_factory=dict)


class Pacer:
    """A ``sleep`` for feeds that wakes up early on a stop request: it sleeps in slices
    of ``slice_s`` and asks ``check`` (set by the runner: "was a stop requested?")
    between them."""

    def __init__(self, sleep: Callable[[float], None], *, slice_s: float = 0.5) -> None:
        self._sleep = sleep
        self.slice_s = slice_s
        self.check: Callable[[], bool] | None = None

    def __call__(self, seconds: float) -> None:
        remaining = seconds
        while remaining > 0:
            if self.check is not None and self.check():
                return
            step = min(self.slice_s, remaining)
            self._sleep(step)
            remaining -= step


class SessionTakenOverError(TradegraphError):
    """Another process claimed the session while this one ran it: this one stops at
    once and leaves the session's state alone."""

    code = "session.taken_over"


__all__ = [
    "BarVenue",
    "Checkpoint",
    "Pacer",
    "RunResult",
    "SessionParts",
    "SessionTakenOverError",
    "StepReport",
]
