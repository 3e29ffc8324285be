"""CallRail webhook signatures, as specified in the troubleshooting runbook.

signature = "sha256=" + hex(HMAC-SHA256(secret, f"{x-timestamp}.{raw body}"))
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_PREFIX = "sha256="
TIMESTAMP_WINDOW_S = 300


class SignatureError(Exception):
    """A request failed authentication; `reason` is a stable machine-readable code."""

    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def sign(secret: str, timestamp: str, body: bytes) -> str:
    message = timestamp.encode() + b"." + body
    digest = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return SIGNATURE_PREFIX + digest


def parse_timestamp(raw: str | None, now: float, window_s: int = TIMESTAMP_WINDOW_S) -> str:
    """Return the timestamp exactly as sent (it is part of the signed message) once it is in the window."""
    if raw is None or raw == "":
        raise SignatureError("missing_timestamp", "x-timestamp header is required")
    if not raw.isascii() or not raw.isdigit() or len(raw) > 12:
        raise SignatureError("invalid_timestamp", "x-timestamp must be integer Unix seconds")
    skew = int(raw) - now
    if skew > window_s:
        raise SignatureError("future_timestamp", f"x-timestamp is more than {window_s}s in the future")
    if skew < -window_s:
        raise SignatureError("stale_timestamp", f"x-timestamp is more than {window_s}s old")
    return raw


def check_signature_format(header: str | None) -> str:
    if not header:
        raise SignatureError("missing_signature", "x-callrail-signature header is required")
    if not header.startswith(SIGNATURE_PREFIX):
        raise SignatureError("unsupported_algorithm", "x-callrail-signature must start with 'sha256='")
    hex_part = header[len(SIGNATURE_PREFIX):]
    if len(hex_part) != 64 or any(c not in "0123456789abcdef" for c in hex_part.lower()):
        raise SignatureError("malformed_signature", "x-callrail-signature must be sha256=<64 hex digits>")
    return header.lower()


def verify(secret: str, timestamp: str, body: bytes, header: str) -> None:
    expected = sign(secret, timestamp, body)
    if not hmac.compare_digest(expected.encode(), header.encode()):
        raise SignatureError("invalid_signature", "signature does not match the tenant's webhook secret")
