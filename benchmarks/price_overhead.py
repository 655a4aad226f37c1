"""Warm-cache get_price through the in-memory MCP client vs a bare MCP server's constant tool.

    python benchmarks/price_overhead.py [--calls 2000] [--rounds 5]

The bare server's tool has get_price's signature and returns a constant: the very answer
get_price gave on a warm-up call, as the same pydantic model. So both sides pay the same
MCP, argument-validation, serialisation and client-side schema-validation costs, and the
ratio isolates what our server adds (deadline, error mapping, metrics, log line, cache
lookups, ticker resolution, quote building). Both run in
this process, interleaved round by round, so machine noise hits both alike.
Prints per-call medians and the ratio (goal: <= 1.15x).
"""

import argparse
import asyncio
import statistics
import time
import typing

from _fake import FakeUpstream
from mcp import Client
from mcp.server import MCPServer

from agent_tools.server import build_server
from agent_tools.services import Services
from agent_tools.settings import Settings
from agent_tools.tools.price import PriceResult, get_price


def bare_server(answer: PriceResult) -> MCPServer:
    """A plain MCPServer whose tool has get_price's exact signature (same input schema and
    bounds, so the same argument validation on both sides) and returns a constant."""
    server = MCPServer(name="bare", log_level="WARNING")

    async def constant(symbols: list[str], vs_currency: str = "usd") -> PriceResult:
        return answer

    hints = typing.get_type_hints(get_price, include_extras=True)
    constant.__annotations__ = {k: v for k, v in hints.items() if k != "services"}
    server.tool()(constant)
    return server


async def time_calls(client: Client, tool: str, args: dict[str, object], calls: int) -> float:
    """CPU seconds per call: client and server share this process's one thread, and CPU time
    is what another process on the shared cores cannot inflate (wall time is printed too)."""
    start = time.process_time()
    for _ in range(calls):
        result = await client.call_tool(tool, args)
        assert not result.is_error
    return (time.process_time() - start) / calls


async def main(calls: int, rounds: int) -> None:
    fake = FakeUpstream()
    settings = Settings(_env_file=None)  # pyright: ignore[reportCallIssue]
    services = Services(settings, transport=fake.transport)
    async with services, Client(build_server(services)) as ours:
        warm = await ours.call_tool("get_price", {"symbols": ["BTC"]})  # warms the caches
        answer = PriceResult.model_validate(warm.structured_content)
        async with Client(bare_server(answer)) as bare:
            await bare.call_tool("constant", {"symbols": ["BTC"]})
            ours_t: list[float] = []
            bare_t: list[float] = []
            for _ in range(rounds):
                bare_t.append(await time_calls(bare, "constant", {"symbols": ["BTC"]}, calls))
                ours_t.append(await time_calls(ours, "get_price", {"symbols": ["BTC"]}, calls))
    ours_m, bare_m = statistics.median(ours_t), statistics.median(bare_t)
    ratios = [o / b for o, b in zip(ours_t, bare_t, strict=True)]
    print(f"bare constant tool: {bare_m * 1e6:8.1f} us CPU/call (median of {rounds} rounds x {calls})")
    print(f"get_price warm:     {ours_m * 1e6:8.1f} us CPU/call")
    print(f"per-round ratios: {', '.join(f'{r:.3f}' for r in ratios)}")
    print(f"upstream requests during timing: {len(fake.requests) - 3} (warm cache: expect 0)")
    print(f"ratio={statistics.median(ratios):.3f} (median per-round ratio; goal <= 1.15)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(main(args.calls, args.rounds))
