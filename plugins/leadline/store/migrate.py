"""`leadline db upgrade`: Alembic migrations, the only way the schema changes, on SQLite, PostgreSQL and
Cloud Spanner alike."""

from __future__ import annotations

import re
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.ddl.impl import DefaultImpl
from sqlalchemy import Connection, Engine
from sqlalchemy.schema import ExecutableDDLElement

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_DDL = re.compile(r"^\s*(CREATE|DROP|ALTER)\b", re.IGNORECASE)


def is_spanner(bind: Engine | Connection) -> bool:
    return bind.dialect.name.startswith("spanner")


class SpannerImpl(DefaultImpl):
    """Alembic on sqlalchemy-spanner, which ships no Alembic implementation. Spanner DDL is not transactional
    and every schema change is a long-running operation, so a migration's DDL is queued and applied as one
    batch (one UpdateDatabaseDdl) before the next other statement, which is at the latest the version table's
    update at the end of the migration. The connection runs in autocommit: Spanner refuses a schema change
    while a read-write transaction is open."""

    __dialect__ = "spanner+spanner"
    transactional_ddl = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._pending_ddl: list[str] = []

    def _exec(self, construct, execution_options=None, multiparams=None, params=None, **kw):
        if not self.as_sql and _is_ddl(construct):
            sql = construct if isinstance(construct, str) else str(construct.compile(dialect=self.dialect))
            self._pending_ddl.extend(_split(sql))
            return None
        self.flush_ddl()
        if params is None:
            return super()._exec(construct, execution_options, multiparams, **kw)
        return super()._exec(construct, execution_options, multiparams, params, **kw)

    def flush_ddl(self) -> None:
        if not self._pending_ddl:
            return
        statements, self._pending_ddl = self._pending_ddl, []
        dbapi_connection = self.connection.connection.dbapi_connection
        dbapi_connection.database.update_ddl(statements).result(timeout=3600)


def _is_ddl(construct) -> bool:
    if isinstance(construct, ExecutableDDLElement):
        return True
    sql = construct if isinstance(construct, str) else getattr(construct, "text", None)
    return isinstance(sql, str) and bool(_DDL.match(sql))


def _split(sql: str) -> list[str]:
    import sqlparse

    return [s.strip().rstrip(";").strip() for s in sqlparse.split(sql) if s.strip().rstrip(";").strip()]


def view_ddl(bind: Engine | Connection, create_view: str) -> str:
    """A migration's `CREATE VIEW name AS ...` as the backend takes it: Spanner requires the view's security
    mode (INVOKER: the reader's rights on the underlying tables)."""
    if not is_spanner(bind):
        return create_view
    return re.sub(r"^(\s*CREATE VIEW \w+) AS\b", r"\1 SQL SECURITY INVOKER AS", create_view, count=1,
                  flags=re.IGNORECASE)


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    config = alembic_config(engine)
    if is_spanner(engine):
        from leadline.store.spanner_ddl import ensure_database

        ensure_database(engine.url)
        # Autocommit: each migration's DDL batch, then its version row (see SpannerImpl).
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
        return
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
