"""Named SQL files from include/sql (the runbooks' ops queries), loaded as SQLAlchemy text()."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from sqlalchemy import TextClause, text

SQL_DIR = Path(os.environ.get("LEADLINE_SQL_DIR", Path(__file__).resolve().parents[3] / "include" / "sql"))


@cache
def named_query(name: str) -> TextClause:
    return text((SQL_DIR / f"{name}.sql").read_text())
