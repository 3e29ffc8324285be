"""HubSpot contacts and companies mirrored per tenant over the run's data interval."""

from __future__ import annotations

from datetime import datetime

from leadline.operators.base import StoreOperator
from leadline.operators.intervals import data_interval


class SyncHubSpotOperator(StoreOperator):
    """HubSpot contacts and companies modified in the run's data interval, for tenants with a HubSpot
    integration."""

    def execute(self, context) -> dict:
        from leadline.hooks.hubspot import HubSpotHook
        from leadline.store.etl import active_crm_connections_all_tenants, etl_run, replace_rows

        start, end = data_interval(context)
        done: dict[str, int] = {}
        for tenant_id, connection_id in active_crm_connections_all_tenants(self.engine, "hubspot").items():
            with etl_run(self.engine, tenant_id, "hubspot", context["run_id"]) as run:
                hubspot = HubSpotHook(connection_id)
                contacts = hubspot.modified_contacts(start.isoformat(), end.isoformat())
                replace_rows(self.engine, tenant_id, "hubspot_contacts", [{
                    "contact_id": c["id"], "email": c.get("email") or None, "phone": c.get("phone") or None,
                    "first_name": c.get("firstname") or None, "last_name": c.get("lastname") or None,
                    "company": c.get("company") or None,
                    "last_modified": datetime.fromisoformat(c["lastmodifieddate"]), "synced_at": end}
                    for c in contacts])
                companies = hubspot.modified_companies(start.isoformat(), end.isoformat())
                replace_rows(self.engine, tenant_id, "hubspot_companies", [{
                    "company_id": c["id"], "name": c.get("name") or None,
                    "domain": (c.get("domain") or "").lower() or None,
                    "last_modified": datetime.fromisoformat(c["hs_lastmodifieddate"]), "synced_at": end}
                    for c in companies])
                run.rows_processed = len(contacts) + len(companies)
            done[tenant_id] = run.rows_processed
        return done
