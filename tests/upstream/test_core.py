"""The shared pipeline: cache, single-flight, rate limit, retries, deadline, body checks.

Time is virtual (looptime): every wait below is asserted, none is really slept.
"""

from __future__ import annotations

import asyncio
import email.utils
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from agent_tools.errors import DeadlineExceeded, UpstreamBadResponse, UpstreamRateLimited, UpstreamUnavailable
from agent_tools.upstream import (
    Body,
    BodyAdapter,
    LoopClock,
    Pipeline,
    ProviderSpec,
    Upstream,
    deadline_scope,
)
from agent_tools.upstream._spec import MAX_ATTEMPTS

pytestmark = pytest.mark.looptime

WALL_NOW = 1_780_000_000.0


class RecordingClock(LoopClock):
    """Loop time (virtual in these tests), a fixed wall clock, and a log of every sleep asked for."""

    def __init__(self) -> None:
        self.sleeps: list[float] = []

    def wall(self) -> float:
        return WALL_NOW + self.now()

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        await super().sleep(seconds)


class Value(Body):
    value: int


ADAPTER = BodyAdapter(Value)
Handler = Callable[[httpx.Request], Awaitable[httpx.Response]]


def scripted(*responses: httpx.Response | Exception | str) -> tuple[Handler, list[float]]:
    """A handler that plays `responses` in order (then 200s), recording loop time of each request."""
    queue = list(responses)
    seen: list[float] = []

    async def handle(request: httpx.Request) -> httpx.Response:
        seen.append(asyncio.get_running_loop().time())
        item = queue.pop(0) if queue else httpx.Response(200, json={"value": 1})
        if item == "hang":
            await asyncio.sleep(3600)
        if isinstance(item, Exception):
            raise item
        assert isinstance(item, httpx.Response)
        return item

    return handle, seen


def setup(
    handler: Handler, *, rate: int = 1000, max_body: int = 1_000_000, **spec: Any
) -> tuple[Pipeline, RecordingClock, ProviderSpec]:
    clock = RecordingClock()
    pipeline = Pipeline(clock, max_body_bytes=max_body, transport=httpx.MockTransport(handler))
    return (
        pipeline,
        clock,
        ProviderSpec(name="fake", display="Fake", base_url="https://fake.test", rate_per_min=rate, **spec),
    )


async def get(
    pipeline: Pipeline, spec: ProviderSpec, path: str = "/x", ttl: float = 60.0, **params: str
) -> Any:
    with deadline_scope(pipeline.clock, 10.0):
        return await Upstream(pipeline, spec).get(path, params, ADAPTER, ttl=ttl)


async def test_429_with_retry_after_seconds_waits_exactly_that() -> None:
    handler, seen = scripted(httpx.Response(429, headers={"retry-after": "3"}))
    pipeline, clock, spec = setup(handler)
    fetched = await get(pipeline, spec)
    assert fetched.value.value == 1
    assert clock.sleeps == [3.0]
    assert len(seen) == 2 and seen[1] - seen[0] == pytest.approx(3.0)
    assert pipeline.stats.retries["fake"] == 1


async def test_429_with_retry_after_http_date() -> None:
    when = email.utils.formatdate(WALL_NOW + 5, usegmt=True)
    handler, _ = scripted(httpx.Response(429, headers={"retry-after": when}))
    pipeline, clock, spec = setup(handler)
    await get(pipeline, spec)
    assert len(clock.sleeps) == 1 and 4.0 <= clock.sleeps[0] <= 5.0


async def test_429_without_retry_after_backs_off_exponentially_with_jitter() -> None:
    handler, seen = scripted(*[httpx.Response(429)] * 3)
    pipeline, clock, spec = setup(handler)
    await get(pipeline, spec)
    assert len(seen) == 4
    for wait, base in zip(clock.sleeps, (0.5, 1.0, 2.0), strict=True):
        assert base <= wait <= base + 0.5


async def test_retry_after_beyond_the_deadline_fails_at_once_with_the_wait() -> None:
    handler, seen = scripted(httpx.Response(429, headers={"retry-after": "120"}))
    pipeline, clock, spec = setup(handler, hint="get a key")
    with pytest.raises(UpstreamRateLimited) as caught:
        await get(pipeline, spec)
    assert len(seen) == 1 and clock.sleeps == []
    assert caught.value.retry_after_s == 120.0 and caught.value.hint == "get a key"
    assert caught.value.envelope()["error"]["retry_after_s"] == 120.0


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_5xx_is_retried_then_succeeds(status: int) -> None:
    handler, seen = scripted(httpx.Response(status), httpx.Response(status))
    pipeline, _, spec = setup(handler)
    assert (await get(pipeline, spec)).value.value == 1
    assert len(seen) == 3


async def test_persistent_503_gives_up_after_max_attempts() -> None:
    handler, seen = scripted(*[httpx.Response(503)] * 10)
    pipeline, _, spec = setup(handler)
    with pytest.raises(UpstreamUnavailable) as caught:
        await get(pipeline, spec)
    assert len(seen) == MAX_ATTEMPTS
    assert caught.value.retryable and "HTTP 503" in caught.value.message


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
async def test_other_4xx_are_never_retried(status: int) -> None:
    handler, seen = scripted(httpx.Response(status, json={"error": "no"}))
    pipeline, clock, spec = setup(handler)
    with pytest.raises(UpstreamBadResponse):
        await get(pipeline, spec)
    assert len(seen) == 1 and clock.sleeps == []


async def test_read_timeout_is_retried() -> None:
    handler, seen = scripted(httpx.ReadTimeout("slow"))
    pipeline, _, spec = setup(handler)
    assert (await get(pipeline, spec)).value.value == 1
    assert len(seen) == 2


async def test_connect_error_is_retried_once_only() -> None:
    handler, seen = scripted(*[httpx.ConnectError("refused")] * 5)
    pipeline, _, spec = setup(handler)
    with pytest.raises(UpstreamUnavailable, match="unreachable"):
        await get(pipeline, spec)
    assert len(seen) == 2


async def test_a_hang_never_outlives_the_deadline() -> None:
    handler, seen = scripted(*["hang"] * 5)
    pipeline, _, spec = setup(handler)
    start = asyncio.get_running_loop().time()
    with pytest.raises(DeadlineExceeded):
        await get(pipeline, spec)
    elapsed = asyncio.get_running_loop().time() - start
    assert elapsed <= 10.0 + 0.01
    assert len(seen) >= 1


async def test_malformed_json_is_bad_response_naming_the_provider() -> None:
    handler, seen = scripted(httpx.Response(200, content=b'{"value": 1'))
    pipeline, _, spec = setup(handler)
    with pytest.raises(UpstreamBadResponse, match="Fake returned a body that is not JSON"):
        await get(pipeline, spec)
    assert len(seen) == 1


async def test_drifted_schema_is_bad_response_naming_the_provider_and_field() -> None:
    handler, _ = scripted(httpx.Response(200, json={"val": "one"}))
    pipeline, _, spec = setup(handler)
    with pytest.raises(UpstreamBadResponse, match=r"Fake changed its response format \(at value\)"):
        await get(pipeline, spec)


async def test_huge_body_with_content_length_is_refused() -> None:
    handler, _ = scripted(httpx.Response(200, content=b"[" + b"1," * 600_000 + b"1]"))
    pipeline, _, spec = setup(handler, max_body=1_000_000)
    with pytest.raises(UpstreamBadResponse, match="too large"):
        await get(pipeline, spec)


async def test_huge_streamed_body_without_length_is_refused() -> None:
    async def chunks() -> Any:
        for _ in range(100):
            yield b"x" * 100_000

    handler, _ = scripted(httpx.Response(200, content=chunks()))
    pipeline, _, spec = setup(handler, max_body=1_000_000)
    with pytest.raises(UpstreamBadResponse, match="too large"):
        await get(pipeline, spec)


async def test_single_flight_1000_identical_concurrent_calls_make_one_request() -> None:
    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.2)
        return httpx.Response(200, json={"value": 7})

    pipeline, _, spec = setup(slow)
    calls: list[httpx.Request] = []
    original = slow

    async def counting(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return await original(request)

    pipeline, _, spec = setup(counting)
    results = await asyncio.gather(*(get(pipeline, spec) for _ in range(1000)))
    assert {r.value.value for r in results} == {7}
    assert len(calls) == 1


async def test_ttl_hit_then_refetch_after_expiry() -> None:
    handler, seen = scripted()
    pipeline, _, spec = setup(handler)
    await get(pipeline, spec, ttl=30)
    await asyncio.sleep(29)
    await get(pipeline, spec, ttl=30)
    assert len(seen) == 1
    await asyncio.sleep(2)
    await get(pipeline, spec, ttl=30)
    assert len(seen) == 2
    assert pipeline.stats.cache[("fake", "hit")] == 1


async def test_distinct_params_are_distinct_cache_keys() -> None:
    handler, seen = scripted()
    pipeline, _, spec = setup(handler)
    await get(pipeline, spec, a="1")
    await get(pipeline, spec, a="2")
    await get(pipeline, spec, a="1")
    assert len(seen) == 2


async def test_stale_if_error_within_grace_then_error_after_it() -> None:
    handler, _ = scripted(httpx.Response(200, json={"value": 5}), *[httpx.Response(503)] * 20)
    pipeline, _, spec = setup(handler)
    upstream = Upstream(pipeline, spec)

    async def fetch() -> Any:
        with deadline_scope(pipeline.clock, 10.0):
            return await upstream.get("/x", None, ADAPTER, ttl=60, grace=600)

    assert (await fetch()).stale is False
    await asyncio.sleep(61)
    stale = await fetch()
    assert stale.stale is True and stale.value.value == 5
    assert pipeline.stats.cache[("fake", "stale")] == 1
    await asyncio.sleep(700)
    with pytest.raises(UpstreamUnavailable):
        await fetch()


async def test_rate_limit_burst_never_exceeds_the_limit_in_any_window() -> None:
    handler, seen = scripted()
    pipeline, _, spec = setup(handler, rate=10)

    async def one(i: int) -> None:
        with deadline_scope(pipeline.clock, 300.0):
            await Upstream(pipeline, spec).get("/x", {"i": str(i)}, ADAPTER, ttl=60)

    await asyncio.gather(*(one(i) for i in range(35)))
    assert len(seen) == 35
    times = sorted(seen)
    for i, start in enumerate(times):
        in_window = [t for t in times[i:] if t < start + 60.0 - 1e-9]
        assert len(in_window) <= 10
    assert times[-1] - times[0] >= 180.0 - 1e-6  # 35 sends at 10/min need three full windows
    assert pipeline.stats.limiter_waits["fake"] == 25


async def test_budget_left_is_read_without_booking_a_slot() -> None:
    handler, seen = scripted()
    pipeline, _, spec = setup(handler, rate=3)
    assert [await pipeline.budget_left(spec) for _ in range(5)] == [3] * 5
    await get(pipeline, spec, i="1")
    await get(pipeline, spec, i="2")
    assert await Upstream(pipeline, spec).budget_left() == 1
    await get(pipeline, spec, i="3")
    assert await pipeline.budget_left(spec) == 0
    await asyncio.sleep(61)
    assert await pipeline.budget_left(spec) == 3
    assert len(seen) == 3 and pipeline.stats.limiter_waits["fake"] == 0


async def test_rate_limiter_refuses_a_wait_longer_than_the_deadline() -> None:
    handler, seen = scripted()
    pipeline, _, spec = setup(handler, rate=2)
    for i in range(2):
        await get(pipeline, spec, i=str(i))
    with pytest.raises(UpstreamRateLimited, match=r"2/min\) is used up") as caught:
        await get(pipeline, spec, i="3")
    assert len(seen) == 2
    assert caught.value.retry_after_s == pytest.approx(60.0)


async def test_secrets_never_appear_in_errors() -> None:
    handler, seen = scripted(httpx.Response(403, json={"error": "bad key"}))
    pipeline, _, spec = setup(
        handler, headers={"x-key": "SECRET-HEADER"}, auth_params={"apikey": "SECRET-QUERY"}
    )
    with pytest.raises(UpstreamBadResponse) as caught:
        await get(pipeline, spec)
    assert seen and "SECRET" not in str(caught.value.envelope())


async def test_joining_a_slower_callers_load_never_waits_past_our_own_deadline() -> None:
    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(5)
        return httpx.Response(200, json={"value": 3})

    pipeline, _, spec = setup(slow)
    upstream = Upstream(pipeline, spec)

    async def fetch(deadline: float) -> Any:
        with deadline_scope(pipeline.clock, deadline):
            return await upstream.get("/x", None, ADAPTER, ttl=60)

    loop = asyncio.get_running_loop()
    leader = asyncio.ensure_future(fetch(100.0))
    await asyncio.sleep(1)
    start = loop.time()
    with pytest.raises(DeadlineExceeded):
        await fetch(2.0)  # joins the leader's in-flight request
    assert loop.time() - start <= 2.1
    assert (await leader).value.value == 3  # giving up did not cancel the shared load


# --- batching: every waiter is settled, however the batch ends ------------------------------------------


class _StubShared:
    """Just enough of SharedCache for Pipeline.load_many_shared: nothing cached, every lock ours."""

    @staticmethod
    def key(cache_key: object) -> str:
        return repr(cache_key)

    async def get_many(self, keys: list[str]) -> list[None]:
        return [None] * len(keys)

    async def lock_many(self, keys: list[str], _ttl: float) -> list[bool]:
        return [True] * len(keys)

    async def put_many(self, _items: object) -> None:
        return None

    async def unlock_many(self, _keys: object) -> None:
        return None


@pytest.mark.parametrize("shared", [False, True], ids=["in-process", "redis-shared"])
async def test_a_cancelled_batch_settles_waiters_without_a_deadline(shared: bool) -> None:
    """Found by reading: the Redis path caught only Exception, so a cancellation left waiters that
    have no deadline of their own waiting forever."""
    from agent_tools.upstream import Batcher, Fetched

    started = asyncio.Event()

    async def fetch(_items: list[str]) -> Fetched[dict[str, Value]]:
        started.set()
        await asyncio.Event().wait()  # the upstream never answers
        raise AssertionError("unreachable")

    pipeline = Pipeline(RecordingClock(), shared=_StubShared() if shared else None)  # type: ignore[arg-type]
    batcher: Batcher[Value] = Batcher(pipeline, "fake", "scope", fetch, ADAPTER, ttl=60)
    waiter = asyncio.ensure_future(batcher.get_many(["a"]))  # no deadline_scope: no deadline
    await started.wait()
    for task in list(batcher._running):  # e.g. the server shutting down
        task.cancel()
    done, _ = await asyncio.wait([waiter], timeout=5)
    assert waiter in done, "the waiter was left on a future nobody settles"
    with pytest.raises(asyncio.CancelledError):
        waiter.result()
