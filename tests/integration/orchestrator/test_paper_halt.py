"""The durable kill switch: a session whose strategy is HALTED (``tradegraph halt``,
SAFE_MODE) stops before its next bar, cancels its orders and ends ``halted``; it resumes
only after the guard is reset, and then finishes its replay."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from tradegraph.core.clock import LiveClock, TestClock
from tradegraph.core.errors import ValidationError
from tradegraph.data.sources.synthetic import synthetic_ohlcv
from tradegraph.execution.simulated import MemoryVenueJournal
from tradegraph.orchestrator.sessions.assembly import paper_parts
from tradegraph.orchestrator.sessions.feeds import ReplayFeed
from tradegraph.orchestrator.sessions.runner import SessionRunner
from tradegraph.orchestrator.sessions.spec import SessionStatus
from tradegraph.risk.guard import DrawdownGuard
from tradegraph.risk.store import reset_guard
from tradegraph.services.trading import halt_strategy
from tradegraph.testing.orders import InMemoryOrderStore
from tradegraph.testing.risk import InMemoryRiskStateStore
from tradegraph.testing.sessions import InMemorySessionStore
from tradegraph.workflow.templates import load_template

BARS = 400
HALT_AT = 150


def test_halt_stops_the_session_before_its_next_bar(make_spec: Callable[..., Any]) -> None:
    spec = make_spec("breakout_volume", session_id="halting", direction="both")
    frame = synthetic_ohlcv("1h", BARS, seed=1)
    wall = LiveClock()
    sessions = InMemorySessionStore(wall)
    sessions.create(spec)
    orders = InMemoryOrderStore(spec.tenant_id, wall)
    risk = InMemoryRiskStateStore()
    journal = MemoryVenueJournal()
    guard = DrawdownGuard(spec.risk_config())
    steps = 0

    def build(checkpoint: Callable[[str], None] | None) -> SessionRunner:
        feed = ReplayFeed(frame, instrument_id=spec.instrument_id, timeframe="1h")
        parts, _, _ = paper_parts(
            spec, workflow=load_template(spec.workflow), feed=feed, order_store=orders,
            session_store=sessions, risk_store=risk, venue_journal=journal,
            clock=TestClock(frame.index[0].to_pydatetime()), wall=wall,
        )  # fmt: skip
        return SessionRunner(parts, owner="test", checkpoint=checkpoint, takeover=True)

    def halt_midway(name: str) -> None:
        nonlocal steps
        if name != "after_orders":
            return
        steps += 1
        if steps == HALT_AT:  # from another process, in real life: `tradegraph halt`
            halt_strategy(risk, guard, spec.tenant_id, spec.strategy_id, wall.now(),
                          actor="operator", note="test")  # fmt: skip

    result = build(halt_midway).run()
    assert result.status is SessionStatus.HALTED
    assert result.bars == HALT_AT  # the halted bar was not traded
    assert "halted" in (result.error or "")
    state = sessions.get_state(spec.session_id)
    assert (state.status, state.bars_processed) == (SessionStatus.HALTED, HALT_AT)
    working = [r for r in orders.find(strategy_id=spec.strategy_id) if r.status.is_working]
    assert working == []  # its orders were canceled
    with pytest.raises(ValidationError, match="halted"):
        SessionRunner(build(None).parts, owner="other").run()
    reset_guard(risk, guard, spec.tenant_id, spec.strategy_id, equity=Decimal(10_000),
                now=wall.now(), actor="operator")  # fmt: skip
    resumed = SessionRunner(build(None).parts, owner="other").run()
    assert resumed.status is SessionStatus.STOPPED
    assert resumed.bars == BARS - HALT_AT
    assert sessions.get_state(spec.session_id).bars_processed == BARS
