"""Tenant-scoped DAG runs act only for a user granted the tenant (the dashboard's grants), or an admin."""

from __future__ import annotations

import pytest

from leadline.operators.access import TenantAccessDenied, check_tenant_access, run_user


class _Run:
    def __init__(self, user):
        self.triggering_user_name = user


def test_granted_users_and_admins_may_act_others_may_not(seeded_engine, monkeypatch):
    from leadline.store.members import grant

    with seeded_engine.begin() as conn:
        grant(conn, "acme", "alice")
    monkeypatch.setenv("LEADLINE_ADMIN_USERS", "ops, root")
    assert check_tenant_access(seeded_engine, "alice", "acme") == "alice"
    assert check_tenant_access(seeded_engine, "ops", "globex") == "ops"
    with pytest.raises(TenantAccessDenied, match="user alice may not act on tenant globex: .*leadline access grant"):
        check_tenant_access(seeded_engine, "alice", "globex")
    with pytest.raises(TenantAccessDenied, match="no triggering user"):
        check_tenant_access(seeded_engine, None, "acme")
    assert run_user({"dag_run": _Run("alice")}) == "alice" and run_user({}) is None
