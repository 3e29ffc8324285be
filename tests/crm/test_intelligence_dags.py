"""Sales-intelligence DAGs for real (dag.test) against the sandbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select

from leadline.store.intake import IncomingCall, record_calls
from leadline.store.schema import (
    account_recommendations,
    entity_matches,
    etl_runs,
    manual_mappings,
    processing_requests,
    sf_accounts,
    sf_contacts,
    sf_opportunities,
)
from tests.crm.conftest import configure_tenant_crms, set_faults

DAY = datetime(2026, 11, 20, tzinfo=UTC)


def sf_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def seed_salesforce(sandbox) -> None:
    records = {
        "Account": [{"Id": f"001A{d}", "Name": f"Acme {d}", "Website": f"https://www.acme{d}.io", "Industry": "Roofing",
                     "SystemModstamp": sf_time(DAY + timedelta(days=d, hours=3))} for d in range(3)],
        "Contact": [{"Id": f"003C{d}", "AccountId": f"001A{d}", "FirstName": "Jane", "LastName": f"Doe{d}",
                     "Email": f"jane{d}@acme{d}.io", "Phone": f"555201334{d}",
                     "SystemModstamp": sf_time(DAY + timedelta(days=d, hours=4))} for d in range(3)],
        "Opportunity": [{"Id": f"006O{d}", "AccountId": f"001A{d}", "Name": "Roof", "StageName": "Proposal",
                         "Amount": 25000.0, "IsClosed": False, "CloseDate": "2026-12-31",
                         "SystemModstamp": sf_time(DAY + timedelta(days=d, hours=5))} for d in range(3)],
    }
    for sobject, rows in records.items():
        httpx.post(f"{sandbox.http_url}/_sandbox/salesforce/{sobject}", json=rows).raise_for_status()


def sync_hour(dagbag, days: int, hour: int):
    """Run sync_salesforce by hand over [hour, hour + 1) of DAY + days (a manual run's interval ends at
    its logical date)."""
    run = dagbag.get_dag("sync_salesforce").test(logical_date=DAY + timedelta(days=days, hours=hour + 1))
    assert run.data_interval_start == DAY + timedelta(days=days, hours=hour)
    return run


def table_rows(engine, table) -> list:
    with engine.connect() as conn:
        return sorted(tuple(r) for r in conn.execute(select(table)).all())


def test_incremental_sync_and_repeatable_backfill(crm_sandbox, seeded_engine, dagbag, store_conn):
    configure_tenant_crms(seeded_engine)
    seed_salesforce(crm_sandbox)
    run = sync_hour(dagbag, 0, 3)
    assert {ti.state for ti in run.get_task_instances()} == {"success"}
    assert [r[1] for r in table_rows(seeded_engine, sf_accounts)] == ["001A0"]
    assert table_rows(seeded_engine, sf_contacts) == []  # changed at 04:00: the next interval's
    with seeded_engine.connect() as conn:
        [etl] = conn.execute(select(etl_runs)).mappings().all()
    assert (etl["source_system"], etl["status"], etl["rows_processed"]) == ("salesforce", "success", 1)

    def backfill_three_days():
        for d in range(3):
            for hour in (3, 4, 5):
                sync_hour(dagbag, d, hour)
        return [table_rows(seeded_engine, t) for t in (sf_accounts, sf_contacts, sf_opportunities)]

    first = backfill_three_days()
    assert [len(t) for t in first] == [3, 3, 3]
    assert backfill_three_days() == first


def test_failed_source_is_recorded_and_the_retry_succeeds(crm_sandbox, seeded_engine, dagbag, store_conn):
    configure_tenant_crms(seeded_engine)
    seed_salesforce(crm_sandbox)
    set_faults(crm_sandbox, "salesforce", down=True)
    failed = sync_hour(dagbag, 0, 3)
    assert {ti.state for ti in failed.get_task_instances()} == {"failed"}
    with seeded_engine.connect() as conn:
        rows = conn.execute(select(etl_runs)).mappings().all()
    assert [(r["status"], r["error_message"]) for r in rows] == [("failed", "CrmError: salesforce: HTTP 503")]
    set_faults(crm_sandbox, "salesforce")
    assert {ti.state for ti in sync_hour(dagbag, 0, 3).get_task_instances()} == {"success"}
    with seeded_engine.connect() as conn:
        assert sorted(conn.execute(select(etl_runs.c.status)).scalars().all()) == ["failed", "success"]


def test_resolution_with_manual_override_then_scoring(crm_sandbox, seeded_engine, dagbag, store_conn):
    from leadline.store.schema import call_records

    configure_tenant_crms(seeded_engine)
    seed_salesforce(crm_sandbox)
    for d in range(3):
        for hour in (3, 4, 5):
            sync_hour(dagbag, d, hour)
    record_calls(seeded_engine, [IncomingCall("acme", f"K{i}", None, None, None, 120, True, None, None, {})
                                 for i in range(3)])
    with seeded_engine.begin() as conn:
        for i, (email, score) in enumerate([("JANE0@acme0.io", 90), ("jane1@acme1.io", 70), ("who@else.org", 40)]):
            conn.execute(call_records.update().where(call_records.c.call_id == f"K{i}").values(
                customer_email=email, lead_score=score, created_at=DAY + timedelta(days=2)))
        conn.execute(processing_requests.update().values(status="completed"))
        conn.execute(manual_mappings.insert().values(tenant_id="acme", identity="jane1@acme1.io", contact_id="003C2",
                                                     created_by="ops", created_at=DAY))
    run = dagbag.get_dag("entity_resolution").test()
    assert {ti.state for ti in run.get_task_instances()} == {"success"}
    with seeded_engine.connect() as conn:
        matches = {r.source_id: (r.contact_id, r.account_id, r.method)
                   for r in conn.execute(select(entity_matches)).all()}
        unmatched = conn.exec_driver_sql("SELECT email_address, source, source_id FROM v_unmatched_emails").all()
    assert matches == {"K0": ("003C0", "001A0", "email"), "K1": ("003C2", "001A2", "manual")}
    assert [tuple(r) for r in unmatched] == [("who@else.org", "call", "K2")]  # calls only: no mail synced here

    scoring = dagbag.get_dag("account_scoring")
    scoring.test(logical_date=DAY + timedelta(days=3))
    scoring.test(logical_date=DAY + timedelta(days=3))  # a rerun replaces the day's rows
    with seeded_engine.connect() as conn:
        recs = {r.account_id: r for r in conn.execute(select(account_recommendations)).all()}
    assert len(recs) == 3 and len({r.score_date for r in recs.values()}) == 1
    assert recs["001A0"].budget_likelihood == round(0.6 * 0.5 + 0.4 * 0.9, 3)
    assert recs["001A1"].engagement_score == 0.0 and recs["001A1"].budget_likelihood == 0.3


def test_daily_checks_follow_scoring_and_alert_when_no_account_was_scored(crm_sandbox, seeded_engine, dagbag,
                                                                          store_conn, monkeypatch):
    from leadline.domain import account_scoring
    from leadline.store.schema import alerts

    configure_tenant_crms(seeded_engine)
    seed_salesforce(crm_sandbox)
    for d in range(3):
        sync_hour(dagbag, d, 3)  # the three accounts

    def broken(frame):
        raise RuntimeError("scoring model unavailable")

    monkeypatch.setattr(account_scoring, "score_accounts", broken)
    run = dagbag.get_dag("account_scoring").test(logical_date=DAY + timedelta(days=3, hours=8))
    assert {ti.task_id: ti.state for ti in run.get_task_instances()} == {
        "score_accounts": "failed", "sales_intelligence_checks": "success"}
    with seeded_engine.connect() as conn:
        messages = conn.execute(select(alerts.c.message).where(alerts.c.kind == "data_quality")).scalars().all()
    assert "0 accounts scored for acme on 2026-11-23 (3 Salesforce accounts)" in messages
    assert not [m for m in messages if "globex" in m]  # no Salesforce accounts there: nothing to score


def gmail_message(message_id: str, sent: datetime, sender: str, to: str, subject: str, body: str) -> dict:
    import base64

    return {"id": message_id, "threadId": f"T{message_id}", "internalDate": str(int(sent.timestamp() * 1000)),
            "snippet": body[:40], "payload": {"mimeType": "text/plain", "headers": [
                {"name": "From", "value": sender}, {"name": "To", "value": to}, {"name": "Subject", "value": subject}],
                "body": {"data": base64.urlsafe_b64encode(body.encode()).decode().rstrip("=")}}}


def interval_run(dagbag, dag_id: str, days: int, hour: int):
    run = dagbag.get_dag(dag_id).test(logical_date=DAY + timedelta(days=days, hours=hour + 1))
    assert {ti.state for ti in run.get_task_instances()} == {"success"}, dag_id
    return run


def test_gmail_dialpad_hubspot_syncs_then_resolution_embeddings_and_checks(
        crm_sandbox, seeded_engine, dagbag, store_conn, monkeypatch):
    import json

    from leadline.store.schema import (
        alerts,
        call_records,
        dialpad_calls,
        gmail_messages,
        gmail_participants,
        hubspot_companies,
        hubspot_contacts,
        tenants,
    )
    from leadline_dev.sandbox.app import DEFAULT_TOKENS

    configure_tenant_crms(seeded_engine)
    seed_salesforce(crm_sandbox)
    for name, token in (("GMAIL", "gmail"), ("DIALPAD", "dialpad")):
        monkeypatch.setenv(f"AIRFLOW_CONN_{name}_ACME", json.dumps({
            "conn_type": token, "password": DEFAULT_TOKENS[token], "extra": {"host": crm_sandbox.http_url}}))
    with seeded_engine.begin() as conn:
        conn.execute(tenants.update().where(tenants.c.tenant_id == "acme").values(config={
            "gmail_mailboxes": ["rep@acme.io"], "gmail_conn_id": "gmail_acme", "dialpad_conn_id": "dialpad_acme"}))
    at = DAY + timedelta(hours=3, minutes=10)
    httpx.post(f"{crm_sandbox.http_url}/_sandbox/gmail/rep@acme.io/messages", json=[
        gmail_message("M1", at, "Jane Doe <JANE0@acme0.io>", "rep@acme.io", "Roof quote", "Please send the quote"),
        gmail_message("M2", at + timedelta(hours=1), "x@other.org", "rep@acme.io", "Later", "next hour"),
    ]).raise_for_status()
    httpx.post(f"{crm_sandbox.http_url}/_sandbox/dialpad/calls", json=[
        {"call_id": 77, "date_started": int(at.timestamp() * 1000), "duration": 125000,
         "contact": {"phone": "+15552013341", "name": "Jane Doe1"},
         "transcription_text": "need a new roof, card 4111 1111 1111 1111"}]
    ).raise_for_status()
    from leadline.domain.crm import Lead
    from leadline.hooks.hubspot import HubSpotHook

    now_hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)  # before the contact is written
    HubSpotHook("hubspot_acme").upsert_lead(Lead("acme", "HSX", "Ann Lee", None, "ann@acme2.io", 50, ""))
    recent = now_hour + timedelta(seconds=30)
    httpx.post(f"{crm_sandbox.http_url}/_sandbox/hubspot/companies", json=[
        {"id": "9001", "properties": {"name": "Acme 2", "domain": "ACME2.io"}, "updatedAt": recent.isoformat()},
        {"id": "9002", "properties": {"name": "Old Co", "domain": "old.io"},
         "updatedAt": (recent - timedelta(days=30)).isoformat()}]).raise_for_status()

    for d, hour in ((0, 3), (0, 4), (0, 5), (1, 3), (1, 4), (1, 5), (2, 3), (2, 4), (2, 5)):
        interval_run(dagbag, "sync_salesforce", d, hour)
    interval_run(dagbag, "sync_gmail", 0, 3)
    interval_run(dagbag, "sync_dialpad", 0, 3)
    dagbag.get_dag("sync_hubspot").test(logical_date=now_hour + timedelta(hours=1))
    with seeded_engine.connect() as conn:
        assert conn.execute(select(gmail_messages.c.message_id)).scalars().all() == ["M1"]  # only its interval
        assert sorted(conn.execute(select(gmail_participants.c.email, gmail_participants.c.role)).all()) == [
            ("jane0@acme0.io", "from"), ("rep@acme.io", "to")]
        [dialpad] = conn.execute(select(dialpad_calls)).mappings().all()
        assert (dialpad["call_id"], dialpad["duration_s"], dialpad["transcript"]) == ("77", 125,
                                                                             "need a new roof, card [CREDIT_CARD]")
        assert conn.execute(select(hubspot_contacts.c.email)).scalars().all() == ["ann@acme2.io"]
        assert conn.execute(select(hubspot_companies.c.company_id, hubspot_companies.c.domain)).all() == [
            ("9001", "acme2.io")]  # the 30-day-old company is outside the interval

    record_calls(seeded_engine, [IncomingCall("acme", "K9", None, None, None, 120, True, None, None, {})])
    with seeded_engine.begin() as conn:
        conn.execute(call_records.update().values(customer_email="ann@acme2.io", transcript="roof quote please"))
    dagbag.get_dag("entity_resolution").test()
    with seeded_engine.connect() as conn:
        matched = dict(conn.execute(select(gmail_participants.c.email, gmail_participants.c.sf_contact_id)).all())
        call_match = conn.execute(select(entity_matches.c.contact_id, entity_matches.c.method)
                                  .where(entity_matches.c.source_id == "K9")).one()
    assert matched == {"jane0@acme0.io": "003C0", "rep@acme.io": None}
    assert tuple(call_match)[1] == "email" and tuple(call_match)[0].startswith("hs:")  # a HubSpot contact

    run = dagbag.get_dag("embeddings").test(run_conf={"limit": 1})
    assert {ti.state for ti in run.get_task_instances()} == {"success"}
    with seeded_engine.connect() as conn:
        [embedding] = conn.execute(select(gmail_messages.c.embedding)).scalars().all()
        assert len(embedding) == 256 and abs(sum(v * v for v in embedding) - 1) < 1e-3
        assert conn.execute(select(call_records.c.transcript_embedding)).scalar() is not None

    dagbag.get_dag("account_scoring").test(logical_date=DAY + timedelta(days=1))
    with seeded_engine.connect() as conn:
        engagement = dict(conn.execute(select(account_recommendations.c.account_id,
                                              account_recommendations.c.engagement_score)).all())
    # one email from Jane (account 001A0) the day before: 0.5 touches of 10, ~22 h ago
    assert engagement["001A0"] > 0 and engagement["001A1"] == 0.0

    # the daily checks follow the 08:00 scoring: days later the mail is stale, and every account was scored
    run = dagbag.get_dag("account_scoring").test(logical_date=DAY + timedelta(days=4, hours=8))
    assert {ti.state for ti in run.get_task_instances()} == {"success"}
    with seeded_engine.connect() as conn:
        messages = conn.execute(select(alerts.c.message).where(alerts.c.kind == "data_quality")).scalars().all()
    assert any(m.startswith("gmail_messages is") for m in messages)
    assert not [m for m in messages if m.startswith("0 accounts scored")]
    dagbag.get_dag("maintenance_daily").test(logical_date=DAY + timedelta(days=4))
    with seeded_engine.connect() as conn:
        assert conn.execute(select(gmail_messages.c.body)).scalar() == "Please send the quote"  # within retention


def test_sync_callrail_recovers_missed_calls_once(crm_sandbox, seeded_engine, dagbag, store_conn, monkeypatch):
    import json

    from leadline.store.schema import tenants
    from leadline_dev.sandbox.app import DEFAULT_TOKENS

    monkeypatch.setenv("AIRFLOW_CONN_CALLRAIL_ACME", json.dumps({
        "conn_type": "callrail", "password": DEFAULT_TOKENS["callrail"], "extra": {"host": crm_sandbox.http_url}}))
    with seeded_engine.begin() as conn:
        conn.execute(tenants.update().where(tenants.c.tenant_id == "acme").values(
            config={"callrail_account_id": "ACC1", "callrail_conn_id": "callrail_acme"}))
    start = DAY + timedelta(hours=3, minutes=5)
    httpx.post(f"{crm_sandbox.http_url}/_sandbox/callrail/ACC1/calls", json=[
        {"id": f"CR{i}", "start_time": (start + timedelta(minutes=i)).isoformat(), "duration": "95",
         "customer_phone_number": "+15550142678", "answered": True} for i in range(3)]
        + [{"id": "CR-LATER", "start_time": (start + timedelta(hours=2)).isoformat(), "duration": "60"}]
    ).raise_for_status()
    record_calls(seeded_engine, [IncomingCall("acme", "CR0", "CR0", None, None, 95, True, None, None, {})])
    for _ in range(2):  # the second run finds everything stored already
        run = interval_run(dagbag, "sync_callrail", 0, 3)
    with seeded_engine.connect() as conn:
        rows = conn.execute(select(processing_requests.c.call_id, processing_requests.c.status)
                            .order_by(processing_requests.c.call_id)).all()
    assert [tuple(r) for r in rows] == [("CR0", "pending"), ("CR1", "pending"), ("CR2", "pending")]
    assert run.get_task_instances()[0].state == "success"
