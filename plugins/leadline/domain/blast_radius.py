"""Blast radius of a red SLO indicator (incident runbook 002, "Identify blast radius (all tenants vs one
tenant)"): every indicator is computed for all tenants together and for each tenant on its own.

- **One tenant**: exactly one tenant is red on its own and the other tenants together are not red. That is a
  P3 alert on that tenant ("single tenant affected"), whatever the indicator's own severity, and no
  system-wide alert even when the one tenant turns the overall figure red.
- **Broad**: two or more tenants are red on their own, or the overall figure is red without one tenant
  explaining it (the others together are red too, or no tenant is red on its own: the failures are spread
  thin). That is one system-wide alert at the indicator's runbook severity, naming the red tenants.

While a failure is broad, no new tenant alerts are raised (the system-wide alert names them, and a
per-tenant alert each would flood the channel); a tenant alert already open stays open while its tenant is red
and is resolved when it clears."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from leadline.domain.alarms import Alarm
from leadline.domain.slo import RED, Indicator, SloActivity, combine, indicators, slo_metrics_of

TENANT_SEVERITY = "P3"  # incident runbook 002: "P3 ... single tenant affected"


@dataclass(frozen=True)
class SloAssessment:
    overall: list[Indicator]  # all tenants together: the snapshot's levels
    red_tenants: dict[str, list[str]]  # indicator -> the tenants red on their own
    alarms: list[Alarm]
    held: list[tuple[str, str]]  # (tenant, key): left open if open, not raised


def _levels(activity: SloActivity, crm_types: Iterable[str]) -> dict[str, Indicator]:
    # per tenant without the intake's latency: it is measured for the whole intake, so it is system-wide only
    return {i.name: i for i in indicators(slo_metrics_of(activity, crm_types))}


def assess(activity: dict[str, SloActivity], crm_types: Iterable[str], intake_p95_s: float | None = None
           ) -> SloAssessment:
    crm_types = tuple(crm_types)
    overall = indicators(slo_metrics_of(combine(activity.values()), crm_types, intake_p95_s))
    own = {tenant: _levels(a, crm_types) for tenant, a in activity.items()}
    red_tenants: dict[str, list[str]] = {}
    alarms: list[Alarm] = []
    held: list[tuple[str, str]] = []
    for indicator in overall:
        key = f"slo:{indicator.name}"
        red = sorted(t for t, levels in own.items() if indicator.name in levels and levels[indicator.name].level == RED)
        red_tenants[indicator.name] = red
        held += [(tenant, key) for tenant in red]
        if len(red) == 1 and not _red_without(red[0], indicator.name, activity, crm_types):
            mine = own[red[0]][indicator.name]
            alarms.append(Alarm(red[0], "slo", key, TENANT_SEVERITY,
                                f"SLO {indicator.name} is red for tenant {red[0]} alone: {mine.value} ({mine.rule}); "
                                f"single tenant affected"))
        elif red or indicator.level == RED:
            alarms.append(Alarm(None, "slo", key, indicator.severity,
                                f"SLO {indicator.name} is red across tenants: overall {indicator.value} "
                                f"({indicator.rule}); red on their own: "
                                f"{', '.join(red) if red else 'none (the failures are spread across tenants)'}"))
    return SloAssessment(overall, red_tenants, alarms, held)


def _red_without(tenant: str, name: str, activity: dict[str, SloActivity], crm_types: tuple[str, ...]) -> bool:
    """Whether the other tenants together are red on this indicator."""
    others = combine(a for t, a in activity.items() if t != tenant)
    return _levels(others, crm_types)[name].level == RED
