"""Brackets: activate the stop/target legs after the entry fills; emulate OCO.

Activation: a NEW child (``parent_id`` set) waits until its entry is done. When the entry
(or the last order of its replacement chain) has FILLED, the children are sent with the
chain's filled quantity; when it ended canceled/expired with a partial fill, the children
are first resized to that quantity; when it ended without any fill they are canceled
locally. While the kill switch is tripped nothing is activated.

Native OCO: when the venue's ``capabilities.native_oco`` is True and a parent's children
to send are exactly one STOP (or STOP_LIMIT) and one LIMIT leg of the same ``oco_group``
(same side and quantity), both are claimed together and placed with one
``submit_oco`` call (``OrderFlow.send_oco``); the venue then closes the sibling itself
(Binance reports it EXPIRED), which sync applies like any venue snapshot.

OCO (emulated, and the safety net for native groups): the legs of an ``oco_group``
together close the entry's filled quantity. Whenever legs of a group have fills, every
open leg is cut to what is left to close: canceled when nothing is left, otherwise
replaced (cancel/replace) with the smaller quantity — so a partially filled target never
leaves a stop that would over-close the position. For a native group the venue has
already closed the sibling, so once sync has applied that no leg is open and nothing is
sent.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from decimal import Decimal

from tradegraph.execution.amend import chain_head
from tradegraph.execution.flow import OrderFlow
from tradegraph.execution.reports import SyncReport
from tradegraph.execution.store import OrderRecord, OrderUpdate
from tradegraph.execution.transitions import ACKED, OPEN, local_cancel, resized
from tradegraph.model.enums import OrderType
from tradegraph.model.order import OrderStatus

Replacer = Callable[[OrderRecord, Decimal], OrderRecord]
"""Replace a working order with a new quantity (the OMS's cancel/replace)."""


def activate_children(flow: OrderFlow) -> SyncReport:
    """Send, resize or drop the NEW children whose entry is done."""
    pending = [r for r in flow.find({OrderStatus.NEW}) if r.parent_id is not None]
    if not pending:
        return SyncReport()
    now = flow.now()
    heads: dict[str, tuple[OrderRecord, Decimal] | None] = {}
    local: list[OrderUpdate] = []
    send: list[str] = []
    canceled: list[str] = []
    problems: list[str] = []
    for child in pending:
        parent_id = child.parent_id
        assert parent_id is not None
        if parent_id not in heads:
            root = flow.store.get(parent_id)
            heads[parent_id] = None if root is None else chain_head(flow, root)
        found = heads[parent_id]
        if found is None:
            problems.append(f"bracket leg {child.client_order_id}: entry {parent_id} is unknown")
            continue
        head, filled = found
        if not head.status.is_terminal:
            continue  # the entry may still fill
        if filled <= 0:
            reason = f"entry {head.client_order_id} ended {head.status.value} without a fill"
            local.append(local_cancel(child, reason, now))
            canceled.append(child.client_order_id)
            continue
        if child.order.quantity != filled:
            why = f"resized to the entry's filled quantity {filled}"
            local.append(resized(child, filled, now, why))
        send.append(child.client_order_id)
    written = {r.client_order_id: r for r in flow.write(local)}
    sent: tuple[str, ...] = ()
    if send and not flow.kill_switch.tripped:
        by_id = {r.client_order_id: r for r in pending}
        records = [written.get(coid, by_id[coid]) for coid in send]
        pairs, single = _native_pairs(flow, records)
        done = [r for stop, target in pairs for r in flow.send_oco(stop, target)]
        sent = tuple(r.client_order_id for r in [*done, *flow.send_new(single)])
    return SyncReport(
        updated=tuple(written),
        children_sent=sent,
        children_canceled=tuple(canceled),
        problems=tuple(problems),
    )


def _native_pairs(
    flow: OrderFlow, records: list[OrderRecord]
) -> tuple[list[tuple[OrderRecord, OrderRecord]], list[OrderRecord]]:
    """Split the children to send into (stop, target) pairs for one native OCO call each,
    and the rest (sent one by one). Without native OCO everything is the rest."""
    if not flow.gateway.capabilities.native_oco:
        return [], records
    groups: dict[tuple[str | None, str], list[OrderRecord]] = defaultdict(list)
    for record in records:
        if record.oco_group is not None:
            groups[(record.parent_id, record.oco_group)].append(record)
    pairs: list[tuple[OrderRecord, OrderRecord]] = []
    paired: set[str] = set()
    for legs in groups.values():
        stops = [r for r in legs if r.order.order_type in (OrderType.STOP, OrderType.STOP_LIMIT)]
        targets = [r for r in legs if r.order.order_type is OrderType.LIMIT]
        if len(legs) != 2 or len(stops) != 1 or len(targets) != 1:
            continue
        stop, target = stops[0], targets[0]
        if stop.order.side is target.order.side and stop.order.quantity == target.order.quantity:
            pairs.append((stop, target))
            paired.update((stop.client_order_id, target.client_order_id))
    return pairs, [r for r in records if r.client_order_id not in paired]


def _exposure(flow: OrderFlow, legs: list[OrderRecord]) -> Decimal:
    """The quantity the legs of one OCO group close together."""
    parent_id = next((leg.parent_id for leg in legs if leg.parent_id is not None), None)
    if parent_id is not None:
        root = flow.store.get(parent_id)
        if root is not None:
            return chain_head(flow, root)[1]
    return max(leg.order.quantity for leg in legs if leg.replaces is None)


def _open_oco_groups(flow: OrderFlow, instrument_id: str) -> dict[str, list[OrderRecord]]:
    """Every leg of the instrument's OCO groups that still have an open leg.

    Only such groups can need a cut, so this reads their legs, not the instrument's
    whole order history."""
    open_groups = {r.oco_group for r in flow.find(OPEN, instrument_id=instrument_id) if r.oco_group}
    groups: dict[str, list[OrderRecord]] = defaultdict(list)
    if open_groups:
        for record in flow.find(None, instrument_id=instrument_id, oco_groups=open_groups):
            if record.oco_group is not None:
                groups[record.oco_group].append(record)
    return groups


def enforce_oco(flow: OrderFlow, instruments: Iterable[str], replacer: Replacer) -> SyncReport:
    """Cut the open legs of every OCO group with fills to what is left to close."""
    canceled: list[str] = []
    resized_ids: list[str] = []
    problems: list[str] = []
    cancel_now: list[OrderRecord] = []
    local: list[OrderUpdate] = []
    now = flow.now()
    for instrument_id in sorted(set(instruments)):
        for group, legs in _open_oco_groups(flow, instrument_id).items():
            filled = sum((leg.order.filled_quantity for leg in legs), Decimal(0))
            open_legs = [leg for leg in legs if not leg.status.is_terminal]
            if filled <= 0 or not open_legs:
                continue
            left = _exposure(flow, legs) - filled
            for leg in open_legs:
                if left <= 0:
                    cancel_now.append(leg)
                elif leg.order.remaining_quantity > left:
                    if leg.status is OrderStatus.NEW:
                        quantity = leg.order.filled_quantity + left
                        local.append(
                            resized(leg, quantity, now, f"OCO group {group}: cut to {left}")
                        )
                        resized_ids.append(leg.client_order_id)
                    elif leg.status in ACKED:
                        try:
                            replacer(leg, left)
                            resized_ids.append(leg.client_order_id)
                        except Exception as exc:  # reported; the next sync tries again
                            problems.append(f"OCO resize of {leg.client_order_id} failed: {exc}")
                    # unconfirmed legs are resolved first (resolve()), then cut
    flow.write(local)
    if cancel_now:
        report = flow.cancel_records(cancel_now, "OCO: a sibling leg filled")
        canceled.extend(report.canceled)
        canceled.extend(report.pending)
        problems.extend(f"OCO cancel of {coid} failed: {why}" for coid, why in report.failed)
    return SyncReport(
        oco_canceled=tuple(canceled), oco_resized=tuple(resized_ids), problems=tuple(problems)
    )


__all__ = ["Replacer", "activate_children", "enforce_oco"]
