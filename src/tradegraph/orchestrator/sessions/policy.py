"""Decision → order plan: what a session does with one bar's workflow decision.

Pure. It mirrors the close phase of the backtest kernel (``backtest/kernel.py``, step 3)
for one instrument, so a session and a backtest with the same ``BacktestConfig.direction``
act on the same bars:

1. the decision gives ``entry_long = direction > 0``, ``entry_short = direction < 0`` and
   the ``exit`` flag (as ``BatchResult.intents()`` does);
2. LONG mode turns a short entry into an exit, SHORT mode a long entry; REVERSE ignores
   exit flags; a time stop (stop policy) acts as this bar's exit when there is none;
3. an exit cancels any working entry and, when a position is held, closes it at the next
   bar's open; an exit bar never enters;
4. an entry in the direction already held is ignored; an opposite entry (BOTH/REVERSE)
   closes the position and opens the new one (the close first, both at the next open);
   a new entry replaces any working entry;
5. the entry's stop-loss / take-profit are the decision's ``stop`` / ``target`` (absolute
   prices) and become the bracket legs protecting the new position.

``Plan`` is the result: what to cancel, close and open, and a one-line ``note`` that
goes into the decision record. Quantities of new positions are decided later (sizing and
the risk engine); the close quantity is the held position.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from tradegraph.backtest.config import Direction as Mode
from tradegraph.model.enums import Direction, Side
from tradegraph.workflow.values import Decision

_ZERO = Decimal(0)


class CloseReason(StrEnum):
    SIGNAL = "signal"
    REVERSE = "reverse"
    TIME_STOP = "time_stop"


@dataclass(frozen=True, slots=True)
class Close:
    """Close the whole position at the next open (a market order on ``side``)."""

    side: Side
    quantity: Decimal
    reason: CloseReason


@dataclass(frozen=True, slots=True)
class Open:
    """Open a position on ``side`` at the next open, protected by the bracket legs."""

    side: Side
    stop_loss: float | None
    take_profit: float | None
    confidence: float

    @property
    def direction(self) -> Direction:
        return Direction.LONG if self.side is Side.BUY else Direction.SHORT


@dataclass(frozen=True, slots=True)
class Plan:
    """What one decision does. ``cancel_protection`` cancels the held position's bracket
    legs (its stop and target) because the position is being closed."""

    cancel_entries: bool = False
    cancel_protection: bool = False
    close: Close | None = None
    open: Open | None = None
    note: str = "no action"

    @property
    def acts(self) -> bool:
        return self.cancel_entries or self.close is not None or self.open is not None


def _side_name(sign: int) -> str:
    return "long" if sign > 0 else "short"


def plan(
    decision: Decision,
    position: Decimal,
    mode: Mode,
    *,
    time_exit: bool = False,
    working_entry: bool = False,
) -> Plan:
    """The plan for ``decision`` given the signed ``position`` held after the bar's fills.

    ``time_exit``: the stop policy's time stop fired at this close. ``working_entry``: an
    entry order from an earlier decision is still working (limit/stop entries)."""
    sign = decision.direction.sign
    el, es, ex = sign > 0, sign < 0, decision.exit
    if mode is Mode.LONG and es:
        ex, es = True, False
    elif mode is Mode.SHORT and el:
        ex, el = True, False
    if mode is Mode.REVERSE:
        ex = False
    reason = CloseReason.SIGNAL
    if time_exit and not ex:
        ex, reason = True, CloseReason.TIME_STOP
    held = 1 if position > 0 else (-1 if position < 0 else 0)
    if ex:
        if held == 0:
            note = "exit signal while flat" + (": working entry canceled" if working_entry else "")
            return Plan(cancel_entries=working_entry, note=note)
        close = Close(Side.SELL if held > 0 else Side.BUY, abs(position), reason)
        what = "time stop" if reason is CloseReason.TIME_STOP else "exit"
        return Plan(
            cancel_entries=working_entry,
            cancel_protection=True,
            close=close,
            note=f"{what}: close {_side_name(held)} {abs(position)} at the next open",
        )
    side = 1 if el else (-1 if es else 0)
    if side == 0:
        return Plan()
    if held == side:
        return Plan(note=f"{_side_name(side)} entry ignored: already {_side_name(held)}")
    entry = Open(
        Side.BUY if side > 0 else Side.SELL,
        decision.stop,
        decision.target,
        decision.confidence,
    )
    if held == 0:
        return Plan(
            cancel_entries=working_entry,
            open=entry,
            note=f"enter {_side_name(side)} at the next open",
        )
    return Plan(
        cancel_entries=working_entry,
        cancel_protection=True,
        close=Close(Side.SELL if held > 0 else Side.BUY, abs(position), CloseReason.REVERSE),
        open=entry,
        note=f"reverse {_side_name(held)} → {_side_name(side)} at the next open",
    )


__all__ = ["Close", "CloseReason", "Mode", "Open", "Plan", "plan"]
