"""The time a run works on, read from its Airflow context (no I/O, no heavy imports)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def interval_end(context) -> datetime:
    """The run's reference time: the data interval end for scheduled runs and backfills, else now."""
    end = context.get("data_interval_end") or context.get("logical_date")
    return end if end is not None else datetime.now(UTC)


def data_interval(context) -> tuple[datetime, datetime]:
    """[start, end) of the run's data interval; a run without a start covers the day before its end."""
    end = interval_end(context)
    start = context.get("data_interval_start") or end - timedelta(days=1)
    return start, end
