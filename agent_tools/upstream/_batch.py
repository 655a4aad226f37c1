"""Per-item cache in front of many-items endpoints (price lists), coalescing concurrent lookups."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable, Hashable, Iterable, Mapping
from typing import Generic, NamedTuple, TypeVar

from agent_tools.errors import DeadlineExceeded, UpstreamError
from agent_tools.upstream._bodies import BodyAdapter
from agent_tools.upstream._cache import Fetched, retrieve
from agent_tools.upstream._clock import wait_within_deadline
from agent_tools.upstream._pipeline import Pipeline

T = TypeVar("T")

BATCH_WINDOW_S = 0.005


class Peeked(NamedTuple, Generic[T]):
    """Items served from the cache, and when (monotonic clock) the first of them stops being fresh."""

    found: dict[str, Fetched[T]]
    fresh_until: float


class Batcher(Generic[T]):
    """Per-item cache in front of a many-items endpoint, coalescing concurrent lookups.

    Price endpoints take a list of ids. Callers ask for the items they need; fresh
    items come from the cache, items already being fetched join that fetch, and the
    rest wait a few milliseconds for other callers before one request asks for all
    of them (chunked at `max_batch`). So a burst of distinct symbols from many
    concurrent calls costs a request or two, and 1,000 identical calls cost one.
    A failed fetch falls back, item by item, to expired values still in their grace.
    """

    def __init__(
        self,
        pipeline: Pipeline,
        provider: str,
        scope: Hashable,
        fetch: Callable[[list[str]], Awaitable[Fetched[Mapping[str, T]]]],
        adapter: BodyAdapter[T],
        *,
        ttl: float,
        grace: float = 3600.0,
        max_batch: int = 250,
    ) -> None:
        self._p = pipeline
        self._adapter = adapter
        self._provider = provider
        self._scope = scope
        self._fetch = fetch
        self._ttl, self._grace, self._max_batch = ttl, grace, max_batch
        self._pending: dict[str, asyncio.Future[Fetched[T] | None]] = {}
        self._inflight: dict[str, asyncio.Future[Fetched[T] | None]] = {}
        self._running: set[asyncio.Task[None]] = set()

    def _key(self, item: str) -> Hashable:
        return ("item", self._provider, self._scope, item)

    def peek(self, items: Iterable[str]) -> Peeked[T] | None:
        """Every item from the cache if all are fresh, else None: lets warm callers skip scheduling."""
        now = self._p.clock.now()
        found: dict[str, Fetched[T]] = {}
        fresh_until = math.inf
        for item in items:
            entry = self._p.cache.get(self._key(item))
            if entry is None or now >= entry.fresh_until:
                return None
            found[item] = Fetched(entry.value, entry.fetched_at)
            fresh_until = min(fresh_until, entry.fresh_until)
        self._p.stats.cache[(self._provider, "hit")] += len(found)
        return Peeked(found, fresh_until)

    async def get_many(self, items: Iterable[str]) -> dict[str, Fetched[T] | None]:
        """Each item's value (None when the upstream has no such item)."""
        stats, cache, now = self._p.stats, self._p.cache, self._p.clock.now()
        found: dict[str, Fetched[T] | None] = {}
        waiting: dict[str, asyncio.Future[Fetched[T] | None]] = {}
        for item in dict.fromkeys(items):
            entry = cache.get(self._key(item))
            if entry is not None and now < entry.fresh_until:
                stats.cache[(self._provider, "hit")] += 1
                found[item] = Fetched(entry.value, entry.fetched_at)
                continue
            future = self._inflight.get(item) or self._pending.get(item)
            if future is None:
                stats.cache[(self._provider, "miss")] += 1
                future = self._pending[item] = asyncio.get_running_loop().create_future()
                future.add_done_callback(retrieve)
                if len(self._pending) == 1:
                    asyncio.get_running_loop().call_later(BATCH_WINDOW_S, self._flush)
            waiting[item] = future
        for item, future in waiting.items():
            try:
                found[item] = await wait_within_deadline(self._p.clock, future)
            except (UpstreamError, DeadlineExceeded):
                old = await self._p.expired(self._key(item), self._adapter)
                if old is None:
                    raise
                stats.cache[(self._provider, "stale")] += 1
                found[item] = Fetched(old[0], old[1], stale=True)
        return found

    def _flush(self) -> None:
        pending, self._pending = self._pending, {}
        items = sorted(pending)
        for start in range(0, len(items), self._max_batch):
            chunk = {item: pending[item] for item in items[start : start + self._max_batch]}
            self._inflight.update(chunk)
            task = asyncio.ensure_future(self._run(chunk))
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    async def _run(self, chunk: dict[str, asyncio.Future[Fetched[T] | None]]) -> None:
        """Load a chunk (through Redis when shared) and settle every waiter, whatever ends the load:
        a waiter without a deadline must never be left on a future nobody will settle."""
        items = list(chunk)
        try:
            found = await (self._load_shared(items) if self._p.shared is not None else self._load(items))
        except BaseException as exc:
            for future in chunk.values():
                if not future.done():
                    future.set_exception(exc if isinstance(exc, Exception) else asyncio.CancelledError())
            if not isinstance(exc, Exception):
                raise
        else:
            for item, future in chunk.items():
                future.set_result(found.get(item))
        finally:
            for item in chunk:
                self._inflight.pop(item, None)

    async def _load(self, items: list[str]) -> dict[str, Fetched[T]]:
        fetched = await self._fetch(items)
        found: dict[str, Fetched[T]] = {}
        for item in items:
            value = fetched.value.get(item)
            if value is not None:
                self._p.cache.put(self._key(item), value, self._ttl, self._grace)
                found[item] = Fetched(value, fetched.fetched_at, fetched.stale)
        return found

    async def _load_shared(self, items: list[str]) -> dict[str, Fetched[T]]:
        async def load(mine: list[str]) -> Mapping[str, T | None]:
            fetched = await self._fetch(mine)
            return {item: fetched.value.get(item) for item in mine}

        entries = await self._p.load_many_shared(
            {item: self._key(item) for item in items},
            self._adapter,
            load,
            ttl=self._ttl,
            grace=self._grace,
            provider=self._provider,
        )
        return {item: Fetched(e.value, e.fetched_at) for item, e in entries.items() if e is not None}
