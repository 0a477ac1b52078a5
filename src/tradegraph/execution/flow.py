"""``OrderFlow``: the OMS's primitives over one venue — send, re-send, pull fills, apply
venue snapshots, cancel. The public ``OrderManager`` (``oms.py``) composes them under
its lock; ``resolution``, ``brackets``, ``amend`` and ``reconciliation`` build on them.

Persist first: every order is committed NEW, then claimed (SUBMITTED, ``send_attempts``
+1, committed) before the venue is called; the venue's answer is committed after. A batch
of orders costs three store transactions (add, claim all, record all answers) however
many orders it holds. Any exception from ``submit`` other than ``VenueUnavailableError``
(certainly not sent) makes the order UNKNOWN: it may have executed, and only a query can
tell. ``send_oco`` does the same for a bracket pair placed with one native OCO call.
Crash checkpoints (``after_claim``, ``after_send_before_ack``,
``after_ack_before_fill``) are called at the named points so tests can kill the process
there.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from tradegraph.core.clock import Clock
from tradegraph.core.errors import ExecutionError, NotFoundError, VenueUnavailableError
from tradegraph.execution.config import OmsConfig
from tradegraph.execution.gateway import VenueGateway
from tradegraph.execution.ports import OrderRequest, VenueOrder
from tradegraph.execution.reports import CancelReport, SyncReport
from tradegraph.execution.store import OrderRecord, OrderStore, OrderUpdate
from tradegraph.execution.throttle import KillSwitch
from tradegraph.execution.transitions import (
    LIVE,
    UNCONFIRMED,
    ack_events,
    apply_fills,
    claim,
    fills_pending,
    local_cancel,
    noted,
    reclaim,
    unknown,
    update_with,
)
from tradegraph.model.fill import Fill
from tradegraph.model.order import OrderStatus

ALL = 100_000
"""``find`` limit meaning "all of them": the largest limit an ``OrderStore`` accepts
(``SqlOrderStore`` and the in-memory fake refuse more)."""
BULK_READ = 8
"""From this many orders on, ``records_of`` reads them with one query, not a get each."""

Checkpoint = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Converged:
    """The outcome of applying venue snapshots."""

    report: SyncReport
    pending: tuple[str, ...]
    """Orders the venue has closed but whose last fills have not arrived yet."""


class OrderFlow:
    """Shared state and primitives of the OMS (not thread-safe: the OMS holds a lock)."""

    def __init__(
        self,
        store: OrderStore,
        gateway: VenueGateway,
        clock: Clock,
        *,
        config: OmsConfig,
        kill_switch: KillSwitch,
        checkpoint: Checkpoint | None,
    ) -> None:
        self.store = store
        self.gateway = gateway
        self.clock = clock
        self.config = config
        self.kill_switch = kill_switch
        self._checkpoint = checkpoint
        self.venue = gateway.venue

    def checkpoint(self, name: str) -> None:
        if self._checkpoint is not None:
            self._checkpoint(name)

    def now(self) -> datetime:
        return self.clock.now()

    def find(
        self,
        statuses: Collection[OrderStatus] | None,
        *,
        strategy_id: str | None = None,
        instrument_id: str | None = None,
        oco_groups: Collection[str] | None = None,
    ) -> list[OrderRecord]:
        """This venue's orders with the given statuses, oldest first."""
        return [
            record
            for record in self.store.find(
                statuses=statuses,
                strategy_id=strategy_id,
                instrument_id=instrument_id,
                oco_groups=oco_groups,
                limit=ALL,
            )
            if record.venue == self.venue
        ]

    def write(self, updates: Sequence[OrderUpdate]) -> list[OrderRecord]:
        return self.store.update(updates) if updates else []

    # --- sending ---------------------------------------------------------------------------

    def send_new(
        self, records: Sequence[OrderRecord], *, guarded: Collection[str] = ()
    ) -> list[OrderRecord]:
        """Claim NEW ``records`` in one commit, submit each, commit all answers at once.

        Orders in ``guarded`` (risk-increasing) are not sent — canceled locally — if the
        kill switch trips while the batch is being sent.
        """
        if not records:
            return []
        claimed = self.store.update([claim(record, self.now()) for record in records])
        self.checkpoint("after_claim")
        answers: list[OrderUpdate] = []
        kill = self.kill_switch
        for record in claimed:
            if kill.tripped and record.client_order_id in guarded:
                reason = f"not sent: kill switch tripped ({kill.status.reason})"
                answers.append(local_cancel(record, reason, self.now()))
                continue
            answer = self.submit(record)
            self.checkpoint("after_send_before_ack")
            if answer is not None:
                answers.append(answer)
        final = {record.client_order_id: record for record in claimed}
        for record in self.write(answers):
            final[record.client_order_id] = record
        self.checkpoint("after_ack_before_fill")
        return [final[record.client_order_id] for record in claimed]

    def send_oco(self, stop: OrderRecord, target: OrderRecord) -> list[OrderRecord]:
        """Claim a NEW bracket pair in one commit, place it with one native ``submit_oco``
        call, commit both answers at once. An ambiguous outcome makes both legs UNKNOWN
        (``resolve`` queries each); a certain non-execution leaves both SUBMITTED with
        the reason, as ``submit`` does."""
        claimed = self.store.update([claim(record, self.now()) for record in (stop, target)])
        self.checkpoint("after_claim")
        answers: list[OrderUpdate] = []
        try:
            snapshots = self.gateway.submit_oco(
                OrderRequest.from_order(claimed[0].order), OrderRequest.from_order(claimed[1].order)
            )
        except VenueUnavailableError as exc:
            answers = [noted(r, f"not sent, venue unavailable: {exc}", self.now()) for r in claimed]
        except Exception as exc:  # timeout, drop, 5xx, adapter bug: it may have executed
            why = f"OCO submit outcome unknown: {type(exc).__name__}: {exc}"
            answers = [unknown(record, why, self.now()) for record in claimed]
        else:
            for record, snapshot in zip(claimed, snapshots, strict=True):
                events = ack_events(record.order, snapshot, self.now())
                if events:
                    answers.append(update_with(record, events))
        self.checkpoint("after_send_before_ack")
        final = {record.client_order_id: record for record in claimed}
        for record in self.write(answers):
            final[record.client_order_id] = record
        self.checkpoint("after_ack_before_fill")
        return [final[record.client_order_id] for record in claimed]

    def resend(self, record: OrderRecord) -> OrderRecord:
        """Send again, same client id — only after the venue confirmed it never got it."""
        [claimed] = self.store.update([reclaim(record, self.now())])
        self.checkpoint("after_claim")
        answer = self.submit(claimed)
        self.checkpoint("after_send_before_ack")
        result = self.store.update([answer])[0] if answer is not None else claimed
        self.checkpoint("after_ack_before_fill")
        return result

    def submit(self, record: OrderRecord) -> OrderUpdate | None:
        """Call the venue once for a claimed order; the update recording its answer."""
        request = OrderRequest.from_order(record.order)
        try:
            snapshot = self.gateway.submit(request)
        except VenueUnavailableError as exc:
            return noted(record, f"not sent, venue unavailable: {exc}", self.now())
        except Exception as exc:  # timeout, drop, 5xx, adapter bug: it may have executed
            return unknown(
                record, f"submit outcome unknown: {type(exc).__name__}: {exc}", self.now()
            )
        if snapshot.status is OrderStatus.REJECTED and record.send_attempts > 1:
            # A re-send rejected as a duplicate means the venue has the order after all.
            try:
                again = self.gateway.query_order(record.client_order_id, request.instrument_id)
            except ExecutionError as exc:
                return unknown(record, f"re-send rejected, query failed: {exc.message}", self.now())
            if again is not None:
                snapshot = again
        events = ack_events(record.order, snapshot, self.now())
        return update_with(record, events) if events else None

    # --- fills and snapshots ---------------------------------------------------------------

    def records_of(
        self,
        instrument_id: str,
        ids: Collection[str],
        *,
        live: Sequence[OrderRecord] | None = None,
    ) -> dict[str, OrderRecord]:
        """The stored records among ``ids`` (orders of ``instrument_id``); unknown ids are
        left out. Many ids cost one query (the live orders of the instrument) instead of a
        ``get`` each, none when the caller has just read the ``live`` records; ids that
        are not live are still read one by one."""
        found: dict[str, OrderRecord] = {}
        if live is None and len(ids) >= BULK_READ:
            live = self.find(LIVE, instrument_id=instrument_id)
        if live is not None:
            wanted = set(ids)
            for record in live:
                if record.client_order_id in wanted:
                    found[record.client_order_id] = record
        for coid in ids:
            if coid not in found:
                stored = self.store.get(coid)
                if stored is not None:
                    found[coid] = stored
        return found

    def pull_fills(self, instruments: Iterable[str]) -> SyncReport:
        """Store the venue's new fills of ``instruments`` (de-duplicated by trade id), in one
        atomic update."""
        return self.collect_fills(instruments)[0]

    def collect_fills(
        self, instruments: Iterable[str], *, live: Sequence[OrderRecord] | None = None
    ) -> tuple[SyncReport, list[OrderRecord]]:
        """``pull_fills``, also returning the records it stored; ``live``: this venue's
        live records as just read (saves reading them again)."""
        updates: list[OrderUpdate] = []
        foreign: list[str] = []
        problems: list[str] = []
        duplicates = 0
        for instrument_id in sorted(set(instruments)):
            since = self.store.last_fill_time(self.venue, instrument_id)
            try:
                fills = self.gateway.fills(instrument_id, since)
            except ExecutionError as exc:
                problems.append(f"fills of {instrument_id} not read: {exc.message}")
                continue
            unique: dict[str, Fill] = {}
            for fill in fills:
                if fill.trade_id in unique:
                    duplicates += 1
                else:
                    unique[fill.trade_id] = fill
            known = self.store.known_trade_ids(self.venue, list(unique)) if unique else set()
            duplicates += len(known)
            by_order: dict[str, list[Fill]] = defaultdict(list)
            for trade_id, fill in unique.items():
                if trade_id not in known:
                    by_order[fill.client_order_id].append(fill)
            records = self.records_of(instrument_id, list(by_order), live=live)
            for client_order_id, order_fills in by_order.items():
                record = records.get(client_order_id)
                if record is None or record.venue != self.venue:
                    foreign.extend(fill.trade_id for fill in order_fills)
                    continue
                update, issues = apply_fills(record, order_fills)
                problems.extend(issues)
                if update is not None:
                    updates.append(update)
        stored = self.write(updates)
        report = SyncReport(
            fills_applied=sum(len(update.fills) for update in updates),
            duplicate_fills=duplicates,
            updated=tuple(record.client_order_id for record in stored),
            foreign_fills=tuple(foreign),
            problems=tuple(problems),
        )
        return report, stored

    def converge(self, pairs: Sequence[tuple[OrderRecord, VenueOrder]]) -> Converged:
        """Bring local orders to their venue snapshots; where the venue reports more fills
        than we stored, pull the fills first so no order is closed before its last fill."""
        now = self.now()
        updates: list[OrderUpdate] = []
        lagging: list[VenueOrder] = []
        for record, snapshot in pairs:
            events = ack_events(record.order, snapshot, now)
            if events:
                updates.append(update_with(record, events))
            if fills_pending(record.order, snapshot):
                lagging.append(snapshot)
        changed = [record.client_order_id for record in self.write(updates)]
        report = SyncReport(updated=tuple(changed))
        pending: list[str] = []
        if lagging:
            report = report.merge(self.pull_fills(s.instrument_id for s in lagging))
            second: list[OrderUpdate] = []
            for snapshot in lagging:
                current = self.store.get(snapshot.client_order_id)
                if current is None:
                    continue
                events = ack_events(current.order, snapshot, now)
                if events:
                    second.append(update_with(current, events))
                if fills_pending(current.order, snapshot):
                    pending.append(current.client_order_id)
            again = tuple(record.client_order_id for record in self.write(second))
            report = report.merge(SyncReport(updated=again))
        return Converged(report, tuple(pending))

    # --- cancelling ------------------------------------------------------------------------

    def _cancel_at_venue(self, coid: str, instrument_id: str) -> tuple[VenueOrder | None, str]:
        """Cancel once; (snapshot or None when the venue never had it, error text)."""
        try:
            return self.gateway.cancel(coid, instrument_id), ""
        except NotFoundError:
            pass
        except VenueUnavailableError as exc:  # certainly not executed: still open
            return None, f"cancel not sent: {exc.message}"
        except Exception as exc:  # outcome unknown: a query (a read) tells
            try:
                snapshot = self.gateway.query_order(coid, instrument_id)
            except Exception:  # the cancel's own error is the one to report
                snapshot = None
            if snapshot is not None and snapshot.status.is_terminal:
                return snapshot, ""
            return None, f"cancel outcome unknown: {type(exc).__name__}: {exc}"
        try:
            return self.gateway.query_order(coid, instrument_id), ""
        except Exception as exc:  # report and go on: one bad order must not stop a halt
            return None, f"{type(exc).__name__}: {exc}"

    def cancel_records(self, records: Iterable[OrderRecord], reason: str) -> CancelReport:
        """Cancel every open order in ``records``: NEW ones locally (one commit), the others
        at the venue; then apply the venue's answers."""
        now = self.now()
        local: list[OrderUpdate] = []
        pairs: list[tuple[OrderRecord, VenueOrder]] = []
        failed: list[tuple[str, str]] = []
        touched: list[str] = []
        for record in records:
            status = record.status
            if status.is_terminal:
                continue
            touched.append(record.client_order_id)
            if status is OrderStatus.NEW:
                local.append(local_cancel(record, reason, now))
                continue
            coid, instrument_id = record.client_order_id, record.order.instrument_id
            snapshot, error = self._cancel_at_venue(coid, instrument_id)
            if error:
                failed.append((coid, error))
            elif snapshot is not None:
                pairs.append((record, snapshot))
            elif status in UNCONFIRMED:
                local.append(local_cancel(record, f"{reason} (never reached the venue)", now))
            else:
                failed.append((coid, "the venue does not know this accepted order"))
        self.write(local)
        self.converge(pairs)
        failed_ids = {coid for coid, _ in failed}
        closed: list[str] = []
        pending: list[str] = []
        for coid in touched:
            if coid in failed_ids:
                continue
            current = self.store.get(coid)
            if current is not None and current.status.is_terminal:
                closed.append(coid)
            else:
                pending.append(coid)
        return CancelReport(canceled=tuple(closed), failed=tuple(failed), pending=tuple(pending))


__all__ = ["ALL", "BULK_READ", "Checkpoint", "Converged", "OrderFlow"]
