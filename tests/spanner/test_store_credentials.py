"""The store's Spanner credentials come from the `leadline_db` connection: a key file (`key_path`, or in tasks an
inline `keyfile_dict`) and an `impersonation_chain`, read outside Airflow by leadline.store.connection_uri and in
tasks by the Google provider; without them the Spanner client's default. The emulator takes any credentials (the
client swaps them for anonymous ones there), so each test checks the credentials the engine hands the Spanner DB
API and that the engine reaches the database with them."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.auth import impersonated_credentials
from google.auth.credentials import AnonymousCredentials
from google.oauth2 import service_account
from sqlalchemy import event

from leadline.config import default_store_url
from leadline.store.engine import create_store_engine, ping
from tests.spanner.conftest import INSTANCE, PROJECT

pytestmark = pytest.mark.spanner

OPS_ACCOUNT = f"ops-key@{PROJECT}.iam.gserviceaccount.com"
STORE_ACCOUNT = f"leadline-store@{PROJECT}.iam.gserviceaccount.com"
RELAY_ACCOUNT = f"relay@{PROJECT}.iam.gserviceaccount.com"


def service_account_key(email: str) -> dict[str, str]:
    """A service-account JSON key as the IAM console issues it, with a freshly generated RSA key."""
    pem = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    return {"type": "service_account", "project_id": PROJECT, "private_key_id": "0" * 40, "private_key": pem,
            "client_email": email, "client_id": "1" * 21, "token_uri": "https://oauth2.googleapis.com/token"}


@pytest.fixture(scope="module")
def ops_key() -> dict[str, str]:
    return service_account_key(OPS_ACCOUNT)


@pytest.fixture
def key_file(tmp_path, ops_key) -> str:
    path = tmp_path / "ops-key.json"
    path.write_text(json.dumps(ops_key))
    return str(path)


@pytest.fixture
def connect(spanner_store_url, monkeypatch):
    """Sets `leadline_db` to a gcpspanner connection on this test's database with the given extras, and the
    engine-building helpers read it from there."""
    database_id = spanner_store_url.rsplit("/", 1)[1]
    monkeypatch.delenv("LEADLINE_STORE_URL", raising=False)

    def set_connection(**credential_extras) -> None:
        monkeypatch.setenv("AIRFLOW_CONN_LEADLINE_DB", json.dumps({"conn_type": "gcpspanner", "extra": {
            "project_id": PROJECT, "instance_id": INSTANCE, "database_id": database_id, **credential_extras}}))

    return set_connection


def handed_credentials(engine):
    """The credentials the engine hands the Spanner DB API for a new connection (None: none, the client's
    default), after a round trip to the emulator with them."""
    handed = []
    event.listen(engine, "do_connect", lambda _dialect, _record, _args, params: handed.append(params))
    ping(engine)
    return handed[0].get("credentials")


def cli_engine():
    """The engine the CLI and the intake build: from the store the environment names."""
    return create_store_engine(default_store_url())


def task_engine():
    """The engine Airflow tasks get: the hook's, credentials through the Google provider."""
    from leadline.hooks.store import LeadlineStoreHook

    return LeadlineStoreHook().get_conn()


@pytest.mark.parametrize("engine_of", [cli_engine, task_engine], ids=["outside Airflow", "in a task"])
def test_a_key_file_gives_the_spanner_client_that_service_account(connect, key_file, engine_of):
    connect(key_path=key_file)
    credentials = handed_credentials(engine_of())
    assert isinstance(credentials, service_account.Credentials)
    assert credentials.service_account_email == OPS_ACCOUNT


@pytest.mark.parametrize("engine_of", [cli_engine, task_engine], ids=["outside Airflow", "in a task"])
def test_an_impersonation_chain_impersonates_its_last_account_from_the_key(connect, key_file, engine_of):
    connect(extra__google_cloud_platform__key_path=key_file,
            extra__google_cloud_platform__impersonation_chain=f"{RELAY_ACCOUNT},{STORE_ACCOUNT}")
    credentials = handed_credentials(engine_of())
    assert isinstance(credentials, impersonated_credentials.Credentials)
    assert credentials.service_account_email == STORE_ACCOUNT
    assert credentials._delegates == [RELAY_ACCOUNT]
    assert credentials._source_credentials.service_account_email == OPS_ACCOUNT


@pytest.mark.parametrize("engine_of", [cli_engine, task_engine], ids=["outside Airflow", "in a task"])
def test_impersonation_without_a_key_starts_from_application_default_credentials(connect, key_file, monkeypatch,
                                                                                 engine_of):
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", key_file)  # what ADC finds first
    connect(impersonation_chain=STORE_ACCOUNT)
    credentials = handed_credentials(engine_of())
    assert isinstance(credentials, impersonated_credentials.Credentials)
    assert credentials.service_account_email == STORE_ACCOUNT
    assert credentials._source_credentials.service_account_email == OPS_ACCOUNT


def test_a_task_reads_an_inline_key_through_the_provider_and_gets_its_own_engine(connect, ops_key):
    connect()
    default_engine = task_engine()
    connect(keyfile_dict=json.dumps(ops_key))
    keyed_engine = task_engine()
    assert keyed_engine is not default_engine  # the same URL, other credentials: not the cached engine
    assert handed_credentials(keyed_engine).service_account_email == OPS_ACCOUNT
    assert task_engine() is keyed_engine


@pytest.mark.parametrize("engine_of", [cli_engine, task_engine], ids=["outside Airflow", "in a task"])
def test_without_credentials_the_client_uses_its_default_anonymous_on_the_emulator(connect, engine_of):
    connect()
    engine = engine_of()
    assert handed_credentials(engine) is None
    with engine.connect() as conn:
        assert isinstance(conn.connection.driver_connection.instance._client.credentials, AnonymousCredentials)


def test_db_upgrade_and_the_backup_admin_client_use_the_connections_key(connect, key_file, monkeypatch):
    """`leadline db upgrade` creating the database and backup verification's admin client build their own Spanner
    clients: with the connection's credentials too, not the environment's default."""
    from google.cloud import spanner

    from leadline.hooks.spanner_backups import SpannerBackupsHook
    from leadline.store.spanner_ddl import ensure_database

    connect(key_path=key_file)
    url = default_store_url()
    given = []
    real_client = spanner.Client

    def recording_client(*args, **kwargs):
        given.append(kwargs.get("credentials"))
        return real_client(*args, **kwargs)

    monkeypatch.setattr(spanner, "Client", recording_client)
    assert ensure_database(url) is False  # the tier's database exists already
    assert SpannerBackupsHook().get_conn() is not None
    assert [getattr(c, "service_account_email", None) for c in given] == [OPS_ACCOUNT, OPS_ACCOUNT]


def test_the_backup_admin_client_reads_an_inline_key_through_the_provider(connect, ops_key, monkeypatch):
    """An inline key (`keyfile_dict`, in a task only) reaches the backup admin client as it reaches the engine."""
    from google.cloud import spanner

    from leadline.hooks.spanner_backups import SpannerBackupsHook

    connect(keyfile_dict=json.dumps(ops_key))
    given = []
    real_client = spanner.Client

    def recording_client(*args, **kwargs):
        given.append(kwargs.get("credentials"))
        return real_client(*args, **kwargs)

    monkeypatch.setattr(spanner, "Client", recording_client)
    hook = SpannerBackupsHook()
    assert hook.get_conn() is hook.get_conn()  # built once per hook
    assert [getattr(c, "service_account_email", None) for c in given] == [OPS_ACCOUNT]
