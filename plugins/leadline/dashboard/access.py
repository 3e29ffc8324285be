"""Who is asking, and which tenants they may see.

The user comes from Airflow's own authentication (the JWT the Airflow UI keeps in its `_token` cookie, or a
bearer token from `POST /auth/token`). Users who may edit Airflow connections, which hold every tenant's CRM
credentials, see all tenants; everyone else sees the tenants granted with `leadline access grant`."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import HTTPException, Request
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from leadline.store.dashboard import visible_tenant_ids
from leadline.store.tenant_scope import for_tenant

# A cookie name, not a secret: Airflow's base_auth_manager.COOKIE_NAME_JWT_TOKEN.
TOKEN_COOKIE = "_token"  # noqa: S105


@dataclass(frozen=True)
class Viewer:
    username: str
    token: str
    tenant_ids: tuple[str, ...]

    def require(self, tenant_id: str) -> str:
        # Another tenant's data answers like a tenant that does not exist: its existence is not disclosed either.
        if tenant_id not in self.tenant_ids:
            raise HTTPException(404, f"no tenant {tenant_id} for this user")
        return tenant_id

    def scope(self, engine: Engine, tenant_id: str) -> tuple[Engine, str]:
        """(the store limited to the tenant's rows, the tenant) once the viewer may see it: a query that forgets
        its tenant filter still returns nothing of another tenant (PostgreSQL's row-level security)."""
        return for_tenant(engine, self.require(tenant_id)), tenant_id


def request_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.cookies.get(TOKEN_COOKIE)


async def resolve_viewer(request: Request, engine: Engine) -> Viewer:
    """Raises 401 without a valid Airflow token."""
    from airflow.api_fastapi.app import get_auth_manager
    from airflow.api_fastapi.core_api.security import resolve_user_from_token

    token = request_token(request)
    user = await resolve_user_from_token(token)
    sees_all = get_auth_manager().is_authorized_connection(method="PUT", user=user)
    visible = await run_in_threadpool(visible_tenant_ids, engine, user.get_name(), sees_all=sees_all)
    return Viewer(user.get_name(), token or "", visible)
