"""`leadline privacy erase` on Cloud Spanner (the emulator): the same planted person, the same bar as on SQLite and
PostgreSQL (tests/integration/test_privacy_erase.py): nothing of them left in the tenant, the other tenant
untouched, the erasure recorded without the identifier."""

from __future__ import annotations

import pytest

from leadline.store.engine import create_store_engine
from leadline.store.privacy import list_erasures
from tests.conftest import seed_tenants
from tests.integration.test_privacy_erase import EMAIL, PHONE, dump, erase, mentions, seed_person

pytestmark = pytest.mark.spanner


def test_erase_on_spanner(spanner_store_url, tmp_path, monkeypatch, capsys):
    engine = create_store_engine(spanner_store_url)
    seed_tenants(engine, monkeypatch)
    monkeypatch.setenv("LEADLINE_STORAGE_URL", (tmp_path / "artifacts").as_uri())
    for tenant in ("acme", "globex"):
        seed_person(engine, tenant, tmp_path / "artifacts")
    globex_before = dump(engine, "globex")
    first, _ = erase(spanner_store_url, capsys, "--phone", PHONE)
    erase(spanner_store_url, capsys, "--email", EMAIL)
    assert first["counts"]["call_records"] == 1 and mentions(engine, "acme") == {}
    assert dump(engine, "globex") == globex_before
    again, _ = erase(spanner_store_url, capsys, "--phone", PHONE)
    assert again["counts"] == {"recordings": 0}
    assert [e["identifier_kind"] for e in list_erasures(engine, "acme")] == ["phone", "email", "phone"]
    engine.dispose()
