"""Salesforce REST emulator: sObject upsert by external id, composite upsert, read, a small SOQL subset,
and the OAuth client-credentials token (the one route outside the gate)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from leadline_dev.sandbox.common import Sandbox, as_datetime

SALESFORCE_COMPOSITE_LIMIT = 200
SOQL = re.compile(r"^\s*SELECT\s+(?P<fields>.+?)\s+FROM\s+(?P<obj>\w+)(?:\s+WHERE\s+(?P<where>.+?))?"
                  r"(?:\s+ORDER\s+BY\s+(?P<order>\w+)(?:\s+(?P<dir>ASC|DESC))?)?(?:\s+LIMIT\s+(?P<limit>\d+))?\s*$",
                  re.IGNORECASE | re.DOTALL)
CONDITION = re.compile(r"^\s*(\w+)\s*(=|!=|>=|<=|>|<)\s*('(?:[^'\\]|\\.)*'|[\w:.+-]+)\s*$")


def router(sb: Sandbox) -> APIRouter:
    salesforce = APIRouter()
    salesforce.include_router(_data(sb))

    @salesforce.post("/services/oauth2/token")
    async def token(request: Request):
        form = await request.form()
        if form.get("client_secret") != sb.tokens["salesforce_client_secret"]:
            return JSONResponse({"error": "invalid_client", "error_description": "invalid client credentials"},
                                status_code=400)
        return {"access_token": sb.tokens["salesforce"], "instance_url": str(request.base_url).rstrip("/"),
                "token_type": "Bearer", "issued_at": str(int(datetime.now(UTC).timestamp() * 1000))}

    return salesforce


def _data(sb: Sandbox) -> APIRouter:
    router = APIRouter(prefix="/services/data/v{version}", dependencies=[sb.gate("salesforce")])
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

    def task_problem(current: dict, fields: dict) -> dict | None:
        """A Task needs a Subject and, for a call, a WhoId naming an existing Lead (00Q) or Contact (003)."""
        merged = {**current, **fields}
        missing = [f for f in ("Subject", "WhoId") if not merged.get(f)]
        if missing:
            return {"errorCode": "REQUIRED_FIELD_MISSING", "message": f"Required fields are missing: {missing}",
                    "fields": missing}
        who = str(merged["WhoId"])
        if not any(who in objects(kind) for kind in ("Lead", "Contact")):
            return {"errorCode": "INVALID_CROSS_REFERENCE_KEY", "message": "Name ID: id value of incorrect type",
                    "fields": ["WhoId"]}
        if merged.get("TaskSubtype") not in (None, "Task", "Email", "Call", "ListEmail", "Cadence"):
            return {"errorCode": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                    "message": "Task Subtype: bad value for restricted picklist field", "fields": ["TaskSubtype"]}
        if merged.get("CallType") not in (None, "Inbound", "Outbound", "Internal"):
            return {"errorCode": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                    "message": "Call Type: bad value for restricted picklist field", "fields": ["CallType"]}
        return None

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
        if sobject == "Task" and (problem := task_problem(table.get(existing) or {}, fields)):
            return problem, 400
        if not allow_dup and (dup := duplicate_of(sobject, fields, existing)):
            return {"errorCode": "DUPLICATES_DETECTED", "message": "Use one of these records?",
                    "duplicateResult": {"matchResults": [{"matchRecords": [{"record": {"Id": dup}}]}]}}, 400
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")
        if existing is None:
            prefix = {"Lead": "00Q", "Account": "001", "Contact": "003", "Task": "00T"}.get(sobject, "a00")
            existing = state.new_id(prefix + "000000000")
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

    @router.patch("/sobjects/{sobject}/{ext_field}/{ext_value}")
    async def upsert(version: str, sobject: str, ext_field: str, ext_value: str, request: Request):
        fields = await request.json()
        with state.lock:
            result, status = save(sobject, ext_field, ext_value, fields, allow_duplicates(request))
        if status >= 300:
            return JSONResponse([result], status_code=status)
        return JSONResponse(result, status_code=status)  # API v46+: 200 with the id on update

    @router.patch("/composite/sobjects/{sobject}/{ext_field}")
    async def composite_upsert(version: str, sobject: str, ext_field: str, request: Request):
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

    @router.get("/sobjects/{sobject}/{record_id}")
    async def get(version: str, sobject: str, record_id: str):
        with state.lock:
            record = objects(sobject).get(record_id)
        if record is None:
            return error(404, "NOT_FOUND", "The requested resource does not exist")
        return {"attributes": {"type": sobject}, **record}

    @router.delete("/sobjects/{sobject}/{record_id}")
    async def delete(version: str, sobject: str, record_id: str):
        with state.lock:
            if objects(sobject).pop(record_id, None) is None:
                return error(404, "NOT_FOUND", "The requested resource does not exist")
        return Response(status_code=204)

    @router.get("/query")
    async def query(version: str, q: str):
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

    return router


def _soql_value(raw: str) -> Any:
    if raw.startswith("'"):
        return raw[1:-1].replace("\\'", "'")
    if raw.lower() in ("null",):
        return None
    return raw


def _compare(left: Any, op: str, right: Any) -> bool:
    if left is None or right is None:
        return (left == right) if op == "=" else (left != right) if op == "!=" else False
    left_dt, right_dt = as_datetime(left), as_datetime(right)
    if left_dt is not None and right_dt is not None and left_dt.tzinfo and right_dt.tzinfo:
        left, right = left_dt, right_dt  # SOQL datetime literals compare as instants
    else:
        left, right = str(left), str(right)
    return {"=": left == right, "!=": left != right, ">": left > right, "<": left < right,
            ">=": left >= right, "<=": left <= right}[op]
