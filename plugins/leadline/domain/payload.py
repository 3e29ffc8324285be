"""The CallRail webhook payload (troubleshooting runbook: minimum payload and CallRail call fields)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
)

Identifier = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$")]
TenantId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")]
ShortText = Annotated[str, StringConstraints(max_length=256, strip_whitespace=True)]
PhoneText = Annotated[str, StringConstraints(max_length=32, pattern=r"^[0-9+().\-\s]*$")]
RecordingUrl = Annotated[str, StringConstraints(max_length=2048, pattern=r"^(https?|file)://\S+$")]


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
    start_time: datetime | None = None
    answered: StrictBool | None = None
    callrail_company_id: Identifier | None = None
