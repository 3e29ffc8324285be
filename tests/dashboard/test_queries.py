"""Dashboard queries on a seeded store: figures match the seed, filters filter, one tenant at a time."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from leadline.dashboard import queries
from leadline.dashboard.views import crm_links
from leadline.store import crm as crm_store
from leadline.store.members import grant, tenants_of
from leadline_dev.sandbox.seed import STATUS_MIX, insert_call_history

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


def seed(engine) -> None:
    insert_call_history(engine, "acme", 180, days=3, now=NOW, prefix="AC")
    insert_call_history(engine, "globex", 36, days=3, now=NOW, prefix="GX")


def test_calls_list_filters_by_status_score_and_day_within_the_tenant(seeded_engine):
    seed(seeded_engine)
    everything = queries.list_calls(seeded_engine, "acme")
    assert everything["total"] == 180 and len(everything["calls"]) == queries.PAGE_SIZE
    assert all(c["call_id"].startswith("AC") for c in everything["calls"])
    created = [c["created_at"] for c in everything["calls"]]
    assert created == sorted(created, reverse=True)

    failed = queries.list_calls(seeded_engine, "acme", status="failed")
    assert failed["total"] == 180 // len(STATUS_MIX) and {c["status"] for c in failed["calls"]} == {"failed"}

    scored = queries.list_calls(seeded_engine, "acme", min_score=90, max_score=95)
    scored_total_90 = queries.list_calls(seeded_engine, "acme", min_score=90)["total"]
    assert scored["total"] > 0 and all(90 <= c["lead_score"] <= 95 for c in scored["calls"])
    assert scored["total"] < queries.list_calls(seeded_engine, "acme", status="completed")["total"]

    yesterday = queries.list_calls(seeded_engine, "acme", day=(NOW - timedelta(days=1)).date())
    assert 0 < yesterday["total"] < 180
    assert all(c["created_at"].startswith("2026-11-22") for c in yesterday["calls"])

    wrong = queries.list_calls(seeded_engine, "acme", call_class="wrong_number")
    assert wrong["total"] > 0 and {(c["call_class"], c["status"]) for c in wrong["calls"]} == {
        ("wrong_number", "skipped")}
    leads = queries.list_calls(seeded_engine, "acme", call_class="new_lead", min_score=90)
    assert leads["total"] == scored_total_90 and all(c["class_reason"] for c in leads["calls"])
    assert queries.list_calls(seeded_engine, "globex", call_class="wrong_number")["total"] < wrong["total"]

    page4 = queries.list_calls(seeded_engine, "acme", page=4)
    assert len(page4["calls"]) == 180 - 3 * queries.PAGE_SIZE
    assert all(re.fullmatch(r"\+1\*{6}\d{4}", c["caller"]) for c in everything["calls"])  # masked, never raw


def test_overview_counts_today_and_grades_with_runbook_thresholds(seeded_engine):
    seed(seeded_engine)
    result = queries.overview(seeded_engine, "globex", NOW)
    today = [d for d in result["daily"] if d["day"] == "2026-11-23"][0]
    assert result["calls_today"] == today["calls"] > 0
    assert len(result["daily"]) == queries.CHART_DAYS
    assert sum(d["calls"] for d in result["daily"]) == 36
    # 1 in 18 seeded calls is pending: the queue is non-empty (yellow), the error rate is > 5 % (red)
    assert result["indicators"]["processing_queue"]["level"] == "yellow"
    assert result["indicators"]["error_rate"]["level"] == "red"
    assert "webhook_latency_p95" not in result["indicators"]


def test_call_detail_breaks_the_score_down_by_weight_and_links_crm_records(seeded_engine):
    seed(seeded_engine)
    call_id = "AC0000010"  # completed, every factor 0.5
    crm_store.record_sync(seeded_engine, tenant_id="acme", call_id=call_id, crm_type="hubspot", role="primary",
                          status="synced", record_id="501", cross_ref_id=None, attempts=1, error=None)
    detail = queries.call_detail(seeded_engine, "acme", call_id)
    assert detail["request"]["status"] == "completed"
    assert {f["factor"]: f["points"] for f in detail["score_breakdown"]} == {
        "project_intent": 15.0, "timeline": 12.5, "budget": 10.0, "duration": 7.5, "engagement": 5.0}
    assert sum(f["points"] for f in detail["score_breakdown"]) == detail["lead_score"] == 50
    assert detail["crm_syncs"][0]["record_id"] == "501"
    assert crm_links({"crm_config": {"hubspot_portal_id": "42"}}, detail) == {
        "hubspot": "https://app.hubspot.com/contacts/42/record/0-1/501"}
    assert queries.call_detail(seeded_engine, "globex", call_id) is None


def test_memberships_are_per_user_and_refuse_unknown_tenants(seeded_engine):
    with seeded_engine.begin() as conn:
        assert grant(conn, "acme", "alice") and grant(conn, "acme", "alice")
        assert not grant(conn, "nosuch", "alice")
        assert tenants_of(conn, "alice") == ["acme"] and tenants_of(conn, "bob") == []


def test_accounts_and_etl_pages_carry_the_runbooks_queries(seeded_engine):
    """Top accounts by score with their names, unmatched emails, ETL performance per source and day, embedding
    status: the runbook's queries as the pages and the API show them, for one tenant only."""
    import json
    from types import SimpleNamespace

    from sqlalchemy import insert

    from leadline.dashboard.app import TEMPLATES
    from leadline.store.intake import IncomingCall, record_calls
    from leadline.store.schema import account_recommendations, etl_runs, sf_accounts
    from tests.helpers import set_call_fields

    with seeded_engine.begin() as conn:
        for tenant_id, name in (("acme", "Acme Roofing"), ("globex", "Globex Corp")):
            conn.execute(insert(sf_accounts).values(tenant_id=tenant_id, account_id="A1", account_name=name,
                                                    system_modstamp=NOW, synced_at=NOW))
            conn.execute(insert(account_recommendations).values(
                tenant_id=tenant_id, score_date="2026-11-23", account_id="A1", priority_score=0.9,
                budget_likelihood=0.5, engagement_score=0.4, recommended_action="Call this week", created_at=NOW))
            conn.execute(insert(etl_runs).values(
                tenant_id=tenant_id, run_id="r1", source_system="salesforce", status="success",
                started_at=NOW - timedelta(hours=1), completed_at=NOW - timedelta(hours=1) + timedelta(seconds=90),
                rows_processed=10))
    record_calls(seeded_engine, [IncomingCall("acme", "U1", None, None, None, 60, True, None, None, {})])
    set_call_fields(seeded_engine, "acme", "U1", customer_email="bob@birch.example")

    accounts = queries.top_accounts(seeded_engine, "acme", NOW.date())
    assert accounts["accounts"] == [{"account_name": "Acme Roofing", "priority_score": 0.9, "budget_likelihood": 0.5,
                                     "engagement_score": 0.4, "recommended_action": "Call this week"}]
    [unmatched] = accounts["unmatched_emails"]
    assert (unmatched["email_address"], unmatched["message_count"]) == ("bob@birch.example", 1)
    etl = queries.etl_status(seeded_engine, "acme", NOW)
    assert etl["performance"] == [{"source_system": "salesforce", "run_date": "2026-11-23", "avg_seconds": 90.0,
                                   "max_seconds": 90.0, "avg_rows": 10.0}]
    assert etl["embeddings"] == {"total_emails": 0, "emails_with_embeddings": 0, "emails_without_embeddings": 0}
    json.dumps([accounts, etl])  # what the API returns

    request = SimpleNamespace(url_for=lambda name, **_: f"/{name}")
    viewer = SimpleNamespace(username="ops", tenant_ids=["acme", "globex"])
    page = TEMPLATES.get_template("accounts.html").render(request=request, viewer=viewer, result=accounts,
                                                          filters={"tenant": "acme"}, page="accounts")
    assert "Acme Roofing" in page and "bob@birch.example" in page and "Globex Corp" not in page
    page = TEMPLATES.get_template("etl.html").render(request=request, viewer=viewer, result=etl,
                                                     filters={"tenant": "acme"}, page="etl")
    assert "<td>salesforce</td><td>2026-11-23</td><td>90.0</td>" in page and "with an embedding: 0" in page
