"""Crash-resume: kill -9 a replay session at random points, restart it until it ends;
its trades equal an uninterrupted run's, nothing was placed twice, the audit journal
verifies. On SQLite and PostgreSQL (``database_url``).

The session trades a bracket workflow in both directions (reversals) under a trailing
stop policy, so resumes also rebuild a moving stop from the replayed history."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from tradegraph.bootstrap.paper import PaperContext, build_session, open_paper, venue_journal_path
from tradegraph.orchestrator.sessions.book import StrategyBook
from tradegraph.orchestrator.sessions.options import SessionOptions, parse_mode
from tradegraph.orchestrator.sessions.spec import SessionSpec, SessionStatus, VenueSpec
from tradegraph.risk.config import RiskConfig
from tradegraph.risk.stops import StopPolicy, TrailingKind
from tradegraph.services.paper import StartRequest, create_session
from tradegraph.settings import Settings, load_settings

WORKER = Path(__file__).with_name("paper_worker.py")
BARS = 300
KILLS = 5
PER_BAR = ("after_orders",)
PER_TRADE = (
    "after_intent_commit",
    "after_claim",
    "after_send_before_ack",
    "after_ack_before_fill",
    "after_open",
    "after_bar_fills",
)
RISK = {
    "require_stop": False,
    "min_expected_profit": "0",
    "min_reward_risk": "0",
    "max_instrument_exposure": "10",
    "max_cluster_exposure": "10",
    "leverage": "10",
    "risk_per_trade_max": "0.1",
    "daily_loss_limit": "1",
    "monthly_loss_limit": "1",
}


def _request(session_id: str) -> StartRequest:
    return StartRequest(
        workflow="confluence_regime",
        symbol="BTC/USDT",
        timeframe="1h",
        synthetic=True,
        bars=BARS,
        seed=1,
        speed=0.0,
        session_id=session_id,
        quantity=Decimal(1),
        risk=RiskConfig.from_mapping(RISK),
        account=session_id,
        venue=VenueSpec(commission_pct=Decimal("0.001"), slippage_bps=Decimal(2)),
        options=SessionOptions(
            direction=parse_mode("both"),
            stop_policy=StopPolicy(
                atr_multiple=3.0, trailing=TrailingKind.PERCENT, trail_fraction=0.02, max_bars=40
            ),
        ),
    )


def _trades(ctx: PaperContext, spec: SessionSpec) -> list[tuple[object, ...]]:
    book = StrategyBook(
        ctx.orders,
        strategy_id=spec.strategy_id,
        instrument_id=spec.instrument_id,
        starting_cash=spec.venue.starting_cash,
    )
    book.refresh()
    rows = [
        (t.direction, t.entry_time, t.exit_time, t.entry_price, t.exit_price, t.quantity, t.fees)
        for t in book.trades
    ]
    return [*rows, ("open", book.position)]


def _placed_ids(settings: Settings, venue: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    for line in venue_journal_path(settings, venue).read_text().splitlines():
        event = json.loads(line)
        if event["type"] == "placed":
            counts[event["client_order_id"]] += 1
    return counts


def _worker(env: dict[str, str], args: list[str], kill_after: float | None) -> int:
    process = subprocess.Popen(
        [sys.executable, str(WORKER), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        out, err = process.communicate(timeout=kill_after)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        out, err = process.communicate(timeout=60)
    if process.returncode not in (0, -signal.SIGKILL):
        pytest.fail(f"worker failed ({process.returncode}):\n{out}\n{err}")
    return process.returncode


def test_kill_9_at_random_points_then_resume_gives_the_uninterrupted_trades(
    database_url: str, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADEGRAPH_")}
    env |= {
        "TRADEGRAPH_DATA_DIR": str(data_dir),
        "TRADEGRAPH_DATABASE_URL": database_url,
        "TRADEGRAPH_LOG_FORMAT": "json",
    }
    settings = load_settings(data_dir=data_dir, database_url=database_url)
    with open_paper(settings) as ctx:
        crashy = create_session(
            _request("crashy"), sessions=ctx.sessions, catalog=ctx.catalog, clock=ctx.wall
        )
        steady = create_session(
            _request("steady"), sessions=ctx.sessions, catalog=ctx.catalog, clock=ctx.wall
        )

    rng = random.Random(20240611)
    kills: list[str] = []
    for _ in range(KILLS * 4):
        if len(kills) >= KILLS:
            how, code = "to the end", _worker(env, ["crashy"], None)
        elif rng.random() < 0.4:  # a timer: anywhere, warm-up and commits included
            delay = rng.uniform(3.0, 9.0)
            how, code = f"timer {delay:.1f}s", _worker(env, ["crashy"], delay)
        else:
            name = rng.choice((*PER_BAR, *PER_TRADE, "during_reconcile"))
            k = 1 if name == "during_reconcile" else rng.randint(1, 60 if name in PER_BAR else 6)
            how, code = f"{name} #{k}", _worker(env, ["crashy", name, str(k)], None)
        if code == 0:
            break
        kills.append(how)
    else:
        pytest.fail(f"the session never finished: {kills}")
    assert len(kills) >= 2, kills  # the crash path really ran

    with open_paper(settings) as ctx:
        build_session(ctx, "steady").run()
        state = ctx.sessions.get_state("crashy")
        assert state.status is SessionStatus.STOPPED
        assert state.bars_processed == BARS
        got, want = _trades(ctx, crashy), _trades(ctx, steady)
        assert len(got) > 5
        assert got == want, kills

        def decisions(sid: str) -> list[tuple[object, ...]]:
            return [
                (d.bar_time, d.direction, d.exit, d.outcome, len(d.order_ids))
                for d in ctx.sessions.decisions(sid, limit=BARS)
            ]

        assert decisions("crashy") == decisions("steady"), kills
        # nothing placed twice at the venue; as many orders as the uninterrupted run
        placed = _placed_ids(settings, "crashy")
        assert placed, "no orders reached the venue"
        assert max(placed.values()) == 1, [k for k, n in placed.items() if n > 1]
        assert len(placed) == len(_placed_ids(settings, "steady"))
        assert len(ctx.orders.find(strategy_id="crashy", limit=10_000)) == len(
            ctx.orders.find(strategy_id="steady", limit=10_000)
        )
        verification = ctx.audit.verify()
        assert verification.ok, verification
