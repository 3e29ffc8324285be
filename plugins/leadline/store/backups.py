"""The database side of the store's backups and their verification: the runbook's row counts on the live store
and on a restored copy, SQLite's online copy with its integrity check, and the scratch databases a PostgreSQL
restore goes into on the store's server. The backup mechanics (files, pg_dump and pg_restore, Spanner's admin
API) are the hooks' (leadline.hooks.database_dump, leadline.hooks.spanner_backups)."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import URL, Engine, make_url

from leadline.store.engine import create_store_engine
from leadline.store.named_sql import named_query


def copy_sqlite(source: str | Path, destination: str | Path, *, read_only: bool = False,
                check: bool = False) -> str | None:
    """Copies a SQLite database through its online backup API (writers keep going meanwhile); `read_only` opens
    the source so (a backup file being restored). With `check`, returns the copy's PRAGMA integrity_check verdict
    ("ok" when sound). sqlite3.DatabaseError when the source is not a database."""
    opened = sqlite3.connect(f"file:{source}?mode=ro", uri=True) if read_only else sqlite3.connect(source)
    with closing(opened) as origin, closing(sqlite3.connect(destination)) as copy:
        origin.backup(copy)
        return copy.execute("PRAGMA integrity_check").fetchone()[0] if check else None


def _admin_engine(url: URL) -> Engine:
    return create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")


def create_database(url: URL, database: str) -> None:
    """Creates `database` afresh on the server of `url` (PostgreSQL), dropping one left by an earlier attempt."""
    admin = _admin_engine(url)
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            conn.exec_driver_sql(f'CREATE DATABASE "{database}"')
    finally:
        admin.dispose()


def drop_database(url: URL, database: str) -> None:
    """Drops `database` on the server of `url` (PostgreSQL), if it is there; its sessions are ended."""
    admin = _admin_engine(url)
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    finally:
        admin.dispose()


def runbook_counts(engine: Engine) -> dict[str, int]:
    """The runbook's row counts per table (include/sql/backup_counts.sql)."""
    with engine.connect() as conn:
        return dict(conn.execute(named_query("backup_counts")).all())


def restored_counts(live: Engine, restored_url: str, credentials=None) -> dict[str, int]:
    """The counts on a restored copy; its URL carries no password, the copy lives on the live store's server.
    `credentials`: a Spanner copy's Google credentials, the store's (None: those its URL names, or the default)."""
    restored = make_url(restored_url)
    if restored.get_backend_name() == "postgresql":
        restored = restored.set(password=live.url.password)
    engine = create_store_engine(restored.render_as_string(hide_password=False), credentials=credentials)
    try:
        return runbook_counts(engine)
    finally:
        engine.dispose()
