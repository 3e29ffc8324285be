"""Entity resolution: each tenant's callers and email participants matched to its CRM contacts."""

from __future__ import annotations

from datetime import UTC, datetime

from leadline.operators.base import StoreOperator


class EntityResolutionOperator(StoreOperator):
    """Matches each tenant's callers and email participants to its Salesforce and HubSpot contacts
    (manual mappings win), replaces the tenant's matches, and marks gmail_participants.sf_contact_id.
    The match rate per source goes to the XCom; etl_runs counts the matches."""

    def execute(self, context) -> dict:
        from leadline.store.etl import etl_run
        from leadline.store.tenants import list_tenants

        rates: dict[str, dict[str, float | None]] = {}
        with self.engine.connect() as conn:
            tenants = list_tenants(conn)
        for tenant in tenants:
            with etl_run(self.engine, tenant.tenant_id, "entity_resolution", context["run_id"]) as run:
                rates[tenant.tenant_id], run.rows_processed = self._resolve_tenant(tenant.tenant_id)
        self.log.info("match rate per tenant: %s", rates)
        return {"match_rate": rates}

    def _resolve_tenant(self, tenant_id: str) -> tuple[dict[str, float | None], int]:
        from leadline.domain.resolution import resolve
        from leadline.store.intelligence import (
            HUBSPOT_PREFIX,
            manual_mappings_of,
            people_to_resolve,
            replace_entity_matches,
            resolution_contacts,
        )

        contacts = resolution_contacts(self.engine, tenant_id)
        manual = manual_mappings_of(self.engine, tenant_id)
        now = datetime.now(UTC)
        rates, total = {}, 0
        for source_type, people in people_to_resolve(self.engine, tenant_id).items():
            matches = resolve(people, contacts, manual)
            records = matches.astype(object).where(matches.notna(), None).to_dict("records")
            # Only Salesforce contacts are marked on the participants (the mail-to-account link goes through them).
            gmail_contacts = None if source_type != "gmail" else {
                r["source_id"]: r["contact_id"] for r in records
                if r["contact_id"] and not r["contact_id"].startswith(HUBSPOT_PREFIX)}
            replace_entity_matches(self.engine, tenant_id, source_type, records, now, gmail_contacts)
            identifiable = people[people["email"].notna() | people["phone"].notna()]
            rates[source_type] = round(len(matches) / len(identifiable), 4) if len(identifiable) else None
            total += len(matches)
        return rates, total
