"""Sync: bring local orders up to date with the venue, and drive brackets.

One pass: (1) pull the new fills of every instrument with live orders, de-duplicated by
trade id and stored atomically; (2) compare the acknowledged working orders with the
venue's open orders and query those no longer open (canceled, expired, filled) — an
order is closed only once its last fills are stored; (3) activate bracket legs whose
entry is done; (4) enforce emulated OCO on the groups whose legs just filled (all groups
with open legs when ``full``). Unconfirmed orders (SUBMITTED/UNKNOWN) are left to
``resolution``.
"""

from __future__ import annotations

from collections.abc import Iterable

from tradegraph.core.errors import ExecutionError
from tradegraph.execution.brackets import Replacer, activate_children, enforce_oco
from tradegraph.execution.flow import OrderFlow
from tradegraph.execution.ports import VenueOrder
from tradegraph.execution.reports import SyncReport
from tradegraph.execution.store import OrderRecord
from tradegraph.execution.transitions import ACKED, LIVE, OPEN


def refresh_status(flow: OrderFlow, instruments: Iterable[str]) -> SyncReport:
    """Query acknowledged orders the venue no longer lists as open and apply their state."""
    pairs: list[tuple[OrderRecord, VenueOrder]] = []
    problems: list[str] = []
    for instrument_id in sorted(set(instruments)):
        acked = flow.find(ACKED, instrument_id=instrument_id)
        if not acked:
            continue
        try:
            listed = {o.client_order_id for o in flow.gateway.open_orders(instrument_id)}
        except ExecutionError as exc:
            problems.append(f"open orders of {instrument_id} not read: {exc.message}")
            continue
        for record in acked:
            coid = record.client_order_id
            if coid in listed:
                continue
            try:
                snapshot = flow.gateway.query_order(coid, instrument_id)
            except ExecutionError as exc:
                problems.append(f"order {coid} not queried: {exc.message}")
                continue
            if snapshot is None:
                problems.append(
                    f"order {coid} is {record.status.value} locally but unknown to the venue"
                )
                continue
            pairs.append((record, snapshot))
    converged = flow.converge(pairs)
    return converged.report.merge(SyncReport(problems=tuple(problems)))


def sync_orders(flow: OrderFlow, replacer: Replacer, *, full: bool = False) -> SyncReport:
    """One sync pass (see the module docstring)."""
    live = flow.find(LIVE)
    instruments = {r.order.instrument_id for r in live}
    report, stored = flow.collect_fills(instruments, live=live)
    report = report.merge(refresh_status(flow, instruments))
    report = report.merge(activate_children(flow))
    if full:
        oco_instruments = {
            r.order.instrument_id for r in flow.find(OPEN) if r.oco_group is not None
        }
    else:
        oco_instruments = set()
        filled = {r.client_order_id: r for r in stored}  # the OCO group never changes
        for coid in report.updated:
            record = filled.get(coid) or flow.store.get(coid)
            if record is not None and record.oco_group is not None:
                oco_instruments.add(record.order.instrument_id)
    if oco_instruments:
        report = report.merge(enforce_oco(flow, oco_instruments, replacer))
    return report


__all__ = ["refresh_status", "sync_orders"]
