"""The simulated venue passes the ExecutionClient conformance suite, on a spot and on a
perpetual instrument."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest

from tradegraph.core.clock import TestClock
from tradegraph.execution.simulated import SimulatedVenue
from tradegraph.model.instrument import Instrument
from tradegraph.testing.execution_contract import ExecutionClientContract, SimulatedVenueDriver


@pytest.fixture(params=["spot", "perp"])
def instrument(request: pytest.FixtureRequest, sim: SimpleNamespace) -> Instrument:
    chosen: Instrument = getattr(sim, request.param)
    return chosen


@pytest.fixture
def client(sim: SimpleNamespace) -> SimulatedVenue:
    venue: SimulatedVenue = sim.venue(
        commission_pct=Decimal("0.001"),
        commission_fixed=Decimal("0.05"),
        starting_balances={"USDT": Decimal(100_000), "BTC": Decimal(2)},
    )
    return venue


@pytest.fixture
def market(client: SimulatedVenue, clock: TestClock, sim: SimpleNamespace) -> SimulatedVenueDriver:
    prices = {sim.spot.id: Decimal("42000.00"), sim.perp.id: Decimal("2500.05")}
    return SimulatedVenueDriver(client, clock, prices)


class TestSimulatedVenueContract(ExecutionClientContract):
    """Runs every test of ``ExecutionClientContract``."""
