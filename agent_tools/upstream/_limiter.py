"""Per-provider rate limiting in this process (Redis books slots for all replicas: `_shared`)."""

from __future__ import annotations

from collections import deque

from agent_tools.upstream._clock import Clock

LIMIT_WINDOW_S = 60.0


class RateLimiter:
    """At most `limit` sends in any `window` seconds, for every caller of one provider.

    Each caller reserves the earliest slot that keeps the sliding window within the
    limit, then waits for it, so a burst is spread out instead of drawing 429s. A slot
    further away than the caller's deadline is refused up front rather than waited for.
    """

    def __init__(self, limit: int, clock: Clock, window: float = 60.0) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._slots: deque[float] = deque(maxlen=limit)

    def reserve(self, budget: float | None) -> float:
        """Book a slot; return how long to wait for it, or raise if it is past the budget."""
        now = self._clock.now()
        slot = now
        if len(self._slots) == self.limit:
            slot = max(slot, self._slots[0] + self.window)
        if self._slots:
            slot = max(slot, self._slots[-1])
        wait = slot - now
        if budget is not None and wait > budget:
            raise LimiterFull(wait)
        self._slots.append(slot)
        return wait

    def available(self) -> int:
        """How many sends would go now without waiting; books nothing.

        Zero while a caller already waits for a slot (a booked slot is still ahead), else the
        limit less the slots still inside the window.
        """
        now = self._clock.now()
        if self._slots and self._slots[-1] > now:
            return 0
        since = now - self.window
        return self.limit - sum(1 for slot in self._slots if slot > since)


class LimiterFull(Exception):
    def __init__(self, wait: float) -> None:
        super().__init__(wait)
        self.wait = wait
