"""A provider budget shared by replicas through Redis holds across a Redis outage.

Two replicas, 20 sends per minute, a caller on each asking to send every half second; Redis
goes away 5 s in and comes back empty at 30 s. Time is virtual (looptime) and Redis is an
in-memory stand-in with the booking rules of `_shared._RESERVE` (tests/test_redis.py runs the
real script); the goal of issue 15 is no 60 s window above 24 sends.
"""

from __future__ import annotations

import bisect
import contextlib
import itertools
from collections.abc import Sequence

import pytest

from agent_tools.upstream import Budget, LimiterFull, LoopClock
from agent_tools.upstream._limiter import BOOKED, REFUSED, RESTARTED, Booking

LIMIT = 20
WINDOW = 60.0


class FakeRedis:
    """The shared windows and epoch of one Redis instance; `restart()` empties it."""

    def __init__(self, clock: LoopClock) -> None:
        self.clock = clock
        self.up = True
        self.windows: dict[str, dict[str, float]] = {}
        self._epochs = (f"epoch-{n}" for n in itertools.count())
        self.epoch = next(self._epochs)

    def restart(self) -> None:
        self.windows, self.epoch, self.up = {}, next(self._epochs), True


class FakeShared:
    """One replica's connection: `SharedCache.reserve` on a `FakeRedis`."""

    def __init__(self, redis: FakeRedis) -> None:
        self.redis = redis

    async def reserve(
        self,
        name: str,
        limit: int,
        window: float,
        budget: float | None,
        *,
        slot_id: str,
        epoch: str,
        not_before: float = 0.0,
        hand_back: Sequence[tuple[str, float]] | None = None,
    ) -> Booking | None:
        redis = self.redis
        if not redis.up:
            return None
        if epoch not in ("", redis.epoch) and hand_back is None:
            return Booking(RESTARTED, 0.0, redis.epoch, 0)
        now = redis.clock.now()
        slots = redis.windows.setdefault(name, {})
        for sid, age in hand_back or ():
            slots.setdefault(sid, now - age)
        for sid in [s for s, t in slots.items() if t <= now - window]:
            del slots[sid]
        times = sorted(slots.values())
        slot = now + not_before
        if len(times) >= limit:
            slot = max(slot, times[len(times) - limit] + window)
        if times:
            slot = max(slot, times[-1])
        wait = slot - now
        if budget is not None and wait > budget:
            return Booking(REFUSED, wait, redis.epoch, len(times))
        slots[slot_id] = slot
        return Booking(BOOKED, wait, redis.epoch, len(times) + 1)


def max_in_window(sends: list[float], window: float = WINDOW) -> int:
    sends = sorted(sends)
    return max((bisect.bisect_left(sends, t + window) - i for i, t in enumerate(sends)), default=0)


async def run_outage(replicas_setting: int) -> list[float]:
    clock = LoopClock()
    redis = FakeRedis(clock)
    budgets = [
        Budget("coingecko", LIMIT, clock, shared=FakeShared(redis), replicas=replicas_setting)  # pyright: ignore[reportArgumentType]
        for _ in range(2)
    ]
    sends: list[float] = []
    start = clock.now()
    for tick in range(2 * 120):  # 120 s, a request every 0.5 s on each replica
        t = tick * 0.5
        if t == 5.0:
            redis.up = False
        if t == 30.0:
            redis.restart()
        for budget in budgets:
            try:
                wait = await budget.reserve(10.0)  # a 10 s deadline
            except LimiterFull:
                continue
            sends.append(clock.now() - start + wait)
        await clock.sleep(0.5)
    return sends


@pytest.mark.looptime
async def test_two_replicas_stay_within_the_budget_through_a_redis_outage() -> None:
    sends = await run_outage(replicas_setting=2)
    assert max_in_window(sends) <= 24
    assert len(sends) >= 2 * LIMIT  # and the budget is still used: 120 s is two windows' worth


@pytest.mark.looptime
async def test_replicas_that_never_reach_redis_keep_to_their_shares() -> None:
    clock = LoopClock()
    redis = FakeRedis(clock)
    redis.up = False
    budgets = [Budget("cg", LIMIT, clock, shared=FakeShared(redis), replicas=2) for _ in range(2)]  # pyright: ignore[reportArgumentType]
    sends: list[float] = []
    for _ in range(2 * 120):
        for budget in budgets:
            with contextlib.suppress(LimiterFull):
                sends.append(clock.now() + await budget.reserve(10.0))
        await clock.sleep(0.5)
    assert max_in_window(sends) == LIMIT  # 10 each, every minute


def test_the_share_is_the_floor_of_limit_over_replicas() -> None:
    clock = LoopClock()
    assert [Budget("x", 20, clock, replicas=n).share for n in (1, 2, 3, 21)] == [20, 10, 6, 0]


@pytest.mark.looptime
async def test_a_restart_nobody_saw_go_down_still_keeps_survivors_to_their_share() -> None:
    """Three replicas; one dies 9 s in, taking its sends' record with it when Redis restarts at 13 s
    (so fast that no replica saw it down: they meet a new instance). The survivors hand back theirs,
    and keep to their share for a window, so the dead replica's sends still count."""
    clock = LoopClock()
    redis = FakeRedis(clock)
    budgets = [Budget("cg", 60, clock, shared=FakeShared(redis), replicas=3) for _ in range(3)]  # pyright: ignore[reportArgumentType]
    sends: list[float] = []
    start = clock.now()
    for tick in range(2 * 120):
        t = tick * 0.5
        if t == 13.0:
            redis.restart()
        for i, budget in enumerate(budgets):
            if i == 2 and t >= 9.0:
                continue  # dead
            for _ in range(4):  # a burst of calls on each replica every half second
                try:
                    wait = await budget.reserve(10.0)
                except LimiterFull:
                    continue
                sends.append(clock.now() - start + wait)
        await clock.sleep(0.5)
    assert max_in_window(sends) <= 60
