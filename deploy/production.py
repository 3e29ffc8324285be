"""The production project's names and the settings Composer's tasks and the Cloud Run intake share, from one
place: the deployment guide's (001) resource names, deploy/composer/*.yaml expanded for a project.
"""

from __future__ import annotations

import os
import re
import string
from pathlib import Path
from urllib.parse import urlsplit

import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSER = ROOT / "deploy" / "composer"
# deployment guide (001): the Spanner instance and database, the service account
SPANNER_INSTANCE, SPANNER_DATABASE = "pipeline-prod", "pipeline-db"
SERVICE_ACCOUNT_NAME = "pipeline-service"
INTAKE_SERVICE = "webhook-processor"  # the runbooks' Cloud Run service name
# The key that signs the recording links in CRM engagements: a Secret Manager secret `bootstrap` creates with a
# generated value; Composer's tasks sign with it, the intake checks with it.
LINK_KEY_REF = "gsm:leadline-link-key"
SECRET_ID = re.compile(r"[A-Za-z0-9_-]{1,255}")


def service_account(project: str) -> str:
    return f"{SERVICE_ACCOUNT_NAME}@{project}.iam.gserviceaccount.com"


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


def link_key_secret(ref: str) -> str:
    """The Secret Manager secret a link key reference names. Only `gsm:NAME` is accepted: the key itself never
    goes on a command line or into an environment variable, and NAME is in the project deployed to (both Composer
    and the intake get LEADLINE_SECRETS_PROJECT)."""
    name = ref.removeprefix("gsm:")
    if not ref.startswith("gsm:") or not SECRET_ID.fullmatch(name):
        raise ValueError("must name a Secret Manager secret as gsm:NAME (the key itself never goes on a command line)")
    return name


def composer_env_variables(project: str, bucket: str, public_url: str, link_key_ref: str) -> dict[str, str]:
    """env-variables.yaml expanded: GCP_PROJECT is the project deployed to, LEADLINE_BUCKET Composer's bucket."""
    return expand(yaml.safe_load((COMPOSER / "env-variables.yaml").read_text()),
                  {**os.environ, "GCP_PROJECT": project, "LEADLINE_BUCKET": bucket.removeprefix("gs://"),
                   "LEADLINE_PUBLIC_URL": public_url.rstrip("/"), "LEADLINE_LINK_KEY_REF": link_key_ref})


def audio_bucket(project: str) -> str:
    """The bucket of LEADLINE_STORAGE_URL (env-variables.yaml): the deployment guide's audio bucket."""
    storage_url = yaml.safe_load((COMPOSER / "env-variables.yaml").read_text())["LEADLINE_STORAGE_URL"]
    return f"gs://{urlsplit(expand(storage_url, {**os.environ, 'GCP_PROJECT': project})).hostname}"


def spanner_store_url(project: str, instance: str, database: str) -> str:
    """The SQLAlchemy URL of the Spanner database the `leadline_db` connection (connections.yaml) names: the
    intake writes, and the migrations run, where Composer's tasks read."""
    spec = yaml.safe_load((COMPOSER / "connections.yaml").read_text())["leadline_db"]
    spec = expand(spec, {**os.environ, "GCP_PROJECT": project, "SPANNER_INSTANCE": instance,
                         "SPANNER_DATABASE": database})
    if spec["conn_type"] != "gcpspanner":
        raise SystemExit(f"the deploy expects leadline_db to be a gcpspanner connection: {spec['conn_type']}")
    extra = spec["extra"]
    return (f"spanner+spanner:///projects/{extra['project_id']}/instances/{extra['instance_id']}"
            f"/databases/{extra['database_id']}")
