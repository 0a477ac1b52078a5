"""Portfolio read use cases (``tradegraph portfolio | trades | decisions``, ``paper status``).

Everything is derived from what sessions persisted: positions and round-trip trades are
folded from the **stored fills** of the strategy's orders (``OrderStore``) by the pure
``portfolio.ledger``; decisions and session state come from the ``SessionStore``. A
session's orders are those whose ``decision_id`` starts with ``"<session_id>:"`` (see
``orchestrator.sessions.spec.decision_id``); a fill's exit reason comes from its order's
leg (stop → STOP_LOSS, target → TAKE_PROFIT, exit → SIGNAL).

Open positions are marked at the latest close a session recorded for the instrument
(``DecisionRecord.inputs["close"]``), else at the last fill price; ``mark_source`` says
which. Nothing here writes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from tradegraph.execution.store import OrderRecord, OrderStore
from tradegraph.model.enums import Direction
from tradegraph.model.fill import Fill
from tradegraph.model.trade import ExitReason
from tradegraph.orchestrator.sessions.spec import (
    DecisionRecord,
    EquitySnapshot,
    SessionInfo,
    SessionSpec,
    SessionState,
)
from tradegraph.orchestrator.sessions.store import SessionStore
from tradegraph.portfolio.ledger import Ledger, LedgerTrade, exit_reason_for_leg

_ORDER_SCAN_LIMIT = 100_000
_ZERO = Decimal(0)

START_HINT = (
    "Start a paper session with `tradegraph paper start sma_cross --symbol BTC/USDT "
    "--timeframe 1h` (a replay of catalog or synthetic data)."
)
"""What the empty views tell the user to do."""


# --- views ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PositionView:
    """An open position of one strategy, marked."""

    strategy_id: str
    instrument_id: str
    direction: Direction
    quantity: Decimal
    average_price: Decimal
    opened_at: datetime
    mark: Decimal
    mark_source: str
    """``"close"`` (latest recorded bar close) or ``"fill"`` (last fill price)."""
    market_value: Decimal
    unrealized_pnl: Decimal
    """P&L if closed at ``mark``, net of the entry fees already paid."""


@dataclass(frozen=True, slots=True)
class StrategyPnl:
    """One strategy's totals."""

    strategy_id: str
    realized_pnl: Decimal
    unrealized_pnl: Decimal
    fees: Decimal
    trades: int
    open_positions: int

    @property
    def total_pnl(self) -> Decimal:
        return self.realized_pnl + self.unrealized_pnl


@dataclass(frozen=True, slots=True)
class PortfolioView:
    positions: list[PositionView]
    strategies: list[StrategyPnl]

    @property
    def is_empty(self) -> bool:
        return not self.positions and not self.strategies


@dataclass(frozen=True, slots=True)
class TradeView:
    """A closed round trip of one strategy (and the session that opened it, if known)."""

    strategy_id: str
    session_id: str | None
    trade: LedgerTrade


@dataclass(frozen=True, slots=True)
class DecisionView:
    strategy_id: str
    symbol: str
    decision: DecisionRecord


@dataclass(frozen=True, slots=True)
class SessionView:
    """A session as ``paper status`` shows it."""

    spec: SessionSpec
    state: SessionState
    last_equity: EquitySnapshot | None


# --- folding the stored fills ----------------------------------------------------------------


def _session_of(decision_id: str, session_ids: Sequence[str]) -> str | None:
    matches = [s for s in session_ids if decision_id.startswith(f"{s}:")]
    return max(matches, key=len) if matches else None


@dataclass(frozen=True, slots=True)
class _Books:
    ledgers: dict[str, Ledger]
    records: dict[str, OrderRecord]
    fills: list[Fill]


def _books(orders: OrderStore, strategy_id: str | None, session_id: str | None) -> _Books:
    records = orders.find(strategy_id=strategy_id, limit=_ORDER_SCAN_LIMIT)
    if session_id is not None:
        records = [r for r in records if r.decision_id.startswith(f"{session_id}:")]
    by_id = {r.client_order_id: r for r in records}
    fills = [f for f in orders.fills() if f.client_order_id in by_id]
    reasons = exit_reasons(records)
    ledgers = {r.strategy_id: Ledger(reasons) for r in records}
    for fill in fills:
        ledgers[by_id[fill.client_order_id].strategy_id].apply(fill)
    return _Books(ledgers, by_id, fills)


def _close(record: DecisionRecord) -> Decimal | None:
    value = record.inputs.get("close")
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        out = Decimal(str(value))
    except InvalidOperation:
        return None
    return out if out.is_finite() and out > 0 else None


def latest_marks(sessions: SessionStore, fills: Sequence[Fill]) -> dict[str, tuple[Decimal, str]]:
    """Instrument id → (mark, source): the latest recorded bar close of any session trading
    it, else the last fill price."""
    marks: dict[str, tuple[Decimal, str]] = {
        f.instrument_id: (f.price, "fill") for f in sorted(fills, key=lambda f: f.time)
    }
    latest: dict[str, tuple[datetime, Decimal]] = {}
    for info in sessions.list_sessions():
        newest = sessions.decisions(info.spec.session_id, limit=1, newest_first=True)
        close = _close(newest[0]) if newest else None
        if close is None:
            continue
        iid = info.spec.instrument_id
        if iid not in latest or newest[0].bar_time > latest[iid][0]:
            latest[iid] = (newest[0].bar_time, close)
    for iid, (_, close) in latest.items():
        marks[iid] = (close, "close")
    return marks


# --- use cases -------------------------------------------------------------------------------


def portfolio(
    orders: OrderStore,
    sessions: SessionStore,
    *,
    strategy_id: str | None = None,
    session_id: str | None = None,
    marks: Mapping[str, Decimal] | None = None,
) -> PortfolioView:
    """Open positions with unrealized P&L, and realized/unrealized totals per strategy."""
    books = _books(orders, strategy_id, session_id)
    known = latest_marks(sessions, books.fills)
    known.update({iid: (price, "given") for iid, price in (marks or {}).items()})
    positions: list[PositionView] = []
    totals: list[StrategyPnl] = []
    for strategy, ledger in sorted(books.ledgers.items()):
        unrealized = _ZERO
        for iid, holding in ledger.holdings.items():
            mark, source = known.get(iid, (holding.position.average_price, "entry"))
            pnl = holding.pnl(mark)
            unrealized += pnl
            positions.append(
                PositionView(
                    strategy_id=strategy,
                    instrument_id=iid,
                    direction=holding.position.direction,
                    quantity=holding.quantity,
                    average_price=holding.position.average_price,
                    opened_at=holding.opened_at,
                    mark=mark,
                    mark_source=source,
                    market_value=holding.market_value(mark),
                    unrealized_pnl=pnl,
                )
            )
        if ledger.trades or ledger.holdings:
            totals.append(
                StrategyPnl(
                    strategy_id=strategy,
                    realized_pnl=ledger.realized_pnl,
                    unrealized_pnl=unrealized,
                    fees=ledger.fees,
                    trades=len(ledger.trades),
                    open_positions=len(ledger.holdings),
                )
            )
    return PortfolioView(positions, totals)


def trades(
    orders: OrderStore,
    sessions: SessionStore,
    *,
    strategy_id: str | None = None,
    session_id: str | None = None,
    limit: int | None = None,
) -> list[TradeView]:
    """Closed round trips, oldest exit first (the last ``limit`` when given)."""
    books = _books(orders, strategy_id, session_id)
    session_ids = [i.spec.session_id for i in sessions.list_sessions()]
    out: list[TradeView] = []
    for strategy, ledger in books.ledgers.items():
        for trade in ledger.trades:
            entry = books.records.get(trade.entry_order_id)
            session = _session_of(entry.decision_id, session_ids) if entry else None
            out.append(TradeView(strategy, session, trade))
    out.sort(key=lambda t: (t.trade.exit_time, t.strategy_id, t.trade.instrument_id))
    return out[-limit:] if limit else out


def _infos(
    sessions: SessionStore, strategy_id: str | None, session_id: str | None
) -> list[SessionInfo]:
    if session_id is not None:
        spec = sessions.get_spec(session_id)  # NotFoundError names the session
        infos = [SessionInfo(spec, sessions.get_state(session_id))]
    else:
        infos = sessions.list_sessions()
    return [i for i in infos if strategy_id is None or i.spec.strategy_id == strategy_id]


def decisions(
    sessions: SessionStore,
    *,
    strategy_id: str | None = None,
    session_id: str | None = None,
    limit: int = 20,
    actions_only: bool = False,
) -> list[DecisionView]:
    """The newest ``limit`` decisions (with reasoning) over the chosen sessions, newest
    first. ``actions_only`` skips bars where the workflow proposed nothing."""
    found: list[DecisionView] = []
    for info in _infos(sessions, strategy_id, session_id):
        offset = 0
        kept: list[DecisionView] = []
        while len(kept) < limit:
            page = sessions.decisions(
                info.spec.session_id, limit=max(limit, 100), offset=offset, newest_first=True
            )
            kept.extend(
                DecisionView(info.spec.strategy_id, info.spec.symbol, d)
                for d in page
                if not actions_only or d.direction is not Direction.FLAT or d.exit
            )
            if len(page) < max(limit, 100):
                break
            offset += len(page)
        found.extend(kept[:limit])
    found.sort(key=lambda v: (v.decision.bar_time, v.decision.session_id), reverse=True)
    return found[:limit]


def session_overview(
    sessions: SessionStore, *, strategy_id: str | None = None
) -> list[SessionView]:
    """Every session (oldest first) with its state and last equity snapshot."""
    out: list[SessionView] = []
    for info in sessions.list_sessions(strategy_id=strategy_id):
        cursor = info.state.cursor
        last = sessions.equity(info.spec.session_id, since=cursor) if cursor else []
        out.append(SessionView(info.spec, info.state, last[-1] if last else None))
    return out


def exit_reasons(records: Sequence[OrderRecord]) -> dict[str, ExitReason]:
    """Client order id → exit reason, from the orders' legs (entries omitted)."""
    out: dict[str, ExitReason] = {}
    for record in records:
        reason = exit_reason_for_leg(record.leg)
        if reason is not None:
            out[record.client_order_id] = reason
    return out


def group_fills(records: Sequence[OrderRecord], fills: Sequence[Fill]) -> dict[str, list[Fill]]:
    """Fills grouped by their order's strategy (fills of unknown orders dropped)."""
    strategy = {r.client_order_id: r.strategy_id for r in records}
    out: dict[str, list[Fill]] = defaultdict(list)
    for fill in fills:
        if fill.client_order_id in strategy:
            out[strategy[fill.client_order_id]].append(fill)
    return dict(out)


__all__ = [
    "START_HINT",
    "DecisionView",
    "PortfolioView",
    "PositionView",
    "SessionView",
    "StrategyPnl",
    "TradeView",
    "decisions",
    "exit_reasons",
    "group_fills",
    "latest_marks",
    "portfolio",
    "session_overview",
    "trades",
]
