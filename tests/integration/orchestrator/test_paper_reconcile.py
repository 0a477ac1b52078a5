"""Periodic reconciliation: besides at start-up, a session reconciles with its venue every
``reconcile_every`` bars. Reconciling often changes nothing in a clean run; a position the
venue holds behind the OMS's back fails the session closed at the next reconciliation."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from tradegraph.core.clock import LiveClock, TestClock
from tradegraph.core.errors import ValidationError
from tradegraph.data.sources.synthetic import synthetic_ohlcv
from tradegraph.execution.ports import OrderRequest
from tradegraph.execution.simulated import MemoryVenueJournal
from tradegraph.model.enums import OrderType, Side
from tradegraph.orchestrator.sessions.assembly import paper_parts
from tradegraph.orchestrator.sessions.feeds import ReplayFeed
from tradegraph.orchestrator.sessions.runner import RunResult, SessionRunner
from tradegraph.orchestrator.sessions.spec import SessionSpec, SessionStatus
from tradegraph.testing.orders import InMemoryOrderStore
from tradegraph.testing.risk import InMemoryRiskStateStore
from tradegraph.testing.sessions import InMemorySessionStore
from tradegraph.workflow.templates import load_template

BARS = 300


def _run(
    spec: SessionSpec, *, reconcile_every: int, tamper_at: int | None = None
) -> tuple[RunResult, InMemoryOrderStore]:
    frame = synthetic_ohlcv("1h", BARS, seed=3)
    wall = LiveClock()
    sessions = InMemorySessionStore(wall)
    sessions.create(spec)
    orders = InMemoryOrderStore(spec.tenant_id, wall)
    feed = ReplayFeed(frame, instrument_id=spec.instrument_id, timeframe="1h")
    parts, venue, _ = paper_parts(
        spec, workflow=load_template(spec.workflow), feed=feed, order_store=orders,
        session_store=sessions, risk_store=InMemoryRiskStateStore(),
        venue_journal=MemoryVenueJournal(), clock=TestClock(frame.index[0].to_pydatetime()),
        wall=wall,
    )  # fmt: skip
    steps = 0

    def checkpoint(name: str) -> None:
        nonlocal steps
        if name != "after_orders":
            return
        steps += 1
        if steps == tamper_at:  # someone trades the account by hand, bypassing the OMS
            venue.submit(
                OrderRequest(
                    client_order_id="by-hand-1",
                    instrument_id=spec.instrument_id,
                    side=Side.BUY,
                    order_type=OrderType.MARKET,
                    quantity=Decimal("0.5"),
                )
            )

    runner = SessionRunner(
        parts, owner="test", checkpoint=checkpoint, reconcile_every=reconcile_every
    )
    return runner.run(), orders


def test_reconciling_every_bar_changes_nothing(make_spec: Callable[..., Any]) -> None:
    spec = make_spec("breakout_volume", session_id="recon-often", direction="both")
    often, often_orders = _run(spec, reconcile_every=1)
    rarely, rarely_orders = _run(spec, reconcile_every=10_000)
    assert often.status is rarely.status is SessionStatus.STOPPED
    assert often.bars == rarely.bars == BARS
    assert [r.order for r in often_orders.find(limit=10_000)] == [
        r.order for r in rarely_orders.find(limit=10_000)
    ]
    assert often_orders.fills()  # the run traded: the comparison means something


def test_a_position_behind_the_oms_back_fails_the_session_closed(
    make_spec: Callable[..., Any],
) -> None:
    spec = make_spec("breakout_volume", session_id="recon-tamper", direction="both")
    result, _ = _run(spec, reconcile_every=10, tamper_at=95)
    assert result.status is SessionStatus.FAILED
    assert result.error is not None
    assert "reconciliation" in result.error
    assert spec.instrument_id in result.error
    # it stopped at the first reconciliation after the hand-made fill, not at the end
    assert 95 < result.bars <= 110


def test_reconcile_every_must_be_positive(make_spec: Callable[..., Any]) -> None:
    spec = make_spec("sma_cross", session_id="recon-bad")
    with pytest.raises(ValidationError, match="reconcile_every"):
        _run(spec, reconcile_every=0)
