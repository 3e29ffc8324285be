"""Runbook 004's daily sales-intelligence checks. They watch the whole system, so each is an explicit
all-tenants query grouped by tenant: callers see which tenant a figure comes from and add them up."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, case, func, select

from leadline.store.schema import (
    account_recommendations,
    call_records,
    dialpad_calls,
    etl_runs,
    gmail_messages,
    gmail_participants,
    hubspot_contacts,
    sf_accounts,
    sf_contacts,
)

# Source name -> the column whose latest value says how fresh the source is.
FRESHNESS_COLUMNS = {
    "gmail_messages": gmail_messages.c.sent_at,
    "dialpad_calls": dialpad_calls.c.call_time,
    "sf_contacts": sf_contacts.c.system_modstamp,
    "hubspot_contacts": hubspot_contacts.c.last_modified,
    "call_records": call_records.c.created_at,
}


def _count_if(condition):
    return func.sum(case((condition, 1), else_=0))


def etl_run_counts_all_tenants(engine: Engine, since: datetime) -> list[dict]:
    """Runs started since `since`, counted by tenant, source system and status."""
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(
            select(etl_runs.c.tenant_id, etl_runs.c.source_system, etl_runs.c.status, func.count().label("runs"))
            .where(etl_runs.c.started_at >= since)
            .group_by(etl_runs.c.tenant_id, etl_runs.c.source_system, etl_runs.c.status)).mappings()]


def latest_activity_all_tenants(engine: Engine) -> dict[str, dict[str, datetime]]:
    """Source name -> tenant id -> the newest row's time (tenants without rows are left out)."""
    latest: dict[str, dict[str, datetime]] = {}
    with engine.connect() as conn:
        for name, column in FRESHNESS_COLUMNS.items():
            tenant_id = column.table.c.tenant_id
            rows = conn.execute(select(tenant_id, func.max(column).label("latest")).group_by(tenant_id)).all()
            latest[name] = {row.tenant_id: row.latest for row in rows if row.latest is not None}
    return latest


def duplicate_message_ids_all_tenants(engine: Engine) -> dict[str, int]:
    """Tenant id -> how many of its gmail message ids are stored more than once (tenants without any left out)."""
    repeated = (select(gmail_messages.c.tenant_id, gmail_messages.c.message_id)
                .group_by(gmail_messages.c.tenant_id, gmail_messages.c.message_id)
                .having(func.count() > 1).subquery())
    with engine.connect() as conn:
        rows = conn.execute(select(repeated.c.tenant_id, func.count().label("ids"))
                            .group_by(repeated.c.tenant_id)).all()
    return {row.tenant_id: row.ids for row in rows}


def email_embedding_coverage_all_tenants(engine: Engine) -> dict[str, tuple[int, int]]:
    """Tenant id -> (messages with an embedding, messages without)."""
    with engine.connect() as conn:
        rows = conn.execute(select(
            gmail_messages.c.tenant_id,
            _count_if(gmail_messages.c.embedding.is_not(None)).label("embedded"),
            _count_if(gmail_messages.c.embedding.is_(None)).label("missing"),
        ).group_by(gmail_messages.c.tenant_id)).all()
    return {row.tenant_id: (int(row.embedded or 0), int(row.missing or 0)) for row in rows}


def email_match_counts_all_tenants(engine: Engine, since: datetime) -> dict[str, tuple[int, int]]:
    """Tenant id -> (participants matched to a Salesforce contact, participants) ingested since `since`."""
    with engine.connect() as conn:
        rows = conn.execute(select(
            gmail_participants.c.tenant_id,
            _count_if(gmail_participants.c.sf_contact_id.is_not(None)).label("matched"),
            func.count().label("participants"),
        ).where(gmail_participants.c.ingested_at >= since).group_by(gmail_participants.c.tenant_id)).all()
    return {row.tenant_id: (int(row.matched or 0), row.participants) for row in rows}


def accounts_scored_all_tenants(engine: Engine, score_date: str) -> dict[str, int]:
    """Tenant id -> accounts scored for `score_date` (tenants with none left out)."""
    rec = account_recommendations
    with engine.connect() as conn:
        rows = conn.execute(select(rec.c.tenant_id, func.count().label("accounts"))
                            .where(rec.c.score_date == score_date).group_by(rec.c.tenant_id)).all()
    return {row.tenant_id: row.accounts for row in rows}


def salesforce_accounts_all_tenants(engine: Engine) -> dict[str, int]:
    """Tenant id -> Salesforce accounts mirrored, the accounts daily scoring scores (tenants with none left out)."""
    with engine.connect() as conn:
        rows = conn.execute(select(sf_accounts.c.tenant_id, func.count().label("accounts"))
                            .group_by(sf_accounts.c.tenant_id)).all()
    return {row.tenant_id: row.accounts for row in rows}
