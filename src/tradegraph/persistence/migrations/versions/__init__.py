"""Alembic revision scripts, applied in order (Alembic ignores this file)."""
