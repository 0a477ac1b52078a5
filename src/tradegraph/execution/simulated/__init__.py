"""The simulated venue: an ``ExecutionClient`` for paper trading and tests.

``SimulatedVenue`` executes orders against bars (or quotes) with the backtest engine's
fill rules (next-open or close market fills, limit / stop / stop-limit triggering with
gap fills at the open, adverse slippage rounded to the tick, percentage plus fixed
commission), adds what a live venue has and a backtest does not (partial fills by
volume participation, latency, tick / lot / min-notional / balance rejections, client
order id semantics like Binance's) and survives a restart of the trading process: every
state change is an event in a ``VenueJournal`` that a new venue replays.

Boundary: pure domain code (layer ``execution``): no I/O of its own. The in-memory
journal lives here; the file journal is an adapter
(``tradegraph.adapters.brokers.simulated_journal``). Fill rules: ``matching``; events and
their codec: ``events``; state: ``state``; acceptance checks: ``checks``; balance
reservations: ``account``; running orders against a bar or quote: ``matcher``.
"""

from tradegraph.execution.simulated.config import FillMode, SimulatedVenueConfig
from tradegraph.execution.simulated.events import (
    OrderClosed,
    OrderFilled,
    OrderPlaced,
    OrderTriggered,
    VenueEvent,
    VenueOpened,
    decode_event,
    encode_event,
)
from tradegraph.execution.simulated.journal import MemoryVenueJournal, VenueJournal
from tradegraph.execution.simulated.state import VenueSnapshot
from tradegraph.execution.simulated.venue import SimulatedVenue

__all__ = [
    "FillMode",
    "MemoryVenueJournal",
    "OrderClosed",
    "OrderFilled",
    "OrderPlaced",
    "OrderTriggered",
    "SimulatedVenue",
    "SimulatedVenueConfig",
    "VenueEvent",
    "VenueJournal",
    "VenueOpened",
    "VenueSnapshot",
    "decode_event",
    "encode_event",
]
