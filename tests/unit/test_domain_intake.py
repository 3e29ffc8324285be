"""Pure intake logic: signatures, masking, throttling, payload parsing."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from leadline.domain import signature
from leadline.domain.masking import mask_email, mask_name, mask_phone
from leadline.domain.payload import CallWebhook
from leadline.domain.throttle import FailureBlocker, ReplayGuard, TenantRateLimiter


def test_signature_matches_runbook_recipe():
    import hashlib
    import hmac

    body = b'{"call_id":"TEST123"}'
    expected = hmac.new(b"your_webhook_secret", b"1694617200." + body, hashlib.sha256).hexdigest()
    assert signature.sign("your_webhook_secret", "1694617200", body) == f"sha256={expected}"
    signature.verify("your_webhook_secret", "1694617200", body, f"sha256={expected}")
    with pytest.raises(signature.SignatureError) as err:
        signature.verify("other", "1694617200", body, f"sha256={expected}")
    assert err.value.reason == "invalid_signature"


@pytest.mark.parametrize(("raw", "reason"), [
    (None, "missing_timestamp"), ("", "missing_timestamp"), ("12a", "invalid_timestamp"),
    ("1e9", "invalid_timestamp"), ("٣٣", "invalid_timestamp"), ("1000", "stale_timestamp"),
    ("99999999999", "future_timestamp"),
])
def test_timestamp_rejections(raw, reason):
    with pytest.raises(signature.SignatureError) as err:
        signature.parse_timestamp(raw, now=1_700_000_000)
    assert err.value.reason == reason


def test_timestamp_window_edges_are_inclusive():
    now = 1_700_000_000
    assert signature.parse_timestamp(str(now - 300), now) == str(now - 300)
    assert signature.parse_timestamp(str(now + 300), now) == str(now + 300)
    with pytest.raises(signature.SignatureError):
        signature.parse_timestamp(str(now - 301), now)


def test_signature_header_is_case_insensitive_hex():
    header = signature.sign("s", "1", b"x")
    assert signature.check_signature_format(header.upper().replace("SHA256=", "sha256=")) == header


@pytest.mark.parametrize(("phone", "masked"), [
    ("+15551234567", "+1******4567"), ("(555) 123-4567", "******4567"), ("123", "***"), ("", ""), (None, ""),
])
def test_mask_phone(phone, masked):
    assert mask_phone(phone) == masked


def test_mask_email_and_name():
    assert mask_email("marcus@outlook.com") == "m***@outlook.com"
    assert mask_name("Marcus Whitfield") == "M. W."


def test_rate_limiter_burst_then_refill():
    limiter = TenantRateLimiter()
    admitted = [limiter.retry_after("t", 600, 60, now=0.0) for _ in range(61)]
    assert admitted[:60] == [0] * 60 and admitted[60] == 1
    assert limiter.retry_after("t", 600, 60, now=0.2) == 0  # 10/s refills two tokens in 0.2 s
    assert limiter.retry_after("other", 600, 60, now=0.2) == 0


def test_failure_blocker_blocks_after_threshold_and_expires():
    blocker = FailureBlocker(max_failures=3, window_s=60, block_s=300)
    assert [blocker.record_failure("1.2.3.4", t) for t in (0, 1)] == [False, False]
    assert blocker.blocked_for("1.2.3.4", 2) == 0
    assert blocker.record_failure("1.2.3.4", 2)  # the third failure starts the block
    assert blocker.blocked_for("1.2.3.4", 3) == 299
    assert blocker.blocked_for("5.6.7.8", 3) == 0
    assert blocker.blocked_for("1.2.3.4", 303) == 0


def test_failures_outside_window_do_not_count():
    blocker = FailureBlocker(max_failures=3, window_s=10, block_s=300)
    for t in (0, 20, 40):
        blocker.record_failure("c", t)
    assert blocker.blocked_for("c", 41) == 0


def test_replay_guard_forgets_after_twice_the_window():
    guard = ReplayGuard(window_s=300)
    guard.remember("sig", 0)
    assert guard.is_replay("sig", 599)
    assert not guard.is_replay("sig", 601)


def test_payload_accepts_string_or_number_duration():
    base = {"tenant_id": "acme", "call_id": "CAL1"}
    assert CallWebhook.model_validate(base | {"duration": "180"}).duration == 180
    assert CallWebhook.model_validate(base | {"duration": 180}).duration == 180
    assert CallWebhook.model_validate(base | {"duration": 180.0}).duration == 180
    for bad in ("18o", -3, 1.5, True, [1]):
        with pytest.raises(ValidationError):
            CallWebhook.model_validate(base | {"duration": bad})
