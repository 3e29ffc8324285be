"""Store queries behind the dashboard: every function takes one tenant and reads only its rows."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Engine, and_, func, select

from leadline.domain.masking import mask_phone
from leadline.domain.scoring import WEIGHTS
from leadline.domain.slo import indicators
from leadline.store.ops import slo_metrics
from leadline.store.processing import TERMINAL
from leadline.store.schema import (
    account_recommendations,
    alerts,
    call_records,
    crm_sync_log,
    etl_runs,
    processing_requests,
    sf_accounts,
)

pr, cr = processing_requests, call_records
CHART_DAYS = 7
PAGE_SIZE = 50


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def overview(engine: Engine, tenant_id: str, now: datetime) -> dict[str, Any]:
    """Today's figures for one tenant, each with its runbook level, and the last 7 days by day."""
    today = _day_start(now.date())
    with engine.connect() as conn:
        calls_today = conn.execute(select(func.count()).select_from(cr).where(
            cr.c.tenant_id == tenant_id, cr.c.created_at >= today)).scalar_one()
    metrics = slo_metrics(engine, now, window=now - today, tenant_id=tenant_id)
    levels = [i for i in indicators(metrics) if i.name != "webhook_latency_p95"]  # system-wide, not per tenant
    return {
        "tenant_id": tenant_id,
        "as_of": now.isoformat(),
        "calls_today": calls_today,
        "indicators": {i.name: i.as_dict() for i in levels},
        "daily": daily_series(engine, tenant_id, now.date()),
    }


def daily_series(engine: Engine, tenant_id: str, last_day: date) -> list[dict[str, Any]]:
    first = _day_start(last_day - timedelta(days=CHART_DAYS - 1))
    day = func.date(pr.c.created_at)
    with engine.connect() as conn:
        by_status = conn.execute(select(day.label("day"), pr.c.status, func.count().label("n")).where(
            pr.c.tenant_id == tenant_id, pr.c.created_at >= first).group_by(day, pr.c.status)).all()
        call_day = func.date(cr.c.created_at)
        scores = conn.execute(select(call_day.label("day"), func.avg(cr.c.lead_score).label("avg_score"),
                                     func.count(cr.c.lead_score).label("scored")).where(
            cr.c.tenant_id == tenant_id, cr.c.created_at >= first).group_by(call_day)).all()
    days = [(last_day - timedelta(days=n)).isoformat() for n in range(CHART_DAYS - 1, -1, -1)]
    series = {d: {"day": d, "calls": 0, "completed": 0, "failed": 0, "skipped": 0, "avg_score": None}
              for d in days}
    for row in by_status:
        entry = series.get(str(row.day))
        if entry is not None:
            entry["calls"] += row.n
            if row.status in TERMINAL:
                entry[row.status] += row.n
    for row in scores:
        entry = series.get(str(row.day))
        if entry is not None and row.scored:
            entry["avg_score"] = round(float(row.avg_score), 1)
    return list(series.values())


def list_calls(engine: Engine, tenant_id: str, *, status: str | None = None, call_class: str | None = None,
               min_score: int | None = None, max_score: int | None = None, day: date | None = None,
               page: int = 1) -> dict[str, Any]:
    conditions = [cr.c.tenant_id == tenant_id]
    if status:
        conditions.append(pr.c.status == status)
    if call_class:
        conditions.append(cr.c.call_class == call_class)
    if min_score is not None:
        conditions.append(cr.c.lead_score >= min_score)
    if max_score is not None:
        conditions.append(cr.c.lead_score <= max_score)
    if day is not None:
        conditions.append(and_(cr.c.created_at >= _day_start(day), cr.c.created_at < _day_start(day + timedelta(1))))
    joined = cr.join(pr, and_(pr.c.tenant_id == cr.c.tenant_id, pr.c.call_id == cr.c.call_id))
    query = (select(cr.c.call_id, cr.c.created_at, cr.c.caller_phone, cr.c.duration_s, cr.c.lead_score,
                    cr.c.lead_status, cr.c.call_class, cr.c.call_class_reason, pr.c.status, pr.c.error)
             .select_from(joined).where(*conditions)
             .order_by(cr.c.created_at.desc(), cr.c.call_id).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE))
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(joined).where(*conditions)).scalar_one()
        rows = conn.execute(query).all()
    return {
        "tenant_id": tenant_id, "total": total, "page": page, "page_size": PAGE_SIZE,
        "calls": [{"call_id": r.call_id, "created_at": r.created_at.isoformat(),
                   "caller": mask_phone(r.caller_phone), "duration_s": r.duration_s, "lead_score": r.lead_score,
                   "lead_status": r.lead_status, "call_class": r.call_class, "class_reason": r.call_class_reason,
                   "status": r.status, "error": r.error} for r in rows],
    }


def score_breakdown(analysis: dict | None) -> list[dict[str, Any]]:
    factors = ((analysis or {}).get("scoring") or {}).get("factors") or {}
    return [{"factor": name, "weight": weight, "value": factors.get(name),
             "points": None if factors.get(name) is None else round(100 * weight * factors[name], 1)}
            for name, weight in WEIGHTS.items()]


def call_detail(engine: Engine, tenant_id: str, call_id: str) -> dict[str, Any] | None:
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
    lead = (call["ai_analysis"] or {}).get("lead") or {}
    return {
        "tenant_id": tenant_id,
        "call_id": call_id,
        "created_at": call["created_at"].isoformat(),
        "caller": mask_phone(call["caller_phone"]),
        "duration_s": call["duration_s"],
        "answered": call["answered"],
        "transcript": call["transcript"],
        "transcript_confidence": call["transcript_confidence"],
        "call_class": call["call_class"], "class_reason": call["call_class_reason"],
        "transcript_language": call["transcript_language"],
        "analysis": {k: lead.get(k) for k in ("intent", "project_category", "project_phrase", "timeline",
                                              "timeline_phrase", "budget_min", "budget_max", "summary", "analyzer",
                                              "fallback_reason")},
        "lead_score": call["lead_score"],
        "lead_status": call["lead_status"],
        "score_breakdown": score_breakdown(call["ai_analysis"]),
        "request": None if request is None else {
            "status": request["status"], "attempts": request["attempts"], "error": request["error"],
            "created_at": request["created_at"].isoformat(),
            "updated_at": request["updated_at"].isoformat(),
            "processing_time_ms": request["processing_time_ms"]},
        "crm_syncs": [{"crm": s["crm_type"], "role": s["role"], "status": s["status"], "record_id": s["record_id"],
                       "attempts": s["attempts"], "error": s["error"],
                       "updated_at": s["updated_at"].isoformat()} for s in syncs],
        "alerts": [{"kind": a.kind, "severity": a.severity, "status": a.status,
                    "created_at": a.created_at.isoformat()} for a in call_alerts],
        "run_id": f"call__{tenant_id}__{call_id}",
    }


def top_accounts(engine: Engine, tenant_id: str, score_date: date, limit: int = 50) -> dict[str, Any]:
    """The runbook's daily recommendations query: today's accounts by priority."""
    rec, acc = account_recommendations, sf_accounts
    query = (select(rec.c.account_id, acc.c.name.label("account_name"), rec.c.priority_score,
                    rec.c.budget_likelihood, rec.c.engagement_score, rec.c.recommended_action)
             .select_from(rec.outerjoin(acc, and_(acc.c.tenant_id == rec.c.tenant_id,
                                                  acc.c.account_id == rec.c.account_id)))
             .where(rec.c.tenant_id == tenant_id, rec.c.score_date == score_date.isoformat())
             .order_by(rec.c.priority_score.desc(), rec.c.account_id).limit(limit))
    with engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    return {"tenant_id": tenant_id, "score_date": score_date.isoformat(), "accounts": [dict(r) for r in rows]}


def etl_status(engine: Engine, tenant_id: str, now: datetime, limit: int = 50) -> dict[str, Any]:
    with engine.connect() as conn:
        runs = conn.execute(select(etl_runs.c.run_id, etl_runs.c.source_system, etl_runs.c.status,
                                   etl_runs.c.started_at, etl_runs.c.completed_at, etl_runs.c.rows_processed,
                                   etl_runs.c.error_message)
                            .where(etl_runs.c.tenant_id == tenant_id)
                            .order_by(etl_runs.c.started_at.desc()).limit(limit)).mappings().all()
        latest = conn.execute(select(etl_runs.c.source_system, func.max(etl_runs.c.completed_at).label("last"))
                              .where(etl_runs.c.tenant_id == tenant_id, etl_runs.c.status == "success")
                              .group_by(etl_runs.c.source_system)).all()
    freshness = {row.source_system: {
        "last_success": row.last.isoformat(),
        "hours_old": round((now - row.last).total_seconds() / 3600, 1)} for row in latest if row.last}
    return {
        "tenant_id": tenant_id,
        "freshness": freshness,
        "runs": [{**dict(r), "started_at": r["started_at"].isoformat(),
                  "completed_at": r["completed_at"] and r["completed_at"].isoformat()} for r in runs],
    }
