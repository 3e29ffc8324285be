"""Salesforce accounts, contacts and opportunities mirrored per tenant over the run's data interval."""

from __future__ import annotations

from datetime import datetime

from leadline.operators.sync.mirror import MirrorRow, MirrorSyncOperator


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


# Salesforce object (the runbook's `object_type`) -> (mirror table, mirror row of a record).
OBJECTS: dict[str, tuple[str, MirrorRow]] = {
    "Account": ("sf_accounts", _account),
    "Contact": ("sf_contacts", _contact),
    "Opportunity": ("sf_opportunities", _opportunity),
}


class SyncSalesforceOperator(MirrorSyncOperator):
    """Accounts, contacts and opportunities whose SystemModstamp falls in the run's data interval."""

    crm_type = "salesforce"
    objects = OBJECTS
