"""The ``SessionStore`` port: sessions, their state, decisions and equity snapshots.

Atomicity (every implementation must guarantee it):

- each method is **one** unit of work: it writes everything it says, with its audit
  journal entries, or nothing;
- ``save_state``, ``record_step`` and ``request_stop`` check/bump ``SessionState.version``
  (optimistic concurrency): a write based on a state another writer has changed since
  raises ``StaleStateError`` and writes nothing. Reload with ``get_state`` and retry;
- ``record_step`` commits a bar's decision, equity snapshot and the moved cursor together,
  so after a crash a session has either fully recorded a bar or not at all, and resumes
  with the first bar after ``state.cursor``.

Journal kinds (``SESSION_AUDIT_KINDS``): ``session.created``, ``session.status`` (status
changed through ``save_state``/``record_step``), ``session.step`` (one per recorded bar),
``session.stop_requested``. Payloads carry ``session_id`` and the relevant fields.

Stores are scoped to one tenant at construction. Implementations:
``tradegraph.testing.sessions.InMemorySessionStore`` (fake) and
``tradegraph.persistence.sessions.SqlSessionStore``; both pass
``tradegraph.testing.sessions.SessionStoreContract``.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Final, Protocol, runtime_checkable

from tradegraph.core.errors import ValidationError
from tradegraph.model.audit import JSONValue
from tradegraph.orchestrator.sessions.spec import (
    DecisionRecord,
    EquitySnapshot,
    SessionInfo,
    SessionSpec,
    SessionState,
    SessionStatus,
)

KIND_CREATED: Final = "session.created"
KIND_STATUS: Final = "session.status"
KIND_STEP: Final = "session.step"
KIND_STOP_REQUESTED: Final = "session.stop_requested"
SESSION_AUDIT_KINDS: Final = (KIND_CREATED, KIND_STATUS, KIND_STEP, KIND_STOP_REQUESTED)
SESSION_ACTOR: Final = "session"


@runtime_checkable
class SessionStore(Protocol):
    @property
    def tenant_id(self) -> str: ...

    def create(self, spec: SessionSpec) -> SessionState:
        """Store a new session (status CREATED, version 1), journalled ``session.created``.

        Idempotent on ``spec.session_id``: when it exists with an equal spec, its current
        state is returned and nothing is written; with a different spec,
        ``ValidationError``. ``spec.tenant_id`` must be the store's tenant.
        """
        ...

    def get_spec(self, session_id: str) -> SessionSpec:
        """The session's spec; ``NotFoundError`` when the tenant has no such session."""
        ...

    def get_state(self, session_id: str) -> SessionState:
        """The current state (with its version); ``NotFoundError`` when unknown."""
        ...

    def list_sessions(
        self,
        *,
        statuses: Collection[SessionStatus] | None = None,
        strategy_id: str | None = None,
    ) -> list[SessionInfo]:
        """The tenant's sessions matching all given filters, oldest created first."""
        ...

    def save_state(self, state: SessionState) -> SessionState:
        """Replace the state; ``state.version`` must be the stored version.

        Returns the stored state (version + 1, ``updated_at`` set). Journals
        ``session.status`` when the status changes. ``StaleStateError`` on a version
        mismatch, ``NotFoundError`` for an unknown session.
        """
        ...

    def record_step(
        self,
        session_id: str,
        bar_time: datetime,
        decision: DecisionRecord | None,
        equity: EquitySnapshot | None,
        new_state: SessionState,
    ) -> SessionState:
        """Record the step of the bar opening at ``bar_time`` in one unit of work: the
        decision (if any), the equity snapshot (if any), the new state (its ``version``
        must be the stored one) and a ``session.step`` journal entry (plus
        ``session.status`` if the status changed). Returns the stored state.

        Rules: ``new_state.cursor`` must equal ``bar_time``, and ``bar_time`` must be
        later than the stored cursor (``ValidationError`` otherwise: the bar was already
        recorded). ``decision``/``equity`` must belong to ``session_id`` and
        ``bar_time``. ``StaleStateError`` on a version mismatch; nothing is written on any
        error.
        """
        ...

    def request_stop(self, session_id: str, *, actor: str = "operator") -> SessionState:
        """Ask a session to stop; journalled ``session.stop_requested``.

        RUNNING → STOPPING (version bumped: the owner's next ``record_step`` fails with
        ``StaleStateError``, it reloads, sees STOPPING and finishes as STOPPED);
        CREATED → STOPPED (nothing runs it). Already STOPPING/STOPPED/FAILED/HALTED:
        unchanged, nothing written. Returns the resulting state.
        """
        ...

    def decisions(
        self, session_id: str, *, limit: int = 100, offset: int = 0, newest_first: bool = False
    ) -> list[DecisionRecord]:
        """The session's decisions in bar-time order (oldest first unless told)."""
        ...

    def equity(self, session_id: str, *, since: datetime | None = None) -> list[EquitySnapshot]:
        """The session's equity snapshots (time >= ``since``), oldest first."""
        ...


def check_step(
    session_id: str,
    bar_time: datetime,
    *,
    decision: DecisionRecord | None,
    equity: EquitySnapshot | None,
    new_state: SessionState,
    stored_cursor: datetime | None,
) -> None:
    """Raise ``ValidationError`` unless the ``record_step`` arguments are coherent (the
    rules every store enforces before writing anything)."""
    problems: list[str] = []
    if new_state.session_id != session_id:
        problems.append(f"the new state belongs to session {new_state.session_id!r}")
    if new_state.cursor != bar_time:
        problems.append(f"the new state's cursor {new_state.cursor} is not the bar {bar_time}")
    if decision is not None and (
        decision.session_id != session_id or decision.bar_time != bar_time
    ):
        problems.append(f"decision {decision.decision_id!r} is not of this session and bar")
    if equity is not None and (equity.session_id != session_id or equity.time != bar_time):
        problems.append(f"the equity snapshot at {equity.time} is not of this session and bar")
    if problems:
        raise ValidationError(
            f"record_step({session_id!r}, {bar_time.isoformat()}): {'; '.join(problems)}.",
            hint="Build the step's records from the bar being recorded.",
        )
    if stored_cursor is not None and bar_time <= stored_cursor:
        raise ValidationError(
            f"Session {session_id!r} already recorded bars up to {stored_cursor.isoformat()}; "
            f"the bar {bar_time.isoformat()} is not after it.",
            hint="Resume with the first bar after state.cursor.",
        )


def step_payload(
    session_id: str,
    bar_time: datetime,
    decision: DecisionRecord | None,
    equity: EquitySnapshot | None,
    state: SessionState,
) -> dict[str, JSONValue]:
    """The ``session.step`` journal payload (shared by every store implementation)."""
    payload: dict[str, JSONValue] = {
        "session_id": session_id,
        "bar_time": bar_time.isoformat(),
        "bars_processed": state.bars_processed,
        "status": state.status.value,
    }
    if decision is not None:
        payload["decision_id"] = decision.decision_id
        payload["direction"] = decision.direction.value
        payload["exit"] = decision.exit
        payload["outcome"] = decision.outcome
        payload["order_ids"] = list(decision.order_ids)
    if equity is not None:
        payload["equity"] = str(equity.equity)
    return payload


def status_payload(
    session_id: str, before: SessionStatus, after: SessionState
) -> dict[str, JSONValue]:
    """The ``session.status`` journal payload."""
    return {
        "session_id": session_id,
        "from": before.value,
        "to": after.status.value,
        "owner": after.owner,
        "error": after.last_error,
        "cursor": after.cursor.isoformat() if after.cursor else None,
    }


def created_payload(spec: SessionSpec) -> dict[str, JSONValue]:
    """The ``session.created`` journal payload."""
    return {
        "session_id": spec.session_id,
        "strategy_id": spec.strategy_id,
        "workflow": spec.workflow,
        "workflow_hash": spec.workflow_hash,
        "instrument_id": spec.instrument_id,
        "timeframe": spec.timeframe.code,
        "feed": spec.feed.value,
    }


def stop_target(status: SessionStatus) -> SessionStatus | None:
    """The status ``request_stop`` moves a session in ``status`` to (None: unchanged)."""
    if status is SessionStatus.RUNNING:
        return SessionStatus.STOPPING
    if status is SessionStatus.CREATED:
        return SessionStatus.STOPPED
    return None


MAX_PAGE: Final = 10_000


def check_page(limit: int, offset: int) -> None:
    """``ValidationError`` unless 1 <= limit <= MAX_PAGE and offset >= 0."""
    if not 1 <= limit <= MAX_PAGE or offset < 0:
        raise ValidationError(
            f"Page limit must be in [1, {MAX_PAGE}] and offset >= 0, got {limit}/{offset}.",
            hint="Page with offset=<rows seen>.",
        )


__all__ = [
    "KIND_CREATED",
    "KIND_STATUS",
    "KIND_STEP",
    "KIND_STOP_REQUESTED",
    "MAX_PAGE",
    "SESSION_ACTOR",
    "SESSION_AUDIT_KINDS",
    "SessionStore",
    "check_page",
    "check_step",
    "created_payload",
    "status_payload",
    "step_payload",
    "stop_target",
]
