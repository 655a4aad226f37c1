"""Resident memory growth over 100,000 get_price calls with distinct keys (goal: <= 50 MB).

    python benchmarks/rss_growth.py [--calls 100000] [--concurrency 32] [--layer mcp|direct]

Every call asks for a token nobody asked for before (`ethereum:0x<distinct address>`), so
each one misses the cache and adds a CoinGecko token-price item and a DefiLlama item to it;
the per-item cache is bounded by `cache_max_entries` (default 10,000), and nothing else
may grow with the number of distinct keys. The upstreams are a lean in-process fake
(httpx.MockTransport) that prices any address and records nothing. Rate limits are raised
to 10^7/min (the documented free limits would throttle 100k calls for hours); calls run
`--concurrency` at a time so they batch as they do under load.
`--layer mcp` (default) goes through the in-memory MCP client and the full server;
`--layer direct` calls the tool function `fetch_prices` (no MCP, same pipeline) and is
~5x faster. Baseline: VmRSS from /proc/self/status after a warm-up of 2,000 distinct calls
(code paths, pools, the coin list), measured after gc.collect(); growth = final - baseline.
Samples every 10% show whether the curve flattens once the cache is full.
"""

import argparse
import asyncio
import gc
import hashlib
import json
import re
import sys
import time
from collections.abc import Awaitable, Callable
from urllib.parse import unquote

import httpx
from _harness import bench_settings, clean_env
from mcp import Client

from agent_tools.server import build_server
from agent_tools.services import Services
from agent_tools.tools.price import fetch_prices

GOAL_MB = 50.0
NOW = 1_780_000_000
COINS = [
    {"id": "bitcoin", "symbol": "btc", "name": "Bitcoin", "platforms": {}},
    {"id": "ethereum", "symbol": "eth", "name": "Ethereum", "platforms": {}},
    {
        "id": "usd-coin",
        "symbol": "usdc",
        "name": "USDC",
        "platforms": {"ethereum": "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48"},
    },
]
ROW = {
    "usd_market_cap": 1.0e6,
    "usd_24h_vol": 1.0e5,
    "usd_24h_change": 0.5,
    "last_updated_at": NOW,
}


def price_of(key: str) -> float:
    return 1.0 + int(hashlib.blake2b(key.encode(), digest_size=4).hexdigest(), 16) % 100_000 / 100.0


async def lean_upstream(request: httpx.Request) -> httpx.Response:
    """CoinGecko coin list and token prices, DefiLlama prices, for any address; no recording."""
    host, path, params = request.url.host, request.url.path, request.url.params
    if host == "api.coingecko.com":
        if path.endswith("/coins/list"):
            return httpx.Response(200, json=COINS)
        if "/simple/token_price/" in path:
            wanted = params.get("contract_addresses", "").split(",")
            return httpx.Response(200, json={a: {"usd": price_of(a), **ROW} for a in wanted if a})
        if path.endswith("/simple/price"):
            ids = params.get("ids", "").split(",")
            return httpx.Response(200, json={i: {"usd": price_of(i), **ROW} for i in ids if i})
    if host == "coins.llama.fi" and path.startswith("/prices/current/"):
        keys = unquote(path.removeprefix("/prices/current/")).split(",")
        coins = {
            k: {"price": price_of(k.partition(":")[2]), "symbol": "TKN", "timestamp": NOW, "confidence": 0.99}
            for k in keys
        }
        return httpx.Response(200, json={"coins": coins})
    return httpx.Response(404, json={"error": "not found"})


def rss_mb() -> tuple[float, float]:
    """(VmRSS, VmHWM) in MB, from /proc/self/status."""
    status = open("/proc/self/status").read()  # noqa: SIM115 - one small read, before/after timing
    current = re.search(r"VmRSS:\s+(\d+) kB", status)
    peak = re.search(r"VmHWM:\s+(\d+) kB", status)
    assert current is not None
    assert peak is not None
    return int(current.group(1)) / 1024, int(peak.group(1)) / 1024


def measure() -> float:
    gc.collect()
    return rss_mb()[0]


def address(i: int) -> str:
    return "0x" + hashlib.sha256(i.to_bytes(8, "big")).hexdigest()[:40]


async def run_calls(call: Callable[[str], Awaitable[None]], start: int, count: int, concurrency: int) -> None:
    numbers = iter(range(start, start + count))

    async def worker() -> None:
        for i in numbers:
            await call(f"ethereum:{address(i)}")

    await asyncio.gather(*(worker() for _ in range(concurrency)))


async def main(calls: int, concurrency: int, layer: str, warmup: int) -> None:
    clean_env()
    settings = bench_settings(10.0, rate_per_min=10_000_000)
    failures = 0
    async with Services(settings, transport=httpx.MockTransport(lean_upstream)) as services:
        async with Client(build_server(services)) as client:

            async def via_mcp(symbol: str) -> None:
                nonlocal failures
                result = await client.call_tool("get_price", {"symbols": [symbol]})
                failures += bool(result.is_error)

            async def direct(symbol: str) -> None:
                nonlocal failures
                result = await fetch_prices(services, [symbol], "usd")
                failures += not result.quotes

            call = via_mcp if layer == "mcp" else direct
            await run_calls(call, 0, warmup, concurrency)
            baseline = measure()
            samples: list[tuple[int, float, int]] = [(0, baseline, len(services.pipeline.cache))]
            step = max(calls // 10, 1)
            started = time.perf_counter()
            done = 0
            while done < calls:
                n = min(step, calls - done)
                await run_calls(call, warmup + done, n, concurrency)
                done += n
                samples.append((done, measure(), len(services.pipeline.cache)))
                print(
                    f"  {done:>7} calls  rss {samples[-1][1]:7.1f} MB  cache {samples[-1][2]}",
                    file=sys.stderr,
                )
            elapsed = time.perf_counter() - started
        limiter_slots = {name: len(lim._slots) for name, lim in services.pipeline._limiters.items()}  # pyright: ignore[reportPrivateUsage]
        cache_size = len(services.pipeline.cache)

    final = samples[-1][1]
    growth = final - baseline
    half = next(s for s in samples if s[0] >= calls // 2)
    print(
        f"layer={layer}: {calls} calls with distinct keys in {elapsed:.0f} s ({calls / elapsed:.0f}/s, {concurrency} concurrent)"
    )
    print(f"failed calls: {failures}")
    print(
        f"baseline rss (after {warmup} warm-up calls): {baseline:.1f} MB; final {final:.1f} MB; peak {rss_mb()[1]:.1f} MB"
    )
    print("samples (calls, rss MB, cache entries):", json.dumps([(c, round(r, 1), e) for c, r, e in samples]))
    print(f"growth over the second half: {final - half[1]:+.1f} MB (a bounded cache flattens the curve)")
    print(f"cache entries at end: {cache_size} (cache_max_entries={settings.cache_max_entries})")
    print(f"rate-limiter slots held: {limiter_slots} (bounded by each provider's rate_per_min)")
    print(
        f"growth_mb={growth:.1f} calls={calls} layer={layer} baseline_mb={baseline:.1f} (goal <= {GOAL_MB:g})"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--layer", choices=("mcp", "direct"), default="mcp")
    parser.add_argument("--warmup", type=int, default=2000)
    args = parser.parse_args()
    asyncio.run(main(args.calls, args.concurrency, args.layer, args.warmup))
