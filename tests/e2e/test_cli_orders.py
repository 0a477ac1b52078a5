"""`tradegraph orders list|show|cancel`, `halt` and `reconcile` against a real data dir.

Orders are placed by a real ``OrderManager`` in this process, over the data directory's
database and the simulated venue's journal (``<data>/venues/simulated.jsonl``); the CLI
runs in a subprocess and sees the same orders and the same venue state.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from tradegraph.bootstrap import open_database_from
from tradegraph.bootstrap.execution import build_order_manager, order_store, trading_venue
from tradegraph.core.clock import TestClock
from tradegraph.execution import OrderManager, OrderRequest
from tradegraph.execution.simulated import SimulatedVenue, SimulatedVenueConfig
from tradegraph.model.bar import Bar
from tradegraph.model.enums import Direction, OrderType, Side
from tradegraph.model.intent import Intent
from tradegraph.model.order import OrderStatus
from tradegraph.model.timeframe import Timeframe
from tradegraph.orchestrator.sessions.assembly import paper_instrument
from tradegraph.risk.decision import RiskDecision
from tradegraph.services.orders import EMPTY_HINT
from tradegraph.settings import Settings, load_settings

RunCli = Callable[..., subprocess.CompletedProcess[str]]

INSTRUMENT = paper_instrument("BTC/USDT", "simulated")
SIM = SimulatedVenueConfig(venue="simulated", starting_balances={"USDT": Decimal(10_000)})


def _settings(cli_env: dict[str, str]) -> Settings:
    return load_settings(data_dir=Path(cli_env["TRADEGRAPH_DATA_DIR"]), database_url=None)


def _bar(venue: SimulatedVenue, clock: TestClock, price: float) -> None:
    clock.advance(timedelta(minutes=1))
    bar = Bar(INSTRUMENT.id, Timeframe.parse("1m"), clock.now(), price, price, price, price, 1e3)
    venue.on_bar(INSTRUMENT.id, bar)


@contextmanager
def _trading(settings: Settings) -> Iterator[tuple[OrderManager, SimulatedVenue, TestClock]]:
    """A trading process: an OMS on the data dir's database and simulated venue."""
    clock = TestClock(datetime(2024, 3, 1, tzinfo=UTC))
    database = open_database_from(settings)
    try:
        with trading_venue(settings, clock, [INSTRUMENT], sim_config=SIM) as venue:
            assert isinstance(venue, SimulatedVenue)
            store = order_store(database, clock)
            instruments = {INSTRUMENT.id: INSTRUMENT}
            oms = build_order_manager(settings, store, venue, clock, instruments=instruments)
            yield oms, venue, clock
    finally:
        database.dispose()


def _seed(settings: Settings) -> dict[str, str]:
    """trend: a market entry filled at 100 with its stop (90) and target (120) working;
    dip: a buy limit resting at 80."""
    with _trading(settings) as (oms, venue, clock):
        bracket = oms.submit_intent(
            Intent(INSTRUMENT.id, Direction.LONG, clock.now(), stop=90.0, target=120.0),
            RiskDecision.approve(Decimal(1)),
            strategy_id="trend",
            decision_id="d1",
        )
        _bar(venue, clock, 100.0)
        oms.sync()
        limit = oms.submit_intent(
            Intent(INSTRUMENT.id, Direction.LONG, clock.now(), entry=80.0),
            RiskDecision.approve(Decimal(2)),
            strategy_id="dip",
            decision_id="d2",
            order_type=OrderType.LIMIT,
        )
    entry, stop, target = (r.client_order_id for r in bracket.records)
    assert limit.entry is not None
    return {"entry": entry, "stop": stop, "target": target, "limit": limit.entry.client_order_id}


def test_list_show_cancel_reconcile_halt(run_cli: RunCli, cli_env: dict[str, str]) -> None:
    settings = _settings(cli_env)
    ids = _seed(settings)

    listed = run_cli("orders", "list")
    assert listed.returncode == 0, listed.stderr
    for leg in ("stop", "target", "limit"):
        assert ids[leg] in listed.stdout
    assert ids["entry"] not in listed.stdout  # filled: not open
    assert "ACCEPTED" in listed.stdout

    shown = run_cli("orders", "show", ids["entry"])
    assert shown.returncode == 0, shown.stderr
    for text in ("FILLED", "Fills", "simulated-t1", "order.created", "order.accepted"):
        assert text in shown.stdout
    assert "order.filled" in shown.stdout

    canceled = run_cli("orders", "cancel", ids["limit"], "--json")
    assert canceled.returncode == 0, canceled.stderr
    payload = json.loads(canceled.stdout)
    assert payload["was_open"] is True
    assert payload["order"]["status"] == "canceled"
    with trading_venue(settings, TestClock(datetime(2024, 3, 2, tzinfo=UTC)), create=False) as v:
        at_venue = v.query_order(ids["limit"], INSTRUMENT.id)
    assert at_venue is not None and at_venue.status is OrderStatus.CANCELED

    reconciled = run_cli("reconcile")
    assert reconciled.returncode == 0, reconciled.stdout + reconciled.stderr
    assert "match the venues" in reconciled.stdout

    halted = run_cli("halt", "--reason", "fire drill", "--json")
    assert halted.returncode == 0, halted.stderr
    report = json.loads(halted.stdout)
    assert [s["strategy_id"] for s in report["strategies"]] == ["dip", "trend"]
    assert all(s["mode"] == "halted" for s in report["strategies"])
    [venue] = report["venues"]
    assert sorted(venue["canceled"]) == sorted([ids["stop"], ids["target"]])

    risk = run_cli("risk", "status")
    assert risk.returncode == 0, risk.stderr
    assert risk.stdout.count("HALTED") == 2
    assert "manual_halt" in risk.stdout

    every = run_cli("orders", "list", "--all", "--json")
    statuses = {o["client_order_id"]: o["status"] for o in json.loads(every.stdout)["orders"]}
    assert statuses == {
        ids["entry"]: "filled",
        ids["stop"]: "canceled",
        ids["target"]: "canceled",
        ids["limit"]: "canceled",
    }


def test_empty_state_and_reconcile_mismatch_fails_closed(
    run_cli: RunCli, cli_env: dict[str, str]
) -> None:
    empty = run_cli("orders", "list")
    assert empty.returncode == 0, empty.stderr
    assert EMPTY_HINT in empty.stdout.replace("\n", " ")

    settings = _settings(cli_env)
    _seed(settings)
    # someone trades on the venue behind the OMS's back: a position the database lacks
    with _trading(settings) as (_, venue, clock):
        foreign = OrderRequest("foreign-1", INSTRUMENT.id, Side.BUY, OrderType.MARKET, Decimal(1))
        venue.submit(foreign)
        _bar(venue, clock, 100.0)

    mismatch = run_cli("reconcile")
    assert mismatch.returncode == 1, mismatch.stdout + mismatch.stderr
    assert "MISMATCH" in mismatch.stdout
    assert "local 1.00000000, venue 2" in mismatch.stdout.replace("\n", " ")
    assert "disagree" in mismatch.stderr
    assert "dip, trend" in mismatch.stderr  # the strategies on that venue are halted
