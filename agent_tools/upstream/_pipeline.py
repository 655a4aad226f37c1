"""The state every provider shares: clock, cache, single-flight, limiters, HTTP clients, counters.

With Redis configured (`_shared`), values, single-flight and rate-limit slots are shared by
every replica; without it, or while it is down, all of it is in-process.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Hashable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

import httpx
from pydantic import ValidationError

from agent_tools.errors import DeadlineExceeded, UpstreamError
from agent_tools.upstream._bodies import BodyAdapter
from agent_tools.upstream._budget import Budget
from agent_tools.upstream._cache import Entry, Fetched, ResponseCache, SingleFlight
from agent_tools.upstream._clock import Clock, remaining
from agent_tools.upstream._spec import ProviderSpec

if TYPE_CHECKING:  # redis is imported only when configured (services._shared_cache)
    from agent_tools.upstream._shared import SharedCache

T = TypeVar("T")

CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 8.0
SHARED_POLL_S = 0.02


@dataclass
class Stats:
    """Counters for /metrics and for tests: what the pipeline did, by provider."""

    requests: Counter[tuple[str, str]] = field(default_factory=Counter[tuple[str, str]])
    retries: Counter[str] = field(default_factory=Counter[str])
    cache: Counter[tuple[str, str]] = field(default_factory=Counter[tuple[str, str]])
    limiter_waits: Counter[str] = field(default_factory=Counter[str])
    drift: Counter[str] = field(default_factory=Counter[str])  # bodies not in the shape we read


class Pipeline:
    """Shared state for all providers: clock, cache, single-flight, limiters, HTTP clients."""

    def __init__(
        self,
        clock: Clock,
        *,
        max_entries: int = 10_000,
        max_body_bytes: int = 5_000_000,
        transport: httpx.AsyncBaseTransport | None = None,
        shared: SharedCache | None = None,
        replicas: int = 1,
    ) -> None:
        self.clock = clock
        self.shared = shared
        self.replicas = replicas
        self.cache = ResponseCache(clock, max_entries)
        self.stats = Stats()
        self.max_body_bytes = max_body_bytes
        self._flights = SingleFlight(clock)
        self._transport = transport
        self._clients: dict[str, httpx.AsyncClient] = {}
        self._budgets: dict[str, Budget] = {}

    def budget(self, spec: ProviderSpec) -> Budget:
        """The provider's send budget: shared by the replicas through Redis, kept to a share without it."""
        budget = self._budgets.get(spec.name)
        if budget is None or budget.limit != spec.rate_per_min:
            budget = self._budgets[spec.name] = Budget(
                spec.name, spec.rate_per_min, self.clock, shared=self.shared, replicas=self.replicas
            )
        return budget

    def client(self, spec: ProviderSpec) -> httpx.AsyncClient:
        """One pooled client per provider and base URL."""
        key = f"{spec.name} {spec.base_url}"
        client = self._clients.get(key)
        if client is None:
            client = self._clients[key] = httpx.AsyncClient(
                base_url=spec.base_url + "/",
                headers={"accept": "application/json", "user-agent": "agent-tools/0.1"},
                timeout=httpx.Timeout(READ_TIMEOUT_S, connect=CONNECT_TIMEOUT_S),
                limits=httpx.Limits(max_connections=20, max_keepalive_connections=10),
                transport=self._transport,
                follow_redirects=False,
            )
        return client

    async def aclose(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()

    async def cached(
        self,
        key: Hashable,
        load: Callable[[], Awaitable[T]],
        *,
        ttl: float,
        grace: float,
        provider: str,
        adapter: BodyAdapter[T],
    ) -> Fetched[T]:
        """Fresh cache hit, else one shared load; on failure an expired value if still kept."""
        entry = self.cache.get(key)
        if entry is not None and self.clock.now() < entry.fresh_until:
            self.stats.cache[(provider, "hit")] += 1
            return Fetched(entry.value, entry.fetched_at)
        self.stats.cache[(provider, "miss")] += 1

        async def load_and_store() -> Entry:
            if self.shared is None:
                return self.cache.put(key, await load(), ttl, grace)

            async def load_one(_: list[str]) -> dict[str, T]:
                return {"": await load()}

            got = await self.load_many_shared(
                {"": key}, adapter, load_one, ttl=ttl, grace=grace, provider=provider
            )
            assert got[""] is not None
            return got[""]

        try:
            fresh = await self._flights.do(key, load_and_store)
        except (UpstreamError, DeadlineExceeded):
            old = await self.expired(key, adapter)
            if old is None:
                raise
            self.stats.cache[(provider, "stale")] += 1
            return Fetched(old[0], old[1], stale=True)
        return Fetched(fresh.value, fresh.fetched_at)

    async def expired(self, key: Hashable, adapter: BodyAdapter[T]) -> tuple[T, float] | None:
        """An expired value still in its grace period, from this process or from Redis."""
        old = self.cache.get(key)
        if old is not None:
            return old.value, old.fetched_at
        if self.shared is not None:
            [got] = await self.shared.get_many([self.shared.key(key)])
            if got is not None:
                try:
                    return adapter.validate_json(got.raw), got.fetched_at
                except ValidationError:
                    return None
        return None

    async def load_many_shared(
        self,
        keys: Mapping[str, Hashable],
        adapter: BodyAdapter[T],
        load: Callable[[list[str]], Awaitable[Mapping[str, T | None]]],
        *,
        ttl: float,
        grace: float,
        provider: str,
    ) -> dict[str, Entry | None]:
        """Load items once across replicas: Redis values first, else lock and load, else wait.

        Items another replica is loading are polled until its value lands or its lock
        lapses (then we try to take over). Never waits past the call's deadline.
        """
        assert self.shared is not None
        shared = self.shared
        skeys = {item: shared.key(key) for item, key in keys.items()}
        out: dict[str, Entry | None] = {}
        pending: list[str] = list(keys)
        while pending:
            wall = self.clock.wall()
            for item, got in zip(pending, await shared.get_many([skeys[i] for i in pending]), strict=True):
                if got is not None and wall < got.fresh_until:
                    try:
                        value = adapter.validate_json(got.raw)
                    except ValidationError:
                        continue
                    out[item] = self.cache.put(
                        keys[item], value, got.fresh_until - wall, grace, got.fetched_at
                    )
                    self.stats.cache[(provider, "shared_hit")] += 1
            pending = [i for i in pending if i not in out]
            if not pending:
                break
            left = remaining(self.clock)
            locks = await shared.lock_many([skeys[i] + ":lock" for i in pending], min(left or 30.0, 30.0))
            mine = pending if locks is None else [i for i, ok in zip(pending, locks, strict=True) if ok]
            if mine:
                try:
                    values = await load(mine)
                    writes: list[tuple[str, bytes, float, float, float]] = []
                    for item in mine:
                        value = values.get(item)
                        out[item] = None if value is None else self.cache.put(keys[item], value, ttl, grace)
                        if value is not None:
                            fetched_at = self.clock.wall()
                            writes.append((skeys[item], adapter.dump_json(value), fetched_at, ttl, grace))
                    await shared.put_many(writes)
                finally:
                    if locks is not None:
                        await shared.unlock_many([skeys[i] + ":lock" for i in mine])
                pending = [i for i in pending if i not in mine]
            if pending:  # another replica holds these locks: wait for its values
                left = remaining(self.clock)
                if left is not None and left <= SHARED_POLL_S:
                    raise DeadlineExceeded(
                        f"{provider}: waited for another replica's request until the deadline"
                    )
                await self.clock.sleep(SHARED_POLL_S)
        return out

    async def reserve(self, spec: ProviderSpec, budget: float | None) -> float:
        """Book a send slot within the provider's budget; the wait for it (`LimiterFull` past `budget`)."""
        return await self.budget(spec).reserve(budget)

    async def budget_left(self, spec: ProviderSpec) -> int:
        """Requests the provider's budget would send now without waiting, across replicas when Redis
        is up. A cheap read that books nothing, so callers can pick a source that still has budget."""
        return await self.budget(spec).available()
