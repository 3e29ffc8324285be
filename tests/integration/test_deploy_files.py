"""What can be checked of the deployment files without a Docker engine."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_compose_has_the_production_like_topology():
    compose = yaml.safe_load((ROOT / "docker-compose.yaml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "spanner", "airflow-init", "airflow-api-server", "airflow-scheduler",
            "airflow-dag-processor", "airflow-triggerer", "airflow-worker-1", "airflow-worker-2", "intake",
            "sandbox"} <= set(services)
    worker = services["airflow-worker-1"]
    assert worker["environment"]["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert worker["command"] == "celery worker"
    assert services["airflow-scheduler"]["depends_on"]["airflow-api-server"]["condition"] == "service_healthy"
    for name in ("postgres", "redis", "airflow-api-server", "intake"):
        assert "healthcheck" in services[name], name


def test_dockerfile_installs_the_same_locked_requirements():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "FROM apache/airflow:3.3.2-python3.11" in dockerfile
    assert "pip install --no-cache-dir -r /opt/leadline/requirements.lock" in dockerfile
    lock = (ROOT / "requirements.lock").read_text()
    assert "apache-airflow==3.3.2\n" in lock
