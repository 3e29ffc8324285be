"""Replay protection for the intake: signed requests already seen inside the timestamp window. (Rate limits and
brute-force blocks are in leadline.intake.admission, over `limits`.)"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field


@dataclass
class ReplayGuard:
    """Remembers signatures seen inside the timestamp window, so an identical signed
    request cannot be replayed against this instance; the store's (tenant, call_id)
    uniqueness is the second wall across instances."""

    window_s: float = 300.0
    seen: OrderedDict[str, float] = field(default_factory=OrderedDict)

    def is_replay(self, signature: str, now: float) -> bool:
        while self.seen:
            oldest_sig, seen_at = next(iter(self.seen.items()))
            if seen_at > now - 2 * self.window_s:
                break
            del self.seen[oldest_sig]
        return signature in self.seen

    def remember(self, signature: str, now: float) -> None:
        self.seen[signature] = now
