"""The runbooks' own queries (000, 003, 004), as the named SQL files in include/sql hold them, executed on
SQLite, PostgreSQL and Spanner against one seeded store: each answers exactly the rows the seed implies, and
the other tenant's rows never show."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import insert

from leadline.store.named_sql import SPANNER_DIR, SQL_DIR, run_named_query
from leadline.store.schema import (
    account_recommendations,
    call_records,
    crm_sync_log,
    dialpad_calls,
    entity_matches,
    etl_runs,
    gmail_messages,
    gmail_participants,
    processing_requests,
    sf_accounts,
)

pytestmark = pytest.mark.spanner

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
TODAY = datetime(2026, 11, 20, tzinfo=UTC)
SCORE_DATE = "2026-11-20"
# The files the backup verification and the completeness check run, answered in test_store_backends.py.
OTHER_NAMED_FILES = {"backup_counts", "data_completeness"}


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, second, tzinfo=UTC)


# call id -> lead score of acme's calls today (S12 unscored); S00 (yesterday) and globex's G1 score higher
SCORES = {"S01": 60, "S02": 72, "S03": 55, "S04": 90, "S05": 90, "S06": 41, "S07": 77, "S08": 83, "S09": 68,
          "S10": 95, "S11": 50, "S12": None}


def _seed_calls(conn) -> None:
    def call(tenant_id, call_id, created_at, score, email=None):
        return {"tenant_id": tenant_id, "call_id": call_id, "raw_payload": {}, "created_at": created_at,
                "updated_at": created_at, "lead_score": score, "transcript": f"transcript {call_id}",
                "transcript_confidence": 0.5 + int(call_id[1:]) / 100, "customer_email": email}

    emails = {"S01": "bob@birch.example", "S02": "jane@acme.example", "S03": "carol@x.example"}
    rows = [call("acme", call_id, at(20, 8, int(call_id[1:])), score, emails.get(call_id))
            for call_id, score in SCORES.items()]
    rows += [call("acme", "S00", at(19, 23), 99), call("globex", "G01", at(20, 8, 30), 100, "bob@birch.example")]
    conn.execute(insert(call_records), rows)
    conn.execute(insert(entity_matches).values(tenant_id="acme", source_type="call", source_id="S02",
                                               contact_id="S1", account_id="A1", method="email", confidence=1.0,
                                               matched_at=NOW))

    def request(tenant_id, call_id, status, created_at, ms):
        return {"tenant_id": tenant_id, "request_id": f"R-{call_id}", "call_id": call_id, "status": status,
                "attempts": 1, "processing_time_ms": ms, "created_at": created_at, "updated_at": created_at}

    conn.execute(insert(processing_requests), [
        request("acme", "P1", "completed", at(20, 8, 10), 1000),
        request("acme", "P2", "completed", at(20, 8, 20), 3000),
        request("acme", "P3", "failed", at(20, 8, 30), None), request("acme", "P4", "pending", at(20, 8, 40), None),
        request("acme", "P5", "completed", at(20, 7, 30), 9000),  # before the hour
        request("acme", "P6", "corrupted", at(19, 4), None), request("acme", "P7", "corrupted", at(19, 5, 30), None),
        request("globex", "PG1", "completed", at(20, 8, 50), 500)])

    def sync(tenant_id, call_id, crm_type, status, created_at):
        return {"tenant_id": tenant_id, "call_id": call_id, "crm_type": crm_type, "role": "primary",
                "status": status, "attempts": 1, "created_at": created_at, "updated_at": created_at}

    conn.execute(insert(crm_sync_log), [
        sync("acme", "K1", "hubspot", "synced", at(20, 7)), sync("acme", "K2", "hubspot", "synced", at(20, 7)),
        sync("acme", "K3", "hubspot", "synced", at(20, 7)), sync("acme", "K4", "hubspot", "failed", at(20, 7)),
        sync("acme", "K1", "salesforce", "synced", at(20, 7)), sync("acme", "K2", "salesforce", "failed", at(20, 7)),
        sync("acme", "K5", "hubspot", "failed", at(18, 7)),  # before the day
        sync("globex", "G1", "hubspot", "failed", at(20, 7))])


def _seed_etl_runs(conn) -> None:
    def run(tenant_id, run_id, source, status, started, completed, rows, error=None):
        return {"tenant_id": tenant_id, "run_id": run_id, "source_system": source, "status": status,
                "started_at": started, "completed_at": completed, "rows_processed": rows, "error_message": error}

    conn.execute(insert(etl_runs), [
        run("acme", "e1", "salesforce", "success", at(20, 8), at(20, 8, 1, 30), 10),
        run("acme", "e2", "gmail", "failed", at(20, 8, 5), at(20, 8, 5, 20), 2, "HttpError: quota"),
        # 03:00 UTC is the day before in America/Los_Angeles, Spanner's default day
        run("acme", "e3", "hubspot", "success", at(20, 3), at(20, 3, 0, 45), 4),
        run("acme", "e4", "salesforce", "success", at(19, 8), at(19, 8, 0, 30), 6),
        run("acme", "e5", "salesforce", "success", at(19, 20), at(19, 20, 1), 3),
        run("acme", "e6", "gmail", "failed", at(18, 10), at(18, 10, 0, 5), 0, "TimeoutError: read"),
        run("acme", "e7", "salesforce", "success", at(10, 8), at(10, 8, 2), 8),  # in 30 days, not in 7
        run("acme", "e8", "dialpad", "running", at(20, 8, 30), None, None),
        run("acme", "e9", "salesforce", "success", datetime(2026, 10, 1, 8, tzinfo=UTC),
            datetime(2026, 10, 1, 8, 5, tzinfo=UTC), 1),  # older than 30 days
        run("globex", "g1", "salesforce", "failed", at(20, 8), at(20, 8, 0, 10), 0, "boom")])


def _seed_accounts(conn) -> None:
    conn.execute(insert(sf_accounts), [
        {"tenant_id": tenant_id, "account_id": account_id, "account_name": name, "system_modstamp": NOW,
         "synced_at": NOW}
        for tenant_id, account_id, name in (("acme", "A1", "Acme Roofing"), ("acme", "A2", "Birch Homes"),
                                            ("acme", "A3", "Cedar Builders"), ("acme", "A4", "Dormant Co"),
                                            ("globex", "X1", "Globex Corp"))])

    def rec(tenant_id, score_date, account_id, priority):
        return {"tenant_id": tenant_id, "score_date": score_date, "account_id": account_id, "priority_score": priority,
                "budget_likelihood": 0.5, "engagement_score": priority / 2, "recommended_action": f"call {account_id}",
                "created_at": NOW}

    conn.execute(insert(account_recommendations), [
        rec("acme", SCORE_DATE, "A1", 0.9), rec("acme", SCORE_DATE, "A2", 0.4), rec("acme", SCORE_DATE, "A3", 0.9),
        rec("acme", SCORE_DATE, "A5", 0.7),  # an account the mirror no longer has
        rec("acme", "2026-11-19", "A1", 0.5), rec("acme", "2026-11-19", "A2", 0.6),
        rec("globex", SCORE_DATE, "X1", 0.99)])


def _seed_mail_and_dialpad(conn) -> None:
    def message(tenant_id, message_id, sent_at, **extra):
        return {"tenant_id": tenant_id, "message_id": message_id, "mailbox": "rep@acme.example", "sent_at": sent_at,
                "subject": "quote", "ingested_at": sent_at + timedelta(hours=1), **extra}

    conn.execute(insert(gmail_messages), [message("acme", "M1", at(20, 6), embedding=[0.1, 0.2])])
    conn.execute(insert(gmail_messages), [message("acme", "M2", at(19, 12)), message("acme", "M3", at(10, 12)),
                                          message("globex", "M9", at(20, 8))])

    def participant(tenant_id, message_id, email, role, ingested_at, contact=None):
        return {"tenant_id": tenant_id, "message_id": message_id, "email": email, "role": role,
                "sf_contact_id": contact, "ingested_at": ingested_at}

    conn.execute(insert(gmail_participants), [
        participant("acme", "M1", "jane@acme.example", "from", at(20, 7), "S1"),
        participant("acme", "M1", "rep@acme.example", "to", at(20, 7)),
        participant("acme", "M2", "bob@birch.example", "from", at(19, 13)),
        participant("acme", "M2", "bob@birch.example", "cc", at(19, 13)),  # one message, however often named
        participant("acme", "M2", "rep@acme.example", "to", at(19, 13)),
        participant("acme", "M3", "old@cedar.example", "from", at(10, 13)),
        participant("acme", "M3", "rep@acme.example", "to", at(10, 13)),
        participant("globex", "M9", "x@globex.example", "from", at(20, 8))])
    conn.execute(insert(dialpad_calls), [
        {"tenant_id": "acme", "call_id": "D1", "call_time": at(19, 21, 30), "participants": [], "ingested_at": NOW},
        {"tenant_id": "globex", "call_id": "D9", "call_time": at(20, 8, 59), "participants": [], "ingested_at": NOW}])


def acme(**params):
    return {"tenant_id": "acme", **params}


TODAY_BOUNDS = acme(day_start=TODAY, day_end=TODAY + timedelta(days=1))
SEVEN_DAYS = acme(since=TODAY - timedelta(days=7))
# name -> (parameters, the rows the seed implies)
EXPECTED = {
    # runbook 000
    "lead_processing_metrics": (acme(since=NOW - timedelta(hours=1)), [(4, 2000.0, 0.5)]),
    "crm_sync_success_rates": (acme(since=NOW - timedelta(days=1)),
                               [("hubspot", 4, 0.75), ("salesforce", 2, 0.5)]),
    "tenants_without_status": ({}, [(0,)]),
    # runbook 003
    "sample_scored_calls": (acme(since=TODAY), [
        (call_id, SCORES[call_id], f"transcript {call_id}", 0.5 + int(call_id[1:]) / 100)
        for call_id in ("S10", "S04", "S05", "S08", "S07", "S02", "S09", "S01", "S03", "S11")]),
    "tenants_without_id": ({}, [(0,)]),
    "corrupted_requests_all_tenants": ({}, [(at(19, 4), at(19, 5, 30))]),
    "latest_request_all_tenants": ({}, [(at(20, 8, 50),)]),
    # runbook 004
    "etl_runs_today": (TODAY_BOUNDS, [("dialpad", "running", at(20, 8, 30), None),
                                      ("gmail", "failed", at(20, 8, 5), 2),
                                      ("salesforce", "success", at(20, 8), 10),
                                      ("hubspot", "success", at(20, 3), 4)]),
    "accounts_scored_today": (acme(score_date=SCORE_DATE), [(4, SCORE_DATE)]),
    "email_match_rate_7d": (SEVEN_DAYS, [(20.0,)]),
    "entity_resolution_match_counts": (SEVEN_DAYS, [(5, 1, 4, 20.0)]),
    "etl_status_7d": (SEVEN_DAYS, [("dialpad", "running", 1, None), ("gmail", "failed", 2, 12.5),
                                   ("hubspot", "success", 1, 45.0), ("salesforce", "success", 3, 60.0)]),
    "data_freshness": (acme(now=NOW), [("dialpad_calls", at(19, 21, 30), 11), ("gmail_messages", at(20, 6), 3)]),
    "embedding_status": (acme(), [(3, 1, 2)]),
    "email_embedding_backlog_7d": (SEVEN_DAYS, [(2, 1)]),
    "scoring_results_today": (acme(score_date=SCORE_DATE), [
        ("A1", 0.9, 0.5, 0.45, "call A1"), ("A3", 0.9, 0.5, 0.45, "call A3"), ("A5", 0.7, 0.5, 0.35, "call A5"),
        ("A2", 0.4, 0.5, 0.2, "call A2")]),
    "failed_etl_runs": (acme(), [("gmail", "failed", "HttpError: quota", at(20, 8, 5)),
                                 ("gmail", "failed", "TimeoutError: read", at(18, 10))]),
    "duplicate_gmail_messages": (acme(), []),
    "top_accounts_by_score": (acme(score_date=SCORE_DATE), [
        ("Acme Roofing", 0.9, 0.5, 0.45, "call A1"), ("Cedar Builders", 0.9, 0.5, 0.45, "call A3"),
        ("Birch Homes", 0.4, 0.5, 0.2, "call A2")]),
    "unmatched_emails": (acme(), [("rep@acme.example", 3, at(20, 6)), ("bob@birch.example", 2, at(20, 8, 1)),
                                  ("carol@x.example", 1, at(20, 8, 3)), ("old@cedar.example", 1, at(10, 12))]),
    "etl_performance": (acme(since=TODAY - timedelta(days=30)), [
        ("hubspot", "2026-11-20", 45.0, 45.0, 4.0), ("salesforce", "2026-11-20", 90.0, 90.0, 10.0),
        ("salesforce", "2026-11-19", 45.0, 60.0, 4.5), ("salesforce", "2026-11-10", 120.0, 120.0, 8.0)]),
}
# The runbook writes no order for these: compared as sorted rows.
UNORDERED = {"data_freshness"}
_SQLITE_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")


def _plain(value):
    """One value as every backend should answer it: SQLite gives timestamps of a textual query as UTC text, and
    days as text where the others give dates; PostgreSQL gives NUMERIC ratios as Decimal."""
    if isinstance(value, str) and _SQLITE_TIMESTAMP.match(value):
        moment = datetime.fromisoformat(value)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def named_sql_files() -> tuple[set[str], set[str]]:
    """(the named queries, the ones with a Spanner variant); schema.sql there is the generated DDL."""
    return ({p.stem for p in SQL_DIR.glob("*.sql")},
            {p.stem for p in SPANNER_DIR.glob("*.sql") if p.name != "schema.sql"})


def test_every_named_query_is_answered_here_or_in_the_store_suite():
    queries, spanner_variants = named_sql_files()
    assert queries == set(EXPECTED) | OTHER_NAMED_FILES
    assert spanner_variants <= queries  # a variant replaces a query on Spanner, it does not add one
    assert spanner_variants == {"data_freshness", "etl_performance", "etl_status_7d"}


def test_each_runbook_query_cites_its_runbook_section_and_binds_nothing_in_comments():
    for path in [*SQL_DIR.glob("*.sql"), *SPANNER_DIR.glob("*.sql")]:
        lines = path.read_text().splitlines()
        if path.stem in EXPECTED:
            assert re.match(r"-- (Operations|Troubleshooting|Sales-intelligence) runbook \(00[034]\), ", lines[0]), path
        # text() takes every :word for a parameter, in comments too
        assert not [line for line in lines if line.startswith("--") and re.search(r":\w", line)], path


def test_the_runbook_queries_answer_on_a_seeded_store(store):
    with store.begin() as conn:
        _seed_calls(conn)
        _seed_etl_runs(conn)
        _seed_accounts(conn)
        _seed_mail_and_dialpad(conn)
    answers = {}
    with store.connect() as conn:
        for name, (params, _) in EXPECTED.items():
            rows = [tuple(_plain(v) for v in row.values()) for row in run_named_query(conn, name, params)]
            answers[name] = sorted(rows) if name in UNORDERED else rows
    assert answers == {name: rows for name, (_, rows) in EXPECTED.items()}


def test_spanner_variants_keep_their_querys_columns_and_parameters():
    """A Spanner variant answers the same question: the portable query's result columns and parameters, with
    GoogleSQL's TIMESTAMP_DIFF where the portable one measures through date_part."""
    for variant in SPANNER_DIR.glob("*.sql"):
        if variant.name == "schema.sql":
            continue
        portable, spanner = _sql(SQL_DIR / variant.name), _sql(variant)
        assert "date_part" in portable and "date_part" not in spanner and "TIMESTAMP_DIFF" in spanner, variant.name
        assert re.findall(r"\bAS (\w+)", portable) == re.findall(r"\bAS (\w+)", spanner), variant.name
        assert set(re.findall(r":(\w+)", portable)) == set(re.findall(r":(\w+)", spanner)), variant.name


def _sql(path: Path) -> str:
    """A named query without its comments."""
    return "\n".join(line for line in path.read_text().splitlines() if not line.startswith("--"))
