"""Opening the app store: one engine per URL, migrated to the latest revision on first use.

``clearsight`` ships its Alembic migrations inside the package, so a fresh workspace (SQLite) or an
empty PostgreSQL database is brought up to date by the first command that opens the store.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from clearsight.core.errors import UserError
from clearsight.core.settings import Settings

MIGRATIONS = Path(__file__).parent / "migrations"
HEAD = "0006"


def _alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


class Store:
    """The app store: an engine, a session factory and the migration state."""

    def __init__(self, url: str) -> None:
        self.url = url
        sqlite = url.startswith("sqlite")
        connect_args = {"check_same_thread": False, "timeout": 30} if sqlite else {}
        # A server database may drop idle connections: test each one as it leaves the pool. A SQLite
        # file cannot, and the test would cost a query on every API call.
        self.engine: Engine = create_engine(url, connect_args=connect_args, pool_pre_ping=not sqlite)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        #: serialises audit-chain appends within this process (the database lock covers the rest)
        self.audit_lock = threading.Lock()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def migrate(self) -> None:
        """Upgrade the store to the latest revision (idempotent)."""
        cfg = _alembic_config()
        with self.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

    def revision(self) -> str | None:
        with self.engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self.sessions() as session, session.begin():
            yield session

    def close(self) -> None:
        self.engine.dispose()


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def open_store(settings: Settings | None = None, url: str | None = None) -> Store:
    """The app store at ``url`` (default: the settings' ``app_db_url``), migrated to the latest revision."""
    if url is None:
        settings = settings or Settings()
        if not settings.app_db:
            settings.home.mkdir(parents=True, exist_ok=True)
        url = settings.app_db_url
    try:
        store = Store(url)
        if store.revision() != HEAD:
            store.migrate()
    except SQLAlchemyError as exc:
        # The driver's message without the URL (which may carry a password).
        raise UserError(f"cannot open the app store: {type(exc.orig or exc).__name__}: {_first_line(exc)}") from None
    return store


def _first_line(exc: SQLAlchemyError) -> str:
    text = str(exc.orig) if getattr(exc, "orig", None) is not None else str(exc)
    return text.strip().splitlines()[0] if text.strip() else "unknown error"
