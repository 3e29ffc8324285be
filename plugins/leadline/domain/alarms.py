"""Alarms: the alerts a check wants open right now. The check hands its alarms over and the alerts table is
brought in line: new ones raised, the ones no longer wanted resolved (operators/alerting.py)."""

from __future__ import annotations

from dataclasses import dataclass

from leadline.domain.slo import RED, Indicator

# Most urgent first (incident runbooks 000 and 002: P1 critical ... P4 low; INFO for business events).
SEVERITIES = ("P1", "P2", "P3", "P4", "INFO")


@dataclass(frozen=True)
class Alarm:
    tenant_id: str | None  # None: system-wide
    kind: str
    key: str  # de-duplicates: one open alert per tenant and key
    severity: str
    message: str


def more_urgent(severity: str, than: str) -> bool:
    return SEVERITIES.index(severity) < SEVERITIES.index(than)


def service_alarms(services: dict[str, str], reasons: dict[str, str]) -> list[Alarm]:
    """One per dependency that is not healthy: the database is P1 (runbook 000: "Database Connectivity" is
    CRITICAL, and nothing works without it), any other dependency P2 (partial feature unavailability)."""
    return [Alarm(None, "service", f"service:{name}", "P1" if name == "database" else "P2",
                  f"{name} is {state}: {reasons[name]}" if name in reasons else f"{name} is {state}")
            for name, state in services.items() if state != "healthy"]


def indicator_alarms(found: list[Indicator]) -> list[Alarm]:
    """One system-wide alarm per red indicator, at the indicator's severity."""
    return [Alarm(None, "slo", f"slo:{i.name}", i.severity, f"SLO {i.name} is red: {i.value} ({i.rule})")
            for i in found if i.level == RED]
