"""`leadline tenants set-limits`: a tenant's webhook rate limit and burst without SQL (runbook 002)."""

from __future__ import annotations

import pytest

from leadline.cli import main
from leadline.store.tenants import get_tenant


def limits(engine) -> tuple[int, int | None, int]:
    with engine.connect() as conn:
        tenant = get_tenant(conn, "acme")
    return tenant.requests_per_minute, tenant.burst, tenant.burst_limit


def test_set_limits_changes_rate_and_burst_and_defaults_the_burst(seeded_engine, store_url, capsys):
    main(["--store-url", store_url, "tenants", "set-limits", "acme", "--requests-per-minute", "1200",
          "--burst", "50"])
    assert "acme: 1200 webhooks per minute, burst 50" in capsys.readouterr().out
    assert limits(seeded_engine) == (1200, 50, 50)
    main(["--store-url", store_url, "tenants", "set-limits", "acme", "--requests-per-minute", "300"])
    assert limits(seeded_engine) == (300, None, 30)  # no burst given: a tenth of the minute's limit


@pytest.mark.parametrize(("args", "message"), [
    (["acme", "--requests-per-minute", "0"], "requests_per_minute must be positive"),
    (["acme", "--requests-per-minute", "100", "--burst", "101"], "burst must be within 1..requests_per_minute"),
    (["nobody", "--requests-per-minute", "100"], "no tenant nobody"),
])
def test_set_limits_refuses_bad_values_and_changes_nothing(seeded_engine, store_url, args, message, capsys):
    before = limits(seeded_engine)
    with pytest.raises(SystemExit) as exit_:
        main(["--store-url", store_url, "tenants", "set-limits", *args])
    assert (exit_.value.code, capsys.readouterr().err) == (2, f"leadline: {message}\n")
    assert limits(seeded_engine) == before
