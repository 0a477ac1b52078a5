"""Execution wiring: the order store (the OMS outbox), the trading venue chosen by
settings, and the ``OrderManager`` over both.

- ``order_store``: orders and fills of one tenant in the database.
- ``trading_venue(settings, clock, instruments)``: the ``ExecutionClient`` of a venue, as a
  context manager (it may hold a file lock). ``TRADEGRAPH_VENUE=simulated`` (default) is
  the embedded ``SimulatedVenue`` over the JSON-lines journal
  ``<data dir>/venues/<name>.jsonl`` (name ``simulated`` unless one is given, e.g. a paper
  session's ``paper``); ``binance`` / ``binance-futures`` are ``CcxtExecutionClient`` s
  (spot / USDⓈ-M perpetuals) built with ``TRADEGRAPH_VENUE_URL``, ``..._API_KEY`` and
  ``..._API_SECRET``.
- ``order_manager(settings, database, clock)``: the OMS of one venue over the tenant's
  order store, as a context manager; ``oms_opener`` gives the services one per venue.
- ``order_history``: the ``OrderHistory`` of ``tradegraph orders show`` (audit journal).

Instruments (what a venue can trade and its increments) come from, in order: the
``instruments`` passed in; the instruments of the venue's open orders and stored
positions (so an OMS opened by the CLI can cancel and reconcile what sessions placed);
for a simulated venue also every instrument its journal has seen. A simulated venue
defines an instrument id it only knows by name as the paper contract sessions use
(``orchestrator.sessions.assembly.paper_instrument``: ``SYMBOL.VENUE``, non-spot,
increments 1e-8); a ccxt venue takes tick, lot and minimum notional from the exchange's
markets (one ``exchangeInfo`` request, only when instruments are needed).

A simulated venue's journal is opened with the configuration that started it (its
``VenueOpened`` event names the venue and starting balances); fees and slippage come
from ``sim_config`` (zero by default), which matters only to a process that feeds bars.
With ``create=False`` a missing journal is an error instead of a new, empty venue. A
journal has one writer: while a paper session runs on a venue, opening it elsewhere
raises ``VenueUnavailableError`` (the services report that venue as busy).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

from tradegraph.adapters.brokers.ccxt import (
    CcxtExchangeConfig,
    CcxtExecutionClient,
    MarketType,
    build_exchange,
)
from tradegraph.adapters.brokers.ccxt.mapping import dec
from tradegraph.adapters.brokers.simulated_journal import FileVenueJournal
from tradegraph.core.clock import Clock, TestClock
from tradegraph.core.errors import (
    ConfigurationError,
    NotFoundError,
    PersistenceError,
    VenueUnavailableError,
)
from tradegraph.execution.config import OmsConfig
from tradegraph.execution.oms import OrderManager
from tradegraph.execution.ports import ExecutionClient
from tradegraph.execution.simulated import (
    OrderPlaced,
    SimulatedVenue,
    SimulatedVenueConfig,
    VenueOpened,
)
from tradegraph.execution.store import OrderStore
from tradegraph.execution.throttle import KillSwitch
from tradegraph.execution.transitions import OPEN
from tradegraph.model.audit import AuditEntry
from tradegraph.model.enums import AssetClass
from tradegraph.model.instrument import Instrument
from tradegraph.model.tenant import DEFAULT_TENANT_ID
from tradegraph.orchestrator.sessions.assembly import paper_instrument
from tradegraph.persistence.audit import AuditJournal
from tradegraph.persistence.database import Database
from tradegraph.persistence.orders import SqlOrderStore
from tradegraph.services.orders import SCAN_LIMIT, OmsOpener, OrderHistory, is_order_entry
from tradegraph.settings import Settings

SIMULATED_VENUE = "simulated"
"""The simulated venue's name when ``TRADEGRAPH_VENUE=simulated`` and none is given."""
CCXT_VENUES: Mapping[str, MarketType] = {
    "binance": MarketType.SPOT,
    "binance-futures": MarketType.PERP,
}
"""Venue names served through ccxt, and the market each trades."""
_CCXT_EXCHANGE = "binance"
_TICK_SIZE_MODE = 4  # ccxt.TICK_SIZE (ccxt itself is imported only in adapters)
_JOURNAL_SUFFIX = ".jsonl"


def order_store(
    database: Database, clock: Clock, tenant_id: str = DEFAULT_TENANT_ID
) -> SqlOrderStore:
    """Orders and fills of ``tenant_id`` in the database, every change journalled in the
    same unit of work."""
    return SqlOrderStore(database, AuditJournal(database, clock), clock, tenant_id)


# --- venues ---------------------------------------------------------------------------------


def default_venue(settings: Settings) -> str:
    """The name of the venue ``TRADEGRAPH_VENUE`` selects."""
    return SIMULATED_VENUE if settings.venue == "simulated" else settings.venue


def simulated_journal_path(settings: Settings, venue: str) -> Path:
    """Where the simulated venue ``venue`` keeps its journal."""
    return settings.venues_dir / f"{venue}{_JOURNAL_SUFFIX}"


def simulated_venues(settings: Settings) -> list[str]:
    """Names of the simulated venues that have a journal in the data directory."""
    directory = settings.venues_dir
    if not directory.is_dir():
        return []
    return sorted(p.name[: -len(_JOURNAL_SUFFIX)] for p in directory.glob(f"*{_JOURNAL_SUFFIX}"))


def _split_id(instrument_id: str) -> tuple[str, str]:
    symbol, _, venue = instrument_id.rpartition(".")
    return symbol, venue


def _open_journal(path: Path, venue: str, *, create: bool) -> FileVenueJournal:
    if not create and not path.exists():
        raise NotFoundError(
            f"Simulated venue {venue!r} has no journal at {path}.",
            hint="Its orders were placed with another data directory, or the journal was "
            "removed; restore it from a backup (a new journal would not know the orders).",
        )
    try:
        return FileVenueJournal(path)
    except PersistenceError as exc:
        if isinstance(exc.__cause__, BlockingIOError):
            raise VenueUnavailableError(
                f"Simulated venue {venue!r} is in use by another process (its journal "
                f"{path} is locked; a running paper session owns it).",
                hint="That process applies halts and cancels itself at its next bar; stop it "
                "(`tradegraph paper stop`) to act on its orders from here.",
            ) from exc
        raise


@contextmanager
def _simulated(
    settings: Settings,
    clock: Clock,
    venue: str,
    explicit: Mapping[str, Instrument],
    wanted: Iterable[str],
    *,
    sim_config: SimulatedVenueConfig | None,
    create: bool,
    venue_time: bool,
) -> Iterator[tuple[SimulatedVenue, Clock]]:
    journal = _open_journal(simulated_journal_path(settings, venue), venue, create=create)
    try:
        events = journal.read()
        if venue_time and events:
            clock = TestClock(max(e.time for e in events))
        config = sim_config
        if config is None:
            first = events[0] if events else None
            balances = dict(first.balances) if isinstance(first, VenueOpened) else {}
            config = SimulatedVenueConfig(venue=venue, starting_balances=balances)
        if config.venue != venue:
            raise ConfigurationError(
                f"SimulatedVenueConfig names venue {config.venue!r}, not {venue!r}.",
                hint="Pass a config with venue=<the venue's name>.",
            )
        seen = [e.request.instrument_id for e in events if isinstance(e, OrderPlaced)]
        table = dict(explicit)
        for instrument_id in [*wanted, *seen]:
            symbol, owner = _split_id(instrument_id)
            if instrument_id not in table and owner == venue and symbol:
                table[instrument_id] = paper_instrument(symbol, venue)
        yield SimulatedVenue(table.values(), clock, config, journal), clock
    finally:
        journal.close()


def _increment(value: object, mode: object) -> Decimal | None:
    number = dec(value)
    if number is None or number <= 0:
        return None
    return number if mode == _TICK_SIZE_MODE else Decimal(1).scaleb(-int(number))


def market_instrument(market: Mapping[str, Any], venue: str, precision_mode: object) -> Instrument:
    """The ``Instrument`` of a ccxt market (tick, lot and minimum notional from it)."""
    precision = market.get("precision") or {}
    limits = (market.get("limits") or {}).get("cost") or {}
    symbol = str(market["symbol"])
    tick = _increment(precision.get("price"), precision_mode)
    lot = _increment(precision.get("amount"), precision_mode)
    if tick is None or lot is None:
        raise ConfigurationError(
            f"{venue} market {symbol} has no price/amount precision.",
            hint="Pass the Instrument explicitly (instruments=...).",
        )
    minimum = dec(limits.get("min"))
    return Instrument(
        symbol=symbol,
        venue=venue,
        asset_class=AssetClass.CRYPTO_PERP if market.get("swap") else AssetClass.CRYPTO_SPOT,
        tick_size=tick,
        lot_size=lot,
        quote_currency=str(market.get("quote") or "USDT"),
        min_notional=minimum if minimum is not None and minimum > 0 else Decimal(0),
        base_currency=str(market.get("base")) if market.get("base") else None,
    )


def _ccxt(
    settings: Settings,
    clock: Clock,
    venue: str,
    explicit: Mapping[str, Instrument],
    wanted: Iterable[str],
) -> tuple[CcxtExecutionClient, dict[str, Instrument]]:
    market_type = CCXT_VENUES[venue]
    exchange = build_exchange(
        CcxtExchangeConfig(
            exchange_id=_CCXT_EXCHANGE,
            market_type=market_type,
            api_key=settings.venue_api_key or "",
            secret=settings.venue_api_secret or "",
            api_base_url=settings.venue_url,
        )
    )
    table = dict(explicit)
    missing = sorted({i for i in wanted if i not in table and _split_id(i)[1] == venue})
    if missing:
        markets: Mapping[str, Any] = exchange.load_markets()
        for instrument_id in missing:
            market = markets.get(_split_id(instrument_id)[0])
            if market is None:
                raise ConfigurationError(
                    f"{venue} does not list {_split_id(instrument_id)[0]} (instrument "
                    f"{instrument_id}).",
                    hint="Check the symbol (perpetuals look like BTC/USDT:USDT) and "
                    "TRADEGRAPH_VENUE.",
                )
            table[instrument_id] = market_instrument(market, venue, exchange.precisionMode)
    client = CcxtExecutionClient(
        exchange, table.values(), clock, venue=venue, market_type=market_type
    )
    return client, table


@contextmanager
def _open_venue(
    settings: Settings,
    clock: Clock,
    instruments: Iterable[Instrument],
    *,
    venue: str | None,
    instrument_ids: Iterable[str],
    sim_config: SimulatedVenueConfig | None,
    create: bool,
    venue_time: bool = False,
) -> Iterator[tuple[ExecutionClient, Mapping[str, Instrument], Clock]]:
    name = venue or default_venue(settings)
    explicit = {i.id: i for i in instruments}
    if name in CCXT_VENUES:
        client, table = _ccxt(settings, clock, name, explicit, instrument_ids)
        yield client, table, clock
        return
    with _simulated(
        settings,
        clock,
        name,
        explicit,
        instrument_ids,
        sim_config=sim_config,
        create=create,
        venue_time=venue_time,
    ) as (simulated, venue_clock):
        yield simulated, simulated.instruments, venue_clock


@contextmanager
def trading_venue(
    settings: Settings,
    clock: Clock,
    instruments: Iterable[Instrument] = (),
    *,
    venue: str | None = None,
    instrument_ids: Iterable[str] = (),
    sim_config: SimulatedVenueConfig | None = None,
    create: bool = True,
) -> Iterator[ExecutionClient]:
    """The venue's ``ExecutionClient`` for a ``with`` block (see the module docstring).

    ``venue`` names it (default: the one ``TRADEGRAPH_VENUE`` selects); ``instrument_ids``
    are instruments to define from the venue's own source besides ``instruments``. The
    simulated venue is yielded as the ``SimulatedVenue`` itself (feed it bars with
    ``on_bar``); its journal is released when the block ends.
    """
    with _open_venue(
        settings,
        clock,
        instruments,
        venue=venue,
        instrument_ids=instrument_ids,
        sim_config=sim_config,
        create=create,
    ) as (client, _, _):
        yield client


# --- the OMS --------------------------------------------------------------------------------


def _store_instrument_ids(store: OrderStore, venue: str) -> set[str]:
    """Instruments the OMS must know: those of open orders and of stored positions."""
    open_orders = store.find(statuses=OPEN, limit=SCAN_LIMIT)
    ids = {r.order.instrument_id for r in open_orders if r.venue == venue}
    ids.update(store.net_positions(venue))
    return ids


def oms_config(settings: Settings, client: ExecutionClient) -> OmsConfig:
    """The OMS configuration for ``client``: the per-strategy order-rate limit from
    settings; positions compared by ``reconcile`` only where the venue reports them
    (spot venues have balances, not positions)."""
    return OmsConfig(
        max_orders_per_second=settings.max_orders_per_second,
        check_positions=client.capabilities.reports_positions,
    )


def build_order_manager(
    settings: Settings,
    store: OrderStore,
    client: ExecutionClient,
    clock: Clock,
    *,
    instruments: Mapping[str, Instrument],
    kill_switch: KillSwitch | None = None,
) -> OrderManager:
    """An ``OrderManager`` over an open venue and a store, configured from settings."""
    return OrderManager(
        store,
        client,
        clock,
        instruments=instruments,
        config=oms_config(settings, client),
        kill_switch=kill_switch,
    )


@contextmanager
def order_manager(
    settings: Settings,
    database: Database,
    clock: Clock,
    *,
    instruments: Iterable[Instrument] | None = None,
    kill_switch: KillSwitch | None = None,
    venue: str | None = None,
    sim_config: SimulatedVenueConfig | None = None,
    create: bool = True,
    tenant_id: str | None = None,
    venue_time: bool = False,
) -> Iterator[OrderManager]:
    """An ``OrderManager`` for a ``with`` block: the venue (``trading_venue``) and the
    order store of ``tenant_id`` (default: ``TRADEGRAPH_DEFAULT_TENANT``).

    ``kill_switch`` is shared with whoever may halt trading in this process; the durable
    halt (risk HALTED, ``services.trading``) is checked by the callers, not here.
    ``venue_time``: on a simulated venue the OMS and the venue run on a clock fixed at the
    venue's last journal event instead of ``clock`` (the store keeps ``clock``). A paper
    session's venue lives in bar time (a replay's may be years back): an order a one-shot
    command sends (a bracket leg activated by a sync) must be eligible for the session's
    next bar, not for a bar at today's date that a replay never reaches.
    """
    name = venue or default_venue(settings)
    store = order_store(database, clock, tenant_id or settings.default_tenant)
    with _open_venue(
        settings,
        clock,
        instruments or (),
        venue=name,
        instrument_ids=_store_instrument_ids(store, name),
        sim_config=sim_config,
        create=create,
        venue_time=venue_time,
    ) as (client, table, oms_clock):
        yield build_order_manager(
            settings, store, client, oms_clock, instruments=table, kill_switch=kill_switch
        )


def oms_opener(settings: Settings, database: Database, clock: Clock) -> OmsOpener:
    """Opens existing venues by name for the order services: never creates a simulated
    venue (a missing journal is an error) and acts in the venue's time (``venue_time``)."""

    def open_oms(venue: str) -> AbstractContextManager[OrderManager]:
        return order_manager(settings, database, clock, venue=venue, create=False, venue_time=True)

    return open_oms


def known_venues(settings: Settings) -> list[str]:
    """Venues worth reconciling besides those with stored orders: every simulated venue
    with a journal (a position there without orders is a mismatch too)."""
    return simulated_venues(settings)


# --- order history --------------------------------------------------------------------------


class JournalOrderHistory:
    """``OrderHistory`` over the audit journal: scans it for ``order.*`` entries of one
    client order id (O(journal); the journal has no index on payload fields)."""

    def __init__(self, journal: AuditJournal, tenant_id: str, batch_size: int = 5000) -> None:
        self._journal = journal
        self._tenant_id = tenant_id
        self._batch_size = batch_size

    def order_history(self, client_order_id: str) -> list[AuditEntry]:
        match = partial(is_order_entry, client_order_id=client_order_id)
        return [
            entry
            for entry in self._journal.iter_entries(batch_size=self._batch_size)
            if entry.tenant_id == self._tenant_id and match(entry)
        ]


def order_history(database: Database, clock: Clock, tenant_id: str) -> OrderHistory:
    return JournalOrderHistory(AuditJournal(database, clock), tenant_id)


__all__ = [
    "CCXT_VENUES",
    "SIMULATED_VENUE",
    "JournalOrderHistory",
    "build_order_manager",
    "default_venue",
    "known_venues",
    "market_instrument",
    "oms_config",
    "oms_opener",
    "order_history",
    "order_manager",
    "order_store",
    "simulated_journal_path",
    "simulated_venues",
    "trading_venue",
]
