"""Ambiguous outcomes over the real protocol (issue #8): the OMS drives the real ccxt
client against the fake Binance (real HTTP on 127.0.0.1), whose order endpoint answers
each trial's submits with a random sequence of faults — executed then the connection
cut, 5xx before or after executing, Binance's ``-1007`` timeout with or without
execution, 429 — and whose order query fails now and then too. Across hundreds of
seeded trials every order ends resolved by querying, local state equals the venue's,
and the venue holds exactly one order per client id: never zero, never two.

The unit-level property (``tests/unit/execution/test_oms_ambiguous.py``) runs thousands
of trials against the simulated venue through ``FaultyClient``; this one checks that the
adapter's error mapping gives the OMS the same guarantees against Binance's shapes.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

from tradegraph.adapters.brokers.ccxt import CcxtExecutionClient
from tradegraph.core.clock import TestClock
from tradegraph.execution.config import OmsConfig
from tradegraph.execution.oms import OrderManager
from tradegraph.execution.retry import RetryPolicy
from tradegraph.execution.transitions import OPEN, UNCONFIRMED
from tradegraph.model.enums import Direction, OrderType
from tradegraph.model.instrument import Instrument
from tradegraph.model.intent import Intent
from tradegraph.model.order import OrderStatus
from tradegraph.risk.decision import RiskDecision
from tradegraph.testing.fake_binance_orders import SPOT_ORDER, FakeBinanceTrading, OrderFaults
from tradegraph.testing.fake_exchange import FakeBinance, Fault, FaultKind
from tradegraph.testing.orders import InMemoryOrderStore

TRIALS = 500
MAX_ROUNDS = 10
QUANTITY = Decimal("0.001")  # ~50 USDT at 50,000: above the 5 USDT minimum notional

SUBMIT_FAULTS: dict[str, Callable[[], Fault]] = {
    "execute_then_drop": OrderFaults.execute_then_drop,
    "5xx_before": lambda: OrderFaults.server_error_before(503),
    "5xx_after": lambda: OrderFaults.server_error_after(502),
    "-1007_executed": lambda: OrderFaults.timeout(executed=True),
    "-1007_not_executed": lambda: OrderFaults.timeout(executed=False),
    "429": lambda: OrderFaults.rate_limited(0.0),
}
QUERY_FAULTS: dict[str, Callable[[], Fault]] = {
    "cut": Fault.cut,
    "503": lambda: Fault.server_error(503),
    "429": lambda: Fault.rate_limited(0.0),
}


def test_every_ambiguous_submit_resolves_to_exactly_one_binance_order(
    binance_spot_client: CcxtExecutionClient,
    binance_trading: FakeBinanceTrading,
    binance_server: FakeBinance,
    binance_spot_instrument: Instrument,
    binance_clock: TestClock,
) -> None:
    instrument = binance_spot_instrument
    store = InMemoryOrderStore("default", binance_clock)
    config = OmsConfig(
        max_orders_per_second=None,
        read_retry=RetryPolicy(attempts=2, base_delay=0.0, max_delay=0.0),
    )
    oms = OrderManager(
        store,
        binance_spot_client,
        binance_clock,
        instruments={instrument.id: instrument},
        config=config,
        sleep=lambda _seconds: None,
        rng=random.Random(8),
    )
    resends = 0
    for trial in range(TRIALS):
        rng = random.Random(trial)
        submit_faults = rng.choices(list(SUBMIT_FAULTS), k=rng.randint(0, 3))
        query_faults = rng.choices(list(QUERY_FAULTS), k=rng.randint(0, 2))
        binance_trading.inject_submit(*(SUBMIT_FAULTS[name]() for name in submit_faults))
        binance_server.inject(SPOT_ORDER, *(QUERY_FAULTS[name]() for name in query_faults))
        direction = Direction.LONG if rng.random() < 0.5 else Direction.SHORT
        resting = rng.random() < 0.4  # else a market order, filled at once
        entry = 45_000.0 if direction is Direction.LONG else 55_000.0
        placement = oms.submit_intent(
            Intent(instrument.id, direction, binance_clock.now(), entry=entry),
            RiskDecision.approve(QUANTITY),
            strategy_id="ambiguous",
            decision_id=f"t{trial}",
            order_type=OrderType.LIMIT if resting else OrderType.MARKET,
        )
        assert placement.placed, placement.refused_reason
        coid = placement.records[0].client_order_id

        for round_ in range(MAX_ROUNDS):
            if round_ == MAX_ROUNDS // 2:
                binance_server.heal()  # the network heals eventually
            record = store.get(coid)
            assert record is not None
            if record.status not in UNCONFIRMED:
                break
            binance_clock.advance(timedelta(seconds=31))  # past an open circuit
            oms.resolve()
        binance_server.heal()  # faults this trial did not use must not leak into the next
        oms.sync()

        record = store.get(coid)
        assert record is not None
        resends += record.send_attempts - 1
        assert record.status not in UNCONFIRMED, (trial, submit_faults, record)
        assert binance_trading.venue_orders_for(coid) == 1, (trial, submit_faults)
        at_venue = binance_spot_client.query_order(coid, instrument.id)
        assert at_venue is not None
        assert (record.status, record.order.filled_quantity, record.order.venue_order_id) == (
            at_venue.status,
            at_venue.filled_quantity,
            at_venue.venue_order_id,
        ), (trial, submit_faults)
        expected = OrderStatus.ACCEPTED if resting else OrderStatus.FILLED
        assert record.status is expected, (trial, submit_faults, record)
        if resting:  # keep the book (and the open-order reads) small
            assert oms.cancel(coid).status is OrderStatus.CANCELED

    assert store.find(statuses=OPEN) == []
    # the faults really happened: each kind on many submits (the queue may hold more
    # than a trial consumes), and many submits were re-sent after the venue confirmed
    # that it had never received them
    applied = Counter(
        r.fault for r in binance_server.requests if r.method == "POST" and r.fault is not None
    )
    print(  # the figures, with -s
        f"\nambiguous: {TRIALS} trials, submit faults applied {dict(applied)}, "
        f"{resends} re-sends after confirmed absence, {len(binance_server.requests)} requests"
    )
    for kind in (FaultKind.CUT, FaultKind.STATUS, FaultKind.AFTER):
        assert applied[kind] >= TRIALS // 10, applied
    assert resends >= TRIALS // 10, resends
