"""Retries for CRM APIs: exponential backoff with full jitter, never shorter than the server's
Retry-After, only for rate limits, 5xx and transport errors (other 4xx fail at once)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import tenacity

T = TypeVar("T")


@dataclass(frozen=True)
class Verdict:
    retryable: bool
    retry_after_s: float = 0.0
    reason: str = ""


class CrmError(Exception):
    """A CRM call that did not succeed; the message names the CRM and the cause, never the lead's data."""

    def __init__(self, message: str, attempts: int = 1, retryable: bool = False):
        super().__init__(message)
        self.attempts = attempts
        self.retryable = retryable


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    base_s: float = 0.5
    cap_s: float = 30.0

    def call(self, fn: Callable[[], T], classify: Callable[[BaseException], Verdict], crm: str) -> tuple[T, int]:
        """Run `fn` with retries; return (result, attempts) or raise CrmError carrying the attempts."""
        jitter = tenacity.wait_random_exponential(multiplier=self.base_s, max=self.cap_s)

        def wait(state: tenacity.RetryCallState) -> float:
            return max(classify(state.outcome.exception()).retry_after_s, jitter(state))

        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self.max_attempts),
            wait=wait,
            retry=tenacity.retry_if_exception(lambda exc: not isinstance(exc, CrmError) and classify(exc).retryable),
            reraise=True,
        )
        attempts = 0
        try:
            for attempt in retrying:
                with attempt:
                    attempts += 1
                    result = fn()
        except CrmError as exc:
            exc.attempts = attempts
            raise
        except Exception as exc:
            verdict = classify(exc)
            raise CrmError(f"{crm}: {verdict.reason or type(exc).__name__}", attempts, verdict.retryable) from exc
        return result, attempts


def retry_after_seconds(headers) -> float:
    value = (headers or {}).get("Retry-After") or (headers or {}).get("retry-after")
    try:
        return max(0.0, float(value)) if value is not None else 0.0
    except ValueError:
        return 0.0
