"""Who may act on a tenant from a DAG run: the same grants as the dashboard (`leadline access grant USER TENANT`),
checked against the user who triggered the run. Airflow lets anyone who may trigger a DAG pass any `tenant_id`;
the tenant-scoped DAGs (pause, resume, reprocess, review re-sync) refuse a user without a grant for it.

Operators run where Airflow's auth manager is not reachable, so "admin" is a deployment setting here:
`LEADLINE_ADMIN_USERS` (comma-separated Airflow user names) may act on every tenant, as the users who may edit
connections see every tenant on the dashboard."""

from __future__ import annotations

import os

from sqlalchemy import Engine


class TenantAccessDenied(PermissionError):
    """The run's user has no grant for the tenant; the message says how to give one."""


def admin_users() -> frozenset[str]:
    return frozenset(u.strip() for u in os.environ.get("LEADLINE_ADMIN_USERS", "").split(",") if u.strip())


def check_tenant_access(engine: Engine, user: str | None, tenant_id: str) -> str:
    """The user, when they may act on `tenant_id`; TenantAccessDenied otherwise."""
    from leadline.store.dashboard import visible_tenant_ids

    if not user:
        raise TenantAccessDenied(f"this run has no triggering user, and tenant {tenant_id} is acted on only by a "
                                 "user granted it")
    if user in admin_users():
        return user
    if tenant_id not in visible_tenant_ids(engine, user, sees_all=False):
        raise TenantAccessDenied(f"user {user} may not act on tenant {tenant_id}: an admin grants it with "
                                 f"`leadline access grant {user} {tenant_id}`")
    return user


def run_user(context) -> str | None:
    dag_run = context.get("dag_run")
    return getattr(dag_run, "triggering_user_name", None) if dag_run is not None else None
