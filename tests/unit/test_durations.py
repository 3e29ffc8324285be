"""The call's duration: the webhook's unless the recording disagrees beyond max(5 s, 10 %)."""

from __future__ import annotations

import math

import pytest

from leadline.domain.durations import CallDuration, call_duration, tolerance_s
from leadline.domain.scoring import MIN_CALL_DURATION_S


@pytest.mark.parametrize(("declared", "tolerance"), [(0, 5.0), (30, 5.0), (50, 5.0), (51, 5.1), (120, 12.0),
                                                     (600, 60.0)])
def test_tolerance_is_five_seconds_or_ten_percent(declared, tolerance):
    assert tolerance_s(declared) == pytest.approx(tolerance)


@pytest.mark.parametrize(("declared", "recording", "expected"), [
    (240, 46.8, CallDuration(47, "recording", True)),  # the old hot-lead sample: made up, corrected
    (240, 12.2, CallDuration(12, "recording", True)),
    (65, 13.4, CallDuration(13, "recording", True)),
    (30, 120.4, CallDuration(120, "recording", True)),  # longer than declared: the measurement still wins
    (71, 70.8, CallDuration(71, "webhook", False)),  # a recording a little short of the call: agrees
    (61, 60.7, CallDuration(61, "webhook", False)),
    (20, 15.0, CallDuration(20, "webhook", False)),  # 5 s on a short call: within the floor
    (20, 14.9, CallDuration(15, "recording", True)),
    (300, 270.0, CallDuration(300, "webhook", False)),  # 10 % of a long call: a greeting, a hold
    (300, 269.4, CallDuration(269, "recording", True)),
])
def test_the_recording_wins_only_beyond_the_tolerance(declared, recording, expected):
    assert call_duration(declared, recording) == expected


@pytest.mark.parametrize("recording", [None, 0.0, -1.0, math.nan, math.inf])
def test_an_unknown_or_empty_recording_keeps_the_webhooks_duration(recording):
    assert call_duration(240, recording) == CallDuration(240, "webhook", False)
    assert call_duration(None, recording) == CallDuration(None, "unknown", False)


def test_a_webhook_without_duration_takes_the_recordings():
    assert call_duration(None, 70.5) == CallDuration(71, "recording", False)  # half up, as the score rounds


def test_a_call_declared_long_but_recorded_short_falls_under_the_sixty_second_rule():
    assert call_duration(240, 46.8).seconds < MIN_CALL_DURATION_S <= 240


def test_the_decision_is_idempotent():
    """score decides again on the stored duration: it must not move a duration fetch_recording settled."""
    for declared, recording in [(240, 46.8), (71, 70.8), (None, 90.2), (30, 120.4)]:
        first = call_duration(declared, recording).seconds
        assert call_duration(first, recording).seconds == first
