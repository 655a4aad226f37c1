"""Budgets and quotas of two replicas through a Redis outage: upstream requests and admitted calls per 60 s.

    python benchmarks/redis_outage.py [--replicas-setting 2] [--seconds 90]

Two replicas (each a full server: its own Services, pipeline and cache) share a private
redis-server; CoinGecko's budget is 20 requests per minute. Each replica starts a
`search_assets` call with a new query (a cache miss: one CoinGecko request each) every
0.25 s. Redis is killed 5 s in and restarted empty at 30 s, on the same port. Reported:
the most CoinGecko requests in any 60 s window (goal of issue 15: at most 24), and the
total. Where the server has client quotas, three clients (10, 30 and 60 calls per minute)
ask each replica every 0.25 s (`Quotas.admit`, as every HTTP tool call does): reported is the
most calls admitted for each in any 60 s window, against its quota.

Real time (Redis' own clock books the slots): about 95 s. The baseline is the same script
run against the code before issue 15 (see docs/performance.md for the command).
"""

import argparse
import asyncio
import bisect
import shutil
import socket
import subprocess
import time
from typing import Any

from _fake import FakeUpstream

from agent_tools.server import build_server
from agent_tools.services import Services
from agent_tools.settings import Settings

BUDGET = 20
KILL_AT, RESTART_AT = 5.0, 30.0
QUOTAS = {"ten": 10, "thirty": 30, "sixty": 60}


def max_in_window(times: list[float], window: float = 60.0) -> int:
    times = sorted(times)
    return max((bisect.bisect_left(times, t + window) - i for i, t in enumerate(times)), default=0)


def start_redis(port: int) -> subprocess.Popen[bytes]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server not found")
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    for _ in range(200):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc
        time.sleep(0.05)
    raise SystemExit("redis-server did not start")


class Recorder(FakeUpstream):
    """The price fake, stamping each CoinGecko /search request with the time it arrived."""

    def __init__(self, start: float) -> None:
        super().__init__()
        self.start = start
        self.search_times: list[float] = []

    async def handle(self, request: Any) -> Any:
        if request.url.path.endswith("/search"):
            self.search_times.append(time.monotonic() - self.start)
        return await super().handle(request)


async def main(replicas_setting: int, seconds: float) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    redis = start_redis(port)
    start = time.monotonic()
    fake = Recorder(start)
    settings = Settings(
        _env_file=None,  # pyright: ignore[reportCallIssue]
        cache_url=f"redis://127.0.0.1:{port}/0",
        coingecko_rate_per_min=BUDGET,
        replicas=replicas_setting,
        deadline_s=3,
    )
    admitted: dict[str, list[float]] = {name: [] for name in QUOTAS}
    try:
        async with (
            Services(settings, transport=fake.transport) as a,
            Services(settings, transport=fake.transport) as b,
        ):
            from mcp import Client

            async with Client(build_server(a)) as ca, Client(build_server(b)) as cb:
                clients, replicas = [ca, cb], [a, b]
                quotas = all(hasattr(r, "quotas") for r in replicas)
                tasks: list[asyncio.Task[Any]] = []

                async def ask_quota(name: str, replica: Services) -> None:
                    from agent_tools.errors import RateLimited
                    from agent_tools.gateway.identity import Caller

                    try:
                        await replica.quotas.admit(Caller(name, QUOTAS[name]))
                    except RateLimited:
                        return
                    admitted[name].append(time.monotonic() - start)

                n = 0
                while (t := time.monotonic() - start) < seconds:
                    if redis.poll() is None and KILL_AT <= t < RESTART_AT:
                        redis.kill()
                        redis.wait()
                    elif redis.poll() is not None and t >= RESTART_AT:
                        redis = start_redis(port)
                    for i, client in enumerate(clients):
                        tasks.append(
                            asyncio.create_task(client.call_tool("search_assets", {"query": f"q{n}x{i}"}))
                        )
                    if quotas:  # each client asks each replica every 0.25 s: 480 a minute, far past its quota
                        for name in QUOTAS:
                            for r in replicas:
                                await ask_quota(name, r)
                    n += 1
                    await asyncio.sleep(0.25)
                await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        redis.kill()
        redis.wait()
    searches = fake.search_times
    print(f"two replicas, CoinGecko budget {BUDGET}/min, AGENT_TOOLS_REPLICAS={replicas_setting}")
    print(
        f"  Redis killed at {KILL_AT:.0f} s, restarted empty at {RESTART_AT:.0f} s, load for {seconds:.0f} s"
    )
    print(
        f"  CoinGecko requests: total {len(searches)}, most in any 60 s window {max_in_window(searches)} (goal <= 24)"
    )
    for name, times in admitted.items():
        if times:
            print(
                f"  client {name}: quota {QUOTAS[name]}/min, most admitted in any 60 s window {max_in_window(times)}"
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicas-setting", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=90.0)
    args = parser.parse_args()
    asyncio.run(main(args.replicas_setting, args.seconds))
