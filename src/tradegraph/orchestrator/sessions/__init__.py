"""Paper/live sessions: their typed spec (with the runner's ``SessionOptions``) and state
(``spec``), and the ``SessionStore`` port that persists them with their decisions and
equity snapshots (``store``).

The in-memory fake and its conformance suite are in ``tradegraph.testing.sessions``; the
database-backed store is ``tradegraph.persistence.sessions.SqlSessionStore``.
"""

from tradegraph.orchestrator.sessions.spec import (
    DecisionRecord,
    EquitySnapshot,
    FeedKind,
    SessionInfo,
    SessionOptions,
    SessionSpec,
    SessionState,
    SessionStatus,
    SizingKind,
    SizingSpec,
    VenueSpec,
    parse_speed,
    risk_overrides,
)
from tradegraph.orchestrator.sessions.store import SESSION_AUDIT_KINDS, SessionStore

__all__ = [
    "SESSION_AUDIT_KINDS",
    "DecisionRecord",
    "EquitySnapshot",
    "FeedKind",
    "SessionInfo",
    "SessionOptions",
    "SessionSpec",
    "SessionState",
    "SessionStatus",
    "SessionStore",
    "SizingKind",
    "SizingSpec",
    "VenueSpec",
    "parse_speed",
    "risk_overrides",
]
