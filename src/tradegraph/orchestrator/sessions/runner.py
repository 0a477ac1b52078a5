"""SessionRunner: one paper/live session driven bar by bar.

For each closed bar of the feed (``Feed.bars(after=cursor)``):

1. market — the venue trades the bar (``SimulatedVenue.on_bar``) in two steps: first the
   opening print alone (market orders decided at the previous close fill at the open, in
   the order they were placed, closes first; resting legs the open went through fill at
   the open), then ``oms.sync()`` stores those fills and sends the bracket legs of entries
   that just filled, then the rest of the bar (its full range: legs fill at their stop /
   target, stop first). That is the backtest kernel's bar (open, then protective exits —
   on the entry bar too). ``oms.sync()`` again stores the fills and enforces OCO. With
   nothing working at the venue the bar is only shown to it; a live venue (no
   ``on_bar``) only gets ``oms.sync()``.
2. decide — the business clock moves to the bar's close; ``StepEngine.step`` gives the
   workflow's decision; a stop policy moves the position's stop (and may call a time
   stop); ``policy.plan`` turns the decision into cancels, a close and an entry with the
   kernel's rules for the configured direction mode.
3. act — ``actions.OrderActions``: closes are risk-reducing market orders; entries are
   sized, checked by the risk engine with the guard's mode, and placed through the OMS.
   Client order ids derive from the decision id ``"<session>:<bar time>"``, so
   re-processing a bar after a crash re-derives the same ids and places nothing twice.
4. record — equity from the strategy's book (its own fills), the drawdown guard observes
   it, and ``SessionStore.record_step`` commits the decision (what it saw, why, what came
   of it), the equity snapshot and the new cursor in one unit of work.

Stops: the store is read before every bar (and by the ``Pacer`` during waits); a stop
request ends the run after the bar in hand, STOPPED. Start and resume: claim the session
(RUNNING, owner token), reconcile the OMS with the venue (fails closed:
``ReconciliationError`` → FAILED), replay the history up to the cursor through the
workflow without acting (warm-up; a stop policy's state is rebuilt from it), continue
with the first bar after the cursor. The simulated venue restores itself from its
journal; orders and sessions are in the database.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal

import numpy as np

from tradegraph.core.clock import TestClock
from tradegraph.core.errors import (
    ReconciliationError,
    StaleStateError,
    TradegraphError,
    ValidationError,
)
from tradegraph.core.precision import to_decimal
from tradegraph.model.bar import Bar
from tradegraph.model.fill import Fill
from tradegraph.orchestrator.sessions.actions import OrderActions, Outcome
from tradegraph.orchestrator.sessions.book import StrategyBook
from tradegraph.orchestrator.sessions.feeds import bar_input
from tradegraph.orchestrator.sessions.keeper import StopKeeper
from tradegraph.orchestrator.sessions.parts import (
    BarVenue,
    Checkpoint,
    Pacer,
    RunResult,
    SessionParts,
    SessionTakenOverError,
    StepReport,
)
from tradegraph.orchestrator.sessions.policy import Plan, plan
from tradegraph.orchestrator.sessions.spec import (
    DecisionRecord,
    EquitySnapshot,
    SessionState,
    SessionStatus,
    decision_id,
)
from tradegraph.orchestrator.sessions.stops import BarHistory
from tradegraph.risk.guard import DrawdownGuard, GuardMode, GuardUpdate
from tradegraph.services.trading import enforce_halt, is_halted
from tradegraph.workflow.step import StepEngine
from tradegraph.workflow.values import Decision

_ZERO = Decimal(0)
_REST = timedelta(microseconds=1)
_SIZING_ATR = 14  # the ATR period of stops the risk engine sizes from
_MAX_OUTPUTS = 12  # named workflow outputs recorded with each decision


def _decimal(value: float) -> Decimal:
    return to_decimal(value, "price")


RECONCILE_EVERY_BARS = 50
"""Besides at start-up, a session reconciles with its venue after every this many bars."""


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
        reconcile_every: int = RECONCILE_EVERY_BARS,
    ) -> None:
        if reconcile_every < 1:
            raise ValidationError(
                f"reconcile_every must be >= 1 bar, got {reconcile_every}.",
                hint=f"The default reconciles every {RECONCILE_EVERY_BARS} bars.",
            )
        self.reconcile_every = reconcile_every
        self.parts = parts
        if pacer is not None:
            pacer.check = self.stop_requested
        self.spec = parts.spec
        self.owner = owner
        self.observer = observer
        self.checkpoint = checkpoint
        self.takeover = takeover
        self.options = parts.spec.options
        self.policy = self.options.stop_policy
        self.risk_config = parts.spec.risk_config()
        self.guard = DrawdownGuard(self.risk_config)
        self.book = StrategyBook(
            parts.orders.store,
            strategy_id=parts.spec.strategy_id,
            instrument_id=parts.instrument.id,
            starting_cash=parts.spec.venue.starting_cash,
        )
        self.actions = OrderActions(
            parts.spec,
            instrument=parts.instrument,
            orders=parts.orders,
            capabilities=parts.capabilities,
            book=self.book,
            risk=self.risk_config,
        )
        self.engine = StepEngine(parts.graph, llm=parts.llm, symbol=parts.spec.symbol)
        self.history = BarHistory()
        self.keeper = (
            StopKeeper(
                self.policy,
                book=self.book,
                actions=self.actions,
                store=parts.orders.store,
                history=self.history,
                clock=parts.clock,
            )
            if self.policy is not None
            else None
        )
        self.halt_reason = ""
        self.warmup_bars = 0
        self._cron = self.options.cron
        self._state: SessionState | None = None
        self._stop_seen = False
        self._mode = GuardMode.ACTIVE

    # --- lifecycle --------------------------------------------------------------------

    def _claim(self) -> SessionState:
        sessions = self.parts.sessions
        state = sessions.get_state(self.spec.session_id)
        resumable = state.status.can_start or (
            state.status is SessionStatus.HALTED
            and not is_halted(self.parts.risk_store, self.spec.tenant_id, self.spec.strategy_id)
        )
        if not self.takeover and not resumable:
            hint = (
                "Stop it first (`tradegraph paper stop`), or resume it when its process is "
                "gone (`tradegraph paper resume`)."
                if state.status.is_active
                else "Reset the risk guard (`tradegraph risk reset`) and resume it."
            )
            raise ValidationError(
                f"Session {self.spec.session_id!r} is {state.status.value} (owner {state.owner}).",
                hint=hint,
            )
        return sessions.save_state(state.started(self.owner, self.parts.wall.now()))

    def start(self) -> datetime | None:
        """Claim the session, set business time, reconcile (fails closed) and warm the
        workflow up; returns the cursor to continue after (``warmup_bars`` is set)."""
        state = self._claim()
        self._state = state
        cursor = state.cursor if state.cursor is not None else self.parts.feed.initial_cursor()
        self._resume_clock(cursor)
        self._hook("during_reconcile")
        self.parts.orders.reconcile()
        self.warmup_bars = self._warm_up(cursor)
        return cursor

    def may_trade(self) -> bool:
        """Before each bar: False once a stop was requested or the strategy is HALTED
        (then ``halt_reason`` says why)."""
        if self.stop_requested():
            return False
        return not self._halted()

    def run(self) -> RunResult:
        """Claim, reconcile, warm up, then step until the feed ends or a stop request."""
        bars = 0
        try:
            cursor = self.start()
            for bar in self.parts.feed.bars(after=cursor):
                if not self.may_trade():
                    break
                self.step(bar)
                bars += 1
                self.reconcile_periodically(bars)
                if self._stop_seen:
                    self.parts.feed.stop()
                    break
        except BaseException as exc:
            return self.fail(exc, bars)
        return self.finish(bars)

    def reconcile_periodically(self, bars: int) -> None:
        """Every ``reconcile_every`` bars: open orders, fills and positions against the
        venue; a position mismatch raises ``ReconciliationError`` (the run fails closed)."""
        if bars % self.reconcile_every == 0:
            self._hook("during_reconcile")
            self.parts.orders.reconcile()

    def finish(self, bars: int) -> RunResult:
        """End the run: HALTED when the guard stopped it, else STOPPED."""
        if self.halt_reason:
            return self._finish(SessionStatus.HALTED, self.warmup_bars, bars, self.halt_reason)
        return self._finish(SessionStatus.STOPPED, self.warmup_bars, bars, None)

    @property
    def stop_seen(self) -> bool:
        """A stop request (or a take-over) was seen; the run ends after this bar."""
        return self._stop_seen

    def fail(self, exc: BaseException, bars: int, *, reraise: bool = True) -> RunResult:
        """End the run after ``exc``: the status it implies (unexpected errors are
        recorded as FAILED, then re-raised unless ``reraise`` is False)."""
        warm = self.warmup_bars
        if isinstance(exc, SessionTakenOverError):
            return RunResult(
                self.spec.session_id, SessionStatus.RUNNING, bars, warm, None, str(exc)
            )
        if isinstance(exc, ReconciliationError):
            return self._finish(SessionStatus.FAILED, warm, bars, f"reconciliation: {exc}")
        if isinstance(exc, KeyboardInterrupt):
            return self._finish(SessionStatus.STOPPED, warm, bars, None)
        message = str(exc) if isinstance(exc, TradegraphError) else f"{type(exc).__name__}: {exc}"
        result = self._finish(SessionStatus.FAILED, warm, bars, message)
        if reraise:
            raise exc
        return result

    def _finish(self, status: SessionStatus, warm: int, bars: int, error: str | None) -> RunResult:
        sessions = self.parts.sessions
        state = sessions.get_state(self.spec.session_id)
        for _ in range(5):
            try:
                state = sessions.save_state(state.finished(status, self.parts.wall.now(), error))
                break
            except StaleStateError:
                state = sessions.get_state(self.spec.session_id)
        return RunResult(self.spec.session_id, status, bars, warm, state.cursor, error)

    def stop_requested(self) -> bool:
        """Read the stored status; True (and the feed stopped) once a stop was requested
        or another process took the session over."""
        if self._stop_seen:
            return True
        state = self.parts.sessions.get_state(self.spec.session_id)
        if state.status is SessionStatus.STOPPING or state.owner != self.owner:
            self._stop_seen = True
            self.parts.feed.stop()
        return self._stop_seen

    def _resume_clock(self, cursor: datetime | None) -> None:
        """Business time to resume at: the open of the first bar to do, but never before
        anything already recorded — an order decided at the close of the bar in flight and
        sent by the reconciliation below must keep that close as its time, or the venue
        would let it trade the bar it was decided on."""
        times = [r.order.updated_at or r.order.created_at for r in self.book.orders()]
        if cursor is not None:
            times.append(cursor + timedelta(seconds=self.spec.timeframe.seconds))
        if times:
            self._set_time(max(times))

    def _halted(self) -> bool:
        """The durable kill switch: when the strategy's risk guard is HALTED, trip the
        OMS's switch and cancel the strategy's open orders (``services.trading``)."""
        spec = self.spec
        report = enforce_halt(
            self.parts.risk_store, self.parts.orders, spec.tenant_id, spec.strategy_id
        )
        if report is None:
            return False
        status = self.parts.orders.kill_switch.status
        self.halt_reason = f"halted: {status.reason}; canceled {len(report.canceled)} orders"
        return True

    def _set_time(self, moment: datetime) -> None:
        clock = self.parts.clock
        if isinstance(clock, TestClock) and moment > clock.now():
            clock.set(moment)

    def _hook(self, name: str) -> None:
        if self.checkpoint is not None:
            self.checkpoint(name)

    def _remember(self, bar: Bar, decision: Decision) -> None:
        self.history.append(bar)
        if self.keeper is not None and decision.direction.sign:
            did = decision_id(self.spec.session_id, bar.time)
            self.keeper.remember(did, decision.stop, decision.target)

    def _warm_up(self, cursor: datetime | None) -> int:
        if cursor is None:
            return 0
        count = 0
        for bar in self.parts.feed.history(cursor):
            self._remember(bar, self.engine.step(bar_input(bar)))
            count += 1
        self.book.refresh()
        if self.keeper is not None:
            self.keeper.rebuild()
        return count

    # --- one bar ----------------------------------------------------------------------

    def market(self, bar: Bar, peers: Sequence[SessionRunner] = ()) -> int:
        """Trade ``bar`` at the venue and store what happened; returns the fills stored.

        ``peers``: other sessions of a group on the same instrument (and account): the bar
        is traded once for all of them, each protecting its own new entry."""
        orders = self.parts.orders
        venue: BarVenue | None = self.parts.venue
        self._set_time(bar.time)
        if venue is None:
            report = orders.sync()
            self._hook("after_bar_fills")
            return report.fills_applied
        iid = self.parts.instrument.id
        o, h, lo, c = bar.open, bar.high, bar.low, bar.close
        rest = Bar(iid, bar.timeframe, bar.time + _REST, o, h, lo, c, bar.volume)
        everyone = (self, *peers)
        if not venue.open_orders(iid) and not any(r.unprotected for r in everyone):
            venue.on_bar(iid, rest)  # nothing can fill: only show it the bar
            return 0
        opening = Bar(iid, bar.timeframe, bar.time, o, o, o, o, 0.0)
        venue.on_bar(iid, opening)
        filled = orders.sync().fills_applied
        for runner in everyone:
            keeper = runner.keeper
            if keeper is not None and (filled or keeper.state is None):
                keeper.protect_fill(bar)
        self._hook("after_open")
        venue.on_bar(iid, rest)
        filled += orders.sync().fills_applied
        self._hook("after_bar_fills")
        return filled

    @property
    def unprotected(self) -> bool:
        """A stop-policy position without its stop state (a resume right after an entry
        filled): its bar must go through the two-step market to place the legs."""
        return self.keeper is not None and self.keeper.unprotected

    def step(self, bar: Bar) -> None:
        """One bar: market, then decide (see the module docstring)."""
        self.decide(bar, self.market(bar))

    def decide(self, bar: Bar, filled: int) -> None:
        """The close of ``bar``: decide, act, record (``filled``: fills the bar brought)."""
        fills: tuple[Fill, ...] = ()
        if filled:
            self.book.refresh()
            fills = self.book.last_fills
        self._set_time(bar.close_time)
        now = self.parts.clock.now()
        decision = self.engine.step(bar_input(bar))
        self._remember(bar, decision)
        position = self.book.position
        time_exit = self.keeper.advance(position) if self.keeper is not None else False
        acting = self._cron is None or self._cron.matches(bar.close_time)
        p = (
            plan(decision, position, self.options.direction, time_exit=time_exit)
            if acting
            else Plan(note="off schedule: observed only")
        )
        did = decision_id(self.spec.session_id, bar.time)
        outcome = self._act(p, decision, bar, did, now)
        self._hook("after_orders")
        close = _decimal(bar.close)
        equity = self.book.equity(close)
        update = self._observe(equity, now)
        self._mode = update.state.mode
        peak = max(update.state.peak_equity, equity)
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
            outcome=outcome.text,
            order_ids=outcome.order_ids,
            created_at=now,
        )
        snapshot = EquitySnapshot(
            session_id=self.spec.session_id,
            time=bar.time,
            equity=equity,
            cash=self.book.cash,
            position_value=self.book.position_value(close),
            drawdown=(peak - equity) / peak if peak > 0 else _ZERO,
        )
        self._record(bar, record, snapshot)
        if self.observer is not None:
            report = StepReport(
                bar, decision, p.note, outcome.text, outcome.order_ids, fills, equity,
                self.book.position,
            )  # fmt: skip
            self.observer(report)

    def _observe(self, equity: Decimal, now: datetime) -> GuardUpdate:
        """The drawdown guard observes the strategy's equity (``risk.store.observe_equity``)
        at business time — but never before the guard's last change, which an operator's
        `halt` / `risk reset` stamps with wall time (a replay then observes at that time)."""
        store, spec = self.parts.risk_store, self.spec
        state = store.load(spec.tenant_id, spec.strategy_id)
        if state is None:
            update = GuardUpdate(self.guard.start(equity, now))
        else:
            update = self.guard.observe(state, equity, max(now, state.updated_at))
        store.save(spec.tenant_id, spec.strategy_id, update.state, update.transitions)
        return update

    def _inputs(self, bar: Bar, position: Decimal) -> dict[str, str | float | bool | None]:
        seen: dict[str, str | float | bool | None] = {
            "open": bar.open,
            "high": bar.high,
            "low": bar.low,
            "close": bar.close,
            "volume": bar.volume,
            "position": str(position),
            "guard": self._mode.value,
        }
        state = self.keeper.state if self.keeper is not None else None
        if state is not None and state.has_stop:
            seen["stop"] = state.stop
        for name, ref in list(self.parts.graph.outputs.items())[:_MAX_OUTPUTS]:
            value = self.engine.value(ref.node, ref.port)  # the workflow's named outputs
            if isinstance(value, np.ndarray) and len(value) and name not in seen:
                last = value[-1]
                if isinstance(last, np.bool_ | bool):
                    seen[name] = bool(last)
                elif isinstance(last, np.floating | float) and math.isfinite(float(last)):
                    seen[name] = float(last)
        return seen

    def _record(self, bar: Bar, record: DecisionRecord, snapshot: EquitySnapshot) -> None:
        sessions = self.parts.sessions
        assert self._state is not None
        state = self._state
        for _ in range(5):
            try:
                stepped = state.stepped(bar.time, self.parts.wall.now())
                self._state = sessions.record_step(
                    self.spec.session_id, bar.time, record, snapshot, stepped
                )
                break
            except StaleStateError:  # a stop request (or a take-over) changed the state
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

    def _act(self, p: Plan, decision: Decision, bar: Bar, did: str, now: datetime) -> Outcome:
        actions = self.actions
        notes: list[str] = []
        placed: list[str] = []
        if p.cancel_protection or p.cancel_entries:
            notes.extend(
                actions.cancel(
                    protection=p.cancel_protection, entries=p.cancel_entries, decision_id=did
                )
            )
            if p.cancel_protection and self.keeper is not None:
                self.keeper.drop()
        ctx = actions.context(did, now)
        if p.close is not None:
            closed = actions.close(ctx)
            placed.extend(closed.order_ids)
            notes.append(closed.text or p.note)
        if p.open is not None:
            entered = actions.enter(
                p.open,
                ctx,
                close=_decimal(bar.close),
                reasoning=decision.reasoning,
                mode=self._mode,
                atr=self._sizing_atr(),
                flat=p.close is not None,
                bracket=self.policy is None,
            )
            placed.extend(entered.order_ids)
            text = f"{p.note}: {entered.text}" if entered.order_ids else entered.text
            notes.append(text if p.close is None else entered.text)
        keeper = self.keeper
        if p.close is None and p.open is None and keeper is not None and keeper.state is not None:
            moved = keeper.move(bar, did, now)
            placed.extend(moved)
            if moved:
                notes.append(f"stop moved to {keeper.state.stop:.8g}")
        if not notes:
            notes.append(p.note)
        return Outcome("; ".join(n for n in notes if n), tuple(placed))

    def _sizing_atr(self) -> float | None:
        value = self.history.atr_at(-1, _SIZING_ATR)
        return value if math.isfinite(value) and value > 0 else None


__all__ = [
    "BarVenue",
    "Checkpoint",
    "Pacer",
    "RunResult",
    "SessionParts",
    "SessionRunner",
    "SessionTakenOverError",
    "StepReport",
]
