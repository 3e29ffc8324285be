"""The dashboard's figures: every function takes one tenant and reads only its rows (through
leadline.store.dashboard), and shapes them for the pages and the JSON API."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Engine

from leadline.domain.masking import mask_phone
from leadline.domain.scoring import WEIGHTS
from leadline.domain.slo import indicators
from leadline.store import dashboard as store
from leadline.store.ops import slo_metrics
from leadline.store.processing import TERMINAL

CHART_DAYS = 7
PAGE_SIZE = 50
PERFORMANCE_DAYS = 30  # the runbook's ETL performance window


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def overview(engine: Engine, tenant_id: str, now: datetime) -> dict[str, Any]:
    """Today's figures for one tenant, each with its runbook level, and the last 7 days by day."""
    today = _day_start(now.date())
    calls_today = store.calls_since(engine, tenant_id, today)
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
    by_status = store.requests_by_day_and_status(engine, tenant_id, first)
    scores = store.lead_scores_by_day(engine, tenant_id, first)
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
    total, rows = store.call_page(
        engine, tenant_id, status=status, call_class=call_class, min_score=min_score, max_score=max_score,
        created_from=None if day is None else _day_start(day),
        created_until=None if day is None else _day_start(day + timedelta(1)),
        limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
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
    history = store.call_history(engine, tenant_id, call_id)
    if history is None:
        return None
    call, request, syncs, call_alerts = history
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


def top_accounts(engine: Engine, tenant_id: str, score_date: date) -> dict[str, Any]:
    """The runbook's top accounts by score for the day, and its unmatched emails (the addresses to map by hand
    when the match rate is low)."""
    accounts = store.recommended_accounts(engine, tenant_id, score_date.isoformat())
    unmatched = [{**row, "latest_message": row["latest_message"].isoformat()}
                 for row in store.unmatched_emails(engine, tenant_id)]
    return {"tenant_id": tenant_id, "score_date": score_date.isoformat(), "accounts": accounts,
            "unmatched_emails": unmatched}


def etl_status(engine: Engine, tenant_id: str, now: datetime, limit: int = 50) -> dict[str, Any]:
    """Recent runs, hours since each source's last success, the runbook's ETL performance over 30 days and its
    embedding status."""
    runs = store.recent_etl_runs(engine, tenant_id, limit)
    freshness = {source: {"last_success": last.isoformat(), "hours_old": round((now - last).total_seconds() / 3600, 1)}
                 for source, last in store.last_etl_success_by_source(engine, tenant_id).items()}
    performance = store.etl_performance(engine, tenant_id, _day_start(now.date() - timedelta(days=PERFORMANCE_DAYS)))
    return {
        "tenant_id": tenant_id,
        "freshness": freshness,
        "runs": [{**dict(r), "started_at": r["started_at"].isoformat(),
                  "completed_at": r["completed_at"] and r["completed_at"].isoformat()} for r in runs],
        "performance": [{**row, "run_date": row["run_date"].isoformat()} for row in performance],
        "embeddings": store.embedding_status(engine, tenant_id),
    }
