"""What the Google-backed hooks (Speech-to-Text, Vertex AI Gemini, Vertex AI embeddings) share: the
connection read once per hook, and credentials from the Google provider's own handling.

A hook uses Google when its connection is a Google Cloud one (`google_cloud_platform`, or the service's
Google type such as `gcpspeech`); otherwise, also when no connection is defined, its embedded backend.
Credentials come from `GoogleBaseHook.get_credentials_and_project_id()`, so every extra of a Google Cloud
connection works as in the provider: `key_path`, `keyfile_dict`, `credential_config_file`, `key_secret_name`,
`impersonation_chain`, `scope`, `is_anonymous`, `quota_project_id`; none of them means Application Default Credentials
(Composer's service account). Extra `static_token` (a pre-issued OAuth token) is for local emulators."""

from __future__ import annotations

from functools import cache, cached_property
from typing import Any, ClassVar

from airflow.sdk.bases.hook import BaseHook

from leadline.hooks.connections import ConnectionForm, optional_connection


@cache
def _provider_credentials_class():
    """GoogleBaseHook over a connection the calling hook has already read (GoogleBaseHook would fetch it
    again); imported on first use, the Google provider is heavy."""
    from airflow.providers.google.common.hooks.base_google import GoogleBaseHook

    class ProviderCredentials(GoogleBaseHook):
        def __init__(self, connection, impersonation_chain: str | list[str] | None = None) -> None:
            self._connection = connection
            super().__init__(gcp_conn_id=connection.conn_id, impersonation_chain=impersonation_chain)

        def get_connection(self, conn_id: str):  # type: ignore[override]
            return self._connection

    return ProviderCredentials


def credentials_and_project(connection, impersonation_chain: str | list[str] | None = None) -> tuple[Any, str | None]:
    """(credentials, project id) for a Google Cloud connection: the `static_token` extra for local
    emulators, else the Google provider's credentials; the `project_id` extra wins over the credentials'."""
    extra = connection.extra_dejson
    if extra.get("static_token"):
        from google.oauth2.credentials import Credentials

        return Credentials(token=extra["static_token"]), extra.get("project_id")
    hook = _provider_credentials_class()(connection, impersonation_chain)
    credentials, project = hook.get_credentials_and_project_id()
    return credentials, extra.get("project_id") or project


class GoogleBackedHook(ConnectionForm, BaseHook):
    """Base of the hooks whose production backend is a Google API and whose default is embedded."""

    google_conn_types: ClassVar[tuple[str, ...]] = ("google_cloud_platform",)
    embedded_backend: ClassVar[str] = "local"
    google_backend: ClassVar[str] = "google"

    def __init__(self, impersonation_chain: str | list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.impersonation_chain = impersonation_chain

    @property
    def conn_id(self) -> str:
        return getattr(self, self.conn_name_attr)

    @cached_property
    def connection(self):
        """The connection (read once per hook), or None when it is not defined."""
        return optional_connection(self.conn_id)

    @property
    def extra(self) -> dict:
        return self.connection.extra_dejson if self.connection is not None else {}

    @property
    def uses_google(self) -> bool:
        return self.connection is not None and self.connection.conn_type in self.google_conn_types

    @property
    def backend(self) -> str:
        return self.google_backend if self.uses_google else self.embedded_backend

    @cached_property
    def google_credentials(self) -> tuple[Any, str | None]:
        """(credentials, project id), built once per hook."""
        return credentials_and_project(self.connection, self.impersonation_chain)

    @cached_property
    def genai_client(self):
        """A google-genai client on Vertex AI with this connection's credentials, project and location, built
        once per hook (the hook keeps the reference: the client closes its transport when collected)."""
        from google import genai
        from google.genai import types

        extra = self.extra
        credentials, project = self.google_credentials
        http_options = types.HttpOptions(base_url=extra["api_endpoint"]) if extra.get("api_endpoint") else None
        return genai.Client(vertexai=True, project=project, location=extra.get("location", "us-central1"),
                            credentials=credentials, http_options=http_options)
