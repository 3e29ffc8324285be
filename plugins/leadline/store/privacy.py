"""Erasure of one person's data within one tenant (`leadline privacy erase`): every table of the tenant is read,
every row that mentions the person's phone or email (domain.privacy.Person) is removed or anonymised, and so is
what hangs off it (a call's sync log, alerts, entity matches; an email's message).

What happens per table:
- call_records: anonymised, the row kept (so CallRail's redelivery of the call stays a duplicate): caller and
  customer fields, recording URL and path, transcript, segments, analysis, embedding, raw payload and the CRM ids
  cleared; duration, timestamps, class, score and status kept for the tenant's numbers; purged_at set;
- processing_requests of those calls: the error text cleared; crm_sync_log of those calls: deleted;
- alerts about those calls (dedupe key ends with the call id) or mentioning the person: message replaced;
- entity_matches of those calls, of the person's messages and Dialpad calls, or to their CRM contacts: deleted;
- sf_contacts, hubspot_contacts, manual_mappings, gmail_participants mentioning the person: deleted;
- gmail_messages in the person's own mailbox: deleted with their participants; messages they took part in or
  that mention them: subject, snippet, body and embedding cleared;
- dialpad_calls mentioning the person: participants, transcript and embedding cleared;
- any other table of the tenant (tenant_members, ...): matching rows deleted. The tenant's own config is not
  personal data and is left alone.

The CRM records found (contacts, leads, call engagements, tasks), and the CallRail calls (which keep their own
recording), are returned and recorded so they can be deleted there. The erasure itself is recorded in
privacy_erasures without the phone or email. Idempotent: a second run finds nothing and records an erasure with
zero counts. Tenant-first: nothing outside the tenant is read.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, and_, delete, select, update

from leadline.domain.privacy import Person
from leadline.store import schema
from leadline.store.schema import (
    alerts,
    call_crm_links,
    call_records,
    contact_reviews,
    crm_sync_log,
    dialpad_calls,
    entity_matches,
    gmail_messages,
    gmail_participants,
    hubspot_contacts,
    manual_mappings,
    privacy_erasures,
    processing_requests,
    sf_contacts,
    tenants,
)

# call_records columns an erasure keeps: keys, timings, class, score, status (no personal data)
CALL_COLUMNS_KEPT = {"tenant_id", "call_id", "resource_id", "duration_s", "answered", "started_at", "created_at",
                     "updated_at", "purged_at", "lead_score", "lead_status", "call_class", "transcript_language",
                     "transcript_confidence"}
_NOT_SCANNED = {tenants.name, privacy_erasures.name}
ERASED = "[erased]"


@dataclass
class ErasurePlan:
    tenant_id: str
    person_kind: str
    calls: list[str] = field(default_factory=list)
    recordings: list[str] = field(default_factory=list)  # stored recording paths of those calls
    crm_records: list[dict] = field(default_factory=list)  # {"crm", "object", "id"}
    # table name -> list of (primary key dict, action, values) ; action "delete" | "update"
    changes: dict[str, list[tuple[dict, str, dict]]] = field(default_factory=lambda: defaultdict(list))

    @property
    def counts(self) -> dict[str, int]:
        return {table: len(rows) for table, rows in sorted(self.changes.items()) if rows}


def _key(table, row: dict) -> dict:
    return {c.name: row[c.name] for c in table.primary_key.columns}


def _rows(conn, table, tenant_id: str) -> list[dict]:
    return [dict(r._mapping) for r in conn.execute(select(table).where(table.c.tenant_id == tenant_id))]


def _mentions(person: Person, table, row: dict) -> bool:
    return any(person.mentions(row[c.name]) for c in table.columns if c.name != "tenant_id")


def _crm_id(plan: ErasurePlan, crm: str, obj: str, record_id: Any) -> None:
    if record_id and not any(r["crm"] == crm and r["id"] == str(record_id) for r in plan.crm_records):
        plan.crm_records.append({"crm": crm, "object": obj, "id": str(record_id)})


def _cleared(table, row: dict, keep: set[str]) -> dict:
    """Every column not kept set to NULL (an empty JSON object/list where the column is NOT NULL)."""
    values = {}
    for column in table.columns:
        if column.name in keep or column.primary_key or row[column.name] is None:
            continue
        if column.nullable:
            values[column.name] = None
        else:
            values[column.name] = [] if isinstance(row[column.name], list) else (
                {} if isinstance(row[column.name], dict) else ERASED)
    return values


def plan_erasure(engine: Engine, tenant_id: str, person: Person) -> ErasurePlan:
    """What an erasure of `person` in `tenant_id` will change (reads only)."""
    plan = ErasurePlan(tenant_id, person.kind)
    with engine.connect() as conn:
        call_ids = _plan_calls(conn, plan, person)
        _plan_call_traces(conn, plan, person, call_ids)
        sf_ids = _plan_crm_contacts(conn, plan, person)
        message_ids = _plan_gmail(conn, plan, person)
        dialpad_ids = _plan_dialpad(conn, plan, person)
        sources = {("call", c) for c in call_ids} | {("gmail", m) for m in message_ids} | {
            ("dialpad", d) for d in dialpad_ids}
        _plan_entity_matches(conn, plan, person, sources, sf_ids)
        _plan_other_tables(conn, plan, person)
    return plan


def _plan_calls(conn, plan: ErasurePlan, person: Person) -> set[str]:
    """The person's calls, anonymised, with their recordings and CRM records; returns their ids."""
    calls = [r for r in _rows(conn, call_records, plan.tenant_id) if _mentions(person, call_records, r)]
    for row in calls:
        plan.calls.append(row["call_id"])
        if row["recording_path"]:
            plan.recordings.append(row["recording_path"])
        _crm_id(plan, "callrail", "call", row["resource_id"] or row["call_id"])  # its recording lives there too
        for column, value in row.items():
            if column.startswith(("hubspot_", "salesforce_")) and column.endswith("_id") and value:
                crm, obj = column.split("_", 1)
                _crm_id(plan, crm, obj[:-3], value)
        plan.changes[call_records.name].append(
            (_key(call_records, row), "update",
             {**_cleared(call_records, row, CALL_COLUMNS_KEPT), "purged_at": datetime.now(UTC)}))
    return {r["call_id"] for r in calls}


def _plan_call_traces(conn, plan: ErasurePlan, person: Person, call_ids: set[str]) -> None:
    """What hangs off those calls or mentions the person: request errors, sync log, alerts, contact reviews."""
    tenant_id = plan.tenant_id
    for row in _rows(conn, processing_requests, tenant_id):
        if (row["call_id"] in call_ids and row["error"]) or _mentions(person, processing_requests, row):
            plan.changes[processing_requests.name].append(
                (_key(processing_requests, row), "update", {"error": ERASED if row["error"] else None}))

    for row in _rows(conn, crm_sync_log, tenant_id):
        if row["call_id"] in call_ids or _mentions(person, crm_sync_log, row):
            _crm_id(plan, row["crm_type"], "record", row["record_id"])
            plan.changes[crm_sync_log.name].append((_key(crm_sync_log, row), "delete", {}))

    for row in _rows(conn, call_crm_links, tenant_id):  # the CRMs without runbook columns
        if row["call_id"] in call_ids:
            _crm_id(plan, row["crm_type"], "record", row["record_id"])
            _crm_id(plan, row["crm_type"], "engagement", row["engagement_id"])
            plan.changes[call_crm_links.name].append((_key(call_crm_links, row), "delete", {}))

    for row in _rows(conn, alerts, tenant_id):
        about_call = row["dedupe_key"].rsplit(":", 1)[-1] in call_ids
        if about_call or _mentions(person, alerts, row):
            values = {"message": ERASED}
            if person.mentions(row["dedupe_key"]):
                values["dedupe_key"] = f"erased:{row['alert_id']}"
            plan.changes[alerts.name].append((_key(alerts, row), "update", values))

    for row in _rows(conn, contact_reviews, tenant_id):  # what was heard on the call, and what it became
        if row["call_id"] in call_ids or _mentions(person, contact_reviews, row):
            plan.changes[contact_reviews.name].append((_key(contact_reviews, row), "delete", {}))


def _plan_crm_contacts(conn, plan: ErasurePlan, person: Person) -> set[str]:
    """The person's synced CRM contacts and manual mappings; returns their Salesforce contact ids."""
    sf_ids = set()
    for row in _rows(conn, sf_contacts, plan.tenant_id):
        if _mentions(person, sf_contacts, row):
            sf_ids.add(row["contact_id"])
            _crm_id(plan, "salesforce", "Contact", row["contact_id"])
            plan.changes[sf_contacts.name].append((_key(sf_contacts, row), "delete", {}))
    for row in _rows(conn, hubspot_contacts, plan.tenant_id):
        if _mentions(person, hubspot_contacts, row):
            _crm_id(plan, "hubspot", "contact", row["contact_id"])
            plan.changes[hubspot_contacts.name].append((_key(hubspot_contacts, row), "delete", {}))
    for row in _rows(conn, manual_mappings, plan.tenant_id):
        if row["contact_id"] in sf_ids or _mentions(person, manual_mappings, row):
            plan.changes[manual_mappings.name].append((_key(manual_mappings, row), "delete", {}))
    return sf_ids


def _plan_gmail(conn, plan: ErasurePlan, person: Person) -> set[str]:
    """The person's own mailbox deleted, other messages that involve them cleared; returns both sets' ids."""
    tenant_id = plan.tenant_id
    participants = _rows(conn, gmail_participants, tenant_id)
    own_messages, touched_messages = set(), set()
    for row in _rows(conn, gmail_messages, tenant_id):
        if person.mentions(row["mailbox"]):
            own_messages.add(row["message_id"])
            plan.changes[gmail_messages.name].append((_key(gmail_messages, row), "delete", {}))
    mentioned = {p["message_id"] for p in participants if _mentions(person, gmail_participants, p)}
    for row in _rows(conn, gmail_messages, tenant_id):
        if row["message_id"] not in own_messages and (row["message_id"] in mentioned
                                                      or _mentions(person, gmail_messages, row)):
            touched_messages.add(row["message_id"])
            plan.changes[gmail_messages.name].append(
                (_key(gmail_messages, row), "update", {"subject": None, "snippet": None, "body": None,
                                                       "embedding": None}))
    for row in participants:
        if row["message_id"] in own_messages or _mentions(person, gmail_participants, row):
            plan.changes[gmail_participants.name].append((_key(gmail_participants, row), "delete", {}))
    return own_messages | touched_messages


def _plan_dialpad(conn, plan: ErasurePlan, person: Person) -> set[str]:
    dialpad_ids = set()
    for row in _rows(conn, dialpad_calls, plan.tenant_id):
        if _mentions(person, dialpad_calls, row):
            dialpad_ids.add(row["call_id"])
            plan.changes[dialpad_calls.name].append(
                (_key(dialpad_calls, row), "update", {"participants": [], "transcript": None, "embedding": None}))
    return dialpad_ids


def _plan_entity_matches(conn, plan: ErasurePlan, person: Person, sources: set[tuple[str, str]],
                         sf_ids: set[str]) -> None:
    for row in _rows(conn, entity_matches, plan.tenant_id):
        if ((row["source_type"], row["source_id"]) in sources or row["contact_id"] in sf_ids
                or _mentions(person, entity_matches, row)):
            plan.changes[entity_matches.name].append((_key(entity_matches, row), "delete", {}))


# the tables the steps above plan for; every other table of the tenant is scanned by _plan_other_tables
_PLANNED = {call_records.name, processing_requests.name, crm_sync_log.name, call_crm_links.name, alerts.name,
            contact_reviews.name,
            sf_contacts.name, hubspot_contacts.name, manual_mappings.name, gmail_messages.name,
            gmail_participants.name, dialpad_calls.name, entity_matches.name}


def _plan_other_tables(conn, plan: ErasurePlan, person: Person) -> None:
    for table in schema.metadata.sorted_tables:
        if table.name in _PLANNED | _NOT_SCANNED or "tenant_id" not in table.c:
            continue
        for row in _rows(conn, table, plan.tenant_id):
            if _mentions(person, table, row):
                plan.changes[table.name].append((_key(table, row), "delete", {}))


def apply_erasure(engine: Engine, plan: ErasurePlan, requested_by: str,
                  crm_deleted: set[tuple[str, str, str]] = frozenset()) -> str:
    """Carries out the plan in one transaction and records it; returns the erasure id."""
    erasure_id = str(uuid.uuid4())
    tables = schema.metadata.tables
    with engine.begin() as conn:
        for table_name, changes in plan.changes.items():
            table = tables[table_name]
            for key, action, values in changes:
                where = and_(table.c.tenant_id == plan.tenant_id,
                             *(table.c[name] == value for name, value in key.items() if name != "tenant_id"))
                if action == "delete":
                    conn.execute(delete(table).where(where))
                elif values:
                    conn.execute(update(table).where(where).values(**values))
        conn.execute(privacy_erasures.insert().values(
            tenant_id=plan.tenant_id, erasure_id=erasure_id, requested_by=requested_by[:256],
            identifier_kind=plan.person_kind,
            counts={**plan.counts, "recordings": len(plan.recordings)},
            crm_records=[{**r, "deleted": (r["crm"], r["object"], r["id"]) in crm_deleted}
                         for r in plan.crm_records],
            erased_at=datetime.now(UTC)))
    return erasure_id


def list_erasures(engine: Engine, tenant_id: str) -> list[dict]:
    with engine.connect() as conn:
        rows = conn.execute(select(privacy_erasures).where(privacy_erasures.c.tenant_id == tenant_id)
                            .order_by(privacy_erasures.c.erased_at))
        return [dict(r._mapping) for r in rows]
