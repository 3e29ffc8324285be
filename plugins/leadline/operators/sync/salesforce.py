"""Salesforce accounts, contacts and opportunities mirrored per tenant over the run's data interval."""

from __future__ import annotations

from datetime import UTC, datetime

from leadline.operators.base import StoreOperator
from leadline.operators.intervals import data_interval

SOQL = {
    "Account": "SELECT Id, Name, Website, Industry, SystemModstamp FROM Account",
    "Contact": "SELECT Id, AccountId, FirstName, LastName, Email, Phone, SystemModstamp FROM Contact",
    "Opportunity": "SELECT Id, AccountId, Name, StageName, Amount, IsClosed, CloseDate, SystemModstamp "
                   "FROM Opportunity",
}


def _soql_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _sf_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _domain(website: str | None) -> str | None:
    if not website:
        return None
    host = website.lower().split("//")[-1].split("/")[0]
    return host.removeprefix("www.") or None


class SyncSalesforceOperator(StoreOperator):
    """Accounts, contacts and opportunities whose SystemModstamp falls in the run's data interval."""

    def execute(self, context) -> dict:
        from leadline.domain.normalize import e164
        from leadline.hooks.salesforce import LeadlineSalesforceHook
        from leadline.store.etl import active_crm_connection, etl_run, replace_rows
        from leadline.store.tenants import list_tenants

        start, end = data_interval(context)
        window = f" WHERE SystemModstamp >= {_soql_time(start)} AND SystemModstamp < {_soql_time(end)}"
        now = end  # synced_at is the interval's end, so a rerun of the same interval writes identical rows
        done: dict[str, int] = {}
        with self.engine.connect() as conn:
            tenants = list_tenants(conn)
        for tenant in tenants:
            connection_id = active_crm_connection(self.engine, tenant.tenant_id, "salesforce")
            if connection_id is None:
                continue
            with etl_run(self.engine, tenant.tenant_id, "salesforce", context["run_id"]) as run:
                salesforce = LeadlineSalesforceHook(connection_id)
                fetched = {name: salesforce.query_all(soql + window) for name, soql in SOQL.items()}
                replace_rows(self.engine, tenant.tenant_id, "sf_accounts", [{
                    "account_id": r["Id"], "name": r.get("Name"), "website": r.get("Website"),
                    "domain": _domain(r.get("Website")), "industry": r.get("Industry"),
                    "system_modstamp": _sf_time(r["SystemModstamp"]), "synced_at": now} for r in fetched["Account"]])
                replace_rows(self.engine, tenant.tenant_id, "sf_contacts", [{
                    "contact_id": r["Id"], "account_id": r.get("AccountId"), "first_name": r.get("FirstName"),
                    "last_name": r.get("LastName"), "email": r.get("Email"), "phone": r.get("Phone"),
                    "email_normalized": (r.get("Email") or "").strip().lower() or None,
                    "phone_e164": e164(r.get("Phone")), "system_modstamp": _sf_time(r["SystemModstamp"]),
                    "synced_at": now} for r in fetched["Contact"]])
                replace_rows(self.engine, tenant.tenant_id, "sf_opportunities", [{
                    "opportunity_id": r["Id"], "account_id": r.get("AccountId"), "name": r.get("Name"),
                    "stage_name": r.get("StageName"), "amount": r.get("Amount"), "is_closed": r.get("IsClosed"),
                    "close_date": _sf_time(r.get("CloseDate") and f"{r['CloseDate']}T00:00:00+00:00"),
                    "system_modstamp": _sf_time(r["SystemModstamp"]), "synced_at": now}
                    for r in fetched["Opportunity"]])
                run.rows_processed = sum(len(v) for v in fetched.values())
            done[tenant.tenant_id] = run.rows_processed
        self.log.info("salesforce rows synced per tenant: %s", done)
        return done
