"""Tenant webhook secrets from Secret Manager as the Cloud Run intake resolves them: bare `gsm:NAME` in the
project the deploy names (LEADLINE_SECRETS_PROJECT), and Secret Manager errors as a 503, never a 500. The
production client asks a Secret Manager server over gRPC (tests/integration/fake_secret_manager.py), reached
through LEADLINE_SECRET_MANAGER_ENDPOINT."""

from __future__ import annotations

import time

import pytest

from leadline.secrets import (
    SECRET_MANAGER_DEADLINE_S,
    SECRET_MANAGER_ENDPOINT,
    SecretNotFound,
    resolve_secret,
    secret_version_name,
)
from tests.helpers import SECRETS, call_payload, encode, signed_headers
from tests.integration.fake_secret_manager import FakeSecretManager


@pytest.fixture
def secret_manager(monkeypatch):
    with FakeSecretManager({"projects/acme-prod/secrets/webhook-acme/versions/latest": SECRETS["acme"]}) as fake:
        monkeypatch.setenv(SECRET_MANAGER_ENDPOINT, fake.endpoint)
        yield fake


def test_bare_secret_names_resolve_in_the_deployment_project(monkeypatch, secret_manager):
    monkeypatch.setenv("LEADLINE_SECRETS_PROJECT", "acme-prod")
    assert resolve_secret("gsm:webhook-acme") == SECRETS["acme"]
    assert resolve_secret("gsm:projects/acme-prod/secrets/webhook-acme") == SECRETS["acme"]
    assert secret_version_name("webhook-acme/versions/3") == "projects/acme-prod/secrets/webhook-acme/versions/3"
    monkeypatch.delenv("LEADLINE_SECRETS_PROJECT")
    with pytest.raises(SecretNotFound, match="names no project"):
        resolve_secret("gsm:webhook-acme")


def test_a_secret_manager_refusal_is_a_503_for_the_webhook(monkeypatch, secret_manager, seeded_engine,
                                                            intake_client):
    from sqlalchemy import update

    from leadline.store.schema import tenants

    monkeypatch.setenv("LEADLINE_SECRETS_PROJECT", "acme-prod")
    with seeded_engine.begin() as conn:
        conn.execute(update(tenants).where(tenants.c.tenant_id == "acme").values(webhook_secret_ref="gsm:webhook-acme"))
        conn.execute(update(tenants).where(tenants.c.tenant_id == "globex")
                     .values(webhook_secret_ref="gsm:webhook-globex"))
    body = encode(call_payload(call_id="GSM-1"))
    assert intake_client.post("/v1/callrail/webhook", content=body,
                              headers=signed_headers(SECRETS["acme"], body)).status_code == 200
    body = encode(call_payload(tenant_id="globex", call_id="GSM-2"))
    refused = intake_client.post("/v1/callrail/webhook", content=body, headers=signed_headers(SECRETS["globex"], body))
    assert (refused.status_code, refused.json()["error"]) == (503, "secret_unavailable")
    assert secret_manager.asked == ["projects/acme-prod/secrets/webhook-acme/versions/latest",
                                    "projects/acme-prod/secrets/webhook-globex/versions/latest"]


def test_secret_manager_refusals_and_outages_are_secret_not_found(secret_manager):
    with pytest.raises(SecretNotFound, match="projects/acme-prod/secrets/other/versions/2 is unavailable: "
                                             "PermissionDenied"):
        resolve_secret("gsm:projects/acme-prod/secrets/other/versions/2")
    secret_manager.server.stop(grace=None)
    started = time.monotonic()
    with pytest.raises(SecretNotFound, match="webhook-acme/versions/latest is unavailable: RetryError"):
        resolve_secret("gsm:projects/acme-prod/secrets/webhook-acme")
    # retried while the webhook waits, but not for the client's default minute
    assert time.monotonic() - started < SECRET_MANAGER_DEADLINE_S + 1
