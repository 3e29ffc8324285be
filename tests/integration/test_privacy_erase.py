"""`leadline privacy erase`: one person's phone or email planted in every table of two tenants, in the forms each
table holds them (E.164, formatted, inside transcripts, JSON payloads, email bodies); the erase leaves no row of
the tenant mentioning them, touches nothing of the other tenant nor the tenant's other people, records the
erasure without the identifier, lists the CRM records, deletes the recordings, and a second run changes nothing.
On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import JSON, Boolean, DateTime, Float, Integer, String, Text, select

from leadline.cli import main
from leadline.domain.privacy import Person
from leadline.store import schema
from leadline.store.privacy import list_erasures

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
PHONE, PHONE_FORMS = "+14155550188", ("+14155550188", "(415) 555-0188", "415.555.0188", "4155550188")
EMAIL = "marcus.whitfield@gmail.com"
OTHER_PHONE, OTHER_EMAIL = "+15125550142", "pat.other@example.com"
# intake_counts: per-minute request counts by tenant and outcome, nothing about a person
SKIPPED = {"tenants", "privacy_erasures", "intake_counts"}


def _row(table, **values) -> dict:
    """The given values, and a plain value for every other NOT NULL column."""
    for column in table.columns:
        if column.name in values or column.nullable:
            continue
        kind = type(column.type.impl if hasattr(column.type, "impl") else column.type)
        values[column.name] = (NOW if issubclass(kind, DateTime) else 0 if issubclass(kind, Integer)
                               else 0.0 if issubclass(kind, Float) else False if issubclass(kind, Boolean)
                               else {} if issubclass(kind, JSON) else "x" if issubclass(kind, String | Text) else None)
    return values


def seed_person(engine, tenant: str, recordings) -> None:
    s = schema
    person_recording = recordings / tenant / "recordings" / "C1.wav"
    person_recording.parent.mkdir(parents=True, exist_ok=True)
    person_recording.write_bytes(b"RIFF")
    (recordings / tenant / "recordings" / "C3.wav").write_bytes(b"RIFF")
    rows = {
        s.call_records: [
            _row(s.call_records, tenant_id=tenant, call_id="C1", caller_phone=PHONE, customer_name="Marcus Whitfield",
                 customer_phone=PHONE, customer_email=EMAIL, transcript=f"It's {PHONE_FORMS[1]}, email {EMAIL}",
                 transcript_segments=[{"text": f"my number is {PHONE_FORMS[2]}"}],
                 ai_analysis={"lead": {"customer_email": EMAIL}}, raw_payload={"caller_id": PHONE},
                 recording_url="https://callrail.test/C1.mp3", recording_path=person_recording.as_uri(),
                 transcript_embedding=[0.1, 0.2], hubspot_contact_id="H1", salesforce_lead_id="00QL1",
                 lead_score=88, lead_status="qualified", call_class="new_lead", duration_s=240, created_at=NOW,
                 updated_at=NOW),
            # another caller who gave the person's email (a spouse): mentions them, so anonymised too
            _row(s.call_records, tenant_id=tenant, call_id="C2", caller_phone=OTHER_PHONE,
                 transcript=f"send it to my husband at {EMAIL.upper()}", raw_payload={}, created_at=NOW,
                 updated_at=NOW),
            _row(s.call_records, tenant_id=tenant, call_id="C3", caller_phone=OTHER_PHONE,
                 customer_email=OTHER_EMAIL, transcript="nothing personal here", raw_payload={"caller_id": OTHER_PHONE},
                 recording_path=(recordings / tenant / "recordings" / "C3.wav").as_uri(), created_at=NOW,
                 updated_at=NOW),
        ],
        s.processing_requests: [
            _row(s.processing_requests, tenant_id=tenant, request_id=f"{tenant}-r1", call_id="C1", status="skipped",
                 error=f"not a lead: caller {PHONE_FORMS[3]} hung up", created_at=NOW, updated_at=NOW),
            _row(s.processing_requests, tenant_id=tenant, request_id=f"{tenant}-r3", call_id="C3", status="completed",
                 created_at=NOW, updated_at=NOW),
        ],
        s.crm_sync_log: [
            _row(s.crm_sync_log, tenant_id=tenant, call_id="C1", crm_type="hubspot", role="primary",
                 status="success", record_id="H1", created_at=NOW, updated_at=NOW),
            _row(s.crm_sync_log, tenant_id=tenant, call_id="C1", crm_type="salesforce", role="secondary",
                 status="failed", record_id=None, error=f"DUPLICATE_VALUE: {EMAIL}", created_at=NOW, updated_at=NOW),
            _row(s.crm_sync_log, tenant_id=tenant, call_id="C3", crm_type="hubspot", role="primary",
                 status="success", record_id="H2", created_at=NOW, updated_at=NOW),
        ],
        s.call_crm_links: [  # a CRM without runbook columns: the person's call there, and someone else's
            _row(s.call_crm_links, tenant_id=tenant, call_id="C1", crm_type="pipedrive", record_id="P1",
                 engagement_id="PA1", updated_at=NOW),
            _row(s.call_crm_links, tenant_id=tenant, call_id="C3", crm_type="pipedrive", record_id="P3",
                 engagement_id="PA3", updated_at=NOW),
        ],
        s.alerts: [
            _row(s.alerts, tenant_id=tenant, alert_id=f"{tenant}-a1", kind="high_value_lead", severity="info",
                 dedupe_key="high_value_lead:C1", message="High-value lead, caller M. W. +1******0188",
                 status="open", created_at=NOW),
            _row(s.alerts, tenant_id=tenant, alert_id=f"{tenant}-a2", kind="crm", severity="warning",
                 dedupe_key="crm:H1", message=f"sync failed for {EMAIL}", status="open", created_at=NOW),
            _row(s.alerts, tenant_id=tenant, alert_id=f"{tenant}-a3", kind="slo", severity="critical",
                 dedupe_key="slo:latency", message="p95 over target", status="open", created_at=NOW),
        ],
        s.contact_reviews: [  # a review of the person's call: the name heard there is theirs too
            _row(s.contact_reviews, tenant_id=tenant, call_id="C1", field="customer_name", reviewed_at=NOW,
                 decision="corrected", heard_value="Marcus Whitfeld", final_value="Marcus Whitfield",
                 heard_words="my name is Marcus Whitfeld", reviewer="ops"),
            _row(s.contact_reviews, tenant_id=tenant, call_id="C3", field="customer_email", reviewed_at=NOW,
                 decision="confirmed", heard_value=OTHER_EMAIL, final_value=OTHER_EMAIL, reviewer="ops"),
        ],
        s.sf_contacts: [
            _row(s.sf_contacts, tenant_id=tenant, contact_id="S1", first_name="Marcus", last_name="Whitfield",
                 email=EMAIL.title(), email_normalized=EMAIL, phone=PHONE_FORMS[1], phone_e164=PHONE),
            _row(s.sf_contacts, tenant_id=tenant, contact_id="S2", email=OTHER_EMAIL, phone_e164=OTHER_PHONE),
        ],
        s.hubspot_contacts: [
            _row(s.hubspot_contacts, tenant_id=tenant, contact_id="H1", email=EMAIL, phone=PHONE_FORMS[2]),
            _row(s.hubspot_contacts, tenant_id=tenant, contact_id="H2", email=OTHER_EMAIL, phone=OTHER_PHONE),
        ],
        s.manual_mappings: [
            _row(s.manual_mappings, tenant_id=tenant, identity=EMAIL, contact_id="S1", created_by="ops"),
            _row(s.manual_mappings, tenant_id=tenant, identity=PHONE, contact_id="S1", created_by="ops"),
            _row(s.manual_mappings, tenant_id=tenant, identity=OTHER_EMAIL, contact_id="S2", created_by="ops"),
        ],
        s.entity_matches: [
            _row(s.entity_matches, tenant_id=tenant, source_type="call", source_id="C1", contact_id="S1",
                 method="phone", confidence=1.0),
            _row(s.entity_matches, tenant_id=tenant, source_type="gmail", source_id="M1", contact_id="S1",
                 method="email", confidence=1.0),
            _row(s.entity_matches, tenant_id=tenant, source_type="call", source_id="C3", contact_id="S2",
                 method="phone", confidence=1.0),
        ],
        s.gmail_messages: [
            _row(s.gmail_messages, tenant_id=tenant, message_id="M1", mailbox="rep@acme.test",
                 subject="Quote", body=f"Call me at {PHONE_FORMS[1]}. {EMAIL}", embedding=[0.3]),
            _row(s.gmail_messages, tenant_id=tenant, message_id="M2", mailbox=EMAIL, subject="their own mail"),
            _row(s.gmail_messages, tenant_id=tenant, message_id="M3", mailbox="rep@acme.test", subject="Other",
                 body="no one in particular"),
        ],
        s.gmail_participants: [
            _row(s.gmail_participants, tenant_id=tenant, message_id="M1", email=EMAIL, role="from"),
            _row(s.gmail_participants, tenant_id=tenant, message_id="M1", email="rep@acme.test", role="to"),
            _row(s.gmail_participants, tenant_id=tenant, message_id="M2", email="rep@acme.test", role="to"),
            _row(s.gmail_participants, tenant_id=tenant, message_id="M3", email=OTHER_EMAIL, role="from"),
        ],
        s.dialpad_calls: [
            _row(s.dialpad_calls, tenant_id=tenant, call_id="D1", participants=[{"phone": PHONE_FORMS[3],
                                                                                  "email": EMAIL}],
                 transcript="we spoke about the roof", embedding=[0.5]),
            _row(s.dialpad_calls, tenant_id=tenant, call_id="D2", participants=[{"phone": OTHER_PHONE}]),
        ],
        s.tenant_members: [_row(s.tenant_members, tenant_id=tenant, username=EMAIL),
                           _row(s.tenant_members, tenant_id=tenant, username="ops-lead")],
        s.sf_accounts: [_row(s.sf_accounts, tenant_id=tenant, account_id="A1", account_name="Whitfield Homes")],
        s.sf_opportunities: [_row(s.sf_opportunities, tenant_id=tenant, opportunity_id="O1", account_id="A1")],
        s.hubspot_companies: [_row(s.hubspot_companies, tenant_id=tenant, company_id="HC1", name="Whitfield")],
        s.account_recommendations: [_row(s.account_recommendations, tenant_id=tenant, score_date="2026-11-20",
                                         account_id="A1", recommended_action="call")],
        s.etl_runs: [_row(s.etl_runs, tenant_id=tenant, run_id="r1", source_system="gmail", status="success")],
        s.health_snapshots: [_row(s.health_snapshots, tenant_id=tenant, snapshot_id=f"{tenant}-h1",
                                  status="healthy")],
        s.crm_integrations: [_row(s.crm_integrations, tenant_id=tenant, crm_type="hubspot", status="active",
                                  priority=1, connection_id=f"hubspot_{tenant}")],
        s.crm_circuits: [_row(s.crm_circuits, tenant_id=tenant, crm_type="hubspot", state="closed")],
    }
    with engine.begin() as conn:
        for table, table_rows in rows.items():
            for row in table_rows:
                conn.execute(table.insert().values(**row))


def tenant_tables():
    return [t for t in schema.metadata.sorted_tables if "tenant_id" in t.c and t.name not in SKIPPED]


def dump(engine, tenant: str) -> dict[str, list[str]]:
    with engine.connect() as conn:
        return {t.name: sorted(json.dumps(dict(r._mapping), default=str, sort_keys=True)
                               for r in conn.execute(select(t).where(t.c.tenant_id == tenant)))
                for t in tenant_tables()}


def mentions(engine, tenant: str) -> dict[str, int]:
    """Rows of each table that still hold the person: the matcher, and a plain look for the digits and address."""
    person_phone, person_email = Person.from_identifier(phone=PHONE), Person.from_identifier(email=EMAIL)
    found = {}
    for table, rows in dump(engine, tenant).items():
        hits = [r for r in rows if person_phone.mentions(r) or person_email.mentions(r)
                or "555-0188" in r or "5550188" in r or "marcus.whitfield" in r.lower()]
        if hits:
            found[table] = len(hits)
    return found


@pytest.fixture
def erase_store(seeded_store_on_each_backend, tmp_path, monkeypatch):
    url, engine = seeded_store_on_each_backend
    recordings = tmp_path / "artifacts"
    monkeypatch.setenv("LEADLINE_STORAGE_URL", recordings.as_uri())
    for tenant in ("acme", "globex"):
        seed_person(engine, tenant, recordings)
    return url, engine, recordings


def erase(url: str, capsys, *args: str) -> dict:
    main(["--store-url", url, "privacy", "erase", "--tenant", "acme", "--requested-by", "dpo@acme.test", *args])
    out = capsys.readouterr().out
    return json.loads(out[out.index("{\n"):]), out  # Airflow may log a line before the result


def test_erase_by_phone_then_email_leaves_nothing_and_touches_no_one_else(erase_store, capsys):
    url, engine, recordings = erase_store
    seeded = set(t for t, rows in dump(engine, "acme").items() if rows)
    assert seeded == {t.name for t in tenant_tables()}  # every table of the tenant holds rows
    assert set(mentions(engine, "acme")) >= {"call_records", "processing_requests", "crm_sync_log", "alerts",
                                             "sf_contacts", "hubspot_contacts", "manual_mappings",
                                             "gmail_messages", "gmail_participants", "dialpad_calls",
                                             "tenant_members"}
    globex_before = dump(engine, "globex")
    acme_before = dump(engine, "acme")

    by_phone, out = erase(url, capsys, "--phone", "(415) 555-0188")
    assert "0188" not in out and "marcus" not in out.lower()  # the command's output names no one
    assert by_phone["kind"] == "phone" and by_phone["calls"] == 1
    assert {"crm": "hubspot", "object": "contact", "id": "H1", "deleted": False} in by_phone["crm_records"]
    assert {"crm": "salesforce", "object": "lead", "id": "00QL1", "deleted": False} in by_phone["crm_records"]
    assert {"crm": "salesforce", "object": "Contact", "id": "S1", "deleted": False} in by_phone["crm_records"]
    assert {"crm": "callrail", "object": "call", "id": "C1", "deleted": False} in by_phone["crm_records"]
    assert {"crm": "pipedrive", "object": "record", "id": "P1", "deleted": False} in by_phone["crm_records"]
    assert {"crm": "pipedrive", "object": "engagement", "id": "PA1", "deleted": False} in by_phone["crm_records"]
    assert not any(r["id"] in ("P3", "PA3") for r in by_phone["crm_records"])  # not the person's call
    assert by_phone["recordings_deleted"] == 1
    assert not (recordings / "acme" / "recordings" / "C1.wav").exists()
    assert (recordings / "acme" / "recordings" / "C3.wav").exists()
    assert (recordings / "globex" / "recordings" / "C1.wav").exists()

    by_email, out = erase(url, capsys, "--email", EMAIL.upper())
    assert "marcus" not in out.lower()
    assert mentions(engine, "acme") == {}  # zero rows with the phone or the email, in every table
    assert dump(engine, "globex") == globex_before  # the other tenant untouched
    assert mentions(engine, "globex") != {}

    after = dump(engine, "acme")
    for table in ("sf_accounts", "sf_opportunities", "hubspot_companies", "account_recommendations", "etl_runs",
                  "health_snapshots", "crm_integrations", "crm_circuits"):
        assert after[table] == acme_before[table], table
    with engine.connect() as conn:
        calls = {r.call_id: r for r in conn.execute(select(schema.call_records).where(
            schema.call_records.c.tenant_id == "acme"))}
        contacts = conn.execute(select(schema.sf_contacts.c.contact_id).where(
            schema.sf_contacts.c.tenant_id == "acme")).scalars().all()
        messages = {r.message_id: r for r in conn.execute(select(schema.gmail_messages).where(
            schema.gmail_messages.c.tenant_id == "acme"))}
        links = conn.execute(select(schema.call_crm_links).where(schema.call_crm_links.c.tenant_id == "acme")).all()
    c1 = calls["C1"]  # anonymised, kept: the call happened, its numbers stay
    assert (c1.caller_phone, c1.customer_email, c1.transcript, c1.recording_path, c1.hubspot_contact_id) == (
        None, None, None, None, None)
    assert (c1.lead_score, c1.call_class, c1.duration_s, c1.raw_payload) == (88, "new_lead", 240, {})
    assert c1.purged_at is not None and calls["C2"].transcript is None
    assert calls["C3"].transcript == "nothing personal here" and calls["C3"].customer_email == OTHER_EMAIL
    assert contacts == ["S2"] and set(messages) == {"M1", "M3"} and messages["M1"].body is None
    assert [link.call_id for link in links] == ["C3"]  # the person's call's CRM links went with it
    assert messages["M3"].body == "no one in particular"

    [first, second] = list_erasures(engine, "acme")
    assert (first["requested_by"], first["identifier_kind"], second["identifier_kind"]) == (
        "dpo@acme.test", "phone", "email")
    assert first["counts"]["call_records"] == 1 and first["counts"]["recordings"] == 1
    assert second["counts"]["call_records"] == 1  # C2 held only the email
    record = json.dumps([first, second], default=str)
    assert "0188" not in record and "marcus" not in record.lower()  # the record holds no PII
    assert list_erasures(engine, "globex") == []
    assert by_email["counts"] == second["counts"]


def test_erase_is_idempotent(erase_store, capsys):
    url, engine, _ = erase_store
    first, _ = erase(url, capsys, "--phone", PHONE)
    after_first = dump(engine, "acme")
    again, _ = erase(url, capsys, "--phone", PHONE)
    assert first["counts"]["call_records"] == 1 and again["counts"] == {"recordings": 0}
    assert again["crm_records"] == []
    assert again["recordings_deleted"] == 0
    after_second = dump(engine, "acme")
    assert {t: r for t, r in after_second.items() if t != "privacy_erasures"} == {
        t: r for t, r in after_first.items() if t != "privacy_erasures"}
    assert len(list_erasures(engine, "acme")) == 2


def test_bad_requests_are_refused(erase_store, capsys):
    url, _, _ = erase_store
    for args in (["--phone", "not a phone"], ["--email", "nobody"]):
        with pytest.raises(SystemExit) as exc:
            main(["--store-url", url, "privacy", "erase", "--tenant", "acme", *args])
        assert exc.value.code == 2 and capsys.readouterr().err.startswith("leadline: not a")
    with pytest.raises(SystemExit) as exc:
        main(["--store-url", url, "privacy", "erase", "--tenant", "nope", "--phone", PHONE])
    assert (exc.value.code, capsys.readouterr().err) == (2, "leadline: unknown tenant nope\n")


def test_crm_records_deleted_where_the_tenant_allows(erase_store, capsys, monkeypatch):
    from leadline.store.tenants import set_config_section

    url, engine, _ = erase_store
    with engine.begin() as conn:
        set_config_section(conn, "acme", "privacy", {"delete_in_crm": True})
    archived = []

    class RecordingHook:
        def __init__(self, crm_type, conn_id):
            # the tenant's active integration (no Salesforce one: listed only)
            assert (crm_type, conn_id) == ("hubspot", "hubspot_acme")

        def delete_record(self, obj, record_id):
            archived.append((obj, record_id))
            return True

    monkeypatch.setattr("leadline.hooks.crm.crm_hook", RecordingHook)
    result, _ = erase(url, capsys, "--phone", PHONE)
    assert archived == [("contact", "H1")]
    assert {"crm": "hubspot", "object": "contact", "id": "H1", "deleted": True} in result["crm_records"]
    assert {"crm": "salesforce", "object": "lead", "id": "00QL1", "deleted": False} in result["crm_records"]
    [record] = list_erasures(engine, "acme")
    assert {"crm": "hubspot", "object": "contact", "id": "H1", "deleted": True} in record["crm_records"]
    archived.clear()
    erase(url, capsys, "--phone", PHONE, "--no-delete-in-crm")
    assert archived == []
