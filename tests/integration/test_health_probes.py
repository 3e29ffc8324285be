"""Health through the hooks: health_check probes Speech-to-Text and Vertex AI with the connections the tasks use
(one cheap call each, counted by the fake Google servers), and the intake's /v1/health, which runs without
Airflow, reports them from health_check's snapshot while probing its own store and storage live."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from leadline.store.schema import alerts, health_snapshots
from tests.conftest import python_path
from tests.integration.fake_google import FakeGoogle, connection_json

ROOT = Path(__file__).resolve().parents[2]


def latest_snapshot(engine):
    with engine.connect() as conn:
        return conn.execute(select(health_snapshots).order_by(health_snapshots.c.taken_at.desc())).first()


def open_service_alerts(engine) -> dict[str, str]:
    with engine.connect() as conn:
        rows = conn.execute(select(alerts.c.dedupe_key, alerts.c.message).where(
            alerts.c.status == "open", alerts.c.dedupe_key.like("service:%"))).all()
    return dict(rows)


@pytest.fixture
def google(monkeypatch):
    with FakeGoogle() as fake:
        monkeypatch.setenv("AIRFLOW_CONN_LEADLINE_SPEECH", connection_json(fake, transport="rest"))
        monkeypatch.setenv("AIRFLOW_CONN_LEADLINE_LLM", connection_json(fake, project_id="leadline-prod"))
        yield fake


def test_health_check_calls_speech_and_vertex_once_each_through_the_hooks(dagbag, store_conn, seeded_engine,
                                                                          intake_client, google):
    run = dagbag.get_dag("health_check").test()
    assert {ti.task_id: ti.state for ti in run.get_task_instances()} == {"check_health": "success",
                                                                         "check_intake_security": "success"}
    assert (google.calls("/v1/operations"), google.calls(":countTokens")) == (1, 1)
    assert all(r["headers"]["authorization"] == "Bearer test-token" for r in google.journal)
    assert google.journal[1]["path"].endswith("/projects/leadline-prod/locations/us-central1/publishers/google/"
                                              "models/gemini-2.5-flash:countTokens")
    snapshot = latest_snapshot(seeded_engine)
    assert snapshot.services == {"database": "healthy", "storage": "healthy", "speech_api": "healthy",
                                 "vertex_ai": "healthy"}
    assert snapshot.status == "healthy"

    # the intake reports what health_check found, without calling Google itself
    report = intake_client.get("/v1/health").json()
    assert report["status"] == "healthy" and report["services"]["speech_api"] == "healthy"
    assert report["services_checked_at"].endswith("Z")
    assert len(google.journal) == 2


def test_a_google_outage_turns_the_services_unhealthy_with_the_reason(dagbag, store_conn, seeded_engine,
                                                                      intake_client, google):
    google.failing = True
    dagbag.get_dag("health_check").test()
    assert (google.calls("/v1/operations"), google.calls(":countTokens")) == (1, 1)  # no retry storm
    snapshot = latest_snapshot(seeded_engine)
    assert (snapshot.services["speech_api"], snapshot.services["vertex_ai"]) == ("unhealthy", "unhealthy")
    assert snapshot.status == "degraded"
    raised = open_service_alerts(seeded_engine)
    assert set(raised) == {"service:speech_api", "service:vertex_ai"}
    assert "503" in raised["service:speech_api"] and "vertex:gemini-2.5-flash" in raised["service:vertex_ai"]
    report = intake_client.get("/v1/health").json()
    assert report["status"] == "degraded"
    assert (report["services"]["speech_api"], report["services"]["vertex_ai"]) == ("unhealthy", "unhealthy")

    google.failing = False  # recovery resolves the alerts
    dagbag.get_dag("health_check").test()
    assert latest_snapshot(seeded_engine).status == "healthy"
    assert open_service_alerts(seeded_engine) == {}


def test_without_google_connections_the_embedded_backends_are_probed(dagbag, store_conn, seeded_engine,
                                                                    monkeypatch):
    monkeypatch.delenv("AIRFLOW_CONN_LEADLINE_SPEECH", raising=False)
    monkeypatch.delenv("AIRFLOW_CONN_LEADLINE_LLM", raising=False)
    dagbag.get_dag("health_check").test()
    assert set(latest_snapshot(seeded_engine).services.values()) == {"healthy"}  # Whisper loaded, rules ready
    monkeypatch.setenv("AIRFLOW_CONN_LEADLINE_SPEECH", json.dumps({
        "conn_type": "leadline_speech", "extra": {"model_path": "/nonexistent/whisper-model"}}))
    dagbag.get_dag("health_check").test()
    assert latest_snapshot(seeded_engine).services["speech_api"] == "unhealthy"
    assert "does not exist" in open_service_alerts(seeded_engine)["service:speech_api"]


INTAKE_WITHOUT_AIRFLOW = """
import json, sys
sys.modules["airflow"] = None  # any import of Airflow now fails
from fastapi.testclient import TestClient
from leadline.cli import build_parser
from leadline.config import IntakeSettings
from leadline.intake.app import create_app
from leadline.store.engine import create_store_engine
from leadline.store.migrate import upgrade

build_parser().parse_args(["intake", "serve", "--host", "0.0.0.0", "--port", "8080"])
settings = IntakeSettings.from_env()
upgrade(create_store_engine(settings.store_url))
with TestClient(create_app(settings)) as client:
    print(json.dumps(client.get("/v1/health").json()))
print(json.dumps(sorted(m for m, module in sys.modules.items() if module and m.split(".")[0] == "airflow")))
"""


def test_the_intake_runs_and_reports_health_without_airflow(tmp_path):
    env = {**os.environ, "PYTHONPATH": python_path(ROOT / "plugins"), "LEADLINE_HOME": str(tmp_path),
           "LEADLINE_STORE_URL": f"sqlite:///{tmp_path / 'store.db'}",
           "LEADLINE_STORAGE_URL": (tmp_path / "artifacts").as_uri()}
    result = subprocess.run([sys.executable, "-c", INTAKE_WITHOUT_AIRFLOW], env=env, capture_output=True, text=True,
                            timeout=120, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    report, airflow_modules = (json.loads(line) for line in result.stdout.strip().splitlines()[-2:])
    assert report["services"] == {"database": "healthy", "storage": "healthy", "speech_api": "unknown",
                                  "vertex_ai": "unknown"}
    assert airflow_modules == []


def test_no_module_or_deployment_file_chooses_a_backend_from_an_environment_variable():
    switches = ("LEADLINE_SPEECH_BACKEND", "LEADLINE_ANALYSIS_BACKEND", "LEADLINE_SPEECH_MODEL_PATH")
    files = [*ROOT.glob("plugins/**/*.py"), *ROOT.glob("dags/*.py"), *ROOT.glob("deploy/**/*"),
             ROOT / "docker-compose.yaml", ROOT / "README.md", ROOT / "Dockerfile"]
    found = [f"{path.relative_to(ROOT)}: {name}" for path in files if path.is_file()
             for name in switches if name in path.read_text(errors="replace")]
    assert found == []
