"""Upstream requests made for bursts of get_price calls (counted at the fake upstream).

    python benchmarks/upstream_requests.py

1. 1,000 concurrent identical calls (goal: 1 request per endpoint).
2. A burst of 500 distinct symbols: 10 concurrent calls of 50, and 500 concurrent calls
   of one symbol each (goal: batched, <= 2 requests per provider).
"""

import asyncio
from collections import Counter

from _fake import FakeUpstream, coin
from mcp import Client

from agent_tools.server import build_server
from agent_tools.services import Services
from agent_tools.settings import Settings


def endpoints(fake: FakeUpstream) -> Counter[str]:
    return Counter(f"{r.url.host}{r.url.path.split('/prices/current/')[0]}" for r in fake.requests)


async def burst(batches: list[list[str]], extra_coins: int) -> Counter[str]:
    fake = FakeUpstream()
    fake.coins += [
        coin(f"coin-{i}", f"c{i}", f"Coin {i}", 1.0 + i, 1e6 * (i + 1)) for i in range(extra_coins)
    ]
    settings = Settings(_env_file=None)  # pyright: ignore[reportCallIssue]
    async with (
        Services(settings, transport=fake.transport) as services,
        Client(build_server(services)) as client,
    ):
        results = await asyncio.gather(*(client.call_tool("get_price", {"symbols": b}) for b in batches))
    assert not any(r.is_error for r in results)
    return endpoints(fake)


async def main() -> None:
    same = await burst([["BTC"]] * 1000, 0)
    print("1,000 concurrent identical calls:", dict(same))
    distinct = [f"C{i}" for i in range(500)]
    tens = await burst([distinct[i : i + 50] for i in range(0, 500, 50)], 500)
    print("500 distinct symbols as 10 concurrent calls of 50:", dict(tens))
    ones = await burst([[s] for s in distinct], 500)
    print("500 distinct symbols as 500 concurrent calls of 1:", dict(ones))
    price_requests = same["api.coingecko.com/api/v3/simple/price"]
    worst = max(n for c in (tens, ones) for k, n in c.items() if "coins/list" not in k)
    print(f"identical_requests={price_requests} distinct_max_per_provider={worst} (goals: 1 and <= 2)")


if __name__ == "__main__":
    asyncio.run(main())
