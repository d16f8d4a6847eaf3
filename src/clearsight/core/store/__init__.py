"""The app store: SQLAlchemy models and Alembic migrations (SQLite by default, PostgreSQL by URL)."""

from clearsight.core.store.db import Store, open_store

__all__ = ["Store", "open_store"]
