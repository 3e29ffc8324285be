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
        from leadline.hooks.crm import record_column
        from leadline.hooks.retry import CrmError

        if self.check_access:
            self.require_tenant_access(context, self.tenant_id)
        tenant = self.load_tenant()
        try:
            target = crm_sync.target(self.engine, tenant, self.role)
        except LookupError as exc:
            raise AirflowFailException(str(exc)) from exc
        if target is None:
            raise AirflowSkipException(f"tenant has no {self.role} CRM")
        call = self.load_call()
        client = crm_sync.hook_for(target)
        try:
            if call["call_class"] == "existing_customer":
                # not a new lead: the call is logged on the customer's existing contact, found by email/phone
                record_id, attempts = client.find_contact(call["customer_phone"] or call["caller_phone"],
                                                          call["customer_email"])
                if record_id is None:
                    raise AirflowSkipException(f"existing customer's call: no {target.crm_type} contact matches "
                                               "the caller's email or phone, so nothing to log it on")
            else:
                cross_ref = call[record_column(tenant.primary_crm)] if self.role == "secondary" else None
                record_id, attempts = crm_sync.sync_lead(self.engine, target, client,
                                                         crm_sync.lead_from_call(call), cross_ref,
                                                         call[client.record_column])
            engagement_id, more = crm_sync.sync_engagement(
                self.engine, target, client, crm_sync.engagement_for(tenant, target.crm_type, call), record_id)
            attempts += more
        except crm_sync.CircuitOpen as exc:
            self.log.warning("%s", exc)
            raise AirflowRescheduleException(datetime.now(UTC) + timedelta(seconds=exc.wait_s + 1)) from exc
        except CrmError as exc:
            if exc.retryable:
                raise  # transient: Airflow retries the task, the request stays open
            raise AirflowFailException(str(exc)) from exc
        self.log.info("call %s synced to %s (%s) and logged as engagement %s in %s attempts", self.call_id,
                      target.crm_type, self.role, engagement_id, attempts)
        return {"crm": target.crm_type, "record_id": record_id, "engagement_id": engagement_id,
                "attempts": attempts}


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
