"""Resolution: settle every order whose venue state we do not know, by asking the venue.

- NEW top-level orders (committed, never claimed: the process stopped between the
  outbox commit and the send) are sent now, unless older than ``outbox_max_age`` or the
  kill switch is tripped — then they are canceled locally (never sent).
- SUBMITTED (claimed, no answer) and UNKNOWN (timeout, drop, 5xx) orders are queried by
  client order id (reads are retried). If the venue has the order, its state is applied
  (accepted, fills via the fill feed, canceled ...). If the venue confirms it never got
  the order, it is re-sent with the *same* client id — the only re-send there is — unless
  it is a replacement (canceled locally: the original stays as it is), the kill switch is
  tripped (canceled locally), or its last change is younger than ``resend_grace``.
  If the query itself fails, the order stays unresolved until the next call.
"""

from __future__ import annotations

from tradegraph.core.errors import ExecutionError
from tradegraph.execution.flow import OrderFlow
from tradegraph.execution.ports import VenueOrder
from tradegraph.execution.store import OrderRecord, OrderUpdate
from tradegraph.execution.transitions import UNCONFIRMED, local_cancel
from tradegraph.model.order import OrderStatus


def _drain_outbox(flow: OrderFlow) -> tuple[list[OrderRecord], set[str]]:
    """Send (or drop, when stale or halted) committed top-level orders never claimed."""
    now = flow.now()
    max_age = flow.config.outbox_max_age
    kill = flow.kill_switch
    dropped: list[OrderUpdate] = []
    fresh: list[OrderRecord] = []
    for record in flow.find({OrderStatus.NEW}):
        if record.parent_id is not None:
            continue  # bracket legs wait for their entry (brackets.activate_children)
        if kill.tripped:
            reason = f"not sent: kill switch tripped ({kill.status.reason})"
            dropped.append(local_cancel(record, reason, now))
        elif max_age is not None and now - record.order.created_at > max_age:
            reason = f"not sent: stale, committed more than {max_age} ago"
            dropped.append(local_cancel(record, reason, now))
        else:
            fresh.append(record)
    touched = flow.write(dropped)
    sent = flow.send_new(fresh, guarded={r.client_order_id for r in fresh})
    return touched + sent, {r.client_order_id for r in sent}


def resolve_orders(flow: OrderFlow) -> list[OrderRecord]:
    """Resolve the outbox and every unconfirmed order; returns their records now."""
    touched, just_sent = _drain_outbox(flow)
    ids = [r.client_order_id for r in touched]
    now = flow.now()
    kill = flow.kill_switch
    grace = flow.config.resend_grace
    local: list[OrderUpdate] = []
    pairs: list[tuple[OrderRecord, VenueOrder]] = []
    for record in flow.find(UNCONFIRMED):
        coid = record.client_order_id
        if coid in just_sent:
            continue  # sent a moment ago: its answer is already recorded
        try:
            snapshot = flow.gateway.query_order(coid, record.order.instrument_id)
        except ExecutionError:
            continue  # cannot tell yet; stays unresolved
        if snapshot is not None:
            pairs.append((record, snapshot))
            ids.append(coid)
            continue
        if record.replaces is not None:
            reason = f"replacement never reached the venue; {record.replaces} is unchanged"
            local.append(local_cancel(record, reason, now))
        elif kill.tripped:
            reason = f"not re-sent: kill switch tripped ({kill.status.reason})"
            local.append(local_cancel(record, reason, now))
        elif record.order.updated_at is not None and now - record.order.updated_at < grace:
            continue  # the venue may not show it yet: ask again later
        else:
            flow.resend(record)
        ids.append(coid)
    flow.write(local)
    flow.converge(pairs)
    result: list[OrderRecord] = []
    for coid in dict.fromkeys(ids):
        current = flow.store.get(coid)
        if current is not None:
            result.append(current)
    return result


__all__ = ["resolve_orders"]
