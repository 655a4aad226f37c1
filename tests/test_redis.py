"""Replicas sharing Redis: one upstream request per key, one rate limit, and degradation when it is down.

Each test starts its own `redis-server` on a free 127.0.0.1 port (.ci/run installs the
package); without the binary these tests are skipped locally, never in CI.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import socket
import subprocess
from collections.abc import Iterator

import pytest

from agent_tools.services import Services
from agent_tools.upstream import LimiterFull
from agent_tools.upstream._shared import SharedCache
from tests.conftest import call, connect, make_settings
from tests.fakes.upstream import FakeUpstream

REDIS = shutil.which("redis-server")
pytestmark = pytest.mark.skipif(
    REDIS is None and not os.environ.get("CI"), reason="redis-server not installed"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(port: int) -> subprocess.Popen[bytes]:
    assert REDIS is not None, "redis-server is required (CI installs it)"
    proc = subprocess.Popen(
        [REDIS, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(200):  # up to ~10 s for the socket to accept
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc
        subprocess.run(["sleep", "0.05"], check=True)
    proc.kill()
    raise RuntimeError("redis-server did not start")


@pytest.fixture
def redis_url() -> Iterator[str]:
    port = _free_port()
    proc = _start(port)
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.kill()
        proc.wait()


async def test_two_replicas_make_one_upstream_request_for_1000_identical_calls(redis_url: str) -> None:
    fake = FakeUpstream()
    settings = make_settings(cache_url=redis_url)
    async with (
        Services(settings, transport=fake.transport) as a,
        Services(settings, transport=fake.transport) as b,
        connect(a) as client_a,
        connect(b) as client_b,
    ):
        calls = [call(c, "get_price", symbols=["BTC"]) for c in (client_a, client_b) for _ in range(500)]
        results = await asyncio.gather(*calls)
        assert await a.cache_status() == "redis"
    assert {r["quotes"][0]["price"] for r in results} == {97000.0}
    assert fake.count("coingecko", "/api/v3/simple/price") == 1
    assert fake.count("coingecko", "/api/v3/coins/list") == 1
    assert fake.count("defillama") == 1


async def test_a_second_replica_is_served_from_redis(redis_url: str) -> None:
    fake = FakeUpstream()
    settings = make_settings(cache_url=redis_url)
    async with Services(settings, transport=fake.transport) as a, connect(a) as client:
        await call(client, "get_price", symbols=["ETH", "SOL"])
    before = len(fake.requests)
    async with Services(settings, transport=fake.transport) as b, connect(b) as client:
        out = await call(client, "get_price", symbols=["ETH", "SOL"])
        assert b.pipeline.stats.cache[("coingecko", "shared_hit")] >= 1
    assert len(fake.requests) == before
    assert [q["asset_id"] for q in out["quotes"]] == ["ethereum", "solana"]


async def test_rate_limit_is_shared_by_replicas(redis_url: str) -> None:
    fake = FakeUpstream()
    settings = make_settings(cache_url=redis_url, coingecko_rate_per_min=2, deadline_s=2)
    async with (
        Services(settings, transport=fake.transport) as a,
        Services(settings, transport=fake.transport) as b,
    ):
        async with connect(a) as client_a:
            await call(client_a, "search_assets", query="bitcoin")  # 1st CoinGecko request
            await call(client_a, "search_assets", query="ethereum")  # 2nd: the minute's budget is spent
        async with connect(b) as client_b:
            out = await call(client_b, "search_assets", query="solana")  # 3rd, from the other replica
    # /search refused by the shared limiter, not asked; the coin list replica a cached in Redis answers
    assert out["source"] == "coingecko_coin_list" and out["candidates"][0]["asset_id"] == "solana"
    assert any("budget" in w for w in out["warnings"])
    assert fake.count("coingecko") == 2


async def test_budget_left_is_the_shared_budget_and_books_nothing(redis_url: str) -> None:
    fake = FakeUpstream()
    settings = make_settings(cache_url=redis_url, coingecko_rate_per_min=5)
    async with (
        Services(settings, transport=fake.transport) as a,
        Services(settings, transport=fake.transport) as b,
    ):
        assert await a.coingecko.budget_left() == 5
        async with connect(a) as client_a:
            await call(client_a, "search_assets", query="bitcoin")  # /search and /coins/list
            await call(client_a, "search_assets", query="ethereum")  # /search
        assert [await b.coingecko.budget_left() for _ in range(3)] == [2, 2, 2]  # the other replica sees it
        assert await a.coingecko.budget_left() == 2
    assert fake.count("coingecko") == 3


async def test_redis_down_degrades_to_in_process_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    fake = FakeUpstream()
    settings = make_settings(cache_url=f"redis://127.0.0.1:{_free_port()}/0")
    caplog.set_level(logging.WARNING, logger="agent_tools.cache")
    async with Services(settings, transport=fake.transport) as services, connect(services) as client:
        out = await call(client, "get_price", symbols=["BTC"])
        again = await call(client, "get_price", symbols=["BTC"])
        assert await services.cache_status() == "redis-degraded"
        assert await services.coingecko.budget_left() == 30 - fake.count("coingecko")  # the local budget
    assert out["quotes"][0]["source"] == "coingecko" and again["quotes"][0]["price"] == 97000.0
    assert fake.count("coingecko", "/api/v3/simple/price") == 1  # the in-process cache still works
    assert sum("redis unavailable" in r.message for r in caplog.records) == 1


async def test_redis_recovers_when_it_returns(caplog: pytest.LogCaptureFixture) -> None:
    port = _free_port()
    url = f"redis://127.0.0.1:{port}/0"
    caplog.set_level(logging.WARNING, logger="agent_tools.cache")
    clock = Services(make_settings()).clock
    shared = SharedCache(url, clock, retry_down_s=0.0)
    try:
        assert await shared.ping() is False
        proc = _start(port)
        try:
            assert await shared.ping() is True
            await shared.put_many([("agent_tools:v1:probe", b'"x"', 1.0, 60.0, 0.0)])
            [entry] = await shared.get_many(["agent_tools:v1:probe"])
            assert entry is not None and entry.raw == b'"x"'
        finally:
            proc.kill()
            proc.wait()
    finally:
        await shared.aclose()
    messages = [r.message for r in caplog.records]
    assert any("redis unavailable" in m for m in messages) and any("redis is back" in m for m in messages)


async def _window_size(url: str, name: str) -> int:
    from redis.asyncio import Redis

    from agent_tools.upstream._shared import WINDOW_PREFIX

    client = Redis.from_url(url)  # pyright: ignore[reportUnknownMemberType]
    try:
        return int(await client.zcard(f"{WINDOW_PREFIX}{name}"))
    finally:
        await client.aclose()


async def test_a_restarted_redis_gets_each_replicas_recent_sends_back_before_booking() -> None:
    from agent_tools.upstream import Budget

    port = _free_port()
    url = f"redis://127.0.0.1:{port}/0"
    clock = Services(make_settings()).clock
    shared_a, shared_b = SharedCache(url, clock, retry_down_s=0.0), SharedCache(url, clock, retry_down_s=0.0)
    a = Budget("cg", 10, clock, shared=shared_a, replicas=2)
    b = Budget("cg", 10, clock, shared=shared_b, replicas=2)
    proc = _start(port)
    try:
        assert [await a.reserve(0) for _ in range(4)] == [0.0] * 4
        assert [await b.reserve(0) for _ in range(3)] == [0.0] * 3
        proc.kill()
        proc.wait()
        assert await b.reserve(0) == 0.0  # Redis away: B books from its own share (3 of 5 used)
        proc = _start(port)  # back, and empty
        for shared in (shared_a, shared_b):  # a pooled connection fails once after a restart
            await shared.ping()
        await a.reserve(0)  # A meets a new instance: hands back its 4, then books its 5th
        assert await _window_size(url, "cg") == 5
        await b.reserve(0)  # B hands back its 4 (3 + 1 booked while away), then books its 5th share
        assert await _window_size(url, "cg") == 10
        for replica in (a, b):  # the window is full, whoever asks
            with pytest.raises(LimiterFull):
                await replica.reserve(0)
    finally:
        proc.kill()
        proc.wait()
        await shared_a.aclose()
        await shared_b.aclose()


async def test_handing_back_twice_adds_nothing_twice(redis_url: str) -> None:
    from agent_tools.upstream import Budget

    clock = Services(make_settings()).clock
    shared = SharedCache(redis_url, clock)
    budget = Budget("hb", 50, clock, shared=shared, replicas=1)
    try:
        for _ in range(5):
            await budget.reserve(0)
        budget._hand_back = True  # as after an outage that was only a network blip: Redis kept them all
        await budget.reserve(0)
        assert await _window_size(redis_url, "hb") == 6
    finally:
        await shared.aclose()


async def test_a_client_quota_is_shared_by_replicas(redis_url: str) -> None:
    from agent_tools.gateway.identity import Caller, current_caller

    settings = make_settings(cache_url=redis_url, replicas=2)
    token = current_caller.set(Caller("alpha", 3))
    try:
        async with (
            Services(settings) as a,
            Services(settings) as b,
            connect(a) as client_a,
            connect(b) as client_b,
        ):
            args = {"entry_price": 100, "leverage": 5, "side": "long", "margin_usd": 100}
            first = [await client_a.call_tool("assess_leverage", args) for _ in range(2)]
            second = [await client_b.call_tool("assess_leverage", args) for _ in range(2)]
    finally:
        current_caller.reset(token)
    assert [r.is_error for r in first + second] == [False, False, False, True]
    text = "".join(getattr(block, "text", "") for block in second[-1].content)
    assert '"code": "RATE_LIMITED"' in text and "retry_after_s" in text
