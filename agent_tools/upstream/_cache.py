"""The response cache (TTL, with a grace period for stale-if-error) and single-flight loads."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from cachetools import TLRUCache

from agent_tools.upstream._clock import Clock, wait_within_deadline

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


@dataclass(frozen=True)
class Fetched(Generic[T_co]):
    """A parsed upstream value with its provenance."""

    value: T_co
    fetched_at: float  # unix seconds when we received it
    stale: bool = False


@dataclass(frozen=True)
class Entry:
    value: Any
    fetched_at: float
    fresh_until: float
    keep_until: float


class ResponseCache:
    """Bounded TTL cache that keeps expired values for a grace period (stale-if-error)."""

    def __init__(self, clock: Clock, max_entries: int) -> None:
        self._store: TLRUCache[Hashable, Entry] = TLRUCache(
            maxsize=max_entries, ttu=lambda _key, entry, _now: entry.keep_until, timer=clock.now
        )
        self._clock = clock

    def get(self, key: Hashable) -> Entry | None:
        try:  # one lookup (TLRUCache.get checks membership first, then looks up again)
            return self._store[key]
        except KeyError:
            return None

    def put(
        self, key: Hashable, value: Any, ttl: float, grace: float, fetched_at: float | None = None
    ) -> Entry:
        now = self._clock.now()
        wall = self._clock.wall() if fetched_at is None else fetched_at
        entry = Entry(value, wall, now + ttl, now + ttl + grace)
        self._store[key] = entry
        return entry

    def __len__(self) -> int:
        return len(self._store)


class SingleFlight:
    """Concurrent identical misses share one in-flight load."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._inflight: dict[Hashable, asyncio.Future[Any]] = {}

    async def do(self, key: Hashable, load: Callable[[], Awaitable[T]]) -> T:
        future = self._inflight.get(key)
        if future is not None:  # joining a load another call started, under its deadline
            joined: T = await wait_within_deadline(self._clock, future)
            return joined
        future = asyncio.ensure_future(load())
        self._inflight[key] = future
        future.add_done_callback(retrieve)
        future.add_done_callback(lambda done: self._settle(key, done))
        # shield: one caller giving up must not cancel the load the others wait for
        result: T = await asyncio.shield(future)
        return result

    def _settle(self, key: Hashable, done: asyncio.Future[Any]) -> None:
        if self._inflight.get(key) is done:
            del self._inflight[key]


def retrieve(future: asyncio.Future[Any]) -> None:
    """Mark a shared future's exception as seen: its waiters already received it."""
    if not future.cancelled():
        future.exception()
