"""Tenant webhook secrets from Secret Manager as the Cloud Run intake resolves them: bare `gsm:NAME` in the
project the deploy names (LEADLINE_SECRETS_PROJECT), and Secret Manager errors as a 503, never a 500."""

from __future__ import annotations

import pytest
from google.api_core import exceptions

from leadline import secrets
from leadline.secrets import SecretNotFound, resolve_secret, secret_version_name
from tests.helpers import SECRETS, call_payload, encode, signed_headers


class FakeSecretManager:
    def __init__(self, values: dict[str, str]):
        self.values, self.asked = values, []

    def access_secret_version(self, name: str):
        from google.cloud import secretmanager

        self.asked.append(name)
        if name not in self.values:
            raise exceptions.PermissionDenied(f"no access to {name}")
        return secretmanager.AccessSecretVersionResponse(
            name=name, payload=secretmanager.SecretPayload(data=self.values[name].encode()))


@pytest.fixture
def secret_manager(monkeypatch):
    fake = FakeSecretManager({"projects/acme-prod/secrets/webhook-acme/versions/latest": SECRETS["acme"]})
    monkeypatch.setattr(secrets, "_secret_manager_client", lambda: fake)
    return fake


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
