"""Availability SLO from health_check's probes (operations runbook 000, "Key Metrics and SLOs"): the share of
probes in the window in which a service was healthy.

The runbook's three figures are one metric's levels, not tiers of services: 99.9 % is the SLO target, below
99.5 % is its alert threshold and below 99 % its critical threshold (the "API Availability" policy, "uptime_check
< 99%", is CRITICAL). They apply to each service health_check probes: the database (whose outage is what turns
/v1/health into a 503), storage, Speech-to-Text and Vertex AI."""

from __future__ import annotations

from datetime import timedelta

from leadline.domain.slo import GREEN, RED, YELLOW, Indicator

TARGET = 0.999
ALERT_BELOW = 0.995  # red, P2
CRITICAL_BELOW = 0.99  # red, P1
# The runbook names no window; 30 days is the usual SLO window (an error budget of 43 min at 99.9 %).
WINDOW = timedelta(days=30)
# Not judged before a day of 5-minute probes: on a new deployment one failed probe among a handful would read as
# an outage (one in 288 is 99.65 %, yellow).
MIN_PROBES = 288

RULE = (f"share of healthy probes over {WINDOW.days} days: SLO {TARGET:.1%}, < {ALERT_BELOW:.1%} red (P2), "
        f"< {CRITICAL_BELOW:.0%} critical (P1); judged from {MIN_PROBES} probes")


def availability_indicators(earlier: dict[str, tuple[int, int]], current: dict[str, str]) -> list[Indicator]:
    """One indicator per service from the earlier probes' (healthy, total) counts in the window and this run's
    probe (service -> healthy/unhealthy)."""
    found = []
    for service in sorted({*earlier, *current}):
        healthy, total = earlier.get(service, (0, 0))
        if service in current:
            healthy, total = healthy + (current[service] == "healthy"), total + 1
        share = healthy / total if total >= MIN_PROBES else None
        if share is None or share >= TARGET:
            level = GREEN
        else:
            level = YELLOW if share >= ALERT_BELOW else RED
        severity = "P1" if share is not None and share < CRITICAL_BELOW else "P2"
        found.append(Indicator(f"availability_{service}", level, None if share is None else round(share, 5), RULE,
                               severity))
    return found
