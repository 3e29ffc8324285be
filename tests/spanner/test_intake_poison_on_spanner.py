"""The poisoned-webhook test of tests/integration on Spanner: one tenant's poisoned webhooks fail alone with 400,
and every valid webhook of another tenant sent at the same time is stored."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from leadline.config import IntakeSettings
from leadline.intake.app import create_app
from tests.integration.test_intake_poison import test_poisoned_webhooks_fail_alone  # noqa: F401 - run here too


@pytest.fixture
def poison_client(spanner_store, spanner_store_url, tmp_path):
    settings = IntakeSettings(store_url=spanner_store_url, storage_url=(tmp_path / "artifacts").as_uri())
    with TestClient(create_app(settings)) as client:
        yield client, spanner_store
