"""The book of one strategy: its position, cash, equity and trades, folded from the fills
of its own orders in the ``OrderStore`` (the durable record, so a restarted session has
the same book).

Several strategies may trade one venue account; each session's book only sees the
orders it placed (``OrderRecord.strategy_id``), so each has its own equity and risk
budget. ``refresh`` applies the fills stored since the last call (the ledger ignores
fills it already has), in time order.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from tradegraph.execution.store import OrderRecord, OrderStore
from tradegraph.model.fill import Fill
from tradegraph.model.order import OrderStatus
from tradegraph.model.position import Position
from tradegraph.model.trade import ExitReason
from tradegraph.portfolio.ledger import Ledger, LedgerTrade, exit_reason_for_leg

_ZERO = Decimal(0)
ALL = 100_000  # the most one store query returns
_WORKING = tuple(s for s in OrderStatus if s.is_working)


class StrategyBook:
    """Ledger of one strategy's fills on one instrument."""

    def __init__(
        self, store: OrderStore, *, strategy_id: str, instrument_id: str, starting_cash: Decimal
    ) -> None:
        self.store = store
        self.strategy_id = strategy_id
        self.instrument_id = instrument_id
        self.starting_cash = starting_cash
        self._ledger = Ledger()
        self._orders: dict[str, OrderRecord] = {}
        self._applied = 0
        self.last_fills: tuple[Fill, ...] = ()
        """The fills the last ``refresh`` applied."""

    def orders(self, statuses: Iterable[OrderStatus] | None = None) -> list[OrderRecord]:
        """The strategy's orders in this instrument (oldest first)."""
        return self.store.find(
            statuses=None if statuses is None else set(statuses),
            strategy_id=self.strategy_id,
            instrument_id=self.instrument_id,
            limit=ALL,
        )

    def working(self) -> list[OrderRecord]:
        """Orders that may still execute (and NEW ones not sent yet)."""
        return self.orders((*_WORKING, OrderStatus.NEW))

    def refresh(self) -> int:
        """Fold the fills stored since the last refresh; returns how many were new."""
        for record in self.orders():
            self._orders[record.client_order_id] = record
            reason = exit_reason_for_leg(record.leg)
            if reason is not None:
                if reason is ExitReason.STOP_LOSS and "." in record.leg:
                    reason = ExitReason.TRAILING_STOP  # a stop moved by the stop policy
                self._ledger.set_exit_reason(record.client_order_id, reason)
        fills = [
            fill
            for fill in self.store.fills(instrument_id=self.instrument_id)
            if fill.client_order_id in self._orders
        ]
        fills.sort(key=lambda f: f.time)
        fresh = fills[self._applied :]
        for fill in fresh:
            self._ledger.apply(fill)
        self._applied = len(fills)
        self.last_fills = tuple(fresh)
        return len(fresh)

    @property
    def fills_applied(self) -> int:
        return self._applied

    @property
    def position(self) -> Decimal:
        holding = self._ledger.holdings.get(self.instrument_id)
        return holding.quantity if holding is not None else _ZERO

    def holding_position(self) -> Position | None:
        holding = self._ledger.holdings.get(self.instrument_id)
        return holding.position if holding is not None else None

    @property
    def trades(self) -> list[LedgerTrade]:
        return self._ledger.trades

    @property
    def cash(self) -> Decimal:
        return self.starting_cash + self._ledger.cash_flow

    def position_value(self, mark: Decimal) -> Decimal:
        return self.position * mark

    def equity(self, mark: Decimal) -> Decimal:
        return self.cash + self.position_value(mark)

    def entry_fill(self) -> Fill | None:
        """The fill that opened the current position (None when flat)."""
        holding = self._ledger.holdings.get(self.instrument_id)
        if holding is None:
            return None
        for fill in self.store.fills(client_order_id=holding.entry_order_id):
            return fill
        return None


__all__ = ["StrategyBook"]
