"""Gmail API messages (format=full) as store rows: the message, its plain-text body, and who took part.
Pure: no Airflow, no I/O."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from email.utils import getaddresses

PARTICIPANT_ROLES = ("from", "to", "cc")


def headers_of(message: dict) -> dict[str, str]:
    """Header name (lower case) -> value."""
    return {h["name"].lower(): h["value"] for h in message.get("payload", {}).get("headers", [])}


def plain_text_body(message: dict) -> str | None:
    """The first text/plain part (the payload itself for single-part messages), decoded; None without one."""
    payload = message.get("payload", {})
    parts = [payload] + payload.get("parts", [])
    data = next((p["body"]["data"] for p in parts if p.get("body", {}).get("data")
                 and p.get("mimeType", "text/plain") == "text/plain"), None)
    if not data:
        return None
    # The API strips base64url padding; restore it before decoding.
    return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)).decode("utf-8", "replace")


def participants_of(headers: dict[str, str]) -> list[tuple[str, str]]:
    """Sorted, distinct (address in lower case, role) pairs of the From, To and Cc headers."""
    return sorted({(address.lower(), role) for role in PARTICIPANT_ROLES
                   for _, address in getaddresses([headers.get(role, "")]) if "@" in address})


def message_rows(mailbox: str, message: dict, ingested_at: datetime) -> tuple[dict, list[dict]]:
    """The gmail_messages row and the gmail_participants rows of one message (without tenant_id)."""
    headers = headers_of(message)
    row = {"message_id": message["id"], "mailbox": mailbox, "thread_id": message.get("threadId"),
           "sent_at": datetime.fromtimestamp(int(message["internalDate"]) / 1000, UTC),
           "subject": headers.get("subject"), "snippet": message.get("snippet"), "body": plain_text_body(message),
           "ingested_at": ingested_at}
    return row, [{"message_id": message["id"], "email": email, "role": role, "ingested_at": ingested_at}
                 for email, role in participants_of(headers)]


def distinct_rows(messages: list[dict], participants: list[dict]) -> tuple[list[dict], list[dict]]:
    """One row per message id and per (message, email, role): a message seen in several mailboxes is stored once."""
    unique_messages = list({m["message_id"]: m for m in messages}.values())
    unique_participants = list({(p["message_id"], p["email"], p["role"]): p for p in participants}.values())
    return unique_messages, unique_participants
