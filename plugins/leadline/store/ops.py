"""Operational queries: SLO activity and metrics, health snapshots and the probes' outcomes, the stuck-request
reaper, bulk retries, reprocessing, data completeness, retention purges, the daily summary and the weekly
figures. Cut-offs are computed in Python (portable SQL)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, and_, case, func, insert, select, update

from leadline.domain.crm import CRM_TYPES
from leadline.domain.slo import SloActivity, SloMetrics, combine, slo_metrics_of
from leadline.store.named_sql import named_query
from leadline.store.processing import TERMINAL
from leadline.store.schema import (
    SYSTEM_TENANT,
    call_records,
    crm_sync_log,
    health_snapshots,
    processing_requests,
)

pr = processing_requests


def slo_activity_all_tenants(engine: Engine, now: datetime, window: timedelta = timedelta(hours=1)
                             ) -> dict[str, SloActivity]:
    """Per tenant with any activity: its pending requests, the requests it finished in the window and its CRM
    sync attempts in the window (three grouped queries, whatever the number of tenants)."""
    return _slo_activity(engine, now, now - window, tenant_id=None)


def slo_metrics(engine: Engine, now: datetime, window: timedelta = timedelta(hours=1),
                intake_p95_s: float | None = None, tenant_id: str | None = None) -> SloMetrics:
    """System-wide (every tenant's activity together), or for one tenant."""
    activity = _slo_activity(engine, now, now - window, tenant_id)
    return slo_metrics_of(combine(activity.values()), CRM_TYPES, intake_p95_s)


def _slo_activity(engine: Engine, now: datetime, since: datetime, tenant_id: str | None
                  ) -> dict[str, SloActivity]:
    log = crm_sync_log
    own = [] if tenant_id is None else [pr.c.tenant_id == tenant_id]
    own_syncs = [] if tenant_id is None else [log.c.tenant_id == tenant_id]
    with engine.connect() as conn:
        pending = conn.execute(
            select(pr.c.tenant_id, func.count().label("n"), func.min(pr.c.created_at).label("oldest"))
            .where(pr.c.status == "pending", *own).group_by(pr.c.tenant_id)).all()
        finished = conn.execute(select(pr.c.tenant_id, pr.c.status, pr.c.processing_time_ms).where(
            pr.c.status.in_(TERMINAL), pr.c.updated_at >= since, *own)).all()
        syncs = conn.execute(
            select(log.c.tenant_id, log.c.crm_type, func.count().label("attempted"),
                   func.sum(case((log.c.status == "synced", 1), else_=0)).label("synced"))
            .where(log.c.updated_at >= since, *own_syncs).group_by(log.c.tenant_id, log.c.crm_type)).all()
    pending_of = {row.tenant_id: row for row in pending}
    finished_of: dict[str, list] = {}
    for row in finished:
        finished_of.setdefault(row.tenant_id, []).append(row)
    attempts_of: dict[str, dict[str, tuple[int, int]]] = {}
    for row in syncs:
        attempts_of.setdefault(row.tenant_id, {})[row.crm_type] = (row.attempted, int(row.synced or 0))

    def activity(tenant: str) -> SloActivity:
        waiting, done = pending_of.get(tenant), finished_of.get(tenant, [])
        return SloActivity(
            pending=waiting.n if waiting else 0,
            oldest_pending_age_s=round((now - waiting.oldest).total_seconds(), 1) if waiting else None,
            processing_times_s=tuple(r.processing_time_ms / 1000 for r in done
                                     if r.status == "completed" and r.processing_time_ms),
            finished=len(done), failed=sum(r.status == "failed" for r in done),
            crm_attempts=attempts_of.get(tenant, {}))

    return {tenant: activity(tenant) for tenant in sorted({*pending_of, *finished_of, *attempts_of})}


def save_snapshot(engine: Engine, taken_at: datetime, status: str, services: dict, metrics: dict) -> str:
    snapshot_id = uuid.uuid4().hex
    with engine.begin() as conn:
        conn.execute(insert(health_snapshots).values(tenant_id=SYSTEM_TENANT, snapshot_id=snapshot_id,
                                                     taken_at=taken_at, status=status, services=services,
                                                     metrics=metrics))
    return snapshot_id


def latest_snapshot(engine: Engine) -> dict[str, Any] | None:
    with engine.connect() as conn:
        row = conn.execute(select(health_snapshots).where(health_snapshots.c.tenant_id == SYSTEM_TENANT)
                           .order_by(health_snapshots.c.taken_at.desc()).limit(1)).mappings().first()
    return dict(row) if row else None


def probe_outcomes(engine: Engine, since: datetime) -> dict[str, tuple[int, int]]:
    """Per service health_check probes: (snapshots where it was healthy, snapshots) since `since`. The services
    are JSON, so they are counted here rather than in SQL (portable SQL: no JSON paths)."""
    outcomes: dict[str, tuple[int, int]] = {}
    with engine.connect() as conn:
        for services in conn.execute(select(health_snapshots.c.services).where(
                health_snapshots.c.tenant_id == SYSTEM_TENANT, health_snapshots.c.taken_at >= since)).scalars():
            for service, state in services.items():
                healthy, total = outcomes.get(service, (0, 0))
                outcomes[service] = (healthy + (state == "healthy"), total + 1)
    return outcomes


def reap_stuck_all_tenants(engine: Engine, now: datetime, stuck_after: timedelta, max_attempts: int
                           ) -> dict[str, int]:
    """Every tenant's requests dispatched/processing for longer than `stuck_after` go back to pending with a reason,
    or to failed once they have used `max_attempts`."""
    cutoff = now - stuck_after
    stuck = and_(pr.c.status.in_(("dispatched", "processing")), pr.c.updated_at < cutoff)
    with engine.begin() as conn:
        failed = conn.execute(update(pr).where(stuck, pr.c.attempts >= max_attempts).values(
            status="failed", updated_at=now,
            error=f"stuck for over {int(stuck_after.total_seconds() // 60)} min after {max_attempts} attempts",
        )).rowcount
        requeued = conn.execute(update(pr).where(stuck, pr.c.attempts < max_attempts).values(
            status="pending", updated_at=now,
            error=f"requeued: stuck for over {int(stuck_after.total_seconds() // 60)} min",
        )).rowcount
    return {"requeued": requeued, "failed": failed}


def failed_requests(engine: Engine, tenant_id: str | None, since: datetime, reason_contains: str | None
                    ) -> list[tuple[str, str]]:
    query = select(pr.c.tenant_id, pr.c.call_id, pr.c.error).where(pr.c.status == "failed", pr.c.updated_at >= since)
    if tenant_id:
        query = query.where(pr.c.tenant_id == tenant_id)
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(pr.c.tenant_id, pr.c.call_id)).all()
    return [(r.tenant_id, r.call_id) for r in rows
            if not reason_contains or reason_contains.lower() in (r.error or "").lower()]


def requeue(engine: Engine, calls: list[tuple[str, str]], reason: str, now: datetime) -> int:
    count = 0
    with engine.begin() as conn:
        for tenant_id, call_id in calls:
            count += conn.execute(update(pr).where(pr.c.tenant_id == tenant_id, pr.c.call_id == call_id).values(
                status="pending", error=reason, updated_at=now)).rowcount
    return count


def clear_calls_for_reprocessing(engine: Engine, tenant_id: str, *, call_ids: list[str] | None = None,
                                 created_from: datetime | None = None, created_until: datetime | None = None
                                 ) -> tuple[list[str], int]:
    """A tenant's calls named by id, or created in [created_from, created_until), lose their derived results
    (transcript, analysis, score) so they can be processed again. Returns (the calls cleared, how many named
    ids are not this tenant's calls); when any named id is unknown nothing is cleared."""
    query = select(call_records.c.call_id).where(call_records.c.tenant_id == tenant_id)
    if call_ids:
        query = query.where(call_records.c.call_id.in_(call_ids))
    else:
        query = query.where(call_records.c.created_at >= created_from, call_records.c.created_at < created_until)
    with engine.begin() as conn:
        found = list(conn.execute(query).scalars().all())
        unknown = len(set(call_ids or []) - set(found))
        if unknown:
            return [], unknown
        conn.execute(update(call_records).where(call_records.c.tenant_id == tenant_id,
                                                call_records.c.call_id.in_(found))
                     .values(transcript=None, transcript_confidence=None, transcript_segments=None,
                             transcript_embedding=None, ai_analysis=None, lead_score=None, lead_status=None))
    return found, 0


def data_completeness(engine: Engine, tenant_id: str, since: datetime) -> dict[str, Any]:
    """The runbook's completeness query (include/sql/data_completeness.sql) for one tenant: total_records and
    one has_<field> count per field."""
    with engine.connect() as conn:
        return dict(conn.execute(named_query("data_completeness"),
                                 {"tenant_id": tenant_id, "since": since}).mappings().one())


def purge_expired(engine: Engine, tenant_id: str, retention_days: int, now: datetime) -> list[str | None]:
    """Null the transcripts, recordings and email bodies of this tenant's records older than its retention;
    the rows, scores and CRM ids stay as the audit trail. Returns the recording paths to delete."""
    from leadline.store.schema import contact_reviews, dialpad_calls, gmail_messages

    cutoff = now - timedelta(days=retention_days)
    expired = and_(call_records.c.tenant_id == tenant_id, call_records.c.created_at < cutoff,
                   call_records.c.purged_at.is_(None))
    with engine.begin() as conn:
        paths = conn.execute(select(call_records.c.recording_path).where(expired)).scalars().all()
        # the words a reviewer heard a value in are a piece of the transcript: they go with it
        conn.execute(update(contact_reviews).where(
            contact_reviews.c.tenant_id == tenant_id,
            contact_reviews.c.call_id.in_(select(call_records.c.call_id).where(expired))).values(heard_words=None))
        conn.execute(update(call_records).where(expired).values(
            transcript=None, transcript_segments=None, transcript_embedding=None, recording_path=None,
            recording_url=None, raw_payload={}, purged_at=now))
        conn.execute(update(gmail_messages).where(
            gmail_messages.c.tenant_id == tenant_id, gmail_messages.c.sent_at < cutoff,
            gmail_messages.c.body.is_not(None)).values(body=None))
        conn.execute(update(dialpad_calls).where(
            dialpad_calls.c.tenant_id == tenant_id, dialpad_calls.c.call_time < cutoff,
            dialpad_calls.c.transcript.is_not(None)).values(transcript=None))
    return list(paths)


def daily_summary_all_tenants(engine: Engine, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Per tenant: its requests created in [start, end) counted by status."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(pr.c.tenant_id, pr.c.status, func.count().label("calls"))
            .where(pr.c.created_at >= start, pr.c.created_at < end)
            .group_by(pr.c.tenant_id, pr.c.status).order_by(pr.c.tenant_id, pr.c.status)).all()
    summary: dict[str, dict[str, Any]] = {}
    for row in rows:
        summary.setdefault(row.tenant_id, {"tenant_id": row.tenant_id})[row.status] = row.calls
    return list(summary.values())


def week_activity(engine: Engine, tenant_id: str, start: datetime, end: datetime
                  ) -> tuple[list[dict[str, Any]], list[int], list[str]]:
    """A tenant's activity in [start, end): its requests (status, processing time, error), the lead scores
    given, and the CRM sync statuses: the inputs of leadline.domain.weekly.week_figures."""
    with engine.connect() as conn:
        requests = [dict(r) for r in conn.execute(
            select(pr.c.status, pr.c.processing_time_ms, pr.c.error)
            .where(pr.c.tenant_id == tenant_id, pr.c.created_at >= start, pr.c.created_at < end)).mappings()]
        scores = conn.execute(select(call_records.c.lead_score).where(
            call_records.c.tenant_id == tenant_id, call_records.c.created_at >= start,
            call_records.c.created_at < end, call_records.c.lead_score.is_not(None))).scalars().all()
        crm = conn.execute(select(crm_sync_log.c.status).where(
            crm_sync_log.c.tenant_id == tenant_id, crm_sync_log.c.updated_at >= start,
            crm_sync_log.c.updated_at < end)).scalars().all()
    return requests, list(scores), list(crm)
