"""HubSpot contacts and companies mirrored per tenant over the run's data interval."""

from __future__ import annotations

from datetime import datetime

from leadline.operators.sync.mirror import MirrorRow, MirrorSyncOperator


def _contact(c: dict, synced_at: datetime) -> dict:
    return {"contact_id": c["id"], "email": c.get("email") or None, "phone": c.get("phone") or None,
            "first_name": c.get("firstname") or None, "last_name": c.get("lastname") or None,
            "company": c.get("company") or None, "last_modified": datetime.fromisoformat(c["lastmodifieddate"]),
            "synced_at": synced_at}


def _company(c: dict, synced_at: datetime) -> dict:
    return {"company_id": c["id"], "name": c.get("name") or None, "domain": (c.get("domain") or "").lower() or None,
            "last_modified": datetime.fromisoformat(c["hs_lastmodifieddate"]), "synced_at": synced_at}


# HubSpot object (as HubSpot names them in its API) -> (mirror table, mirror row of a record).
OBJECTS: dict[str, tuple[str, MirrorRow]] = {"contacts": ("hubspot_contacts", _contact),
                                             "companies": ("hubspot_companies", _company)}


class SyncHubSpotOperator(MirrorSyncOperator):
    """HubSpot contacts and companies modified in the run's data interval."""

    crm_type = "hubspot"
    objects = OBJECTS
