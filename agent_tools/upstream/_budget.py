"""One sliding-window limit for N replicas that holds across a Redis outage.

While Redis answers, every send is booked there (`_shared`), so the replicas together stay
within `limit` per window. When it does not, a replica keeps only its share, `limit // N`
(AGENT_TOOLS_REPLICAS), counted against its own sends of the last window, booked before the
outage or during it. When Redis answers again (or answers as a new, empty instance) the
replica first hands its own recent sends back to the shared window, then books; and it keeps
to its share for one more window, since another replica may not have handed its sends back yet.
Provider budgets and per-client quotas are both `Budget`s.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from agent_tools.upstream._clock import Clock
from agent_tools.upstream._limiter import LIMIT_WINDOW_S, LimiterFull, RateLimiter

if TYPE_CHECKING:
    from agent_tools.upstream._shared import SharedCache


class Budget:
    def __init__(
        self,
        name: str,
        limit: int,
        clock: Clock,
        *,
        shared: SharedCache | None = None,
        replicas: int = 1,
        window: float = LIMIT_WINDOW_S,
    ) -> None:
        self.name = name
        self.limit = limit
        self.share = limit // replicas
        self.window = window
        self._clock = clock
        self._shared = shared
        self._own = RateLimiter(limit, clock, window)
        self._share_until = float("-inf")  # keep to the share until then (monotonic)
        self._hand_back = False

    async def reserve(self, budget: float | None) -> float:
        """Book a send; return how long to wait for its slot, or raise `LimiterFull` past `budget` s."""
        if self._shared is None:
            return self._own.reserve(budget)
        now = self._clock.now()
        not_before = self._own.earliest(self.share, now) - now if now < self._share_until else 0.0
        if budget is not None and not_before > budget:
            raise LimiterFull(not_before)
        slot_id = self._own.next_id()
        booked = await self._shared.reserve(
            self.name,
            self.limit,
            self.window,
            budget,
            slot_id=slot_id,
            not_before=not_before,
            recent=self._own.recent,
            hand_back=self._hand_back,
        )
        if booked is None:  # Redis is away: this replica's share, counted against its own sends
            self._hand_back = True
            self._share_until = self._clock.now() + self.window
            return self._own.reserve(budget, self.share)
        self._hand_back = False
        ok, wait = booked
        if not ok:
            raise LimiterFull(wait)
        self._own.book(now + wait, slot_id)
        return max(wait, 0.0)
