"""Process-level settings for the parts of Leadline that run outside a task (intake, CLI).

Inside Airflow tasks the store comes from the `leadline_db` connection instead (hooks.store).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


def leadline_home() -> Path:
    return Path(os.environ.get("LEADLINE_HOME", Path.cwd() / ".leadline")).resolve()


def default_store_url() -> str:
    return os.environ.get("LEADLINE_STORE_URL") or f"sqlite:///{leadline_home() / 'leadline.db'}"


def default_storage_url() -> str:
    """Where recordings and reports go: gs://bucket/prefix in production, a local folder by default."""
    return os.environ.get("LEADLINE_STORAGE_URL") or (leadline_home() / "artifacts").as_uri()


@dataclass(frozen=True)
class IntakeSettings:
    store_url: str
    max_body_bytes: int = 64 * 1024
    signature_failures_before_block: int = 10
    block_seconds: int = 300
    storage_url: str = ""

    @classmethod
    def from_env(cls) -> IntakeSettings:
        return cls(
            store_url=default_store_url(),
            max_body_bytes=int(os.environ.get("LEADLINE_INTAKE_MAX_BODY_BYTES", 64 * 1024)),
            storage_url=default_storage_url(),
        )
