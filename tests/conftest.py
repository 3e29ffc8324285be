from __future__ import annotations

import functools
import http.server
import os
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Airflow reads its configuration on first import: point it at a throwaway home before anything imports it.
_AIRFLOW_HOME = tempfile.mkdtemp(prefix="leadline-airflow-")
os.environ.update({
    "AIRFLOW_HOME": _AIRFLOW_HOME,
    "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
    "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
    "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    "AIRFLOW__CORE__UNIT_TEST_MODE": "True",
    "AIRFLOW__CORE__DEFAULT_TASK_RETRY_DELAY": "1",
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{_AIRFLOW_HOME}/airflow.db",
    # maintenance_daily cleans Airflow's own database through this connection (operators/airflow_upkeep.py)
    "AIRFLOW_CONN_AIRFLOW_METADATA_DB": f"sqlite:///{_AIRFLOW_HOME}/airflow.db",
    # the tests' recordings come from their own servers on loopback (a deployment allows CallRail's hosts)
    "LEADLINE_RECORDING_HOSTS": "127.0.0.1",
    "LEADLINE_RECORDING_ALLOW_HTTP": "true",
    # dag.test() runs as the user "dag_test": an admin for the tenant-scoped DAGs (test_tenant_access.py)
    "LEADLINE_ADMIN_USERS": "dag_test",
    # The pipeline tests' recordings are espeak-ng robot voices, which tiny.en reads near-verbatim and base, the
    # product's default, mishears in places; base is tested on neural-voice phone calls (test_whisper_backend).
    "AIRFLOW_CONN_LEADLINE_SPEECH": '{"conn_type": "leadline_speech", "extra": {"model": "tiny.en"}}',
    "LEADLINE_HOME": os.environ.get("LEADLINE_TEST_HOME", str(ROOT / ".leadline" / "test-home")),
    # gcsfs's own flag, read when gcsfs is imported: no Storage Control (gRPC) bucket-layout probes, which the
    # Cloud Storage emulator cannot answer (tests/emulators.py gcs_emulator). Production keeps gcsfs's default.
    "GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT": "false",
})



def python_path(*folders: Path) -> str:
    """A PYTHONPATH for a Python process a test starts: `folders`, then the suite's own, which carries the faked
    clock (tests/clock) when LEADLINE_TEST_CLOCK_OFFSET_DAYS is set; a child given only its folders would run on
    the real clock while the test signs and checks a year ahead."""
    return os.pathsep.join(filter(None, [*map(str, folders), os.environ.get("PYTHONPATH")]))


# LEADLINE_TEST_CLOCK_OFFSET_DAYS=365 runs the suite's own process that many days ahead (time-machine moves
# time.time and datetime.now; the clock keeps ticking): a test that assumes a date fails there.
if os.environ.get("LEADLINE_TEST_CLOCK_OFFSET_DAYS"):
    import sys

    # and so does every Python process the tests start (servers, schedulers, workers): tests/clock/sitecustomize.py
    os.environ["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(ROOT / "tests" / "clock"), os.environ.get("PYTHONPATH")]))
    sys.path.insert(0, str(ROOT / "tests" / "clock"))
    from faked_clock import start_if_asked

    start_if_asked()

import pytest
from fastapi.testclient import TestClient

from leadline.config import IntakeSettings
from leadline.intake.app import create_app
from leadline.store.engine import create_store_engine
from leadline.store.migrate import upgrade
from leadline.store.tenants import Tenant, add_tenant
from tests.helpers import SECRETS
from tests.tiers import server_missing


def seed_tenants(engine, monkeypatch) -> None:
    for tenant_id, secret in SECRETS.items():
        monkeypatch.setenv(f"LEADLINE_TEST_SECRET_{tenant_id.upper()}", secret)
    with engine.begin() as conn:
        for tenant_id, status in (("acme", "active"), ("globex", "active"), ("dormant", "inactive")):
            add_tenant(
                conn,
                Tenant(
                    tenant_id=tenant_id,
                    name=tenant_id.title(),
                    status=status,
                    webhook_secret_ref=f"env:LEADLINE_TEST_SECRET_{tenant_id.upper()}",
                ),
            )
    monkeypatch.setenv("LEADLINE_TEST_SECRET_DORMANT", "dormant-secret")


PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


@pytest.fixture
def postgres_url():
    """A scratch database on the local PostgreSQL server, dropped afterwards."""
    import uuid

    from sqlalchemy import create_engine

    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"leadline_test_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except Exception as exc:  # pragma: no cover - depends on the machine
        server_missing("PostgreSQL", f"127.0.0.1:5432 is not reachable ({type(exc).__name__})")
    yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    from leadline.hooks.store import dispose_cached_engines

    dispose_cached_engines()  # a hook's cached engine may hold connections to the database we drop
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def seeded_store_on_each_backend(request, tmp_path, monkeypatch):
    """(url, engine) of a migrated store with the test tenants, once on SQLite and once on PostgreSQL."""
    url = (f"sqlite:///{tmp_path / 'leadline.db'}" if request.param == "sqlite"
           else request.getfixturevalue("postgres_url"))
    engine = create_store_engine(url)
    upgrade(engine)
    seed_tenants(engine, monkeypatch)
    yield url, engine
    engine.dispose()


@pytest.fixture
def store_url(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'leadline.db'}"
    upgrade(create_store_engine(url))
    return url


@pytest.fixture
def store_engine(store_url):
    engine = create_store_engine(store_url)
    yield engine
    engine.dispose()


@pytest.fixture
def seeded_engine(store_engine, monkeypatch):
    seed_tenants(store_engine, monkeypatch)
    return store_engine


@pytest.fixture
def intake_settings(store_url, tmp_path) -> IntakeSettings:
    return IntakeSettings(store_url=store_url, storage_url=(tmp_path / "artifacts").as_uri(),
                          metrics_token=METRICS_TOKEN)


@pytest.fixture
def intake_client(seeded_engine, intake_settings):
    with TestClient(create_app(intake_settings)) as client:
        yield client


FIXTURES = ROOT / "tests" / "fixtures" / "calls"
METRICS_TOKEN = "test-metrics-token"  # noqa: S105 - a test value


@pytest.fixture(scope="session")
def airflow_db():
    from airflow.utils import db

    db.initdb()
    return True


@pytest.fixture(scope="session")
def session_dagbag(airflow_db):
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(ROOT / "dags"))
    assert not bag.import_errors, bag.import_errors
    return bag


@pytest.fixture
def dagbag(session_dagbag):
    """The parsed DAGs, with every DAG's and task's params back at their defaults after the test. A run's conf is
    resolved into the Param objects themselves (Airflow's process_params), so in one process (dag.test) a
    `force: true` run would otherwise leak into every later run of that DAG; a worker parses afresh per task."""
    import copy

    holders = [holder for dag in session_dagbag.dags.values() for holder in (dag, *dag.tasks)]
    defaults = [(param, copy.deepcopy(param.value)) for holder in holders for key in (holder.params or {})
                for param in [holder.params.get_param(key)]]
    yield session_dagbag
    for param, value in defaults:
        param.value = value


@pytest.fixture
def store_conn(store_url, monkeypatch, tmp_path):
    """Points the `leadline_db` connection and the artifacts at this test's store."""
    monkeypatch.setenv("AIRFLOW_CONN_LEADLINE_DB", store_url)
    monkeypatch.setenv("LEADLINE_STORAGE_URL", (tmp_path / "artifacts").as_uri())
    return store_url


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def recordings_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler,
                                                                                  directory=str(FIXTURES)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()  # shutdown() only stops the loop; the listening socket stays open until this
