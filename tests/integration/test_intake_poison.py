"""One tenant's signed but poisoned webhook fails alone: bodies in UTF-16/UTF-32 (which json.loads would accept),
an infinite number, NUL and lone surrogates get 400 with the reason, and the valid webhooks of another tenant sent
at the same time (the intake commits them in groups) are all stored, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from leadline.config import IntakeSettings
from leadline.intake.app import create_app
from leadline.store.schema import call_records
from tests.helpers import SECRETS, call_payload, encode, signed_headers


def poisoned_bodies() -> list[tuple[bytes, str]]:
    text = json.dumps(call_payload("acme", "POISON-1", customer_name="Nul\u0000Name"))
    return [
        (json.dumps(call_payload("acme", "POISON-2")).encode("utf-16"), "UTF-8"),
        (json.dumps(call_payload("acme", "POISON-3")).encode("utf-32"), "UTF-8"),
        (json.dumps(call_payload("acme", "POISON-4", customer_name="A\u0000B"), ensure_ascii=False)
         .encode("utf-16-le"), "UTF-8"),
        (encode(call_payload("acme", "POISON-5")).replace(b'"duration":"180"', b'"duration":1e999'), "finite"),
        (text.encode(), "NUL"),
        (encode(call_payload("acme", "POISON-6")).replace(b'"Marcus Whitfield"', b'"\\ud800x"'), "surrogate"),
    ]


@pytest.fixture
def poison_client(seeded_store_on_each_backend, tmp_path):
    url, engine = seeded_store_on_each_backend
    settings = IntakeSettings(store_url=url, storage_url=(tmp_path / "artifacts").as_uri())
    with TestClient(create_app(settings)) as client:
        yield client, engine


def test_poisoned_webhooks_fail_alone(poison_client):
    client, engine = poison_client
    poisoned = poisoned_bodies() * 2
    valid = [encode(call_payload("globex", f"VALID-{i}")) for i in range(60)]

    def send(body: bytes, tenant: str):
        return client.post("/v1/callrail/webhook", content=body, headers=signed_headers(SECRETS[tenant], body))

    with ThreadPoolExecutor(max_workers=12) as pool:
        bad = [pool.submit(send, body, "acme") for body, _ in poisoned]
        good = [pool.submit(send, body, "globex") for body in valid]
        bad_responses, good_responses = [f.result() for f in bad], [f.result() for f in good]
    assert [r.status_code for r in good_responses] == [200] * len(valid)
    for response, (_, reason) in zip(bad_responses, poisoned, strict=True):
        assert response.status_code == 400 and reason in response.json()["detail"], response.text
    with engine.connect() as conn:
        stored = dict(conn.execute(select(call_records.c.tenant_id, func.count()).group_by(call_records.c.tenant_id))
                      .all())
    assert stored == {"globex": 60}


def test_times_are_stored_in_utc_and_impossible_ones_refused(poison_client):
    from leadline.store.calls import get_call

    client, engine = poison_client
    # yesterday at 10:00 wall time, whatever today is
    wall = (datetime.now(UTC) - timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0, tzinfo=None)
    for call_id, start, status in (("T-1", f"{wall.isoformat()}-05:00", 200), ("T-2", wall.isoformat(), 200),
                                   ("T-3", "0001-01-01T00:00:00+14:00", 422), ("T-4", "1970-01-01T00:00:00Z", 422),
                                   ("T-5", "9999-12-31T23:59:59Z", 422)):
        body = encode(call_payload("acme", call_id, start_time=start))
        response = client.post("/v1/callrail/webhook", content=body, headers=signed_headers(SECRETS["acme"], body))
        assert response.status_code == status, (call_id, response.text)
        if status == 422:
            assert "out of range" in response.text and get_call(engine, "acme", call_id) is None
    assert get_call(engine, "acme", "T-1").started_at == wall.replace(hour=15, tzinfo=UTC)
    assert get_call(engine, "acme", "T-2").started_at == wall.replace(tzinfo=UTC)


def test_made_up_tenant_ids_look_like_bad_signatures_and_count_toward_the_block(poison_client):
    client, _ = poison_client
    answers = []
    for i in range(12):
        body = encode(call_payload(f"made-up-{i}", f"X{i}"))
        answers.append(client.post("/v1/callrail/webhook", content=body,
                                   headers=signed_headers(SECRETS["acme"], body)))
    first = answers[0]
    assert (first.status_code, first.json()["error"]) == (401, "invalid_signature")  # as a wrong secret answers
    assert answers[-1].status_code == 403 and answers[-1].json()["error"] == "client_blocked"


def test_the_tenant_cache_is_bounded(poison_client, monkeypatch):
    from leadline.intake import tenants as tenant_cache

    _, engine = poison_client
    monkeypatch.setattr(tenant_cache, "MAX_CACHED", 4)
    directory = tenant_cache.TenantDirectory(engine)
    for i in range(50):
        directory.lookup(f"made-up-{i}")
    assert len(directory._cache) == 4 and directory.cached("made-up-49")[0] is not None
    assert directory.cached("made-up-0") == (None, False)  # the oldest made-up ids were dropped


SSRF_URLS = [
    "http://169.254.169.254/latest/meta-data/iam/security-credentials/",  # the metadata server
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://10.0.0.7/internal/report.wav",  # a private range
    "http://[::1]/r.wav", "http://127.1/r.wav", "http://2130706433/r.wav", "http://0x7f000001/r.wav",
    "http://0177.0.0.1/r.wav",  # loopback written as a short, decimal, hex and octal address
    "http://127.0.0.1.nip.io/r.wav",  # a name that resolves to loopback
    "https://api.callrail.com.evil.test/r.wav",
]


@pytest.mark.parametrize("url", SSRF_URLS)
def test_a_recording_url_outside_the_tenants_hosts_is_refused_and_nothing_stored(poison_client, url):
    """The tests' deployment allows 127.0.0.1 over http (LEADLINE_RECORDING_HOSTS): every other host, and every
    other spelling of loopback, is refused at the door with the reason, and the call is not stored."""
    from leadline.store.calls import get_call

    client, engine = poison_client
    body = encode(call_payload("acme", "SSRF-1", recording_url=url))
    response = client.post("/v1/callrail/webhook", content=body, headers=signed_headers(SECRETS["acme"], body))
    assert (response.status_code, response.json()["error"]) == (422, "recording_url_refused"), response.text
    assert get_call(engine, "acme", "SSRF-1") is None


def test_a_tenants_own_recording_hosts_replace_the_deployments(poison_client):
    from leadline.store.calls import get_call
    from leadline.store.tenants import set_config_section

    client, engine = poison_client
    with engine.begin() as conn:
        set_config_section(conn, "globex", "recording_hosts", ["callrail.com"])
        set_config_section(conn, "globex", "recording_allow_http", False)
    for call_id, url, status in (("H-1", "https://app.callrail.com/calls/1/recording", 200),
                                 ("H-2", "http://app.callrail.com/calls/2/recording", 422),  # https only
                                 ("H-3", "http://127.0.0.1/r.wav", 422)):  # the deployment's host, not this tenant's
        body = encode(call_payload("globex", call_id, recording_url=url))
        response = client.post("/v1/callrail/webhook", content=body, headers=signed_headers(SECRETS["globex"], body))
        assert response.status_code == status, (call_id, response.text)
        assert (get_call(engine, "globex", call_id) is None) == (status == 422)
