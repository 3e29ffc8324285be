"""Engine factory: the same schema and queries on SQLite, PostgreSQL and Cloud Spanner."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, IntegrityError

from leadline.store.connection_uri import credential_settings, google_credentials
from leadline.store.tenant_scope import enforce_tenant_scope

if TYPE_CHECKING:
    from google.auth.credentials import Credentials

T = TypeVar("T")

SQLITE_BUSY_TIMEOUT_MS = 10_000


def _sqlite_date_part(field: str, value: str | None) -> float | None:
    """PostgreSQL's date_part('epoch', timestamp) for SQLite, which stores timestamps as UTC text: the named
    queries that measure durations (include/sql) then run unchanged on both."""
    if field != "epoch":
        raise ValueError(f"date_part({field!r}, ...): only 'epoch' is provided on SQLite")
    if value is None:
        return None
    moment = datetime.fromisoformat(value)
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def _configure_sqlite(dbapi_conn, _record, busy_timeout_ms: int) -> None:
    dbapi_conn.create_function("date_part", 2, _sqlite_date_part, deterministic=True)
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def create_store_engine(url: str, sqlite_busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS,
                        credentials: Credentials | None = None) -> Engine:
    """`sqlite_busy_timeout_ms`: how long a SQLite write waits for another writer's lock before failing.
    `credentials`: Spanner's Google credentials, when the caller resolved them (Airflow's Google provider, in
    tasks); else those the URL names (connection_uri), else the Spanner client's default."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": sqlite_busy_timeout_ms / 1000})
        event.listen(engine, "connect", partial(_configure_sqlite, busy_timeout_ms=sqlite_busy_timeout_ms))
        return engine
    if parsed.get_backend_name() == "postgresql":
        # Sessions in UTC, whatever the server's default: DATE() of a timestamp is then its UTC day, as on the
        # other backends.
        engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10,
                               connect_args={"options": "-c timezone=UTC"})
        enforce_tenant_scope(engine)
        return engine
    if parsed.get_backend_name() == "spanner":
        return _create_spanner_engine(parsed, credentials)
    return create_engine(url, pool_pre_ping=True)


def _create_spanner_engine(url: URL, credentials: Credentials | None) -> Engine:
    if credentials is None:
        credentials = google_credentials(credential_settings(url))
    # The Spanner DB API builds each connection's client with these; left out, the client finds its own.
    connect_args = {} if credentials is None else {"credentials": credentials}
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args)


def ping(engine: Engine) -> None:
    """A round trip to the store; raises when it cannot be reached."""
    with engine.connect() as conn:
        conn.execute(text("SELECT 1")).scalar_one()


def is_aborted(exc: BaseException) -> bool:
    """Whether `exc` is a transaction Spanner aborted (a conflict with a concurrent transaction, retryable as a
    whole), directly or after the Spanner DB API's own replay found the data changed. False on other backends."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if type(exc).__name__ in ("Aborted", "RetryAborted"):
            return True
        exc = getattr(exc, "orig", None) or exc.__cause__ or exc.__context__
    return False


def run_transaction(engine: Engine, work: Callable[[Connection], T], attempts: int = 20) -> T:
    """`work(conn)` in one transaction, committed. When Spanner aborts the transaction (it aborts on conflict
    instead of waiting), the whole of it runs again, with a growing, jittered pause; SQLite and PostgreSQL never
    take the retry path (their conflicts raise what they raise)."""
    for attempt in range(attempts):
        try:
            with engine.begin() as conn:
                return work(conn)
        except DBAPIError as exc:
            if attempt + 1 == attempts or not is_aborted(exc):
                raise
        time.sleep(min(1.0, 0.01 * 2 ** attempt) * (0.5 + random.random()))
    raise AssertionError("unreachable")


def is_duplicate_key(exc: BaseException) -> bool:
    """Whether a write failed because the row (or a unique index entry) already exists: IntegrityError on every
    backend, and on Spanner also the batch DML's refusal, which the Spanner DB API raises as an OperationalError
    carrying only the ALREADY_EXISTS status message."""
    if isinstance(exc, IntegrityError):
        return True
    message = str(getattr(exc, "orig", None) or exc)
    return type(getattr(exc, "orig", None)).__module__.startswith("google.cloud.spanner") and (
        "previously existing row" in message or "already exists" in message.lower())
