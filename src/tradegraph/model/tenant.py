"""Tenant: the owner of user data. Every user-owned row belongs to exactly one tenant."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from tradegraph.core.errors import ValidationError

DEFAULT_TENANT_ID = "default"
"""The tenant created by the initial migration; single-user installs use only this one."""

_TENANT_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def check_tenant_id(value: str) -> str:
    """Return ``value`` if it is a valid tenant id, else raise ``ValidationError``."""
    if not _TENANT_ID.fullmatch(value):
        raise ValidationError(
            f"Invalid tenant id {value!r}: expected 1-64 characters of lowercase letters, "
            "digits, '_' or '-', starting with a letter or digit.",
            hint="Use a slug such as 'acme' or 'team-1'.",
        )
    return value


@dataclass(frozen=True, slots=True)
class Tenant:
    """A tenant as the rest of the system sees it (never an ORM row)."""

    id: str
    name: str
    created_at: datetime
    updated_at: datetime
    created_by: str
    deleted_at: datetime | None = None

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


__all__ = ["DEFAULT_TENANT_ID", "Tenant", "check_tenant_id"]
