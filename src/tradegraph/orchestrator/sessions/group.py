"""SessionGroup: several strategies on one simulated account, in one process.

Each session keeps its own strategy id, workflow, book (its own fills), risk limits and
drawdown guard, decisions and cursor; they share the account — one ``SimulatedVenue``
over one journal, one ``OrderManager``, one business clock. The group merges the
sessions' feeds in time order and, for every bar time, first trades each instrument's
bar once at the venue (the two-step market of ``SessionRunner.market``, each session
protecting its own new entries), then lets every session with a bar at that time decide,
act and record. Sessions stop on their own (a stop request, the end of their replay, a
HALTED guard); the group ends with the last one.

Rules: groups replay (a live polled feed would make the whole group wait for the next
poll before deciding the current bar); sessions on the same instrument must have the same timeframe (the venue sees each
instrument's bars once, in order), and an account's replayed time only moves forward.
Opposite positions in one instrument net at the venue, so reduce-only protective legs of
two strategies on the same instrument can interfere; give each strategy its own
instrument, or its own account, for independent results.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import datetime

from tradegraph.core.errors import ReconciliationError, ValidationError
from tradegraph.model.bar import Bar
from tradegraph.orchestrator.sessions.feeds import ReplayFeed
from tradegraph.orchestrator.sessions.parts import RunResult
from tradegraph.orchestrator.sessions.runner import SessionRunner


def _check(runners: Sequence[SessionRunner]) -> None:
    if not runners:
        raise ValidationError("A session group needs at least one session.", hint="Add one.")
    first = runners[0].parts
    timeframes: dict[str, str] = {}
    for runner in runners:
        parts = runner.parts
        if parts.orders is not first.orders or parts.venue is not first.venue:
            raise ValidationError(
                f"Session {runner.spec.session_id!r} does not share the group's account.",
                hint="Build the group's sessions over one venue and one OrderManager.",
            )
        if parts.clock is not first.clock:
            raise ValidationError(
                f"Session {runner.spec.session_id!r} has its own clock.",
                hint="Sessions on one account share one business clock.",
            )
        if not isinstance(parts.feed, ReplayFeed):
            raise ValidationError(
                f"Session {runner.spec.session_id!r} polls live bars; a group replays.",
                hint="Run live sessions on their own accounts (one process each).",
            )
        iid = parts.instrument.id
        tf = runner.spec.timeframe.code
        if timeframes.setdefault(iid, tf) != tf:
            raise ValidationError(
                f"Sessions trade {iid} on {timeframes[iid]} and {tf} bars in one account.",
                hint="Sessions on one instrument of an account must share the timeframe.",
            )


class SessionGroup:
    """Runs sessions that share an account (see the module docstring)."""

    def __init__(self, runners: Sequence[SessionRunner]) -> None:
        _check(runners)
        self.runners = list(runners)

    def _stream(
        self, index: int, cursor: datetime | None
    ) -> Iterator[tuple[datetime, str, int, Bar]]:
        for bar in self.runners[index].parts.feed.bars(after=cursor):
            yield bar.time, bar.instrument_id, index, bar

    def _merged(
        self, cursors: dict[int, datetime | None], live: set[int]
    ) -> Iterator[tuple[datetime, str, int, Bar]]:
        streams = [self._stream(i, c) for i, c in cursors.items() if i in live]
        return heapq.merge(*streams, key=lambda item: (item[0], item[1], item[2]))

    def run(self) -> list[RunResult]:
        """Start every session, then step them bar time by bar time to the end."""
        results: dict[int, RunResult] = {}
        counts: dict[int, int] = defaultdict(int)
        cursors: dict[int, datetime | None] = {}
        for i, runner in enumerate(self.runners):
            try:
                cursors[i] = runner.start()
            except BaseException as exc:
                results[i] = runner.fail(exc, 0, reraise=False)
        live = set(cursors)
        pending: list[tuple[int, Bar]] = []
        current: datetime | None = None
        steps = 0
        for time, _, i, bar in self._merged(cursors, live):
            if time != current and pending:
                self._step_all(pending, results, counts)
                pending = []
                steps += 1
                self._reconcile(steps, results, counts)
            current = time
            if i in results:
                continue
            pending.append((i, bar))
        if pending:
            self._step_all(pending, results, counts)
        for i, runner in enumerate(self.runners):
            if i not in results:
                results[i] = runner.finish(counts[i])
        return [results[i] for i in range(len(self.runners))]

    def _reconcile(self, steps: int, results: dict[int, RunResult], counts: dict[int, int]) -> None:
        """The account's periodic reconciliation (one OMS for the whole group); a
        mismatch fails every session still running (closed)."""
        running = [i for i in range(len(self.runners)) if i not in results]
        if not running:
            return
        try:
            self.runners[running[0]].reconcile_periodically(steps)
        except ReconciliationError as exc:
            for i in running:
                results[i] = self.runners[i].fail(exc, counts[i], reraise=False)

    def _step_all(
        self, pending: list[tuple[int, Bar]], results: dict[int, RunResult], counts: dict[int, int]
    ) -> None:
        """One bar time: trade each instrument's bar once, then every session decides."""
        active: list[tuple[int, Bar]] = []
        for i, bar in pending:
            runner = self.runners[i]
            if runner.may_trade():
                active.append((i, bar))
            else:
                runner.parts.feed.stop()
                results[i] = runner.finish(counts[i])
        by_instrument: dict[str, list[tuple[int, Bar]]] = defaultdict(list)
        for i, bar in active:
            by_instrument[bar.instrument_id].append((i, bar))
        filled: dict[str, int] = {}
        for iid, items in by_instrument.items():
            lead, bar = items[0]
            peers = [self.runners[j] for j, _ in items[1:]]
            try:
                filled[iid] = self.runners[lead].market(bar, peers)
            except BaseException as exc:
                for j, _ in items:
                    results[j] = self.runners[j].fail(exc, counts[j], reraise=False)
        for i, bar in active:
            if i in results:
                continue
            runner = self.runners[i]
            try:
                runner.decide(bar, filled.get(bar.instrument_id, 0))
                counts[i] += 1
            except BaseException as exc:
                results[i] = runner.fail(exc, counts[i], reraise=False)
                continue
            if runner.stop_seen:
                runner.parts.feed.stop()
                results[i] = runner.finish(counts[i])


__all__ = ["SessionGroup"]
