"""Tenants and the tenant-scoped repository base, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import String, Table, text
from sqlalchemy.orm import Mapped, mapped_column

from tradegraph.core.clock import TestClock
from tradegraph.core.errors import NotFoundError, ValidationError
from tradegraph.model.tenant import Tenant
from tradegraph.persistence import Database, TenantRepository, TenantScopedRepository
from tradegraph.persistence.rows import Base, TenantOwnedRow


class NoteRow(TenantOwnedRow):
    """A user-owned table that exists only in these tests."""

    __tablename__ = "test_notes"

    body: Mapped[str] = mapped_column(String(200))


# Keep the test table out of the shared metadata, which must match the migrations; the
# table still resolves its foreign key to tenants through Base.metadata.
NOTES_TABLE = cast(Table, NoteRow.__table__)
Base.metadata.remove(NOTES_TABLE)


@dataclass(frozen=True)
class Note:
    id: str
    tenant_id: str
    body: str
    created_at: datetime
    created_by: str


class NoteRepository(TenantScopedRepository[NoteRow, Note]):
    row_type = NoteRow
    entity = "note"

    def to_value(self, row: NoteRow) -> Note:
        return Note(row.id, row.tenant_id, row.body, row.created_at, row.created_by)

    def add(self, note_id: str, body: str, *, actor: str) -> Note:
        return self.add_row(NoteRow(id=note_id, body=body), actor=actor)


@pytest.fixture
def notes_db(migrated: Database, clock: TestClock) -> Database:
    NOTES_TABLE.create(migrated.engine)
    with migrated.session() as session:
        tenants = TenantRepository(session, clock)
        tenants.create("acme", "Acme", created_by="admin")
        tenants.create("globex", "Globex", created_by="admin")
    return migrated


def test_default_tenant_exists(migrated: Database, clock: TestClock) -> None:
    with migrated.session(read_only=True) as session:
        tenant = TenantRepository(session, clock).get("default")
    assert isinstance(tenant, Tenant)
    assert tenant.id == "default" and tenant.name == "Default tenant"
    assert tenant.created_at.tzinfo is not None and not tenant.is_deleted


def test_create_get_list_tenants(migrated: Database, clock: TestClock) -> None:
    with migrated.session() as session:
        created = TenantRepository(session, clock).create("acme", "Acme Ltd", created_by="ops")
    assert created == Tenant(
        id="acme", name="Acme Ltd", created_at=clock.now(), updated_at=clock.now(),
        created_by="ops", deleted_at=None,
    )
    with migrated.session(read_only=True) as session:
        repo = TenantRepository(session, clock)
        assert repo.get("acme") == created
        assert [t.id for t in repo.list()] == ["acme", "default"]
        assert repo.find("nope") is None
        with pytest.raises(NotFoundError, match="No tenant 'nope'"):
            repo.get("nope")


def test_duplicate_and_invalid_tenant_ids_are_refused(migrated: Database, clock: TestClock) -> None:
    with migrated.session() as session:
        repo = TenantRepository(session, clock)
        with pytest.raises(ValidationError, match="already exists"):
            repo.create("default", "Again", created_by="ops")
        with pytest.raises(ValidationError, match="Invalid tenant id"):
            repo.create("Bad Id!", "Bad", created_by="ops")
        with pytest.raises(ValidationError, match="Tenant name"):
            repo.create("blank", "  ", created_by="ops")


def test_soft_deleted_tenants_are_hidden(migrated: Database, clock: TestClock) -> None:
    with migrated.session() as session:
        TenantRepository(session, clock).create("gone", "Gone", created_by="ops")
        session.execute(
            text("UPDATE tenants SET deleted_at = updated_at WHERE id = 'gone'")
        )
    with migrated.session(read_only=True) as session:
        repo = TenantRepository(session, clock)
        assert repo.find("gone") is None
        assert [t.id for t in repo.list()] == ["default"]
        hidden = repo.find("gone", include_deleted=True)
        assert hidden is not None and hidden.is_deleted
        assert [t.id for t in repo.list(include_deleted=True)] == ["default", "gone"]


def test_repository_only_sees_its_own_tenant(notes_db: Database, clock: TestClock) -> None:
    with notes_db.session() as session:
        acme = NoteRepository(session, clock, "acme")
        globex = NoteRepository(session, clock, "globex")
        acme.add("n1", "acme secret", actor="alice")
        acme.add("n2", "acme plan", actor="alice")
        globex.add("n3", "globex secret", actor="bob")
    with notes_db.session(read_only=True) as session:
        acme = NoteRepository(session, clock, "acme")
        globex = NoteRepository(session, clock, "globex")
        assert [n.id for n in acme.list()] == ["n1", "n2"]
        assert [n.id for n in globex.list()] == ["n3"]
        assert acme.find("n3") is None
        with pytest.raises(NotFoundError, match="No note 'n3' in tenant 'acme'"):
            acme.get("n3")
        assert globex.get("n3").body == "globex secret"
        assert NoteRepository(session, clock, "default").list() == []


def test_add_row_stamps_tenant_and_audit_fields(notes_db: Database, clock: TestClock) -> None:
    with notes_db.session() as session:
        note = NoteRepository(session, clock, "acme").add("n1", "hello", actor="alice")
    assert note == Note("n1", "acme", "hello", clock.now(), "alice")
    with notes_db.engine.connect() as conn:
        row = conn.execute(
            text("SELECT tenant_id, created_by, deleted_at FROM test_notes WHERE id = 'n1'")
        ).one()
    assert tuple(row) == ("acme", "alice", None)


def test_soft_delete_hides_rows_only_in_that_tenant(notes_db: Database, clock: TestClock) -> None:
    with notes_db.session() as session:
        NoteRepository(session, clock, "acme").add("n1", "a", actor="alice")
        NoteRepository(session, clock, "acme").add("n2", "b", actor="alice")
    clock.advance(timedelta(minutes=5))
    with notes_db.session() as session:
        globex = NoteRepository(session, clock, "globex")
        with pytest.raises(NotFoundError, match="to delete"):
            globex.soft_delete("n1")
        NoteRepository(session, clock, "acme").soft_delete("n1")
    with notes_db.session(read_only=True) as session:
        acme = NoteRepository(session, clock, "acme")
        assert [n.id for n in acme.list()] == ["n2"]
        assert acme.find("n1") is None
    with notes_db.engine.connect() as conn:
        deleted_at = conn.execute(
            text("SELECT deleted_at FROM test_notes WHERE id = 'n1'")
        ).scalar_one()
    assert deleted_at is not None  # the row is kept, only marked


def test_paging_and_invalid_pages(notes_db: Database, clock: TestClock) -> None:
    with notes_db.session() as session:
        repo = NoteRepository(session, clock, "acme")
        for i in range(5):
            repo.add(f"n{i}", str(i), actor="alice")
        assert [n.id for n in repo.list(limit=2, offset=1)] == ["n1", "n2"]
        with pytest.raises(ValidationError, match="Page limit"):
            repo.list(limit=0)


def test_scoped_repository_refuses_bad_tenant_id(notes_db: Database, clock: TestClock) -> None:
    with notes_db.session() as session, pytest.raises(ValidationError, match="Invalid tenant"):
        NoteRepository(session, clock, "")


_assignments = st.lists(
    st.tuples(st.sampled_from(["acme", "globex", "default"]), st.booleans()),
    min_size=0,
    max_size=12,
)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(assignments=_assignments)
def test_each_tenant_lists_exactly_its_live_rows(
    notes_db: Database, clock: TestClock, assignments: list[tuple[str, bool]]
) -> None:
    with notes_db.session() as session:
        session.execute(text("DELETE FROM test_notes"))
    with notes_db.session() as session:
        for i, (tenant, _deleted) in enumerate(assignments):
            NoteRepository(session, clock, tenant).add(f"n{i:03d}", "x", actor="prop")
        for i, (tenant, deleted) in enumerate(assignments):
            if deleted:
                NoteRepository(session, clock, tenant).soft_delete(f"n{i:03d}")
    with notes_db.session(read_only=True) as session:
        for tenant in ("acme", "globex", "default"):
            expected = [
                f"n{i:03d}" for i, (owner, deleted) in enumerate(assignments)
                if owner == tenant and not deleted
            ]
            assert [n.id for n in NoteRepository(session, clock, tenant).list()] == expected

