"""Assembling a paper session from its spec: the paper instrument, the simulated venue's
config, the resolved workflow and the ``SessionParts`` a runner drives.

Pure composition over ports: the stores, the venue journal and the feed are passed in
(SQL stores and a file journal from ``tradegraph.bootstrap.paper``; in-memory ones in
tests), so the same code builds a session for a process and for a test.

The paper instrument is a non-spot contract (shorts allowed, no balance reservations)
with fine increments (``PAPER_TICK``, ``PAPER_LOT``): replayed data carries full float
precision, and coarse ticks would move fills and stops away from the backtest's.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from tradegraph.ai.cache import CachedLLM
from tradegraph.core.clock import Clock
from tradegraph.core.errors import ValidationError
from tradegraph.execution.config import OmsConfig
from tradegraph.execution.oms import OrderManager
from tradegraph.execution.simulated import SimulatedVenue, SimulatedVenueConfig, VenueJournal
from tradegraph.execution.store import OrderStore
from tradegraph.model.enums import AssetClass
from tradegraph.model.instrument import Instrument
from tradegraph.orchestrator.sessions.feeds import Feed
from tradegraph.orchestrator.sessions.runner import Checkpoint, SessionParts
from tradegraph.orchestrator.sessions.spec import SessionSpec
from tradegraph.orchestrator.sessions.store import SessionStore
from tradegraph.risk.store import RiskStateStore
from tradegraph.workflow.graph import ResolvedGraph
from tradegraph.workflow.params import bind_inputs
from tradegraph.workflow.spec import WorkflowSpec
from tradegraph.workflow.validation import resolve

PAPER_TICK = Decimal("1e-8")
PAPER_LOT = Decimal("1e-8")


def quote_currency(symbol: str) -> str:
    """``"USDT"`` for ``"BTC/USDT"`` (``"USD"`` when the symbol names no quote)."""
    _, _, quote = symbol.partition("/")
    return quote.split(":", 1)[0] or "USD"


def instrument_id(symbol: str, venue: str) -> str:
    """The id a paper session's instrument gets (``Instrument.id``)."""
    return f"{symbol}.{venue}"


def paper_instrument(symbol: str, venue: str) -> Instrument:
    """The simulated venue's contract for ``symbol`` (see the module docstring)."""
    base, _, _ = symbol.partition("/")
    return Instrument(
        symbol=symbol,
        venue=venue,
        asset_class=AssetClass.CRYPTO_PERP,
        tick_size=PAPER_TICK,
        lot_size=PAPER_LOT,
        quote_currency=quote_currency(symbol),
        base_currency=base or None,
    )


def venue_config(spec: SessionSpec) -> SimulatedVenueConfig:
    """The simulated venue of ``spec``: its fees, slippage and starting cash."""
    v = spec.venue
    return SimulatedVenueConfig(
        venue=v.venue,
        commission_pct=v.commission_pct,
        commission_fixed=v.commission_fixed,
        slippage_bps=v.slippage_bps,
        starting_balances={quote_currency(spec.symbol): v.starting_cash},
    )


def session_graph(spec: SessionSpec, workflow: WorkflowSpec) -> ResolvedGraph:
    """``workflow`` bound to the session's symbol and timeframe, with its parameter
    overrides (as ``backtest_workflow`` resolves it)."""
    bound = bind_inputs(workflow, symbol=spec.symbol, timeframe=spec.timeframe)
    return resolve(bound, overrides=spec.params)


def replay_oms_config() -> OmsConfig:
    """OMS settings for replays: business time is the replay clock, so the order-rate
    throttle and the outbox age are measured in replayed time."""
    return OmsConfig(max_orders_per_second=None)


def account_parts(
    specs: Sequence[SessionSpec],
    *,
    workflows: Sequence[WorkflowSpec],
    feeds: Sequence[Feed],
    order_store: OrderStore,
    session_store: SessionStore,
    risk_store: RiskStateStore,
    venue_journal: VenueJournal,
    clock: Clock,
    wall: Clock,
    oms_config: OmsConfig | None = None,
    checkpoint: Checkpoint | None = None,
    llm: CachedLLM | None = None,
) -> tuple[list[SessionParts], SimulatedVenue, OrderManager]:
    """The parts of sessions sharing one simulated account: one venue over one journal,
    one OMS and one business clock (``clock``); each session its own feed and workflow."""
    if not specs or not len(specs) == len(workflows) == len(feeds):
        raise ValidationError(
            "account_parts needs one workflow and one feed per session spec.",
            hint="Pass lists of equal, non-zero length.",
        )
    account = specs[0].venue
    for spec in specs[1:]:
        if spec.venue != account:
            raise ValidationError(
                f"Session {spec.session_id!r} trades on account {spec.venue.venue!r} with "
                f"its own costs; the group's account is {account.venue!r}.",
                hint="Sessions run together only on one account with the same costs.",
            )
    instruments = {s.symbol: paper_instrument(s.symbol, account.venue) for s in specs}
    venue = SimulatedVenue(instruments.values(), clock, venue_config(specs[0]), venue_journal)
    oms = OrderManager(
        order_store,
        venue,
        clock,
        instruments={i.id: i for i in instruments.values()},
        config=oms_config or replay_oms_config(),
        checkpoint=checkpoint,
    )
    parts = [
        SessionParts(
            spec=spec,
            graph=session_graph(spec, workflow),
            instrument=instruments[spec.symbol],
            feed=feed,
            orders=oms,
            sessions=session_store,
            risk_store=risk_store,
            clock=clock,
            wall=wall,
            capabilities=venue.capabilities,
            venue=venue,
            llm=llm,
        )
        for spec, workflow, feed in zip(specs, workflows, feeds, strict=True)
    ]
    return parts, venue, oms


def paper_parts(
    spec: SessionSpec,
    *,
    workflow: WorkflowSpec,
    feed: Feed,
    order_store: OrderStore,
    session_store: SessionStore,
    risk_store: RiskStateStore,
    venue_journal: VenueJournal,
    clock: Clock,
    wall: Clock,
    oms_config: OmsConfig | None = None,
    checkpoint: Checkpoint | None = None,
    llm: CachedLLM | None = None,
) -> tuple[SessionParts, SimulatedVenue, OrderManager]:
    """Everything one paper session runs on (``clock`` is its business clock)."""
    parts, venue, oms = account_parts(
        [spec],
        workflows=[workflow],
        feeds=[feed],
        order_store=order_store,
        session_store=session_store,
        risk_store=risk_store,
        venue_journal=venue_journal,
        clock=clock,
        wall=wall,
        oms_config=oms_config,
        checkpoint=checkpoint,
        llm=llm,
    )
    return parts[0], venue, oms


__all__ = [
    "PAPER_LOT",
    "PAPER_TICK",
    "instrument_id",
    "paper_instrument",
    "paper_parts",
    "quote_currency",
    "replay_oms_config",
    "session_graph",
    "venue_config",
]
