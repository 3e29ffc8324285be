"""Resolve secret references kept in tenant settings (never the secret itself).

env:NAME                                   an environment variable (embedded default, tests)
file:/path                                 a mounted secret file (Cloud Run / Kubernetes secret volumes)
gsm:projects/P/secrets/S[/versions/V]      Google Secret Manager (production)
"""

from __future__ import annotations

import os
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


def _secret_manager_value(name: str) -> str:
    from google.cloud import secretmanager

    if "/versions/" not in name:
        name = f"{name}/versions/latest"
    response = secretmanager.SecretManagerServiceClient().access_secret_version(name=name)
    return response.payload.data.decode()
