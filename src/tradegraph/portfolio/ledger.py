"""The fill ledger: fold one strategy's fills into positions, closed round-trip trades and
equity (pure, exact ``Decimal`` arithmetic; no I/O, no clock).

A **round trip** runs from the fill that opens a position out of flat to the fill that
brings it back to flat. Adds, partial fills and partial closes stay inside it; a fill that
flips the position closes the round trip with its closing part and opens the next one with
the rest (its fee is split pro rata by quantity, the remainder to the opening part, so
fees still sum exactly; the closing part is rounded 8 decimal places below the fee).

Trade P&L is computed from cash flows, so it is exact (within the decimal context's
28 significant digits): for a round trip,
``pnl = Σ sells·price − Σ buys·price − Σ fees``. Entry/exit prices are volume-weighted
averages (for display; the P&L does not depend on them). The open round trip's P&L at a
mark is ``cash_flow + quantity·mark`` (net of the fees paid so far). Hence, exactly::

    Σ closed trade pnl + Σ open pnl at marks == cash change + Σ quantity·mark

A fill's exit reason comes from ``exit_reasons`` (client order id → ``ExitReason``: e.g.
stop leg → STOP_LOSS, target leg → TAKE_PROFIT, exit leg → SIGNAL); without an entry it is
SIGNAL, or REVERSAL when the fill flips the position. Quantities are in units of the
instrument and prices in its quote currency (contract multiplier 1).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal

from tradegraph.core.errors import ValidationError
from tradegraph.model.enums import Direction, Side
from tradegraph.model.fill import Fill
from tradegraph.model.position import Position
from tradegraph.model.trade import ExitReason, Trade

_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class LedgerTrade:
    """A closed round trip, exact. ``pnl`` is net of ``fees``."""

    instrument_id: str
    direction: Direction
    quantity: Decimal
    """Total quantity entered (= total exited) during the round trip."""
    entry_time: datetime
    entry_price: Decimal
    exit_time: datetime
    exit_price: Decimal
    fees: Decimal
    pnl: Decimal
    exit_reason: ExitReason
    entry_order_id: str
    """Client order id of the fill that opened the round trip."""
    exit_order_id: str
    """Client order id of the fill that closed it."""

    def to_trade(self) -> Trade:
        """The model ``Trade`` (floats), as the backtest reports trades."""
        return Trade(
            instrument_id=self.instrument_id,
            direction=self.direction,
            quantity=float(self.quantity),
            entry_time=self.entry_time,
            entry_price=float(self.entry_price),
            exit_time=self.exit_time,
            exit_price=float(self.exit_price),
            fees=float(self.fees),
            pnl=float(self.pnl),
            exit_reason=self.exit_reason,
        )


@dataclass(frozen=True, slots=True)
class Holding:
    """The open round trip of one instrument."""

    position: Position
    """Net quantity and average entry price (``model.Position`` semantics)."""
    opened_at: datetime
    entry_order_id: str
    cash_flow: Decimal
    """Net cash of the round trip so far: sells·price − buys·price − fees."""
    fees: Decimal

    @property
    def instrument_id(self) -> str:
        return self.position.instrument_id

    @property
    def quantity(self) -> Decimal:
        return self.position.quantity

    def market_value(self, mark: Decimal) -> Decimal:
        """Signed value at ``mark`` (negative for shorts)."""
        return self.position.quantity * mark

    def pnl(self, mark: Decimal) -> Decimal:
        """P&L of the round trip if closed at ``mark`` (net of the fees paid so far)."""
        return self.cash_flow + self.position.quantity * mark


@dataclass(slots=True)
class _Open:
    position: Position
    opened_at: datetime
    entry_order_id: str
    cash_flow: Decimal
    fees: Decimal
    entry_qty: Decimal
    entry_notional: Decimal
    exit_qty: Decimal
    exit_notional: Decimal


class Ledger:
    """Accumulates fills (``apply``) in time order; read ``trades``, ``holdings``, ``equity``.

    Re-applying a fill with a known ``trade_id`` is ignored when identical (so a runner may
    re-feed fills after a restart) and refused when it differs.
    """

    def __init__(self, exit_reasons: Mapping[str, ExitReason] | None = None) -> None:
        self._reasons: dict[str, ExitReason] = dict(exit_reasons or {})
        self._open: dict[str, _Open] = {}
        self._trades: list[LedgerTrade] = []
        self._seen: dict[str, Fill] = {}
        self._last_time: datetime | None = None
        self._cash_flow = _ZERO
        self._fees = _ZERO

    # -- feeding --------------------------------------------------------------------------

    def set_exit_reason(self, client_order_id: str, reason: ExitReason) -> None:
        """Declare why fills of ``client_order_id`` close a position (before applying them)."""
        self._reasons[client_order_id] = reason

    def apply(self, fill: Fill) -> None:
        """Apply one fill (fills must come in non-decreasing time order)."""
        known = self._seen.get(fill.trade_id)
        if known is not None:
            if known != fill:
                raise ValidationError(
                    f"Fill {fill.trade_id!r} was already applied with different values.",
                    hint="Trade ids are unique per venue; check the fill source.",
                )
            return
        if self._last_time is not None and fill.time < self._last_time:
            raise ValidationError(
                f"Fill {fill.trade_id!r} at {fill.time.isoformat()} is older than the previous "
                f"fill ({self._last_time.isoformat()}).",
                hint="Sort fills by time before folding them.",
            )
        self._seen[fill.trade_id] = fill
        self._last_time = fill.time
        self._cash_flow += -fill.signed_quantity * fill.price - fill.fee
        self._fees += fill.fee
        book = self._open.get(fill.instrument_id)
        if book is None:
            self._open_round_trip(fill, fill.quantity, fill.fee)
            return
        held = book.position.quantity
        if (held > 0) == (fill.side is Side.BUY):  # add
            self._enter(book, fill, fill.quantity, fill.fee)
            return
        closing = min(fill.quantity, abs(held))
        rest = fill.quantity - closing
        close_fee = fill.fee if rest == 0 else _split_fee(fill.fee, closing, fill.quantity)
        self._exit(book, fill, closing, close_fee)
        if book.position.quantity == 0:
            self._close_round_trip(book, fill, flipped=rest > 0)
            del self._open[fill.instrument_id]
            if rest > 0:
                self._open_round_trip(fill, rest, fill.fee - close_fee)

    def apply_all(self, fills: Iterable[Fill]) -> Ledger:
        for fill in fills:
            self.apply(fill)
        return self

    def _open_round_trip(self, fill: Fill, quantity: Decimal, fee: Decimal) -> None:
        book = _Open(
            position=Position(fill.instrument_id),
            opened_at=fill.time,
            entry_order_id=fill.client_order_id,
            cash_flow=_ZERO,
            fees=_ZERO,
            entry_qty=_ZERO,
            entry_notional=_ZERO,
            exit_qty=_ZERO,
            exit_notional=_ZERO,
        )
        self._open[fill.instrument_id] = book
        self._enter(book, fill, quantity, fee)

    @staticmethod
    def _part(fill: Fill, quantity: Decimal, fee: Decimal) -> Fill:
        if quantity == fill.quantity:
            return fill
        return Fill(
            trade_id=fill.trade_id,
            client_order_id=fill.client_order_id,
            instrument_id=fill.instrument_id,
            side=fill.side,
            quantity=quantity,
            price=fill.price,
            time=fill.time,
            fee=fee,
            fee_currency=fill.fee_currency,
            liquidity=fill.liquidity,
        )

    def _flow(self, book: _Open, fill: Fill, quantity: Decimal, fee: Decimal) -> None:
        book.position = book.position.apply(self._part(fill, quantity, fee))
        book.cash_flow += -quantity * fill.side.sign * fill.price - fee
        book.fees += fee

    def _enter(self, book: _Open, fill: Fill, quantity: Decimal, fee: Decimal) -> None:
        self._flow(book, fill, quantity, fee)
        book.entry_qty += quantity
        book.entry_notional += quantity * fill.price

    def _exit(self, book: _Open, fill: Fill, quantity: Decimal, fee: Decimal) -> None:
        self._flow(book, fill, quantity, fee)
        book.exit_qty += quantity
        book.exit_notional += quantity * fill.price

    def _close_round_trip(self, book: _Open, fill: Fill, *, flipped: bool) -> None:
        default = ExitReason.REVERSAL if flipped else ExitReason.SIGNAL
        self._trades.append(
            LedgerTrade(
                instrument_id=fill.instrument_id,
                direction=Direction.SHORT if fill.side is Side.BUY else Direction.LONG,
                quantity=book.entry_qty,
                entry_time=book.opened_at,
                entry_price=book.entry_notional / book.entry_qty,
                exit_time=fill.time,
                exit_price=book.exit_notional / book.exit_qty,
                fees=book.fees,
                pnl=book.cash_flow,
                exit_reason=self._reasons.get(fill.client_order_id, default),
                entry_order_id=book.entry_order_id,
                exit_order_id=fill.client_order_id,
            )
        )

    # -- reading --------------------------------------------------------------------------

    @property
    def trades(self) -> list[LedgerTrade]:
        """Closed round trips, in closing order."""
        return list(self._trades)

    @property
    def holdings(self) -> dict[str, Holding]:
        """Open round trips by instrument id."""
        return {
            iid: Holding(b.position, b.opened_at, b.entry_order_id, b.cash_flow, b.fees)
            for iid, b in sorted(self._open.items())
        }

    @property
    def cash_flow(self) -> Decimal:
        """Net cash change of all fills: sells·price − buys·price − fees."""
        return self._cash_flow

    @property
    def fees(self) -> Decimal:
        return self._fees

    @property
    def realized_pnl(self) -> Decimal:
        """Σ pnl of the closed trades (net of their fees)."""
        return sum((t.pnl for t in self._trades), _ZERO)

    def _mark(self, marks: Mapping[str, Decimal], instrument_id: str) -> Decimal:
        mark = marks.get(instrument_id)
        if mark is None:
            raise ValidationError(
                f"No mark price for the open position in {instrument_id}.",
                hint="Pass the last price of every held instrument in marks.",
            )
        return mark

    def unrealized_pnl(self, marks: Mapping[str, Decimal]) -> Decimal:
        """Σ open round-trip P&L at ``marks`` (net of their fees so far)."""
        return sum((b.pnl(self._mark(marks, iid)) for iid, b in self.holdings.items()), _ZERO)

    def position_value(self, marks: Mapping[str, Decimal]) -> Decimal:
        """Σ signed market value of the open positions at ``marks``."""
        return sum(
            (b.market_value(self._mark(marks, iid)) for iid, b in self.holdings.items()), _ZERO
        )

    def equity(self, starting_cash: Decimal, marks: Mapping[str, Decimal]) -> Decimal:
        """Cash plus the marked value of the open positions."""
        return starting_cash + self._cash_flow + self.position_value(marks)


def _split_fee(fee: Decimal, part: Decimal, whole: Decimal) -> Decimal:
    """``fee·part/whole`` rounded to 8 more decimal places than ``fee`` has, so that
    ``fee − result`` is exact (the two parts always sum to ``fee``)."""
    exponent = fee.as_tuple().exponent
    places = exponent if isinstance(exponent, int) else 0
    quantum = Decimal(1).scaleb(min(places, 0) - 8)
    return (fee * part / whole).quantize(quantum, rounding=ROUND_HALF_EVEN)


def fold_fills(
    fills: Iterable[Fill], exit_reasons: Mapping[str, ExitReason] | None = None
) -> Ledger:
    """A ledger of ``fills`` (time-ordered), with optional exit reasons by client order id."""
    return Ledger(exit_reasons).apply_all(fills)


def exit_reason_for_leg(leg: str) -> ExitReason | None:
    """The exit reason of an order leg (``stop``, ``target``, ``exit``, or a replacement
    such as ``stop.r1``); None for entry legs."""
    base = leg.split(".", 1)[0]
    return {
        "stop": ExitReason.STOP_LOSS,
        "target": ExitReason.TAKE_PROFIT,
        "exit": ExitReason.SIGNAL,
    }.get(base)


__all__ = ["Holding", "Ledger", "LedgerTrade", "exit_reason_for_leg", "fold_fills"]
