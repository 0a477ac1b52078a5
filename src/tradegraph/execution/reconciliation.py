"""Reconciliation: make local order and position state agree with the venue, or stop.

Run at start-up and periodically. Steps: resolve unconfirmed orders and the outbox;
compare local working orders with the venue's open orders (venue orders we do not know
and orders open at the venue that are closed locally are reported; local working orders
the venue no longer lists are queried and brought up to date); a full sync (fills,
statuses, brackets, OCO); then positions: the net position from stored fills must equal
the venue's for every instrument this OMS manages (within ``reconcile_tolerance``).
A position mismatch fails closed: the kill switch trips and ``ReconciliationError``
names each instrument with the local and the venue quantity.
"""

from __future__ import annotations

from collections.abc import Collection
from decimal import Decimal

from tradegraph.core.errors import ExecutionError, ReconciliationError
from tradegraph.execution.brackets import Replacer
from tradegraph.execution.flow import OrderFlow
from tradegraph.execution.ports import VenueOrder
from tradegraph.execution.reports import PositionCheck, ReconcileReport, SyncReport
from tradegraph.execution.resolution import resolve_orders
from tradegraph.execution.store import OrderRecord
from tradegraph.execution.syncing import sync_orders
from tradegraph.execution.transitions import ACKED


def _compare_open_orders(
    flow: OrderFlow,
) -> tuple[list[VenueOrder], list[str], list[str], SyncReport]:
    venue_open = flow.gateway.open_orders()
    listed: set[str] = set()
    unknown: list[VenueOrder] = []
    stale: list[str] = []
    for snapshot in venue_open:
        coid = snapshot.client_order_id
        listed.add(coid)
        record = flow.store.get(coid)
        if record is None or record.venue != flow.venue:
            unknown.append(snapshot)
        elif record.status.is_terminal:
            stale.append(coid)
    missing: list[str] = []
    pairs: list[tuple[OrderRecord, VenueOrder]] = []
    problems: list[str] = []
    for record in flow.find(ACKED):
        coid = record.client_order_id
        if coid in listed:
            continue
        missing.append(coid)
        try:
            queried = flow.gateway.query_order(coid, record.order.instrument_id)
        except ExecutionError as exc:
            problems.append(f"order {coid} not queried: {exc.message}")
            continue
        if queried is None:
            problems.append(
                f"order {coid} is {record.status.value} locally but unknown to the venue"
            )
        else:
            pairs.append((record, queried))
    report = flow.converge(pairs).report.merge(SyncReport(problems=tuple(problems)))
    return unknown, stale, missing, report


def _check_positions(
    flow: OrderFlow, managed: Collection[str]
) -> tuple[tuple[PositionCheck, ...], tuple[PositionCheck, ...]]:
    local = flow.store.net_positions(flow.venue)
    venue: dict[str, Decimal] = {}
    for position in flow.gateway.positions():
        venue[position.instrument_id] = venue.get(position.instrument_id, Decimal(0)) + (
            position.quantity
        )
    tracked = set(managed) | set(local)
    checks: list[PositionCheck] = []
    untracked: list[PositionCheck] = []
    mismatched: list[PositionCheck] = []
    tolerance = flow.config.reconcile_tolerance
    for instrument_id in sorted(tracked | set(venue)):
        check = PositionCheck(
            instrument_id,
            local.get(instrument_id, Decimal(0)),
            venue.get(instrument_id, Decimal(0)),
        )
        if instrument_id not in tracked:
            untracked.append(check)
            continue
        checks.append(check)
        if abs(check.difference) > tolerance:
            mismatched.append(check)
    if mismatched:
        text = "; ".join(f"{c.instrument_id}: local {c.local}, venue {c.venue}" for c in mismatched)
        flow.kill_switch.trip(f"reconciliation: position mismatch ({text})", flow.now())
        raise ReconciliationError(
            f"Position mismatch on venue {flow.venue!r} — {text}. Trading is halted: the "
            "kill switch is tripped.",
            hint="Find the missing fills or orders (tradegraph orders list, the venue's trade "
            "history), correct the records, then reset the kill switch.",
        )
    return tuple(checks), tuple(untracked)


def reconcile_venue(
    flow: OrderFlow, replacer: Replacer, managed: Collection[str]
) -> ReconcileReport:
    """One reconciliation (see the module docstring); ``managed``: instrument ids."""
    resolved = resolve_orders(flow)
    unknown, stale, missing, compared = _compare_open_orders(flow)
    flow.checkpoint("during_reconcile")
    synced = compared.merge(sync_orders(flow, replacer, full=True))
    checks: tuple[PositionCheck, ...] = ()
    untracked: tuple[PositionCheck, ...] = ()
    if flow.config.check_positions:
        checks, untracked = _check_positions(flow, managed)
    return ReconcileReport(
        resolved=tuple(r.client_order_id for r in resolved),
        unknown_venue_orders=tuple(unknown),
        missing_at_venue=tuple(missing),
        stale_local=tuple(stale),
        sync=synced,
        positions=checks,
        untracked_positions=untracked,
    )


__all__ = ["reconcile_venue"]
