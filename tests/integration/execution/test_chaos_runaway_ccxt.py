"""Runaway strategy against a real venue protocol (issue #8): a thread placing orders in a
tight loop through the OMS, the real ccxt client and the fake Binance (real HTTP on
127.0.0.1) is held to the configured order rate by the throttle, and ``halt()`` stops it
and cancels every working order at the venue within one second (the issue's deadline,
measured with ``time.monotonic``).

The OMS runs on a ``LiveClock`` here: the throttle's token bucket refills with real time.
"""

from __future__ import annotations

import random
import threading
import time
from decimal import Decimal

from tradegraph.adapters.brokers.ccxt import CcxtExecutionClient
from tradegraph.core.clock import LiveClock
from tradegraph.execution.config import OmsConfig
from tradegraph.execution.oms import OrderManager
from tradegraph.execution.reports import Placement
from tradegraph.execution.retry import RetryPolicy
from tradegraph.execution.transitions import OPEN
from tradegraph.model.enums import Direction, OrderType
from tradegraph.model.instrument import Instrument
from tradegraph.model.intent import Intent
from tradegraph.model.order import OrderStatus
from tradegraph.risk.decision import RiskDecision
from tradegraph.testing.fake_binance_orders import SPOT_ORDER, FakeBinanceTrading
from tradegraph.testing.fake_exchange import FakeBinance
from tradegraph.testing.orders import InMemoryOrderStore

RATE = 20.0  # orders per second
BURST = 5.0
WINDOW = 1.5  # seconds of runaway before the count
HALT_DEADLINE = 1.0  # seconds: the requirement


def venue_submits(server: FakeBinance) -> list[float]:
    """Arrival times (monotonic) of the order submits that reached the venue."""
    return [r.at for r in server.requests if r.method == "POST" and r.path == SPOT_ORDER]


def test_runaway_loop_is_throttled_and_halt_cancels_everything_within_a_second(
    binance_spot_client: CcxtExecutionClient,
    binance_trading: FakeBinanceTrading,
    binance_server: FakeBinance,
    binance_spot_instrument: Instrument,
) -> None:
    instrument = binance_spot_instrument
    clock = LiveClock()
    oms = OrderManager(
        InMemoryOrderStore("default", clock),
        binance_spot_client,
        clock,
        instruments={instrument.id: instrument},
        config=OmsConfig(
            max_orders_per_second=RATE,
            order_burst=BURST,
            read_retry=RetryPolicy(attempts=2, base_delay=0.0, max_delay=0.0),
        ),
        rng=random.Random(8),
    )
    placed: list[Placement] = []
    throttled: list[Placement] = []
    halted: list[Placement] = []
    stop = threading.Event()

    def runaway() -> None:
        i = 0
        while not stop.is_set():
            placement = oms.submit_intent(
                Intent(instrument.id, Direction.LONG, clock.now(), entry=45_000.0 - i % 50),
                RiskDecision.approve(Decimal("0.001")),
                strategy_id="runaway",
                decision_id=f"r{i}",
                order_type=OrderType.LIMIT,  # rests below the market: a working order
            )
            i += 1
            if placement.placed:
                placed.append(placement)
            elif "kill switch" in placement.refused_reason:
                halted.append(placement)
                return
            else:
                throttled.append(placement)

    thread = threading.Thread(target=runaway, daemon=True)
    started = time.monotonic()
    thread.start()
    try:
        time.sleep(WINDOW)
        arrivals = venue_submits(binance_server)
        window = time.monotonic() - started
        # the bucket starts full (BURST) and refills at RATE: nothing more can get through
        assert len(arrivals) <= RATE * window + BURST, (len(arrivals), window)
        assert len(arrivals) >= BURST  # and the throttle is not simply blocking everything
        assert len(throttled) > 10 * len(placed)  # the loop really was tight
        for placement in placed:
            assert placement.records[0].status is OrderStatus.ACCEPTED

        t0 = time.monotonic()
        report = oms.halt("runaway strategy")
        elapsed = time.monotonic() - t0
        open_at_venue = binance_spot_client.open_orders(instrument.id)
        thread.join(5.0)  # the loop sees the kill switch and stops by itself
    finally:
        stop.set()
        thread.join(5.0)
    print(  # the figures, with -s
        f"\nrunaway: {len(arrivals)} orders reached the venue in {window:.2f} s "
        f"(limit {RATE * window + BURST:.0f}), {len(throttled)} refused by the throttle; "
        f"halt canceled {len(report.cancels.canceled)} working orders in {elapsed * 1e3:.0f} ms"
    )
    assert elapsed < HALT_DEADLINE, elapsed
    assert report.kill_switch.tripped and report.cancels.ok, report
    assert open_at_venue == []
    assert halted, "the runaway loop was not refused by the kill switch"

    records = oms.store.find(limit=10_000)
    assert len(records) == len(placed)
    assert oms.store.find(statuses=OPEN) == []
    sent = {
        r.client_order_id for r in records if binance_trading.venue_orders_for(r.client_order_id)
    }
    assert len(sent) == len(venue_submits(binance_server))  # one venue order per order sent
    assert all(binance_trading.venue_orders_for(coid) == 1 for coid in sent)
    assert set(report.cancels.canceled) == sent  # every working order canceled by halt
    for record in records:
        assert record.status is OrderStatus.CANCELED
        if record.client_order_id not in sent:  # claimed while the switch tripped: kept back
            assert "kill switch" in record.order.last_reason, record
