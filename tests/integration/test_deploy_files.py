"""What can be checked of the deployment files without a Docker engine."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests.integration.fake_gcloud import FakeGcloud, Health

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


def _pins_with_hashes(path: Path) -> dict[str, tuple[str, frozenset[str]]]:
    import re

    text = path.read_text()
    pins = {}
    for match in re.finditer(r"^([A-Za-z0-9_.\-]+)==(\S+)((?:\s*\\\n\s+--hash=\S+)*)", text, re.M):
        pins[match.group(1).lower()] = (match.group(2), frozenset(re.findall(r"--hash=(\S+)", match.group(3))))
    return pins


def test_runtime_requirements_are_the_locked_pins_without_the_dev_tools():
    runtime, lock = _pins_with_hashes(ROOT / "requirements.txt"), _pins_with_hashes(ROOT / "requirements.lock")
    assert len(runtime) > 100
    for name, (version, hashes) in runtime.items():
        assert name in lock, f"{name} is in requirements.txt but not in requirements.lock"
        assert lock[name] == (version, hashes), f"{name}: requirements.txt and requirements.lock disagree"
        assert hashes, f"{name} has no hashes"
    assert "ruff" not in runtime and "import-linter" not in runtime, "dev tools belong to requirements-dev.in"
    for line in (ROOT / "requirements.in").read_text().splitlines():
        if line and not line.startswith("#"):
            name = line.split("==")[0].split("<")[0].split("[")[0].strip().lower()
            assert name in runtime, f"{name} from requirements.in is not pinned in requirements.txt"


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
                           "--region", "us-central1", "--public-url", "https://leads.acme.example/", "--dry-run"])
    commands = [line[2:] for line in capsys.readouterr().out.splitlines() if line.startswith("+ ")]
    joined = "\n".join(commands)
    for folder, target in (("dags", "dags"), ("plugins", "plugins"), ("include", "data/include")):
        assert f"storage rsync {ROOT / folder} gs://COMPOSER-BUCKET/{target}" in joined
    assert "--update-pypi-packages-from-file=" in joined and "--update-airflow-configs=^|^" in joined
    assert "LEADLINE_STORAGE_URL=gs://acme-prod-audio-files/leadline" in joined  # the runbook's audio bucket
    # the call pages and recording links the tasks write, signed with the key of a Secret Manager reference
    for variable in ("|LEADLINE_PUBLIC_URL=https://leads.acme.example|",
                     "|LEADLINE_LINK_KEY_REF=gsm:leadline-link-key|", "|LEADLINE_SECRETS_PROJECT=acme-prod"):
        assert variable in joined, variable
    assert "pools -- set crm_api 8" in joined
    # a Google recognition awaited in the triggerer still holds a speech_api slot: the pool caps the quota, not workers
    [speech_pool] = [c for c in commands if "pools -- set speech_api 4" in c]
    assert "--include-deferred" in speech_pool and "--include-deferred" not in joined.replace(speech_pool, "")
    # Composer 3 cleans the Airflow database itself, so maintenance_daily's own cleanup is off there
    assert "--airflow-database-retention-days=30" in joined and "LEADLINE_METADATA_RETENTION_DAYS=0" in joined
    assert all(c.endswith("--project=acme-prod") for c in commands)


INTAKE_SERVICE_DESCRIBE = "gcloud run services describe webhook-processor"


def _fake_gcloud(tmp_path, monkeypatch, service_url: str = "https://webhook-processor-123.a.run.app") -> FakeGcloud:
    """gcloud on PATH with the intake service deployed before and two revisions, newest first."""
    gcloud = FakeGcloud(tmp_path, monkeypatch)
    gcloud.answer(INTAKE_SERVICE_DESCRIBE, service_url)
    gcloud.answer("gcloud run revisions list", "webhook-processor-00002-new\nwebhook-processor-00001-old")
    return gcloud


INTAKE = ["intake", "--project", "acme-prod", "--public-url", "https://leads.acme.example"]


def test_intake_rollout_goes_10_50_100_when_healthy(tmp_path, monkeypatch):
    deploy = _deploy_module()
    gcloud = _fake_gcloud(tmp_path, monkeypatch)
    health = Health(["healthy"])
    deploy.main([*INTAKE, "--image", "gcr.io/acme-prod/leadline:1.2.0", "--health-url", health.url,
                 "--step-wait", "0"])
    calls = gcloud.calls()
    assert calls[0][:5] == INTAKE_SERVICE_DESCRIBE.split()  # the service exists: a gradual rollout
    assert calls[1][:4] == ["gcloud", "run", "deploy", "webhook-processor"]
    assert calls[1][4] == "--image=gcr.io/acme-prod/leadline:1.2.0" and "--no-traffic" in calls[1]
    assert gcloud.traffic() == ["webhook-processor-00002-new=10", "webhook-processor-00002-new=50",
                                "webhook-processor-00002-new=100"]
    health.close()


INTAKE_STORE = "spanner+spanner:///projects/acme-prod/instances/pipeline-prod/databases/pipeline-db"


def test_intake_deploy_passes_every_setting_the_service_needs(tmp_path, monkeypatch):
    import ipaddress

    from airflow.models.connection import Connection

    from leadline.hooks.store import LeadlineStoreHook

    deploy = _deploy_module()
    monkeypatch.delenv("SPANNER_INSTANCE", raising=False)
    monkeypatch.delenv("SPANNER_DATABASE", raising=False)
    monkeypatch.delenv("LEADLINE_REDIS_URL", raising=False)
    gcloud = _fake_gcloud(tmp_path, monkeypatch)
    health = Health(["healthy"])
    deploy.main([*INTAKE, "--image", "gcr.io/acme-prod/leadline:1.2.0", "--health-url", health.url,
                 "--step-wait", "0"])
    health.close()
    deploy_call = gcloud.calls()[1]
    assert deploy_call == [
        "gcloud", "run", "deploy", "webhook-processor", "--image=gcr.io/acme-prod/leadline:1.2.0",
        "--region=us-central1", "--platform=managed",
        "--service-account=pipeline-service@acme-prod.iam.gserviceaccount.com",
        "--allow-unauthenticated",  # CallRail posts to the webhook; each request is HMAC-signed
        "--min-instances=1", "--max-instances=50", "--concurrency=50",
        "--memory=2Gi", "--cpu=1", "--timeout=60", "--port=8080",
        "--command=python", "--args=-m,leadline.cli,intake,serve,--host,0.0.0.0,--port,8080",
        "--set-env-vars=^|^LEADLINE_STORE_URL=" + INTAKE_STORE
        + "|LEADLINE_STORAGE_URL=gs://acme-prod-audio-files/leadline|LEADLINE_PUBLIC_URL=https://leads.acme.example"
        "|LEADLINE_LINK_KEY_REF=gsm:leadline-link-key|LEADLINE_SECRETS_PROJECT=acme-prod"
        "|LEADLINE_TRUSTED_PROXIES=169.254.0.0/16",
        "--no-traffic", "--project=acme-prod"]

    # the intake's store is the database Composer's tasks reach through the leadline_db connection
    spec = yaml.safe_load((ROOT / "deploy/composer/connections.yaml").read_text())["leadline_db"]
    spec = deploy.expand(spec, {"GCP_PROJECT": "acme-prod", "SPANNER_INSTANCE": "pipeline-prod",
                                "SPANNER_DATABASE": "pipeline-db"})
    hook = LeadlineStoreHook()
    hook.get_connection = lambda _conn_id: Connection(conn_id="leadline_db", conn_type=spec["conn_type"],
                                                      extra=__import__("json").dumps(spec["extra"]))
    assert hook.sqlalchemy_url() == INTAKE_STORE
    # and the settings the intake reads at start are those
    from leadline.config import IntakeSettings, link_key_ref, public_base_url

    env = dict(item.split("=", 1) for item in deploy_call[-3].removeprefix("--set-env-vars=^|^").split("|"))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = IntakeSettings.from_env()
    assert (settings.store_url, settings.storage_url) == (INTAKE_STORE, "gs://acme-prod-audio-files/leadline")
    assert settings.trusted_proxies == (ipaddress.ip_network("169.254.0.0/16"),)  # Cloud Run's front end
    assert (public_base_url(), link_key_ref()) == ("https://leads.acme.example", "gsm:leadline-link-key")


def test_the_link_key_is_only_ever_a_secret_manager_reference(tmp_path, monkeypatch, capsys):
    deploy = _deploy_module()
    gcloud = _fake_gcloud(tmp_path, monkeypatch)
    for command in (["bootstrap", "--project", "acme-prod"], [*INTAKE, "--image", "img:2"],
                    ["composer", "--project", "acme-prod", "--environment", "leadline", "--public-url", "https://x"]):
        for ref in ("env:LEADLINE_LINK_KEY", "file:/secrets/link-key", "the-key-itself", "gsm:", "gsm:a/b"):
            with pytest.raises(SystemExit) as refused:
                deploy.main([*command, "--link-key-ref", ref])
            error = capsys.readouterr().err
            assert refused.value.code == 2 and error.endswith(
                "argument --link-key-ref: must name a Secret Manager secret as gsm:NAME (the key itself never goes "
                "on a command line)\n")
            assert "the-key-itself" not in error
    assert gcloud.calls() == []  # refused before anything is called


def test_intake_deploy_scaling_and_names_can_be_given_and_dry_run_calls_nothing(tmp_path, monkeypatch, capsys):
    deploy = _deploy_module()
    gcloud = _fake_gcloud(tmp_path, monkeypatch)
    deploy.main([*INTAKE, "--image", "img:2", "--health-url", "http://127.0.0.1:9/x",
                 "--spanner-instance", "leadline-prod", "--spanner-database", "leadline",
                 "--service-account", "intake@acme-prod.iam.gserviceaccount.com",
                 "--min-instances", "2", "--max-instances", "100", "--concurrency", "80", "--dry-run"])
    assert gcloud.calls() == []
    commands = [line[2:] for line in capsys.readouterr().out.splitlines() if line.startswith("+ ")]
    # a dry run cannot ask whether the service exists: it shows a routine deploy
    assert commands[0].startswith(INTAKE_SERVICE_DESCRIBE)
    assert commands[1].startswith("gcloud run deploy webhook-processor --image=img:2")
    for flag in ("--service-account=intake@acme-prod.iam.gserviceaccount.com", "--min-instances=2",
                 "--max-instances=100", "--concurrency=80", "--no-traffic",
                 "LEADLINE_STORE_URL=spanner+spanner:///projects/acme-prod/instances/leadline-prod/databases/leadline"):
        assert flag in commands[1]
    assert "--to-revisions=NEW-REVISION=10" in commands[2]


def test_intake_deploy_with_memorystore_shares_the_limits_over_direct_vpc_egress(tmp_path, monkeypatch, capsys):
    deploy = _deploy_module()
    _fake_gcloud(tmp_path, monkeypatch)
    base = [*INTAKE, "--image", "img:3", "--health-url", "http://127.0.0.1:9/x",
            "--redis-url", "redis://10.0.0.3:6379/0", "--dry-run"]
    with pytest.raises(SystemExit, match="needs --network and --subnet"):
        deploy.main(base)
    capsys.readouterr()
    deploy.main([*base, "--network", "default", "--subnet", "run-egress"])
    command = [line[2:] for line in capsys.readouterr().out.splitlines() if line.startswith("+ ")][1]
    for flag in ("--network=default", "--subnet=run-egress", "--vpc-egress=private-ranges-only",
                 "|LEADLINE_REDIS_URL=redis://10.0.0.3:6379/0"):
        assert flag in command


def test_the_image_serves_the_intake_without_the_airflow_entrypoint():
    import intake_rollout

    dockerfile = (ROOT / "Dockerfile").read_text()
    # Cloud Run's --command replaces the image's ENTRYPOINT (the Airflow image's, which checks Airflow's database)
    assert intake_rollout.INTAKE_COMMAND[0] == "--command=python"
    assert "ENV PYTHONPATH=/opt/airflow/plugins" in dockerfile  # where `leadline` is importable from


def test_intake_rollout_rolls_back_when_the_new_revision_is_unhealthy(tmp_path, monkeypatch):
    import intake_rollout

    deploy = _deploy_module()
    monkeypatch.setattr(intake_rollout.time, "sleep", lambda _s: None)
    gcloud = _fake_gcloud(tmp_path, monkeypatch)
    health = Health(["healthy", "unhealthy"])  # fine before the deploy, failing once 10 % is routed
    with pytest.raises(SystemExit, match="rolled back to webhook-processor-00001-old"):
        deploy.main([*INTAKE, "--image", "gcr.io/acme-prod/leadline:1.2.1", "--health-url", health.url,
                     "--step-wait", "0"])
    assert gcloud.traffic() == ["webhook-processor-00002-new=10", "webhook-processor-00001-old=100"]
    health.close()


def test_emergency_rollback_routes_everything_to_the_previous_revision(tmp_path, monkeypatch):
    deploy = _deploy_module()
    health = Health(["healthy"])
    gcloud = _fake_gcloud(tmp_path, monkeypatch, service_url=health.base_url)
    deploy.main(["rollback-intake", "--project", "acme-prod"])  # checks the service's own /v1/health
    assert gcloud.traffic() == ["webhook-processor-00001-old=100"]
    health.close()


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
    # the store is created and evolved by the migrations, against the Spanner store the connection names
    init = services["spanner-init"]
    assert init["entrypoint"] == ["python", "-m", "leadline.cli"] and init["command"] == ["db", "upgrade"]
    assert init["environment"]["LEADLINE_STORE_URL"] == env["LEADLINE_STORE_URL"]
    assert init["environment"]["SPANNER_EMULATOR_HOST"] == "spanner:9010"
    assert init["depends_on"]["spanner"]["condition"] == "service_started"
    for dependent in ("airflow-init", "intake"):
        assert services[dependent]["depends_on"]["spanner-init"]["condition"] == "service_completed_successfully"
    assert "sandbox" in services["sandbox"]["command"]  # the TLS certificate names the service host


def test_composer_receives_only_what_runs_there():
    deploy = _deploy_module()
    plugins = deploy.uploaded_files("plugins")
    assert "leadline/operators/calls.py" in plugins and "leadline_plugin.py" in plugins
    assert all(path.startswith("leadline/") or path in ("leadline_plugin.py", ".airflowignore") for path in plugins)
    uploaded = plugins + deploy.uploaded_files("dags") + deploy.uploaded_files("include")
    dev_tooling = [path for path in uploaded
                   if any(word in path for word in ("sandbox", "demo", "stack", "synthetic", "egg-info", ".pyc"))]
    assert dev_tooling == []
    include = deploy.uploaded_files("include")
    assert include and not [path for path in include if path.endswith(".py")]
