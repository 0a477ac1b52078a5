"""StopKeeper: a session's open position under a ``StopPolicy`` — its stop state and the
protective legs that carry it (see ``stops`` for the arithmetic, ``actions`` for the
orders).

- ``remember``: the (stop, target) of every entry decision, by decision id: the legs a
  position gets once its entry has filled;
- ``protect_fill`` (after a bar's opening print): a position that just opened gets its
  stop from the fill price and the legs (stop, then target) — before the rest of the bar,
  so the entry bar is protected as in the backtest;
- ``advance`` (at each close): the stop for the next bar, and whether the time stop fires;
- ``move`` (at a close that keeps the position): a moved stop becomes a new stop leg
  followed by a re-placed target (stop first at the venue);
- ``rebuild`` (after a resume's warm-up): the state replayed from the entry bar.
"""

from __future__ import annotations

import math
from datetime import datetime
from decimal import Decimal

from tradegraph.core.clock import Clock
from tradegraph.execution.store import OrderStore
from tradegraph.model.bar import Bar
from tradegraph.model.fill import Fill
from tradegraph.orchestrator.sessions.actions import OrderActions
from tradegraph.orchestrator.sessions.book import StrategyBook
from tradegraph.orchestrator.sessions.stops import BarHistory, Protection, advance, protect_entry
from tradegraph.risk.stops import StopPolicy


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%S")


class StopKeeper:
    """The stop-policy side of one session (see the module docstring)."""

    def __init__(
        self,
        policy: StopPolicy,
        *,
        book: StrategyBook,
        actions: OrderActions,
        store: OrderStore,
        history: BarHistory,
        clock: Clock,
    ) -> None:
        self.policy = policy
        self.book = book
        self.actions = actions
        self.store = store
        self.history = history
        self.clock = clock
        self.state: Protection | None = None
        self._levels: dict[str, tuple[float | None, float | None]] = {}
        self._entry: str | None = None
        self._moved = False

    def remember(self, decision_id: str, stop: float | None, target: float | None) -> None:
        self._levels[decision_id] = (stop, target)

    def drop(self) -> None:
        """The position is being closed: forget its state."""
        self.state = None

    @property
    def unprotected(self) -> bool:
        """A position without its stop state (a resume right after its entry filled)."""
        return self.state is None and self.book.position != 0

    def _entry_levels(self) -> tuple[str, str, float | None, float | None, Fill] | None:
        """(entry id, its decision id, decision stop, decision target, entry fill) of the
        held position."""
        fill = self.book.entry_fill()
        if fill is None:
            return None
        record = self.store.get(fill.client_order_id)
        if record is None:
            return None
        stop, target = self._levels.get(record.decision_id, (None, None))
        return fill.client_order_id, record.decision_id, stop, target, fill

    def protect_fill(self, bar: Bar) -> None:
        """After the opening print: protect a position that just opened (policy stop from
        the fill price, then the decision's target)."""
        self.book.refresh()
        found = self._entry_levels()
        if found is None or self.book.position == 0:
            return
        entry_id, did, stop, target, fill = found
        if fill.time != bar.time or self._entry == entry_id:
            return
        sign = 1 if self.book.position > 0 else -1
        self.state = protect_entry(
            self.policy,
            sign=sign,
            fill_price=float(fill.price),
            atr_before=self.history.atr_at(-1, self.policy.atr_period),
            other=stop if stop is not None else math.nan,
        )
        self._entry = entry_id
        ctx = self.actions.context(did, self.clock.now())
        legs = self.actions.protection_records(
            ctx,
            entry_id=entry_id,
            stop=self.state.stop if self.state.has_stop else None,
            target=target,
        )
        self.actions.place_protection(legs)

    def rebuild(self) -> None:
        """After warm-up: the held position's stop state, replayed from its entry bar."""
        found = self._entry_levels()
        if found is None or self.book.position == 0:
            return
        entry_id, _, stop, _, fill = found
        if fill.time > self.history.last_time:
            return  # entered at the bar being re-done: its opening step protects it again
        start = self.history.index_of(fill.time)
        if start is None:
            return  # entered before the kept history: the working legs stay as they are
        state = protect_entry(
            self.policy,
            sign=1 if self.book.position > 0 else -1,
            fill_price=float(fill.price),
            atr_before=self.history.atr_at(start - 1, self.policy.atr_period)
            if start
            else math.nan,
            other=stop if stop is not None else math.nan,
        )
        for i in range(start, len(self.history)):
            state, _ = advance(self.policy, state, self.history, i)
        self.state = state
        self._entry = entry_id

    def advance(self, position: Decimal) -> bool:
        """At the close: move the held position's stop state; True when the time stop
        says exit now."""
        if position == 0 or self.state is None:
            self.state = None
            return False
        before = self.state.stop
        self.state, exit_now = advance(  # the pure function, not this method
            self.policy, self.state, self.history, len(self.history) - 1
        )
        self._moved = self.state.stop != before and self.state.has_stop
        return exit_now

    def move(self, bar: Bar, did: str, now: datetime) -> tuple[str, ...]:
        """Replace the stop leg with the moved stop (and the target behind it)."""
        if self.state is None or not self._moved:
            return ()
        self._moved = False
        found = self._entry_levels()
        if found is None:
            return ()
        entry_id, _, _, target, _ = found
        records = self.actions.protection_records(
            self.actions.context(did, now),
            entry_id=entry_id,
            stop=self.state.stop,
            target=target,
            suffix=f".m{_stamp(bar.time)}",
        )
        # cancel the legs being replaced (not the new ones, if a re-done step placed them)
        keep = {r.client_order_id for r in records}
        self.actions.cancel(protection=True, entries=False, decision_id=did, keep=keep)
        return self.actions.place_protection(records)


__all__ = ["StopKeeper"]
