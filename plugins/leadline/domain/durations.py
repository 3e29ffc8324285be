"""How long the call lasted: the webhook's `duration`, unless the recording says otherwise.

A webhook's duration is a claim; the recording is a measurement. The 60-second rule and the duration factor of the
score (domain.scoring) and the duration written to the CRM engagement are only as true as this number."""

from __future__ import annotations

import math
from dataclasses import dataclass

# CallRail's `duration` counts the whole call, from answer to hang-up, in whole seconds; its recording may start a
# second or two late (after a greeting or a whisper message played to the agent) and end at the last packet. On a
# short call that is a few seconds whatever its length, hence the 5 s floor; on a long one a greeting, a
# hold or a transfer leg left out of the recording grows with the call, hence 10 % of it. A real disagreement is
# far beyond either (the sample webhooks declared 65-240 s for recordings of 13-47 s).
TOLERANCE_S = 5.0
TOLERANCE_FRACTION = 0.10


@dataclass(frozen=True)
class CallDuration:
    seconds: int | None  # what the call is scored and logged with; None when neither side knows
    source: str  # "webhook", "recording" or "unknown"
    corrected: bool  # the webhook declared a duration and the recording disagrees with it


def tolerance_s(declared_s: int) -> float:
    return max(TOLERANCE_S, TOLERANCE_FRACTION * declared_s)


def _whole_seconds(seconds: float) -> int:
    return math.floor(seconds + 0.5)  # half up, as the score rounds


def call_duration(declared_s: int | None, recording_s: float | None) -> CallDuration:
    """The webhook's duration when it agrees with the recording within the tolerance, else the recording's.
    A recording of unknown or no length (not measured, empty) says nothing about the call: the webhook's stands;
    a webhook without a duration takes the recording's."""
    known = recording_s is not None and math.isfinite(recording_s) and recording_s > 0
    if not known:
        return CallDuration(declared_s, "unknown" if declared_s is None else "webhook", False)
    measured = _whole_seconds(recording_s)
    if declared_s is None:
        return CallDuration(measured, "recording", False)
    if abs(declared_s - recording_s) <= tolerance_s(declared_s):
        return CallDuration(declared_s, "webhook", False)
    return CallDuration(measured, "recording", True)
