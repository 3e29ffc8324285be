"""Leadline as a local Airflow provider: the `apache_airflow_provider` entry point (pyproject.toml) that
registers Leadline's connection types with their hooks, form fields (`conn-fields`, JSON schema) and field
behaviour, so the Airflow UI offers a form for each and its "Test" button runs the hook's test_connection().

Plain data, importing nothing of Leadline or Airflow: Airflow calls get_provider_info() while it configures
itself, possibly in the middle of importing a hook. The hooks serve their part of it through
`get_connection_form_widgets()` / `get_ui_field_behaviour()` (leadline.hooks.connections.ConnectionForm)."""

from __future__ import annotations

import copy
from importlib import metadata
from typing import Any

ALL_STANDARD_FIELDS = ["host", "schema", "login", "password", "port", "extra"]
KEY_ONLY = ["host", "schema", "login", "port", "extra"]  # the password field carries the key or token


def _field(label: str, kind: str = "string", description: str | None = None, *, secret: bool = False,
           default: Any = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": [kind, "null"]}
    if kind in ("integer", "number"):
        schema["minimum"] = 0
    if default is not None:
        schema["default"] = default
    if secret:
        schema["format"] = "password"
    return {"label": label, "schema": schema, **({"description": description} if description else {})}


def _rest_fields(vendor_url: str, max_attempts: int) -> dict[str, dict]:
    return {
        "host": _field("API base URL", description=f"default {vendor_url}; the sandbox's URL locally"),
        "max_attempts": _field("Max attempts per request", "integer", default=max_attempts),
        "retry_base_s": _field("Retry base delay (s)", "number", default=0.5),
    }


def _behaviour(hidden: list[str], relabeling: dict[str, str] | None = None,
               placeholders: dict[str, str] | None = None) -> dict[str, Any]:
    return {"hidden-fields": hidden, "relabeling": relabeling or {}, "placeholders": placeholders or {}}


CONNECTION_TYPES: list[dict[str, Any]] = [
    {
        "connection-type": "leadline_store",
        "hook-class-name": "leadline.hooks.store.LeadlineStoreHook",
        "hook-name": "Leadline store",
        "conn-fields": {"sqlalchemy_url": _field(
            "SQLAlchemy URL", description="sqlite:///path, postgresql://user:pw@host/db or "
            "spanner+spanner:///projects/P/instances/I/databases/D (a sqlite, postgres or gcpspanner connection "
            "works too)", secret=True)},
        "ui-field-behaviour": _behaviour(ALL_STANDARD_FIELDS,
                                         placeholders={"sqlalchemy_url": "postgresql://leadline@127.0.0.1/leadline"}),
    },
    {
        "connection-type": "hubspot",
        "hook-class-name": "leadline.hooks.hubspot.HubSpotHook",
        "hook-name": "HubSpot",
        "conn-fields": {**_rest_fields("https://api.hubapi.com", 8),
                        "timeout_s": _field("Request timeout (s)", "number", default=10)},
        "ui-field-behaviour": _behaviour(KEY_ONLY, {"password": "Private app access token"}),
    },
    {
        "connection-type": "pipedrive",
        "hook-class-name": "leadline.hooks.pipedrive.PipedriveHook",
        "hook-name": "Pipedrive",
        "conn-fields": {**_rest_fields("https://api.pipedrive.com", 6),
                        "person_fields": _field("Person custom field keys", description='JSON: {"call_id": key, '
                                                '"score": key, "summary": key, "cross_ref": key}; Pipedrive names '
                                                "custom fields by 40-character keys")},
        "ui-field-behaviour": _behaviour(KEY_ONLY, {"password": "OAuth access token"}),
    },
    {
        "connection-type": "callrail",
        "hook-class-name": "leadline.hooks.callrail.CallRailHook",
        "hook-name": "CallRail",
        "conn-fields": _rest_fields("https://api.callrail.com", 6),
        "ui-field-behaviour": _behaviour(KEY_ONLY, {"password": "API key"}),
    },
    {
        "connection-type": "gmail",
        "hook-class-name": "leadline.hooks.rest.GmailHook",
        "hook-name": "Gmail",
        "conn-fields": _rest_fields("https://gmail.googleapis.com", 6),
        "ui-field-behaviour": _behaviour(KEY_ONLY, {"password": "OAuth access token"}),
    },
    {
        "connection-type": "dialpad",
        "hook-class-name": "leadline.hooks.rest.DialpadHook",
        "hook-name": "Dialpad",
        "conn-fields": _rest_fields("https://dialpad.com", 6),
        "ui-field-behaviour": _behaviour(KEY_ONLY, {"password": "API key"}),
    },
    {
        # this type selects Whisper; Google Speech-to-Text is chosen by making the connection a Google Cloud one
        "connection-type": "leadline_speech",
        "hook-class-name": "leadline.hooks.speech.SpeechHook",
        "hook-name": "Leadline speech-to-text (Whisper; Google STT on a Google Cloud connection)",
        "conn-fields": {
            "model": _field("Whisper model", description='"base" (default), "tiny.en" (faster, weaker on digits) '
                            "or a CTranslate2 Whisper model directory"),
            "channel_speakers": _field("Channel speakers", description="JSON list: the speaker of channel 0 and 1 "
                                       'of a stereo recording, default ["agent", "caller"]'),
        },
        "ui-field-behaviour": _behaviour(ALL_STANDARD_FIELDS, placeholders={"channel_speakers": '["agent", "caller"]'}),
    },
    {
        # the rule-based analyzer reads no settings; Vertex AI Gemini is chosen by making the connection a Google
        # Cloud one (extras project_id, location, model), whose form is the Google provider's
        "connection-type": "leadline_llm",
        "hook-class-name": "leadline.hooks.analysis.AnalysisHook",
        "hook-name": "Leadline call analysis (rules; Vertex AI on a Google Cloud connection)",
        "ui-field-behaviour": _behaviour(ALL_STANDARD_FIELDS),
    },
    {
        # likewise: the local hashing embedding, or Vertex AI embeddings on a Google Cloud connection
        "connection-type": "leadline_embeddings",
        "hook-class-name": "leadline.hooks.embedding.EmbeddingHook",
        "hook-name": "Leadline embeddings (local; Vertex AI on a Google Cloud connection)",
        "ui-field-behaviour": _behaviour(ALL_STANDARD_FIELDS),
    },
]

HOOK_CLASSES = tuple(entry["hook-class-name"] for entry in CONNECTION_TYPES)


def connection_type(conn_type: str) -> dict[str, Any]:
    """The registration of one connection type (a copy)."""
    for entry in CONNECTION_TYPES:
        if entry["connection-type"] == conn_type:
            return copy.deepcopy(entry)
    raise LookupError(f"{conn_type!r} is not a Leadline connection type")


def _version() -> str:
    try:
        return metadata.version("leadline")
    except metadata.PackageNotFoundError:  # run from a checkout without the package installed
        return "0.0.0"


def get_provider_info() -> dict[str, Any]:
    return {
        "package-name": "leadline",
        "name": "Leadline",
        "description": "Leadline call-to-CRM pipeline: store, HubSpot, Pipedrive, CallRail, Gmail, Dialpad, "
                       "speech-to-text, call analysis and embeddings connections.",
        "versions": [_version()],
        "integrations": [{"integration-name": "Leadline", "tags": ["service"]}],
        "hooks": [{"integration-name": "Leadline",
                   "python-modules": sorted({path.rpartition(".")[0] for path in HOOK_CLASSES})}],
        "connection-types": copy.deepcopy(CONNECTION_TYPES),
    }
