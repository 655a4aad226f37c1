"""One sliding-window limit for N replicas that holds across a Redis outage.

While Redis answers, every send is booked there (`_shared`), so the replicas together stay
within `limit` per window. When it does not, a replica keeps only its share, `limit // N`
(AGENT_TOOLS_REPLICAS), counted against its own sends of the last window, booked before the
outage or during it. When Redis answers again, or answers as a new, empty instance, the
replica first hands its own recent sends back to the shared window, then books; and it keeps
to its share for one more window, since another replica may not have handed its sends back
yet (or cannot: a replica that died with the old instance). Its share is also cut by what the
other replicas had used when it last saw the shared window (until those sends must have aged
out), so a replica that used little cannot take a whole share on top of one that used a lot. Provider budgets and per-client
quotas are both `Budget`s.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from agent_tools.upstream._clock import Clock
from agent_tools.upstream._limiter import BOOKED, LIMIT_WINDOW_S, RESTARTED, LimiterFull, RateLimiter

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
        self._epoch = ""  # the Redis instance this window was last booked in
        self._others = 0  # the other replicas' sends in the shared window when last seen...
        self._others_until = float("-inf")  # ...which may count until then (monotonic)

    async def reserve(self, budget: float | None) -> float:
        """Book a send; return how long to wait for its slot, or raise `LimiterFull` past `budget` s."""
        if self._shared is None:
            return self._own.reserve(budget)
        for _ in range(2):  # a second time only after meeting a restarted Redis
            now = self._clock.now()
            not_before = (
                self._own.earliest(self._local_limit(now), now) - now if now < self._share_until else 0.0
            )
            if budget is not None and not_before > budget:
                raise LimiterFull(not_before)
            slot_id = self._own.next_id()
            booked = await self._shared.reserve(
                self.name,
                self.limit,
                self.window,
                budget,
                slot_id=slot_id,
                epoch=self._epoch,
                not_before=not_before,
                hand_back=self._own.recent() if self._hand_back else None,
            )
            if booked is None:  # Redis is away: this replica's share, counted against its own sends
                self._away(now)
                return self._own.reserve(budget, self._local_limit(now))
            if booked.status == RESTARTED:
                self._away(now)
                continue
            self._hand_back = False
            self._epoch = booked.epoch
            if booked.status == BOOKED:
                self._own.book(now + booked.wait, slot_id)
            self._others = max(booked.in_window - len(self._own.recent()), 0)
            self._others_until = now + self.window
            if booked.status != BOOKED:
                raise LimiterFull(booked.wait)
            return max(booked.wait, 0.0)
        raise LimiterFull(self.window)  # restarted twice in a row: give up this once

    async def available(self) -> int:
        """Sends that would go now without waiting, booking none: the shared window's room while Redis
        answers (within this replica's share while it keeps to it), else this replica's own."""
        now = self._clock.now()
        own = self._own.available(self._local_limit(now) if now < self._share_until else None)
        if self._shared is None:
            return own
        left = await self._shared.available(self.name, self.limit, self.window)
        if left is None:  # Redis is away: this replica's share, counted against its own sends
            return self._own.available(self._local_limit(now))
        return min(left, own) if now < self._share_until else left

    def _local_limit(self, now: float) -> int:
        """Sends this replica may have in a window on its own: its share, less the others' last seen use."""
        others = self._others if now < self._others_until else 0
        return min(self.share, max(self.limit - others, 0))

    def _away(self, now: float) -> None:
        """Redis was away or lost our sends: hand them back next time, keep to the share a window more."""
        self._hand_back = True
        self._share_until = now + self.window
