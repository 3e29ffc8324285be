"""HubSpot CRM v3 emulator: contacts (batch upsert, list, search, create, read, update), company list and search,
Calls objects (engagements: batch upsert by a unique property, read) and v4 default associations from calls to
contacts."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from leadline_dev.sandbox.common import Sandbox, as_datetime, now

HUBSPOT_BATCH_LIMIT = 100


def router(sb: Sandbox) -> APIRouter:
    hubspot = APIRouter(dependencies=[sb.gate("hubspot")])
    hubspot.include_router(_contacts(sb))
    hubspot.include_router(_companies(sb))
    hubspot.include_router(_calls(sb))
    return hubspot


CALL_REQUIRED = ("hs_timestamp",)  # HubSpot refuses a call without its activity time
CALL_UNIQUE_PROPERTIES = ("hs_object_id", "leadline_call_id")  # leadline_call_id: a unique-value custom property
DIRECTIONS = ("INBOUND", "OUTBOUND")
CALL_STATUSES = ("BUSY", "CALLING_CRM_USER", "CANCELED", "COMPLETED", "CONNECTING", "FAILED", "IN_PROGRESS",
                 "NO_ANSWER", "QUEUED", "RINGING")
# association type ids HubSpot defines for a call's default association
DEFAULT_ASSOCIATION_TYPES = {("calls", "contacts"): 194, ("contacts", "calls"): 193}


def _error(status: int, category: str, message: str) -> JSONResponse:
    return JSONResponse({"status": "error", "message": message, "category": category}, status_code=status)


def _calls(sb: Sandbox) -> APIRouter:
    router = APIRouter()
    state = sb.state

    def call_json(call_id: str, new: bool | None = None) -> dict:
        record = state.hubspot_calls[call_id]
        out = {"id": call_id, "properties": {**record["properties"], "hs_object_id": call_id,
                                             "hs_lastmodifieddate": record["updatedAt"]},
               "createdAt": record["createdAt"], "updatedAt": record["updatedAt"], "archived": False}
        if new is not None:
            out["new"] = new
        return out

    def invalid(properties: dict) -> str | None:
        missing = [p for p in CALL_REQUIRED if not properties.get(p)]
        if missing:
            return f"Required property missing: {', '.join(missing)}"
        if properties.get("hs_call_direction") not in (None, "", *DIRECTIONS):
            return f"{properties['hs_call_direction']} is not a valid option for hs_call_direction"
        if properties.get("hs_call_status") not in (None, "", *CALL_STATUSES):
            return f"{properties['hs_call_status']} is not a valid option for hs_call_status"
        duration = properties.get("hs_call_duration")
        if duration not in (None, "") and not str(duration).isdigit():
            return "hs_call_duration must be a whole number of milliseconds"
        return None

    @router.post("/crm/v3/objects/calls/batch/upsert")
    async def batch_upsert(request: Request):
        inputs = (await request.json()).get("inputs")
        if not isinstance(inputs, list) or not inputs:
            return _error(400, "VALIDATION_ERROR", "inputs must be a non-empty list")
        if len(inputs) > HUBSPOT_BATCH_LIMIT:
            return _error(400, "VALIDATION_ERROR",
                          f"Batch size {len(inputs)} exceeds the limit of {HUBSPOT_BATCH_LIMIT}")
        started, results = now(), []
        with state.lock:
            plan = []
            for item in inputs:  # validate the whole batch before writing any of it, as HubSpot does
                id_property, value = item.get("idProperty"), item.get("id")
                if id_property not in CALL_UNIQUE_PROPERTIES or not value:
                    return _error(400, "VALIDATION_ERROR", "each input needs an id and a unique idProperty")
                properties = {k: ("" if v is None else str(v)) for k, v in (item.get("properties") or {}).items()}
                existing = value if id_property == "hs_object_id" else next(
                    (cid for cid, rec in state.hubspot_calls.items()
                     if rec["properties"].get(id_property) == value), None)
                if id_property == "hs_object_id" and existing not in state.hubspot_calls:
                    return _error(404, "OBJECT_NOT_FOUND", "resource not found")
                merged = {**(state.hubspot_calls[existing]["properties"] if existing else {}), **properties}
                if problem := invalid(merged):
                    return _error(400, "VALIDATION_ERROR", problem)
                if id_property != "hs_object_id":
                    properties[id_property] = value
                plan.append((existing, properties))
            for existing, properties in plan:
                stamp = now()
                if existing is None:
                    existing = state.new_id()
                    state.hubspot_calls[existing] = {"properties": {}, "createdAt": stamp, "updatedAt": stamp}
                record = state.hubspot_calls[existing]
                created = not record["properties"]
                record["properties"].update(properties)
                record["updatedAt"] = stamp
                results.append(call_json(existing, new=created))
        return {"status": "COMPLETE", "results": results, "startedAt": started, "completedAt": now()}

    @router.get("/crm/v3/objects/calls/{call_id}")
    async def get(call_id: str):
        with state.lock:
            if call_id not in state.hubspot_calls:
                return _error(404, "OBJECT_NOT_FOUND", "resource not found")
            return call_json(call_id)

    @router.delete("/crm/v3/objects/calls/{call_id}")
    async def archive(call_id: str):
        with state.lock:
            if state.hubspot_calls.pop(call_id, None) is None:
                return _error(404, "OBJECT_NOT_FOUND", "resource not found")
        return Response(status_code=204)

    def objects_of(kind: str) -> dict | None:
        return {"calls": state.hubspot_calls, "contacts": state.hubspot_contacts}.get(kind)

    @router.post("/crm/v4/associations/{from_type}/{to_type}/batch/associate/default")
    async def associate_default(from_type: str, to_type: str, request: Request):
        inputs = (await request.json()).get("inputs")
        type_id = DEFAULT_ASSOCIATION_TYPES.get((from_type, to_type))
        if type_id is None:
            return _error(400, "VALIDATION_ERROR", f"no default association from {from_type} to {to_type}")
        if not isinstance(inputs, list) or not inputs:
            return _error(400, "VALIDATION_ERROR", "inputs must be a non-empty list")
        started, results = now(), []
        with state.lock:
            pairs = []
            for item in inputs:
                from_id = str((item.get("from") or {}).get("id") or "")
                to_id = str((item.get("to") or {}).get("id") or "")
                if not from_id or not to_id:
                    return _error(400, "VALIDATION_ERROR", "each input needs from.id and to.id")
                if from_id not in objects_of(from_type) or to_id not in objects_of(to_type):
                    return _error(400, "VALIDATION_ERROR",
                                  f"{from_type} {from_id} or {to_type} {to_id} does not exist")
                pairs.append((from_id, to_id))
            for from_id, to_id in pairs:
                state.hubspot_associations.add((from_type, from_id, to_type, to_id))
                results.append({"from": {"id": from_id}, "to": {"id": to_id}, "associationSpec": {
                    "associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id}})
        return {"status": "COMPLETE", "results": results, "startedAt": started, "completedAt": now()}

    return router


def _contacts(sb: Sandbox) -> APIRouter:
    router = APIRouter(prefix="/crm/v3/objects/contacts")
    state = sb.state

    def contact_json(contact_id: str, new: bool | None = None) -> dict:
        record = state.hubspot_contacts[contact_id]
        out = {"id": contact_id, "properties": {**record["properties"], "hs_object_id": contact_id,
                                                "lastmodifieddate": record["updatedAt"]},
               "createdAt": record["createdAt"], "updatedAt": record["updatedAt"], "archived": False}
        if new is not None:
            out["new"] = new
        return out

    def find(prop: str, value: str) -> str | None:
        for contact_id, record in state.hubspot_contacts.items():
            if str(record["properties"].get(prop, "")).lower() == str(value).lower():
                return contact_id
        return None

    def validation_error(message: str) -> JSONResponse:
        return JSONResponse({"status": "error", "message": message, "category": "VALIDATION_ERROR"},
                            status_code=400)

    def not_found() -> JSONResponse:
        return JSONResponse({"status": "error", "message": "resource not found", "category": "OBJECT_NOT_FOUND"},
                            status_code=404)

    def write(contact_id: str | None, properties: dict) -> tuple[str, bool]:
        stamp = now()
        if contact_id is None:
            contact_id = state.new_id()
            state.hubspot_contacts[contact_id] = {"properties": {}, "createdAt": stamp, "updatedAt": stamp}
            created = True
        else:
            created = False
        record = state.hubspot_contacts[contact_id]
        record["properties"].update({k: ("" if v is None else str(v)) for k, v in properties.items()})
        record["updatedAt"] = stamp
        return contact_id, created

    @router.post("/batch/upsert")
    async def batch_upsert(request: Request):
        payload = await request.json()
        inputs = payload.get("inputs")
        if not isinstance(inputs, list) or not inputs:
            return validation_error("inputs must be a non-empty list")
        if len(inputs) > HUBSPOT_BATCH_LIMIT:
            return validation_error(f"Batch size {len(inputs)} exceeds the limit of {HUBSPOT_BATCH_LIMIT}")
        started = now()
        results = []
        with state.lock:
            for item in inputs:
                id_property, value = item.get("idProperty"), item.get("id")
                if id_property not in ("email", "hs_object_id") or not value:
                    return validation_error("each input needs an id and a unique idProperty")
                properties = dict(item.get("properties") or {})
                existing = value if id_property == "hs_object_id" else find("email", value)
                if existing is None and not properties.get("lifecyclestage"):
                    return validation_error("Required property missing: lifecyclestage")
                if id_property == "email":
                    properties.setdefault("email", value)
                contact_id, created = write(existing, properties)
                results.append(contact_json(contact_id, new=created))
        return {"status": "COMPLETE", "results": results, "startedAt": started, "completedAt": now()}

    @router.get("")
    async def list_page(limit: int = 10, after: str | None = None):
        with state.lock:
            results = [contact_json(cid) for cid in state.hubspot_contacts]
        return _page(results, {"limit": limit, "after": after})

    @router.post("/search")
    async def search(request: Request):
        payload = await request.json()
        filters = [f for group in payload.get("filterGroups", []) for f in group.get("filters", [])]
        with state.lock:
            matches = [cid for cid, rec in state.hubspot_contacts.items()
                       if all(_matches(contact_json(cid)["properties"], f) for f in filters)]
            results = [contact_json(cid) for cid in matches]
        return _page(results, payload)

    @router.post("")
    async def create(request: Request):
        properties = (await request.json()).get("properties") or {}
        with state.lock:
            if not properties.get("lifecyclestage"):
                return validation_error("Required property missing: lifecyclestage")
            if properties.get("email") and (existing := find("email", properties["email"])):
                return JSONResponse({"status": "error", "category": "CONFLICT",
                                     "message": f"Contact already exists. Existing ID: {existing}"}, status_code=409)
            contact_id, _ = write(None, properties)
            return JSONResponse(contact_json(contact_id), status_code=201)

    @router.get("/{contact_id}")
    async def get(contact_id: str):
        with state.lock:
            if contact_id not in state.hubspot_contacts:
                return not_found()
            return contact_json(contact_id)

    @router.delete("/{contact_id}")
    async def archive(contact_id: str):
        with state.lock:
            if state.hubspot_contacts.pop(contact_id, None) is None:
                return not_found()
        return Response(status_code=204)

    @router.patch("/{contact_id}")
    async def patch(contact_id: str, request: Request):
        properties = (await request.json()).get("properties") or {}
        with state.lock:
            if contact_id not in state.hubspot_contacts:
                return not_found()
            write(contact_id, properties)
            return contact_json(contact_id)

    return router


def _companies(sb: Sandbox) -> APIRouter:
    router = APIRouter(prefix="/crm/v3/objects/companies")
    state = sb.state

    def companies() -> list[dict]:
        with state.lock:
            return [{"id": cid, "properties": {**rec["properties"], "hs_object_id": cid,
                                               "hs_lastmodifieddate": rec["updatedAt"]},
                     "createdAt": rec["updatedAt"], "updatedAt": rec["updatedAt"], "archived": False}
                    for cid, rec in state.hubspot_companies.items()]

    @router.get("")
    async def list_page(limit: int = 10, after: str | None = None):
        return _page(companies(), {"limit": limit, "after": after})

    @router.post("/search")
    async def search(request: Request):
        payload = await request.json()
        filters = [f for group in payload.get("filterGroups", []) for f in group.get("filters", [])]
        return _page([r for r in companies() if all(_matches(r["properties"], f) for f in filters)], payload)

    return router


def _matches(properties: dict, condition: dict) -> bool:
    """One search filter (EQ, or GT/GTE/LT/LTE as instants when both sides parse, as text otherwise)."""
    value = properties.get(condition["propertyName"])
    operator = condition.get("operator", "EQ")
    if operator == "EQ":
        return str(value or "").lower() == str(condition["value"]).lower()
    ops = {"GTE": lambda a, b: a >= b, "LT": lambda a, b: a < b, "GT": lambda a, b: a > b, "LTE": lambda a, b: a <= b}
    if operator not in ops or value is None:
        return False
    left, right = as_datetime(value), as_datetime(condition["value"])
    return ops[operator](left, right) if left and right else ops[operator](str(value), str(condition["value"]))


def _page(matches: list[dict], payload: dict) -> dict:
    """A search response page: `limit` results from the `after` cursor, with the next cursor if any."""
    limit, offset = int(payload.get("limit", 10)), int(payload.get("after") or 0)
    body = {"total": len(matches), "results": matches[offset:offset + limit]}
    if offset + limit < len(matches):
        body["paging"] = {"next": {"after": str(offset + limit)}}
    return body
