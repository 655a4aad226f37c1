"""Two replicas sharing Redis under 1,000 identical concurrent calls: upstream requests made.

    python benchmarks/redis_replicas.py [--calls 1000] [--redis-url redis://127.0.0.1:6379/0]

Without --redis-url it starts a private redis-server on a free 127.0.0.1 port. Each
replica is a full server (its own Services, pipeline and in-process cache) over the
same fake upstream; the baseline is the same burst with no Redis, where each replica
deduplicates only its own calls. Goal: 1 request per endpoint with Redis.
"""

import argparse
import asyncio
import shutil
import socket
import subprocess
import time
from collections import Counter

from _fake import FakeUpstream
from mcp import Client

from agent_tools.server import build_server
from agent_tools.services import Services
from agent_tools.settings import Settings


def start_redis() -> tuple[subprocess.Popen[bytes], str]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server not found: install it or pass --redis-url")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    for _ in range(200):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc, f"redis://127.0.0.1:{port}/0"
        time.sleep(0.05)
    proc.kill()
    raise SystemExit("redis-server did not start")


async def burst(calls: int, cache_url: str | None) -> Counter[str]:
    fake = FakeUpstream()
    settings = Settings(_env_file=None, cache_url=cache_url)  # pyright: ignore[reportCallIssue]
    async with (
        Services(settings, transport=fake.transport) as a,
        Services(settings, transport=fake.transport) as b,
        Client(build_server(a)) as ca,
        Client(build_server(b)) as cb,
    ):
        clients = [ca, cb]
        results = await asyncio.gather(
            *(clients[i % 2].call_tool("get_price", {"symbols": ["BTC"]}) for i in range(calls))
        )
    assert not any(r.is_error for r in results)
    return Counter(f"{r.url.host}{r.url.path.split('/prices/current/')[0]}" for r in fake.requests)


async def main(calls: int, url: str | None) -> None:
    proc = None
    if url is None:
        proc, url = start_redis()
    try:
        alone = await burst(calls, None)
        shared = await burst(calls, url)
    finally:
        if proc is not None:
            proc.kill()
            proc.wait()
    print(f"{calls} identical get_price calls over two replicas")
    print(f"  without Redis (baseline): {dict(alone)}")
    print(f"  sharing Redis:            {dict(shared)}")
    print(
        f"upstream_requests_max_per_endpoint={max(shared.values())} baseline={max(alone.values())} (goal 1)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--redis-url")
    args = parser.parse_args()
    asyncio.run(main(args.calls, args.redis_url))
