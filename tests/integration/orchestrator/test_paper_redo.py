"""A step re-done after a crash decides exactly what it decided the first time.

The crash here is in-process (an exception that escapes the runner right after a bar's
orders were placed and before the step was recorded); the next runner takes the session
over and re-does that bar. Its orders already exist — the risk check must not mistake
them for duplicates, and the recorded decisions must equal an uninterrupted run's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tradegraph.core.clock import LiveClock, TestClock
from tradegraph.data.sources.synthetic import synthetic_ohlcv
from tradegraph.execution.simulated import MemoryVenueJournal
from tradegraph.orchestrator.sessions.assembly import paper_parts
from tradegraph.orchestrator.sessions.feeds import ReplayFeed
from tradegraph.orchestrator.sessions.runner import SessionRunner
from tradegraph.orchestrator.sessions.spec import SessionSpec, SessionStatus
from tradegraph.testing.orders import InMemoryOrderStore
from tradegraph.testing.risk import InMemoryRiskStateStore
from tradegraph.testing.sessions import InMemorySessionStore
from tradegraph.workflow.templates import load_template

BARS = 300


class _Crash(BaseException):
    """Stands for kill -9: nothing after it runs."""


Row = tuple[object, ...]


def _decisions(spec: SessionSpec, *, crash_on_entry: int | None) -> list[Row]:
    frame = synthetic_ohlcv("1h", BARS, seed=5)
    wall = LiveClock()
    sessions = InMemorySessionStore(wall)
    sessions.create(spec)
    orders = InMemoryOrderStore(spec.tenant_id, wall)
    risk = InMemoryRiskStateStore()
    journal = MemoryVenueJournal()
    entries = 0

    def build(checkpoint: Callable[[str], None] | None) -> SessionRunner:
        feed = ReplayFeed(frame, instrument_id=spec.instrument_id, timeframe="1h")
        parts, _, _ = paper_parts(
            spec, workflow=load_template(spec.workflow), feed=feed, order_store=orders,
            session_store=sessions, risk_store=risk, venue_journal=journal,
            clock=TestClock(frame.index[0].to_pydatetime()), wall=wall,
        )  # fmt: skip
        return SessionRunner(parts, owner="test", checkpoint=checkpoint, takeover=True)

    def crash_after_an_entry(name: str) -> None:
        nonlocal entries
        if name != "after_orders":
            return
        placed = {r.decision_id for r in orders.find(limit=10_000) if r.leg == "entry"}
        if len(placed) > entries:
            entries = len(placed)
            if entries == crash_on_entry:
                raise _Crash

    if crash_on_entry is not None:
        with pytest.raises(_Crash):
            build(crash_after_an_entry).run()
    result = build(None).run()
    assert result.status is SessionStatus.STOPPED
    assert sessions.get_state(spec.session_id).bars_processed == BARS
    return [
        (d.bar_time, d.direction, d.exit, d.outcome)
        for d in sessions.decisions(spec.session_id, limit=BARS)
    ]


@pytest.mark.parametrize("crash_on_entry", [1, 3])
def test_a_redone_entry_step_is_not_denied_as_a_duplicate(
    make_spec: Callable[..., Any], crash_on_entry: int
) -> None:
    spec = make_spec("breakout_volume", session_id="redo", direction="both")
    steady = _decisions(spec, crash_on_entry=None)
    redone = _decisions(spec, crash_on_entry=crash_on_entry)
    entered = [row for row in steady if str(row[3]).startswith("enter")]
    assert len(entered) >= crash_on_entry  # the crash really hit an entry step
    assert not any("duplicate" in str(row[3]) for row in redone)
    assert redone == steady
