"""SLO indicators with the runbooks' thresholds (operations runbook SLO table, troubleshooting dashboard
green/yellow/red, incident runbook severities)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

GREEN, YELLOW, RED = "green", "yellow", "red"


@dataclass(frozen=True)
class SloMetrics:
    pending: int
    oldest_pending_age_s: float | None
    processing_p95_s: float | None
    processing_avg_s: float | None
    error_rate: float | None
    crm_sync_rates: dict[str, float | None] = field(default_factory=dict)
    intake_p95_s: float | None = None


@dataclass(frozen=True)
class SloActivity:
    """What the indicators are computed from, for one tenant or summed over several: kept raw (times, counts)
    so that any set of tenants can be combined, e.g. everyone but the tenant that is red."""

    pending: int = 0
    oldest_pending_age_s: float | None = None
    processing_times_s: tuple[float, ...] = ()
    finished: int = 0
    failed: int = 0
    crm_attempts: dict[str, tuple[int, int]] = field(default_factory=dict)  # crm -> (attempted, synced)


def combine(activities: Iterable[SloActivity]) -> SloActivity:
    pending, finished, failed, ages, times = 0, 0, 0, [], []
    crm: dict[str, tuple[int, int]] = {}
    for a in activities:
        pending, finished, failed = pending + a.pending, finished + a.finished, failed + a.failed
        ages += [a.oldest_pending_age_s] if a.oldest_pending_age_s is not None else []
        times += a.processing_times_s
        for name, (attempted, synced) in a.crm_attempts.items():
            before = crm.get(name, (0, 0))
            crm[name] = (before[0] + attempted, before[1] + synced)
    return SloActivity(pending, max(ages, default=None), tuple(times), finished, failed, crm)


def slo_metrics_of(activity: SloActivity, crm_types: Iterable[str], intake_p95_s: float | None = None
                   ) -> SloMetrics:
    """The indicators' inputs; every CRM in `crm_types` gets a rate (None: nothing attempted)."""
    times = activity.processing_times_s
    attempts = {crm: activity.crm_attempts.get(crm, (0, 0)) for crm in crm_types}
    return SloMetrics(
        pending=activity.pending,
        oldest_pending_age_s=activity.oldest_pending_age_s,
        processing_p95_s=percentile(list(times), 95),
        processing_avg_s=round(sum(times) / len(times), 2) if times else None,
        error_rate=round(activity.failed / activity.finished, 4) if activity.finished else None,
        crm_sync_rates={crm: synced / attempted if attempted else None
                        for crm, (attempted, synced) in attempts.items()},
        intake_p95_s=intake_p95_s,
    )


@dataclass(frozen=True)
class Indicator:
    name: str
    level: str
    value: float | None
    rule: str
    severity: str  # the alert's severity while the indicator is red

    def as_dict(self) -> dict:
        return {"level": self.level, "value": self.value, "rule": self.rule}


def _queue(m: SloMetrics) -> Indicator:
    level = GREEN if m.pending == 0 else RED if m.pending > 50 else YELLOW
    return Indicator("processing_queue", level, m.pending, "0 pending green, > 50 pending red", "P3")


def _oldest(m: SloMetrics) -> Indicator:
    age = m.oldest_pending_age_s
    level = GREEN if age is None or age <= 180 else RED if age > 600 else YELLOW
    return Indicator("oldest_pending_age", level, age, "waiting > 3 min yellow, > 10 min red (processing SLO)", "P2")


def _processing(m: SloMetrics) -> Indicator:
    p95, avg = m.processing_p95_s, m.processing_avg_s
    if p95 is None:
        level = GREEN
    elif p95 > 600:
        level = RED
    elif p95 > 300 or (avg or 0) > 120:
        level = YELLOW
    else:
        level = GREEN
    return Indicator("processing_time_p95", level, p95, "P95 > 5 min or average > 2 min yellow, P95 > 10 min red",
                     "P3")


def _errors(m: SloMetrics) -> Indicator:
    rate = m.error_rate
    level = GREEN if rate is None or rate < 0.01 else RED if rate > 0.05 else YELLOW
    return Indicator("error_rate", level, rate, "< 1 % green, 1-5 % yellow, > 5 % red", "P2")


def _crm(crm: str, rate: float | None) -> Indicator:
    level = GREEN if rate is None or rate > 0.95 else RED if rate < 0.90 else YELLOW
    return Indicator(f"crm_sync_{crm}", level, rate, "> 95 % green, 90-95 % yellow, < 90 % red", "P2")


def _intake(m: SloMetrics) -> Indicator:
    p95 = m.intake_p95_s
    level = GREEN if p95 is None or p95 <= 3 else RED if p95 > 5 else YELLOW
    return Indicator("webhook_latency_p95", level, p95, "P95 > 3 s yellow, > 5 s red", "P2")


def indicators(metrics: SloMetrics) -> list[Indicator]:
    out = [_queue(metrics), _oldest(metrics), _processing(metrics), _errors(metrics), _intake(metrics)]
    out += [_crm(crm, rate) for crm, rate in sorted(metrics.crm_sync_rates.items())]
    return out


def overall_status(services: dict[str, str], found: list[Indicator]) -> str:
    if services.get("database") != "healthy":
        return "unhealthy"
    if any(v != "healthy" for v in services.values()) or any(i.level == RED for i in found):
        return "degraded"
    return "healthy"


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]
