"""`deploy.py bootstrap`: the deployment guide's (001) project setup as idempotent steps, each a read-only query
first and a change only when the query finds the piece missing. Run it again at any time: what exists is left be.

The guide's names and settings, where Leadline uses the piece: the APIs, the `pipeline-service` account, the
buckets `<project>-audio-files` (STANDARD) and `<project>-backups` (NEARLINE, versioned), the Spanner instance
`pipeline-prod` (regional, 1000 processing units) and database `pipeline-db`, the daily backup schedule
`pipeline-daily-backup` (02:00, 30 days, full). Then the store's migrations, and the Secret Manager secret of
the recording-link key with a generated value. Not here: the guide's KMS keys, VPC and load balancer (Leadline
uses none of them), and the Composer environment, which runs as `pipeline-service` (README).
"""

from __future__ import annotations

import json
import secrets
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from gcloud_runner import Action, Gcloud, Step, apply_steps, has_binding
from production import (
    ROOT,
    SERVICE_ACCOUNT_NAME,
    audio_bucket,
    link_key_secret,
    service_account,
    spanner_store_url,
)

# The guide's list with today's names, for the services Leadline calls: Cloud Run is run.googleapis.com (not
# "cloudrun"), Cloud Debugger is shut down, and nothing here uses KMS, Compute, DNS or Certificate Manager.
APIS = ("run.googleapis.com", "spanner.googleapis.com", "storage.googleapis.com", "secretmanager.googleapis.com",
        "speech.googleapis.com", "aiplatform.googleapis.com", "composer.googleapis.com", "iam.googleapis.com",
        "artifactregistry.googleapis.com", "logging.googleapis.com", "monitoring.googleapis.com")
# Roles of pipeline-service, each on the narrowest resource that carries it. The guide grants
# roles/spanner.databaseUser; backup_verification also restores the newest backup into a temporary database and
# drops it, which takes roles/spanner.databaseAdmin, granted on the instance only. Secret access is project-wide:
# Composer's secrets backend reads every airflow-connections-* secret and the intake each tenant's webhook secret,
# added after this runs. roles/composer.worker: the Composer environment runs as this account.
PROJECT_ROLES = ("roles/speech.client", "roles/aiplatform.user", "roles/secretmanager.secretAccessor",
                 "roles/composer.worker")
INSTANCE_ROLES = ("roles/spanner.databaseAdmin",)
AUDIO_BUCKET_ROLES = ("roles/storage.objectAdmin",)
SPANNER_PROCESSING_UNITS = 1000
BACKUP_SCHEDULE = "pipeline-daily-backup"
BACKUP_CRON, BACKUP_RETENTION = "0 2 * * *", "30d"
IMAGE_REPOSITORY = "leadline"  # Artifact Registry (Docker) in the region: where the intake's image is pushed
BACKUPS_LIFECYCLE = ROOT / "deploy" / "gcp" / "backups-lifecycle.json"


@dataclass(frozen=True)
class Bucket:
    url: str
    storage_class: str
    # Versioned, with the lifecycle file's rules for old versions: an overwritten or deleted backup stays
    # recoverable for a while, not forever. None: unversioned, no rules. The audio bucket has none: recordings are
    # kept per tenant (retention_days) and deleted by maintenance_daily, which a bucket-wide rule would overrule.
    versions_lifecycle: Path | None = None


@dataclass(frozen=True)
class IamResource:
    """Something gcloud grants roles on: `gcloud <command> add-iam-policy-binding <name> ...`."""

    command: tuple[str, ...]
    name: str
    # a project's policy may hold conditional bindings, and then gcloud asks for a condition unless one is given
    binding_flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProjectSetup:
    """What the bootstrap sets up in one project, named as the deploy commands name it."""

    project: str
    region: str
    spanner_instance: str
    spanner_database: str
    link_key_secret: str

    @property
    def service_account(self) -> str:
        return service_account(self.project)

    @property
    def buckets(self) -> tuple[Bucket, Bucket]:
        return (Bucket(audio_bucket(self.project), "STANDARD"),
                Bucket(f"gs://{self.project}-backups", "NEARLINE", BACKUPS_LIFECYCLE))


def api_step() -> Step:
    return Step(f"APIs {', '.join(api.removesuffix('.googleapis.com') for api in APIS)}",
                ("services", "list", "--enabled", "--format=value(config.name)"),
                (Action(("services", "enable", *APIS)),),
                in_place=lambda enabled: set(APIS) <= set(enabled.split()))


def service_account_step(setup: ProjectSetup) -> Step:
    return Step(f"service account {setup.service_account}",
                ("iam", "service-accounts", "describe", setup.service_account),
                (Action(("iam", "service-accounts", "create", SERVICE_ACCOUNT_NAME,
                         "--display-name=Pipeline Main Service",
                         "--description=Primary service account for ingestion pipeline")),))


def role_steps(setup: ProjectSetup, resource: IamResource, roles: tuple[str, ...]) -> list[Step]:
    member = f"serviceAccount:{setup.service_account}"
    return [Step(f"{role} for {SERVICE_ACCOUNT_NAME} on {resource.name}",
                 (*resource.command, "get-iam-policy", resource.name, "--format=json"),
                 (Action((*resource.command, "add-iam-policy-binding", resource.name, f"--member={member}",
                          f"--role={role}", *resource.binding_flags)),),
                 in_place=has_binding(member, role))
            for role in roles]


def bucket_steps(setup: ProjectSetup, bucket: Bucket) -> list[Step]:
    describe = ("storage", "buckets", "describe", bucket.url)
    steps = [Step(f"bucket {bucket.url}", describe, (Action((
        "storage", "buckets", "create", bucket.url, f"--location={setup.region}",
        f"--default-storage-class={bucket.storage_class}", "--uniform-bucket-level-access",
        "--public-access-prevention")),))]
    if bucket.versions_lifecycle:
        rules = json.loads(bucket.versions_lifecycle.read_text())
        steps.append(Step(
            f"bucket {bucket.url} versioning and lifecycle", (*describe, "--format=json"),
            (Action(("storage", "buckets", "update", bucket.url, "--versioning",
                     f"--lifecycle-file={bucket.versions_lifecycle}")),),
            in_place=versioned_with_lifecycle(rules)))
    return steps


def versioned_with_lifecycle(rules: dict) -> Callable[[str], bool]:
    def in_place(described: str) -> bool:
        bucket = json.loads(described)
        return bucket.get("versioning_enabled") is True and bucket.get("lifecycle_config") == rules

    return in_place


def spanner_steps(setup: ProjectSetup) -> list[Step]:
    instance, database = setup.spanner_instance, setup.spanner_database
    return [
        Step(f"Spanner instance {instance}", ("spanner", "instances", "describe", instance),
             (Action(("spanner", "instances", "create", instance, f"--config=regional-{setup.region}",
                      "--description=Production ingestion pipeline database",
                      f"--processing-units={SPANNER_PROCESSING_UNITS}")),)),
        *role_steps(setup, IamResource(("spanner", "instances"), instance), INSTANCE_ROLES),
        # created empty: the migrations create and evolve the schema (`leadline db upgrade`)
        Step(f"Spanner database {database}", ("spanner", "databases", "describe", database, f"--instance={instance}"),
             (Action(("spanner", "databases", "create", database, f"--instance={instance}")),)),
    ]


def backup_schedule_step(setup: ProjectSetup) -> Step:
    where = (f"--instance={setup.spanner_instance}", f"--database={setup.spanner_database}")
    return Step(f"Spanner backup schedule {BACKUP_SCHEDULE}",
                ("spanner", "backup-schedules", "describe", BACKUP_SCHEDULE, *where),
                (Action(("spanner", "backup-schedules", "create", BACKUP_SCHEDULE, *where, f"--cron={BACKUP_CRON}",
                         f"--retention-duration={BACKUP_RETENTION}", "--backup-type=full-backup")),))


def link_key_steps(setup: ProjectSetup) -> list[Step]:
    """The secret, then its first version: a generated key sent on stdin. A secret left without a version by an
    interrupted run gets one on the next."""
    name = setup.link_key_secret
    return [Step(f"secret {name}", ("secrets", "describe", name),
                 (Action(("secrets", "create", name, "--replication-policy=automatic")),)),
            Step(f"secret {name} value", ("secrets", "versions", "describe", "latest", f"--secret={name}"),
                 (Action(("secrets", "versions", "add", name, "--data-file=-"),
                         secret_input=lambda: secrets.token_urlsafe(32)),))]


def image_repository_step(setup: ProjectSetup) -> Step:
    where = f"--location={setup.region}"
    return Step(f"Artifact Registry repository {IMAGE_REPOSITORY}",
                ("artifacts", "repositories", "describe", IMAGE_REPOSITORY, where),
                (Action(("artifacts", "repositories", "create", IMAGE_REPOSITORY, "--repository-format=docker",
                         where, "--description=Leadline images")),))


def leadline_cli() -> str:
    """The `leadline` command on PATH, else the one installed beside this Python (`make bootstrap` runs the
    virtualenv's interpreter without activating it)."""
    return shutil.which("leadline") or str(Path(sys.executable).with_name("leadline"))


def migrate_store(gcloud: Gcloud, setup: ProjectSetup) -> None:
    """Every run: `db upgrade` applies what is missing and leaves an up-to-date store as it is. It runs as you,
    through Application Default Credentials."""
    url = spanner_store_url(setup.project, setup.spanner_instance, setup.spanner_database)
    gcloud.run([leadline_cli(), "--store-url", url, "db", "upgrade"])


def bootstrap(args) -> None:
    setup = ProjectSetup(args.project, args.region, args.spanner_instance, args.spanner_database,
                    link_key_secret(args.link_key_ref))
    gcloud = Gcloud(args.project, args.dry_run)
    project_policy = IamResource(("projects",), args.project, ("--condition=None",))
    audio, backups = setup.buckets
    apply_steps(gcloud, [
        api_step(), service_account_step(setup), *role_steps(setup, project_policy, PROJECT_ROLES),
        *bucket_steps(setup, audio), *role_steps(setup, IamResource(("storage", "buckets"), audio.url),
                                                 AUDIO_BUCKET_ROLES),
        *bucket_steps(setup, backups), image_repository_step(setup), *spanner_steps(setup),
    ])
    migrate_store(gcloud, setup)
    apply_steps(gcloud, [backup_schedule_step(setup), *link_key_steps(setup)])
