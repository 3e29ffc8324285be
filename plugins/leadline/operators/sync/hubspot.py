"""HubSpot contacts and companies mirrored per tenant over the run's data interval."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from leadline.operators.base import StoreOperator
from leadline.operators.intervals import data_interval
from leadline.operators.sync import ALL_OBJECTS, chosen_objects, full_sync

# HubSpot object (as HubSpot names them in its API) -> the mirror table that holds it.
OBJECTS = {"contacts": "hubspot_contacts", "companies": "hubspot_companies"}


def _contact(c: dict, synced_at: datetime) -> dict:
    return {"contact_id": c["id"], "email": c.get("email") or None, "phone": c.get("phone") or None,
            "first_name": c.get("firstname") or None, "last_name": c.get("lastname") or None,
            "company": c.get("company") or None, "last_modified": datetime.fromisoformat(c["lastmodifieddate"]),
            "synced_at": synced_at}


def _company(c: dict, synced_at: datetime) -> dict:
    return {"company_id": c["id"], "name": c.get("name") or None, "domain": (c.get("domain") or "").lower() or None,
            "last_modified": datetime.fromisoformat(c["hs_lastmodifieddate"]), "synced_at": synced_at}


class SyncHubSpotOperator(StoreOperator):
    """HubSpot contacts and companies modified in the run's data interval, for tenants with a HubSpot
    integration; `object_type` limits the run to one of them, and a `full` sync takes every record."""

    template_fields: Sequence[str] = ("object_type", "sync_type")

    def __init__(self, *, object_type: str = ALL_OBJECTS, sync_type: str = "incremental", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.object_type = object_type
        self.sync_type = sync_type

    def execute(self, context) -> dict:
        from leadline.hooks.hubspot import HubSpotHook
        from leadline.store.etl import active_crm_connections_all_tenants, etl_run, replace_rows

        objects = chosen_objects(self.object_type, OBJECTS)
        full = full_sync(self.sync_type)
        start, end = data_interval(context)
        done: dict[str, int] = {}
        for tenant_id, connection_id in active_crm_connections_all_tenants(self.engine, "hubspot").items():
            with etl_run(self.engine, tenant_id, "hubspot", context["run_id"]) as run:
                hubspot = HubSpotHook(connection_id)
                if "contacts" in objects:
                    contacts = (hubspot.all_contacts() if full
                                else hubspot.modified_contacts(start.isoformat(), end.isoformat()))
                    replace_rows(self.engine, tenant_id, OBJECTS["contacts"], [_contact(c, end) for c in contacts])
                    run.rows_processed += len(contacts)
                if "companies" in objects:
                    companies = (hubspot.all_companies() if full
                                 else hubspot.modified_companies(start.isoformat(), end.isoformat()))
                    replace_rows(self.engine, tenant_id, OBJECTS["companies"], [_company(c, end) for c in companies])
                    run.rows_processed += len(companies)
            done[tenant_id] = run.rows_processed
        return done
