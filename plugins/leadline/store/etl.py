"""The sales-intelligence mirrors: etl_runs bookkeeping (one row per tenant, source and Airflow run; a rerun
replaces its row), the mirrored source rows written by natural id, and which CRM connection feeds them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, Table, delete, insert, select, update

from leadline.store.schema import (
    crm_integrations,
    dialpad_calls,
    etl_runs,
    gmail_messages,
    gmail_participants,
    hubspot_companies,
    hubspot_contacts,
    sf_accounts,
    sf_contacts,
    sf_opportunities,
)

# Mirror table name -> (table, the source system's natural id). Gmail messages go with their participants:
# replace_gmail_messages.
MIRRORS: dict[str, tuple[Table, str]] = {
    "sf_accounts": (sf_accounts, "account_id"),
    "sf_contacts": (sf_contacts, "contact_id"),
    "sf_opportunities": (sf_opportunities, "opportunity_id"),
    "hubspot_contacts": (hubspot_contacts, "contact_id"),
    "hubspot_companies": (hubspot_companies, "company_id"),
    "dialpad_calls": (dialpad_calls, "call_id"),
}
# Bounded IN lists: some backends cap the number of bound parameters per statement.
ID_BATCH = 500


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


def _delete_ids_of(conn, tenant_id: str, table: Table, key: str, rows: list[dict]) -> None:
    ids = [r[key] for r in rows]
    for first in range(0, len(ids), ID_BATCH):
        conn.execute(delete(table).where(table.c.tenant_id == tenant_id, table.c[key].in_(ids[first:first + ID_BATCH])))


def replace_rows(engine: Engine, tenant_id: str, mirror: str, rows: list[dict]) -> None:
    """Upsert a tenant's rows of one mirror table by natural id: delete the ids present and insert them again,
    in one transaction (portable across PostgreSQL, SQLite and Spanner, unlike ON CONFLICT)."""
    if not rows:
        return
    table, key = MIRRORS[mirror]
    with engine.begin() as conn:
        _delete_ids_of(conn, tenant_id, table, key, rows)
        conn.execute(insert(table), [{"tenant_id": tenant_id, **r} for r in rows])


def replace_gmail_messages(engine: Engine, tenant_id: str, messages: list[dict], participants: list[dict]) -> None:
    """A tenant's messages by message id, their participants replaced with them, in one transaction."""
    if not messages:
        return
    with engine.begin() as conn:
        _delete_ids_of(conn, tenant_id, gmail_messages, "message_id", messages)
        conn.execute(insert(gmail_messages), [{"tenant_id": tenant_id, **m} for m in messages])
        _delete_ids_of(conn, tenant_id, gmail_participants, "message_id", messages)
        if participants:
            conn.execute(insert(gmail_participants), [{"tenant_id": tenant_id, **p} for p in participants])


def active_crm_connections_all_tenants(engine: Engine, crm_type: str) -> dict[str, str]:
    """Tenant id -> connection id of every tenant's active integration with this CRM (one per tenant)."""
    with engine.connect() as conn:
        rows = conn.execute(select(crm_integrations.c.tenant_id, crm_integrations.c.connection_id).where(
            crm_integrations.c.crm_type == crm_type, crm_integrations.c.status == "active")
            .order_by(crm_integrations.c.tenant_id)).all()
    return {row.tenant_id: row.connection_id for row in rows}
