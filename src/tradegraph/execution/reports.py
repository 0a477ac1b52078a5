"""The values the ``OrderManager`` returns: expected outcomes are values, not exceptions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType

from tradegraph.execution.breaker import BreakerStatus
from tradegraph.execution.ports import VenueOrder
from tradegraph.execution.store import OrderRecord
from tradegraph.execution.throttle import KillSwitchStatus
from tradegraph.model.order import OrderStatus


@dataclass(frozen=True, slots=True)
class Placement:
    """What became of one placement (one decision's orders).

    ``records`` are the stored records after the attempt (entry first); empty when the
    placement was refused (``refused_reason`` says why: kill switch, order rate, risk
    denial). Orders that the venue rejected or that are UNKNOWN are *placed*: look at
    each record's status.
    """

    records: tuple[OrderRecord, ...]
    refused_reason: str = ""

    @property
    def placed(self) -> bool:
        return not self.refused_reason

    @property
    def entry(self) -> OrderRecord | None:
        return self.records[0] if self.records else None


@dataclass(frozen=True, slots=True)
class SyncReport:
    """One pass of ``sync``: fills pulled, states refreshed, brackets driven."""

    fills_applied: int = 0
    duplicate_fills: int = 0
    """Fills the venue reported again (trade id already stored): ignored."""
    updated: tuple[str, ...] = ()
    """Client ids of orders whose state changed (fills or status)."""
    children_sent: tuple[str, ...] = ()
    """Bracket legs sent because their entry filled."""
    children_canceled: tuple[str, ...] = ()
    """Bracket legs dropped because their entry ended without a fill."""
    oco_canceled: tuple[str, ...] = ()
    """Legs canceled because an OCO sibling filled."""
    oco_resized: tuple[str, ...] = ()
    """Legs replaced with a smaller quantity because an OCO sibling partially filled."""
    foreign_fills: tuple[str, ...] = ()
    """Trade ids of fills for orders this store does not know."""
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems and not self.foreign_fills

    def merge(self, other: SyncReport) -> SyncReport:
        return SyncReport(
            fills_applied=self.fills_applied + other.fills_applied,
            duplicate_fills=self.duplicate_fills + other.duplicate_fills,
            updated=tuple(dict.fromkeys(self.updated + other.updated)),
            children_sent=self.children_sent + other.children_sent,
            children_canceled=self.children_canceled + other.children_canceled,
            oco_canceled=self.oco_canceled + other.oco_canceled,
            oco_resized=self.oco_resized + other.oco_resized,
            foreign_fills=self.foreign_fills + other.foreign_fills,
            problems=self.problems + other.problems,
        )


@dataclass(frozen=True, slots=True)
class CancelReport:
    """``cancel_all``: what was canceled and what could not be (id, reason)."""

    canceled: tuple[str, ...] = ()
    failed: tuple[tuple[str, str], ...] = ()
    pending: tuple[str, ...] = ()
    """Cancel accepted by the venue, but fills are still arriving (next ``sync`` closes)."""

    @property
    def ok(self) -> bool:
        return not self.failed


@dataclass(frozen=True, slots=True)
class HaltReport:
    kill_switch: KillSwitchStatus
    cancels: CancelReport


@dataclass(frozen=True, slots=True)
class PositionCheck:
    instrument_id: str
    local: Decimal
    venue: Decimal

    @property
    def difference(self) -> Decimal:
        return self.local - self.venue


@dataclass(frozen=True, slots=True)
class ReconcileReport:
    """Start-up / periodic reconciliation against the venue (positions matched)."""

    resolved: tuple[str, ...] = ()
    """Unconfirmed orders resolved by querying (or re-sent after confirmed absence)."""
    unknown_venue_orders: tuple[VenueOrder, ...] = ()
    """Open at the venue, unknown locally (placed by someone else?)."""
    missing_at_venue: tuple[str, ...] = ()
    """Working locally, not open at the venue: queried and brought up to date."""
    stale_local: tuple[str, ...] = ()
    """Open at the venue although closed locally."""
    sync: SyncReport = field(default_factory=SyncReport)
    positions: tuple[PositionCheck, ...] = ()
    """Every compared instrument (all match, else ``reconcile`` raised)."""
    untracked_positions: tuple[PositionCheck, ...] = ()
    """Venue positions in instruments this OMS does not manage (not compared)."""

    @property
    def ok(self) -> bool:
        return not self.unknown_venue_orders and not self.stale_local and self.sync.ok


@dataclass(frozen=True, slots=True)
class OmsStatus:
    venue: str
    breaker: BreakerStatus
    kill_switch: KillSwitchStatus
    counts: Mapping[OrderStatus, int]

    def __post_init__(self) -> None:
        object.__setattr__(self, "counts", MappingProxyType(dict(self.counts)))

    @property
    def working(self) -> int:
        """Orders that may execute (submitted, accepted, partially filled, unknown)."""
        return sum(n for status, n in self.counts.items() if status.is_working)


__all__ = [
    "CancelReport",
    "HaltReport",
    "OmsStatus",
    "Placement",
    "PositionCheck",
    "ReconcileReport",
    "SyncReport",
]
