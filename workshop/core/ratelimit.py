"""Token buckets, one per key: how many events a connection (or address) may send, and when.

Each key's bucket holds up to `burst` tokens and refills at `rate` tokens a second; an event
takes one token or is refused. Pure: no I/O, no clock of its own unless `now` is left out
(then `time.monotonic()`). Memory is bounded: beyond `max_keys` the least recently used keys
are dropped, which only ever forgives (a dropped key starts again with a full bucket).
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

from .errors import DomainError


class Buckets:
    """Per-key token buckets with a shared rate and burst.

    With `debt=True` a refused take also costs a token, down to `-burst`: a client that keeps
    sending while refused gets nothing through until it slows down (one that waits the
    `retry_after` it is told is never in debt)."""

    def __init__(
        self, rate: float, burst: float, *, max_keys: int = 100_000, debt: bool = False
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be > 0 and burst >= 1")
        if max_keys < 1:
            raise ValueError("max_keys must be >= 1")
        self.refill = float(rate)
        self.burst = float(burst)
        self.max_keys = max_keys
        self.debt = debt
        # key -> (tokens left, when they were counted); least recently used first.
        self._buckets: OrderedDict[Hashable, tuple[float, float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets)

    def _level(self, key: Hashable, now: float) -> float:
        """Tokens in `key`'s bucket at `now` (a full bucket for an unknown key)."""
        entry = self._buckets.get(key)
        if entry is None:
            return self.burst
        tokens, then = entry
        # A clock that went backwards (or an out-of-order `now`) refills nothing.
        return min(self.burst, tokens + max(0.0, now - then) * self.refill)

    def take(self, key: Hashable, now: float | None = None) -> bool:
        """Take one token from `key`'s bucket: True when allowed, False when it is empty."""
        at = time.monotonic() if now is None else now
        tokens = self._level(key, at)
        allowed = tokens >= 1.0
        if allowed:
            tokens -= 1.0
        elif self.debt:
            tokens = max(tokens - 1.0, -self.burst)
        self._buckets[key] = (tokens, at)
        self._buckets.move_to_end(key)
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
        return allowed

    def retry_after(self, key: Hashable, now: float | None = None) -> float:
        """Seconds until `key` may take a token again (0.0 when it may now)."""
        at = time.monotonic() if now is None else now
        missing = 1.0 - self._level(key, at)
        if missing <= 0:
            return 0.0
        # Rounded up to the millisecond so that waiting exactly this long always suffices.
        return math.ceil(missing / self.refill * 1000) / 1000

    def forget(self, key: Hashable) -> None:
        """Drop `key`'s bucket (a connection that closed)."""
        self._buckets.pop(key, None)


class RateLimited(DomainError):
    """Too many events (or joins, or creations) too fast: `retry_after` says when to try again.

    Both edges answer it as `rate_limited`; the error object carries `"retry_after"` (seconds)
    and HTTP answers 429 with a `Retry-After` header."""

    def __init__(self, retry_after: float, message: str | None = None) -> None:
        if message is None:
            from ..i18n import gettext  # i18n imports core.errors: not at the top

            message = gettext("Too many requests; slow down.")
        super().__init__("rate_limited", message)
        self.retry_after = retry_after

    @property
    def http_status(self) -> int:
        return 429

    def as_payload(self) -> dict[str, Any]:
        return {**super().as_payload(), "retry_after": self.retry_after}
