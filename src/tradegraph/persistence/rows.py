"""ORM rows: the declarative ``Base`` (with a constraint naming convention) and the mixins
every table follows.

Conventions for every later table:

- user-owned rows mix in ``TenantMixin`` (``tenant_id`` → ``tenants.id``), ``AuditMixin``
  (``created_at``, ``updated_at``, ``created_by``) and ``SoftDeleteMixin`` (``deleted_at``);
  ``TenantOwnedMixin`` bundles the three;
- timestamps are ``UTCDateTime`` (tz-aware UTC on every backend);
- string primary keys (``tradegraph.core.ids.new_id`` or a content id), 64 characters max;
- the schema changes only through a new Alembic revision in ``migrations/versions``;
  a test checks that these rows and the migrated schema agree.

Rows never leave ``persistence``: repositories map them to ``tradegraph.model`` values.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Double,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from tradegraph.persistence.columns import ExactDecimal, UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
"""Deterministic constraint names, so migrations can refer to them on every backend."""

ID_LENGTH = 64
ACTOR_LENGTH = 200
INSTRUMENT_ID_LENGTH = 100
VENUE_ID_LENGTH = 100
"""Venue-assigned ids (venue order ids, trade ids) can be longer than ours."""

# SQLite makes only ``INTEGER PRIMARY KEY`` an alias of the rowid (the fast path).
SeqType = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    """Declarative base of every tradegraph table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}  # noqa: RUF012 - SQLAlchemy's API


class TenantMixin:
    """The owning tenant of a user-owned row. Repositories always filter on it."""

    tenant_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("tenants.id", ondelete="RESTRICT"), index=True
    )


class AuditMixin:
    """Who created a row and when; when it last changed."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(ACTOR_LENGTH))


class SoftDeleteMixin:
    """Rows are never deleted by the application: ``deleted_at`` marks them gone."""

    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class TenantOwnedMixin(TenantMixin, AuditMixin, SoftDeleteMixin):
    """All three conventions of a user-owned row."""


class TenantOwnedRow(TenantOwnedMixin, Base):
    """Abstract base of user-owned tables: a string ``id`` plus the three conventions."""

    __abstract__ = True

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)


class TenantRow(AuditMixin, SoftDeleteMixin, Base):
    """A tenant. The initial migration creates the ``default`` tenant."""

    __tablename__ = "tenants"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


class AuditJournalRow(Base):
    """One append-only, hash-chained journal entry (see ``tradegraph.model.audit``).

    ``seq`` is assigned under the head lock; UNIQUE on ``prev_hash`` (and the primary key
    on ``seq``) make a forked chain impossible even if the lock were bypassed. Database
    triggers refuse UPDATE and DELETE. ``payload`` holds the canonical JSON text.
    """

    __tablename__ = "audit_journal"

    seq: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=False)
    time: Mapped[datetime] = mapped_column(UTCDateTime())
    tenant_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("tenants.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[str] = mapped_column(String(100), index=True)
    actor: Mapped[str] = mapped_column(String(ACTOR_LENGTH))
    payload: Mapped[str] = mapped_column(Text())
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHeadRow(Base):
    """The single row (``id = 1``) naming the journal's last entry; appenders lock it."""

    __tablename__ = "audit_head"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer(), primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger())
    hash: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class RiskGuardStateRow(AuditMixin, Base):
    """The drawdown guard's state of one strategy (``tradegraph.risk.GuardState``).

    ``state`` holds ``GuardState.to_dict()`` as canonical JSON; ``mode`` is copied out of it
    so that halted strategies can be listed with an index. Not user-deletable.
    """

    __tablename__ = "risk_guard_states"

    # tenant_id as in TenantMixin, but part of the primary key (tenant, strategy)
    tenant_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("tenants.id", ondelete="RESTRICT"), primary_key=True
    )
    strategy_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    mode: Mapped[str] = mapped_column(String(16), index=True)
    state: Mapped[str] = mapped_column(Text())


class OrderRow(AuditMixin, SoftDeleteMixin, Base):
    """One order of the OMS (``tradegraph.execution.store.OrderRecord``): the outbox row.

    ``id`` only orders rows by insertion; the key is (tenant, client_order_id).
    ``version`` is the optimistic-concurrency counter. ``order_created_at`` and
    ``order_updated_at`` are the order's own times; ``created_at``/``updated_at`` are the
    row's (audit mixin).
    """

    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("tenant_id", "client_order_id"),
        Index(None, "tenant_id", "status"),
        Index(None, "tenant_id", "strategy_id"),
    )

    id: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    # tenant_id as in TenantMixin, without its own index (the unique key leads with it)
    tenant_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("tenants.id", ondelete="RESTRICT")
    )
    client_order_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    strategy_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    decision_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    leg: Mapped[str] = mapped_column(String(ID_LENGTH))
    venue: Mapped[str] = mapped_column(String(ID_LENGTH))
    group_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    oco_group: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    parent_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    replaces: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    send_attempts: Mapped[int] = mapped_column(Integer())
    version: Mapped[int] = mapped_column(Integer())
    instrument_id: Mapped[str] = mapped_column(String(INSTRUMENT_ID_LENGTH))
    side: Mapped[str] = mapped_column(String(8))
    order_type: Mapped[str] = mapped_column(String(16))
    quantity: Mapped[Decimal] = mapped_column(ExactDecimal())
    price: Mapped[Decimal | None] = mapped_column(ExactDecimal())
    stop_price: Mapped[Decimal | None] = mapped_column(ExactDecimal())
    time_in_force: Mapped[str] = mapped_column(String(8))
    reduce_only: Mapped[bool] = mapped_column(Boolean())
    status: Mapped[str] = mapped_column(String(20))
    filled_quantity: Mapped[Decimal] = mapped_column(ExactDecimal())
    average_fill_price: Mapped[Decimal | None] = mapped_column(ExactDecimal())
    venue_order_id: Mapped[str | None] = mapped_column(String(VENUE_ID_LENGTH))
    order_created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    order_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_reason: Mapped[str] = mapped_column(Text())


class OrderFillRow(AuditMixin, Base):
    """One execution (``tradegraph.model.Fill``) of an order. Fills are facts: never
    updated or deleted. (tenant, venue, trade_id) is unique: the de-duplication key."""

    __tablename__ = "order_fills"
    __table_args__ = (
        UniqueConstraint("tenant_id", "venue", "trade_id"),
        Index(None, "tenant_id", "client_order_id"),
        Index(None, "tenant_id", "venue", "instrument_id", "time"),
    )

    id: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("tenants.id", ondelete="RESTRICT")
    )
    venue: Mapped[str] = mapped_column(String(ID_LENGTH))
    trade_id: Mapped[str] = mapped_column(String(VENUE_ID_LENGTH))
    client_order_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    instrument_id: Mapped[str] = mapped_column(String(INSTRUMENT_ID_LENGTH))
    side: Mapped[str] = mapped_column(String(8))
    quantity: Mapped[Decimal] = mapped_column(ExactDecimal())
    price: Mapped[Decimal] = mapped_column(ExactDecimal())
    fee: Mapped[Decimal] = mapped_column(ExactDecimal())
    fee_currency: Mapped[str] = mapped_column(String(32))
    liquidity: Mapped[str] = mapped_column(String(8))
    time: Mapped[datetime] = mapped_column(UTCDateTime())


class SessionRow(AuditMixin, SoftDeleteMixin, Base):
    """One paper/live session (``tradegraph.orchestrator.sessions``): its spec as
    canonical JSON (``spec``, with a few fields copied out for listing) and its state.

    Key (tenant, session_id). ``version`` is the optimistic-concurrency counter;
    ``cursor_at`` is the open time of the last fully processed bar.
    """

    __tablename__ = "sessions"
    __table_args__ = (
        Index(None, "tenant_id", "status"),
        Index(None, "tenant_id", "strategy_id"),
    )

    # tenant_id as in TenantMixin, but part of the primary key (tenant, session)
    tenant_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("tenants.id", ondelete="RESTRICT"), primary_key=True
    )
    session_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    strategy_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    workflow: Mapped[str] = mapped_column(String(500))
    instrument_id: Mapped[str] = mapped_column(String(INSTRUMENT_ID_LENGTH))
    timeframe: Mapped[str] = mapped_column(String(8))
    feed: Mapped[str] = mapped_column(String(16))
    spec: Mapped[str] = mapped_column(Text())
    spec_created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16))
    cursor_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    bars_processed: Mapped[int] = mapped_column(Integer())
    last_error: Mapped[str | None] = mapped_column(Text())
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    owner: Mapped[str | None] = mapped_column(String(ACTOR_LENGTH))
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer())


class SessionDecisionRow(AuditMixin, Base):
    """One step's decision of a session, with its inputs and outcome (JSON text).
    Facts: never updated or deleted. One per (session, bar)."""

    __tablename__ = "session_decisions"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "session_id"],
            ["sessions.tenant_id", "sessions.session_id"],
            ondelete="RESTRICT",
        ),
        UniqueConstraint("tenant_id", "session_id", "bar_time"),
        UniqueConstraint("tenant_id", "decision_id"),
    )

    id: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    session_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    decision_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    bar_time: Mapped[datetime] = mapped_column(UTCDateTime())
    direction: Mapped[str] = mapped_column(String(8))
    exit_signal: Mapped[bool] = mapped_column(Boolean())
    entry: Mapped[float | None] = mapped_column(Double())
    stop: Mapped[float | None] = mapped_column(Double())
    target: Mapped[float | None] = mapped_column(Double())
    confidence: Mapped[float] = mapped_column(Double())
    reasoning: Mapped[str] = mapped_column(Text())
    inputs: Mapped[str] = mapped_column(Text())
    outcome: Mapped[str] = mapped_column(Text())
    order_ids: Mapped[str] = mapped_column(Text())
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime())


class EquitySnapshotRow(AuditMixin, Base):
    """A session's equity at one bar (exact decimals). Facts; one per (session, time)."""

    __tablename__ = "equity_snapshots"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "session_id"],
            ["sessions.tenant_id", "sessions.session_id"],
            ondelete="RESTRICT",
        ),
        UniqueConstraint("tenant_id", "session_id", "time"),
    )

    id: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    session_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    time: Mapped[datetime] = mapped_column(UTCDateTime())
    equity: Mapped[Decimal] = mapped_column(ExactDecimal())
    cash: Mapped[Decimal] = mapped_column(ExactDecimal())
    position_value: Mapped[Decimal] = mapped_column(ExactDecimal())
    drawdown: Mapped[Decimal] = mapped_column(ExactDecimal())


__all__ = [
    "NAMING_CONVENTION",
    "AuditHeadRow",
    "AuditJournalRow",
    "AuditMixin",
    "Base",
    "EquitySnapshotRow",
    "OrderFillRow",
    "OrderRow",
    "RiskGuardStateRow",
    "SessionDecisionRow",
    "SessionRow",
    "SoftDeleteMixin",
    "TenantMixin",
    "TenantOwnedMixin",
    "TenantOwnedRow",
    "TenantRow",
]
