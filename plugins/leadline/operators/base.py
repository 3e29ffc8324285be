"""Shared shape of Leadline's operators: which store, and for per-call operators which call and the rerun rule."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator

if TYPE_CHECKING:
    from leadline.domain.call import CallRecord


class StoreOperator(BaseOperator):
    """Works on the Leadline store named by an Airflow connection (`leadline_db`)."""

    def __init__(self, *, store_conn_id: str = "leadline_db", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.store_conn_id = store_conn_id

    @cached_property
    def store_hook(self):
        """The store connection's hook, built once per task: every look-up of the connection is a round trip to
        the API server (or a secrets backend), and the engine and any other hook over the store (backups) share
        this one. Cached on first use in `execute`, on the copy of the operator Airflow makes per task run, so the
        parsed DAG and its serialized form never hold it."""
        from leadline.hooks.store import LeadlineStoreHook

        return LeadlineStoreHook(self.store_conn_id)

    @cached_property
    def store_engine(self):
        """The store's engine, resolved once per task (see `store_hook`)."""
        return self.store_hook.get_conn()

    @property
    def engine(self):
        return self.store_engine

    def require_tenant_access(self, context, tenant_id: str) -> None:
        """Fails the task (no retry) when the run's user has no grant for the tenant (operators.access)."""
        from airflow.sdk.exceptions import AirflowFailException

        from leadline.operators.access import TenantAccessDenied, check_tenant_access, run_user

        try:
            user = check_tenant_access(self.engine, run_user(context), tenant_id)
        except TenantAccessDenied as exc:
            raise AirflowFailException(str(exc)) from exc
        self.log.info("acting on tenant %s for user %s", tenant_id, user)


class CallOperator(StoreOperator):
    """Operates on one call of one tenant, named by the run's params unless given explicitly."""

    template_fields: Sequence[str] = ("tenant_id", "call_id")
    ui_color = "#e8f0fe"

    def __init__(
        self,
        *,
        tenant_id: str = "{{ params.tenant_id }}",
        call_id: str = "{{ params.call_id }}",
        force: bool | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.tenant_id = tenant_id
        self.call_id = call_id
        self.force = force

    @cached_property
    def engine(self):
        """The store limited to this call's tenant: a query that forgets its tenant filter still cannot reach
        another tenant's rows (PostgreSQL's row-level security). First used in `execute`, after the tenant id
        is rendered."""
        from leadline.store.tenant_scope import for_tenant

        return for_tenant(self.store_engine, self.tenant_id)

    def forced(self, context) -> bool:
        """`force` as given, else the run's boolean `force` param, read as the value it is rather than through a
        template: the DAG does not render templates as native objects, since that would turn a numeric call id
        into a number."""
        return self.force if self.force is not None else context["params"].get("force", False) is True

    def load_call(self) -> CallRecord:
        from airflow.sdk.exceptions import AirflowFailException

        from leadline.store.calls import get_call

        call = get_call(self.engine, self.tenant_id, self.call_id)
        if call is None:
            raise AirflowFailException(f"call {self.call_id} of tenant {self.tenant_id} is not in the store")
        return call

    def load_tenant(self):
        """The call's tenant row, read once per task (several steps consult its config)."""
        return self._tenant

    @cached_property
    def _tenant(self):
        from leadline.store.tenants import get_tenant

        with self.engine.connect() as conn:
            return get_tenant(conn, self.tenant_id)
