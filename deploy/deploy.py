"""Production deployment: Cloud Composer (orchestration) and Cloud Run (the webhook intake), with gcloud.

    python deploy/deploy.py composer     --project P --environment E --region R [--dry-run]
    python deploy/deploy.py connections  --project P [--dry-run]
    python deploy/deploy.py intake       --project P --region R --image IMAGE --health-url URL [--step-wait 300]
                                         [--spanner-instance I --spanner-database D --service-account SA
                                          --min-instances N --max-instances N --concurrency N] [--dry-run]
    python deploy/deploy.py rollback-intake --project P --region R --health-url URL

`composer` uploads dags/, plugins/ and include/ to the environment's bucket, installs the pinned PyPI packages
(deploy/composer/requirements.txt), applies the Airflow configuration (Secret Manager secrets backend, ...),
the Airflow database's retention, the environment variables and the pools. `connections` writes
deploy/composer/connections.yaml to Secret Manager as airflow-connections-<conn_id>. `intake` is the runbook's
gradual rollout: health check, deploy with no traffic, 10 % -> check -> 50 % -> check -> 100 %, rolling back to
the previous revision if a check fails.

The intake is deployed as the deployment guide deploys `webhook-processor`: public (`--allow-unauthenticated`:
CallRail must reach the webhook, whose requests are authenticated by their HMAC signature), under the
pipeline-service account, 1-50 instances, concurrency 50, 1 vCPU, 2 GiB, 60 s timeout, port 8080. Its settings
are those of Composer's tasks: the store is the Spanner database of the `leadline_db` connection
(connections.yaml) as LEADLINE_STORE_URL, recordings storage is LEADLINE_STORAGE_URL (env-variables.yaml), and
tenants' `gsm:NAME` webhook secret references resolve in Secret Manager of the project (LEADLINE_SECRETS_PROJECT).
The container runs `python -m leadline.cli intake serve` directly (`--command=python` replaces the Airflow
image's entrypoint): the intake imports no Airflow.
"""

from __future__ import annotations

import argparse
import json
import os
import string
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSER = ROOT / "deploy" / "composer"
INTAKE_SERVICE = "webhook-processor"  # the runbooks' Cloud Run service name
# deployment guide (001), "Deploy webhook processing service"
INTAKE_RESOURCES = {"memory": "2Gi", "cpu": "1", "timeout": "60", "port": "8080"}
INTAKE_SCALING = {"min_instances": 1, "max_instances": 50, "concurrency": 50}
INTAKE_COMMAND = ("--command=python", "--args=-m,leadline.cli,intake,serve,--host,0.0.0.0,--port,8080")
# deployment guide (001): the Spanner instance and database, the service account
SPANNER_INSTANCE, SPANNER_DATABASE = "pipeline-prod", "pipeline-db"
SERVICE_ACCOUNT = "pipeline-service@{project}.iam.gserviceaccount.com"
CONNECTIONS_PREFIX = "airflow-connections-"
AIRFLOW_DATABASE_RETENTION_DAYS = 30
UPLOADS = (("dags", "dags"), ("plugins", "plugins"), ("include", "data/include"))
# What the bucket must not receive: bytecode and the editable install's metadata (the dev tooling lives
# outside these folders, in devtools/). gcloud matches it against each file's path relative to the folder.
UPLOAD_EXCLUDE = r".*__pycache__.*|.*\.pyc$|.*\.egg-info.*"


class Gcloud:
    """Runs gcloud, or with dry_run only prints what it would run (secret input is never printed)."""

    def __init__(self, project: str, dry_run: bool = False):
        self.project = project
        self.dry_run = dry_run

    def __call__(self, *args: str, stdin: str | None = None, capture: bool = False) -> str:
        command = ["gcloud", *args, f"--project={self.project}"]
        print("+ " + " ".join(command) + (" < (secret)" if stdin is not None else ""), flush=True)
        if self.dry_run:
            return ""
        result = subprocess.run(command, input=stdin, text=True, check=True,
                                stdout=subprocess.PIPE if capture else None)
        return (result.stdout or "").strip()


def airflow_config_flag(config: dict[str, dict[str, str]]) -> str:
    """gcloud's `--update-airflow-configs` with an alternate delimiter: values (JSON kwargs) contain commas."""
    pairs = [f"{section}-{option}={value}" for section, options in config.items() for option, value in options.items()]
    if any("|" in pair for pair in pairs):
        raise ValueError("an Airflow config value contains '|', the delimiter used for gcloud")
    return "--update-airflow-configs=^|^" + "|".join(pairs)


def expand(value, env: dict[str, str]):
    """${VAR} from the environment; a missing variable is an error, not an empty string."""
    if isinstance(value, dict):
        return {k: expand(v, env) for k, v in value.items()}
    if isinstance(value, str):
        try:
            return string.Template(value).substitute(env)
        except KeyError as exc:
            raise SystemExit(f"set {exc.args[0]} in the environment") from exc
    return value


def connection_uris(definitions: dict[str, dict], env: dict[str, str]) -> dict[str, str]:
    from airflow.models.connection import Connection

    uris = {}
    for conn_id, spec in definitions.items():
        spec = expand(spec, env)
        connection = Connection(conn_id=conn_id, conn_type=spec["conn_type"], host=spec.get("host"),
                                login=spec.get("login"), password=spec.get("password"), schema=spec.get("schema"),
                                port=spec.get("port"), extra=json.dumps(spec.get("extra") or {}))
        uris[conn_id] = connection.get_uri()
    return uris


def uploaded_files(local: str) -> list[str]:
    """The files `composer` uploads from one of the UPLOADS folders, relative to it."""
    import re

    folder = ROOT / local
    exclude = re.compile(UPLOAD_EXCLUDE)
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*")
                  if path.is_file() and not exclude.fullmatch(str(path.relative_to(folder))))


def composer_env_variables(project: str, bucket: str) -> dict[str, str]:
    """env-variables.yaml expanded: GCP_PROJECT is the project deployed to, LEADLINE_BUCKET Composer's bucket."""
    return expand(yaml.safe_load((COMPOSER / "env-variables.yaml").read_text()),
                  {**os.environ, "GCP_PROJECT": project, "LEADLINE_BUCKET": bucket.removeprefix("gs://")})


def intake_store_url(project: str, instance: str, database: str) -> str:
    """The SQLAlchemy URL of the Spanner database the `leadline_db` connection (connections.yaml) names: the
    intake writes where Composer's tasks read."""
    spec = yaml.safe_load((COMPOSER / "connections.yaml").read_text())["leadline_db"]
    spec = expand(spec, {**os.environ, "GCP_PROJECT": project, "SPANNER_INSTANCE": instance,
                         "SPANNER_DATABASE": database})
    if spec["conn_type"] != "gcpspanner":
        raise SystemExit(f"the intake deploy expects leadline_db to be a gcpspanner connection: {spec['conn_type']}")
    extra = spec["extra"]
    return (f"spanner+spanner:///projects/{extra['project_id']}/instances/{extra['instance_id']}"
            f"/databases/{extra['database_id']}")


def intake_environment(args) -> dict[str, str]:
    env = {
        "LEADLINE_STORE_URL": intake_store_url(args.project, args.spanner_instance, args.spanner_database),
        "LEADLINE_STORAGE_URL": composer_env_variables(args.project, "COMPOSER-BUCKET")["LEADLINE_STORAGE_URL"],
        "LEADLINE_SECRETS_PROJECT": args.project,
    }
    if args.redis_url:  # Memorystore: every instance shares the tenants' rate limits and the brute-force blocks
        env["LEADLINE_REDIS_URL"] = args.redis_url
    return env


def intake_network_args(args) -> list[str]:
    """Direct VPC egress to reach Memorystore (private IPs only; the store and Google APIs stay public)."""
    if not args.redis_url:
        return []
    if not (args.network and args.subnet):
        raise SystemExit("--redis-url needs --network and --subnet (Direct VPC egress to Memorystore)")
    return [f"--network={args.network}", f"--subnet={args.subnet}", "--vpc-egress=private-ranges-only"]


def intake_deploy_args(args) -> list[str]:
    """`gcloud run deploy` for the intake, every setting explicit (a redeploy never inherits a hand change)."""
    env = intake_environment(args)
    if any("|" in f"{k}={v}" for k, v in env.items()):
        raise ValueError("an intake environment value contains '|', the delimiter used for gcloud")
    return ["run", "deploy", INTAKE_SERVICE, f"--image={args.image}", f"--region={args.region}", "--platform=managed",
            f"--service-account={args.service_account or SERVICE_ACCOUNT.format(project=args.project)}",
            "--allow-unauthenticated",
            f"--min-instances={args.min_instances}", f"--max-instances={args.max_instances}",
            f"--concurrency={args.concurrency}",
            *(f"--{name}={value}" for name, value in INTAKE_RESOURCES.items()),
            *INTAKE_COMMAND,
            *intake_network_args(args),
            "--set-env-vars=^|^" + "|".join(f"{k}={v}" for k, v in env.items()),
            "--no-traffic"]


def deploy_composer(args) -> None:
    gcloud = Gcloud(args.project, args.dry_run)
    location = [f"--location={args.region}"]
    prefix = gcloud("composer", "environments", "describe", args.environment, *location,
                    "--format=value(config.dagGcsPrefix)", capture=True) or "gs://COMPOSER-BUCKET/dags"
    bucket = prefix.rsplit("/dags", 1)[0]
    for local, remote in UPLOADS:
        gcloud("storage", "rsync", str(ROOT / local), f"{bucket}/{remote}", "--recursive",
               "--delete-unmatched-destination-objects", f"--exclude={UPLOAD_EXCLUDE}")
    update = ["composer", "environments", "update", args.environment, *location]
    gcloud(*update, f"--update-pypi-packages-from-file={COMPOSER / 'requirements.txt'}")
    gcloud(*update, airflow_config_flag(yaml.safe_load((COMPOSER / "airflow-config.yaml").read_text())))
    # one DAG run per call grows the Airflow database: Composer 3 keeps 30 days of it (its guidance to start with)
    gcloud(*update, f"--airflow-database-retention-days={AIRFLOW_DATABASE_RETENTION_DAYS}")
    variables = composer_env_variables(args.project, bucket)
    gcloud(*update, "--update-env-variables=^|^" + "|".join(f"{k}={v}" for k, v in variables.items()))
    for pool, spec in yaml.safe_load((COMPOSER / "pools.yaml").read_text()).items():
        gcloud("composer", "environments", "run", args.environment, *location, "pools", "--", "set", pool,
               str(spec["slots"]), spec["description"])


def publish_connections(args) -> None:
    gcloud = Gcloud(args.project, args.dry_run)
    definitions = yaml.safe_load((COMPOSER / "connections.yaml").read_text())
    for conn_id, uri in connection_uris(definitions, dict(os.environ)).items():
        secret = CONNECTIONS_PREFIX + conn_id
        exists = args.dry_run or subprocess.run(
            ["gcloud", "secrets", "describe", secret, f"--project={args.project}"],
            capture_output=True).returncode == 0
        if not exists:
            gcloud("secrets", "create", secret, "--replication-policy=automatic")
        gcloud("secrets", "versions", "add", secret, "--data-file=-", stdin=uri)


def healthy(url: str, attempts: int = 3) -> bool:
    for attempt in range(attempts):
        try:
            with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - an operator-given https URL
                if response.status == 200 and json.load(response).get("status") in ("healthy", "degraded"):
                    return True
        except (OSError, ValueError):
            pass
        time.sleep(2 * (attempt + 1))
    return False


def revisions(gcloud: Gcloud, region: str) -> list[str]:
    out = gcloud("run", "revisions", "list", f"--service={INTAKE_SERVICE}", f"--region={region}", "--limit=2",
                 "--sort-by=~metadata.creationTimestamp", "--format=value(metadata.name)", capture=True)
    return out.split()


def route(gcloud: Gcloud, region: str, revision: str, percent: int) -> None:
    gcloud("run", "services", "update-traffic", INTAKE_SERVICE, f"--region={region}",
           f"--to-revisions={revision}={percent}")


def deploy_intake(args) -> None:
    gcloud = Gcloud(args.project, args.dry_run)
    if not args.dry_run and not healthy(args.health_url):
        raise SystemExit(f"pre-deployment health check failed: {args.health_url}")
    gcloud(*intake_deploy_args(args))
    if args.dry_run:
        route(gcloud, args.region, "NEW-REVISION", 10)
        return
    new, previous = (revisions(gcloud, args.region) + [None])[:2]
    print(f"new revision {new}, previous {previous}", flush=True)
    for percent in (10, 50, 100):
        route(gcloud, args.region, new, percent)
        if percent == 100:
            break
        time.sleep(args.step_wait)
        if not healthy(args.health_url):
            if previous:
                route(gcloud, args.region, previous, 100)
            raise SystemExit(f"health check failed at {percent} % on {new}: rolled back to {previous}")
    print("deployment complete", flush=True)


def rollback_intake(args) -> None:
    gcloud = Gcloud(args.project)
    current, previous = (revisions(gcloud, args.region) + [None, None])[:2]
    if previous is None:
        raise SystemExit(f"no revision before {current} to roll back to")
    route(gcloud, args.region, previous, 100)
    if not healthy(args.health_url):
        raise SystemExit(f"rolled back to {previous}, but {args.health_url} is not healthy")
    print(f"rolled back to {previous}", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(required=True)
    composer = sub.add_parser("composer")
    composer.add_argument("--environment", required=True)
    composer.set_defaults(func=deploy_composer)
    connections = sub.add_parser("connections")
    connections.set_defaults(func=publish_connections)
    intake = sub.add_parser("intake")
    intake.add_argument("--image", required=True)
    intake.add_argument("--step-wait", type=float, default=300, help="seconds at 10 %% and 50 %% before checking")
    intake.add_argument("--spanner-instance", default=os.environ.get("SPANNER_INSTANCE", SPANNER_INSTANCE))
    intake.add_argument("--spanner-database", default=os.environ.get("SPANNER_DATABASE", SPANNER_DATABASE))
    intake.add_argument("--service-account", help="default: pipeline-service@PROJECT.iam.gserviceaccount.com")
    intake.add_argument("--min-instances", type=int, default=INTAKE_SCALING["min_instances"])
    intake.add_argument("--max-instances", type=int, default=INTAKE_SCALING["max_instances"])
    intake.add_argument("--concurrency", type=int, default=INTAKE_SCALING["concurrency"])
    intake.add_argument("--redis-url", default=os.environ.get("LEADLINE_REDIS_URL"),
                        help="redis://MEMORYSTORE_IP:6379/0: limits and blocks shared by all instances")
    intake.add_argument("--network", help="VPC network for Direct VPC egress (with --redis-url)")
    intake.add_argument("--subnet", help="subnet for Direct VPC egress (with --redis-url)")
    intake.set_defaults(func=deploy_intake)
    rollback = sub.add_parser("rollback-intake")
    rollback.set_defaults(func=rollback_intake)
    for command in (composer, connections, intake, rollback):
        command.add_argument("--project", required=True)
    for command in (composer, connections, intake):
        command.add_argument("--dry-run", action="store_true", help="print the gcloud commands only")
    for command in (composer, intake, rollback):
        command.add_argument("--region", default="us-central1")
    for command in (intake, rollback):
        command.add_argument("--health-url", required=True, help="https://<intake>/v1/health")
    args = parser.parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    sys.exit(main())
