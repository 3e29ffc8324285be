"""The webhook contract from the troubleshooting runbook, end to end through the FastAPI app."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import func, select

from leadline.domain.signature import sign
from leadline.store.schema import call_records, processing_requests
from tests.conftest import METRICS_TOKEN
from tests.helpers import SECRETS, call_payload, encode, signed_headers, store_snapshot

WEBHOOK = "/v1/callrail/webhook"


def post(client, body: bytes, headers: dict, client_addr: str | None = None):
    return client.post(WEBHOOK, content=body, headers=headers)


def test_valid_webhook_is_stored_once_with_pending_request(intake_client, seeded_engine):
    body = encode(call_payload(recording_url="http://127.0.0.1/recordings/CAL1001.wav"))
    response = post(intake_client, body, signed_headers(SECRETS["acme"], body))
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "accepted"
    request_id = response.json()["request_id"]

    calls, requests = store_snapshot(seeded_engine)
    assert [(c.tenant_id, c.call_id, c.duration_s, c.caller_phone) for c in calls] == [
        ("acme", "CAL1001", 180, "+15551234567")
    ]
    assert calls[0].raw_payload == json.loads(body)
    assert calls[0].recording_url == "http://127.0.0.1/recordings/CAL1001.wav"
    assert [(r.request_id, r.status, r.attempts) for r in requests] == [(request_id, "pending", 0)]

    # CallRail redelivers with a fresh timestamp: same call, nothing new.
    again = post(intake_client, body, signed_headers(SECRETS["acme"], body, int(time.time()) + 1))
    assert again.status_code == 200
    assert again.json() == {"status": "duplicate", "request_id": request_id, "call_id": "CAL1001"}
    assert store_snapshot(seeded_engine) == (calls, requests)


def test_duration_as_number_and_callrail_field_names(intake_client, seeded_engine):
    payload = call_payload(call_id="CAL2002", duration=95)
    payload.pop("caller_id")
    payload |= {"customer_phone_number": "+15559876543", "recording": "http://127.0.0.1/2.mp3",
                "resource_id": "CAL2002", "start_time": "2026-11-23T10:00:00Z"}
    body = encode(payload)
    assert post(intake_client, body, signed_headers(SECRETS["acme"], body)).status_code == 200
    calls, _ = store_snapshot(seeded_engine)
    assert (calls[0].duration_s, calls[0].caller_phone, calls[0].recording_url) == (
        95, "+15559876543", "http://127.0.0.1/2.mp3")


def test_same_call_id_in_two_tenants_is_two_calls(intake_client, seeded_engine):
    for tenant in ("acme", "globex"):
        body = encode(call_payload(tenant_id=tenant, call_id="SHARED1"))
        assert post(intake_client, body, signed_headers(SECRETS[tenant], body)).json()["status"] == "accepted"
    calls, requests = store_snapshot(seeded_engine)
    assert [(c.tenant_id, c.call_id) for c in calls] == [("acme", "SHARED1"), ("globex", "SHARED1")]
    assert len(requests) == 2


def _variants():
    """(name, build(body, headers) -> (body, headers), expected status, expected error)."""
    now = int(time.time())
    acme = SECRETS["acme"]

    def signed(payload, secret=acme, ts=None, raw: bytes | None = None):
        body = raw if raw is not None else encode(payload)
        return body, signed_headers(secret, body, ts)

    def with_header(body_headers, **changes):
        body, headers = body_headers
        headers = dict(headers)
        for key, value in changes.items():
            key = key.replace("_", "-")
            if value is None:
                headers.pop(key, None)
            else:
                headers[key] = value
        return body, headers

    good = call_payload()
    long_junk = "x" * 70_000
    return [
        ("missing signature", with_header(signed(good), x_callrail_signature=None), 401, "missing_signature"),
        ("empty signature", with_header(signed(good), x_callrail_signature=""), 401, "missing_signature"),
        ("sha1 prefix", with_header(signed(good), x_callrail_signature="sha1=" + "a" * 40), 401,
         "unsupported_algorithm"),
        ("no prefix", with_header(signed(good), x_callrail_signature=sign(acme, str(now), encode(good))[7:]),
         401, "unsupported_algorithm"),
        ("truncated hex", with_header(signed(good), x_callrail_signature="sha256=abcd"), 401,
         "malformed_signature"),
        ("non-hex", with_header(signed(good), x_callrail_signature="sha256=" + "z" * 64), 401,
         "malformed_signature"),
        ("wrong signature", with_header(signed(good), x_callrail_signature="sha256=" + "0" * 64), 401,
         "invalid_signature"),
        ("other tenant's secret", signed(good, secret=SECRETS["globex"]), 401, "invalid_signature"),
        ("body changed after signing", (encode(call_payload(duration="999")), signed(good)[1]), 401,
         "invalid_signature"),
        ("signed with another timestamp", with_header(signed(good, ts=now - 10), x_timestamp=str(now)), 401,
         "invalid_signature"),
        ("missing timestamp", with_header(signed(good), x_timestamp=None), 401, "missing_timestamp"),
        ("non-numeric timestamp", with_header(signed(good), x_timestamp="yesterday"), 401, "invalid_timestamp"),
        ("iso timestamp", with_header(signed(good), x_timestamp="2026-11-23T10:00:00Z"), 401,
         "invalid_timestamp"),
        ("negative timestamp", with_header(signed(good), x_timestamp="-5"), 401, "invalid_timestamp"),
        ("stale timestamp", signed(good, ts=now - 301 - 5), 401, "stale_timestamp"),
        ("future timestamp", signed(good, ts=now + 400), 401, "future_timestamp"),
        ("unknown tenant", signed(call_payload(tenant_id="nobody")), 401, "invalid_signature"),  # no enumeration
        ("inactive tenant", signed(call_payload(tenant_id="dormant"), secret="dormant-secret"), 403,
         "tenant_inactive"),
        ("missing tenant_id", signed({k: v for k, v in good.items() if k != "tenant_id"}), 422,
         "invalid_payload"),
        ("tenant_id wrong type", signed(call_payload(tenant_id=42)), 422, "invalid_payload"),
        ("tenant_id sql junk", signed(call_payload(tenant_id="acme'; DROP TABLE tenants;--")), 422,
         "invalid_payload"),
        ("missing call_id", signed({k: v for k, v in good.items() if k != "call_id"}), 422, "invalid_payload"),
        ("empty call_id", signed(call_payload(call_id="")), 422, "invalid_payload"),
        ("call_id sql junk", signed(call_payload(call_id="1 OR 1=1; --")), 422, "invalid_payload"),
        ("call_id unicode junk", signed(call_payload(call_id="CAL\u202e\U0001f4a9")), 422, "invalid_payload"),
        # NUL and lone surrogates are refused while parsing, wherever they are: no store can hold them
        ("NUL in a name", signed(call_payload(customer_name="Jo\u0000e")), 400, "malformed_json"),
        ("lone surrogate in a note", signed(call_payload(note="caller said \ud800")), 400, "malformed_json"),
        ("nested 40 deep", signed(call_payload(extra=json.loads("[" * 40 + "]" * 40))), 400, "malformed_json"),
        ("nested 20000 deep", signed(None, raw=b'{"tenant_id":"acme","x":' + b"[" * 20000 + b"]" * 20000 + b"}"),
         400, "malformed_json"),
        ("NaN duration", signed(None, raw=b'{"tenant_id":"acme","call_id":"CAL1","duration":NaN}'), 400,
         "malformed_json"),
        ("integer of 5000 digits", signed(None, raw=b'{"tenant_id":"acme","call_id":"CAL1","duration":'
                                               + b"9" * 5000 + b"}"), 400, "malformed_json"),
        ("call_id as object", signed(call_payload(call_id={"$gt": ""})), 422, "invalid_payload"),
        ("duration words", signed(call_payload(duration="three minutes")), 422, "invalid_payload"),
        ("duration negative", signed(call_payload(duration=-1)), 422, "invalid_payload"),
        ("duration fractional", signed(call_payload(duration="12.5")), 422, "invalid_payload"),
        ("duration boolean", signed(call_payload(duration=True)), 422, "invalid_payload"),
        ("duration huge", signed(call_payload(duration=10**12)), 422, "invalid_payload"),
        ("answered as string", signed(call_payload(answered="yes")), 422, "invalid_payload"),
        ("caller_id letters", signed(call_payload(caller_id="call me maybe")), 422, "invalid_payload"),
        ("recording javascript url", signed(call_payload(recording_url="javascript:alert(1)")), 422,
         "invalid_payload"),
        ("start_time garbage", signed(call_payload(start_time="not a date")), 422, "invalid_payload"),
        ("malformed json", signed(None, raw=b'{"call_id": "CAL1", "tenant_id": '), 400, "malformed_json"),
        ("json array", signed(None, raw=b'[{"call_id":"CAL1","tenant_id":"acme"}]'), 400, "malformed_json"),
        ("not utf-8", signed(None, raw=b'{"call_id":"\xff\xfe","tenant_id":"acme"}'), 400, "malformed_json"),
        ("empty body", signed(None, raw=b""), 400, "malformed_json"),
        ("oversized body", signed(call_payload(customer_name=long_junk)), 413, "payload_too_large"),
        ("form content type", with_header(signed(good), content_type="application/x-www-form-urlencoded"),
         415, "unsupported_media_type"),
        ("text content type", with_header(signed(good), content_type="text/plain"), 415,
         "unsupported_media_type"),
        ("no content type", with_header(signed(good), content_type=None), 415, "unsupported_media_type"),
    ]


VARIANT_NAMES = [v[0] for v in _variants()]


@pytest.mark.parametrize("name", VARIANT_NAMES)
def test_bad_request_is_rejected_and_store_unchanged(intake_client, seeded_engine, name):
    # Built when the test runs, not at collection: timestamps are relative to now.
    _, (body, headers), status, error = next(v for v in _variants() if v[0] == name)
    before = store_snapshot(seeded_engine)
    response = post(intake_client, body, headers)
    assert response.status_code == status, response.text
    assert response.json()["error"] == error
    assert response.json()["detail"]
    assert store_snapshot(seeded_engine) == before


def test_at_least_thirty_bad_variants():
    assert len(VARIANT_NAMES) >= 30


def test_replayed_request_is_refused_and_stores_nothing_new(intake_client, seeded_engine):
    body = encode(call_payload(call_id="CAL3003"))
    headers = signed_headers(SECRETS["acme"], body)
    assert post(intake_client, body, headers).status_code == 200
    before = store_snapshot(seeded_engine)
    replay = post(intake_client, body, headers)
    assert (replay.status_code, replay.json()["error"]) == (409, "replayed_request")
    assert store_snapshot(seeded_engine) == before


def test_validation_errors_do_not_echo_payload_values(intake_client):
    body = encode(call_payload(caller_id="phone: 555 HOT LEAD", duration="x"))
    response = post(intake_client, body, signed_headers(SECRETS["acme"], body))
    assert response.status_code == 422
    assert "HOT LEAD" not in response.text


def test_tenant_rate_limit_answers_429_with_retry_after(seeded_engine, intake_settings):
    from fastapi.testclient import TestClient

    from leadline.intake.app import create_app
    from leadline.store.schema import tenants

    with seeded_engine.begin() as conn:
        conn.execute(tenants.update().where(tenants.c.tenant_id == "acme").values(requests_per_minute=60))
    with TestClient(create_app(intake_settings)) as client:
        statuses = []
        for i in range(8):
            body = encode(call_payload(call_id=f"RL{i}"))
            statuses.append(post(client, body, signed_headers(SECRETS["acme"], body)))
        limited = [r for r in statuses if r.status_code == 429]
        assert [r.status_code for r in statuses[:6]] == [200] * 6  # burst of a tenth of a minute
        assert limited and all(r.json()["error"] == "rate_limited" for r in limited)
        assert int(limited[0].headers["retry-after"]) >= 1
        # Another tenant is not affected by acme's limit.
        body = encode(call_payload(tenant_id="globex", call_id="G1"))
        assert post(client, body, signed_headers(SECRETS["globex"], body)).status_code == 200
    with seeded_engine.connect() as conn:
        stored = conn.execute(select(func.count()).select_from(processing_requests)
                              .where(processing_requests.c.tenant_id == "acme")).scalar_one()
    assert stored == 8 - len(limited)


def test_repeated_signature_failures_block_the_client(intake_client, seeded_engine):
    bad = encode(call_payload(call_id="BF1"))
    headers = signed_headers("guessed-secret", bad)
    for _ in range(10):
        assert post(intake_client, bad, headers).status_code == 401
    good = encode(call_payload(call_id="BF2"))
    blocked = post(intake_client, good, signed_headers(SECRETS["acme"], good))
    assert (blocked.status_code, blocked.json()["error"]) == (403, "client_blocked")
    assert int(blocked.headers["retry-after"]) > 0
    with seeded_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(call_records)).scalar_one() == 0


def test_health_reports_each_service(intake_client):
    response = intake_client.get("/v1/health")
    assert response.status_code == 200
    report = response.json()
    # database and storage probed live; Speech and Vertex come from health_check's snapshot, none yet
    assert report["services"] == {"database": "healthy", "storage": "healthy", "speech_api": "unknown",
                                  "vertex_ai": "unknown"}
    assert report["status"] == "degraded"
    assert report["timestamp"].endswith("Z")


def test_health_is_unhealthy_when_the_store_is_gone(tmp_path):
    from fastapi.testclient import TestClient

    from leadline.config import IntakeSettings
    from leadline.intake.app import create_app

    settings = IntakeSettings(store_url="postgresql://postgres@127.0.0.1:9/unreachable",
                              storage_url=tmp_path.as_uri())
    with TestClient(create_app(settings)) as client:
        response = client.get("/v1/health")
    assert response.status_code == 503
    assert response.json()["services"]["database"] == "unhealthy"


def test_metrics_count_outcomes_and_rejections_by_tenant_and_log_the_address(intake_client, caplog):
    body = encode(call_payload(call_id="M1"))
    post(intake_client, body, signed_headers(SECRETS["acme"], body))
    post(intake_client, body, {"content-type": "application/json"})
    post(intake_client, body, signed_headers(SECRETS["globex"], body))  # acme's body, the wrong secret
    stranger = encode(call_payload(tenant_id="mallory", call_id="M2"))
    post(intake_client, stranger, signed_headers(SECRETS["acme"], stranger))
    assert intake_client.get("/v1/metrics").status_code == 401  # it names every tenant: scrapers only
    text = intake_client.get("/v1/metrics", headers={"authorization": f"Bearer {METRICS_TOKEN}"}).text
    assert 'leadline_intake_requests_total{outcome="accepted",tenant="acme"} 1.0' in text
    assert 'leadline_intake_requests_total{outcome="rejected",tenant="acme"} 1.0' in text
    assert 'leadline_intake_rejected_total{reason="invalid_signature",tenant="acme"} 1.0' in text
    # no tenant is known before the timestamp is read, and a tenant nobody registered is not a label value
    assert 'leadline_intake_rejected_total{reason="missing_timestamp",tenant="_unknown"} 1.0' in text
    assert 'leadline_intake_rejected_total{reason="invalid_signature",tenant="_unknown"} 1.0' in text
    assert "mallory" not in text and "testclient" not in text
    assert "leadline_intake_request_seconds_bucket" in text
    rejected = [r.getMessage() for r in caplog.records if r.getMessage().startswith("webhook rejected")]
    assert "webhook rejected: reason=invalid_signature status=401 tenant=acme client=testclient" in rejected


def test_no_pii_in_logs(intake_client, caplog):
    caplog.set_level("DEBUG")
    planted = call_payload(call_id="PII1", caller_id="+15550009999", customer_name="Zebediah Quux",
                           customer_email="zeb.quux@example.org")
    for payload in (planted, {**planted, "duration": "bad"}, {**planted, "tenant_id": "nobody"}):
        body = encode(payload)
        post(intake_client, body, signed_headers(SECRETS["acme"], body))
    text = caplog.text
    for value in ("5550009999", "Zebediah", "Quux", "zeb.quux"):
        assert value not in text
    assert "PII1" in text  # the log does say which call it was


def test_store_failure_answers_503_and_keeps_nothing(intake_client, seeded_engine):
    from sqlalchemy.exc import OperationalError

    import leadline.intake.writer as writer

    def unavailable(engine, calls):
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    before = store_snapshot(seeded_engine)
    body = encode(call_payload(call_id="DOWN1"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(writer, "record_calls", unavailable)
        response = post(intake_client, body, signed_headers(SECRETS["acme"], body))
    assert (response.status_code, response.json()["error"]) == (503, "store_unavailable")
    assert store_snapshot(seeded_engine) == before
    # the store is back: CallRail's retry (a new timestamp, so a new signature) is stored
    retry = post(intake_client, body, signed_headers(SECRETS["acme"], body, int(time.time()) + 1))
    assert retry.json()["status"] == "accepted"


def test_tenant_lookup_on_a_down_store_answers_503_not_500(intake_client, seeded_engine):
    from sqlalchemy.exc import OperationalError

    import leadline.intake.tenants as tenants_module

    def unavailable(conn, tenant_id):
        raise OperationalError("SELECT", {}, Exception("connection refused"))

    body = encode(call_payload(call_id="DOWN2"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tenants_module, "get_tenant", unavailable)
        response = post(intake_client, body, signed_headers(SECRETS["acme"], body))
    assert (response.status_code, response.json()["error"]) == (503, "store_unavailable")
    retry = post(intake_client, body, signed_headers(SECRETS["acme"], body, int(time.time()) + 1))
    assert retry.json()["status"] == "accepted"


def test_metrics_are_off_without_a_token_and_no_api_document_is_served(store_url, tmp_path):
    from fastapi.testclient import TestClient

    from leadline.config import IntakeSettings
    from leadline.intake.app import create_app

    settings = IntakeSettings(store_url=store_url, storage_url=tmp_path.as_uri())
    with TestClient(create_app(settings)) as client:
        assert client.get("/v1/metrics").status_code == 404
        assert client.get("/openapi.json").status_code == 404 and client.get("/docs").status_code == 404
