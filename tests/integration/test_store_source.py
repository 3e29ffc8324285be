"""One source of truth for the store: outside Airflow tasks (the CLI, the intake) the store is LEADLINE_STORE_URL
when given, else the `leadline_db` connection where Airflow finds it (AIRFLOW_CONN_LEADLINE_DB, URI or JSON
form), else the SQLite default; the connection maps to the same URL as the tasks' hook maps it."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys

import pytest

from leadline.config import IntakeSettings, default_store_url
from leadline.store.connection_uri import GoogleCredentialSettings, credential_settings
from tests.conftest import ROOT, python_path

SPANNER_EXTRA = {"project_id": "acme-prod", "instance_id": "pipeline-prod", "database_id": "pipeline-db"}
SPANNER_URL = "spanner+spanner:///projects/acme-prod/instances/pipeline-prod/databases/pipeline-db"
POSTGRES_URL = "postgresql://leadline:p%40ss@db.internal:5433/leadline"

CONNECTIONS = {
    "sqlite URI": ("sqlite:////srv/leadline/leadline.db", "sqlite:////srv/leadline/leadline.db"),
    "sqlite JSON": (json.dumps({"conn_type": "sqlite", "host": "/srv/leadline/leadline.db"}),
                    "sqlite:////srv/leadline/leadline.db"),
    "postgres URI": ("postgresql://leadline:p%40ss@db.internal:5433/leadline", POSTGRES_URL),
    "postgres JSON": (json.dumps({"conn_type": "postgres", "host": "db.internal", "port": 5433, "login": "leadline",
                                  "password": "p@ss", "schema": "leadline"}), POSTGRES_URL),
    "gcpspanner URI": ("gcpspanner://?project_id=acme-prod&instance_id=pipeline-prod&database_id=pipeline-db",
                       SPANNER_URL),
    "gcpspanner JSON": (json.dumps({"conn_type": "gcpspanner", "extra": SPANNER_EXTRA}), SPANNER_URL),
    "google_cloud_platform URI with __extra__": (
        f"google-cloud-platform://?__extra__={json.dumps(SPANNER_EXTRA)}", SPANNER_URL),
    "leadline_store JSON": (json.dumps({"conn_type": "leadline_store", "extra": {"sqlalchemy_url": SPANNER_URL}}),
                            SPANNER_URL),
}


@pytest.fixture
def environment(monkeypatch, tmp_path):
    """No store named anywhere, and a LEADLINE_HOME of this test's own."""
    monkeypatch.delenv("LEADLINE_STORE_URL", raising=False)
    monkeypatch.delenv("AIRFLOW_CONN_LEADLINE_DB", raising=False)
    monkeypatch.setenv("LEADLINE_HOME", str(tmp_path / "home"))
    return monkeypatch


@pytest.mark.parametrize(("connection", "expected"), CONNECTIONS.values(), ids=CONNECTIONS.keys())
def test_the_connection_in_the_environment_is_the_store_as_the_tasks_see_it(environment, connection, expected):
    from leadline.hooks.store import LeadlineStoreHook

    environment.setenv("AIRFLOW_CONN_LEADLINE_DB", connection)
    assert default_store_url() == expected
    assert LeadlineStoreHook().sqlalchemy_url() == expected  # Airflow's own parsing of the same connection


def test_an_explicit_store_url_wins_over_the_connection(environment):
    environment.setenv("AIRFLOW_CONN_LEADLINE_DB", "sqlite:////srv/leadline/leadline.db")
    environment.setenv("LEADLINE_STORE_URL", POSTGRES_URL)
    assert default_store_url() == POSTGRES_URL
    assert IntakeSettings.from_env().store_url == POSTGRES_URL


def test_without_either_the_store_is_the_sqlite_file_under_leadline_home(environment, tmp_path):
    assert default_store_url() == f"sqlite:///{tmp_path / 'home' / 'leadline.db'}"


def test_the_intake_settings_resolve_the_connection(environment):
    environment.setenv("AIRFLOW_CONN_LEADLINE_DB", json.dumps({"conn_type": "gcpspanner", "extra": SPANNER_EXTRA}))
    assert IntakeSettings.from_env().store_url == SPANNER_URL


@pytest.mark.parametrize("prefix", ["", "extra__google_cloud_platform__"])
def test_a_spanner_connections_key_file_and_impersonation_travel_with_its_url(environment, prefix):
    from leadline.hooks.store import LeadlineStoreHook

    chain = ["ops@acme-prod.iam.gserviceaccount.com", "leadline@acme-prod.iam.gserviceaccount.com"]
    environment.setenv("AIRFLOW_CONN_LEADLINE_DB", json.dumps({"conn_type": "gcpspanner", "extra": {
        **SPANNER_EXTRA, f"{prefix}key_path": "/secrets/ops.json", f"{prefix}impersonation_chain": ",".join(chain)}}))
    url = default_store_url()
    assert url.startswith(SPANNER_URL + "?")
    assert credential_settings(url) == GoogleCredentialSettings(key_path="/secrets/ops.json",
                                                                impersonation_chain=tuple(chain))
    assert LeadlineStoreHook().sqlalchemy_url() == url


def test_a_url_without_credentials_leaves_them_to_the_default():
    assert credential_settings(SPANNER_URL) == GoogleCredentialSettings()


def test_an_inline_key_is_refused_outside_airflow_not_silently_replaced(environment):
    environment.setenv("AIRFLOW_CONN_LEADLINE_DB", json.dumps({"conn_type": "gcpspanner", "extra": {
        **SPANNER_EXTRA, "keyfile_dict": '{"private_key": "-----BEGIN PRIVATE KEY-----secret"}'}}))
    with pytest.raises(ValueError, match="keyfile_dict, which only Airflow tasks read") as refusal:
        default_store_url()
    assert "secret" not in str(refusal.value)


def test_a_connection_that_names_no_store_is_refused_by_name(environment):
    environment.setenv("AIRFLOW_CONN_LEADLINE_DB", json.dumps({"conn_type": "gcpspanner", "extra": {}}))
    with pytest.raises(ValueError, match="AIRFLOW_CONN_LEADLINE_DB is not a store connection: KeyError"):
        default_store_url()


def leadline(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """The command as an operator runs it, with no --store-url."""
    return subprocess.run([sys.executable, "-m", "leadline.cli", *args], env=env, capture_output=True, text=True,
                          timeout=120)


@pytest.fixture
def cli_env(tmp_path) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": python_path(ROOT / "plugins"), "LEADLINE_HOME": str(tmp_path / "home")}
    env.pop("LEADLINE_STORE_URL", None)
    return env


@pytest.mark.parametrize("form", ["uri", "json"])
def test_the_cli_without_store_url_uses_the_connections_store(cli_env, tmp_path, form):
    database = tmp_path / "named-only-by-the-connection.db"
    cli_env["AIRFLOW_CONN_LEADLINE_DB"] = (f"sqlite:///{database}" if form == "uri"
                                           else json.dumps({"conn_type": "sqlite", "host": str(database)}))
    upgraded = leadline(cli_env, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    added = leadline(cli_env, "tenants", "add", "acme", "--name", "Acme", "--webhook-secret-ref", "env:ACME_SECRET")
    assert (added.returncode, added.stdout) == (0, "tenant acme added\n"), added.stderr
    with sqlite3.connect(database) as conn:
        assert conn.execute("SELECT tenant_id, name FROM tenants").fetchall() == [("acme", "Acme")]
    assert not (tmp_path / "home").exists()  # the SQLite default was not touched


def test_the_cli_says_which_connection_is_wrong_without_a_traceback(cli_env):
    cli_env["AIRFLOW_CONN_LEADLINE_DB"] = json.dumps({"conn_type": "mysql", "host": "db"})
    result = leadline(cli_env, "tenants", "list")
    assert result.returncode == 2
    assert "AIRFLOW_CONN_LEADLINE_DB is not a store connection" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_cli_help_says_where_the_store_comes_from(cli_env):
    result = leadline(cli_env, "--help")
    assert "AIRFLOW_CONN_LEADLINE_DB" in " ".join(result.stdout.split())
