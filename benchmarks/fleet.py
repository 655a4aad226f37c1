"""An agent fleet on the keyless budget: N calls a minute of a realistic mix, in virtual time.

    python benchmarks/fleet.py [--per-minute 540] [--minutes 5] [--seed 1]

The mix (issue 12): get_price 60 %, search_assets 20 %, get_grade 20 %, each over the same
15 coins (10 of them in the bundled snapshot, 5 not), at moments spread evenly over each
minute with a seeded jitter. Default settings: no keys, so CoinGecko's keyless 30 requests a
minute is the scarce budget. Upstreams are the tests' fakes; CoinGecko's fake enforces that
limit itself (a 429 with Retry-After past 30 requests in any 60 s), so a server that sends
too much is caught by the provider, not by our own counters. Time is virtual (looptime):
latencies are the waits a caller sees (rate-limiter slots, Retry-After, backoff), not CPU.

Prints, per tool: calls, answers, errors by code, live share (a live source answered, not
the snapshot or an expired cache entry); upstream requests per provider per minute; calls
per upstream request; p50/p95 latency; the most CoinGecko requests in any 60 s and the 429s
its fake sent. Last line: `errors=.. grade_rate_limited=.. live_share=.. coingecko_max_per_60s=..`.
Goal: no get_grade UPSTREAM_RATE_LIMITED, >= 90 % live, CoinGecko never above 30 in 60 s.
"""

import argparse
import asyncio
import bisect
import random
import statistics
import time
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

import httpx
import looptime
from _harness import classify, clean_env
from mcp import Client

from agent_tools.server import build_server
from agent_tools.services import Services
from agent_tools.settings import Settings
from tests.fakes.grades import GradeFake
from tests.fakes.upstream import DEFAULT_COINS, HOSTS, coin

COINS = [  # (CoinGecko id, ticker, name, price, market cap); the first 10 are in the snapshot
    ("bitcoin", "btc", "Bitcoin", 97000.0, 1.9e12),
    ("ethereum", "eth", "Ethereum", 2700.0, 3.2e11),
    ("solana", "sol", "Solana", 170.0, 8.0e10),
    ("binancecoin", "bnb", "BNB", 600.0, 9.0e10),
    ("ripple", "xrp", "XRP", 2.4, 1.4e11),
    ("cardano", "ada", "Cardano", 0.75, 2.6e10),
    ("dogecoin", "doge", "Dogecoin", 0.25, 3.6e10),
    ("chainlink", "link", "Chainlink", 17.0, 1.1e10),
    ("avalanche-2", "avax", "Avalanche", 24.0, 1.0e10),
    ("litecoin", "ltc", "Litecoin", 120.0, 9.0e9),
    ("sui", "sui", "Sui", 3.4, 1.1e10),
    ("pepe", "pepe", "Pepe", 0.00001, 4.2e9),
    ("aptos", "apt", "Aptos", 6.0, 3.5e9),
    ("near", "near", "NEAR Protocol", 3.1, 3.8e9),
    ("the-open-network", "ton", "Toncoin", 3.6, 9.0e9),
]
MIX = (("get_price", 60), ("search_assets", 20), ("get_grade", 20))
COINGECKO_LIMIT = 30  # the keyless limit the fake enforces, as CoinGecko would
TOLERANCE_S = (
    0.01  # a request landing this close to a window edge counts as outside it (virtual clock rounding)
)


def fleet_coins() -> list[dict[str, Any]]:
    """The 15 coins plus the fakes' usual ones (a second SOL, a second UNI: tickers stay ambiguous)."""
    ours = [coin(cid, sym, name, price, mcap) for cid, sym, name, price, mcap in COINS]
    ids = {c["id"] for c in ours}
    return ours + [c for c in DEFAULT_COINS if c["id"] not in ids]


class LimitedFake(GradeFake):
    """The price and history fakes, with CoinGecko answering 429 past its limit in any 60 s."""

    def __init__(self) -> None:
        super().__init__(fleet_coins())
        self.sent: dict[str, list[float]] = defaultdict(list)  # provider -> loop times of requests
        self.window: deque[float] = deque()  # CoinGecko requests it answered in the last 60 s
        self.refused = 0

    async def handle(self, request: httpx.Request) -> httpx.Response:
        now = asyncio.get_running_loop().time()
        provider = HOSTS.get(request.url.host, request.url.host)
        self.sent[provider].append(now)
        if provider == "coingecko":
            while self.window and self.window[0] <= now - 60.0 + TOLERANCE_S:
                self.window.popleft()
            if len(self.window) >= COINGECKO_LIMIT:
                self.refused += 1
                retry = max(1, round(self.window[0] + 60.0 - now))
                return httpx.Response(
                    429,
                    json={"status": {"error_code": 429, "error_message": "You've exceeded the Rate Limit."}},
                    headers={"retry-after": str(retry)},
                )
            self.window.append(now)
        response = await super().handle(request)
        self.requests.clear()  # counted above; the fake's own record would grow for the whole run
        return response


def max_in_window(times: list[float], window: float = 60.0 - TOLERANCE_S) -> int:
    ordered = sorted(times)
    return max((bisect.bisect_left(ordered, t + window) - i for i, t in enumerate(ordered)), default=0)


@dataclass
class Call:
    at: float
    tool: str
    args: dict[str, Any]
    code: str = ""
    live: bool = False
    latency: float = 0.0
    problems: list[str] = field(default_factory=list[str])


def schedule(per_minute: int, minutes: int, seed: int) -> list[Call]:
    rng = random.Random(seed)
    tools, weights = zip(*MIX, strict=True)
    calls: list[Call] = []
    for minute in range(minutes):
        for i in range(per_minute):
            at = minute * 60.0 + (i + rng.random()) * 60.0 / per_minute
            tool = rng.choices(tools, weights)[0]
            _, sym, name, _, _ = rng.choice(COINS)
            args: dict[str, Any] = {
                "get_price": {"symbols": [sym.upper()]},
                "search_assets": {"query": name},
                "get_grade": {"symbol": sym.upper()},
            }[tool]
            calls.append(Call(at, tool, args))
    return calls


def is_live(tool: str, structured: dict[str, Any] | None) -> bool:
    """A live source answered: no snapshot, no expired cache entry."""
    if structured is None:
        return False
    if tool == "get_price":
        return all(q["source"] != "snapshot" and not q["stale"] for q in structured["quotes"])
    return not structured["stale"]  # get_grade and search_assets: the snapshot is always stale


async def run(per_minute: int, minutes: int, seed: int) -> tuple[list[Call], LimitedFake]:
    fake = LimitedFake()
    settings = Settings(_env_file=None)  # pyright: ignore[reportCallIssue]  # keyless defaults
    calls = schedule(per_minute, minutes, seed)
    loop = asyncio.get_running_loop()
    start = loop.time()
    async with (
        Services(settings, transport=fake.transport) as services,
        Client(build_server(services)) as client,
    ):

        async def one(call: Call) -> None:
            await asyncio.sleep(max(0.0, start + call.at - loop.time()))
            began = loop.time()
            result = await client.call_tool(call.tool, call.args)
            call.latency = loop.time() - began
            outcome = classify(result)
            call.code, call.problems = outcome.code, outcome.problems
            call.live = outcome.code == "ok" and is_live(call.tool, outcome.structured)

        await asyncio.gather(*(one(c) for c in calls))
    for provider, times in fake.sent.items():
        fake.sent[provider] = [t - start for t in times]
    return calls, fake


def report(calls: list[Call], fake: LimitedFake, minutes: int, elapsed: float) -> None:
    print(f"{len(calls)} calls over {minutes} virtual minutes in {elapsed:.1f} s real time")
    print(f"{'tool':<14} {'calls':>6} {'ok':>6} {'live':>7}  errors")
    by_tool: dict[str, list[Call]] = defaultdict(list)
    for call in calls:
        by_tool[call.tool].append(call)
    for tool, group in sorted(by_tool.items()):
        ok = sum(c.code == "ok" for c in group)
        live = sum(c.live for c in group)
        errors = Counter(c.code for c in group if c.code != "ok")
        print(f"{tool:<14} {len(group):>6} {ok:>6} {live / len(group):>6.1%}  {dict(errors) or '-'}")
    per_minute_errors = Counter(min(int(c.at // 60), minutes - 1) for c in calls if c.code != "ok")
    print(f"errors per minute: {[per_minute_errors.get(m, 0) for m in range(minutes)]}")
    print("upstream requests per minute (minute 1, 2, ...):")
    total_requests = 0
    for provider, times in sorted(fake.sent.items()):
        per_minute = Counter(min(int(t // 60), minutes - 1) for t in times)
        total_requests += len(times)
        print(f"  {provider:<10} {[per_minute.get(m, 0) for m in range(minutes)]}")
    latencies = sorted(c.latency for c in calls)
    p50 = statistics.median(latencies)
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    p99 = latencies[int(0.99 * (len(latencies) - 1))]
    waited = sum(1 for t in latencies if t > 0.1)
    errors = sum(c.code != "ok" for c in calls)
    grade_limited = sum(c.tool == "get_grade" and c.code == "UPSTREAM_RATE_LIMITED" for c in calls)
    live_share = sum(c.live for c in calls) / len(calls)
    cg_max = max_in_window(fake.sent.get("coingecko", []))
    problems = [p for c in calls for p in c.problems]
    print(f"calls per upstream request: {len(calls) / max(total_requests, 1):.2f}")
    print(
        f"latency (virtual s): p50 {p50:.2f}  p95 {p95:.2f}  p99 {p99:.2f}  max {latencies[-1]:.2f}; "
        f"{waited} calls waited over 0.1 s"
    )
    print(
        f"CoinGecko: most requests in any 60 s {cg_max} (limit {COINGECKO_LIMIT}); 429s sent {fake.refused}"
    )
    if problems:
        print(f"contract problems: {Counter(problems)}")
    print(
        f"errors={errors} grade_rate_limited={grade_limited} live_share={live_share:.3f} "
        f"coingecko_max_per_60s={cg_max} coingecko_429={fake.refused} p95_s={p95:.2f} "
        f"calls_per_request={len(calls) / max(total_requests, 1):.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-minute", type=int, default=540)
    parser.add_argument("--minutes", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    clean_env()
    loop = looptime.new_event_loop(start=0.0)
    began = time.perf_counter()
    try:
        calls, fake = loop.run_until_complete(run(args.per_minute, args.minutes, args.seed))
    finally:
        loop.close()
    report(calls, fake, args.minutes, time.perf_counter() - began)


if __name__ == "__main__":
    main()
