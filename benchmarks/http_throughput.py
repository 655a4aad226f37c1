"""Tool calls/s and latency through streamable HTTP: our `http_app` vs a bare MCP server.

    python benchmarks/http_throughput.py [--calls 2000] [--rounds 7] [--concurrency 8]

Both servers run in this process under uvicorn on 127.0.0.1 (same settings as
`agent-tools serve --transport http`: stateless, JSON responses, log level warning).
Ours is `http_app(services)` with the upstreams faked in-process (httpx.MockTransport)
and the cache warm, so `get_price BTC` never leaves the process; the bare one is an
`MCPServer` whose tool returns, as the same pydantic model, the very answer get_price
gave on the warm-up call. The load comes from one child process (so client and servers
do not share a GIL): `--concurrency` keep-alive connections, each posting JSON-RPC
tools/call and checking the answer. Rounds alternate bare/ours (order flipped every
round) after a warm-up. The headline `ratio` is the median of the per-round ratios (ours
over the bare run next to it), as in price_overhead.py: on a shared 2-core machine the load
swings between rounds far more than between two adjacent runs. Also printed: the ratio of
the medians, and `cpu_ratio`, the servers' process CPU time per call (bare over ours), which
other load on the machine barely moves. Goal: ours >= 0.9x the bare server's calls/s.
"""

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HEADERS = {
    "accept": "application/json, text/event-stream",
    "content-type": "application/json",
    "mcp-protocol-version": "2025-06-18",
}
GOAL = 0.9
THIS_SCRIPT = str(Path(__file__).resolve())


# --- the load generator (child process) -----------------------------------------------------------------


async def load(url: str, tool: str, calls: int, concurrency: int, client: Any) -> dict[str, Any]:
    body = json.dumps(
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "tools/call",
            "params": {"name": tool, "arguments": {"symbols": ["BTC"]}},
        }
    ).encode()
    latencies: list[float] = []
    errors = 0
    size = 0
    remaining = iter(range(calls))

    async def worker() -> None:
        nonlocal errors, size
        for _ in remaining:
            start = time.perf_counter()
            response = await client.post(url, content=body, headers=HEADERS)
            latencies.append(time.perf_counter() - start)
            size = len(response.content)
            if response.status_code != 200 or response.json()["result"].get("isError"):
                errors += 1

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - start
    latencies.sort()
    return {
        "calls_per_s": calls / elapsed,
        "p50_ms": latencies[len(latencies) // 2] * 1e3,
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1e3,
        "errors": errors,
        "bytes": size,
    }


async def load_generator(concurrency: int) -> None:
    """Reads `url tool calls` lines from stdin; answers each with one JSON line of figures."""
    import httpx

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30.0) as client:
        for line in sys.stdin:
            url, tool, calls = line.split()
            result = await load(url, tool, int(calls), concurrency, client)
            print(json.dumps(result), flush=True)


# --- the servers (this process) ---------------------------------------------------------------------------


async def serve(app: Any) -> tuple[Any, asyncio.Task[None], str]:
    import uvicorn

    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    for _ in range(500):  # at most ~10 s
        if server.started:
            break
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    return server, task, f"http://127.0.0.1:{port}/mcp"


def bare_app(answer: Any) -> Any:
    from mcp.server import MCPServer
    from mcp.server.transport_security import TransportSecuritySettings

    from agent_tools.tools.price import PriceResult

    server = MCPServer(name="bare", log_level="WARNING")

    @server.tool()
    async def constant(symbols: list[str], vs_currency: str = "usd") -> PriceResult:
        return answer

    return server.streamable_http_app(
        stateless_http=True,
        json_response=True,
        transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
    )


async def main(calls: int, rounds: int, concurrency: int) -> None:
    import httpx
    from _fake import FakeUpstream
    from _harness import bench_settings, clean_env

    from agent_tools.services import Services
    from agent_tools.tools.price import PriceResult
    from agent_tools.transport import http_app

    clean_env()
    fake = FakeUpstream()
    async with Services(bench_settings(10.0), transport=fake.transport) as services:
        ours_server, ours_task, ours_url = await serve(http_app(services))
        async with httpx.AsyncClient() as http:
            warm_body = {
                "jsonrpc": "2.0",
                "id": 1,
                "method": "tools/call",
                "params": {"name": "get_price", "arguments": {"symbols": ["BTC"]}},
            }
            warm = (await http.post(ours_url, json=warm_body, headers=HEADERS)).json()["result"]
        answer = PriceResult.model_validate(warm["structuredContent"])
        bare_server, bare_task, bare_url = await serve(bare_app(answer))
        warm_requests = len(fake.requests)

        child = await asyncio.create_subprocess_exec(
            sys.executable,
            THIS_SCRIPT,
            "--load-generator",
            "--concurrency",
            str(concurrency),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        assert child.stdin is not None
        assert child.stdout is not None

        async def measure(url: str, tool: str, n: int) -> dict[str, Any]:
            assert child.stdin is not None
            assert child.stdout is not None
            cpu = time.process_time()  # both servers live in this process; the idle one costs ~0
            child.stdin.write(f"{url} {tool} {n}\n".encode())
            await child.stdin.drain()
            figures: dict[str, Any] = json.loads(await child.stdout.readline())
            figures["cpu_us_per_call"] = (time.process_time() - cpu) / n * 1e6
            assert figures["errors"] == 0, f"{tool}: {figures['errors']} failed calls"
            return figures

        sides = {"bare": (bare_url, "constant"), "ours": (ours_url, "get_price")}
        for url, tool in sides.values():  # warm-up: connections, code paths
            await measure(url, tool, max(calls // 10, 50))
        results: dict[str, list[dict[str, Any]]] = {"bare": [], "ours": []}
        for r in range(rounds):
            for side in ("bare", "ours") if r % 2 == 0 else ("ours", "bare"):
                results[side].append(await measure(*sides[side], calls))
        child.stdin.close()
        await child.wait()
        for server, task in ((ours_server, ours_task), (bare_server, bare_task)):
            server.should_exit = True
            await task
        upstream = len(fake.requests) - warm_requests

    def med(side: str, key: str) -> float:
        return statistics.median(r[key] for r in results[side])

    for side, label in (("bare", "bare constant tool"), ("ours", "get_price warm    ")):
        print(
            f"{label}: {med(side, 'calls_per_s'):7.0f} calls/s  p50 {med(side, 'p50_ms'):6.2f} ms  "
            f"p99 {med(side, 'p99_ms'):6.2f} ms  ({results[side][0]['bytes']} B/response; "
            f"median of {rounds} rounds x {calls} calls, {concurrency} connections)"
        )
    print("per-round calls/s, bare:", [round(r["calls_per_s"]) for r in results["bare"]])
    print("per-round calls/s, ours:", [round(r["calls_per_s"]) for r in results["ours"]])
    paired = [
        o["calls_per_s"] / b["calls_per_s"] for o, b in zip(results["ours"], results["bare"], strict=True)
    ]
    print("per-round ratios:", [round(r, 3) for r in paired])
    print(
        f"server CPU per call: bare {med('bare', 'cpu_us_per_call'):.0f} us, ours {med('ours', 'cpu_us_per_call'):.0f} us"
    )
    print(
        f"upstream requests during timing: {upstream} (warm cache; the 60 s price TTL adds a refresh a minute)"
    )
    ratio = statistics.median(paired)
    print(
        f"ratio={ratio:.3f} ratio_of_medians={med('ours', 'calls_per_s') / med('bare', 'calls_per_s'):.3f} "
        f"cpu_ratio={med('bare', 'cpu_us_per_call') / med('ours', 'cpu_us_per_call'):.3f} "
        f"ours_rps={med('ours', 'calls_per_s'):.0f} bare_rps={med('bare', 'calls_per_s'):.0f} "
        f"ours_p50_ms={med('ours', 'p50_ms'):.2f} ours_p99_ms={med('ours', 'p99_ms'):.2f} "
        f"bare_p50_ms={med('bare', 'p50_ms'):.2f} bare_p99_ms={med('bare', 'p99_ms'):.2f} (goal >= {GOAL})"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--load-generator", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load_generator:
        asyncio.run(load_generator(args.concurrency))
    else:
        asyncio.run(main(args.calls, args.rounds, args.concurrency))
