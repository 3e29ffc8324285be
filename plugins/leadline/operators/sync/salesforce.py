"""Salesforce accounts, contacts and opportunities mirrored per tenant over the run's data interval."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from leadline.operators.base import StoreOperator
from leadline.operators.intervals import data_interval
from leadline.operators.sync import ALL_OBJECTS, chosen_objects, full_sync


def _soql_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _sf_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _domain(website: str | None) -> str | None:
    if not website:
        return None
    host = website.lower().split("//")[-1].split("/")[0]
    return host.removeprefix("www.") or None


def _account(r: dict, synced_at: datetime) -> dict:
    return {"account_id": r["Id"], "account_name": r.get("Name"), "website": r.get("Website"),
            "domain": _domain(r.get("Website")), "industry": r.get("Industry"),
            "system_modstamp": _sf_time(r["SystemModstamp"]), "synced_at": synced_at}


def _contact(r: dict, synced_at: datetime) -> dict:
    from leadline.domain.normalize import e164

    return {"contact_id": r["Id"], "account_id": r.get("AccountId"), "first_name": r.get("FirstName"),
            "last_name": r.get("LastName"), "email": r.get("Email"), "phone": r.get("Phone"),
            "email_normalized": (r.get("Email") or "").strip().lower() or None, "phone_e164": e164(r.get("Phone")),
            "system_modstamp": _sf_time(r["SystemModstamp"]), "synced_at": synced_at}


def _opportunity(r: dict, synced_at: datetime) -> dict:
    return {"opportunity_id": r["Id"], "account_id": r.get("AccountId"), "name": r.get("Name"),
            "stage_name": r.get("StageName"), "amount": r.get("Amount"), "is_closed": r.get("IsClosed"),
            "close_date": _sf_time(r.get("CloseDate") and f"{r['CloseDate']}T00:00:00+00:00"),
            "system_modstamp": _sf_time(r["SystemModstamp"]), "synced_at": synced_at}


# Salesforce object (the runbook's `object_type`) -> (SOQL, mirror table, mirror row of a record).
OBJECTS: dict[str, tuple[str, str, Callable[[dict, datetime], dict]]] = {
    "Account": ("SELECT Id, Name, Website, Industry, SystemModstamp FROM Account", "sf_accounts", _account),
    "Contact": ("SELECT Id, AccountId, FirstName, LastName, Email, Phone, SystemModstamp FROM Contact",
                "sf_contacts", _contact),
    "Opportunity": ("SELECT Id, AccountId, Name, StageName, Amount, IsClosed, CloseDate, SystemModstamp "
                    "FROM Opportunity", "sf_opportunities", _opportunity),
}


class SyncSalesforceOperator(StoreOperator):
    """Accounts, contacts and opportunities whose SystemModstamp falls in the run's data interval; `object_type`
    limits the run to one of them, and a `full` sync takes every record, whatever the interval."""

    template_fields: Sequence[str] = ("object_type", "sync_type")

    def __init__(self, *, object_type: str = ALL_OBJECTS, sync_type: str = "incremental", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.object_type = object_type
        self.sync_type = sync_type

    def execute(self, context) -> dict:
        from leadline.hooks.salesforce import LeadlineSalesforceHook
        from leadline.store.etl import active_crm_connection, etl_run, replace_rows
        from leadline.store.tenants import list_tenants

        objects = chosen_objects(self.object_type, OBJECTS)
        start, end = data_interval(context)
        window = "" if full_sync(self.sync_type) else (
            f" WHERE SystemModstamp >= {_soql_time(start)} AND SystemModstamp < {_soql_time(end)}")
        done: dict[str, int] = {}
        with self.engine.connect() as conn:
            tenants = list_tenants(conn)
        for tenant in tenants:
            connection_id = active_crm_connection(self.engine, tenant.tenant_id, "salesforce")
            if connection_id is None:
                continue
            with etl_run(self.engine, tenant.tenant_id, "salesforce", context["run_id"]) as run:
                salesforce = LeadlineSalesforceHook(connection_id)
                for name in objects:
                    soql, mirror, row = OBJECTS[name]
                    records = salesforce.query_all(soql + window)
                    # synced_at is the interval's end, so a rerun of the same interval writes identical rows
                    replace_rows(self.engine, tenant.tenant_id, mirror, [row(r, end) for r in records])
                    run.rows_processed += len(records)
            done[tenant.tenant_id] = run.rows_processed
        self.log.info("salesforce rows synced per tenant (%s, %s): %s", ", ".join(objects), self.sync_type, done)
        return done
