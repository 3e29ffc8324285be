"""What can be checked of the deployment files without a Docker engine."""

from __future__ import annotations

import re
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
    assert worker["command"].startswith("celery worker")
    assert services["airflow-scheduler"]["depends_on"]["airflow-api-server"]["condition"] == "service_healthy"
    for name in ("postgres", "redis", "airflow-api-server", "intake"):
        assert "healthcheck" in services[name], name


def test_dockerfile_installs_the_same_locked_requirements():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "FROM apache/airflow:3.3.2-python3.11" in dockerfile
    assert "pip install --no-cache-dir -r /opt/leadline/requirements.lock" in dockerfile
    lock = (ROOT / "requirements.lock").read_text()
    assert re.search(r"^apache-airflow==3\.3\.2 \\$", lock, re.M)
    pins = re.findall(r"^[A-Za-z0-9_.\-]+==\S+ \\\n    --hash=sha256:[0-9a-f]{64}", lock, re.M)
    assert len(pins) == len(re.findall(r"^[A-Za-z0-9_.\-]+==", lock, re.M)) > 100  # every pin carries its hashes


# --- Cloud Composer and Cloud Run (deploy/deploy.py): everything short of calling Google ---

def _deploy_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location("leadline_deploy", ROOT / "deploy" / "deploy.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_composer_requirements_are_the_locked_versions():
    import re

    lock = dict(re.findall(r"^([A-Za-z0-9_.\-]+)==(\S+)", (ROOT / "requirements.lock").read_text(), re.M))
    lock = {name.lower(): version for name, version in lock.items()}
    lines = [line for line in (ROOT / "deploy/composer/requirements.txt").read_text().splitlines()
             if line and not line.startswith("#")]
    assert lines
    for line in lines:
        name, version = line.split("==")
        assert lock[name.lower()] == version, line
        assert not name.startswith("apache-airflow"), "Composer provides Airflow itself"


def test_composer_airflow_config_names_the_secret_manager_backend_and_its_secret_names():
    import json

    from airflow.providers.google.cloud.secrets.secret_manager import CloudSecretManagerBackend

    config = yaml.safe_load((ROOT / "deploy/composer/airflow-config.yaml").read_text())
    assert config["secrets"]["backend"] == (
        f"{CloudSecretManagerBackend.__module__}.{CloudSecretManagerBackend.__name__}")
    kwargs = json.loads(config["secrets"]["backend_kwargs"])
    # In Composer the project comes with the environment's credentials; here it is given. No client is built yet.
    backend = CloudSecretManagerBackend(**kwargs, project_id="acme-prod")
    assert backend.build_path(backend.connections_prefix, "leadline_db", backend.sep) == \
        "airflow-connections-leadline_db"
    flag = _deploy_module().airflow_config_flag(config)
    assert flag.startswith("--update-airflow-configs=^|^secrets-backend=airflow.providers.google")
    assert "|secrets-backend_kwargs={" in flag and "|celery-worker_concurrency=8" in flag


def test_connection_definitions_round_trip_through_airflow_uris():
    from airflow.models.connection import Connection

    deploy = _deploy_module()
    definitions = yaml.safe_load((ROOT / "deploy/composer/connections.yaml").read_text())
    assert {"leadline_db", "leadline_speech", "leadline_llm", "hubspot_default", "salesforce_default",
            "callrail_default", "leadline_slack"} <= set(definitions)
    env = {name: f"value-of-{name.lower()}/with:odd chars" for name in (
        "GCP_PROJECT", "SPANNER_INSTANCE", "SPANNER_DATABASE", "VERTEX_LOCATION", "HUBSPOT_TOKEN",
        "SALESFORCE_USERNAME", "SALESFORCE_PASSWORD", "SALESFORCE_SECURITY_TOKEN", "CALLRAIL_API_KEY",
        "SLACK_WEBHOOK_TOKEN")}
    uris = deploy.connection_uris(definitions, env)
    for conn_id, spec in definitions.items():
        expected = deploy.expand(spec, env)
        parsed = Connection(conn_id=conn_id, uri=uris[conn_id])
        assert parsed.conn_type == expected["conn_type"], conn_id
        assert parsed.password == expected.get("password"), conn_id
        assert (parsed.login or None) == expected.get("login"), conn_id
        assert parsed.extra_dejson == (expected.get("extra") or {}), conn_id
    spanner = Connection(conn_id="leadline_db", uri=uris["leadline_db"])
    from leadline.hooks.store import LeadlineStoreHook

    hook = LeadlineStoreHook()
    hook.get_connection = lambda _conn_id: spanner
    assert hook.sqlalchemy_url().startswith("spanner+spanner:///projects/value-of-gcp_project")


def test_a_connection_variable_left_unset_stops_the_publish():
    import pytest

    deploy = _deploy_module()
    with pytest.raises(SystemExit, match="HUBSPOT_TOKEN"):
        deploy.connection_uris({"hubspot_default": {"conn_type": "hubspot", "password": "${HUBSPOT_TOKEN}"}}, {})


def test_deploy_composer_dry_run_uploads_code_installs_packages_and_configures(capsys):
    _deploy_module().main(["composer", "--project", "acme-prod", "--environment", "leadline",
                           "--region", "us-central1", "--dry-run"])
    commands = [line[2:] for line in capsys.readouterr().out.splitlines() if line.startswith("+ ")]
    joined = "\n".join(commands)
    for folder, target in (("dags", "dags"), ("plugins", "plugins"), ("include", "data/include")):
        assert f"storage rsync {ROOT / folder} gs://COMPOSER-BUCKET/{target}" in joined
    assert "--update-pypi-packages-from-file=" in joined and "--update-airflow-configs=^|^" in joined
    assert "LEADLINE_STORAGE_URL=gs://COMPOSER-BUCKET/leadline" in joined
    assert "pools -- set crm_api 8" in joined
    assert all(c.endswith("--project=acme-prod") for c in commands)


class _Health:
    """A stand-in intake /v1/health answering from a script of statuses (the last one repeats)."""

    def __init__(self, statuses: list[str]):
        import http.server
        import json
        import threading

        self.statuses = statuses
        health = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                status = health.statuses.pop(0) if len(health.statuses) > 1 else health.statuses[0]
                body = json.dumps({"status": status}).encode()
                self.send_response(200 if status == "healthy" else 503)
                self.send_header("content-type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1/health"


def _fake_gcloud(tmp_path, monkeypatch) -> Path:
    """gcloud on PATH that records its arguments and lists two revisions, newest first."""
    log = tmp_path / "gcloud.log"
    script = tmp_path / "bin" / "gcloud"
    script.parent.mkdir()
    script.write_text(f'#!/bin/sh\necho "$@" >> {log}\ncase "$*" in *"revisions list"*) '
                      "printf 'webhook-processor-00002-new\\nwebhook-processor-00001-old\\n';; esac\n")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{script.parent}:{__import__('os').environ['PATH']}")
    return log


def _traffic(log: Path) -> list[str]:
    return [line.split("--to-revisions=")[1].split()[0] for line in log.read_text().splitlines()
            if "update-traffic" in line]


def test_intake_rollout_goes_10_50_100_when_healthy(tmp_path, monkeypatch):
    deploy = _deploy_module()
    log = _fake_gcloud(tmp_path, monkeypatch)
    health = _Health(["healthy"])
    deploy.main(["intake", "--project", "acme-prod", "--image", "gcr.io/acme-prod/leadline:1.2.0",
                 "--health-url", health.url, "--step-wait", "0"])
    lines = log.read_text().splitlines()
    assert lines[0].startswith("run deploy webhook-processor --image=gcr.io/acme-prod/leadline:1.2.0")
    assert "--no-traffic" in lines[0]
    assert _traffic(log) == ["webhook-processor-00002-new=10", "webhook-processor-00002-new=50",
                             "webhook-processor-00002-new=100"]
    health.server.shutdown()


def test_intake_rollout_rolls_back_when_the_new_revision_is_unhealthy(tmp_path, monkeypatch):
    import pytest

    deploy = _deploy_module()
    monkeypatch.setattr(deploy.time, "sleep", lambda _s: None)
    log = _fake_gcloud(tmp_path, monkeypatch)
    health = _Health(["healthy", "unhealthy"])  # fine before the deploy, failing once 10 % is routed
    with pytest.raises(SystemExit, match="rolled back to webhook-processor-00001-old"):
        deploy.main(["intake", "--project", "acme-prod", "--image", "gcr.io/acme-prod/leadline:1.2.1",
                     "--health-url", health.url, "--step-wait", "0"])
    assert _traffic(log) == ["webhook-processor-00002-new=10", "webhook-processor-00001-old=100"]
    health.server.shutdown()


def test_emergency_rollback_routes_everything_to_the_previous_revision(tmp_path, monkeypatch):
    deploy = _deploy_module()
    log = _fake_gcloud(tmp_path, monkeypatch)
    health = _Health(["healthy"])
    deploy.main(["rollback-intake", "--project", "acme-prod", "--health-url", health.url])
    assert _traffic(log) == ["webhook-processor-00001-old=100"]
    health.server.shutdown()


def test_compose_puts_the_store_on_the_spanner_emulator_through_the_gcpspanner_connection():
    import json

    from airflow.models.connection import Connection

    from leadline.hooks.store import LeadlineStoreHook

    compose = yaml.safe_load((ROOT / "docker-compose.yaml").read_text())
    services = compose["services"]
    env = services["airflow-worker-1"]["environment"]
    spec = json.loads(env["AIRFLOW_CONN_LEADLINE_DB"])
    hook = LeadlineStoreHook()
    hook.get_connection = lambda _conn_id: Connection(conn_id="leadline_db", conn_type=spec["conn_type"],
                                                      extra=json.dumps(spec["extra"]))
    assert hook.sqlalchemy_url() == env["LEADLINE_STORE_URL"]  # Airflow tasks and the intake: one store
    assert env["SPANNER_EMULATOR_HOST"] == "spanner:9010"
    assert services["spanner-init"]["command"][:2] == ["db", "spanner-create"]
    for dependent in ("airflow-init", "intake"):
        assert services[dependent]["depends_on"]["spanner-init"]["condition"] == "service_completed_successfully"
    assert "sandbox" in services["sandbox"]["command"]  # the TLS certificate names the service host
