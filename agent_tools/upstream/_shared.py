"""Redis behind the pipeline, so replicas share one cache, one single-flight and one rate limit.

With `AGENT_TOOLS_CACHE_URL=redis://...` every cached upstream value is also written to
Redis (as JSON, never pickle) with its wall-clock freshness; a replica that misses
locally reads it from there, and a replica about to call an upstream first takes a
short lock, so N replicas make one request per key per TTL. Rate-limit slots are
booked by a Lua script on Redis' own clock, so the limit holds for all replicas
together; what a replica does while Redis is away is `_budget`'s.

Redis is an optimisation, never a dependency of an answer: any Redis error marks the
backend down for a few seconds (logged once), during which every method answers
"not available" at once and the pipeline falls back to its in-process cache and
limiter; the next call after that tries Redis again and logs the recovery.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from redis.asyncio import Redis
from redis.exceptions import RedisError

from agent_tools.upstream._clock import Clock
from agent_tools.upstream._limiter import Booking

log = logging.getLogger("agent_tools.cache")
R = TypeVar("R")

RETRY_DOWN_S = 5.0
SHARED_PREFIX = "agent_tools:v1:"
WINDOW_PREFIX = "agent_tools:v2:window:"  # sorted sets (v1 limits were lists)

# Book one slot in a provider's (or client's) sliding window, on Redis' own clock.
#
# KEYS: the window (a sorted set of slot ids scored by time), the instance's epoch (a random
# value the first booking in a new instance sets). A caller that last booked in another
# instance (Redis restarted empty) is answered -1 and nothing is booked, unless it is handing
# its own recent sends back (ARGV[8] = '1', ARGV[9:]: id, age pairs): those not already there
# are added first. Answers {1 booked | 0 refused | -1 restarted, wait s, epoch, slots in the
# window}. The slot is
# the earliest that keeps every window within `limit`, and no earlier than `not_before` s away.
_RESERVE = """
local limit, window, budget = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local slot_id, not_before = ARGV[4], tonumber(ARGV[5])
local seen, fresh, handing_back = ARGV[6], ARGV[7], ARGV[8]
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local epoch = redis.call('GET', KEYS[2])
if not epoch then
  redis.call('SET', KEYS[2], fresh)
  epoch = fresh
end
if seen ~= '' and epoch ~= seen and handing_back == '0' then return {-1, '0', epoch, 0} end
for i = 9, #ARGV, 2 do
  redis.call('ZADD', KEYS[1], 'NX', now - tonumber(ARGV[i + 1]), ARGV[i])
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local n = redis.call('ZCARD', KEYS[1])
local slot = now + not_before
if n >= limit then
  local kth = tonumber(redis.call('ZRANGE', KEYS[1], n - limit, n - limit, 'WITHSCORES')[2]) + window
  if kth > slot then slot = kth end
end
if n > 0 then
  local last = tonumber(redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')[2])
  if last > slot then slot = last end
end
local wait = slot - now
if budget >= 0 and wait > budget then return {0, tostring(wait), epoch, n} end
redis.call('ZADD', KEYS[1], slot, slot_id)
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(limit + 1))
local top = tonumber(redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')[2])
redis.call('PEXPIRE', KEYS[1], math.ceil((top - now + window) * 1000))
return {1, tostring(wait), epoch, redis.call('ZCARD', KEYS[1])}
"""

_AVAILABLE = """
local limit, window = tonumber(ARGV[1]), tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if #last > 0 and tonumber(last[2]) > now then return 0 end
local used = redis.call('ZCOUNT', KEYS[1], '(' .. tostring(now - window), '+inf')
return math.max(limit - used, 0)
"""
"""The read-only twin of _RESERVE: sends that would go now without waiting, booking none."""


@dataclass(frozen=True)
class SharedEntry:
    raw: bytes  # the value as JSON
    fetched_at: float  # unix seconds
    fresh_until: float  # unix seconds


class SharedCache:
    def __init__(self, url: str, clock: Clock, retry_down_s: float = RETRY_DOWN_S) -> None:
        self._redis: Redis = Redis.from_url(  # pyright: ignore[reportUnknownMemberType]
            url, socket_timeout=0.5, socket_connect_timeout=0.5
        )
        self._clock = clock
        self._down_until: float | None = None
        self._retry_down_s = retry_down_s
        self._reserve = self._redis.register_script(_RESERVE)
        self._available = self._redis.register_script(_AVAILABLE)

    @staticmethod
    def key(cache_key: Hashable) -> str:
        """A short, stable Redis key for a pipeline cache key (the same in every replica)."""
        return SHARED_PREFIX + hashlib.sha1(repr(cache_key).encode(), usedforsecurity=False).hexdigest()

    @property
    def up(self) -> bool:
        return self._down_until is None

    async def _call(self, op: Callable[[], Awaitable[R]]) -> R | None:
        """Run one Redis operation; None when Redis is (or just went) down."""
        if self._down_until is not None and self._clock.now() < self._down_until:
            return None
        try:
            result = await op()
        except (RedisError, OSError) as exc:
            if self._down_until is None:
                log.warning(
                    "redis unavailable, using the in-process cache and limiter",
                    extra={"error": type(exc).__name__},
                )
            self._down_until = self._clock.now() + self._retry_down_s
            return None
        if self._down_until is not None:
            log.warning("redis is back; sharing cache and limits again")
            self._down_until = None
        return result

    async def ping(self) -> bool:
        return bool(await self._call(lambda: cast(Awaitable[Any], self._redis.ping())))  # pyright: ignore[reportUnknownMemberType]

    async def get_many(self, keys: Sequence[str]) -> list[SharedEntry | None]:
        if not keys:
            return []
        raw = await self._call(lambda: self._redis.mget(list(keys)))
        return [
            None if r is None else _decode(r if isinstance(r, bytes) else r.encode())
            for r in (raw or [None] * len(keys))
        ]

    async def put_many(self, items: Sequence[tuple[str, bytes, float, float, float]]) -> None:
        """(key, json value, fetched_at, ttl, grace): kept in Redis for ttl + grace."""
        if not items:
            return

        async def write() -> None:
            pipe = self._redis.pipeline(transaction=False)
            for key, raw, fetched_at, ttl, grace in items:
                envelope = json.dumps({"f": fetched_at, "e": fetched_at + ttl}).encode() + b"\n" + raw
                pipe.set(key, envelope, px=max(1, int((ttl + grace) * 1000)))
            await pipe.execute()

        await self._call(write)

    async def lock_many(self, keys: Sequence[str], ttl_s: float) -> list[bool] | None:
        """Try to become the one loader of each key; None when Redis is down (load them all)."""
        if not keys:
            return []

        async def take() -> list[bool]:
            pipe = self._redis.pipeline(transaction=False)
            for key in keys:
                pipe.set(key, b"1", nx=True, px=max(1, int(ttl_s * 1000)))
            return [bool(r) for r in await pipe.execute()]

        return await self._call(take)

    async def unlock_many(self, keys: Sequence[str]) -> None:
        if keys:
            await self._call(lambda: self._redis.delete(*keys))

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
        """Book a slot in the window `name` for every replica; None when Redis is down.

        `epoch` is the instance the caller last booked this window in ("" for none); a
        different one answers `RESTARTED` without booking, unless `hand_back` (the caller's
        own sends of the last window: id, age s) comes along to be added first.
        """
        keys = [f"{WINDOW_PREFIX}{name}", f"{WINDOW_PREFIX}epoch"]
        args: list[Any] = [limit, window, -1 if budget is None else budget, slot_id, not_before]
        args += [epoch, secrets.token_hex(8), "0" if hand_back is None else "1"]
        args += [x for own_id, age in hand_back or () for x in (own_id, repr(age))]
        result = await self._call(lambda: cast(Awaitable[Any], self._reserve(keys=keys, args=args)))
        if result is None:
            return None
        status, wait, current, count = result
        epoch = current.decode() if isinstance(current, bytes) else str(current)
        return Booking(int(status), float(wait), epoch, int(count))

    async def available(self, name: str, limit: int, window: float) -> int | None:
        """Sends every replica together may still make now without waiting; None when Redis is down."""
        key = f"{WINDOW_PREFIX}{name}"
        result = await self._call(
            lambda: cast(Awaitable[Any], self._available(keys=[key], args=[limit, window]))
        )
        return None if result is None else int(result)

    async def aclose(self) -> None:
        await self._redis.aclose()


def _decode(raw: bytes) -> SharedEntry | None:
    header, sep, value = raw.partition(b"\n")
    if not sep:
        return None
    try:
        meta = json.loads(header)
        return SharedEntry(value, float(meta["f"]), float(meta["e"]))
    except (ValueError, KeyError, TypeError):
        return None
