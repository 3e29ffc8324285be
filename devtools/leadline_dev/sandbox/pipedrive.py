"""Pipedrive API v1 emulator: persons (search, create, update, delete, list, their activities), activities (create,
update, delete) and the token's own user; answers in Pipedrive's envelope ({"success", "data"}, errors as
{"success": false, "error", "errorCode"})."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from leadline_dev.sandbox.common import Sandbox, now

SERVICE = "pipedrive"
ACTIVITY_TYPES = ("call", "meeting", "task", "deadline", "email", "lunch")


def _ok(data: Any, status: int = 200) -> JSONResponse:
    return JSONResponse({"success": True, "data": data}, status_code=status)


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"success": False, "error": message, "errorCode": status}, status_code=status)


def _values(field: Any) -> list[str]:
    """A person's phone or email: Pipedrive takes a string or a list of {"value", "primary", "label"}."""
    items = field if isinstance(field, list) else [field] if field else []
    return [str(item.get("value") if isinstance(item, dict) else item) for item in items]


def _insert(state, collection: str, body: dict) -> dict:
    """A new record with Pipedrive's numeric id and timestamps (call with the lock held)."""
    record_id = int(state.new_id())
    record = {**body, "id": record_id, "add_time": now(), "update_time": now()}
    state.collection(SERVICE, collection)[str(record_id)] = record
    return record


def _delete(state, collection: str, record_id: str) -> JSONResponse:
    with state.lock:
        if state.collection(SERVICE, collection).pop(record_id, None) is None:
            return _error(404, f"{collection[:-1].title()} not found")
    return _ok({"id": int(record_id)})


def router(sb: Sandbox) -> APIRouter:
    pipedrive = APIRouter(prefix="/v1", dependencies=[sb.gate(SERVICE)])
    state = sb.state

    @pipedrive.get("/users/me")
    async def me():
        return _ok({"id": 1, "name": "Sandbox user", "company_domain": "sandbox"})

    pipedrive.include_router(_persons(sb))

    @pipedrive.post("/activities")
    async def create_activity(request: Request):
        body = await request.json()
        with state.lock:
            problem = _invalid_activity(body, state.collection(SERVICE, "persons"))
            if problem:
                return _error(400, problem)
            return _ok(_insert(state, "activities", body), 201)

    @pipedrive.put("/activities/{activity_id}")
    async def update_activity(activity_id: str, request: Request):
        body = await request.json()
        with state.lock:
            activities = state.collection(SERVICE, "activities")
            if activity_id not in activities:
                return _error(404, "Activity not found")
            merged = {**activities[activity_id], **body}
            problem = _invalid_activity(merged, state.collection(SERVICE, "persons"))
            if problem:
                return _error(400, problem)
            activities[activity_id] = {**merged, "update_time": now()}
            return _ok(activities[activity_id])

    @pipedrive.delete("/activities/{activity_id}")
    async def delete_activity(activity_id: str):
        return _delete(state, "activities", activity_id)

    return pipedrive


def _invalid_activity(body: dict, persons: dict) -> str | None:
    if not body.get("subject"):
        return "Subject is required"
    if body.get("type") not in ACTIVITY_TYPES:
        return f"Activity type {body.get('type')!r} does not exist"
    if str(body.get("person_id")) not in persons:
        return "Person not found"
    return None


def _persons(sb: Sandbox) -> APIRouter:
    router = APIRouter(prefix="/persons")
    state = sb.state

    @router.get("/search")
    async def search(term: str, fields: str = "name,phone,email", exact_match: bool = False, limit: int = 100):
        wanted = term.lower()
        with state.lock:
            items = [{"result_score": 1.0, "item": {"id": int(pid), "name": person.get("name")}}
                     for pid, person in state.collection(SERVICE, "persons").items()
                     if any((value.lower() == wanted) if exact_match else (wanted in value.lower())
                            for field in fields.split(",") for value in _values(person.get(field)))]
        return _ok({"items": items[:limit]})

    @router.get("")
    async def list_persons(start: int = 0, limit: int = 100):
        with state.lock:
            persons = list(state.collection(SERVICE, "persons").values())
        page = persons[start:start + limit]
        more = start + limit < len(persons)
        return JSONResponse({"success": True, "data": page, "additional_data": {"pagination": {
            "start": start, "limit": limit, "more_items_in_collection": more,
            **({"next_start": start + limit} if more else {})}}})

    @router.post("")
    async def create_person(request: Request):
        body = await request.json()
        if not body.get("name"):
            return _error(400, "Name must be given.")
        with state.lock:
            return _ok(_insert(state, "persons", body), 201)

    @router.put("/{person_id}")
    async def update_person(person_id: str, request: Request):
        body = await request.json()
        if "name" in body and not body["name"]:
            return _error(400, "Name must be given.")
        with state.lock:
            persons = state.collection(SERVICE, "persons")
            if person_id not in persons:
                return _error(404, "Person not found")
            persons[person_id] = {**persons[person_id], **body, "update_time": now()}
            return _ok(persons[person_id])

    @router.delete("/{person_id}")
    async def delete_person(person_id: str):
        return _delete(state, "persons", person_id)

    @router.get("/{person_id}/activities")
    async def person_activities(person_id: str, start: int = 0, limit: int = 100):
        with state.lock:
            if person_id not in state.collection(SERVICE, "persons"):
                return _error(404, "Person not found")
            mine = [a for a in state.collection(SERVICE, "activities").values() if str(a.get("person_id")) == person_id]
        return _ok(mine[start:start + limit] or None)

    return router
