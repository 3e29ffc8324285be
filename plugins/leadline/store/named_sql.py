"""Named SQL files from include/sql (the runbooks' ops queries), loaded as SQLAlchemy text(). A query whose
GoogleSQL differs from the portable form (timestamp differences, days in UTC) has its Spanner variant under
include/sql/spanner/ with the same name."""

from __future__ import annotations

import os
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, TextClause, bindparam, text
from sqlalchemy.engine import RowMapping
from sqlalchemy.types import TypeEngine

from leadline.store.schema import UtcDateTime

SQL_DIR = Path(os.environ.get("LEADLINE_SQL_DIR", Path(__file__).resolve().parents[3] / "include" / "sql"))
SPANNER_DIR = SQL_DIR / "spanner"


@cache
def named_query(name: str, *, spanner: bool = False) -> TextClause:
    """include/sql/<name>.sql; with `spanner`, its Spanner variant when there is one."""
    variant = SPANNER_DIR / f"{name}.sql"
    return text((variant if spanner and variant.exists() else SQL_DIR / f"{name}.sql").read_text())


def run_named_query(conn: Connection, name: str, params: dict[str, Any] | None = None,
                    **column_types: TypeEngine) -> list[RowMapping]:
    """The rows of a named query on this connection's backend. Datetime parameters are bound as the store's
    timestamps (SQLite compares them in the text form it stores); `column_types` types result columns, as SQLite
    returns timestamps and days of a textual query as text."""
    params = params or {}
    query = named_query(name, spanner=conn.dialect.name.startswith("spanner"))
    timestamps = [bindparam(key, type_=UtcDateTime()) for key, value in params.items() if isinstance(value, datetime)]
    if timestamps:
        query = query.bindparams(*timestamps)
    if column_types:
        query = query.columns(**column_types)
    return list(conn.execute(query, params).mappings().all())
