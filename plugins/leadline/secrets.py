"""Resolve secret references kept in tenant settings (never the secret itself).

env:NAME                                   an environment variable (embedded default, tests)
file:/path                                 a mounted secret file (Cloud Run / Kubernetes secret volumes)
gsm:projects/P/secrets/S[/versions/V]      Google Secret Manager (production)
gsm:S[/versions/V]                         the same, in the project LEADLINE_SECRETS_PROJECT names (the Cloud Run
                                           intake and Composer are deployed with it: deploy/deploy.py)

Secret Manager answers that are errors (no such secret, no access, unreachable) are SecretNotFound too: the
intake turns them into a 503 for the webhook, never a 500. LEADLINE_SECRET_MANAGER_ENDPOINT (host:port) points the
client at another endpoint than Google's global one, such as a regional endpoint or a local server.
"""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path

from leadline.domain.endpoints import is_loopback

ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
GSM_TARGET = re.compile(r"(projects/[^/\s]+/secrets/)?[A-Za-z0-9_-]{1,255}(/versions/(latest|[0-9]+))?")
REFERENCE_FORMS = "env:NAME, file:/absolute/path or gsm:SECRET (gsm:projects/P/secrets/S)"
SECRET_MANAGER_ENDPOINT = "LEADLINE_SECRET_MANAGER_ENDPOINT"  # noqa: S105 - an environment variable's name
SECRET_MANAGER_DEADLINE_S = 3.0


class SecretNotFound(LookupError):
    pass


def reference_problem(ref: str) -> str | None:
    """Why `ref` is not a secret reference `resolve_secret` can follow, or None when it is one. Checked when a
    reference is stored, so that a secret pasted in its place, or a typo, is refused at once; the message never
    repeats the value."""
    scheme, _, target = ref.partition(":")
    if scheme == "env" and ENV_NAME.fullmatch(target):
        return None
    if scheme == "file" and target.startswith("/"):  # relative would depend on each process's working directory
        return None
    if scheme == "gsm" and GSM_TARGET.fullmatch(target):
        return None
    if scheme in ("env", "file", "gsm"):
        return f"not a valid {scheme}: reference: use {REFERENCE_FORMS}"
    return f"not a secret reference: use {REFERENCE_FORMS} (the secret itself is never stored)"


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
    from google.api_core import exceptions, retry

    version = secret_version_name(name)
    # a webhook waits on this: the client's default retries (60 s) would hold it far past the runbook's 5 s alert
    retrying = retry.Retry(initial=0.2, maximum=1.0, timeout=SECRET_MANAGER_DEADLINE_S,
                           predicate=retry.if_exception_type(exceptions.ServiceUnavailable,
                                                             exceptions.ResourceExhausted))
    try:
        client = _secret_manager_client(os.environ.get(SECRET_MANAGER_ENDPOINT) or None)
        response = client.access_secret_version(name=version, retry=retrying, timeout=SECRET_MANAGER_DEADLINE_S)
    except exceptions.GoogleAPIError as exc:  # an error answer, or retries that ran out (RetryError)
        raise SecretNotFound(f"secret {version} is unavailable: {type(exc).__name__}") from exc
    return response.payload.data.decode()


@cache
def _secret_manager_client(endpoint: str | None):
    """One client per process and endpoint (the intake resolves a tenant's secret on every cache miss). A
    loopback endpoint is a local stand-in for Secret Manager: plaintext and without credentials, the way
    SPANNER_EMULATOR_HOST reaches the Spanner emulator."""
    from google.api_core.client_options import ClientOptions
    from google.cloud import secretmanager

    if is_loopback(endpoint):
        import grpc
        from google.cloud.secretmanager_v1.services.secret_manager_service.transports import (
            SecretManagerServiceGrpcTransport,
        )

        channel = grpc.insecure_channel(endpoint)
        return secretmanager.SecretManagerServiceClient(transport=SecretManagerServiceGrpcTransport(channel=channel))
    options = ClientOptions(api_endpoint=endpoint) if endpoint else None
    return secretmanager.SecretManagerServiceClient(client_options=options)
