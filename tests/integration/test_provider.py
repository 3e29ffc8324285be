"""Leadline as a local Airflow provider (entry point `apache_airflow_provider` -> leadline.provider), and the
hooks' provider-grade behaviour: one CRM interface, connection and client read once per hook, credentials
through the Google provider, and a test_connection() that really talks to the backend."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from leadline.provider import HOOK_CLASSES, get_provider_info
from tests.crm.conftest import crm_sandbox, sandbox  # noqa: F401 - fixtures
from tests.integration.fake_google import FakeGoogle, connection_json

CONNECTION_TYPES = {"leadline_store", "hubspot", "pipedrive", "callrail", "gmail", "dialpad", "leadline_speech",
                    "leadline_llm", "leadline_embeddings"}


def _hook_class(path: str):
    from importlib import import_module

    module, _, name = path.rpartition(".")
    return getattr(import_module(module), name)


@pytest.fixture(scope="module")
def providers():
    from airflow.providers_manager import ProvidersManager

    return ProvidersManager()


@pytest.fixture(scope="module")
def runtime_hooks():
    """Where task code resolves a connection type to its hook (ProvidersManager.hooks is deprecated for it)."""
    from airflow.sdk.providers_manager_runtime import ProvidersManagerTaskRuntime

    return ProvidersManagerTaskRuntime().hooks


def test_every_leadline_connection_type_is_registered_with_its_hook_form_and_behaviour(providers, runtime_hooks):
    assert "leadline" in providers.providers
    info = get_provider_info()
    assert (info["package-name"], info["name"]) == ("leadline", "Leadline") and info["versions"]
    assert {entry["connection-type"] for entry in info["connection-types"]} == CONNECTION_TYPES
    widgets, behaviours = providers.connection_form_widgets, providers.field_behaviours
    for path in HOOK_CLASSES:
        hook = _hook_class(path)
        registered = runtime_hooks[hook.conn_type]
        assert registered is not None, hook.conn_type
        assert (registered.hook_class_name, registered.package_name) == (path, "leadline")
        assert registered.connection_id_attribute_name == hook.conn_name_attr
        assert registered.connection_testable  # the UI's "Test" button calls hook.test_connection()
        assert registered.hook_name == hook.hook_name
        expected = hook.get_ui_field_behaviour()
        assert behaviours[hook.conn_type]["hidden_fields"] == expected["hidden_fields"]
        assert behaviours[hook.conn_type]["relabeling"] == expected["relabeling"]
        for field, spec in hook.get_connection_form_widgets().items():
            widget = widgets[f"extra__{hook.conn_type}__{field}"]
            assert (widget.hook_class_name, widget.field_name) == (path, field)
            assert widget.field["schema"]["title"] == spec["label"]
            assert widget.is_sensitive == (spec["schema"].get("format") == "password")
    # the extras each form offers, and the secrets it masks
    assert {"host", "max_attempts", "retry_base_s", "timeout_s"} <= {
        name.rsplit("__", 1)[1] for name in widgets if name.startswith("extra__hubspot__")}
    assert widgets["extra__leadline_store__sqlalchemy_url"].is_sensitive
    assert {"extra__leadline_speech__model", "extra__leadline_speech__channel_speakers",
            "extra__callrail__host", "extra__gmail__host", "extra__dialpad__host"} <= set(widgets)
    assert behaviours["hubspot"]["relabeling"] == {"password": "Private app access token"}
    assert behaviours["callrail"]["relabeling"] == {"password": "API key"}


def test_a_hook_imported_first_in_a_fresh_process_survives_provider_discovery(tmp_path):
    """Importing a hook imports Airflow, whose configuration discovers the providers, Leadline's included:
    the provider info must not import the hook that is still being imported."""
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT, python_path

    env = {**os.environ, "AIRFLOW_HOME": str(tmp_path), "PYTHONPATH": python_path(ROOT / "plugins")}
    for path in ("leadline.hooks.store.LeadlineStoreHook", "leadline.hooks.hubspot.HubSpotHook"):
        module, _, name = path.rpartition(".")
        subprocess.run([sys.executable, "-c", f"from {module} import {name}"], env=env, check=True, timeout=120)


def test_every_crm_hook_implements_the_one_interface_and_the_registry_names_them():
    from leadline.domain.crm import CRM_CALL_FIELDS, CRM_TYPES, CRMS
    from leadline.hooks.crm import CRM_HOOKS, CrmHook, crm_hook_class
    from leadline.provider import HOOK_CLASSES
    from leadline.store.schema import call_records

    assert set(CRM_HOOKS) == set(CRM_TYPES) == set(CRMS) == {"hubspot", "salesforce", "pipedrive"}
    assert set(CRM_CALL_FIELDS) == {"hubspot", "salesforce"}  # the runbooks' columns; pipedrive: call_crm_links
    for crm_type in CRM_TYPES:
        hook = crm_hook_class(crm_type)
        assert hook.crm_type == crm_type
        assert f"{hook.__module__}.{hook.__name__}" in HOOK_CLASSES or crm_type == "salesforce"  # the provider's form
        fields = CRM_CALL_FIELDS.get(crm_type)
        assert fields is None or (fields.record in call_records.c and fields.engagement in call_records.c)
        for member in ("upsert_lead", "bulk_upsert", "upsert_engagement", "bulk_upsert_engagements", "find_contact",
                       "mirror_records", "delete_record", "test_connection"):
            assert callable(getattr(hook, member))
    assert (crm_hook_class("hubspot").batch_limit, crm_hook_class("salesforce").batch_limit) == (100, 200)
    with pytest.raises(LookupError, match="unknown CRM type 'zoho'"):
        crm_hook_class("zoho")
    from leadline.hooks.hubspot import HubSpotHook

    assert isinstance(HubSpotHook("hubspot_acme"), CrmHook)  # no connection is read to build a hook


def test_breaker_counts_concurrent_failures_without_losing_one(seeded_engine):
    from leadline.store.crm import FAILURES_TO_OPEN, circuit, record_failure, record_success

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(lambda _: record_failure(seeded_engine, "acme", "hubspot"), range(12)))
    state = circuit(seeded_engine, "acme", "hubspot")
    assert (state.state, state.consecutive_failures) == ("open", 12) and state.opened_until is not None
    record_success(seeded_engine, "acme", "hubspot")
    assert circuit(seeded_engine, "acme", "hubspot").consecutive_failures == 0
    for n in range(1, FAILURES_TO_OPEN):
        assert record_failure(seeded_engine, "acme", "hubspot").state == "closed", n
    assert record_failure(seeded_engine, "acme", "hubspot").state == "open"
    assert circuit(seeded_engine, "globex", "hubspot").state == "closed"  # tenant-first: another tenant untouched


def test_crm_and_rest_hooks_talk_to_their_backend_in_test_connection(crm_sandbox, monkeypatch):  # noqa: F811
    from leadline.hooks.callrail import CallRailHook
    from leadline.hooks.hubspot import HubSpotHook
    from leadline.hooks.rest import DialpadHook, GmailHook
    from leadline.hooks.salesforce import LeadlineSalesforceHook
    from leadline_dev.sandbox.app import DEFAULT_TOKENS
    from tests.crm.conftest import journal, set_faults

    for name in ("gmail", "dialpad"):
        monkeypatch.setenv(f"AIRFLOW_CONN_{name.upper()}_ACME", json.dumps({
            "conn_type": name, "password": DEFAULT_TOKENS[name], "extra": {"host": crm_sandbox.http_url}}))
    assert HubSpotHook("hubspot_acme").test_connection() == (True, "HubSpot reachable")
    assert LeadlineSalesforceHook("salesforce_acme").test_connection() == (True, "Salesforce reachable")
    assert GmailHook("gmail_acme").test_connection() == (True, "Gmail reachable")
    assert DialpadHook("dialpad_acme").test_connection() == (True, "Dialpad reachable")
    assert [e["path"] for e in journal(crm_sandbox, "dialpad")] == ["/api/v2/call"]
    set_faults(crm_sandbox, "hubspot", down=True)
    ok, message = HubSpotHook("hubspot_acme").test_connection()
    assert not ok and message.startswith("HubSpot:")

    monkeypatch.setenv("AIRFLOW_CONN_GMAIL_ACME", json.dumps({
        "conn_type": "gmail", "password": "wrong", "extra": {"host": crm_sandbox.http_url}}))
    assert GmailHook("gmail_acme").test_connection() == (False, "Gmail: HTTP 401")

    seen = []

    def callrail(request: httpx.Request) -> httpx.Response:
        seen.append((request.url.path, request.headers["authorization"]))
        return httpx.Response(200, json={"accounts": [], "total_pages": 1})

    monkeypatch.setenv("AIRFLOW_CONN_CALLRAIL_DEFAULT", json.dumps({"conn_type": "callrail", "password": "k"}))
    hook = CallRailHook()
    hook.client = httpx.Client(base_url="https://api.callrail.com", transport=httpx.MockTransport(callrail),
                               headers={"Authorization": hook.authorization("k")})
    assert hook.test_connection() == (True, "CallRail reachable")
    assert seen == [("/v3/a.json", 'Token token="k"')]


def test_a_rest_hook_reads_its_connection_once_and_keeps_one_http_client(crm_sandbox, monkeypatch):  # noqa: F811
    from airflow.sdk.bases.hook import BaseHook

    from leadline.hooks.rest import GmailHook
    from leadline_dev.sandbox.app import DEFAULT_TOKENS

    monkeypatch.setenv("AIRFLOW_CONN_GMAIL_ACME", json.dumps({
        "conn_type": "gmail", "password": DEFAULT_TOKENS["gmail"], "extra": {"host": crm_sandbox.http_url}}))
    httpx.post(f"{crm_sandbox.http_url}/_sandbox/gmail/rep@acme.io/messages", json=[
        {"id": f"M{i}", "threadId": "T", "internalDate": str(1_700_000_000_000 + i), "payload": {"headers": []}}
        for i in range(3)]).raise_for_status()
    reads, clients = [], []
    original_get, original_init = BaseHook.get_connection.__func__, httpx.Client.__init__
    monkeypatch.setattr(BaseHook, "get_connection",
                        classmethod(lambda cls, conn_id: reads.append(conn_id) or original_get(cls, conn_id)))
    monkeypatch.setattr(httpx.Client, "__init__",
                        lambda self, *a, **k: clients.append(self) or original_init(self, *a, **k))
    with GmailHook("gmail_acme") as hook:
        assert len(hook.messages("rep@acme.io", 0, 2**31)) == 3  # one list + three gets
        client = hook.get_conn()
    assert reads == ["gmail_acme"] and clients == [client]
    assert client.is_closed


def test_hubspot_hook_reads_its_connection_once_per_instance(crm_sandbox, monkeypatch):  # noqa: F811
    from airflow.sdk.bases.hook import BaseHook

    from leadline.domain.crm import Lead
    from leadline.hooks.hubspot import HubSpotHook

    reads = []
    original_get = BaseHook.get_connection.__func__
    monkeypatch.setattr(BaseHook, "get_connection",
                        classmethod(lambda cls, conn_id: reads.append(conn_id) or original_get(cls, conn_id)))
    hook = HubSpotHook("hubspot_acme")
    for i in range(3):
        hook.upsert_lead(Lead("acme", f"C{i}", "Pat", None, f"pat{i}@example.com", 80, "Roof."))
    hook.upsert_lead(Lead("acme", "C9", "Sam", "+15550001111", None, 70, "Deck."))  # search + create
    assert reads == ["hubspot_acme"]


def _service_account_key() -> dict:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    pem = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    return {"type": "service_account", "project_id": "key-project", "private_key_id": "1", "private_key": pem,
            "client_email": "leadline@key-project.iam.gserviceaccount.com", "client_id": "1",
            "token_uri": "https://oauth2.googleapis.com/token"}


def test_google_hooks_take_credentials_from_the_google_provider(monkeypatch, tmp_path):
    from google.auth import impersonated_credentials
    from google.oauth2 import credentials as user_credentials
    from google.oauth2 import service_account

    from leadline.hooks.analysis import AnalysisHook
    from leadline.hooks.embedding import EmbeddingHook
    from leadline.hooks.speech import SpeechHook

    key = _service_account_key()
    key_file = tmp_path / "key.json"
    key_file.write_text(json.dumps(key))

    monkeypatch.setenv("AIRFLOW_CONN_LEADLINE_LLM", json.dumps({
        "conn_type": "google_cloud_platform", "extra": {"keyfile_dict": json.dumps(key), "location": "europe-west4"}}))
    credentials, project = AnalysisHook().google_credentials
    assert isinstance(credentials, service_account.Credentials) and project == "key-project"
    assert credentials.service_account_email == key["client_email"]

    monkeypatch.setenv("AIRFLOW_CONN_LEADLINE_EMBEDDINGS", json.dumps({
        "conn_type": "google_cloud_platform",
        "extra": {"key_path": str(key_file), "project_id": "leadline-prod",
                  "impersonation_chain": "embedder@leadline-prod.iam.gserviceaccount.com"}}))
    credentials, project = EmbeddingHook().google_credentials
    assert isinstance(credentials, impersonated_credentials.Credentials) and project == "leadline-prod"
    assert credentials.service_account_email == "embedder@leadline-prod.iam.gserviceaccount.com"

    monkeypatch.setenv("AIRFLOW_CONN_LEADLINE_SPEECH", json.dumps({
        "conn_type": "google_cloud_platform", "extra": {"static_token": "emulator-token"}}))
    credentials, _ = SpeechHook().google_credentials  # local emulators keep their pre-issued token
    assert isinstance(credentials, user_credentials.Credentials) and credentials.token == "emulator-token"


def test_vertex_hooks_test_connection_calls_the_model(monkeypatch):
    from leadline.hooks.analysis import AnalysisHook
    from leadline.hooks.embedding import EmbeddingHook

    with FakeGoogle() as fake:
        monkeypatch.setenv("AIRFLOW_CONN_LEADLINE_LLM", connection_json(fake, project_id="leadline-prod"))
        monkeypatch.setenv("AIRFLOW_CONN_LEADLINE_EMBEDDINGS", connection_json(fake, project_id="leadline-prod"))
        assert AnalysisHook().test_connection() == (True, "vertex:gemini-2.5-flash reachable")
        assert EmbeddingHook().test_connection() == (True, "vertex embeddings ready (3 dimensions)")
    assert [r["path"].rsplit("/", 1)[1] for r in fake.journal] == ["gemini-2.5-flash:countTokens",
                                                                   "text-embedding-005:predict"]
    assert all(r["headers"]["authorization"] == "Bearer test-token" for r in fake.journal)
    monkeypatch.delenv("AIRFLOW_CONN_LEADLINE_LLM")
    monkeypatch.delenv("AIRFLOW_CONN_LEADLINE_EMBEDDINGS", raising=False)
    assert AnalysisHook().test_connection() == (True, "rules analyzer ready")
    assert EmbeddingHook().test_connection() == (True, "local embeddings ready (256 dimensions)")


def test_store_hook_tests_its_database_and_accepts_a_sqlalchemy_url(monkeypatch, store_url):
    from leadline.hooks.store import LeadlineStoreHook

    monkeypatch.setenv("AIRFLOW_CONN_LEADLINE_DB", json.dumps({"conn_type": "leadline_store",
                                                               "extra": {"sqlalchemy_url": store_url}}))
    hook = LeadlineStoreHook()
    assert hook.sqlalchemy_url() == store_url
    assert hook.test_connection() == (True, "store reachable")
