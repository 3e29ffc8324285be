"""`leadline tenants set-context`: validated business context into the tenant's config, other sections kept."""

from __future__ import annotations

import json

import pytest

from leadline.cli import main
from leadline.domain.context import BusinessContext
from leadline.store.tenants import get_tenant

CONTEXT = {"business_name": "Acme Roofing", "industry": "roofing",
           "services": [{"name": "roof repair", "synonyms": ["leak", "missing shingles"]}],
           "service_area": {"description": "Denver", "cities": ["Denver"]},
           "qualification": {"min_budget": 5000, "require_service_area": True}}


def test_set_context_from_a_file_keeps_the_rest_of_the_config(seeded_engine, store_url, tmp_path, capsys):
    with seeded_engine.begin() as conn:
        from leadline.store.tenants import set_config_section

        set_config_section(conn, "acme", "ai_config", {"lead_scoring_threshold": 80})
    path = tmp_path / "context.json"
    path.write_text(json.dumps(CONTEXT))
    main(["--store-url", store_url, "tenants", "set-context", "acme", "--file", str(path)])
    assert "acme: 1 services, 1 service-area cities" in capsys.readouterr().out
    with seeded_engine.connect() as conn:
        tenant = get_tenant(conn, "acme")
    assert BusinessContext.from_tenant_config(tenant.config) == BusinessContext.model_validate(CONTEXT)
    assert tenant.scoring_threshold == 80  # the runbook's ai_config.lead_scoring_threshold wins


@pytest.mark.parametrize(("payload", "message"), [
    ({"services": [{"name": ""}]}, "invalid business context"),
    ({"qualification": {"min_budget": -1}}, "invalid business context"),
])
def test_set_context_refuses_an_invalid_context_and_changes_nothing(seeded_engine, store_url, payload, message,
                                                                     capsys):
    with seeded_engine.connect() as conn:
        before = get_tenant(conn, "acme").config
    with pytest.raises(SystemExit) as exit_info:
        main(["--store-url", store_url, "tenants", "set-context", "acme", "--json", json.dumps(payload)])
    error = capsys.readouterr().err
    assert exit_info.value.code == 2 and error.startswith(f"leadline: {message}: 1 error(s): ")
    assert error.count("\n") == 1  # one line, naming the field
    with seeded_engine.connect() as conn:
        assert get_tenant(conn, "acme").config == before


def test_set_context_for_an_unknown_tenant(seeded_engine, store_url, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--store-url", store_url, "tenants", "set-context", "nosuch", "--json", json.dumps(CONTEXT)])
    assert (exit_info.value.code, capsys.readouterr().err) == (2, "leadline: no tenant nosuch\n")
