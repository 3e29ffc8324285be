"""The sandbox's own API under /_sandbox: reset, fault settings, the request journal, seeding and inspection."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from leadline_dev.sandbox.state import SERVICES, Faults, SandboxState


def router(state: SandboxState) -> APIRouter:
    router = APIRouter(prefix="/_sandbox")

    @router.post("/reset")
    async def reset():
        state.reset()
        return {"status": "reset"}

    @router.put("/faults/{service}")
    async def set_faults(service: str, faults: dict):
        if service not in SERVICES:
            raise HTTPException(404, f"unknown service {service}")
        with state.lock:
            state.faults[service] = Faults(**faults)
        return {"service": service, **state.faults[service].__dict__}

    @router.get("/journal")
    async def journal(service: str | None = None):
        with state.lock:
            return [e for e in state.journal if service is None or e["service"] == service]

    @router.get("/records")
    async def records():
        """Read-only: every record the CRMs received (HubSpot contacts and calls with their associated contacts,
        Salesforce records by object: Leads, Contacts, Tasks; a plug-in CRM's by collection)."""
        with state.lock:
            calls = [{"id": cid, **rec, "associations": {"contacts": sorted(
                to_id for kind, from_id, to_kind, to_id in state.hubspot_associations
                if (kind, from_id, to_kind) == ("calls", cid, "contacts"))}}
                for cid, rec in state.hubspot_calls.items()]
            return {"hubspot": {"contacts": [{"id": cid, **rec} for cid, rec in state.hubspot_contacts.items()],
                                "calls": calls},
                    "salesforce": {sobject: list(table.values()) for sobject, table in state.salesforce.items()},
                    **{service: {name: list(table.values()) for name, table in collections.items()}
                       for service, collections in state.records.items()}}

    @router.get("/hubspot/contacts")
    async def hubspot_contacts():
        with state.lock:
            return [{"id": cid, **rec} for cid, rec in state.hubspot_contacts.items()]

    @router.post("/hubspot/companies")
    async def seed_companies(companies: list[dict]):
        with state.lock:
            for company in companies:
                state.hubspot_companies[company["id"]] = {"properties": company["properties"],
                                                          "updatedAt": company["updatedAt"]}
        return {"seeded": len(companies)}

    @router.post("/salesforce/{sobject}")
    async def seed_salesforce(sobject: str, records: list[dict]):
        with state.lock:
            table = state.salesforce.setdefault(sobject, {})
            for record in records:
                table[record["Id"]] = dict(record)
        return {"seeded": len(records)}

    @router.get("/salesforce/{sobject}")
    async def salesforce_records(sobject: str):
        with state.lock:
            return list(state.salesforce.get(sobject, {}).values())

    @router.post("/callrail/{account_id}/calls")
    async def seed_calls(account_id: str, calls: list[dict]):
        with state.lock:
            state.callrail_calls.setdefault(account_id, []).extend(calls)
        return {"seeded": len(calls)}

    @router.post("/gmail/{mailbox}/messages")
    async def seed_gmail(mailbox: str, messages: list[dict]):
        with state.lock:
            state.gmail.setdefault(mailbox, []).extend(messages)
        return {"seeded": len(messages)}

    @router.post("/dialpad/calls")
    async def seed_dialpad(calls: list[dict]):
        with state.lock:
            state.dialpad_calls.extend(calls)
        return {"seeded": len(calls)}

    @router.put("/recordings/{call_id}")
    async def put_recording(call_id: str, request: Request):
        state.recordings[call_id] = await request.body()
        return {"bytes": len(state.recordings[call_id])}

    @router.get("/recordings/{call_id}")
    async def get_recording(call_id: str):
        if call_id not in state.recordings:
            raise HTTPException(404, "Recording not found")
        return Response(state.recordings[call_id], media_type="audio/wav")

    return router
