"""What a lead looks like to each CRM (field mappings from the troubleshooting runbook)."""

from __future__ import annotations

from dataclasses import dataclass
from string import Formatter
from typing import Any

UNKNOWN = "Unknown"


@dataclass(frozen=True)
class CrmCallFields:
    record: str  # the call record field holding the lead's/contact's id in the CRM (runbook 004's columns)
    engagement: str  # the one holding the id of the call as logged there


@dataclass(frozen=True)
class CrmObject:
    """A kind of record Leadline writes in a CRM, as a rep sees it: what they call it, and its page (a template
    over `{id}` and the tenant's crm_config keys; None, or a key the tenant has not set: the bare id)."""

    noun: str
    url: str | None = None


@dataclass(frozen=True)
class CrmPlugin:
    """One CRM Leadline can sync to. `hook`: "module:Class" of its `hooks.crm.CrmHook`, imported on first use
    (each CRM's client library is heavy). `record` / `engagement`: the lead or contact, and the call logged on it.
    `call_fields`: the call_records columns the runbooks' queries read its ids from; a CRM the runbooks do not
    name has none, and its ids live in call_crm_links instead."""

    hook: str
    label: str
    record: CrmObject
    engagement: CrmObject
    call_fields: CrmCallFields | None = None


_HUBSPOT_RECORD = "https://app.hubspot.com/contacts/{hubspot_portal_id}/record"
_SALESFORCE_RECORD = "{salesforce_instance_url}/lightning/r"

# The one registry of CRMs: a tenant's primary_crm / secondary_crm, the CLI, the health check, the erasure, the
# links in alerts and on the call page, and the sandbox all read it. Adding a CRM is one entry here, its hook
# module and its sandbox handlers.
CRMS: dict[str, CrmPlugin] = {
    "hubspot": CrmPlugin("leadline.hooks.hubspot:HubSpotHook", "HubSpot",
                         CrmObject("contact", f"{_HUBSPOT_RECORD}/0-1/{{id}}"),
                         CrmObject("call", f"{_HUBSPOT_RECORD}/0-48/{{id}}"),
                         CrmCallFields("hubspot_contact_id", "hubspot_call_id")),
    "salesforce": CrmPlugin("leadline.hooks.salesforce:LeadlineSalesforceHook", "Salesforce",
                            CrmObject("lead", f"{_SALESFORCE_RECORD}/Lead/{{id}}/view"),
                            CrmObject("task", f"{_SALESFORCE_RECORD}/Task/{{id}}/view"),
                            CrmCallFields("salesforce_lead_id", "salesforce_task_id")),
    "pipedrive": CrmPlugin("leadline.hooks.pipedrive:PipedriveHook", "Pipedrive",
                           CrmObject("person", "https://{pipedrive_company_domain}.pipedrive.com/person/{id}"),
                           CrmObject("activity")),
}
CRM_TYPES = tuple(CRMS)
CRM_CALL_FIELDS = {crm_type: plugin.call_fields for crm_type, plugin in CRMS.items() if plugin.call_fields}


def crm_link(crm_type: str, kind: str, record_id: str, crm_config: dict[str, Any]) -> str:
    """The page of a record (`kind`: "record" or "engagement") in the tenant's CRM: a deep link when the
    tenant's crm_config has what the CRM's template needs (HubSpot's portal id, the Salesforce instance, the
    Pipedrive company domain), else the bare id."""
    template = getattr(CRMS[crm_type], kind).url
    if template is None:
        return record_id
    needed = {name for _, name, _, _ in Formatter().parse(template) if name and name != "id"}
    values = {name: str(crm_config.get(name) or "").rstrip("/") for name in needed}
    return template.format(id=record_id, **values) if all(values.values()) else record_id


@dataclass(frozen=True)
class Lead:
    tenant_id: str
    call_id: str
    name: str | None
    phone: str | None
    email: str | None
    score: int | None
    summary: str
    project_type: str | None = None
    company: str | None = None


def split_name(name: str | None) -> tuple[str, str]:
    parts = (name or "").split()
    if not parts:
        return "", UNKNOWN
    if len(parts) == 1:
        return "", parts[0]
    return " ".join(parts[:-1]), parts[-1]


def hubspot_properties(lead: Lead, salesforce_id: str | None = None) -> dict[str, str]:
    first, last = split_name(lead.name)
    properties = {
        "firstname": first,
        "lastname": last,
        "phone": lead.phone or "",
        "lifecyclestage": "lead",  # required by HubSpot on create
        "lead_score": "" if lead.score is None else str(lead.score),
        "leadline_call_id": lead.call_id,
        "leadline_summary": lead.summary[:1000],
    }
    if lead.email:
        properties["email"] = lead.email
    if salesforce_id:
        properties["salesforce_lead_id"] = salesforce_id
    return properties


def salesforce_fields(lead: Lead, hubspot_id: str | None = None) -> dict[str, object]:
    first, last = split_name(lead.name)
    fields: dict[str, object] = {
        "FirstName": first or None,
        "LastName": last,
        "Company": lead.company or UNKNOWN,
        "Email": lead.email,
        "Phone": lead.phone,
        "LeadSource": "Phone Call",
        "Description": lead.summary[:32000],
        "Leadline_Score__c": lead.score,
    }
    if hubspot_id:
        fields["HubSpot_Contact_Id__c"] = hubspot_id
    return fields


SALESFORCE_EXTERNAL_ID = "Leadline_Call_Id__c"
