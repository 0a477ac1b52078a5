"""Repositories: the only way application code reads and writes rows.

- ``TenantScopedRepository`` is the base for every user-owned table: each query it builds
  is filtered by the repository's ``tenant_id`` and excludes soft-deleted rows, and rows
  are mapped to immutable ``tradegraph.model`` values (ORM rows never leave).
- ``TenantRepository`` manages the tenants themselves.

A repository is built per unit of work: ``with db.session() as s: Repo(s, clock, tenant)``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import ClassVar, Generic, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from tradegraph.core.clock import Clock
from tradegraph.core.errors import NotFoundError, ValidationError
from tradegraph.model.tenant import Tenant, check_tenant_id
from tradegraph.persistence.rows import TenantOwnedRow, TenantRow

_MAX_PAGE = 10_000


RowT = TypeVar("RowT", bound=TenantOwnedRow)
ValueT = TypeVar("ValueT")


def _check_page(limit: int, offset: int) -> None:
    if not 1 <= limit <= _MAX_PAGE or offset < 0:
        raise ValidationError(
            f"Page limit must be between 1 and {_MAX_PAGE} and offset >= 0, got "
            f"limit={limit}, offset={offset}.",
            hint="Page through results with limit=100 and increasing offsets.",
        )


class TenantScopedRepository(ABC, Generic[RowT, ValueT]):
    """Base of repositories over user-owned rows, bound to one tenant.

    Subclasses set ``row_type`` and ``entity`` (a noun for messages) and implement
    ``to_value``. ``select_rows()`` is the only query root; it carries the tenant and
    soft-delete filters, so subclass queries inherit them.
    """

    row_type: ClassVar[type[TenantOwnedRow]]
    """The mapped row class (a ``TenantOwnedRow`` subclass)."""
    entity: ClassVar[str] = "row"

    def __init__(self, session: Session, clock: Clock, tenant_id: str) -> None:
        self._session = session
        self._clock = clock
        self._tenant_id = check_tenant_id(tenant_id)

    @property
    def tenant_id(self) -> str:
        return self._tenant_id

    @abstractmethod
    def to_value(self, row: RowT) -> ValueT:
        """Map a row to its domain value."""

    def _rows(self) -> type[RowT]:
        return self.row_type  # type: ignore[return-value]  # ClassVar cannot be generic

    def select_rows(self) -> Select[RowT]:
        """``SELECT`` of this tenant's live (not soft-deleted) rows."""
        rows = self._rows()
        return select(rows).where(rows.tenant_id == self._tenant_id, rows.deleted_at.is_(None))

    def _find_row(self, row_id: str) -> RowT | None:
        rows = self._rows()
        return self._session.scalars(self.select_rows().where(rows.id == row_id)).one_or_none()

    def find(self, row_id: str) -> ValueT | None:
        """The value with ``row_id`` in this tenant, or ``None``."""
        row = self._find_row(row_id)
        return None if row is None else self.to_value(row)

    def get(self, row_id: str) -> ValueT:
        """The value with ``row_id`` in this tenant; ``NotFoundError`` otherwise."""
        row = self._find_row(row_id)
        if row is None:
            raise NotFoundError(
                f"No {self.entity} {row_id!r} in tenant {self._tenant_id!r}.",
                hint=f"Check the id, and that it belongs to tenant {self._tenant_id!r} and "
                "was not deleted.",
            )
        return self.to_value(row)

    def list(self, *, limit: int = 100, offset: int = 0) -> Sequence[ValueT]:
        """This tenant's live values, ordered by id."""
        _check_page(limit, offset)
        rows = self._rows()
        query = self.select_rows().order_by(rows.id).limit(limit).offset(offset)
        return [self.to_value(row) for row in self._session.scalars(query)]

    def add_row(self, row: RowT, *, actor: str) -> ValueT:
        """Insert ``row`` for this tenant, stamping the tenant and audit fields."""
        now = self._clock.now()
        row.tenant_id = self._tenant_id
        row.created_at = now
        row.updated_at = now
        row.created_by = actor
        row.deleted_at = None
        self._session.add(row)
        self._session.flush()
        return self.to_value(row)

    def touch(self, row: RowT) -> None:
        """Stamp ``updated_at`` on a row the subclass changed."""
        row.updated_at = self._clock.now()

    def soft_delete(self, row_id: str) -> None:
        """Mark the row deleted; it disappears from every query of this repository."""
        row = self._find_row(row_id)
        if row is None:
            raise NotFoundError(
                f"No {self.entity} {row_id!r} in tenant {self._tenant_id!r} to delete.",
                hint="It may already be deleted, or belong to another tenant.",
            )
        now = self._clock.now()
        row.deleted_at = now
        row.updated_at = now
        self._session.flush()


def _tenant(row: TenantRow) -> Tenant:
    return Tenant(
        id=row.id,
        name=row.name,
        created_at=row.created_at,
        updated_at=row.updated_at,
        created_by=row.created_by,
        deleted_at=row.deleted_at,
    )


class TenantRepository:
    """Tenants: the scope of every other repository."""

    def __init__(self, session: Session, clock: Clock) -> None:
        self._session = session
        self._clock = clock

    def find(self, tenant_id: str, *, include_deleted: bool = False) -> Tenant | None:
        row = self._session.get(TenantRow, tenant_id)
        if row is None or (row.deleted_at is not None and not include_deleted):
            return None
        return _tenant(row)

    def get(self, tenant_id: str) -> Tenant:
        tenant = self.find(tenant_id)
        if tenant is None:
            raise NotFoundError(
                f"No tenant {tenant_id!r}.",
                hint="List tenants to see the valid ids; 'default' always exists.",
            )
        return tenant

    def list(self, *, include_deleted: bool = False) -> list[Tenant]:
        query = select(TenantRow).order_by(TenantRow.id)
        if not include_deleted:
            query = query.where(TenantRow.deleted_at.is_(None))
        return [_tenant(row) for row in self._session.scalars(query)]

    def create(self, tenant_id: str, name: str, *, created_by: str) -> Tenant:
        check_tenant_id(tenant_id)
        if not name.strip() or len(name) > 200:
            raise ValidationError(
                f"Tenant name must be 1-200 characters, got {name!r}.",
                hint="Use a readable name such as 'Acme Trading'.",
            )
        if self._session.get(TenantRow, tenant_id) is not None:
            raise ValidationError(
                f"Tenant {tenant_id!r} already exists.",
                hint="Choose another id (deleted tenants keep their id).",
            )
        now = self._clock.now()
        row = TenantRow(
            id=tenant_id,
            name=name,
            created_at=now,
            updated_at=now,
            created_by=created_by,
            deleted_at=None,
        )
        self._session.add(row)
        self._session.flush()
        return _tenant(row)


__all__ = ["TenantRepository", "TenantScopedRepository"]
