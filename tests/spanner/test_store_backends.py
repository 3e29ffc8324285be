"""Every repository function of the store and every named SQL file, executed on SQLite, PostgreSQL and Cloud
Spanner (the emulator) through one parametrised fixture: the same calls, the same answers."""

from __future__ import annotations

import ast
import importlib
import inspect
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import insert, select, text

from leadline.domain.crm import CRM_TYPES
from leadline.store import (
    alerts,
    calls,
    crm,
    dashboard,
    data_quality,
    embeddings,
    etl,
    intake,
    intake_counts,
    intelligence,
    members,
    ops,
    processing,
    tenants,
)
from leadline.store.intake import IncomingCall, record_calls
from leadline.store.named_sql import named_query
from leadline.store.schema import call_records, gmail_participants, manual_mappings
from tests.helpers import set_call_fields, set_field_on_calls

pytestmark = pytest.mark.spanner

NOW = datetime.now(UTC).replace(microsecond=0)
DAY_AGO = NOW - timedelta(days=1)
# The repository modules this file answers for (backups.py is the backup verification's own suite).
STORE_MODULES = (alerts, calls, crm, dashboard, data_quality, embeddings, etl, intake, intake_counts, intelligence,
                 members, ops, processing, tenants)


def _call(tenant_id: str, call_id: str, **overrides) -> IncomingCall:
    values = dict(tenant_id=tenant_id, call_id=call_id, resource_id=f"R{call_id}", caller_phone="+14155550100",
                  customer_name="Jane Doe", duration_s=120, answered=True, started_at=NOW - timedelta(minutes=5),
                  recording_url=f"https://example.test/{call_id}.mp3",
                  raw_payload={"call_id": call_id, "nested": {"ü": [1, 2.5, None, True]}})
    return IncomingCall(**{**values, **overrides})


def _set_request(engine, tenant_id: str, call_id: str, **values) -> None:
    from sqlalchemy import update

    from leadline.store.schema import processing_requests as pr

    with engine.begin() as conn:
        conn.execute(update(pr).where(pr.c.tenant_id == tenant_id, pr.c.call_id == call_id).values(**values))


def test_tenants_members_and_crm_integrations(store):
    with store.begin() as conn:
        tenants.add_tenant(conn, tenants.Tenant("initech", "Initech", "active", "env:I", primary_crm="salesforce",
                                                secondary_crm="hubspot",
                                                config={"ai_config": {"lead_scoring_threshold": 55}}))
    with store.connect() as conn:
        initech = tenants.get_tenant(conn, "initech")
        assert initech.config == {"ai_config": {"lead_scoring_threshold": 55}} and initech.scoring_threshold == 55
        assert tenants.get_tenant(conn, "nobody") is None
        assert [t.tenant_id for t in tenants.list_tenants(conn)] == ["acme", "dormant", "globex", "initech"]
    with store.begin() as conn:
        assert tenants.set_tenant_status(conn, "initech", "paused")
        assert not tenants.set_tenant_status(conn, "nobody", "paused")
        assert tenants.set_config_section(conn, "initech", "business_context", {"services": ["roofing"]})
        assert not tenants.set_config_section(conn, "nobody", "business_context", {})
        assert tenants.set_crm_integration(conn, "initech", "salesforce", "sf_initech")
        assert tenants.set_crm_integration(conn, "initech", "salesforce", "sf_initech_v2")  # update in place
        assert tenants.set_crm_integration(conn, "initech", "hubspot", "hs_initech", status="disabled")
        assert not tenants.set_crm_integration(conn, "nobody", "hubspot", "x")
        assert tenants.set_limits(conn, "initech", 1200, 40)
        assert not tenants.set_limits(conn, "nobody", 1200, None)
    with store.connect() as conn:
        initech = tenants.get_tenant(conn, "initech")
        assert (initech.requests_per_minute, initech.burst, initech.burst_limit) == (1200, 40, 40)
        assert initech.status == "paused"
        assert initech.config["business_context"] == {"services": ["roofing"]}
        assert initech.config["ai_config"]["lead_scoring_threshold"] == 55
    assert crm.active_integration(store, "initech", "salesforce") == "sf_initech_v2"
    assert crm.active_integration(store, "initech", "hubspot") is None  # disabled
    with store.begin() as conn:
        tenants.set_crm_integration(conn, "acme", "salesforce", "sf_acme")
    assert etl.active_crm_connections_all_tenants(store, "salesforce") == {"acme": "sf_acme",
                                                                          "initech": "sf_initech_v2"}

    with store.begin() as conn:
        assert members.grant(conn, "acme", "ana") and members.grant(conn, "globex", "ana")
        assert members.grant(conn, "acme", "ana")  # twice: a no-op
        assert not members.grant(conn, "nobody", "ana")
    with store.connect() as conn:
        assert members.tenants_of(conn, "ana") == ["acme", "globex"]
    with store.begin() as conn:
        members.revoke(conn, "globex", "ana")
    assert dashboard.visible_tenant_ids(store, "ana", sees_all=False) == ("acme",)
    assert dashboard.visible_tenant_ids(store, "ana", sees_all=True) == ("acme", "dormant", "globex", "initech")


def test_intake_and_the_processing_state_machine(store):
    first = record_calls(store, [_call("acme", "C1"), _call("acme", "C2"), _call("acme", "C1"),
                                 _call("globex", "C1")])
    assert [r.created for r in first] == [True, True, False, True]
    assert first[0].request_id == first[2].request_id != first[3].request_id
    assert record_calls(store, [_call("acme", "C2")]) == [intake.IntakeResult(first[1].request_id, False)]
    assert processing.count_pending(store) == 3

    call = calls.get_call(store, "acme", "C1")
    assert call.raw_payload == {"call_id": "C1", "nested": {"ü": [1, 2.5, None, True]}}
    assert call.started_at == NOW - timedelta(minutes=5) and call.answered is True
    assert calls.get_call(store, "acme", "nope") is None
    assert processing.get_request(store, "acme", "C1")["status"] == "pending"
    assert processing.get_request(store, "globex", "C2") is None

    claimed = processing.claim_pending(store, limit=10, per_tenant=1)
    assert [(c.tenant_id, c.call_id) for c in claimed] == [("acme", "C1"), ("globex", "C1")]
    assert claimed[0].run_id == "call__acme__C1"
    assert [c.call_id for c in processing.claim_pending(store, limit=10)] == ["C2"]
    assert processing.claim_pending(store, limit=10) == []

    assert processing.start_processing(store, "acme", "C1") == 1
    assert processing.start_processing(store, "acme", "C1") == 2
    segments = [{"start": 0.0, "end": 1.5, "speaker": "agent", "text": "Hello"}]
    calls.record_transcript(store, "acme", "C1", text="Hello", confidence=0.91, segments=segments, language="en")
    analysis = {"summary": "roof", "services": ["roofing"]}
    calls.record_analysis(store, "acme", "C1", ai_analysis=analysis, call_class="lead",
                          class_reason="asked for a quote", needs_review=True,
                          sure_contact={"customer_name": None, "customer_phone": "+15550100", "customer_email": None})
    calls.record_score(store, "acme", "C1", 82, "qualified", {**analysis, "scoring": {"threshold": 70}})
    with pytest.raises(LookupError):
        calls.record_recording(store, "acme", "nope", "file:///nope.wav")
    with store.begin() as conn:
        calls.set_crm_ids(conn, "acme", "hubspot", "record", {"C1": "hs-1", "C2": "hs-2"})
    calls.record_crm_engagements(store, "acme", "hubspot", {})
    processing.finish(store, "acme", "C1", "completed")
    with pytest.raises(ValueError):
        processing.finish(store, "acme", "C1", "pending")
    call = calls.get_call(store, "acme", "C1")
    assert (call.transcript_segments, call.transcript_language, call.ai_analysis["scoring"], call.lead_score,
            call.lead_status, call.customer_phone, call.review_status) == (
        segments, "en", {"threshold": 70}, 82, "qualified", "+15550100", "open")
    assert calls.get_call(store, "acme", "C2").crm_record_id("hubspot") == "hs-2"
    request = processing.get_request(store, "acme", "C1")
    assert (request["status"], request["attempts"], request["error"]) == ("completed", 2, None)
    assert request["processing_time_ms"] >= 0
    # a call that is no lead ends unscored and skipped in one transaction
    calls.close_unscored(store, "acme", "C2", "not_lead", "spam")
    assert (calls.get_call(store, "acme", "C2").lead_status, processing.get_request(store, "acme", "C2")["status"]
            ) == ("not_lead", "skipped")
    crm.record_synced_lead(store, tenant_id="acme", call_id="C1", crm_type="salesforce", role="secondary",
                           record_id="sf-1", cross_ref_id="hs-1", attempts=1)  # the log row and the id, together
    assert crm.synced_record(store, "acme", "C1", "salesforce") == "sf-1"
    calls.record_crm_engagement(store, "acme", "C1", "salesforce", "task-1")
    calls.redact_stored_transcript(store, "acme", "C1", "[PERSON] here", [{**segments[0], "text": "[PERSON] here"}])
    call = calls.get_call(store, "acme", "C1")
    assert [(call.crm_record_id(crm), call.crm_engagement_id(crm)) for crm in ("hubspot", "salesforce", "pipedrive")
            ] == [("hs-1", None), ("sf-1", "task-1"), (None, None)]
    assert (call.transcript, call.transcript_segments[0]["text"], call.crm_engagement_id("salesforce")) == (
        "[PERSON] here", "[PERSON] here", "task-1")
    calls.record_customer(store, "globex", "C1")
    assert calls.get_call(store, "globex", "C1").lead_status == "customer"
    calls.record_recording(store, "globex", "C1", "file:///globex/C1.wav")
    calls.withhold_recording(store, "globex", "C1", "no consent on record")
    withheld = calls.get_call(store, "globex", "C1")
    assert (withheld.recording_path, withheld.lead_status) == (None, "no_consent")
    assert processing.get_request(store, "globex", "C1")["error"] == "no consent on record"
    with store.connect() as conn:
        row = conn.execute(select(call_records).where(call_records.c.call_id == "C2")).mappings().first()
    assert calls.call_record(row).call_id == "C2"
    with store.begin() as conn:
        calls.set_crm_ids(conn, "acme", "pipedrive", "record", {"C2": "pd-2"})
    with store.connect() as conn:  # many calls read with their links in one query, each its own
        rows = conn.execute(select(call_records).where(call_records.c.tenant_id == "acme",
                                                       call_records.c.call_id.in_(["C1", "C2"]))
                            .order_by(call_records.c.call_id)).mappings().all()
        read = calls.call_records_with_links(conn, "acme", list(rows))
    assert [(c.call_id, c.crm_record_id("pipedrive")) for c in read] == [("C1", None), ("C2", "pd-2")]
    calls.record_duration(store, "acme", "C2", 14)  # the recording's length where the webhook's disagreed
    assert calls.get_call(store, "acme", "C2").duration_s == 14
    with store.begin() as conn:  # the request's end inside another step's transaction
        processing.finish_request(conn, "acme", "C2", "failed", "again")
    assert processing.get_request(store, "acme", "C2")["status"] == "failed"


def test_alerts_raise_once_and_resolve(store):
    assert alerts.raise_alert(store, "acme", "slo", "P2", "slo:pending", "backlog")
    assert not alerts.raise_alert(store, "acme", "slo", "P2", "slo:pending", "backlog again")
    assert alerts.raise_alert(store, "globex", "slo", "P2", "slo:pending", "backlog")
    with pytest.raises(ValueError):
        alerts.raise_alert(store, "acme", "slo", "P9", "k", "m")
    opened = alerts.open_alerts(store, "acme", "slo", ["slo:pending", "slo:other"])
    assert [(a["dedupe_key"], a["severity"], a["message"]) for a in opened] == [("slo:pending", "P2", "backlog")]
    assert opened[0]["created_at"].tzinfo is not None
    assert alerts.resolve_alerts(store, "acme", "slo:pending") == 1
    assert alerts.resolve_alerts(store, "acme", "slo:pending") == 0
    assert alerts.open_alerts(store, "acme", "slo", ["slo:pending"]) == []
    assert len(alerts.open_alerts(store, "globex", "slo", ["slo:pending"])) == 1
    assert alerts.raise_alert(store, "_system", "security", "P2", "security:potential_brute_force", "blocks")
    assert alerts.open_alerts_all_tenants(store, ["slo", "security"]) == [
        {"tenant_id": "_system", "dedupe_key": "security:potential_brute_force", "severity": "P2"},
        {"tenant_id": "globex", "dedupe_key": "slo:pending", "severity": "P2"}]
    assert alerts.open_alerts_all_tenants(store, ["service"]) == []
    # once=True (one alert per call): not raised again even after it was resolved
    assert alerts.raise_alert(store, "acme", "high_value_lead", "INFO", "high_value_lead:C9", "hot", once=True)
    assert alerts.resolve_alerts(store, "acme", "high_value_lead:C9") == 1
    assert not alerts.raise_alert(store, "acme", "high_value_lead", "INFO", "high_value_lead:C9", "hot", once=True)


def test_crm_sync_log_and_circuit_breaker(store):
    record_calls(store, [_call("acme", "C1"), _call("acme", "C2"), _call("acme", "C3")])
    set_field_on_calls(store, "acme", "lead_score", {"C1": 80, "C2": 40})
    set_call_fields(store, "acme", "C2", hubspot_contact_id="hs-2")
    pending = crm.scored_calls_without_record(store, "acme", "hubspot", DAY_AGO, NOW + timedelta(1))
    assert [c.call_id for c in pending] == ["C1"]
    assert crm.scored_calls_without_record(store, "acme", "hubspot", NOW + timedelta(1),
                                           NOW + timedelta(2)) == []
    set_call_fields(store, "acme", "C3", hubspot_contact_id="hs-3", hubspot_call_id="call-3")
    assert [c.call_id for c in crm.calls_without_engagement(  # synced, its call engagement not yet logged
        store, "acme", "hubspot", DAY_AGO, NOW + timedelta(1))] == ["C2"]
    # a CRM without runbook columns (pipedrive): the same questions answered from call_crm_links
    record_calls(store, [_call("globex", "C1")])
    set_field_on_calls(store, "globex", "lead_score", {"C1": 90})
    with store.begin() as conn:
        calls.set_crm_ids(conn, "globex", "pipedrive", "record", {"C1": "pd-globex"})
    assert [c.call_id for c in crm.scored_calls_without_record(
        store, "acme", "pipedrive", DAY_AGO, NOW + timedelta(1))] == ["C1", "C2"]  # globex's link is not acme's
    crm.record_synced_lead(store, tenant_id="acme", call_id="C2", crm_type="pipedrive", role="primary",
                           record_id="pd-2", cross_ref_id=None, attempts=2)
    calls.record_crm_engagements(store, "acme", "pipedrive", {"C1": "act-1"})  # an engagement without a record
    pending = crm.scored_calls_without_record(store, "acme", "pipedrive", DAY_AGO, NOW + timedelta(1))
    assert [(c.call_id, c.crm_record_id("pipedrive"), c.crm_engagement_id("pipedrive")) for c in pending] == [
        ("C1", None, "act-1")]
    [unlogged] = crm.calls_without_engagement(store, "acme", "pipedrive", DAY_AGO, NOW + timedelta(1))
    assert (unlogged.call_id, unlogged.crm_record_id("pipedrive")) == ("C2", "pd-2")
    calls.record_crm_engagement(store, "acme", "C2", "pipedrive", "act-2")
    assert crm.calls_without_engagement(store, "acme", "pipedrive", DAY_AGO, NOW + timedelta(1)) == []
    assert calls.get_call(store, "acme", "C2").crm_engagement_id("pipedrive") == "act-2"
    with pytest.raises(LookupError):  # no such call: nothing of it is written, not even the log row
        crm.record_synced_lead(store, tenant_id="acme", call_id="nope", crm_type="pipedrive", role="primary",
                               record_id="pd-x", cross_ref_id=None, attempts=1)
    assert crm.synced_record(store, "acme", "nope", "pipedrive") is None

    crm.record_sync(store, tenant_id="acme", call_id="C1", crm_type="hubspot", role="primary", status="failed",
                    record_id=None, cross_ref_id=None, attempts=2, error="HTTP 503")
    crm.record_sync(store, tenant_id="acme", call_id="C1", crm_type="hubspot", role="primary", status="synced",
                    record_id="hs-1", cross_ref_id="sf-1", attempts=1, error=None)
    assert crm.synced_record(store, "acme", "C1", "hubspot") == "hs-1"
    assert crm.synced_record(store, "acme", "C1", "salesforce") is None
    crm.record_sync_many(store, "acme", "salesforce", "secondary", synced={"C1": "sf-1"}, failed={"C2": "boom"},
                         cross_refs={"C1": "hs-1"})
    crm.record_sync_many(store, "acme", "salesforce", "secondary", synced={"C2": "sf-2"}, failed={},
                         cross_refs={})
    assert crm.synced_record(store, "acme", "C2", "salesforce") == "sf-2"
    assert [calls.get_call(store, "acme", c).salesforce_lead_id for c in ("C1", "C2")] == ["sf-1", "sf-2"]
    with pytest.raises(LookupError):  # a synced call not in the store: no log row is left either
        crm.record_sync_many(store, "acme", "salesforce", "secondary", synced={"C9": "sf-9"}, failed={},
                             cross_refs={})
    assert crm.synced_record(store, "acme", "C9", "salesforce") is None
    assert crm.sync_success_rate(store, "acme", "hubspot", DAY_AGO) == 1.0
    assert crm.sync_success_rate(store, "acme", "salesforce", DAY_AGO) == 1.0
    assert crm.sync_success_rate(store, "globex", "hubspot", DAY_AGO) is None
    with store.connect() as conn:
        from leadline.store.schema import crm_sync_log

        attempts = dict(conn.execute(select(crm_sync_log.c.call_id, crm_sync_log.c.attempts).where(
            crm_sync_log.c.tenant_id == "acme", crm_sync_log.c.crm_type == "salesforce")).all())
    assert attempts == {"C1": 1, "C2": 2}

    assert crm.circuit(store, "acme", "hubspot") == crm.Circuit("closed", 0, None)
    now = NOW
    for n in range(1, crm.FAILURES_TO_OPEN):
        assert crm.record_failure(store, "acme", "hubspot", now) == crm.Circuit("closed", n, None)
    opened = crm.record_failure(store, "acme", "hubspot", now)
    assert (opened.state, opened.consecutive_failures, opened.opened_until) == (
        "open", crm.FAILURES_TO_OPEN, now + crm.COOLDOWN)
    assert crm.circuit(store, "acme", "hubspot").wait_s(now) == crm.COOLDOWN.total_seconds()
    crm.record_success(store, "acme", "hubspot")
    assert crm.circuit(store, "acme", "hubspot") == crm.Circuit("closed", 0, None)
    crm.record_success(store, "globex", "salesforce")  # first row through the success path
    assert crm.circuit(store, "globex", "salesforce").state == "closed"


def test_ops_queries_and_maintenance_writes(store):
    record_calls(store, [_call("acme", f"C{i}") for i in range(4)] + [_call("globex", "G1")])
    for call_id, status, ms, error in (("C0", "completed", 4000, None), ("C1", "failed", 1000, "speech: timeout"),
                                       ("C2", "processing", None, None)):
        _set_request(store, "acme", call_id, status=status, processing_time_ms=ms, error=error, updated_at=NOW,
                     attempts=1)
    metrics = ops.slo_metrics(store, datetime.now(UTC) + timedelta(seconds=1))
    assert (metrics.pending, metrics.error_rate, metrics.processing_avg_s) == (2, 0.5, 4.0)
    assert metrics.oldest_pending_age_s >= 0 and set(metrics.crm_sync_rates) == set(CRM_TYPES)
    assert ops.slo_metrics(store, NOW, tenant_id="globex").pending == 1
    activity = ops.slo_activity_all_tenants(store, datetime.now(UTC) + timedelta(seconds=1))
    assert sorted(activity) == ["acme", "globex"]
    acme = activity["acme"]
    assert (acme.pending, acme.finished, acme.failed, acme.processing_times_s) == (1, 2, 1, (4.0,))
    assert (activity["globex"].pending, activity["globex"].finished) == (1, 0)

    snapshot_id = ops.save_snapshot(store, NOW - timedelta(minutes=5), "degraded", {"store": "ok"}, {"p": [1, 2]})
    latest_id = ops.save_snapshot(store, NOW, "healthy", {"store": "ok", "speech": "ok"}, {"pending": 0})
    assert snapshot_id != latest_id
    ops.save_snapshot(store, NOW - timedelta(minutes=3), "healthy", {"store": "healthy"}, {})
    assert ops.probe_outcomes(store, NOW - timedelta(minutes=10)) == {"store": (1, 3), "speech": (0, 1)}
    assert ops.probe_outcomes(store, NOW - timedelta(minutes=1)) == {"store": (0, 1), "speech": (0, 1)}
    latest = ops.latest_snapshot(store)
    assert (latest["snapshot_id"], latest["status"], latest["services"], latest["metrics"]) == (
        latest_id, "healthy", {"store": "ok", "speech": "ok"}, {"pending": 0})

    _set_request(store, "acme", "C3", status="dispatched", updated_at=NOW - timedelta(hours=2), attempts=3)
    _set_request(store, "acme", "C2", updated_at=NOW - timedelta(hours=2))
    assert ops.reap_stuck_all_tenants(store, NOW, timedelta(minutes=30), max_attempts=3) == {"requeued": 1,
                                                                                            "failed": 1}
    assert processing.get_request(store, "acme", "C2")["status"] == "pending"
    assert processing.get_request(store, "acme", "C3")["error"].startswith("stuck for over 30 min")
    assert ops.failed_requests(store, "acme", DAY_AGO, "timeout") == [("acme", "C1")]
    assert ops.failed_requests(store, None, DAY_AGO, None) == [("acme", "C1"), ("acme", "C3")]
    assert ops.requeue(store, [("acme", "C1"), ("acme", "nope")], "retry: speech fixed", NOW) == 1
    assert processing.get_request(store, "acme", "C1")["error"] == "retry: speech fixed"

    set_call_fields(store, "acme", "C0", transcript="t", lead_score=70, customer_email="a@example.com",
                           recording_path="file:///tmp/C0.mp3", transcript_embedding=[0.5, 0.25])
    assert ops.clear_calls_for_reprocessing(store, "acme", call_ids=["C0", "nope"]) == ([], 1)
    assert ops.clear_calls_for_reprocessing(store, "acme", call_ids=["C0"]) == (["C0"], 0)
    assert calls.get_call(store, "acme", "C0").lead_score is None
    cleared, unknown = ops.clear_calls_for_reprocessing(store, "globex", created_from=DAY_AGO,
                                                        created_until=NOW + timedelta(1))
    assert (cleared, unknown) == (["G1"], 0)

    completeness = ops.data_completeness(store, "acme", DAY_AGO)
    assert completeness["total_records"] == 4 and completeness["has_email"] == 1
    assert completeness["has_name"] == 4 and completeness["has_score"] == 0

    set_call_fields(store, "acme", "C0", transcript="t", recording_path="file:///tmp/C0.mp3")
    assert ops.purge_expired(store, "acme", retention_days=30, now=NOW) == []
    assert ops.purge_expired(store, "acme", retention_days=1, now=NOW + timedelta(days=2)).count("file:///tmp/C0.mp3")
    purged = calls.get_call(store, "acme", "C0")
    assert (purged.transcript, purged.raw_payload, purged.recording_path) == (None, {}, None)
    assert purged.purged_at == NOW + timedelta(days=2)

    summary = ops.daily_summary_all_tenants(store, DAY_AGO, NOW + timedelta(1))
    assert summary == [{"tenant_id": "acme", "completed": 1, "failed": 1, "pending": 2},
                       {"tenant_id": "globex", "pending": 1}]
    crm.record_sync(store, tenant_id="acme", call_id="C0", crm_type="hubspot", role="primary", status="synced",
                    record_id="hs-0", cross_ref_id=None, attempts=1, error=None)
    set_call_fields(store, "acme", "C1", lead_score=90)
    requests, scores, crm_statuses = ops.week_activity(store, "acme", DAY_AGO, NOW + timedelta(1))
    assert sorted(r["status"] for r in requests) == ["completed", "failed", "pending", "pending"]
    assert (scores, crm_statuses) == ([90], ["synced"])


def _mirror_rows(n: int = 2) -> dict[str, list[dict]]:
    return {
        "sf_accounts": [{"account_id": f"A{i}", "account_name": f"Account {i}", "website": f"https://a{i}.example",
                         "domain": f"a{i}.example", "industry": "Roofing", "system_modstamp": NOW,
                         "synced_at": NOW} for i in range(n)],
        "sf_contacts": [{"contact_id": f"S{i}", "account_id": f"A{i}", "first_name": "Jane", "last_name": f"Doe{i}",
                         "email": f"Jane{i}@A{i}.example", "phone": "(415) 555-010" + str(i),
                         "email_normalized": f"jane{i}@a{i}.example", "phone_e164": f"+1415555010{i}",
                         "system_modstamp": NOW, "synced_at": NOW} for i in range(n)],
        "sf_opportunities": [{"opportunity_id": f"O{i}", "account_id": f"A{i}", "name": f"Deal {i}",
                              "stage_name": "Prospecting", "amount": 1000.0 * (i + 1), "is_closed": i == 1,
                              "close_date": None, "system_modstamp": NOW, "synced_at": NOW} for i in range(n)],
        "hubspot_contacts": [{"contact_id": f"H{i}", "email": f"h{i}@example.com", "phone": None,
                              "first_name": "Hub", "last_name": f"Spot{i}", "company": "Acme",
                              "last_modified": NOW, "synced_at": NOW} for i in range(n)],
        "hubspot_companies": [{"company_id": f"HC{i}", "name": f"Company {i}", "domain": f"c{i}.example",
                               "last_modified": NOW, "synced_at": NOW} for i in range(n)],
        "dialpad_calls": [{"call_id": f"D{i}", "call_time": NOW - timedelta(hours=i), "duration_s": 60,
                           "participants": [{"email": "x@example.com", "role": "external"}],
                           "transcript": f"dialpad call {i}", "ingested_at": NOW}
                          for i in range(n)],
    }


def _gmail(n: int = 2) -> tuple[list[dict], list[dict]]:
    messages = [{"message_id": f"M{i}", "mailbox": "sales@acme.example", "thread_id": f"T{i}",
                 "sent_at": NOW - timedelta(hours=i), "subject": f"Quote {i}", "snippet": "snippet",
                 "body": f"body {i}", "ingested_at": NOW} for i in range(n)]
    participants = [{"message_id": f"M{i}", "email": f"jane{i}@a{i}.example", "role": "from",
                     "sf_contact_id": None, "ingested_at": NOW} for i in range(n)]
    participants += [{"message_id": "M0", "email": "stranger@example.org", "role": "to", "sf_contact_id": None,
                      "ingested_at": NOW}]
    return messages, participants


def test_etl_runs_and_mirrors(store):
    with etl.etl_run(store, "acme", "salesforce", "scheduled__1") as run:
        run.rows_processed = 7
    with pytest.raises(RuntimeError), etl.etl_run(store, "acme", "gmail", "scheduled__1") as run:
        run.rows_processed = 2
        raise RuntimeError("quota")
    with etl.etl_run(store, "acme", "salesforce", "scheduled__1") as run:  # a rerun replaces its row
        run.rows_processed = 8
    runs = dashboard.recent_etl_runs(store, "acme", limit=10)
    assert sorted((r["run_id"], r["status"], r["rows_processed"]) for r in runs) == [
        ("gmail:scheduled__1", "failed", 2), ("salesforce:scheduled__1", "success", 8)]
    assert [r["error_message"] for r in runs if r["status"] == "failed"] == ["RuntimeError: quota"]

    rows = _mirror_rows()
    for mirror, batch in rows.items():
        etl.replace_rows(store, "acme", mirror, batch)
        etl.replace_rows(store, "acme", mirror, batch[:1])  # by natural id: no duplicates
        etl.replace_rows(store, "acme", mirror, [])
    messages, participants = _gmail()
    etl.replace_gmail_messages(store, "acme", messages, participants)
    etl.replace_gmail_messages(store, "acme", messages[:1], participants[:1])
    etl.replace_gmail_messages(store, "acme", [], [])
    with store.connect() as conn:
        for mirror, (table, key) in etl.MIRRORS.items():
            ids = conn.execute(select(table.c[key]).where(table.c.tenant_id == "acme")
                               .order_by(table.c[key])).scalars().all()
            assert ids == [r[key] for r in rows[mirror]], mirror
        dialpad = conn.execute(select(etl.dialpad_calls.c.participants).where(
            etl.dialpad_calls.c.call_id == "D0")).scalar_one()
        assert dialpad == [{"email": "x@example.com", "role": "external"}]
        emails = conn.execute(select(gmail_participants.c.email).where(gmail_participants.c.message_id == "M0")
                              .order_by(gmail_participants.c.email)).scalars().all()
        assert emails == ["jane0@a0.example"]  # M0's participants replaced with it


def test_entity_resolution_and_account_scoring_reads_and_writes(store):
    for mirror, batch in _mirror_rows().items():
        etl.replace_rows(store, "acme", mirror, batch)
    messages, participants = _gmail()
    etl.replace_gmail_messages(store, "acme", messages, participants)
    record_calls(store, [_call("acme", "C1"), _call("acme", "C2")])
    set_field_on_calls(store, "acme", "customer_email", {"C1": "jane0@a0.example", "C2": "who@nowhere.test"})
    set_field_on_calls(store, "acme", "lead_score", {"C1": 80, "C2": 30})
    with store.begin() as conn:
        conn.execute(insert(manual_mappings).values(tenant_id="acme", identity="+14155550199", contact_id="S1",
                                                    created_by="ops", created_at=NOW))

    people = intelligence.people_to_resolve(store, "acme")
    assert sorted(people["call"]["source_id"]) == ["C1", "C2"]
    assert sorted(people["gmail"]["email"]) == ["jane0@a0.example", "jane1@a1.example", "stranger@example.org"]
    contacts = intelligence.resolution_contacts(store, "acme")
    by_id = {row.contact_id: row for row in contacts.itertuples()}
    assert set(by_id) == {"S0", "S1", "hs:H0", "hs:H1"}
    assert (by_id["S0"].name, by_id["S0"].account_domain) == ("Jane Doe0", "a0.example")
    assert by_id["hs:H1"].name == "Hub Spot1" and pd.isna(by_id["hs:H1"].account_id)
    assert intelligence.manual_mappings_of(store, "acme").to_dict("records") == [
        {"identity": "+14155550199", "contact_id": "S1"}]

    with store.connect() as conn:  # one row per unmatched call or message, with the time it was sent
        unmatched = conn.execute(text("SELECT email_address, source, source_id, sent_at FROM v_unmatched_emails "
                                      "WHERE tenant_id = :t ORDER BY source, email_address"), {"t": "acme"}).all()
    assert [tuple(r[:3]) for r in unmatched] == [
        ("jane0@a0.example", "call", "C1"), ("who@nowhere.test", "call", "C2"), ("jane0@a0.example", "gmail", "M0"),
        ("jane1@a1.example", "gmail", "M1"), ("stranger@example.org", "gmail", "M0")]
    assert all(r.sent_at is not None for r in unmatched)

    match = {"source_id": "C1", "contact_id": "S0", "account_id": "A0", "method": "email", "confidence": 1.0}
    intelligence.replace_entity_matches(store, "acme", "call", [match], NOW)
    intelligence.replace_entity_matches(store, "acme", "call", [match], NOW)  # replaced, not duplicated
    intelligence.replace_entity_matches(store, "acme", "gmail", [
        {"source_id": "jane0@a0.example", "contact_id": "S0", "account_id": "A0", "method": "email",
         "confidence": 1.0}], NOW, gmail_contacts={"jane0@a0.example": "S0"})
    with store.connect() as conn:
        unmatched = conn.execute(text("SELECT email_address FROM v_unmatched_emails WHERE tenant_id = :t "
                                      "ORDER BY email_address"), {"t": "acme"}).scalars().all()
    assert unmatched == ["jane1@a1.example", "stranger@example.org", "who@nowhere.test"]
    assert [(r["email_address"], r["message_count"], r["latest_message"]) for r in dashboard.unmatched_emails(
        store, "acme") if r["email_address"] != "who@nowhere.test"] == [  # the call's time is its intake's
        ("jane1@a1.example", 1, NOW - timedelta(hours=1)), ("stranger@example.org", 1, NOW)]
    assert dashboard.unmatched_emails(store, "globex") == []

    activity = intelligence.account_activity(store, "acme", DAY_AGO, NOW + timedelta(1)).set_index("account_id")
    assert activity.loc["A0", "calls_30d"] == 1 and activity.loc["A0", "max_lead_score"] == 80
    assert activity.loc["A0", "emails_30d"] == 1 and activity.loc["A0", "open_amount"] == 1000.0
    assert activity.loc["A1"].isna()["calls_30d"]

    recommendation = {"account_id": "A0", "priority_score": 0.8, "budget_likelihood": 0.5,
                      "engagement_score": 0.7, "recommended_action": "Call this week"}
    day = NOW.date().isoformat()
    intelligence.replace_account_recommendations(store, "acme", day, [recommendation], NOW)
    intelligence.replace_account_recommendations(store, "acme", day, [recommendation,
                                                                      {**recommendation, "account_id": "A1",
                                                                       "priority_score": 0.3}], NOW)
    top = dashboard.recommended_accounts(store, "acme", day)
    assert [(r["account_name"], r["priority_score"], r["recommended_action"]) for r in top] == [
        ("Account 0", 0.8, "Call this week"), ("Account 1", 0.3, "Call this week")]
    assert data_quality.accounts_scored_all_tenants(store, day) == {"acme": 2}
    assert data_quality.salesforce_accounts_all_tenants(store) == {"acme": 2}


def test_embeddings_backlog_per_source(store):
    for mirror, batch in _mirror_rows().items():
        etl.replace_rows(store, "acme", mirror, batch)
    messages, participants = _gmail()
    etl.replace_gmail_messages(store, "acme", messages, participants)
    record_calls(store, [_call("acme", "C1"), _call("globex", "G1"), _call("globex", "G2")])
    set_call_fields(store, "acme", "C1", transcript="we need a new roof")
    set_call_fields(store, "globex", "G1", transcript="gutters please")
    expected_backlog = {"gmail_messages": {"acme": 2}, "call_transcripts": {"acme": 1, "globex": 1},
                        "dialpad_transcripts": {"acme": 2}}
    for source in embeddings.EMBEDDING_SOURCES:
        assert embeddings.embedding_backlog_all_tenants(store, source) == expected_backlog[source.name], source.name
        texts = embeddings.unembedded_texts_all_tenants(store, source, limit=10)
        assert {t: len(rows) for t, rows in texts.items()} == expected_backlog[source.name]
        for tenant_id, rows in texts.items():
            embeddings.save_embeddings(store, tenant_id, source, {key: [0.1, 0.2, 0.3] for key in rows})
        embeddings.save_embeddings(store, "acme", source, {})
        assert embeddings.embedding_backlog_all_tenants(store, source) == {}
        assert embeddings.unembedded_texts_all_tenants(store, source, limit=10) == {}
    assert {s.text_of for s in embeddings.EMBEDDING_SOURCES} == {embeddings.email_text, embeddings.transcript_text}
    assert calls.get_call(store, "acme", "C1").transcript_embedding == [0.1, 0.2, 0.3]
    assert data_quality.email_embedding_coverage_all_tenants(store) == {"acme": (2, 0)}


def test_data_quality_checks_all_tenants(store):
    with etl.etl_run(store, "acme", "gmail", "r1"):
        pass
    with etl.etl_run(store, "globex", "gmail", "r1"):
        pass
    counts = data_quality.etl_run_counts_all_tenants(store, DAY_AGO)
    assert sorted((c["tenant_id"], c["source_system"], c["status"], c["runs"]) for c in counts) == [
        ("acme", "gmail", "success", 1), ("globex", "gmail", "success", 1)]
    for mirror, batch in _mirror_rows().items():
        etl.replace_rows(store, "acme", mirror, batch)
    messages, participants = _gmail()
    etl.replace_gmail_messages(store, "acme", messages, participants)
    record_calls(store, [_call("globex", "G1")])
    latest = data_quality.latest_activity_all_tenants(store)
    assert latest["gmail_messages"] == {"acme": NOW} and latest["dialpad_calls"] == {"acme": NOW}
    assert set(latest["call_records"]) == {"globex"} and latest["hubspot_contacts"] == {"acme": NOW}
    assert data_quality.duplicate_message_ids_all_tenants(store) == {}
    assert data_quality.email_embedding_coverage_all_tenants(store) == {"acme": (0, 2)}
    intelligence.replace_entity_matches(store, "acme", "gmail", [], NOW, gmail_contacts={"jane0@a0.example": "S0"})
    assert data_quality.email_match_counts_all_tenants(store, DAY_AGO) == {"acme": (1, 3)}
    assert data_quality.accounts_scored_all_tenants(store, "1999-01-01") == {}


def test_dashboard_reads(store):
    record_calls(store, [_call("acme", f"C{i}") for i in range(5)] + [_call("globex", "G1")])
    set_field_on_calls(store, "acme", "lead_score", {"C0": 90, "C1": 50, "C2": 70})
    set_field_on_calls(store, "acme", "call_class", {"C0": "lead", "C1": "lead", "C2": "support"})
    _set_request(store, "acme", "C0", status="completed")
    alerts.raise_alert(store, "acme", "high_value_lead", "P3", "high_value_lead:C0", "score 90")
    crm.record_sync(store, tenant_id="acme", call_id="C0", crm_type="hubspot", role="primary", status="synced",
                    record_id="hs-0", cross_ref_id=None, attempts=1, error=None)

    assert dashboard.calls_since(store, "acme", DAY_AGO) == 5
    assert dashboard.calls_since(store, "acme", NOW + timedelta(1)) == 0
    today = datetime.now(UTC).date()
    by_status = {(str(r.day), r.status): r.n for r in dashboard.requests_by_day_and_status(store, "acme", DAY_AGO)}
    assert by_status == {(today.isoformat(), "completed"): 1, (today.isoformat(), "pending"): 4}
    scores = dashboard.lead_scores_by_day(store, "acme", DAY_AGO)
    assert [(str(r.day), round(float(r.avg_score), 2), r.scored) for r in scores] == [(today.isoformat(), 70.0, 3)]

    total, page = dashboard.call_page(store, "acme", limit=2, offset=0)
    assert total == 5 and len(page) == 2
    total, page = dashboard.call_page(store, "acme", status="pending", call_class="lead", min_score=40,
                                      max_score=60, created_from=DAY_AGO, created_until=NOW + timedelta(1), limit=10)
    assert (total, [r.call_id for r in page]) == (1, ["C1"])
    total, page = dashboard.call_page(store, "acme", limit=10, offset=4)
    assert total == 5 and len(page) == 1

    history = dashboard.call_history(store, "acme", "C0")
    assert history.call["lead_score"] == 90 and history.request["status"] == "completed"
    assert [s["record_id"] for s in history.crm_syncs] == ["hs-0"]
    assert [(a.kind, a.status) for a in history.alerts] == [("high_value_lead", "open")]
    assert dashboard.call_history(store, "globex", "C0") is None  # another tenant's call id

    with etl.etl_run(store, "acme", "salesforce", "r1") as run:
        run.rows_processed = 3
    assert [r["source_system"] for r in dashboard.recent_etl_runs(store, "acme", limit=5)] == ["salesforce"]
    last = dashboard.last_etl_success_by_source(store, "acme")
    assert set(last) == {"salesforce"} and last["salesforce"].tzinfo is not None
    assert dashboard.recommended_accounts(store, "acme", date.today().isoformat()) == []
    [performance] = dashboard.etl_performance(store, "acme", DAY_AGO)
    assert (performance["source_system"], performance["avg_rows"]) == ("salesforce", 3.0)
    assert performance["run_date"] == last["salesforce"].date() and performance["max_seconds"] >= 0
    assert dashboard.embedding_status(store, "acme") == {"total_emails": 0, "emails_with_embeddings": 0,
                                                         "emails_without_embeddings": 0}


@pytest.mark.parametrize("name", ["backup_counts", "data_completeness"])
def test_the_named_sql_files_other_modules_run(store, name):
    """The backup verification's and the completeness check's queries, with their named parameters, on each
    backend (the runbook queries answer in test_runbook_queries.py)."""
    record_calls(store, [_call("acme", "C1"), _call("acme", "C2"), _call("globex", "G1")])
    set_call_fields(store, "acme", "C1", customer_email="jane@example.com", lead_score=75)
    query = named_query(name)
    params = {"tenant_id": "acme", "since": DAY_AGO}
    with store.connect() as conn:
        rows = [dict(r) for r in conn.execute(query, {k: params[k] for k in query.compile().params}).mappings()]
    if name == "backup_counts":
        counts = {r["table_name"]: r["row_count"] for r in rows}
        assert counts["tenants"] == 3 and counts["call_records"] == 3 and counts["processing_requests"] == 3
    else:
        assert (rows[0]["total_records"], rows[0]["has_email"], rows[0]["has_score"]) == (2, 1, 1)


def test_this_file_exercises_every_repository_function():
    """A store function added later without a line here fails this test (and so gets run on every backend)."""
    source = ast.parse(Path(__file__).read_text())
    called = {node.attr for node in ast.walk(source) if isinstance(node, ast.Attribute)}
    called |= {node.id for node in ast.walk(source) if isinstance(node, ast.Name)}
    missing = []
    for module in STORE_MODULES:
        module = importlib.import_module(module.__name__)
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ == module.__name__ and not name.startswith("_") and name not in called:
                missing.append(f"{module.__name__}.{name}")
    assert missing == []


def test_intake_counts_summed_over_instances_and_purged(store):
    minute = NOW.replace(second=0, microsecond=0)
    intake_counts.save_intake_counts(store, "instance-a", minute, {("acme", "accepted"): 5,
                                                                   ("acme", "invalid_signature"): 2})
    intake_counts.save_intake_counts(store, "instance-b", minute, {("acme", "accepted"): 3, ("_unknown", "x"): 0})
    intake_counts.save_intake_counts(store, "instance-a", minute - timedelta(days=40), {("acme", "accepted"): 9})
    assert intake_counts.intake_counts_all_tenants(store, minute - timedelta(minutes=1)) == [
        {"tenant_id": "acme", "event": "accepted", "count": 8},
        {"tenant_id": "acme", "event": "invalid_signature", "count": 2}]
    assert intake_counts.purge_intake_counts_all_tenants(store, minute - timedelta(days=30)) == 1
    assert len(intake_counts.intake_counts_all_tenants(store, minute - timedelta(days=60))) == 2


def test_named_sql_is_tenant_scoped_where_it_reads_calls():
    assert ":tenant_id" in named_query("data_completeness").text
    assert call_records.name in named_query("data_completeness").text
