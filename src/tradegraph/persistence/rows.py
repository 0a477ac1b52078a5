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

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Integer, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from tradegraph.persistence.columns import UTCDateTime

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


__all__ = [
    "NAMING_CONVENTION",
    "AuditHeadRow",
    "AuditJournalRow",
    "AuditMixin",
    "Base",
    "RiskGuardStateRow",
    "SoftDeleteMixin",
    "TenantMixin",
    "TenantOwnedMixin",
    "TenantOwnedRow",
    "TenantRow",
]
