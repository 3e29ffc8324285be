"""The sandbox HTTP app: HubSpot CRM v3 contacts, Salesforce REST, CallRail v3, Gmail API v1 messages,
Dialpad v2 calls, and /_sandbox controls."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, Response

from leadline.sandbox.state import SERVICES, Faults, SandboxState

SF_VERSION_PATH = r"/services/data/v{version}"
HUBSPOT_BATCH_LIMIT = 100
SALESFORCE_COMPOSITE_LIMIT = 200


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class Sandbox:
    def __init__(self, state: SandboxState, tokens: dict[str, str]):
        self.state = state
        self.tokens = tokens

    async def gate(self, service: str, request: Request) -> Response | None:
        """Journal the request, check auth, then inject the configured fault (if any)."""
        body = await request.body()
        with self.state.lock:
            self.state.journal.append({"service": service, "method": request.method, "path": request.url.path,
                                       "query": str(request.url.query), "at": _now(), "bytes": len(body)})
            faults = self.state.faults[service]
            fault = faults.draw(self.state.rng)
            latency = faults.latency_ms
        if latency:
            await asyncio.sleep(latency / 1000)
        auth = request.headers.get("authorization", "")
        expected = {"hubspot": f"Bearer {self.tokens['hubspot']}", "salesforce": f"Bearer {self.tokens['salesforce']}",
                    "callrail": f'Token token="{self.tokens["callrail"]}"', "gmail": f"Bearer {self.tokens['gmail']}",
                    "dialpad": f"Bearer {self.tokens['dialpad']}"}[service]
        if auth != expected and auth != expected.replace('"', ""):
            return self.unauthorized(service)
        if fault == "timeout":
            await asyncio.sleep(30)
            return JSONResponse({"message": "gateway timeout"}, status_code=504)
        if fault == "5xx":
            return JSONResponse({"status": "error", "message": "internal error", "category": "INTERNAL_ERROR"},
                                status_code=502 if service == "hubspot" else 503)
        if fault == "429":
            return self.rate_limited(service, faults.retry_after_s)
        return None

    @staticmethod
    def unauthorized(service: str) -> JSONResponse:
        if service == "hubspot":
            return JSONResponse({"status": "error", "message": "Authentication credentials not found.",
                                 "category": "INVALID_AUTHENTICATION"}, status_code=401)
        if service == "salesforce":
            return JSONResponse([{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}],
                                status_code=401)
        return JSONResponse({"error": "HTTP Token: Access denied."}, status_code=401)

    @staticmethod
    def rate_limited(service: str, retry_after_s: float) -> JSONResponse:
        if service == "hubspot":
            return JSONResponse(
                {"status": "error", "message": "You have reached your secondly limit.", "errorType": "RATE_LIMIT",
                 "category": "RATE_LIMITS"}, status_code=429,
                headers={"Retry-After": f"{retry_after_s:g}", "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
                         "X-HubSpot-RateLimit-Max": "100", "X-HubSpot-RateLimit-Remaining": "0"})
        if service == "salesforce":
            return JSONResponse([{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}],
                                status_code=403)
        return JSONResponse({"error": "API rate limit exceeded"}, status_code=429,
                            headers={"Retry-After": f"{retry_after_s:g}"})


def hubspot_router(sb: Sandbox) -> APIRouter:
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
        now = _now()
        if contact_id is None:
            contact_id = state.new_id()
            state.hubspot_contacts[contact_id] = {"properties": {}, "createdAt": now, "updatedAt": now}
            created = True
        else:
            created = False
        record = state.hubspot_contacts[contact_id]
        record["properties"].update({k: ("" if v is None else str(v)) for k, v in properties.items()})
        record["updatedAt"] = now
        return contact_id, created

    @router.post("/batch/upsert")
    async def batch_upsert(request: Request):
        if (blocked := await sb.gate("hubspot", request)) is not None:
            return blocked
        payload = await request.json()
        inputs = payload.get("inputs")
        if not isinstance(inputs, list) or not inputs:
            return validation_error("inputs must be a non-empty list")
        if len(inputs) > HUBSPOT_BATCH_LIMIT:
            return validation_error(f"Batch size {len(inputs)} exceeds the limit of {HUBSPOT_BATCH_LIMIT}")
        started = _now()
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
        return {"status": "COMPLETE", "results": results, "startedAt": started, "completedAt": _now()}

    @router.post("/search")
    async def search(request: Request):
        if (blocked := await sb.gate("hubspot", request)) is not None:
            return blocked
        payload = await request.json()
        filters = [f for group in payload.get("filterGroups", []) for f in group.get("filters", [])]
        with state.lock:
            matches = [cid for cid, rec in state.hubspot_contacts.items()
                       if all(_hubspot_filter(contact_json(cid)["properties"], f) for f in filters)]
            results = [contact_json(cid) for cid in matches]
        return _hubspot_page(results, payload)

    @router.post("")
    async def create(request: Request):
        if (blocked := await sb.gate("hubspot", request)) is not None:
            return blocked
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
    async def get(contact_id: str, request: Request):
        if (blocked := await sb.gate("hubspot", request)) is not None:
            return blocked
        with state.lock:
            if contact_id not in state.hubspot_contacts:
                return not_found()
            return contact_json(contact_id)

    @router.patch("/{contact_id}")
    async def patch(contact_id: str, request: Request):
        if (blocked := await sb.gate("hubspot", request)) is not None:
            return blocked
        properties = (await request.json()).get("properties") or {}
        with state.lock:
            if contact_id not in state.hubspot_contacts:
                return not_found()
            write(contact_id, properties)
            return contact_json(contact_id)

    return router


def _hubspot_filter(properties: dict, condition: dict) -> bool:
    value = properties.get(condition["propertyName"])
    operator = condition.get("operator", "EQ")
    if operator == "EQ":
        return str(value or "").lower() == str(condition["value"]).lower()
    ops = {"GTE": lambda a, b: a >= b, "LT": lambda a, b: a < b, "GT": lambda a, b: a > b, "LTE": lambda a, b: a <= b}
    if operator not in ops or value is None:
        return False
    left, right = _as_datetime(value), _as_datetime(condition["value"])
    return ops[operator](left, right) if left and right else ops[operator](str(value), str(condition["value"]))


def _hubspot_page(matches: list[dict], payload: dict) -> dict:
    """A search response page: `limit` results from the `after` cursor, with the next cursor if any."""
    limit, offset = int(payload.get("limit", 10)), int(payload.get("after") or 0)
    body = {"total": len(matches), "results": matches[offset:offset + limit]}
    if offset + limit < len(matches):
        body["paging"] = {"next": {"after": str(offset + limit)}}
    return body


def hubspot_companies_router(sb: Sandbox) -> APIRouter:
    router = APIRouter(prefix="/crm/v3/objects/companies")
    state = sb.state

    @router.post("/search")
    async def search(request: Request):
        if (blocked := await sb.gate("hubspot", request)) is not None:
            return blocked
        payload = await request.json()
        filters = [f for group in payload.get("filterGroups", []) for f in group.get("filters", [])]
        with state.lock:
            rows = [{"id": cid, "properties": {**rec["properties"], "hs_object_id": cid,
                                               "hs_lastmodifieddate": rec["updatedAt"]},
                     "createdAt": rec["updatedAt"], "updatedAt": rec["updatedAt"], "archived": False}
                    for cid, rec in state.hubspot_companies.items()]
        return _hubspot_page([r for r in rows if all(_hubspot_filter(r["properties"], f) for f in filters)],
                             payload)

    return router


SOQL = re.compile(r"^\s*SELECT\s+(?P<fields>.+?)\s+FROM\s+(?P<obj>\w+)(?:\s+WHERE\s+(?P<where>.+?))?"
                  r"(?:\s+ORDER\s+BY\s+(?P<order>\w+)(?:\s+(?P<dir>ASC|DESC))?)?(?:\s+LIMIT\s+(?P<limit>\d+))?\s*$",
                  re.IGNORECASE | re.DOTALL)
CONDITION = re.compile(r"^\s*(\w+)\s*(=|!=|>=|<=|>|<)\s*('(?:[^'\\]|\\.)*'|[\w:.+-]+)\s*$")


def _soql_value(raw: str) -> Any:
    if raw.startswith("'"):
        return raw[1:-1].replace("\\'", "'")
    if raw.lower() in ("null",):
        return None
    return raw


def _as_datetime(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def _compare(left: Any, op: str, right: Any) -> bool:
    if left is None or right is None:
        return (left == right) if op == "=" else (left != right) if op == "!=" else False
    left_dt, right_dt = _as_datetime(left), _as_datetime(right)
    if left_dt is not None and right_dt is not None and left_dt.tzinfo and right_dt.tzinfo:
        left, right = left_dt, right_dt  # SOQL datetime literals compare as instants
    else:
        left, right = str(left), str(right)
    return {"=": left == right, "!=": left != right, ">": left > right, "<": left < right,
            ">=": left >= right, "<=": left <= right}[op]


def salesforce_router(sb: Sandbox) -> APIRouter:
    router = APIRouter()
    state = sb.state

    def objects(sobject: str) -> dict[str, dict]:
        return state.salesforce.setdefault(sobject, {})

    def error(status: int, code: str, message: str, **extra) -> JSONResponse:
        return JSONResponse([{"message": message, "errorCode": code, **extra}], status_code=status)

    def duplicate_of(sobject: str, fields: dict, exclude_id: str | None) -> str | None:
        for record_id, record in objects(sobject).items():
            if record_id == exclude_id:
                continue
            for key in ("Email", "Phone"):
                if fields.get(key) and str(record.get(key, "")).lower() == str(fields[key]).lower():
                    return record_id
        return None

    def allow_duplicates(request: Request) -> bool:
        header = request.headers.get("sforce-duplicate-rule-header", "").replace(" ", "").lower()
        return "allowsave=true" in header

    def save(sobject: str, ext_field: str | None, ext_value: str | None, fields: dict,
             allow_dup: bool) -> tuple[dict, int]:
        """One record's upsert; returns (result, status) in the shapes Salesforce uses."""
        table = objects(sobject)
        existing = None
        if ext_field:
            matches = [rid for rid, rec in table.items() if rec.get(ext_field) == ext_value]
            if len(matches) > 1:
                return ({"errorCode": "DUPLICATE_EXTERNAL_ID", "message": f"multiple records match {ext_field}"},
                        300)
            existing = matches[0] if matches else None
        if sobject == "Lead" and existing is None and not (fields.get("LastName") and fields.get("Company")):
            return {"errorCode": "REQUIRED_FIELD_MISSING", "message": "Required fields are missing: [LastName, "
                    "Company]", "fields": ["LastName", "Company"]}, 400
        if not allow_dup and (dup := duplicate_of(sobject, fields, existing)):
            return {"errorCode": "DUPLICATES_DETECTED", "message": "Use one of these records?",
                    "duplicateResult": {"matchResults": [{"matchRecords": [{"record": {"Id": dup}}]}]}}, 400
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")
        if existing is None:
            existing = state.new_id({"Lead": "00Q", "Account": "001", "Contact": "003"}.get(sobject, "a00") +
                                    "000000000")
            table[existing] = {"Id": existing, "CreatedDate": now}
            created = True
        else:
            created = False
        table[existing].update({k: v for k, v in fields.items() if k not in ("Id", "attributes")})
        if ext_field:
            table[existing][ext_field] = ext_value
        table[existing]["SystemModstamp"] = now
        table[existing]["LastModifiedDate"] = now
        return {"id": existing, "success": True, "errors": [], "created": created}, 201 if created else 200

    base = "/services/data/v{version}"

    @router.patch(base + "/sobjects/{sobject}/{ext_field}/{ext_value}")
    async def upsert(version: str, sobject: str, ext_field: str, ext_value: str, request: Request):
        if (blocked := await sb.gate("salesforce", request)) is not None:
            return blocked
        fields = await request.json()
        with state.lock:
            result, status = save(sobject, ext_field, ext_value, fields, allow_duplicates(request))
        if status >= 300:
            return JSONResponse([result], status_code=status)
        return JSONResponse(result, status_code=status)  # API v46+: 200 with the id on update

    @router.patch(base + "/composite/sobjects/{sobject}/{ext_field}")
    async def composite_upsert(version: str, sobject: str, ext_field: str, request: Request):
        if (blocked := await sb.gate("salesforce", request)) is not None:
            return blocked
        payload = await request.json()
        records = payload.get("records") or []
        if len(records) > SALESFORCE_COMPOSITE_LIMIT:
            return error(400, "EXCEEDED_ID_LIMIT", f"record limit exceeded. Limit is {SALESFORCE_COMPOSITE_LIMIT}")
        all_or_none = bool(payload.get("allOrNone"))
        allow_dup = allow_duplicates(request)
        with state.lock:
            snapshot = {rid: dict(rec) for rid, rec in objects(sobject).items()}
            results = []
            for record in records:
                if (record.get("attributes") or {}).get("type") != sobject:
                    results.append({"success": False, "errors": [{"statusCode": "INVALID_TYPE",
                                                                   "message": "attributes.type must match"}]})
                    continue
                result, status = save(sobject, ext_field, record.get(ext_field), record, allow_dup)
                if status >= 300:
                    results.append({"success": False, "errors": [{"statusCode": result["errorCode"],
                                                                   "message": result["message"]}]})
                else:
                    results.append(result)
            if all_or_none and not all(r["success"] for r in results):
                state.salesforce[sobject] = snapshot
                results = [r if not r["success"] else {"success": False, "errors": [
                    {"statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK", "message": "Record rolled back"}]}
                    for r in results]
        return results

    @router.get(base + "/sobjects/{sobject}/{record_id}")
    async def get(version: str, sobject: str, record_id: str, request: Request):
        if (blocked := await sb.gate("salesforce", request)) is not None:
            return blocked
        with state.lock:
            record = objects(sobject).get(record_id)
        if record is None:
            return error(404, "NOT_FOUND", "The requested resource does not exist")
        return {"attributes": {"type": sobject}, **record}

    @router.get(base + "/query")
    async def query(version: str, q: str, request: Request):
        if (blocked := await sb.gate("salesforce", request)) is not None:
            return blocked
        match = SOQL.match(q)
        if not match:
            return error(400, "MALFORMED_QUERY", "unexpected token")
        fields = [f.strip() for f in match["fields"].split(",")]
        conditions = []
        for clause in re.split(r"\s+AND\s+", match["where"] or "", flags=re.IGNORECASE) if match["where"] else []:
            cond = CONDITION.match(clause)
            if not cond:
                return error(400, "MALFORMED_QUERY", f"unsupported condition: {clause}")
            conditions.append((cond[1], cond[2], _soql_value(cond[3])))
        with state.lock:
            rows = [r for r in objects(match["obj"]).values()
                    if all(_compare(r.get(f), op, v) for f, op, v in conditions)]
        if match["order"]:
            rows.sort(key=lambda r: str(r.get(match["order"], "")), reverse=(match["dir"] or "").upper() == "DESC")
        if match["limit"]:
            rows = rows[: int(match["limit"])]
        records = [{"attributes": {"type": match["obj"]}, **{f: r.get(f) for f in fields}} for r in rows]
        return {"totalSize": len(records), "done": True, "records": records}

    @router.post("/services/oauth2/token")
    async def token(request: Request):
        form = await request.form()
        if form.get("client_secret") != sb.tokens["salesforce_client_secret"]:
            return JSONResponse({"error": "invalid_client", "error_description": "invalid client credentials"},
                                status_code=400)
        return {"access_token": sb.tokens["salesforce"], "instance_url": str(request.base_url).rstrip("/"),
                "token_type": "Bearer", "issued_at": str(int(datetime.now(UTC).timestamp() * 1000))}

    return router


def callrail_router(sb: Sandbox) -> APIRouter:
    router = APIRouter(prefix="/v3/a/{account_id}")
    state = sb.state

    @router.get("/calls.json")
    async def calls(account_id: str, request: Request, page: int = 1, per_page: int = 100,
                    start_date: str | None = None, end_date: str | None = None):
        if (blocked := await sb.gate("callrail", request)) is not None:
            return blocked
        per_page = max(1, min(per_page, 250))
        with state.lock:
            rows = [c for c in state.callrail_calls.get(account_id, [])
                    if (start_date is None or c["start_time"] >= start_date)
                    and (end_date is None or c["start_time"] < end_date)]
        rows.sort(key=lambda c: c["start_time"])
        total_pages = max(1, -(-len(rows) // per_page))
        return {"page": page, "per_page": per_page, "total_pages": total_pages, "total_records": len(rows),
                "calls": rows[(page - 1) * per_page: page * per_page]}

    @router.get("/calls/{call_id}.json")
    async def call(account_id: str, call_id: str, request: Request):
        if (blocked := await sb.gate("callrail", request)) is not None:
            return blocked
        with state.lock:
            for row in state.callrail_calls.get(account_id, []):
                if row["id"] == call_id:
                    return row
        raise HTTPException(404, "Call not found")

    @router.get("/calls/{call_id}/recording.json")
    async def recording(account_id: str, call_id: str, request: Request):
        if (blocked := await sb.gate("callrail", request)) is not None:
            return blocked
        if call_id not in state.recordings:
            raise HTTPException(404, "Recording not found")
        return {"url": str(request.base_url) + f"_sandbox/recordings/{call_id}"}

    return router


def gmail_router(sb: Sandbox) -> APIRouter:
    router = APIRouter(prefix="/gmail/v1/users/{user_id}/messages")
    state = sb.state

    @router.get("")
    async def list_messages(user_id: str, request: Request, q: str = "", pageToken: str | None = None,  # noqa: N803
                            maxResults: int = 100):  # noqa: N803
        if (blocked := await sb.gate("gmail", request)) is not None:
            return blocked
        bounds = dict(re.findall(r"(after|before):(\d+)", q))
        with state.lock:
            rows = [m for m in state.gmail.get(user_id, [])
                    if int(m["internalDate"]) // 1000 >= int(bounds.get("after", 0))
                    and int(m["internalDate"]) // 1000 < int(bounds.get("before", 2**40))]
        rows.sort(key=lambda m: m["internalDate"], reverse=True)
        start = int(pageToken or 0)
        page = rows[start:start + maxResults]
        body = {"messages": [{"id": m["id"], "threadId": m["threadId"]} for m in page],
                "resultSizeEstimate": len(rows)}
        if start + maxResults < len(rows):
            body["nextPageToken"] = str(start + maxResults)
        return body

    @router.get("/{message_id}")
    async def get_message(user_id: str, message_id: str, request: Request):
        if (blocked := await sb.gate("gmail", request)) is not None:
            return blocked
        with state.lock:
            for message in state.gmail.get(user_id, []):
                if message["id"] == message_id:
                    return message
        return JSONResponse({"error": {"code": 404, "message": "Requested entity was not found."}},
                            status_code=404)

    return router


def dialpad_router(sb: Sandbox) -> APIRouter:
    router = APIRouter(prefix="/api/v2")
    state = sb.state

    @router.get("/call")
    async def calls(request: Request, started_after: int = 0, started_before: int = 2**62, cursor: str | None = None,
                    limit: int = 50):
        if (blocked := await sb.gate("dialpad", request)) is not None:
            return blocked
        with state.lock:
            rows = sorted((c for c in state.dialpad_calls
                           if started_after <= int(c["date_started"]) < started_before),
                          key=lambda c: int(c["date_started"]))
        start = int(cursor or 0)
        body = {"items": rows[start:start + limit]}
        if start + limit < len(rows):
            body["cursor"] = str(start + limit)
        return body

    return router


def control_router(state: SandboxState) -> APIRouter:
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


DEFAULT_TOKENS = {"hubspot": "sandbox-hubspot-token", "salesforce": "sandbox-salesforce-session",
                  "salesforce_client_secret": "sandbox-sf-secret", "callrail": "sandbox-callrail-key",
                  "gmail": "sandbox-gmail-token", "dialpad": "sandbox-dialpad-key"}


def create_sandbox_app(state: SandboxState | None = None, tokens: dict[str, str] | None = None) -> FastAPI:
    state = state or SandboxState()
    sandbox = Sandbox(state, {**DEFAULT_TOKENS, **(tokens or {})})
    app = FastAPI(title="Leadline sandbox", description="HubSpot, Salesforce and CallRail emulator")
    app.state.sandbox = state
    app.include_router(hubspot_router(sandbox))
    app.include_router(hubspot_companies_router(sandbox))
    app.include_router(salesforce_router(sandbox))
    app.include_router(callrail_router(sandbox))
    app.include_router(gmail_router(sandbox))
    app.include_router(dialpad_router(sandbox))
    app.include_router(control_router(state))
    return app
