"""Credentials for the Google-backed hooks (Speech-to-Text, Vertex AI)."""

from __future__ import annotations


def credentials_from_extra(extra: dict):
    """A pre-issued token (extra `static_token`, for local emulators); None means Application Default
    Credentials (Composer's service account)."""
    if not extra.get("static_token"):
        return None
    from google.oauth2.credentials import Credentials

    return Credentials(token=extra["static_token"])
