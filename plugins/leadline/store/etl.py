"""etl_runs bookkeeping: one row per (tenant, source, Airflow run); a rerun replaces its row."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, delete, insert, update

from leadline.store.schema import etl_runs


@dataclass
class EtlRun:
    rows_processed: int = 0


@contextmanager
def etl_run(engine: Engine, tenant_id: str, source_system: str, run_id: str) -> Iterator[EtlRun]:
    key = f"{source_system}:{run_id}"
    where = (etl_runs.c.tenant_id == tenant_id, etl_runs.c.run_id == key)
    with engine.begin() as conn:
        conn.execute(delete(etl_runs).where(*where))
        conn.execute(insert(etl_runs).values(tenant_id=tenant_id, run_id=key, source_system=source_system,
                                             status="running", started_at=datetime.now(UTC)))
    record = EtlRun()
    try:
        yield record
    except Exception as exc:
        with engine.begin() as conn:
            conn.execute(update(etl_runs).where(*where).values(
                status="failed", completed_at=datetime.now(UTC), rows_processed=record.rows_processed,
                error_message=f"{type(exc).__name__}: {exc}"[:2000]))
        raise
    with engine.begin() as conn:
        conn.execute(update(etl_runs).where(*where).values(
            status="success", completed_at=datetime.now(UTC), rows_processed=record.rows_processed))
