"""The skip policy for a tier whose server is missing: skipped with the reason on a developer's machine, failed
under CI, so that CI cannot go green with a tier not run."""

from __future__ import annotations

import pytest

from tests.tiers import server_missing


@pytest.mark.parametrize("ci", ["true", "TRUE", "1", "yes"])
def test_under_ci_a_missing_server_fails_the_tier(monkeypatch, ci):
    monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.fail.Exception, match="this tier needs Redis: 127.0.0.1:6379 is not reachable"):
        server_missing("Redis", "127.0.0.1:6379 is not reachable")


@pytest.mark.parametrize("ci", [None, "", "false", "0"])
def test_elsewhere_a_missing_server_skips_the_tier_naming_it(monkeypatch, ci):
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.skip.Exception, match="this tier needs Redis: 127.0.0.1:6379 is not reachable"):
        server_missing("Redis", "127.0.0.1:6379 is not reachable")
