"""What the dashboard reads: every function takes one tenant and reads only its rows, except
`visible_tenant_ids`, which answers which tenants a dashboard user may see."""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Date, Engine, Float, and_, func, select
from sqlalchemy.engine import Row, RowMapping
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from leadline.store.members import tenants_of
from leadline.store.named_sql import run_named_query
from leadline.store.schema import (
    UtcDateTime,
    alerts,
    call_records,
    crm_sync_log,
    etl_runs,
    processing_requests,
    tenants,
)

pr, cr = processing_requests, call_records


class utc_date(FunctionElement):  # noqa: N801 - reads as the SQL function it renders
    """The UTC calendar day of a timestamp: date(ts) on SQLite and PostgreSQL; on Spanner DATE(ts, 'UTC'), as
    Spanner's DATE(ts) takes the day in America/Los_Angeles."""

    type = Date()
    name = "date"
    inherit_cache = True


@compiles(utc_date)
def _utc_date(element, compiler, **kw) -> str:
    return f"date({compiler.process(element.clauses, **kw)})"


@compiles(utc_date, "spanner+spanner")
def _utc_date_spanner(element, compiler, **kw) -> str:
    return f"DATE({compiler.process(element.clauses, **kw)}, 'UTC')"


class CallHistory(NamedTuple):
    call: RowMapping
    request: RowMapping | None
    crm_syncs: list[RowMapping]  # oldest first
    alerts: list[Row]  # the call's high-value-lead alerts


def visible_tenant_ids(engine: Engine, username: str, *, sees_all: bool) -> tuple[str, ...]:
    """Every tenant for a user who sees all, else the tenants granted to `username`."""
    with engine.connect() as conn:
        if sees_all:
            return tuple(conn.execute(select(tenants.c.tenant_id).order_by(tenants.c.tenant_id)).scalars())
        return tuple(tenants_of(conn, username))


def calls_since(engine: Engine, tenant_id: str, since: datetime) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(cr).where(
            cr.c.tenant_id == tenant_id, cr.c.created_at >= since)).scalar_one()


def requests_by_day_and_status(engine: Engine, tenant_id: str, since: datetime) -> list[Row]:
    """(day, status, n) of the tenant's requests created since `since`."""
    day = utc_date(pr.c.created_at)
    with engine.connect() as conn:
        return list(conn.execute(select(day.label("day"), pr.c.status, func.count().label("n")).where(
            pr.c.tenant_id == tenant_id, pr.c.created_at >= since).group_by(day, pr.c.status)).all())


def lead_scores_by_day(engine: Engine, tenant_id: str, since: datetime) -> list[Row]:
    """(day, avg_score, scored) of the tenant's calls created since `since`."""
    day = utc_date(cr.c.created_at)
    with engine.connect() as conn:
        return list(conn.execute(select(day.label("day"), func.avg(cr.c.lead_score).label("avg_score"),
                                        func.count(cr.c.lead_score).label("scored")).where(
            cr.c.tenant_id == tenant_id, cr.c.created_at >= since).group_by(day)).all())


def call_page(engine: Engine, tenant_id: str, *, status: str | None = None, call_class: str | None = None,
              min_score: int | None = None, max_score: int | None = None, created_from: datetime | None = None,
              created_until: datetime | None = None, limit: int, offset: int = 0) -> tuple[int, list[Row]]:
    """The tenant's calls with their request's status, filtered, newest first: (how many match, one page)."""
    conditions = [cr.c.tenant_id == tenant_id]
    if status:
        conditions.append(pr.c.status == status)
    if call_class:
        conditions.append(cr.c.call_class == call_class)
    if min_score is not None:
        conditions.append(cr.c.lead_score >= min_score)
    if max_score is not None:
        conditions.append(cr.c.lead_score <= max_score)
    if created_from is not None:
        conditions.append(cr.c.created_at >= created_from)
    if created_until is not None:
        conditions.append(cr.c.created_at < created_until)
    joined = cr.join(pr, and_(pr.c.tenant_id == cr.c.tenant_id, pr.c.call_id == cr.c.call_id))
    query = (select(cr.c.call_id, cr.c.created_at, cr.c.caller_phone, cr.c.duration_s, cr.c.lead_score,
                    cr.c.lead_status, cr.c.call_class, cr.c.call_class_reason, pr.c.status, pr.c.error)
             .select_from(joined).where(*conditions)
             .order_by(cr.c.created_at.desc(), cr.c.call_id).limit(limit).offset(offset))
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(joined).where(*conditions)).scalar_one()
        rows = list(conn.execute(query).all())
    return total, rows


def call_history(engine: Engine, tenant_id: str, call_id: str) -> CallHistory | None:
    """One call of the tenant with its request, CRM syncs and alerts; None when the tenant has no such call."""
    with engine.connect() as conn:
        call = conn.execute(select(cr).where(cr.c.tenant_id == tenant_id, cr.c.call_id == call_id)).mappings().first()
        if call is None:
            return None
        request = conn.execute(select(pr).where(
            pr.c.tenant_id == tenant_id, pr.c.call_id == call_id)).mappings().first()
        syncs = conn.execute(select(crm_sync_log).where(
            crm_sync_log.c.tenant_id == tenant_id, crm_sync_log.c.call_id == call_id)
            .order_by(crm_sync_log.c.created_at)).mappings().all()
        call_alerts = conn.execute(select(alerts.c.kind, alerts.c.severity, alerts.c.status, alerts.c.created_at)
                                   .where(alerts.c.tenant_id == tenant_id,
                                          alerts.c.dedupe_key == f"high_value_lead:{call_id}")).all()
    return CallHistory(call, request, list(syncs), list(call_alerts))


def recommended_accounts(engine: Engine, tenant_id: str, score_date: str) -> list[dict[str, Any]]:
    """The runbook's top accounts by score (include/sql/top_accounts_by_score.sql): the day's twenty accounts of
    highest priority, with their names."""
    with engine.connect() as conn:
        return [dict(r) for r in run_named_query(conn, "top_accounts_by_score",
                                                 {"tenant_id": tenant_id, "score_date": score_date})]


def unmatched_emails(engine: Engine, tenant_id: str) -> list[dict[str, Any]]:
    """The runbook's unmatched emails (include/sql/unmatched_emails.sql): the tenant's fifty addresses that entity
    resolution tied to no CRM contact, with how many messages or calls carry each and the latest; most first."""
    with engine.connect() as conn:
        return [dict(r) for r in run_named_query(conn, "unmatched_emails", {"tenant_id": tenant_id},
                                                 latest_message=UtcDateTime())]


def etl_performance(engine: Engine, tenant_id: str, since: datetime) -> list[dict[str, Any]]:
    """The runbook's ETL performance (include/sql/etl_performance.sql): successful runs started since `since`, per
    source and UTC day (newest first), with their average and longest duration in seconds and average rows."""
    with engine.connect() as conn:
        return [dict(r) for r in run_named_query(
            conn, "etl_performance", {"tenant_id": tenant_id, "since": since},
            run_date=Date(), avg_seconds=Float(), max_seconds=Float(), avg_rows=Float())]


def embedding_status(engine: Engine, tenant_id: str) -> dict[str, int]:
    """The runbook's embedding status (include/sql/embedding_status.sql): the tenant's emails, with and without an
    embedding."""
    with engine.connect() as conn:
        return dict(run_named_query(conn, "embedding_status", {"tenant_id": tenant_id})[0])


def recent_etl_runs(engine: Engine, tenant_id: str, limit: int) -> list[RowMapping]:
    with engine.connect() as conn:
        return list(conn.execute(select(etl_runs.c.run_id, etl_runs.c.source_system, etl_runs.c.status,
                                        etl_runs.c.started_at, etl_runs.c.completed_at, etl_runs.c.rows_processed,
                                        etl_runs.c.error_message)
                                 .where(etl_runs.c.tenant_id == tenant_id)
                                 .order_by(etl_runs.c.started_at.desc()).limit(limit)).mappings().all())


def last_etl_success_by_source(engine: Engine, tenant_id: str) -> dict[str, datetime]:
    """Source system -> when its last successful run of the tenant completed."""
    with engine.connect() as conn:
        rows = conn.execute(select(etl_runs.c.source_system, func.max(etl_runs.c.completed_at).label("last"))
                            .where(etl_runs.c.tenant_id == tenant_id, etl_runs.c.status == "success")
                            .group_by(etl_runs.c.source_system)).all()
    return {row.source_system: row.last for row in rows if row.last}
