"""Sales intelligence: Salesforce sync over the data interval, CallRail reconciliation, entity
resolution and daily account scoring. Every run writes an etl_runs row per tenant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from leadline.operators.base import StoreOperator
from leadline.operators.ops import _interval_end

SOQL = {
    "Account": "SELECT Id, Name, Website, Industry, SystemModstamp FROM Account",
    "Contact": "SELECT Id, AccountId, FirstName, LastName, Email, Phone, SystemModstamp FROM Contact",
    "Opportunity": "SELECT Id, AccountId, Name, StageName, Amount, IsClosed, CloseDate, SystemModstamp "
                   "FROM Opportunity",
}


def _soql_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _sf_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _domain(website: str | None) -> str | None:
    if not website:
        return None
    host = website.lower().split("//")[-1].split("/")[0]
    return host.removeprefix("www.") or None


def _interval(context) -> tuple[datetime, datetime]:
    end = _interval_end(context)
    start = context.get("data_interval_start") or end - timedelta(days=1)
    return start, end


def _replace_rows(engine, table, tenant_id: str, key: str, rows: list[dict]) -> None:
    """Upsert by natural id: delete the ids present, insert them again, in one transaction."""
    from sqlalchemy import delete, insert

    if not rows:
        return
    with engine.begin() as conn:
        ids = [r[key] for r in rows]
        for start in range(0, len(ids), 500):
            conn.execute(delete(table).where(table.c.tenant_id == tenant_id, table.c[key].in_(ids[start:start + 500])))
        conn.execute(insert(table), [{"tenant_id": tenant_id, **r} for r in rows])


class SyncSalesforceOperator(StoreOperator):
    """Accounts, contacts and opportunities whose SystemModstamp falls in the run's data interval."""

    def execute(self, context) -> dict:
        from leadline.domain.normalize import e164
        from leadline.hooks.salesforce import LeadlineSalesforceHook
        from leadline.store.etl import etl_run
        from leadline.store.schema import sf_accounts, sf_contacts, sf_opportunities
        from leadline.store.tenants import list_tenants

        start, end = _interval(context)
        window = f" WHERE SystemModstamp >= {_soql_time(start)} AND SystemModstamp < {_soql_time(end)}"
        now = end  # synced_at is the interval's end, so a rerun of the same interval writes identical rows
        done: dict[str, int] = {}
        with self.engine.connect() as conn:
            tenants = list_tenants(conn)
        for tenant in tenants:
            connection_id = self._salesforce_connection(tenant.tenant_id)
            if connection_id is None:
                continue
            with etl_run(self.engine, tenant.tenant_id, "salesforce", context["run_id"]) as run:
                salesforce = LeadlineSalesforceHook(connection_id)
                fetched = {name: salesforce.query_all(soql + window) for name, soql in SOQL.items()}
                _replace_rows(self.engine, sf_accounts, tenant.tenant_id, "account_id", [{
                    "account_id": r["Id"], "name": r.get("Name"), "website": r.get("Website"),
                    "domain": _domain(r.get("Website")), "industry": r.get("Industry"),
                    "system_modstamp": _sf_time(r["SystemModstamp"]), "synced_at": now} for r in fetched["Account"]])
                _replace_rows(self.engine, sf_contacts, tenant.tenant_id, "contact_id", [{
                    "contact_id": r["Id"], "account_id": r.get("AccountId"), "first_name": r.get("FirstName"),
                    "last_name": r.get("LastName"), "email": r.get("Email"), "phone": r.get("Phone"),
                    "email_normalized": (r.get("Email") or "").strip().lower() or None,
                    "phone_e164": e164(r.get("Phone")), "system_modstamp": _sf_time(r["SystemModstamp"]),
                    "synced_at": now} for r in fetched["Contact"]])
                _replace_rows(self.engine, sf_opportunities, tenant.tenant_id, "opportunity_id", [{
                    "opportunity_id": r["Id"], "account_id": r.get("AccountId"), "name": r.get("Name"),
                    "stage_name": r.get("StageName"), "amount": r.get("Amount"), "is_closed": r.get("IsClosed"),
                    "close_date": _sf_time(r.get("CloseDate") and f"{r['CloseDate']}T00:00:00+00:00"),
                    "system_modstamp": _sf_time(r["SystemModstamp"]), "synced_at": now}
                    for r in fetched["Opportunity"]])
                run.rows_processed = sum(len(v) for v in fetched.values())
            done[tenant.tenant_id] = run.rows_processed
        self.log.info("salesforce rows synced per tenant: %s", done)
        return done

    def _salesforce_connection(self, tenant_id: str) -> str | None:
        from sqlalchemy import select

        from leadline.store.schema import crm_integrations

        with self.engine.connect() as conn:
            return conn.execute(select(crm_integrations.c.connection_id).where(
                crm_integrations.c.tenant_id == tenant_id, crm_integrations.c.crm_type == "salesforce",
                crm_integrations.c.status == "active")).scalar()


def full_name(first, last):
    from sqlalchemy import func

    return func.trim(func.coalesce(first, "") + " " + func.coalesce(last, ""))


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

    def _frames(self, t: str):
        import pandas as pd
        from sqlalchemy import literal, select, union_all

        from leadline.store.schema import (
            call_records,
            gmail_participants,
            hubspot_contacts,
            manual_mappings,
            sf_accounts,
            sf_contacts,
        )

        with self.engine.connect() as conn:
            calls = pd.read_sql(select(
                call_records.c.call_id.label("source_id"), call_records.c.customer_email.label("email"),
                call_records.c.customer_phone.label("phone"), call_records.c.customer_name.label("name"),
            ).where(call_records.c.tenant_id == t), conn)
            emails = pd.read_sql(select(gmail_participants.c.email.label("source_id"),
                                        gmail_participants.c.email.label("email"))
                                 .where(gmail_participants.c.tenant_id == t).distinct(), conn)
            salesforce = select(
                sf_contacts.c.contact_id, sf_contacts.c.account_id, sf_contacts.c.email, sf_contacts.c.phone,
                full_name(sf_contacts.c.first_name, sf_contacts.c.last_name).label("name"),
                sf_accounts.c.domain.label("account_domain"),
            ).select_from(sf_contacts.outerjoin(sf_accounts, (sf_accounts.c.tenant_id == sf_contacts.c.tenant_id)
                                                & (sf_accounts.c.account_id == sf_contacts.c.account_id))
                          ).where(sf_contacts.c.tenant_id == t)
            hubspot = select(
                (literal("hs:") + hubspot_contacts.c.contact_id).label("contact_id"), literal(None).label("account_id"),
                hubspot_contacts.c.email, hubspot_contacts.c.phone,
                full_name(hubspot_contacts.c.first_name, hubspot_contacts.c.last_name).label("name"),
                literal(None).label("account_domain"),
            ).where(hubspot_contacts.c.tenant_id == t)
            contacts = pd.read_sql(union_all(salesforce, hubspot), conn)
            manual = pd.read_sql(select(manual_mappings.c.identity, manual_mappings.c.contact_id)
                                 .where(manual_mappings.c.tenant_id == t), conn)
        emails["phone"], emails["name"] = None, None
        return {"call": calls, "gmail": emails}, contacts, manual

    def _resolve_tenant(self, t: str) -> tuple[dict[str, float | None], int]:
        from sqlalchemy import bindparam, delete, insert, update

        from leadline.domain.resolution import resolve
        from leadline.store.schema import entity_matches, gmail_participants

        people_by_source, contacts, manual = self._frames(t)
        now = datetime.now(UTC)
        rates, total = {}, 0
        for source_type, people in people_by_source.items():
            matches = resolve(people, contacts, manual)
            records = matches.astype(object).where(matches.notna(), None).to_dict("records")
            with self.engine.begin() as conn:
                conn.execute(delete(entity_matches).where(entity_matches.c.tenant_id == t,
                                                          entity_matches.c.source_type == source_type))
                if records:
                    conn.execute(insert(entity_matches), [
                        {"tenant_id": t, "source_type": source_type, "matched_at": now, **row} for row in records])
                if source_type == "gmail":
                    conn.execute(update(gmail_participants).where(gmail_participants.c.tenant_id == t)
                                 .values(sf_contact_id=None))
                    salesforce = [r for r in records if r["contact_id"] and not r["contact_id"].startswith("hs:")]
                    if salesforce:
                        conn.execute(update(gmail_participants).where(
                            gmail_participants.c.tenant_id == t, gmail_participants.c.email == bindparam("e"))
                            .values(sf_contact_id=bindparam("c")),
                            [{"e": r["source_id"], "c": r["contact_id"]} for r in salesforce])
            identifiable = people[people["email"].notna() | people["phone"].notna()]
            rates[source_type] = round(len(matches) / len(identifiable), 4) if len(identifiable) else None
            total += len(matches)
        return rates, total


class AccountScoringOperator(StoreOperator):
    """Scores every Salesforce account of each tenant for the run's date; a rerun replaces that date."""

    def __init__(self, *, lookback_days: int = 30, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.lookback_days = lookback_days

    def execute(self, context) -> dict:
        from sqlalchemy import delete, insert

        from leadline.store.etl import etl_run
        from leadline.store.schema import account_recommendations
        from leadline.store.tenants import list_tenants

        as_of = _interval_end(context)
        score_date = f"{as_of:%Y-%m-%d}"
        since = as_of - timedelta(days=self.lookback_days)
        scored: dict[str, int] = {}
        with self.engine.connect() as conn:
            tenants = list_tenants(conn)
        for tenant in tenants:
            t = tenant.tenant_id
            with etl_run(self.engine, t, "account_scoring", context["run_id"]) as run:
                result = self._score(t, as_of, since)
                with self.engine.begin() as write:
                    write.execute(delete(account_recommendations).where(
                        account_recommendations.c.tenant_id == t, account_recommendations.c.score_date == score_date))
                    if len(result):
                        write.execute(insert(account_recommendations), [
                            {"tenant_id": t, "score_date": score_date, "created_at": datetime.now(UTC), **row}
                            for row in result.to_dict("records")])
                run.rows_processed = scored[t] = len(result)
        self.log.info("accounts scored for %s: %s", score_date, scored)
        return {"score_date": score_date, "accounts": scored}

    def _score(self, t: str, as_of: datetime, since: datetime):
        import pandas as pd
        from sqlalchemy import and_, func, select

        from leadline.domain.account_scoring import score_accounts
        from leadline.store.schema import (
            call_records,
            entity_matches,
            gmail_messages,
            gmail_participants,
            sf_accounts,
            sf_contacts,
            sf_opportunities,
        )

        with self.engine.connect() as conn:
            accounts = pd.read_sql(select(sf_accounts.c.account_id).where(sf_accounts.c.tenant_id == t), conn)
            calls = pd.read_sql(select(
                entity_matches.c.account_id,
                func.count().label("calls_30d"),
                func.max(call_records.c.created_at).label("last_call"),
                func.max(call_records.c.lead_score).label("max_lead_score"),
                func.avg(call_records.c.lead_score).label("avg_lead_score"),
            ).select_from(entity_matches.join(call_records, and_(
                call_records.c.tenant_id == entity_matches.c.tenant_id,
                call_records.c.call_id == entity_matches.c.source_id)))
                .where(entity_matches.c.tenant_id == t, entity_matches.c.source_type == "call",
                       entity_matches.c.account_id.is_not(None), call_records.c.created_at >= since,
                       call_records.c.created_at < as_of)
                .group_by(entity_matches.c.account_id), conn)
            emails = pd.read_sql(select(
                sf_contacts.c.account_id,
                func.count(func.distinct(gmail_messages.c.message_id)).label("emails_30d"),
                func.max(gmail_messages.c.sent_at).label("last_email"),
            ).select_from(gmail_participants.join(sf_contacts, and_(
                sf_contacts.c.tenant_id == gmail_participants.c.tenant_id,
                sf_contacts.c.contact_id == gmail_participants.c.sf_contact_id)).join(gmail_messages, and_(
                    gmail_messages.c.tenant_id == gmail_participants.c.tenant_id,
                    gmail_messages.c.message_id == gmail_participants.c.message_id)))
                .where(gmail_participants.c.tenant_id == t, gmail_messages.c.sent_at >= since,
                       gmail_messages.c.sent_at < as_of, sf_contacts.c.account_id.is_not(None))
                .group_by(sf_contacts.c.account_id), conn)
            pipeline = pd.read_sql(select(
                sf_opportunities.c.account_id, func.sum(sf_opportunities.c.amount).label("open_amount"),
                func.count().label("open_opportunities"),
            ).where(sf_opportunities.c.tenant_id == t, sf_opportunities.c.is_closed.is_(False))
                .group_by(sf_opportunities.c.account_id), conn)
        frame = (accounts.merge(calls, on="account_id", how="left").merge(emails, on="account_id", how="left")
                 .merge(pipeline, on="account_id", how="left"))
        last_touch = pd.concat([pd.to_datetime(frame["last_call"], utc=True),
                                pd.to_datetime(frame["last_email"], utc=True)], axis=1).max(axis=1)
        frame["days_since_touch"] = (pd.Timestamp(as_of) - last_touch).dt.total_seconds() / 86400
        return score_accounts(frame)

class SyncCallRailOperator(StoreOperator):
    """Reconciliation: every CallRail call in the data interval that the webhook missed is stored and
    queued through the intake's own write path (duplicates are recognised and left alone)."""

    def execute(self, context) -> dict:
        from leadline.domain.normalize import e164
        from leadline.hooks.callrail import CallRailHook
        from leadline.store.etl import etl_run
        from leadline.store.intake import IncomingCall, record_calls
        from leadline.store.tenants import list_tenants

        start, end = _interval(context)
        recovered: dict[str, int] = {}
        with self.engine.connect() as conn:
            tenants = [t for t in list_tenants(conn) if (t.config or {}).get("callrail_account_id")]
        for tenant in tenants:
            config = tenant.config
            with etl_run(self.engine, tenant.tenant_id, "callrail", context["run_id"]) as run:
                hook = CallRailHook(config.get("callrail_conn_id", CallRailHook.default_conn_name))
                listed = hook.list_calls(config["callrail_account_id"], start.isoformat(), end.isoformat())
                calls = [IncomingCall(
                    tenant_id=tenant.tenant_id, call_id=c["id"], resource_id=c["id"],
                    caller_phone=e164(c.get("customer_phone_number")), customer_name=c.get("customer_name"),
                    duration_s=int(c["duration"]) if c.get("duration") is not None else None,
                    answered=c.get("answered"), started_at=datetime.fromisoformat(c["start_time"]),
                    recording_url=None, raw_payload=c) for c in listed]
                results = record_calls(self.engine, calls) if calls else []
                run.rows_processed = len(listed)
            recovered[tenant.tenant_id] = sum(r.created for r in results)
        self.log.info("calls recovered from CallRail per tenant: %s", recovered)
        return recovered


def _gmail_rows(tenant_id: str, mailbox: str, message: dict, now: datetime) -> tuple[dict, list[dict]]:
    import base64
    from email.utils import getaddresses

    headers = {h["name"].lower(): h["value"] for h in message.get("payload", {}).get("headers", [])}
    parts = [message.get("payload", {})] + message.get("payload", {}).get("parts", [])
    data = next((p["body"]["data"] for p in parts if p.get("body", {}).get("data")
                 and p.get("mimeType", "text/plain") == "text/plain"), None)
    body = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)).decode("utf-8", "replace") if data else None
    row = {"message_id": message["id"], "mailbox": mailbox, "thread_id": message.get("threadId"),
           "sent_at": datetime.fromtimestamp(int(message["internalDate"]) / 1000, UTC),
           "subject": headers.get("subject"), "snippet": message.get("snippet"), "body": body, "ingested_at": now}
    participants = {(addr.lower(), role) for role in ("from", "to", "cc")
                    for _, addr in getaddresses([headers.get(role, "")]) if "@" in addr}
    return row, [{"message_id": message["id"], "email": email, "role": role, "ingested_at": now}
                 for email, role in sorted(participants)]


class SyncGmailOperator(StoreOperator):
    """Messages and participants of each tenant's configured mailboxes (config `gmail_mailboxes`,
    connection `gmail_conn_id`) sent in the run's data interval; message_id is the natural key."""

    def execute(self, context) -> dict:
        from sqlalchemy import delete, insert

        from leadline.hooks.rest import GmailHook
        from leadline.store.etl import etl_run
        from leadline.store.schema import gmail_messages, gmail_participants
        from leadline.store.tenants import list_tenants

        start, end = _interval(context)
        done: dict[str, int] = {}
        with self.engine.connect() as conn:
            tenants = [t for t in list_tenants(conn) if (t.config or {}).get("gmail_mailboxes")]
        for tenant in tenants:
            hook = GmailHook(tenant.config.get("gmail_conn_id", GmailHook.default_conn_name))
            with etl_run(self.engine, tenant.tenant_id, "gmail", context["run_id"]) as run:
                messages, participants = [], []
                for mailbox in tenant.config["gmail_mailboxes"]:
                    for message in hook.messages(mailbox, int(start.timestamp()), int(end.timestamp())):
                        row, people = _gmail_rows(tenant.tenant_id, mailbox, message, end)
                        messages.append(row)
                        participants += people
                unique = list({m["message_id"]: m for m in messages}.values())  # one message, many mailboxes
                _replace_rows(self.engine, gmail_messages, tenant.tenant_id, "message_id", unique)
                ids = [m["message_id"] for m in unique]
                with self.engine.begin() as conn:
                    for first in range(0, len(ids), 500):
                        conn.execute(delete(gmail_participants).where(
                            gmail_participants.c.tenant_id == tenant.tenant_id,
                            gmail_participants.c.message_id.in_(ids[first:first + 500])))
                    people = list({(p["message_id"], p["email"], p["role"]): p for p in participants}.values())
                    if people:
                        conn.execute(insert(gmail_participants), [{"tenant_id": tenant.tenant_id, **p} for p in people])
                run.rows_processed = len(unique)
            done[tenant.tenant_id] = run.rows_processed
        return done


class SyncDialpadOperator(StoreOperator):
    """Dialpad calls started in the run's data interval (tenant config `dialpad_conn_id`)."""

    def execute(self, context) -> dict:
        from leadline.hooks.rest import DialpadHook
        from leadline.store.etl import etl_run
        from leadline.store.schema import dialpad_calls
        from leadline.store.tenants import list_tenants

        start, end = _interval(context)
        done: dict[str, int] = {}
        with self.engine.connect() as conn:
            tenants = [t for t in list_tenants(conn) if (t.config or {}).get("dialpad_conn_id")]
        for tenant in tenants:
            with etl_run(self.engine, tenant.tenant_id, "dialpad", context["run_id"]) as run:
                calls = DialpadHook(tenant.config["dialpad_conn_id"]).calls(int(start.timestamp() * 1000),
                                                                            int(end.timestamp() * 1000))
                _replace_rows(self.engine, dialpad_calls, tenant.tenant_id, "call_id", [{
                    "call_id": str(c["call_id"]),
                    "call_time": datetime.fromtimestamp(int(c["date_started"]) / 1000, UTC),
                    "duration_s": int(c.get("duration") or 0) // 1000,
                    "participants": [p for p in (c.get("contact"), c.get("target")) if p],
                    "transcript": c.get("transcription_text"), "ingested_at": end} for c in calls])
                run.rows_processed = len(calls)
            done[tenant.tenant_id] = run.rows_processed
        return done


class SyncHubSpotOperator(StoreOperator):
    """HubSpot contacts and companies modified in the run's data interval, for tenants with a HubSpot
    integration."""

    def execute(self, context) -> dict:
        from sqlalchemy import select

        from leadline.hooks.hubspot import HubSpotHook
        from leadline.store.etl import etl_run
        from leadline.store.schema import crm_integrations, hubspot_companies, hubspot_contacts

        start, end = _interval(context)
        with self.engine.connect() as conn:
            integrations = conn.execute(select(crm_integrations.c.tenant_id, crm_integrations.c.connection_id).where(
                crm_integrations.c.crm_type == "hubspot", crm_integrations.c.status == "active")).all()
        done: dict[str, int] = {}
        for tenant_id, connection_id in integrations:
            with etl_run(self.engine, tenant_id, "hubspot", context["run_id"]) as run:
                hubspot = HubSpotHook(connection_id)
                contacts = hubspot.modified_contacts(start.isoformat(), end.isoformat())
                _replace_rows(self.engine, hubspot_contacts, tenant_id, "contact_id", [{
                    "contact_id": c["id"], "email": c.get("email") or None, "phone": c.get("phone") or None,
                    "first_name": c.get("firstname") or None, "last_name": c.get("lastname") or None,
                    "company": c.get("company") or None,
                    "last_modified": datetime.fromisoformat(c["lastmodifieddate"]), "synced_at": end}
                    for c in contacts])
                companies = hubspot.modified_companies(start.isoformat(), end.isoformat())
                _replace_rows(self.engine, hubspot_companies, tenant_id, "company_id", [{
                    "company_id": c["id"], "name": c.get("name") or None,
                    "domain": (c.get("domain") or "").lower() or None,
                    "last_modified": datetime.fromisoformat(c["hs_lastmodifieddate"]), "synced_at": end}
                    for c in companies])
                run.rows_processed = len(contacts) + len(companies)
            done[tenant_id] = run.rows_processed
        return done


class EmbeddingsOperator(StoreOperator):
    """Fills NULL embeddings of emails, call transcripts and Dialpad transcripts, `limit` rows per source and
    run (oldest first), through EmbeddingHook (Vertex AI or local), and reports the backlog left."""

    template_fields = ("limit",)

    def __init__(self, *, limit: int | str = 1000, embeddings_conn_id: str = "leadline_embeddings",
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.limit = limit
        self.embeddings_conn_id = embeddings_conn_id

    def execute(self, context) -> dict:
        from sqlalchemy import and_, bindparam, func, select, update

        from leadline.hooks.embedding import EmbeddingHook
        from leadline.store.schema import call_records, dialpad_calls, gmail_messages

        hook = EmbeddingHook(self.embeddings_conn_id)
        sources = {
            "gmail_messages": (gmail_messages, gmail_messages.c.message_id, gmail_messages.c.embedding,
                               lambda r: f"{r.subject or ''}\n{r.body or r.snippet or ''}", gmail_messages.c.sent_at,
                               [gmail_messages.c.subject, gmail_messages.c.body, gmail_messages.c.snippet]),
            "call_transcripts": (call_records, call_records.c.call_id, call_records.c.transcript_embedding,
                                 lambda r: r.transcript, call_records.c.created_at, [call_records.c.transcript]),
            "dialpad_transcripts": (dialpad_calls, dialpad_calls.c.call_id, dialpad_calls.c.embedding,
                                    lambda r: r.transcript, dialpad_calls.c.call_time, [dialpad_calls.c.transcript]),
        }
        report = {}
        for name, (table, key, column, text_of, order, text_columns) in sources.items():
            pending = and_(column.is_(None), *([table.c.transcript.is_not(None)] if "transcript" in table.c else []))
            with self.engine.connect() as conn:
                rows = conn.execute(select(table.c.tenant_id, key.label("key"), *text_columns).where(pending)
                                    .order_by(order).limit(int(self.limit))).all()
            if rows:
                vectors = hook.embed([text_of(r) or "" for r in rows])
                with self.engine.begin() as conn:
                    conn.execute(update(table).where(table.c.tenant_id == bindparam("t"), key == bindparam("k"))
                                 .values({column.name: bindparam("v")}),
                                 [{"t": r.tenant_id, "k": r.key, "v": v} for r, v in zip(rows, vectors, strict=True)])
            with self.engine.connect() as conn:
                backlog = conn.execute(select(func.count()).select_from(table).where(pending)).scalar_one()
            report[name] = {"embedded": len(rows), "backlog": backlog}
        self.log.info("embeddings: %s", report)
        return report


class SalesIntelligenceChecksOperator(StoreOperator):
    """Runbook 004's daily checks: ETL status today, freshness per source (hours old), duplicate
    message ids, embedding backlog, 7-day match-rate trend, accounts scored today. Failed ETL runs and
    sources staler than `stale_after_hours` raise P3 alerts."""

    def __init__(self, *, stale_after_hours: int = 24, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.stale_after_hours = stale_after_hours

    def execute(self, context) -> dict:
        from sqlalchemy import case, func, select

        from leadline.notifier import AlertNotifier
        from leadline.store.schema import (
            SYSTEM_TENANT,
            account_recommendations,
            call_records,
            dialpad_calls,
            etl_runs,
            gmail_messages,
            gmail_participants,
            hubspot_contacts,
            sf_contacts,
        )

        now = _interval_end(context)
        today = datetime(now.year, now.month, now.day, tzinfo=UTC)
        with self.engine.connect() as conn:
            etl_today = [dict(r) for r in conn.execute(
                select(etl_runs.c.tenant_id, etl_runs.c.source_system, etl_runs.c.status, func.count().label("runs"))
                .where(etl_runs.c.started_at >= today).group_by(etl_runs.c.tenant_id, etl_runs.c.source_system,
                                                                etl_runs.c.status)).mappings()]
            freshness = {}
            for name, column in (("gmail_messages", gmail_messages.c.sent_at),
                                 ("dialpad_calls", dialpad_calls.c.call_time),
                                 ("sf_contacts", sf_contacts.c.system_modstamp),
                                 ("hubspot_contacts", hubspot_contacts.c.last_modified),
                                 ("call_records", call_records.c.created_at)):
                latest = conn.execute(select(func.max(column))).scalar()
                freshness[name] = None if latest is None else round((now - latest).total_seconds() / 3600, 1)
            duplicates = conn.execute(select(func.count()).select_from(
                select(gmail_messages.c.tenant_id, gmail_messages.c.message_id)
                .group_by(gmail_messages.c.tenant_id, gmail_messages.c.message_id)
                .having(func.count() > 1).subquery())).scalar_one()
            with_embedding, without_embedding = conn.execute(select(
                func.sum(case((gmail_messages.c.embedding.is_not(None), 1), else_=0)),
                func.sum(case((gmail_messages.c.embedding.is_(None), 1), else_=0)))).one()
            matched, total = conn.execute(select(
                func.sum(case((gmail_participants.c.sf_contact_id.is_not(None), 1), else_=0)), func.count())
                .where(gmail_participants.c.ingested_at >= now - timedelta(days=7))).one()
            scored_today = conn.execute(select(func.count()).select_from(account_recommendations).where(
                account_recommendations.c.score_date == f"{now:%Y-%m-%d}")).scalar_one()
        report = {
            "etl_today": etl_today, "hours_old": freshness, "duplicate_message_ids": duplicates,
            "emails_with_embeddings": int(with_embedding or 0),
            "emails_without_embeddings": int(without_embedding or 0),
            "email_match_rate_7d": round(100.0 * (matched or 0) / total, 2) if total else None,
            "accounts_scored_today": scored_today,
        }
        problems = [f"{r['source_system']} ETL failed for {r['tenant_id']}"
                    for r in etl_today if r["status"] == "failed"]
        problems += [f"{name} is {hours} h old" for name, hours in freshness.items()
                     if hours is not None and hours > self.stale_after_hours]
        if duplicates:
            problems.append(f"{duplicates} duplicate gmail message ids")
        for problem in problems:
            AlertNotifier(tenant_id=SYSTEM_TENANT, dedupe_key=f"data:{problem.split(' ')[0]}:{now:%Y-%m-%d}",
                          kind="data_quality", severity="P3", message=problem, store_conn_id=self.store_conn_id).send()
        self.log.info("sales-intelligence checks: %s; problems: %s", report, problems)
        return {**report, "problems": problems}
