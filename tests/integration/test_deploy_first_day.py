"""The first day on Google Cloud as README's "Deploying to Cloud Composer and Cloud Run" has it: the block's lines
run as written (each make target through `make -n`, so the Makefile is checked too) against a recording gcloud
that starts from an empty project, and every command they issue compared with the expected sequence."""

from __future__ import annotations

import importlib.util
import json
import os
import shlex
import subprocess

import pytest
import yaml

from tests.conftest import ROOT
from tests.integration.fake_gcloud import FakeGcloud, Health

PROJECT, REGION = "acme-prod", "us-central1"
SA = "pipeline-service@acme-prod.iam.gserviceaccount.com"
MEMBER = f"--member=serviceAccount:{SA}"
REPO = "us-central1-docker.pkg.dev/acme-prod/leadline"
PUBLIC_URL = "https://leads.acme.example"
STORE = "spanner+spanner:///projects/acme-prod/instances/pipeline-prod/databases/pipeline-db"
AUDIO, BACKUPS = "gs://acme-prod-audio-files", "gs://acme-prod-backups"
COMPOSER_BUCKET = "gs://us-central1-leadline-1a2b3c-bucket"
APIS = ["run.googleapis.com", "spanner.googleapis.com", "storage.googleapis.com", "secretmanager.googleapis.com",
        "speech.googleapis.com", "aiplatform.googleapis.com", "composer.googleapis.com", "iam.googleapis.com",
        "artifactregistry.googleapis.com", "logging.googleapis.com", "monitoring.googleapis.com"]
PROJECT_ROLES = ["roles/speech.client", "roles/aiplatform.user", "roles/secretmanager.secretAccessor",
                 "roles/composer.worker"]
BUCKET_FLAGS = [f"--location={REGION}", "--uniform-bucket-level-access", "--public-access-prevention"]
LIFECYCLE = ROOT / "deploy" / "gcp" / "backups-lifecycle.json"
BACKUP_SCHEDULE = ["pipeline-daily-backup", "--instance=pipeline-prod", "--database=pipeline-db"]


def gcloud(*args: str) -> list[str]:
    return ["gcloud", *args, f"--project={PROJECT}"]


def load_deploy():
    spec = importlib.util.spec_from_file_location("leadline_deploy", ROOT / "deploy" / "deploy.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- what each stage must issue --------------------------------------------------------------------------------

def bootstrap_calls() -> list[list[str]]:
    grants = [call for role in PROJECT_ROLES for call in (
        gcloud("projects", "get-iam-policy", PROJECT, "--format=json"),
        gcloud("projects", "add-iam-policy-binding", PROJECT, MEMBER, f"--role={role}", "--condition=None"))]
    return [
        gcloud("services", "list", "--enabled", "--format=value(config.name)"),
        gcloud("services", "enable", *APIS),
        gcloud("iam", "service-accounts", "describe", SA),
        gcloud("iam", "service-accounts", "create", "pipeline-service", "--display-name=Pipeline Main Service",
               "--description=Primary service account for ingestion pipeline"),
        *grants,
        gcloud("storage", "buckets", "describe", AUDIO),
        gcloud("storage", "buckets", "create", AUDIO, f"--location={REGION}", "--default-storage-class=STANDARD",
               *BUCKET_FLAGS[1:]),
        gcloud("storage", "buckets", "get-iam-policy", AUDIO, "--format=json"),
        gcloud("storage", "buckets", "add-iam-policy-binding", AUDIO, MEMBER, "--role=roles/storage.objectAdmin"),
        gcloud("storage", "buckets", "describe", BACKUPS),
        gcloud("storage", "buckets", "create", BACKUPS, f"--location={REGION}", "--default-storage-class=NEARLINE",
               *BUCKET_FLAGS[1:]),
        gcloud("storage", "buckets", "describe", BACKUPS, "--format=json"),
        gcloud("storage", "buckets", "update", BACKUPS, "--versioning", f"--lifecycle-file={LIFECYCLE}"),
        gcloud("artifacts", "repositories", "describe", "leadline", f"--location={REGION}"),
        gcloud("artifacts", "repositories", "create", "leadline", "--repository-format=docker",
               f"--location={REGION}", "--description=Leadline images"),
        gcloud("spanner", "instances", "describe", "pipeline-prod"),
        gcloud("spanner", "instances", "create", "pipeline-prod", f"--config=regional-{REGION}",
               "--description=Production ingestion pipeline database", "--processing-units=1000"),
        gcloud("spanner", "instances", "get-iam-policy", "pipeline-prod", "--format=json"),
        gcloud("spanner", "instances", "add-iam-policy-binding", "pipeline-prod", MEMBER,
               "--role=roles/spanner.databaseAdmin"),
        gcloud("spanner", "databases", "describe", "pipeline-db", "--instance=pipeline-prod"),
        gcloud("spanner", "databases", "create", "pipeline-db", "--instance=pipeline-prod"),
        ["leadline", "--store-url", STORE, "db", "upgrade"],
        gcloud("spanner", "backup-schedules", "describe", *BACKUP_SCHEDULE),
        gcloud("spanner", "backup-schedules", "create", *BACKUP_SCHEDULE, "--cron=0 2 * * *",
               "--retention-duration=30d", "--backup-type=full-backup"),
        gcloud("secrets", "describe", "leadline-link-key"),
        gcloud("secrets", "create", "leadline-link-key", "--replication-policy=automatic"),
        gcloud("secrets", "versions", "describe", "latest", "--secret=leadline-link-key"),
        gcloud("secrets", "versions", "add", "leadline-link-key", "--data-file=-"),
    ]


def connection_calls() -> list[list[str]]:
    conn_ids = yaml.safe_load((ROOT / "deploy" / "composer" / "connections.yaml").read_text())
    return [call for conn_id in conn_ids for call in (
        gcloud("secrets", "describe", f"airflow-connections-{conn_id}"),
        gcloud("secrets", "create", f"airflow-connections-{conn_id}", "--replication-policy=automatic"),
        gcloud("secrets", "versions", "add", f"airflow-connections-{conn_id}", "--data-file=-"))]


def composer_calls(deploy) -> list[list[str]]:
    where = ["leadline", f"--location={REGION}"]
    update = ["composer", "environments", "update", *where]
    config = yaml.safe_load((ROOT / "deploy" / "composer" / "airflow-config.yaml").read_text())
    pools = yaml.safe_load((ROOT / "deploy" / "composer" / "pools.yaml").read_text())
    return [
        gcloud("composer", "environments", "describe", *where, "--format=value(config.dagGcsPrefix)"),
        *(gcloud("storage", "rsync", str(ROOT / local), f"{COMPOSER_BUCKET}/{remote}", "--recursive",
                 "--delete-unmatched-destination-objects", f"--exclude={deploy.UPLOAD_EXCLUDE}")
          for local, remote in (("dags", "dags"), ("plugins", "plugins"), ("include", "data/include"))),
        gcloud(*update, f"--update-pypi-packages-from-file={ROOT / 'deploy' / 'composer' / 'requirements.txt'}"),
        gcloud(*update, deploy.airflow_config_flag(config)),
        gcloud(*update, "--airflow-database-retention-days=30"),
        gcloud(*update, "--update-env-variables=^|^LEADLINE_PROMPTS_DIR=/home/airflow/gcs/data/include/prompts"
               "|LEADLINE_SQL_DIR=/home/airflow/gcs/data/include/sql|LEADLINE_HOME=/home/airflow/gcs/data/leadline"
               "|LEADLINE_STORAGE_URL=gs://acme-prod-audio-files/leadline|LEADLINE_METADATA_RETENTION_DAYS=0"
               f"|LEADLINE_PUBLIC_URL={PUBLIC_URL}|LEADLINE_LINK_KEY_REF=gsm:leadline-link-key"
               "|LEADLINE_SECRETS_PROJECT=acme-prod"),
        *(gcloud("composer", "environments", "run", *where, "pools", "--", "set", pool, str(spec["slots"]),
                 spec["description"], *(["--include-deferred"] if spec.get("include_deferred") else []))
          for pool, spec in pools.items()),
    ]


def run_deploy(image: str, *gradual: str) -> list[str]:
    return gcloud(
        "run", "deploy", "webhook-processor", f"--image={image}", f"--region={REGION}", "--platform=managed",
        f"--service-account={SA}", "--allow-unauthenticated", "--min-instances=1", "--max-instances=50",
        "--concurrency=50", "--memory=2Gi", "--cpu=1", "--timeout=60", "--port=8080", "--command=python",
        "--args=-m,leadline.cli,intake,serve,--host,0.0.0.0,--port,8080",
        f"--set-env-vars=^|^LEADLINE_STORE_URL={STORE}|LEADLINE_STORAGE_URL=gs://acme-prod-audio-files/leadline"
        f"|LEADLINE_PUBLIC_URL={PUBLIC_URL}|LEADLINE_LINK_KEY_REF=gsm:leadline-link-key"
        "|LEADLINE_SECRETS_PROJECT=acme-prod|LEADLINE_TRUSTED_PROXIES=169.254.0.0/16", *gradual)


DESCRIBE_SERVICE = gcloud("run", "services", "describe", "webhook-processor", f"--region={REGION}",
                          "--format=value(status.url)")
LIST_REVISIONS = gcloud("run", "revisions", "list", "--service=webhook-processor", f"--region={REGION}",
                        "--limit=2", "--sort-by=~metadata.creationTimestamp", "--format=value(metadata.name)")


def traffic(revision: str, percent: int) -> list[str]:
    return gcloud("run", "services", "update-traffic", "webhook-processor", f"--region={REGION}",
                  f"--to-revisions={revision}={percent}")


FIRST_DEPLOY = [DESCRIBE_SERVICE, run_deploy(f"{REPO}/leadline:1.0.0"), DESCRIBE_SERVICE]
SECOND_DEPLOY = [DESCRIBE_SERVICE, run_deploy(f"{REPO}/leadline:1.0.1", "--no-traffic"), LIST_REVISIONS,
                 *(traffic("webhook-processor-00002-bbb", percent) for percent in (10, 50, 100))]
ROLLBACK = [DESCRIBE_SERVICE, LIST_REVISIONS, traffic("webhook-processor-00001-aaa", 100)]


# --- the README block, run ---------------------------------------------------------------------------------------

def readme_block() -> list[list[str]]:
    """The section's shell block as commands (continuations joined, comments dropped, `a && b` split)."""
    section = (ROOT / "README.md").read_text().split("### Deploying to Cloud Composer and Cloud Run\n", 1)[1]
    block = section.split("```bash\n", 1)[1].split("```", 1)[0].replace("\\\n", " ")
    commands = []
    for line in block.splitlines():
        words = shlex.split(line, comments=True)
        while words:
            command, words = (words[:words.index("&&")], words[words.index("&&") + 1:]) if "&&" in words \
                else (words, [])
            commands.append(command)
    return commands


def make_target(words: list[str]) -> list[str]:
    """deploy.py's arguments for a `make ...` line, as the Makefile builds them."""
    dry = subprocess.run(["make", "-n", "-s", *words[1:]], cwd=ROOT, capture_output=True, text=True, check=True)
    line = next(line for line in dry.stdout.replace("\\\n", " ").splitlines() if "deploy/deploy.py" in line)
    python, script, *args = shlex.split(line)
    assert (python, script) == (".venv/bin/python", "deploy/deploy.py")
    return args


def follow_readme(deploy, monkeypatch) -> list[str]:
    """Runs the block; returns the lines left to the operator (their own gcloud login, docker)."""
    not_run = []
    for words in readme_block():
        words = [os.path.expandvars(word) for word in words]
        if words[0] == "export" or "=" in words[0]:  # `export A=1 B=2` or `A=1`: the shell's variables
            for assignment in words[1:] if words[0] == "export" else words:
                monkeypatch.setenv(*assignment.split("=", 1))
        elif words[0] == "make":
            deploy.main(make_target(words))
        else:
            not_run.append(shlex.join(words))
    return not_run


@pytest.fixture
def project(tmp_path, monkeypatch):
    """An empty project with a Composer environment; the intake's health behind the service's URL."""
    import intake_rollout

    monkeypatch.setattr(intake_rollout.time, "sleep", lambda _s: None)  # the rollout's 300 s steps
    for name in ("SPANNER_INSTANCE", "SPANNER_DATABASE", "LEADLINE_REDIS_URL", "REPO"):
        monkeypatch.delenv(name, raising=False)
    fake = FakeGcloud(tmp_path, monkeypatch)
    health = Health(["healthy"])
    fake.answer("gcloud composer environments describe leadline", f"{COMPOSER_BUCKET}/dags")
    fake.after(f"gcloud run deploy webhook-processor --image={REPO}/leadline:1.0.0", {
        "gcloud run services describe webhook-processor": health.base_url,
        "gcloud run revisions list": "webhook-processor-00001-aaa"})
    fake.after(f"gcloud run deploy webhook-processor --image={REPO}/leadline:1.0.1", {
        "gcloud run revisions list": "webhook-processor-00002-bbb\nwebhook-processor-00001-aaa"})
    yield fake
    health.close()


def test_the_readme_deploys_a_new_project_and_then_every_release(project, monkeypatch, capsys):
    deploy = load_deploy()
    not_run = follow_readme(deploy, monkeypatch)
    calls = [[os.path.basename(call[0]), *call[1:]] for call in project.calls()]
    expected = [*bootstrap_calls(), *connection_calls(), *composer_calls(deploy), *FIRST_DEPLOY, *SECOND_DEPLOY,
                *ROLLBACK]
    assert calls == expected
    assert not_run == [
        "gcloud auth login", "gcloud config set project acme-prod", "gcloud auth application-default login",
        "gcloud auth configure-docker us-central1-docker.pkg.dev",
        f"docker build -t {REPO}/leadline:1.0.0 .", f"docker push {REPO}/leadline:1.0.0",
        f"docker build -t {REPO}/leadline:1.0.1 .", f"docker push {REPO}/leadline:1.0.1"]

    out = capsys.readouterr().out
    assert "webhook-processor created at http://127.0.0.1:" in out
    assert "rolled back to webhook-processor-00001-aaa" in out
    reported = [line for line in out.splitlines() if line.endswith((": created", ": exists"))]
    assert len(reported) == BOOTSTRAP_STEPS and all(line.endswith(": created") for line in reported)
    # secrets travel on stdin only: the generated link key and each connection URI, none of them printed
    sent = {entry["argv"][4]: entry["stdin"] for entry in project.stdin()}
    assert len(sent.pop("leadline-link-key")) == 43  # 32 random bytes, URL-safe base64
    assert set(sent) == {f"airflow-connections-{conn_id}" for conn_id in
                         yaml.safe_load((ROOT / "deploy" / "composer" / "connections.yaml").read_text())}
    assert all(value not in out for value in sent.values())


def is_query(call: list[str]) -> bool:
    return call[0] == "gcloud" and any(word in call for word in ("describe", "list", "get-iam-policy"))


BOOTSTRAP_STEPS = len([call for call in bootstrap_calls() if is_query(call)])


def policy(*roles: str) -> str:
    return json.dumps({"bindings": [{"role": role, "members": [f"serviceAccount:{SA}"]} for role in roles]})


def set_up_project() -> dict[str, str]:
    """The answers of a project bootstrap has set up (and a little more, which it leaves be)."""
    return {
        "gcloud services list --enabled": "\n".join(["compute.googleapis.com", *APIS]),
        "gcloud iam service-accounts describe": f"email: {SA}",
        "gcloud projects get-iam-policy": policy(*PROJECT_ROLES, "roles/owner"),
        f"gcloud storage buckets describe {AUDIO}": "{}",
        f"gcloud storage buckets get-iam-policy {AUDIO}": policy("roles/storage.objectAdmin"),
        f"gcloud storage buckets describe {BACKUPS}": json.dumps(
            {"versioning_enabled": True, "lifecycle_config": json.loads(LIFECYCLE.read_text())}),
        "gcloud artifacts repositories describe leadline": "name: leadline",
        "gcloud spanner instances describe pipeline-prod": "name: pipeline-prod",
        "gcloud spanner instances get-iam-policy pipeline-prod": policy("roles/spanner.databaseAdmin"),
        "gcloud spanner databases describe pipeline-db": "state: READY",
        "gcloud spanner backup-schedules describe": "name: pipeline-daily-backup",
        "gcloud secrets describe leadline-link-key": "name: leadline-link-key",
        "gcloud secrets versions describe latest": "state: ENABLED",
    }


def test_bootstrap_again_checks_everything_and_changes_nothing(tmp_path, monkeypatch, capsys):
    fake = FakeGcloud(tmp_path, monkeypatch)
    for query, answer in set_up_project().items():
        fake.answer(query, answer)
    load_deploy().main(["bootstrap", "--project", PROJECT])
    checks = [call for call in bootstrap_calls() if call[0] == "leadline" or is_query(call)]
    assert [[os.path.basename(call[0]), *call[1:]] for call in fake.calls()] == checks  # and the migrations
    assert fake.stdin() == []
    reported = [line for line in capsys.readouterr().out.splitlines() if line.endswith((": created", ": exists"))]
    assert len(reported) == BOOTSTRAP_STEPS and all(line.endswith(": exists") for line in reported)


def test_bootstrap_mends_what_is_only_half_there(tmp_path, monkeypatch, capsys):
    """A role missing, versioning switched off by hand, a link-key secret left without a value."""
    fake = FakeGcloud(tmp_path, monkeypatch)
    answers = set_up_project()
    answers["gcloud projects get-iam-policy"] = policy(*PROJECT_ROLES[:-1])
    answers[f"gcloud storage buckets describe {BACKUPS}"] = json.dumps({"versioning_enabled": False})
    del answers["gcloud secrets versions describe latest"]
    for query, answer in answers.items():
        fake.answer(query, answer)
    load_deploy().main(["bootstrap", "--project", PROJECT])
    assert [call for call in fake.calls() if call[0] == "gcloud" and not is_query(call)] == [
        gcloud("projects", "add-iam-policy-binding", PROJECT, MEMBER, "--role=roles/composer.worker",
               "--condition=None"),
        gcloud("storage", "buckets", "update", BACKUPS, "--versioning", f"--lifecycle-file={LIFECYCLE}"),
        gcloud("secrets", "versions", "add", "leadline-link-key", "--data-file=-")]
    out = capsys.readouterr().out
    assert "roles/composer.worker for pipeline-service on acme-prod: created" in out
    assert f"bucket {BACKUPS} versioning and lifecycle: created" in out
    assert "secret leadline-link-key value: created" in out


def test_bootstrap_dry_run_prints_a_first_run_and_runs_nothing(tmp_path, monkeypatch, capsys):
    fake = FakeGcloud(tmp_path, monkeypatch)
    load_deploy().main(["bootstrap", "--project", PROJECT, "--dry-run"])
    assert fake.calls() == []
    printed = [shlex.split(line[2:].removesuffix(" < (secret)")) for line in capsys.readouterr().out.splitlines()
               if line.startswith("+ ")]
    assert [[os.path.basename(command[0]), *command[1:]] for command in printed] == bootstrap_calls()
