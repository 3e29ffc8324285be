"""How long to wait between polls of a long-running operation, paced as google-api-core paces its own waits."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass


def backoff_waits(first_s: float, maximum_s: float, multiplier: float = 1.5) -> Iterator[float]:
    """`first_s`, then each wait `multiplier` times the last, up to `maximum_s`; endless (the caller's deadline
    ends it)."""
    wait = first_s
    while True:
        yield wait
        wait = min(wait * multiplier, maximum_s)


@dataclass(frozen=True)
class Backoff:
    """One pacing, named once, for every wait that must keep it: a poll loop's waits (`waits()`) and the same
    numbers handed to api_core's own operation polling (its initial, maximum and multiplier)."""

    first_s: float
    maximum_s: float
    multiplier: float = 1.5

    def waits(self) -> Iterator[float]:
        return backoff_waits(self.first_s, self.maximum_s, self.multiplier)
