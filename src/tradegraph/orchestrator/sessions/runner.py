"""SessionRunner: one paper/live session driven bar by bar.

For each closed bar of the feed (``Feed.bars(after=cursor)``):

1. market — the venue trades the bar (``SimulatedVenue.on_bar``) in two steps: first the
   opening print alone (market orders decided at the previous close fill at the open, in
   the order they were placed, closes first; resting legs the open went through fill at
   the open), then ``oms.sync()`` stores those fills and sends the bracket legs of entries
   that just filled, then the rest of the bar (its full range: legs fill at their stop /
   target, stop first). That is the backtest kernel's bar (open → protective exits,
   including on the entry bar itself); ``oms.sync()`` again stores the fills and
   enforces OCO. A live venue (no ``on_bar``) only gets ``oms.sync()``.
2. decide — the business clock moves to the bar's close; the workflow's
   ``StepEngine.step`` gives the decision; ``policy.plan`` turns it into cancels, a close
   and an entry (the kernel's rules for the configured direction mode).
3. act — closes are market orders (risk-reducing, never blocked); an entry is sized
   (FIXED quantity, or the risk engine's sizing) and checked by ``PreTradeChecker`` with
   the guard's mode, then planned with its bracket (``execution.planning``) and placed
   through the OMS. Client order ids derive from the decision id
   ``"<session>:<bar open time>"``, so re-processing a bar after a crash re-derives the
   same ids and places nothing twice.
4. record — equity from the strategy's book (its own fills), the drawdown guard observes
   it, and ``SessionStore.record_step`` commits the decision (with what it saw and why),
   the equity snapshot and the new cursor in one unit of work.

A stop request (``SessionStore.request_stop``) bumps the state's version; the next
``record_step`` fails as stale, the runner reloads, records the bar under the stopping
state and ends STOPPED. Pacing waits (replay speed, polling) check for it too.

Start and resume: the runner claims the session (RUNNING, owner token), reconciles the
OMS with the venue (fails closed: ``ReconciliationError`` → FAILED), replays the feed's
history up to the cursor through the workflow without acting (warm-up), and continues
with the first bar after the cursor. The simulated venue restores itself from its
journal; the order and session stores are the database.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Protocol, runtime_checkable

import numpy as np

from tradegraph.ai.cache import CachedLLM
from tradegraph.core.clock import Clock, TestClock
from tradegraph.core.errors import (
    ExecutionError,
    ReconciliationError,
    StaleStateError,
    TradegraphError,
    ValidationError,
)
from tradegraph.core.precision import to_decimal
from tradegraph.execution.oms import OrderManager
from tradegraph.execution.planning import PlanContext, plan_exit
from tradegraph.execution.ports import Capabilities, VenueOrder
from tradegraph.indicators.volatility import atr
from tradegraph.model.bar import Bar
from tradegraph.model.enums import OrderType
from tradegraph.model.fill import Fill
from tradegraph.model.instrument import Instrument
from tradegraph.model.intent import Intent
from tradegraph.orchestrator.sessions.book import StrategyBook
from tradegraph.orchestrator.sessions.feeds import Feed, bar_input
from tradegraph.orchestrator.sessions.options import SessionOptions, split_params
from tradegraph.orchestrator.sessions.policy import Plan, plan
from tradegraph.orchestrator.sessions.spec import (
    DecisionRecord,
    EquitySnapshot,
    SessionSpec,
    SessionState,
    SessionStatus,
    SizingKind,
    decision_id,
)
from tradegraph.orchestrator.sessions.store import SessionStore
from tradegraph.risk.account import AccountSnapshot, PriceMark
from tradegraph.risk.checks import PreTradeChecker
from tradegraph.risk.config import RiskConfig
from tradegraph.risk.guard import DrawdownGuard, GuardMode
from tradegraph.risk.request import ProposedOrder
from tradegraph.risk.sizing import size_intent
from tradegraph.risk.store import RiskStateStore, observe_equity
from tradegraph.workflow.graph import ResolvedGraph
from tradegraph.workflow.step import StepEngine
from tradegraph.workflow.values import Decision

_ZERO = Decimal(0)
_REST = timedelta(microseconds=1)
_PROTECTION = ("stop", "target")
_ATR_WINDOW = 200
_ATR_PERIOD = 14  # the ATR of stops sized by the risk engine (RiskConfig.atr_stop_multiple)

Checkpoint = Callable[[str], None]


@runtime_checkable
class BarVenue(Protocol):
    """A venue that trades on bars it is given (the simulated venue)."""

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
    warmup: bool = False


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
    """Business time: a ``TestClock`` moved bar by bar for replays, else a live clock."""
    wall: Clock
    """Heartbeats (real time)."""
    capabilities: Capabilities
    """The venue's (reduce-only bracket legs and exits when it supports them)."""
    venue: BarVenue | None = None
    llm: CachedLLM | None = None
    options: SessionOptions | None = None
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


def _decimal(value: float) -> Decimal:
    return to_decimal(value, "price")


class SessionRunner:
    """Runs one session (see the module docstring)."""

    def __init__(
        self,
        parts: SessionParts,
        *,
        owner: str,
        observer: Callable[[StepReport], None] | None = None,
        checkpoint: Checkpoint | None = None,
        takeover: bool = False,
        pacer: Pacer | None = None,
    ) -> None:
        self.parts = parts
        if pacer is not None:
            pacer.check = self.stop_requested
        self.spec = parts.spec
        self.owner = owner
        self.observer = observer
        self.checkpoint = checkpoint
        self.takeover = takeover
        options, _ = split_params(parts.spec.params)
        self.options = parts.options or options
        self.risk_config: RiskConfig = parts.spec.risk_config()
        self.checker = PreTradeChecker(self.risk_config)
        self.guard = DrawdownGuard(self.risk_config)
        self.book = StrategyBook(
            parts.orders.store,
            strategy_id=parts.spec.strategy_id,
            instrument_id=parts.instrument.id,
            starting_cash=parts.spec.venue.starting_cash,
        )
        self.engine = StepEngine(parts.graph, llm=parts.llm, symbol=parts.spec.symbol)
        self._cron = self.options.cron
        self._recent: deque[Bar] = deque(maxlen=_ATR_WINDOW)
        self._state: SessionState | None = None
        self._stop_seen = False
        self._mode = GuardMode.ACTIVE

    # --- lifecycle --------------------------------------------------------------------

    def _claim(self) -> SessionState:
        sessions = self.parts.sessions
        state = sessions.get_state(self.spec.session_id)
        if state.status.is_active and not self.takeover:
            raise ValidationError(
                f"Session {self.spec.session_id!r} is {state.status.value} (owner {state.owner}).",
                hint="Stop it first (`tradegraph paper stop`), or resume it when its process "
                "is gone (`tradegraph paper resume`).",
            )
        if state.status is SessionStatus.HALTED and not self.takeover:
            raise ValidationError(
                f"Session {self.spec.session_id!r} is halted.",
                hint="Reset the risk guard (`tradegraph risk reset`) and resume it.",
            )
        if not state.status.can_start and not state.status.is_active and not self.takeover:
            raise ValidationError(
                f"Session {self.spec.session_id!r} cannot start from {state.status.value}.",
                hint="Start a new session.",
            )
        return sessions.save_state(state.started(self.owner, self.parts.wall.now()))

    def run(self) -> RunResult:
        """Claim, reconcile, warm up, then step until the feed ends or a stop request."""
        state = self._claim()
        self._state = state
        warm = 0
        bars = 0
        try:
            self._set_time(self._resume_time(state))
            self._reconcile()
            warm = self._warm_up(state.cursor)
            for bar in self.parts.feed.bars(after=state.cursor):
                self._step(bar)
                bars += 1
                if self._stop_seen:
                    self.parts.feed.stop()
                    break
        except SessionTakenOverError as exc:
            return RunResult(
                self.spec.session_id, SessionStatus.RUNNING, bars, warm, None, str(exc)
            )
        except ReconciliationError as exc:
            return self._finish(SessionStatus.FAILED, warm, bars, f"reconciliation: {exc}")
        except TradegraphError as exc:
            self._finish(SessionStatus.FAILED, warm, bars, str(exc))
            raise
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt):
                return self._finish(SessionStatus.STOPPED, warm, bars, None)
            self._finish(SessionStatus.FAILED, warm, bars, f"{type(exc).__name__}: {exc}")
            raise
        return self._finish(SessionStatus.STOPPED, warm, bars, None)

    def _finish(self, status: SessionStatus, warm: int, bars: int, error: str | None) -> RunResult:
        sessions = self.parts.sessions
        for _ in range(5):
            state = sessions.get_state(self.spec.session_id)
            try:
                state = sessions.save_state(state.finished(status, self.parts.wall.now(), error))
                break
            except StaleStateError:
                continue
        return RunResult(self.spec.session_id, status, bars, warm, state.cursor, error)

    def stop_requested(self) -> bool:
        """Read the stored status (for pacing waits); True once a stop was requested."""
        if self._stop_seen:
            return True
        state = self.parts.sessions.get_state(self.spec.session_id)
        if state.status is SessionStatus.STOPPING or state.owner != self.owner:
            self._stop_seen = True
            self.parts.feed.stop()
        return self._stop_seen

    # --- start-up ---------------------------------------------------------------------

    def _resume_time(self, state: SessionState) -> datetime | None:
        if state.cursor is None:
            return None
        return state.cursor + timedelta(seconds=self.spec.timeframe.seconds)

    def _set_time(self, moment: datetime | None) -> None:
        clock = self.parts.clock
        if moment is not None and isinstance(clock, TestClock) and moment > clock.now():
            clock.set(moment)

    def _reconcile(self) -> None:
        self._hook("during_reconcile")
        self.parts.orders.reconcile()

    def _warm_up(self, cursor: datetime | None) -> int:
        if cursor is None:
            return 0
        count = 0
        for bar in self.parts.feed.history(cursor):
            self.engine.step(bar_input(bar))
            self._recent.append(bar)
            count += 1
        self.book.refresh()
        return count

    def _hook(self, name: str) -> None:
        if self.checkpoint is not None:
            self.checkpoint(name)

    # --- one bar ----------------------------------------------------------------------

    def _market(self, bar: Bar) -> int:
        """Trade ``bar`` at the venue and store what happened; returns the fills stored.

        With nothing working at the simulated venue nothing can fill: the bar is only
        shown to it (its last price) and the OMS is not asked to sync."""
        orders = self.parts.orders
        venue = self.parts.venue
        self._set_time(bar.time)
        if venue is None:
            report = orders.sync()
            self._hook("after_bar_fills")
            return report.fills_applied
        iid = self.parts.instrument.id
        rest = Bar(iid, bar.timeframe, bar.time + _REST, bar.open, bar.high, bar.low,
                   bar.close, bar.volume)  # fmt: skip
        if not venue.open_orders(iid):
            venue.on_bar(iid, rest)
            return 0
        opening = Bar(iid, bar.timeframe, bar.time, bar.open, bar.open, bar.open, bar.open, 0.0)
        venue.on_bar(iid, opening)
        filled = orders.sync().fills_applied
        self._hook("after_open")
        venue.on_bar(iid, rest)
        filled += orders.sync().fills_applied
        self._hook("after_bar_fills")
        return filled

    def _step(self, bar: Bar) -> None:
        fills: tuple[Fill, ...] = ()
        if self._market(bar):
            self.book.refresh()
            fills = self.book.last_fills
        self._set_time(bar.close_time)
        now = self.parts.clock.now()
        decision = self.engine.step(bar_input(bar))
        self._recent.append(bar)
        position = self.book.position
        acting = self._cron is None or self._cron.matches(bar.close_time)
        p = (
            plan(decision, position, self.options.direction)
            if acting
            else Plan(note="off schedule: observed only")
        )
        did = decision_id(self.spec.session_id, bar.time)
        outcome, order_ids = self._act(p, decision, bar, did, now)
        self._hook("after_orders")
        close = _decimal(bar.close)
        equity = self.book.equity(close)
        update = observe_equity(
            self.parts.risk_store,
            self.guard,
            self.spec.tenant_id,
            self.spec.strategy_id,
            equity=equity,
            now=now,
        )
        self._mode = update.state.mode
        peak = max(update.state.peak_equity, equity)
        drawdown = (peak - equity) / peak if peak > 0 else _ZERO
        record = DecisionRecord(
            session_id=self.spec.session_id,
            decision_id=did,
            bar_time=bar.time,
            direction=decision.direction,
            exit=decision.exit,
            entry=decision.entry,
            stop=decision.stop,
            target=decision.target,
            confidence=decision.confidence if math.isfinite(decision.confidence) else 0.0,
            reasoning=decision.reasoning,
            inputs=self._inputs(bar, position),
            outcome=outcome if outcome else p.note,
            order_ids=order_ids,
            created_at=now,
        )
        snapshot = EquitySnapshot(
            session_id=self.spec.session_id,
            time=bar.time,
            equity=equity,
            cash=self.book.cash,
            position_value=self.book.position_value(close),
            drawdown=drawdown,
        )
        self._record(bar, record, snapshot)
        if self.observer is not None:
            self.observer(
                StepReport(
                    bar,
                    decision,
                    p.note,
                    record.outcome,
                    order_ids,
                    fills,
                    equity,
                    self.book.position,
                )
            )

    def _inputs(self, bar: Bar, position: Decimal) -> dict[str, str | float | bool | None]:
        return {
            "open": bar.open,
            "high": bar.high,
            "low": bar.low,
            "close": bar.close,
            "volume": bar.volume,
            "position": str(position),
            "guard": self._mode.value,
        }

    def _record(self, bar: Bar, record: DecisionRecord, snapshot: EquitySnapshot) -> None:
        sessions = self.parts.sessions
        assert self._state is not None
        state = self._state
        for _ in range(5):
            new_state = state.stepped(bar.time, self.parts.wall.now())
            try:
                self._state = sessions.record_step(
                    self.spec.session_id, bar.time, record, snapshot, new_state
                )
                break
            except StaleStateError:
                state = sessions.get_state(self.spec.session_id)
                if state.owner != self.owner:
                    self._stop_seen = True
                    raise SessionTakenOverError(
                        f"Session {self.spec.session_id!r} was taken over by {state.owner}.",
                        hint="Only one process may run a session; this one stopped.",
                    ) from None
        else:
            raise StaleStateError(
                f"Session {self.spec.session_id!r}: the step of {bar.time.isoformat()} could "
                "not be recorded (the state kept changing).",
                hint="Another process writes this session; stop it.",
            )
        if self._state.status is SessionStatus.STOPPING:
            self._stop_seen = True

    # --- acting -----------------------------------------------------------------------

    def _ctx(self, did: str, now: datetime) -> PlanContext:
        return PlanContext(self.spec.tenant_id, self.spec.strategy_id, did, now)

    def _act(
        self, p: Plan, decision: Decision, bar: Bar, did: str, now: datetime
    ) -> tuple[str, tuple[str, ...]]:
        orders = self.parts.orders
        notes: list[str] = []
        placed: list[str] = []
        if p.cancel_protection or p.cancel_entries:
            legs = [
                r
                for r in self.book.working()
                if (p.cancel_protection and r.leg.split(".", 1)[0] in _PROTECTION)
                or (p.cancel_entries and r.leg.split(".", 1)[0] == "entry")
            ]
            for leg in legs:
                try:
                    orders.cancel(leg.client_order_id)
                except ExecutionError as exc:
                    notes.append(f"cancel of {leg.leg} failed: {exc.message}")
        ctx = self._ctx(did, now)
        caps = self.parts.capabilities
        if p.close is not None:
            exit_plan = plan_exit(self.parts.instrument, self.book.position, ctx, capabilities=caps)
            if exit_plan.planned:
                placement = orders.place(exit_plan.records, risk_increasing=False)
                placed.extend(r.client_order_id for r in placement.records)
                if placement.refused_reason:
                    notes.append(f"close refused: {placement.refused_reason}")
        if p.open is not None:
            outcome, ids = self._enter(p, decision, bar, ctx)
            placed.extend(ids)
            notes.append(outcome)
        if not notes:
            notes.append(p.note)
        elif p.close is not None and not any("refused" in n for n in notes[:1]):
            notes.insert(0, p.note)
        return "; ".join(notes), tuple(placed)

    def _enter(
        self, p: Plan, decision: Decision, bar: Bar, ctx: PlanContext
    ) -> tuple[str, tuple[str, ...]]:
        assert p.open is not None
        instrument = self.parts.instrument
        now = ctx.now
        direction = p.open.direction
        close = _decimal(bar.close)
        confidence = (
            min(max(p.open.confidence, 0.0), 1.0) if math.isfinite(p.open.confidence) else 0.0
        )
        intent = Intent(
            instrument_id=instrument.id,
            direction=direction,
            time=now,
            confidence=confidence,
            stop=p.open.stop_loss,
            target=p.open.take_profit,
            reasoning=decision.reasoning,
        )
        quantity, sizing_stop = self._size(intent, close)
        if quantity <= 0:
            return "entry not sized (no stop to size from, or below one lot)", ()
        if sizing_stop is not None:
            intent = replace(intent, stop=sizing_stop)
        stop = _decimal(intent.stop) if intent.stop is not None else None
        target = _decimal(intent.target) if intent.target is not None else None
        # after a reversal's close the account holds nothing in this instrument
        flat = p.close is not None
        account = self._account(close, now, flat=flat)
        proposal = ProposedOrder(
            instrument=instrument,
            side=p.open.side,
            quantity=quantity,
            order_type=OrderType.MARKET,
            time=now,
            client_order_id=ctx.client_id("entry"),
            stop_loss=stop,
            take_profit=target,
        )
        verdict = self.checker.check(proposal, account, now, self._mode)
        if verdict.denied:
            reasons = ", ".join(r.value for r in verdict.reasons)
            return f"risk denied: {reasons}", ()
        placement = self.parts.orders.submit_intent(
            intent, verdict, strategy_id=self.spec.strategy_id, decision_id=ctx.decision_id
        )
        ids = tuple(r.client_order_id for r in placement.records)
        if placement.refused_reason:
            return f"entry refused: {placement.refused_reason}", ids
        sized = f"{verdict.quantity}" + (" (reduced by risk)" if verdict.reduced else "")
        return f"{p.note}: {direction.value} {sized}", ids

    def _size(self, intent: Intent, price: Decimal) -> tuple[Decimal, float | None]:
        """Units to enter, and the protective stop to place when the decision has none
        (RISK sizing sizes from an ATR stop then; FIXED sizing adds no stop)."""
        sizing = self.spec.sizing
        instrument = self.parts.instrument
        if sizing.kind is SizingKind.FIXED:
            assert sizing.quantity is not None
            return instrument.round_quantity(sizing.quantity), None
        atr = self._atr()
        equity = self.book.equity(price)
        result = size_intent(intent, instrument, equity, self.risk_config, price=price, atr=atr)
        stop = None
        if intent.stop is None and result.stop is not None:
            stop = float(result.stop)
        # never propose more than the instrument exposure limit allows
        cap = instrument.round_quantity(
            self.risk_config.max_instrument_exposure * equity / (price * instrument.multiplier)
        )
        return min(result.quantity, cap), stop

    def _atr(self) -> float | None:
        period = _ATR_PERIOD
        if len(self._recent) <= period:
            return None
        high = np.array([b.high for b in self._recent])
        low = np.array([b.low for b in self._recent])
        close = np.array([b.close for b in self._recent])
        value = float(atr(high, low, close, period)[-1])
        return value if math.isfinite(value) and value > 0 else None

    def _account(self, close: Decimal, now: datetime, *, flat: bool) -> AccountSnapshot:
        iid = self.parts.instrument.id
        held = None if flat else self.book.holding_position()
        working = [
            r.order
            for r in self.book.working()
            if not (flat and r.leg.split(".", 1)[0] in _PROTECTION)
        ]
        return AccountSnapshot(
            equity=self.book.equity(close),
            positions=(held,) if held is not None and held.quantity != 0 else (),
            open_orders=tuple(o for o in working if not o.reduce_only),
            last_prices={iid: PriceMark(close, now)},
            instruments={iid: self.parts.instrument},
        )


__all__ = [
    "BarVenue",
    "Pacer",
    "RunResult",
    "SessionParts",
    "SessionRunner",
    "SessionTakenOverError",
    "StepReport",
]
