"""Time as the pipeline sees it, and the per-call deadline every upstream wait respects."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Generator
from contextvars import ContextVar
from typing import Protocol, TypeVar

from agent_tools.errors import DeadlineExceeded

T = TypeVar("T")


class Clock(Protocol):
    """Time as the pipeline sees it; tests inject one so that no test really sleeps."""

    def now(self) -> float:
        """Monotonic seconds, for TTLs, windows and deadlines."""
        ...

    def wall(self) -> float:
        """Unix seconds, for `as_of` and HTTP-date Retry-After headers."""
        ...

    async def sleep(self, seconds: float) -> None: ...


class LoopClock:
    """The event loop's clock: virtual under a time-travelling test loop, real otherwise."""

    def now(self) -> float:
        return asyncio.get_running_loop().time()

    def wall(self) -> float:
        return time.time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


_deadline: ContextVar[float | None] = ContextVar("agent_tools_deadline", default=None)


@contextlib.contextmanager
def deadline_scope(clock: Clock, seconds: float) -> Generator[float]:
    """Set the absolute deadline that every upstream wait of this call must respect."""
    at = clock.now() + seconds
    token = _deadline.set(at)
    try:
        yield at
    finally:
        _deadline.reset(token)


def remaining(clock: Clock) -> float | None:
    """Seconds left before the current call's deadline, or None outside a call."""
    at = _deadline.get()
    return None if at is None else at - clock.now()


JOIN_GRACE_S = 0.05


async def wait_within_deadline(clock: Clock, future: asyncio.Future[T]) -> T:
    """Wait for a load another call started (and whose deadline may be later than ours).

    Shielded, so giving up does not cancel the load for the others; bounded by this call's
    own deadline, so joining someone else's slow request never makes us wait past ours.
    """
    left = remaining(clock)
    if left is None or future.done():
        return await asyncio.shield(future)
    try:
        # a little past our deadline, so that when the load shares it, the load's own error wins
        async with asyncio.timeout(max(left, 0.0) + JOIN_GRACE_S):
            return await asyncio.shield(future)
    except TimeoutError:
        raise DeadlineExceeded("waited for a shared upstream request until the deadline") from None
