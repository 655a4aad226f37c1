"""Per-provider rate limiting in this process (Redis books slots for all replicas: `_shared`, `_budget`)."""

from __future__ import annotations

import itertools
import secrets
from collections import deque
from typing import NamedTuple

from agent_tools.upstream._clock import Clock

LIMIT_WINDOW_S = 60.0


class RateLimiter:
    """At most `limit` sends in any `window` seconds, for every caller of one provider in this process.

    Each caller reserves the earliest slot that keeps the sliding window within the
    limit, then waits for it, so a burst is spread out instead of drawing 429s. A slot
    further away than the caller's deadline is refused up front rather than waited for.

    It also remembers this process's own slots of the last window, each with an id unique
    across replicas, wherever they were booked: they seed the 1/N share a replica keeps
    while Redis is away, and are handed back to Redis when it returns (`_budget`).
    """

    def __init__(self, limit: int, clock: Clock, window: float = 60.0) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._slots: deque[tuple[float, str]] = deque()  # (slot on the monotonic clock, id), in order
        self._ids = (f"{secrets.token_hex(6)}:{n}" for n in itertools.count())

    def earliest(self, limit: int | None = None, now: float | None = None) -> float:
        """The earliest slot (monotonic time) that keeps our own sends within `limit` per window."""
        limit = self.limit if limit is None else limit
        now = self._clock.now() if now is None else now
        while self._slots and self._slots[0][0] <= now - self.window:
            self._slots.popleft()
        if limit <= 0:
            return now + self.window
        slot = now
        if len(self._slots) >= limit:
            slot = max(slot, self._slots[-limit][0] + self.window)
        if self._slots:
            slot = max(slot, self._slots[-1][0])
        return slot

    def next_id(self) -> str:
        return next(self._ids)

    def book(self, slot: float, slot_id: str) -> None:
        self._slots.append((slot, slot_id))

    def reserve(self, budget: float | None, limit: int | None = None) -> float:
        """Book a slot; return how long to wait for it, or raise if it is past the budget."""
        now = self._clock.now()
        slot = self.earliest(limit, now)
        wait = slot - now
        if budget is not None and wait > budget:
            raise LimiterFull(wait)
        self.book(slot, self.next_id())
        return wait

    def available(self, limit: int | None = None) -> int:
        """How many sends would go now without waiting, within `limit` (ours by default); books nothing.

        Zero while a caller already waits for a slot (a booked slot is still ahead), else the
        limit less the slots still inside the window.
        """
        limit = self.limit if limit is None else limit
        now = self._clock.now()
        if self._slots and self._slots[-1][0] > now:
            return 0
        since = now - self.window
        return max(limit - sum(1 for slot, _ in self._slots if slot > since), 0)

    def recent(self) -> list[tuple[str, float]]:
        """Our own slots of the last window as (id, age in seconds; negative for one still ahead)."""
        now = self._clock.now()
        return [(slot_id, now - slot) for slot, slot_id in self._slots if slot > now - self.window]


class LimiterFull(Exception):
    def __init__(self, wait: float) -> None:
        super().__init__(wait)
        self.wait = wait


BOOKED, REFUSED, RESTARTED = 1, 0, -1


class Booking(NamedTuple):
    """A shared window's answer (`_shared`): BOOKED, REFUSED or RESTARTED (a new Redis instance)."""

    status: int
    wait: float  # seconds until the slot (REFUSED: until the earliest free one)
    epoch: str  # the instance that answered
    in_window: int  # slots in the shared window after the answer (every replica's)
