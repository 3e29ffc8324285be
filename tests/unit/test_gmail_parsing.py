"""Gmail messages parsed into store rows (leadline.domain.gmail): pure, no Airflow."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

from leadline.domain.gmail import distinct_rows, message_rows, plain_text_body

INGESTED = datetime(2026, 11, 20, 12, tzinfo=UTC)


def encoded(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")  # the API sends no padding


def message(payload: dict, message_id: str = "M1") -> dict:
    return {"id": message_id, "threadId": "T1", "internalDate": "1795161600000", "snippet": "Please send",
            "payload": payload}


HEADERS = [{"name": "From", "value": "Jane Doe <JANE@Acme.io>"},
           {"name": "To", "value": "rep@acme.io, Bob <bob@acme.io>"},
           {"name": "Cc", "value": "undisclosed-recipients:;"},
           {"name": "Subject", "value": "Roof quote"}]


def test_single_part_message_becomes_one_row_and_its_participants():
    row, people = message_rows("rep@acme.io", message(
        {"mimeType": "text/plain", "headers": HEADERS, "body": {"data": encoded("Please send the quote!")}}), INGESTED)
    assert row == {"message_id": "M1", "mailbox": "rep@acme.io", "thread_id": "T1",
                   "sent_at": datetime(2026, 11, 20, 8, tzinfo=UTC), "subject": "Roof quote",
                   "snippet": "Please send", "body": "Please send the quote!", "ingested_at": INGESTED}
    assert [(p["email"], p["role"]) for p in people] == [
        ("bob@acme.io", "to"), ("jane@acme.io", "from"), ("rep@acme.io", "to")]  # no address without an @
    assert {p["message_id"] for p in people} == {"M1"}


def test_multipart_body_is_the_plain_text_part():
    payload = {"mimeType": "multipart/alternative", "headers": HEADERS, "body": {"size": 0}, "parts": [
        {"mimeType": "text/html", "body": {"data": encoded("<p>hello</p>")}},
        {"mimeType": "text/plain", "body": {"data": encoded("hello")}}]}
    assert plain_text_body(message(payload)) == "hello"
    assert plain_text_body(message({"mimeType": "text/html", "body": {"data": encoded("<p>x</p>")}})) is None
    assert plain_text_body(message({})) is None


def test_a_message_seen_in_two_mailboxes_is_kept_once():
    first, people = message_rows("a@acme.io", message({"headers": HEADERS}), INGESTED)
    second, again = message_rows("b@acme.io", message({"headers": HEADERS}), INGESTED)
    messages, participants = distinct_rows([first, second], people + again)
    assert [m["mailbox"] for m in messages] == ["b@acme.io"]  # the last one seen wins, as before
    assert len(participants) == len(people) == 3
