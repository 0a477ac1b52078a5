"""Session values: what a paper/live session runs (``SessionSpec``) and where it is
(``SessionState``). Pure, frozen, JSON-round-trippable (``to_dict``/``from_dict``).

Conventions:

- ``SessionSpec`` never changes after ``SessionStore.create``; everything that moves is in
  ``SessionState``, which carries the optimistic-concurrency ``version`` the store checks.
- ``SessionState.cursor`` is the open time of the last bar whose step (decision, orders,
  equity) was fully recorded: a resumed session continues with the first bar after it.
- A decision's id is ``decision_id(session_id, bar_time)`` (``"<session>:<UTC time>"``),
  so a re-decided bar re-derives the same client order ids (no duplicate orders).
- Money and quantities are ``Decimal``; decision prices/confidence are the workflow's floats.

The step records (``DecisionRecord``, ``EquitySnapshot``) live in ``records``, the runner's
``SessionOptions`` (direction mode, stop policy, schedule) in ``options`` and the value
helpers in ``values``; all are re-exported here, so this module is the one import.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final

from tradegraph.core.errors import ValidationError
from tradegraph.model.audit import JSONValue
from tradegraph.model.tenant import DEFAULT_TENANT_ID, check_tenant_id
from tradegraph.model.timeframe import Timeframe
from tradegraph.orchestrator.sessions.options import SessionOptions
from tradegraph.orchestrator.sessions.records import DecisionRecord, EquitySnapshot
from tradegraph.orchestrator.sessions.values import (
    Params,
    check_session_id,
    dec_or_none,
    decision_id,
    iso,
    json_value,
    parse_speed,
    parse_time,
    risk_overrides,
    to_dec,
    utc,
    utc_or_none,
)
from tradegraph.risk.config import RiskConfig

# --- the spec ------------------------------------------------------------------------------


class FeedKind(StrEnum):
    """Where a session's bars come from."""

    REPLAY = "replay"  # catalog (or synthetic) bars on an accelerated clock
    CCXT = "ccxt"  # closed candles polled from an exchange


class SizingKind(StrEnum):
    FIXED = "fixed"  # always ``quantity`` units (what the parity tests use)
    RISK = "risk"  # the risk engine sizes each entry (RiskConfig.sizing)


@dataclass(frozen=True, slots=True)
class SizingSpec:
    """How entries are sized."""

    kind: SizingKind = SizingKind.RISK
    quantity: Decimal | None = None
    """Units per entry; required for FIXED, ignored for RISK."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", SizingKind(self.kind))
        object.__setattr__(self, "quantity", dec_or_none(self.quantity, "sizing.quantity"))
        if self.kind is SizingKind.FIXED and (self.quantity is None or self.quantity <= 0):
            raise ValidationError(
                f"Fixed sizing needs a positive quantity, got {self.quantity}.",
                hint="Pass SizingSpec(SizingKind.FIXED, Decimal('0.1')).",
            )

    @classmethod
    def fixed(cls, quantity: Decimal | str | int) -> SizingSpec:
        return cls(SizingKind.FIXED, to_dec(quantity, "sizing.quantity"))

    def to_dict(self) -> dict[str, JSONValue]:
        return {"kind": self.kind.value, "quantity": json_value(self.quantity)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SizingSpec:
        return cls(SizingKind(data["kind"]), dec_or_none(data.get("quantity"), "quantity"))


@dataclass(frozen=True, slots=True)
class VenueSpec:
    """The simulated venue (paper) a session trades on, and its cost model. Fractions:
    ``commission_pct=Decimal('0.001')`` is 0.1 % of notional."""

    venue: str = "paper"
    starting_cash: Decimal = Decimal(10_000)
    commission_pct: Decimal = Decimal(0)
    commission_fixed: Decimal = Decimal(0)
    slippage_bps: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        if not isinstance(self.venue, str) or not self.venue.strip():
            raise ValidationError("Venue name is empty.", hint="Use e.g. 'paper'.")
        for name in ("starting_cash", "commission_pct", "commission_fixed", "slippage_bps"):
            value = to_dec(getattr(self, name), f"venue.{name}")
            if value < 0 or (name == "starting_cash" and value == 0):
                raise ValidationError(
                    f"venue.{name} must be {'positive' if name == 'starting_cash' else '>= 0'}, "
                    f"got {value}.",
                    hint="0.1 % commission is commission_pct=Decimal('0.001').",
                )
            object.__setattr__(self, name, value)

    def to_dict(self) -> dict[str, JSONValue]:
        return {
            "venue": self.venue,
            "starting_cash": str(self.starting_cash),
            "commission_pct": str(self.commission_pct),
            "commission_fixed": str(self.commission_fixed),
            "slippage_bps": str(self.slippage_bps),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> VenueSpec:
        return cls(
            venue=str(data["venue"]),
            starting_cash=to_dec(data["starting_cash"], "starting_cash"),
            commission_pct=to_dec(data["commission_pct"], "commission_pct"),
            commission_fixed=to_dec(data["commission_fixed"], "commission_fixed"),
            slippage_bps=to_dec(data["slippage_bps"], "slippage_bps"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionSpec:
    """Everything a session runs, fixed at creation."""

    session_id: str
    strategy_id: str
    """Owner of the session's orders and risk budget (one strategy per session)."""
    workflow: str
    """Workflow reference as given: a template name or a file path."""
    workflow_hash: str
    """Content hash of the workflow spec at creation (detects edits before a resume)."""
    symbol: str
    instrument_id: str
    """The traded instrument (``Instrument.id``, e.g. ``BTC/USDT.paper``)."""
    timeframe: Timeframe
    created_at: datetime
    tenant_id: str = DEFAULT_TENANT_ID
    data_venue: str = "synthetic"
    """Where bars come from: the catalog venue for replay, the exchange for ccxt."""
    feed: FeedKind = FeedKind.REPLAY
    speed: float = 1000.0
    """Replay pace as a multiple of real time (0 = as fast as possible)."""
    start: datetime | None = None
    """Replay range (inclusive bar open times); None = from the first / to the last bar."""
    end: datetime | None = None
    params: Params = field(default_factory=dict)
    """Workflow parameter overrides."""
    risk: Mapping[str, JSONValue] = field(default_factory=dict)
    """``RiskConfig`` overrides (see ``risk_overrides``); ``risk_config`` builds it."""
    venue: VenueSpec = field(default_factory=VenueSpec)
    sizing: SizingSpec = field(default_factory=SizingSpec)
    options: SessionOptions = field(default_factory=SessionOptions)
    """How the runner acts on decisions: direction mode, stop policy, schedule."""

    def __post_init__(self) -> None:
        check_session_id(self.session_id)
        check_tenant_id(self.tenant_id)
        for name in ("strategy_id", "workflow", "workflow_hash", "symbol", "instrument_id"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip() or len(value) > 500:
                raise ValidationError(
                    f"SessionSpec.{name} must be a non-empty string, got {value!r}.",
                    hint=f"Set {name}.",
                )
        if len(self.strategy_id) > 64:
            raise ValidationError(
                f"SessionSpec.strategy_id is longer than 64 characters: {self.strategy_id!r}.",
                hint="Use a short slug.",
            )
        object.__setattr__(self, "timeframe", Timeframe.parse(self.timeframe))
        object.__setattr__(self, "feed", FeedKind(self.feed))
        object.__setattr__(self, "speed", parse_speed(self.speed))
        object.__setattr__(self, "created_at", utc(self.created_at, "created_at"))
        object.__setattr__(self, "start", utc_or_none(self.start, "start"))
        object.__setattr__(self, "end", utc_or_none(self.end, "end"))
        if self.start is not None and self.end is not None and self.end < self.start:
            raise ValidationError(
                f"Replay range ends ({self.end}) before it starts ({self.start}).",
                hint="Swap --start and --end.",
            )
        object.__setattr__(self, "params", dict(self.params))
        object.__setattr__(self, "risk", dict(self.risk))
        self.risk_config()  # validate the overrides now, not when the session starts

    def risk_config(self) -> RiskConfig:
        """The session's ``RiskConfig`` (defaults plus ``risk`` overrides)."""
        return RiskConfig.from_mapping(self.risk) if self.risk else RiskConfig()

    def to_dict(self) -> dict[str, JSONValue]:
        return {
            "session_id": self.session_id,
            "tenant_id": self.tenant_id,
            "strategy_id": self.strategy_id,
            "workflow": self.workflow,
            "workflow_hash": self.workflow_hash,
            "symbol": self.symbol,
            "instrument_id": self.instrument_id,
            "timeframe": self.timeframe.code,
            "data_venue": self.data_venue,
            "feed": self.feed.value,
            "speed": self.speed,
            "start": iso(self.start),
            "end": iso(self.end),
            "params": dict(self.params),
            "risk": dict(self.risk),
            "venue": self.venue.to_dict(),
            "sizing": self.sizing.to_dict(),
            "options": self.options.to_dict(),
            "created_at": self.created_at.isoformat(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SessionSpec:
        _check_keys(data)
        created = parse_time(data["created_at"])
        assert created is not None
        return cls(
            session_id=str(data["session_id"]),
            tenant_id=str(data["tenant_id"]),
            strategy_id=str(data["strategy_id"]),
            workflow=str(data["workflow"]),
            workflow_hash=str(data["workflow_hash"]),
            symbol=str(data["symbol"]),
            instrument_id=str(data["instrument_id"]),
            timeframe=Timeframe.parse(str(data["timeframe"])),
            data_venue=str(data["data_venue"]),
            feed=FeedKind(data["feed"]),
            speed=float(data["speed"]),
            start=parse_time(data.get("start")),
            end=parse_time(data.get("end")),
            params=dict(data.get("params") or {}),
            risk=dict(data.get("risk") or {}),
            venue=VenueSpec.from_dict(data["venue"]),
            sizing=SizingSpec.from_dict(data["sizing"]),
            options=SessionOptions.from_dict(data["options"]),
            created_at=created,
        )


_SPEC_REQUIRED: Final = frozenset(
    {
        "session_id",
        "tenant_id",
        "strategy_id",
        "workflow",
        "workflow_hash",
        "symbol",
        "instrument_id",
        "timeframe",
        "data_venue",
        "feed",
        "speed",
        "venue",
        "sizing",
        "options",
        "created_at",
    }
)
_SPEC_OPTIONAL: Final = frozenset({"start", "end", "params", "risk"})


def _check_keys(data: Mapping[str, Any]) -> None:
    """Refuse a spec object with unknown or missing keys (naming them)."""
    if not isinstance(data, Mapping):
        raise ValidationError(
            f"A session spec must be a JSON object, got {type(data).__name__}.",
            hint="Session specs are written by SessionSpec.to_dict().",
        )
    unknown = sorted(set(data) - _SPEC_REQUIRED - _SPEC_OPTIONAL)
    missing = sorted(_SPEC_REQUIRED - set(data))
    if unknown or missing:
        problems = [f"unknown key(s) {', '.join(unknown)}"] if unknown else []
        problems += [f"missing key(s) {', '.join(missing)}"] if missing else []
        raise ValidationError(
            f"Session spec {data.get('session_id')!r} has {' and '.join(problems)}.",
            hint="Session specs are written by SessionSpec.to_dict(); recreate the session "
            "rather than editing its stored spec.",
        )


# --- the state -----------------------------------------------------------------------------


class SessionStatus(StrEnum):
    CREATED = "created"  # stored, never started
    RUNNING = "running"  # a process owns it and steps it
    STOPPING = "stopping"  # a stop was requested; the owner finishes its step and stops
    STOPPED = "stopped"  # stopped cleanly (or ran to the end of its replay range)
    FAILED = "failed"  # the owner died on an error (``last_error``); resumable
    HALTED = "halted"  # the kill switch / SAFE_MODE stopped it; resume after a reset

    @property
    def is_active(self) -> bool:
        """A process is (supposed to be) stepping it."""
        return self in (SessionStatus.RUNNING, SessionStatus.STOPPING)

    @property
    def can_start(self) -> bool:
        """``paper start`` may (re)start it: never started, stopped or failed."""
        return self in (SessionStatus.CREATED, SessionStatus.STOPPED, SessionStatus.FAILED)


@dataclass(frozen=True, slots=True)
class SessionState:
    """Where a session is. ``version`` is the store's optimistic-concurrency counter:
    pass the state you read (with its version) back to ``save_state``/``record_step``."""

    session_id: str
    status: SessionStatus = SessionStatus.CREATED
    cursor: datetime | None = None
    """Open time of the last fully processed bar (None: nothing processed yet)."""
    bars_processed: int = 0
    last_error: str | None = None
    heartbeat_at: datetime | None = None
    owner: str | None = None
    """Token of the process stepping it (e.g. ``"host:pid:nonce"``), None when idle."""
    started_at: datetime | None = None
    updated_at: datetime | None = None
    version: int = 0

    def __post_init__(self) -> None:
        check_session_id(self.session_id)
        object.__setattr__(self, "status", SessionStatus(self.status))
        for name in ("cursor", "heartbeat_at", "started_at", "updated_at"):
            object.__setattr__(self, name, utc_or_none(getattr(self, name), name))
        if self.bars_processed < 0 or self.version < 0:
            raise ValidationError(
                f"Session {self.session_id}: bars_processed and version must be >= 0.",
                hint="Take states from the store.",
            )

    # Pure transitions (the store checks only versions; these keep the fields coherent).

    def started(self, owner: str, now: datetime) -> SessionState:
        """Claimed by ``owner``: RUNNING, error cleared, heartbeat now."""
        return replace(
            self,
            status=SessionStatus.RUNNING,
            owner=owner,
            last_error=None,
            heartbeat_at=now,
            started_at=now,
        )

    def stepped(self, bar_time: datetime, now: datetime) -> SessionState:
        """One more bar processed: the cursor moves to ``bar_time``."""
        return replace(
            self, cursor=bar_time, bars_processed=self.bars_processed + 1, heartbeat_at=now
        )

    def finished(
        self, status: SessionStatus, now: datetime, error: str | None = None
    ) -> SessionState:
        """Left the RUNNING/STOPPING state: STOPPED, FAILED (with ``error``) or HALTED."""
        if status not in (SessionStatus.STOPPED, SessionStatus.FAILED, SessionStatus.HALTED):
            raise ValidationError(
                f"A session finishes as stopped, failed or halted, not {status.value}.",
                hint="Use started() to run it again.",
            )
        return replace(self, status=status, owner=None, last_error=error, heartbeat_at=now)

    def to_dict(self) -> dict[str, JSONValue]:
        return {
            "session_id": self.session_id,
            "status": self.status.value,
            "cursor": iso(self.cursor),
            "bars_processed": self.bars_processed,
            "last_error": self.last_error,
            "heartbeat_at": iso(self.heartbeat_at),
            "owner": self.owner,
            "started_at": iso(self.started_at),
            "updated_at": iso(self.updated_at),
            "version": self.version,
        }


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """A session as listed: its spec and current state."""

    spec: SessionSpec
    state: SessionState


__all__ = [
    "DecisionRecord",
    "EquitySnapshot",
    "FeedKind",
    "Params",
    "SessionInfo",
    "SessionOptions",
    "SessionSpec",
    "SessionState",
    "SessionStatus",
    "SizingKind",
    "SizingSpec",
    "VenueSpec",
    "check_session_id",
    "decision_id",
    "parse_speed",
    "risk_overrides",
]
