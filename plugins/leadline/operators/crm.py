"""CRM sync steps of call_processing: the tenant's primary CRM, then the secondary."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from leadline.operators.base import CallOperator, StoreOperator


class SyncCrmOperator(CallOperator):
    """Upserts the scored lead into the tenant's `role` CRM, then logs the call on it (a HubSpot call, a
    Salesforce Task); an existing customer's call is logged on their existing contact instead of creating a
    lead. Skips when the tenant has no such CRM. An open circuit breaker reschedules the task."""

    def __init__(self, *, role: str, check_access: bool = False, **kwargs: Any) -> None:
        """`check_access`: the run's user must have a grant for the tenant (a manual re-sync, not the pipeline)."""
        if role not in ("primary", "secondary"):
            raise ValueError("role must be primary or secondary")
        super().__init__(**kwargs)
        self.role = role
        self.check_access = check_access

    def execute(self, context) -> dict:
        from datetime import UTC, datetime, timedelta

        from airflow.sdk.exceptions import AirflowFailException, AirflowRescheduleException, AirflowSkipException

        from leadline import crm_sync
        from leadline.hooks.retry import CrmError

        if self.check_access:
            self.require_tenant_access(context, self.tenant_id)
        try:
            synced = crm_sync.sync_call(self.engine, self.load_tenant(), self.role, self.load_call())
        except crm_sync.NothingToSync as exc:
            raise AirflowSkipException(str(exc)) from exc
        except LookupError as exc:
            raise AirflowFailException(str(exc)) from exc
        except crm_sync.CircuitOpen as exc:
            self.log.warning("%s", exc)
            raise AirflowRescheduleException(datetime.now(UTC) + timedelta(seconds=exc.wait_s + 1)) from exc
        except CrmError as exc:
            if exc.retryable:
                raise  # transient: Airflow retries the task, the request stays open
            raise AirflowFailException(str(exc)) from exc
        self.log.info("call %s synced to %s (%s) and logged as engagement %s in %s attempts", self.call_id,
                      synced.crm_type, self.role, synced.engagement_id, synced.attempts)
        return {"crm": synced.crm_type, "record_id": synced.record_id, "engagement_id": synced.engagement_id,
                "attempts": synced.attempts}


class CrmBackfillOperator(StoreOperator):
    """Bulk CRM sync of a tenant's scored calls created in [start_date, end_date)."""

    template_fields: Sequence[str] = ("tenant_id", "start_date_param", "end_date_param")

    def __init__(self, *, tenant_id: str = "{{ params.tenant_id }}", start_date_param: str = "{{ params.start_date }}",
                 end_date_param: str = "{{ params.end_date }}", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.tenant_id = tenant_id
        self.start_date_param = start_date_param
        self.end_date_param = end_date_param

    def execute(self, context) -> dict:
        from datetime import UTC, datetime

        from airflow.sdk.exceptions import AirflowFailException

        from leadline import crm_sync
        from leadline.store.tenants import get_tenant

        engine = self.engine
        start = datetime.fromisoformat(self.start_date_param).replace(tzinfo=UTC)
        end = datetime.fromisoformat(self.end_date_param).replace(tzinfo=UTC)
        if end <= start:
            raise AirflowFailException("end_date must be after start_date")
        with engine.connect() as conn:
            tenant = get_tenant(conn, self.tenant_id)
        if tenant is None:
            raise AirflowFailException(f"no tenant {self.tenant_id}")
        try:
            summary = crm_sync.backfill(engine, tenant, start, end)
        except (LookupError, crm_sync.CircuitOpen) as exc:
            raise AirflowFailException(str(exc)) from exc
        self.log.info("CRM backfill for %s: %s", self.tenant_id, summary)
        if summary["failed"]:
            raise AirflowFailException(f"{summary['failed']} records were rejected; see crm_sync_log")
        return summary
