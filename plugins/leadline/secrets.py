"""Resolve secret references kept in tenant settings (never the secret itself).

env:NAME                                   an environment variable (embedded default, tests)
file:/path                                 a mounted secret file (Cloud Run / Kubernetes secret volumes)
gsm:projects/P/secrets/S[/versions/V]      Google Secret Manager (production)
gsm:S[/versions/V]                         the same, in the project LEADLINE_SECRETS_PROJECT names (the Cloud Run
                                           intake is deployed with it: deploy/deploy.py)

Secret Manager answers that are errors (no such secret, no access, unreachable) are SecretNotFound too: the
intake turns them into a 503 for the webhook, never a 500.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path


class SecretNotFound(LookupError):
    pass


def resolve_secret(ref: str) -> str:
    scheme, _, target = ref.partition(":")
    if not target:
        raise SecretNotFound(f"secret reference {scheme!r} has no target")
    if scheme == "env":
        value = os.environ.get(target)
    elif scheme == "file":
        path = Path(target)
        value = path.read_text().strip() if path.is_file() else None
    elif scheme == "gsm":
        value = _secret_manager_value(target)
    else:
        raise SecretNotFound(f"unsupported secret reference scheme {scheme!r}")
    if not value:
        raise SecretNotFound(f"secret {ref!r} is not set")
    return value


def secret_version_name(name: str) -> str:
    """The Secret Manager version a `gsm:` target names: a bare secret name is in LEADLINE_SECRETS_PROJECT's
    project, and without a version it is the latest."""
    if not name.startswith("projects/"):
        project = os.environ.get("LEADLINE_SECRETS_PROJECT")
        if not project:
            raise SecretNotFound(f"secret reference gsm:{name} names no project: use gsm:projects/P/secrets/{name} "
                                 "or set LEADLINE_SECRETS_PROJECT")
        name = f"projects/{project}/secrets/{name}"
    if "/versions/" not in name:
        name = f"{name}/versions/latest"
    return name


def _secret_manager_value(name: str) -> str:
    from google.api_core import exceptions

    version = secret_version_name(name)
    try:
        response = _secret_manager_client().access_secret_version(name=version)
    except exceptions.GoogleAPICallError as exc:
        raise SecretNotFound(f"secret {version} is unavailable: {type(exc).__name__}") from exc
    return response.payload.data.decode()


@cache
def _secret_manager_client():
    """One client per process (the intake resolves a tenant's secret on every cache miss)."""
    from google.cloud import secretmanager

    return secretmanager.SecretManagerServiceClient()
