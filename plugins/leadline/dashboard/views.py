"""Presentation helpers for the dashboard pages: chart geometry, level tallies and CRM record links."""

from __future__ import annotations

from collections import Counter
from typing import Any

from leadline.domain.crm import CRMS, crm_link

CHART_W, CHART_H, BAR_GAP = 420, 120, 6


def score_chart(daily: list[dict[str, Any]]) -> dict[str, Any]:
    """Bars of calls per day (completed stacked under failed), as plain SVG geometry."""
    peak = max((d["calls"] for d in daily), default=0) or 1
    width = (CHART_W - BAR_GAP * (len(daily) + 1)) / max(len(daily), 1)
    bars = []
    for index, day in enumerate(daily):
        x = BAR_GAP + index * (width + BAR_GAP)
        total_h = CHART_H * day["calls"] / peak
        failed_h = CHART_H * day["failed"] / peak
        bars.append({"x": round(x, 1), "width": round(width, 1), "day": day["day"][5:], "calls": day["calls"],
                     "failed": day["failed"], "y": round(CHART_H - total_h, 1), "height": round(total_h, 1),
                     "failed_y": round(CHART_H - failed_h, 1), "failed_height": round(failed_h, 1)})
    return {"width": CHART_W, "height": CHART_H, "bars": bars}


def level_counts(indicators: dict[str, dict]) -> dict[str, int]:
    counts = Counter(i["level"] for i in indicators.values())
    return {level: counts.get(level, 0) for level in ("green", "yellow", "red")}


def crm_links(tenant_config: dict, call: dict) -> dict[str, str]:
    """Deep links to the synced CRM records, where the tenant's crm_config allows one (domain.crm.crm_link)."""
    crm_config = tenant_config.get("crm_config") or {}
    synced = {s["crm"]: s["record_id"] for s in call["crm_syncs"] if s["record_id"] and s["crm"] in CRMS}
    links = {crm: crm_link(crm, "record", record_id, crm_config) for crm, record_id in synced.items()}
    return {crm: link for crm, link in links.items() if link != synced[crm]}  # the bare id is shown as it is
