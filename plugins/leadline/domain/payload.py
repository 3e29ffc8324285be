"""The CallRail webhook payload (troubleshooting runbook: minimum payload and CallRail call fields)."""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
)

Identifier = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$")]
TENANT_ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,62}$"
TenantId = Annotated[str, StringConstraints(pattern=TENANT_ID_PATTERN)]
ShortText = Annotated[str, StringConstraints(max_length=256, strip_whitespace=True)]
PhoneText = Annotated[str, StringConstraints(max_length=32, pattern=r"^[0-9+().\-\s]*$")]
# http(s) only, no user:password@ (where a recording may come from is the tenant's policy, checked at fetch time)
RecordingUrl = Annotated[str, StringConstraints(max_length=2048, pattern=r"^https?://[^\s/@?#]+(?:[/?#]\S*)?$")]


def _duration_seconds(value: Any) -> Any:
    """CallRail sends duration as a string ("180") or a number; both mean whole seconds."""
    if isinstance(value, bool):
        raise ValueError("duration must be a number of seconds")
    if isinstance(value, str):
        stripped = value.strip()
        if not stripped.isascii() or not stripped.isdigit():
            raise ValueError("duration must be a whole number of seconds")
        return int(stripped)
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError("duration must be a whole number of seconds")
        return int(value)
    return value


DurationSeconds = Annotated[int, BeforeValidator(_duration_seconds), Field(ge=0, le=86_400, strict=True)]
EARLIEST_CALL, LATEST_CALL = datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)


def _utc(value: datetime) -> datetime:
    """Every timestamp is stored in UTC: an offset is applied here (SQLite would keep the wall time and drop
    it), a time without one is read as UTC, and a date no call can have is refused."""
    try:
        moment = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    except OverflowError as exc:  # "0001-01-01T00:00:00+14:00" is before the first representable instant
        raise ValueError("start_time is out of range") from exc
    if not EARLIEST_CALL <= moment < LATEST_CALL:
        raise ValueError("start_time is out of range (2000-2099)")
    return moment


UtcTimestamp = Annotated[datetime, AfterValidator(_utc)]


class TenantRef(BaseModel):
    """Just enough of the payload to find whose secret verifies the signature."""

    model_config = ConfigDict(extra="ignore")
    tenant_id: TenantId


class CallWebhook(BaseModel):
    model_config = ConfigDict(extra="allow", str_max_length=4096)

    tenant_id: TenantId
    call_id: Identifier
    duration: DurationSeconds | None = None
    caller_id: PhoneText | None = Field(
        default=None, validation_alias=AliasChoices("caller_id", "customer_phone_number")
    )
    customer_name: ShortText | None = None
    resource_id: Identifier | None = None
    recording_url: RecordingUrl | None = Field(
        default=None, validation_alias=AliasChoices("recording_url", "recording")
    )
    start_time: UtcTimestamp | None = None
    answered: StrictBool | None = None
    callrail_company_id: Identifier | None = None


MAX_JSON_DEPTH = 32
# Escapes that decode to text no store can hold: a lone UTF-16 surrogate or NUL (PostgreSQL refuses both).
_SUSPECT_ESCAPES = re.compile(r"\\u(?:[dD][89a-fA-F]|0000)")


class MalformedJson(ValueError):
    """The body is not a JSON object Leadline can store; the message is safe to return (no body content)."""


def _reject_constant(name: str) -> None:
    raise MalformedJson(f"{name} is not a JSON number")


def _finite_float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):  # "1e999" parses to infinity, which no store holds as a number
        raise MalformedJson("numbers must be finite")
    return value


def _depth(value: Any) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return deepest


def _strings(value: Any):
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def parse_json_object(body: bytes) -> dict[str, Any]:
    """The body as a JSON object, its nesting bounded: C-speed parsing first (Python's decoder stops deep
    nesting with RecursionError), then a depth walk only when the body has enough brackets to be too deep."""
    try:
        # UTF-8 only: json.loads would also take UTF-16/32, whose bytes slip past checks made on the raw body;
        # their ASCII comes with NUL bytes, which valid UTF-8 JSON text never holds
        if b"\x00" in body:
            raise UnicodeDecodeError("utf-8", body, body.index(b"\x00"), body.index(b"\x00") + 1, "NUL byte")
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedJson("body must be UTF-8 encoded JSON") from exc
    try:
        data = json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)
    except RecursionError as exc:
        raise MalformedJson(f"body nests deeper than {MAX_JSON_DEPTH} levels") from exc
    except MalformedJson:
        raise
    except ValueError as exc:  # JSONDecodeError, an integer too long to convert
        raise MalformedJson("body is not valid JSON") from exc
    if not isinstance(data, dict):
        raise MalformedJson("body must be a JSON object")
    if body.count(b"[") + body.count(b"{") > MAX_JSON_DEPTH and _depth(data) > MAX_JSON_DEPTH:
        raise MalformedJson(f"body nests deeper than {MAX_JSON_DEPTH} levels")
    if _SUSPECT_ESCAPES.search(text):
        for text in _strings(data):
            if "\x00" in text:
                raise MalformedJson("strings must not contain NUL characters")
            try:
                text.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise MalformedJson("strings must not contain unpaired surrogates") from exc
    return data
