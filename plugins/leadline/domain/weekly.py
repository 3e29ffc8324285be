"""Weekly per-tenant report figures (pure): volume, processing P95, error rate, CRM sync rate,
lead-score distribution, top failure reasons, and week-over-week change."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from leadline.domain.slo import percentile

SCORE_BUCKETS = [(0, 20), (20, 40), (40, 60), (60, 80), (80, 101)]


@dataclass(frozen=True)
class WeekFigures:
    calls: int
    completed: int
    failed: int
    skipped: int
    processing_p95_s: float | None
    error_rate: float | None
    crm_sync_rate: float | None
    score_distribution: dict[str, int] = field(default_factory=dict)
    top_failure_reasons: list[tuple[str, int]] = field(default_factory=list)


def week_figures(requests: list[dict], scores: list[int], crm_statuses: list[str]) -> WeekFigures:
    statuses = Counter(r["status"] for r in requests)
    finished = statuses["completed"] + statuses["failed"] + statuses["skipped"]
    times = [r["processing_time_ms"] / 1000 for r in requests if r["status"] == "completed" and r["processing_time_ms"]]
    reasons = Counter((r["error"] or "unknown").split(":")[0] for r in requests if r["status"] == "failed")
    distribution = {f"{lo}-{min(hi, 100)}": sum(lo <= s < hi for s in scores) for lo, hi in SCORE_BUCKETS}
    synced = sum(s == "synced" for s in crm_statuses)
    return WeekFigures(
        calls=len(requests), completed=statuses["completed"], failed=statuses["failed"], skipped=statuses["skipped"],
        processing_p95_s=percentile(times, 95),
        error_rate=round(statuses["failed"] / finished, 4) if finished else None,
        crm_sync_rate=round(synced / len(crm_statuses), 4) if crm_statuses else None,
        score_distribution=distribution, top_failure_reasons=reasons.most_common(5),
    )


def change(current: float | None, previous: float | None) -> float | None:
    """Week-over-week change as a fraction (None when either week has no figure or last week was 0)."""
    if current is None or previous in (None, 0):
        return None
    return round((current - previous) / previous, 4)
