"""The Spanner tier: the store on the Cloud Spanner emulator, which this session starts itself (a missing
emulator skips the tier with what to install, and fails it under CI: tests/tiers.py). Tests pick a backend
through the URL or the Airflow connection they are handed, never through the environment:
SPANNER_EMULATOR_HOST is only the Spanner client's own switch to the emulator."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from leadline.store.engine import create_store_engine
from leadline.store.migrate import upgrade
from tests.conftest import seed_tenants
from tests.emulators import spanner_emulator, spanner_emulator_binary
from tests.tiers import server_missing

PROJECT = "leadline-local"
INSTANCE = "leadline"


@contextmanager
def emulator_env(host: str) -> Iterator[None]:
    previous = os.environ.get("SPANNER_EMULATOR_HOST")
    os.environ["SPANNER_EMULATOR_HOST"] = host
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("SPANNER_EMULATOR_HOST", None)
        else:
            os.environ["SPANNER_EMULATOR_HOST"] = previous


@pytest.fixture(scope="session")
def spanner_host() -> Iterator[str]:
    try:
        spanner_emulator_binary()
    except RuntimeError as exc:
        server_missing("the Cloud Spanner emulator", str(exc))
    with spanner_emulator() as host:
        yield host


@pytest.fixture(autouse=True)
def _spanner_client_on_the_emulator(spanner_host, monkeypatch) -> None:
    """Every test of the tier talks to this session's emulator (and only while the test runs: other tiers'
    Spanner clients are left alone)."""
    monkeypatch.setenv("SPANNER_EMULATOR_HOST", spanner_host)


def spanner_database_id() -> str:
    return f"t{uuid.uuid4().hex[:12]}"


def spanner_url(database_id: str) -> str:
    return f"spanner+spanner:///projects/{PROJECT}/instances/{INSTANCE}/databases/{database_id}"


def drop_spanner_database(host: str, database_id: str) -> None:
    from google.cloud import spanner

    with emulator_env(host):
        database = spanner.Client(project=PROJECT).instance(INSTANCE).database(database_id)
        if database.exists():
            database.drop()


@pytest.fixture
def spanner_store_url(spanner_host) -> Iterator[str]:
    """A fresh database on the emulator, migrated from empty by `leadline db upgrade`'s code path."""
    database_id = spanner_database_id()
    url = spanner_url(database_id)
    engine = create_store_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    from leadline.hooks.store import dispose_cached_engines

    dispose_cached_engines()
    drop_spanner_database(spanner_host, database_id)


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres), "spanner"]


@pytest.fixture(params=BACKENDS)
def backend_url(request, tmp_path) -> str:
    """One migrated store per backend: SQLite, PostgreSQL and Spanner, all executed."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'leadline.db'}"
        engine = create_store_engine(url)
        upgrade(engine)
        engine.dispose()
        return url
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_url")
        engine = create_store_engine(url)
        upgrade(engine)
        engine.dispose()
        return url
    return request.getfixturevalue("spanner_store_url")


def _seeded(url: str, monkeypatch):
    engine = create_store_engine(url)
    seed_tenants(engine, monkeypatch)
    yield engine
    engine.dispose()


@pytest.fixture
def store(backend_url, monkeypatch):
    """The migrated store on each backend with the three test tenants (acme, globex active; dormant inactive)."""
    yield from _seeded(backend_url, monkeypatch)


@pytest.fixture
def spanner_store(spanner_store_url, monkeypatch):
    """The same on Spanner only."""
    yield from _seeded(spanner_store_url, monkeypatch)


# The suites that run DAGs and the dashboard on a store (tests/dags, tests/crm, tests/dashboard) take it from
# `store_url` and the `leadline_db` connection: here both name a fresh Spanner database, the connection as
# production has it (gcpspanner with project, instance and database), so the same tests run on Spanner.
from tests.crm.conftest import crm_sandbox, sandbox  # noqa: E402, F401 - the CRM sandbox fixtures, for reuse


@pytest.fixture
def store_url(spanner_store_url) -> str:
    return spanner_store_url


@pytest.fixture
def store_conn(spanner_store_url, monkeypatch, tmp_path) -> str:
    import json

    database_id = spanner_store_url.rsplit("/", 1)[1]
    monkeypatch.setenv("AIRFLOW_CONN_LEADLINE_DB", json.dumps({
        "conn_type": "gcpspanner",
        "extra": {"project_id": PROJECT, "instance_id": INSTANCE, "database_id": database_id}}))
    monkeypatch.setenv("LEADLINE_STORAGE_URL", (tmp_path / "artifacts").as_uri())
    return spanner_store_url
