"""What every table of the schema shares: the metadata, the portable column types and the Spanner options."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    MetaData,
    TypeDecorator,
)
from sqlalchemy.dialects import registry

# What Table(..., spanner_interleave_in=...) is checked against: see leadline.store.spanner_options.
registry.register("spanner", "leadline.store.spanner_options", "SpannerTableOptions")

SYSTEM_TENANT = "_system"

metadata = MetaData()

TENANT_STATUSES = ("active", "paused", "inactive")
REQUEST_STATUSES = ("pending", "dispatched", "processing", "completed", "failed", "skipped")


class UtcDateTime(TypeDecorator):
    """A timezone-aware timestamp that reads back aware on every backend: SQLite keeps no offset and
    returns naive datetimes, which are UTC here (every write is datetime.now(UTC) or an aware value)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        # SQLite stores the wall time and drops the offset: 10:00-05:00 must go in as 15:00 UTC everywhere
        return value.astimezone(UTC) if value is not None and value.tzinfo is not None else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


class PortableJSON(TypeDecorator):
    """JSON that reads back as plain dicts and lists on every backend: sqlalchemy-spanner returns its JsonObject
    (a dict subclass, also for arrays, which then compare unequal to lists and iterate as empty dicts)."""

    impl = JSON
    cache_ok = True

    def process_result_value(self, value: Any, dialect) -> Any:
        serialize = getattr(value, "serialize", None)
        if callable(serialize) and isinstance(value, dict):  # a Spanner JsonObject
            text = serialize()
            return None if text is None else json.loads(text)
        return value


def timestamp(name: str, nullable: bool = False) -> Column:
    return Column(name, UtcDateTime(), nullable=nullable)


def interleaved_in_tenants() -> dict:
    return {"spanner_interleave_in": "tenants", "spanner_interleave_on_delete_cascade": True}
