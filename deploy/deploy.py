"""Production deployment with gcloud: the project (APIs, account, buckets, Spanner, secrets), Cloud Composer
(orchestration) and Cloud Run (the webhook intake).

    python deploy/deploy.py bootstrap    --project P --region R [--spanner-instance I --spanner-database D
                                         --link-key-ref gsm:NAME] [--dry-run]
    python deploy/deploy.py connections  --project P [--dry-run]
    python deploy/deploy.py composer     --project P --environment E --region R --public-url URL
                                         [--link-key-ref gsm:NAME] [--dry-run]
    python deploy/deploy.py intake       --project P --region R --image IMAGE --public-url URL [--health-url URL]
                                         [--link-key-ref gsm:NAME --step-wait 300 --spanner-instance I
                                          --spanner-database D --service-account SA --min-instances N
                                          --max-instances N --concurrency N] [--dry-run]
    python deploy/deploy.py rollback-intake --project P --region R [--health-url URL]

`bootstrap` sets up the project as the deployment guide does, step by step, each step checked before it acts
(bootstrap.py). `connections` writes deploy/composer/connections.yaml to Secret Manager as
airflow-connections-<conn_id>. `composer` uploads dags/, plugins/ and include/ to the environment's bucket,
installs the pinned PyPI packages (deploy/composer/requirements.txt), applies the Airflow configuration (Secret
Manager secrets backend, ...), the Airflow database's retention, the environment variables and the pools.
`intake` creates the Cloud Run service on the first deploy and rolls out gradually from then on
(intake_rollout.py).

The intake is deployed as the deployment guide deploys `webhook-processor`: public (`--allow-unauthenticated`:
CallRail must reach the webhook, whose requests are authenticated by their HMAC signature), under the
pipeline-service account, 1-50 instances, concurrency 50, 1 vCPU, 2 GiB, 60 s timeout, port 8080. Its settings
are those of Composer's tasks: the store is the Spanner database of the `leadline_db` connection
(connections.yaml) as LEADLINE_STORE_URL; recordings storage, the public URL of the links and the Secret Manager
reference of the link key are env-variables.yaml's; tenants' `gsm:NAME` webhook secret references resolve in
Secret Manager of the project (LEADLINE_SECRETS_PROJECT). The container runs `python -m leadline.cli intake
serve` directly (`--command=python` replaces the Airflow image's entrypoint): the intake imports no Airflow.

--public-url is where reps' browsers reach Leadline (call pages, recording links in CRM engagements);
--link-key-ref (default gsm:leadline-link-key) names the secret that signs the links, never the key itself.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import yaml

from bootstrap import bootstrap
from gcloud_runner import Gcloud
from intake_rollout import INTAKE_SCALING, deploy_intake, rollback_intake
from production import (
    COMPOSER,
    LINK_KEY_REF,
    ROOT,
    SPANNER_DATABASE,
    SPANNER_INSTANCE,
    composer_env_variables,
    expand,
    link_key_secret,
)

CONNECTIONS_PREFIX = "airflow-connections-"
AIRFLOW_DATABASE_RETENTION_DAYS = 30
UPLOADS = (("dags", "dags"), ("plugins", "plugins"), ("include", "data/include"))
# What the bucket must not receive: bytecode and the editable install's metadata (the dev tooling lives
# outside these folders, in devtools/). gcloud matches it against each file's path relative to the folder.
UPLOAD_EXCLUDE = r".*__pycache__.*|.*\.pyc$|.*\.egg-info.*"


def airflow_config_flag(config: dict[str, dict[str, str]]) -> str:
    """gcloud's `--update-airflow-configs` with an alternate delimiter: values (JSON kwargs) contain commas."""
    pairs = [f"{section}-{option}={value}" for section, options in config.items() for option, value in options.items()]
    if any("|" in pair for pair in pairs):
        raise ValueError("an Airflow config value contains '|', the delimiter used for gcloud")
    return "--update-airflow-configs=^|^" + "|".join(pairs)


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
    variables = composer_env_variables(args.project, bucket, args.public_url, args.link_key_ref)
    gcloud(*update, "--update-env-variables=^|^" + "|".join(f"{k}={v}" for k, v in variables.items()))
    for pool, spec in yaml.safe_load((COMPOSER / "pools.yaml").read_text()).items():
        gcloud("composer", "environments", "run", args.environment, *location, "pools", "--", "set", pool,
               str(spec["slots"]), spec["description"],
               *(["--include-deferred"] if spec.get("include_deferred") else []))


def publish_connections(args) -> None:
    gcloud = Gcloud(args.project, args.dry_run)
    definitions = yaml.safe_load((COMPOSER / "connections.yaml").read_text())
    for conn_id, uri in connection_uris(definitions, dict(os.environ)).items():
        secret = CONNECTIONS_PREFIX + conn_id
        if gcloud.probe("secrets", "describe", secret) is None:
            gcloud("secrets", "create", secret, "--replication-policy=automatic")
        gcloud("secrets", "versions", "add", secret, "--data-file=-", stdin=uri)


def link_key_reference(ref: str) -> str:
    """--link-key-ref, refused at once when it is not a `gsm:NAME` reference (argparse does not echo it)."""
    try:
        link_key_secret(ref)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc
    return ref


def add_intake_arguments(intake: argparse.ArgumentParser) -> None:
    intake.add_argument("--image", required=True)
    intake.add_argument("--step-wait", type=float, default=300, help="seconds at 10 %% and 50 %% before checking")
    intake.add_argument("--service-account", help="default: pipeline-service@PROJECT.iam.gserviceaccount.com")
    intake.add_argument("--min-instances", type=int, default=INTAKE_SCALING["min_instances"])
    intake.add_argument("--max-instances", type=int, default=INTAKE_SCALING["max_instances"])
    intake.add_argument("--concurrency", type=int, default=INTAKE_SCALING["concurrency"])
    intake.add_argument("--redis-url", default=os.environ.get("LEADLINE_REDIS_URL"),
                        help="redis://MEMORYSTORE_IP:6379/0: limits and blocks shared by all instances")
    intake.add_argument("--network", help="VPC network for Direct VPC egress (with --redis-url)")
    intake.add_argument("--subnet", help="subnet for Direct VPC egress (with --redis-url)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(required=True)
    setup = sub.add_parser("bootstrap", help="the project's APIs, account, buckets, Spanner, secrets, backups")
    setup.set_defaults(func=bootstrap)
    composer = sub.add_parser("composer")
    composer.add_argument("--environment", required=True)
    composer.set_defaults(func=deploy_composer)
    connections = sub.add_parser("connections")
    connections.set_defaults(func=publish_connections)
    intake = sub.add_parser("intake")
    add_intake_arguments(intake)
    intake.set_defaults(func=deploy_intake)
    rollback = sub.add_parser("rollback-intake")
    rollback.set_defaults(func=rollback_intake)
    for command in (setup, composer, connections, intake, rollback):
        command.add_argument("--project", required=True)
    for command in (setup, composer, connections, intake):
        command.add_argument("--dry-run", action="store_true", help="print the commands, run none")
    for command in (setup, composer, intake, rollback):
        command.add_argument("--region", default="us-central1")
    for command in (setup, intake):
        command.add_argument("--spanner-instance", default=os.environ.get("SPANNER_INSTANCE", SPANNER_INSTANCE))
        command.add_argument("--spanner-database", default=os.environ.get("SPANNER_DATABASE", SPANNER_DATABASE))
    for command in (setup, composer, intake):
        command.add_argument("--link-key-ref", type=link_key_reference, default=LINK_KEY_REF,
                             help="the Secret Manager secret that signs recording links, gsm:NAME")
    for command in (composer, intake):
        command.add_argument("--public-url", required=True,
                             help="https address where reps reach Leadline: call pages and recording links")
    for command in (intake, rollback):
        command.add_argument("--health-url", help="default: the service's own URL + /v1/health")
    args = parser.parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    sys.exit(main())
