"""The one pipeline every upstream call goes through.

    cache lookup (TTL, single-flight, stale-if-error)
      -> rate limiter (per provider, shared by every caller in the process)
      -> retry (tenacity: 429/5xx/timeouts, honours Retry-After, bounded by the call deadline)
      -> httpx.AsyncClient (pooled, timeouts, base URL from settings, body size cap)
      -> parse into a pydantic model (a drifted body is UPSTREAM_BAD_RESPONSE)

Provider modules only describe endpoints and shapes; nothing here knows about a
particular provider beyond its name, base URL, headers, limit and an optional hook
that reads provider-specific error bodies.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import hashlib
import json
import logging
import math
import re
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Generator, Hashable, Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

import httpx
from cachetools import TLRUCache
from opentelemetry import trace
from pydantic import ValidationError
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, wait_exponential_jitter

if TYPE_CHECKING:
    from agent_tools.upstream._shared import SharedCache

from agent_tools.errors import (
    AgentToolsError,
    DeadlineExceeded,
    UpstreamBadResponse,
    UpstreamDrifted,
    UpstreamError,
    UpstreamRateLimited,
    UpstreamTimedOut,
    UpstreamUnavailable,
)
from agent_tools.upstream._bodies import BodyAdapter

_tracer = trace.get_tracer("agent_tools.upstream")  # a no-op unless an OpenTelemetry SDK is configured
T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
log = logging.getLogger("agent_tools.upstream")

MAX_ATTEMPTS = 4
MAX_RETRY_AFTER_S = 3 * 24 * 3600.0  # Binance bans last up to three days
CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 8.0


# --- time -----------------------------------------------------------------------------


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


# --- observation -------------------------------------------------------------------------


@dataclass
class Stats:
    """Counters for /metrics and for tests: what the pipeline did, by provider."""

    requests: Counter[tuple[str, str]] = field(default_factory=Counter[tuple[str, str]])
    retries: Counter[str] = field(default_factory=Counter[str])
    cache: Counter[tuple[str, str]] = field(default_factory=Counter[tuple[str, str]])
    limiter_waits: Counter[str] = field(default_factory=Counter[str])
    drift: Counter[str] = field(default_factory=Counter[str])  # bodies not in the shape we read


# --- cache ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fetched(Generic[T_co]):
    """A parsed upstream value with its provenance."""

    value: T_co
    fetched_at: float  # unix seconds when we received it
    stale: bool = False


@dataclass(frozen=True)
class _Entry:
    value: Any
    fetched_at: float
    fresh_until: float
    keep_until: float


class ResponseCache:
    """Bounded TTL cache that keeps expired values for a grace period (stale-if-error)."""

    def __init__(self, clock: Clock, max_entries: int) -> None:
        self._store: TLRUCache[Hashable, _Entry] = TLRUCache(
            maxsize=max_entries, ttu=lambda _key, entry, _now: entry.keep_until, timer=clock.now
        )
        self._clock = clock

    def get(self, key: Hashable) -> _Entry | None:
        try:  # one lookup (TLRUCache.get checks membership first, then looks up again)
            return self._store[key]
        except KeyError:
            return None

    def put(
        self, key: Hashable, value: Any, ttl: float, grace: float, fetched_at: float | None = None
    ) -> _Entry:
        now = self._clock.now()
        wall = self._clock.wall() if fetched_at is None else fetched_at
        entry = _Entry(value, wall, now + ttl, now + ttl + grace)
        self._store[key] = entry
        return entry

    def __len__(self) -> int:
        return len(self._store)


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
        future.add_done_callback(_retrieve)
        future.add_done_callback(lambda done: self._settle(key, done))
        # shield: one caller giving up must not cancel the load the others wait for
        result: T = await asyncio.shield(future)
        return result

    def _settle(self, key: Hashable, done: asyncio.Future[Any]) -> None:
        if self._inflight.get(key) is done:
            del self._inflight[key]


# --- rate limiting -------------------------------------------------------------------------


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
            raise _LimiterFull(wait)
        self._slots.append(slot)
        return wait


class _LimiterFull(Exception):
    def __init__(self, wait: float) -> None:
        super().__init__(wait)
        self.wait = wait


# --- retry ----------------------------------------------------------------------------------


class Retryable(Exception):
    """A failure worth retrying; carries the error to report if retries run out.

    Provider error hooks return one to ask for a retry, or a plain error to fail at once.
    """

    def __init__(
        self, error: UpstreamError, retry_after: float | None = None, max_attempts: int = MAX_ATTEMPTS
    ) -> None:
        super().__init__(error.message)
        self.error = error
        self.retry_after = retry_after
        self.max_attempts = max_attempts


def parse_retry_after(value: str | None, wall_now: float) -> float | None:
    """Retry-After as seconds from now: delta-seconds or an HTTP date (RFC 9110)."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - wall_now
    if not math.isfinite(seconds):
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_S)


def _with_wait(
    failure: AgentToolsError | Retryable, retry_after: float | None, hint: str | None
) -> AgentToolsError | Retryable:
    """A rate limit a hook classified, completed with the response's Retry-After and the provider's hint.

    A wait the hook set itself (say, a per-second limit it knows) is kept.
    """
    error = failure.error if isinstance(failure, Retryable) else failure
    if not isinstance(error, UpstreamRateLimited):
        return failure
    if error.retry_after_s is None and retry_after is not None:
        error.retry_after_s = retry_after
    if error.retry_after_s is not None and "try again in" not in error.message:
        error.message = f"{error.message}; try again in {math.ceil(error.retry_after_s)} s"
        error.args = (error.message,)
    if error.hint is None:
        error.hint = hint
    if isinstance(failure, Retryable) and failure.retry_after is None:
        failure.retry_after = error.retry_after_s
    return failure


_BACKOFF = wait_exponential_jitter(multiplier=0.5, max=8.0, jitter=0.5)  # 0.5, 1, 2, 4 s (+ up to 0.5 s)

ErrorHook = Callable[[httpx.Response, Any], "AgentToolsError | Retryable | None"]
"""Reads a provider's own error body (status and parsed JSON or None); None = not special."""


@dataclass(frozen=True)
class ProviderSpec:
    name: str  # settings key and metrics label, e.g. "coingecko"
    display: str  # for messages, e.g. "CoinGecko"
    base_url: str
    rate_per_min: int
    headers: Mapping[str, str] = field(default_factory=dict[str, str])
    auth_params: Mapping[str, str] = field(default_factory=dict[str, str])  # e.g. apikey=...
    error_hook: ErrorHook | None = None
    hint: str | None = None  # what helps when this provider rate-limits us


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
    ) -> None:
        self.clock = clock
        self.shared = shared
        self.cache = ResponseCache(clock, max_entries)
        self.stats = Stats()
        self.max_body_bytes = max_body_bytes
        self._flights = SingleFlight(clock)
        self._transport = transport
        self._clients: dict[str, httpx.AsyncClient] = {}
        self._limiters: dict[str, RateLimiter] = {}

    def upstream(self, spec: ProviderSpec) -> Upstream:
        return Upstream(self, spec)

    def limiter(self, spec: ProviderSpec) -> RateLimiter:
        limiter = self._limiters.get(spec.name)
        if limiter is None or limiter.limit != spec.rate_per_min:
            limiter = self._limiters[spec.name] = RateLimiter(spec.rate_per_min, self.clock, LIMIT_WINDOW_S)
        return limiter

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

        async def load_and_store() -> _Entry:
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
            [got] = await self.shared.get_many([shared_key(key)])
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
    ) -> dict[str, _Entry | None]:
        """Load items once across replicas: Redis values first, else lock and load, else wait.

        Items another replica is loading are polled until its value lands or its lock
        lapses (then we try to take over). Never waits past the call's deadline.
        """
        assert self.shared is not None
        shared = self.shared
        skeys = {item: shared_key(key) for item, key in keys.items()}
        out: dict[str, _Entry | None] = {}
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
        """Book a send slot on the provider's limiter: shared by all replicas when Redis is up."""
        if self.shared is not None:
            booked = await self.shared.reserve(spec.name, spec.rate_per_min, LIMIT_WINDOW_S, budget)
            if booked is not None:
                ok, wait = booked
                if not ok:
                    raise _LimiterFull(wait)
                return max(wait, 0.0)
        return self.limiter(spec).reserve(budget)


BATCH_WINDOW_S = 0.005
SHARED_POLL_S = 0.02
SHARED_PREFIX = "agent_tools:v1:"


def shared_key(key: Hashable) -> str:
    """A short, stable Redis key for a pipeline cache key (the same in every replica)."""
    return SHARED_PREFIX + hashlib.sha1(repr(key).encode(), usedforsecurity=False).hexdigest()


LIMIT_WINDOW_S = 60.0


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

    def peek(self, items: Iterable[str]) -> dict[str, Fetched[T]] | None:
        """Every item from the cache if all are fresh, else None: lets warm callers skip scheduling."""
        now = self._p.clock.now()
        found: dict[str, Fetched[T]] = {}
        for item in items:
            entry = self._p.cache.get(self._key(item))
            if entry is None or now >= entry.fresh_until:
                return None
            found[item] = Fetched(entry.value, entry.fetched_at)
        self._p.stats.cache[(self._provider, "hit")] += len(found)
        return found

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
                future.add_done_callback(_retrieve)
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
        if self._p.shared is not None:
            await self._run_shared(chunk)
            return
        try:
            fetched = await self._fetch(list(chunk))
        except BaseException as exc:
            for future in chunk.values():
                if not future.done():
                    future.set_exception(exc if isinstance(exc, Exception) else asyncio.CancelledError())
            if not isinstance(exc, Exception):
                raise
        else:
            for item, future in chunk.items():
                value = fetched.value.get(item)
                if value is not None:
                    self._p.cache.put(self._key(item), value, self._ttl, self._grace)
                    future.set_result(Fetched(value, fetched.fetched_at, fetched.stale))
                else:
                    future.set_result(None)
        finally:
            for item in chunk:
                self._inflight.pop(item, None)

    async def _run_shared(self, chunk: dict[str, asyncio.Future[Fetched[T] | None]]) -> None:
        async def load(items: list[str]) -> Mapping[str, T | None]:
            fetched = await self._fetch(items)
            return {item: fetched.value.get(item) for item in items}

        try:
            entries = await self._p.load_many_shared(
                {item: self._key(item) for item in chunk},
                self._adapter,
                load,
                ttl=self._ttl,
                grace=self._grace,
                provider=self._provider,
            )
        except Exception as exc:
            for future in chunk.values():
                if not future.done():
                    future.set_exception(exc)
        else:
            for item, future in chunk.items():
                entry = entries.get(item)
                future.set_result(None if entry is None else Fetched(entry.value, entry.fetched_at))
        finally:
            for item in chunk:
                self._inflight.pop(item, None)


def _where(error: ValidationError) -> str:
    """Where a body failed validation, cheaply: listing a huge body's errors can take seconds."""
    count = error.error_count()
    if count > 20:
        return f"{count} fields wrong"
    places = sorted(
        {".".join(_loc_part(p) for p in e["loc"]) or "<root>" for e in error.errors(include_url=False)}
    )
    return "at " + ", ".join(places[:5])


_PLAIN_KEY = re.compile(r"[A-Za-z0-9_.-]{1,48}")


def _loc_part(part: str | int) -> str:
    """A location step for a message: our field names and indexes as they are; a provider's own
    dict key (an address, or anything a hostile body sends) only when short and plain."""
    text = str(part)
    return text if _PLAIN_KEY.fullmatch(text) else "<key>"


def _retrieve(future: asyncio.Future[Any]) -> None:
    """Mark a shared future's exception as seen: its waiters already received it."""
    if not future.cancelled():
        future.exception()


class Upstream:
    """A provider seen through the pipeline: `get`/`post` return parsed, cached values."""

    def __init__(self, pipeline: Pipeline, spec: ProviderSpec) -> None:
        self._p = pipeline
        self.spec = spec

    async def get(
        self,
        path: str,
        params: Mapping[str, str] | None,
        adapter: BodyAdapter[T],
        *,
        ttl: float,
        grace: float = 3600.0,
        max_bytes: int | None = None,
        cache: bool = True,
    ) -> Fetched[T]:
        """GET and parse; `cache=False` for callers that cache per item themselves (see Batcher)."""
        params = dict(params or {})
        if not cache:
            value = await self._load("GET", path, params, None, adapter, max_bytes)
            return Fetched(value, self._p.clock.wall())
        key = (self.spec.name, self.spec.base_url, "GET", path, tuple(sorted(params.items())))
        return await self._p.cached(
            key,
            lambda: self._load("GET", path, params, None, adapter, max_bytes),
            ttl=ttl,
            grace=grace,
            provider=self.spec.name,
            adapter=adapter,
        )

    async def post(
        self,
        path: str,
        body: Any,
        adapter: BodyAdapter[T],
        *,
        ttl: float,
        grace: float = 3600.0,
    ) -> Fetched[T]:
        digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
        key = (self.spec.name, self.spec.base_url, "POST", path, digest)
        return await self._p.cached(
            key,
            lambda: self._load("POST", path, {}, body, adapter, None),
            ttl=ttl,
            grace=grace,
            provider=self.spec.name,
            adapter=adapter,
        )

    # -- one load: limiter, retries, HTTP, parse ------------------------------------------

    async def _load(
        self,
        method: str,
        path: str,
        params: dict[str, str],
        body: Any,
        adapter: BodyAdapter[T],
        max_bytes: int | None,
    ) -> T:
        clock = self._p.clock

        def stop(state: RetryCallState) -> bool:
            """Out of attempts, or the next wait would end past the call's deadline."""
            failure = state.outcome.exception() if state.outcome else None
            limit = failure.max_attempts if isinstance(failure, Retryable) else MAX_ATTEMPTS
            left = remaining(clock)
            return state.attempt_number >= limit or (left is not None and state.upcoming_sleep >= left)

        def wait(state: RetryCallState) -> float:
            failure = state.outcome.exception() if state.outcome else None
            if isinstance(failure, Retryable) and failure.retry_after is not None:
                return failure.retry_after
            return _BACKOFF(state)

        async def before_sleep(state: RetryCallState) -> None:
            self._p.stats.retries[self.spec.name] += 1
            log.info(
                "retrying upstream",
                extra={"provider": self.spec.name, "path": path, "wait_s": round(state.upcoming_sleep, 3)},
            )

        retrying = AsyncRetrying(
            retry=retry_if_exception_type(Retryable),
            wait=wait,
            stop=stop,
            sleep=clock.sleep,
            before_sleep=before_sleep,
            reraise=True,
        )
        raw: Any = None
        try:
            async for attempt in retrying:
                with attempt:
                    raw = await self._attempt(method, path, params, body, max_bytes or self._p.max_body_bytes)
        except Retryable as failure:
            raise failure.error from None
        try:
            return adapter.validate_python(raw)
        except ValidationError as exc:
            # drift: failed for this call, counted and logged, and never cached as a good answer
            where = _where(exc)
            self._p.stats.drift[self.spec.name] += 1
            log.warning(
                "upstream body drifted", extra={"provider": self.spec.name, "path": path, "where": where}
            )
            raise UpstreamDrifted(
                self.spec.name,
                f"{self.spec.display} changed its response format ({where})",
                hint="the provider may have changed its API; try again later or report it",
            ) from None

    async def _attempt(
        self, method: str, path: str, params: dict[str, str], body: Any, max_bytes: int
    ) -> Any:
        spec, clock, stats = self.spec, self._p.clock, self._p.stats
        left = remaining(clock)
        if left is not None and left <= 0:
            raise DeadlineExceeded(f"no time left to call {spec.display} within the deadline")
        try:
            wait = await self._p.reserve(spec, left)
        except _LimiterFull as full:
            raise UpstreamRateLimited(
                spec.name,
                f"{spec.display} request budget ({spec.rate_per_min}/min) is used up; "
                f"try again in {math.ceil(full.wait)} s",
                retry_after_s=full.wait,
                hint=spec.hint,
            ) from None
        if wait > 0:
            stats.limiter_waits[spec.name] += 1
            await clock.sleep(wait)
            left = remaining(clock)

        timeout = READ_TIMEOUT_S if left is None else max(min(READ_TIMEOUT_S, left), 0.001)
        client = self._p.client(spec)
        request = client.build_request(
            method,
            path.lstrip("/") or spec.base_url,  # an empty path means the base URL itself (JSON-RPC)
            params={**params, **spec.auth_params} or None,
            json=body,
            headers=dict(spec.headers),
            timeout=httpx.Timeout(timeout, connect=min(CONNECT_TIMEOUT_S, timeout)),
        )
        attributes = {"provider": spec.name, "http.method": method, "path": path}
        try:
            with _tracer.start_as_current_span(f"upstream {spec.name}", attributes=attributes):
                async with asyncio.timeout(timeout):  # the whole attempt, however the body trickles
                    response = await client.send(request, stream=True)
                    try:
                        content = await self._read_capped(response, max_bytes)
                    finally:
                        await response.aclose()
        except (httpx.TimeoutException, TimeoutError):
            stats.requests[(spec.name, "timeout")] += 1
            left = remaining(clock)
            if left is not None and left <= 0.001:
                raise DeadlineExceeded(f"{spec.display} did not answer within the deadline") from None
            raise Retryable(UpstreamTimedOut(spec.name, f"{spec.display} timed out")) from None
        except httpx.ConnectError:
            # no route, refused or no DNS: one quick retry, since another rarely helps within seconds
            stats.requests[(spec.name, "connect_error")] += 1
            raise Retryable(
                UpstreamUnavailable(spec.name, f"{spec.display} is unreachable"), max_attempts=2
            ) from None
        except httpx.TransportError:
            stats.requests[(spec.name, "network_error")] += 1
            raise Retryable(UpstreamUnavailable(spec.name, f"{spec.display} connection failed")) from None

        stats.requests[(spec.name, str(response.status_code))] += 1
        log.info(
            "upstream request",
            extra={"provider": spec.name, "method": method, "path": path, "status": response.status_code},
        )
        return self._interpret(response, content)

    async def _read_capped(self, response: httpx.Response, cap: int) -> bytes:
        declared = response.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > cap:
            raise UpstreamBadResponse(
                self.spec.name, f"{self.spec.display} response is too large (over {cap} bytes); refused"
            )
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > cap:
                raise UpstreamBadResponse(
                    self.spec.name, f"{self.spec.display} response is too large (over {cap} bytes); refused"
                )
            chunks.append(chunk)
        return b"".join(chunks)

    def _interpret(self, response: httpx.Response, content: bytes) -> Any:
        spec = self.spec
        status = response.status_code
        try:
            parsed: Any = json.loads(content) if content else None
            well_formed = True
        except ValueError:
            parsed, well_formed = None, False

        # the one place Retry-After is read: hooks only classify, the wait is added here
        retry_after = parse_retry_after(response.headers.get("retry-after"), self._p.clock.wall())
        if spec.error_hook is not None:
            special = spec.error_hook(response, parsed)
            if special is not None:
                raise _with_wait(special, retry_after, spec.hint)

        if status == 429:
            limited = UpstreamRateLimited(spec.name, f"{spec.display} is rate limiting")
            raise _with_wait(Retryable(limited), retry_after, spec.hint)
        if status >= 500:
            raise Retryable(UpstreamUnavailable(spec.name, f"{spec.display} failed with HTTP {status}"))
        if status == 404:
            raise UpstreamBadResponse(spec.name, f"{spec.display} has no such resource (HTTP 404)")
        if status >= 400:
            raise UpstreamBadResponse(spec.name, f"{spec.display} refused the request (HTTP {status})")
        if not well_formed:
            raise UpstreamBadResponse(spec.name, f"{spec.display} returned a body that is not JSON")
        return parsed
