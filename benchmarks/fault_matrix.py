"""Every provider x every fault, through the in-memory MCP client: what does the agent get?

    python benchmarks/fault_matrix.py [--deadline 3] [--jobs 8]

For each provider the tool that uses it is called with that provider failing on every
request (persistent fault injection on the tests' fakes) in two scenarios:
  cold  - nothing cached: the tool must fall back to another source, the snapshot, or
          answer with a clean error envelope;
  stale - one healthy call first, then the clock moves past that provider's TTL (a
          shifted clock, no waiting) and the provider fails: expect the cached value
          served with `stale: true` (stale-if-error).
Columns are 429 with Retry-After: 1, 500, 503, an immediate read timeout, a truncated
(malformed) JSON body, a drifted shape, and a body over the 5 MB cap. Each cell prints the
outcome and, in brackets, how many requests the faulted provider received.
Asserts: no exception, no INTERNAL, no traceback/key in any text, every cell answered
within the deadline (+1.5 s), and no event-loop stall over 1 s (a stall delays every
concurrent call, deadlines included). Cells run one at a time by default so that times
and stalls belong to one cell (~5 min). Last line: `cells=<n> internal=<k> tracebacks=<t>`;
exit status 1 when any problem was found.
"""

import argparse
import asyncio
import sys
import time
from dataclasses import dataclass
from typing import Any

from _harness import FAULTS, AllFakes, LogWatch, ShiftClock, bench_settings, classify, clean_env
from mcp import Client

from agent_tools.server import build_server
from agent_tools.services import Services
from tests.fakes.security import BLUE_CHIP, MEMELON
from tests.fakes.upstream import Fault


@dataclass(frozen=True)
class Row:
    provider: str
    tool: str
    args: dict[str, Any]
    ttl: float  # the provider's cache TTL (s): the stale scenario moves the clock just past it
    keys: bool = True  # Etherscan / Token Metrics keys configured
    also_down: tuple[str, ...] = ()  # providers failing (503) in both scenarios, so this one is consulted


ROWS = [
    Row("coingecko", "get_price", {"symbols": ["BTC"]}, 60),
    Row("defillama", "get_price", {"symbols": ["BTC"]}, 60),
    Row("binance", "get_price", {"symbols": ["BTC"]}, 30, also_down=("coingecko", "defillama")),
    Row("goplus", "assess_rug_pull_risk", {"chain": "ethereum", "address": BLUE_CHIP}, 600),
    Row("honeypot", "assess_rug_pull_risk", {"chain": "ethereum", "address": BLUE_CHIP}, 300),
    Row("dexscreener", "assess_rug_pull_risk", {"chain": "ethereum", "address": BLUE_CHIP}, 60),
    Row("rugcheck", "assess_rug_pull_risk", {"chain": "solana", "address": MEMELON}, 300),
    Row("mempool", "estimate_network_fee", {"chain": "bitcoin"}, 30),
    Row("evm_rpc", "estimate_network_fee", {"chain": "ethereum"}, 12, keys=False),
    Row("etherscan", "estimate_network_fee", {"chain": "ethereum"}, 12),
    Row("solana_rpc", "estimate_network_fee", {"chain": "solana"}, 10),
    Row("tokenmetrics", "get_grade", {"symbol": "BTC"}, 3600),
]
SCENARIOS = ("cold", "stale")
STALL_LIMIT_S = 1.0


def summary(row: Row, structured: dict[str, Any]) -> str:
    """A short account of a successful answer: which source answered, stale or not."""
    if row.tool == "get_price":
        quote = structured["quotes"][0]
        return f"ok({quote['source']}{',stale' if quote['stale'] else ''})"
    if row.tool == "assess_rug_pull_risk":
        status = dict.fromkeys(structured["coverage"]["sources_ok"], "ok")  # the others are in source_status
        status |= {s["name"]: s["status"] for s in structured["source_status"]}
        mine = next((v for k, v in status.items() if k.replace(".", "").startswith(row.provider[:5])), "?")
        return f"ok({row.provider}:{mine}{',stale' if structured['stale'] else ''})"
    source = structured.get("source")
    source = source if isinstance(source, str) else "+".join(source or [])
    source = {"getRecentPrioritizationFees": "solana_rpc", "mempool.space": "mempool"}.get(source, source)
    return f"ok({source}{',stale' if structured.get('stale') else ''})"


@dataclass
class Cell:
    row: Row
    fault: str
    scenario: str
    outcome: str
    requests: int
    seconds: float
    stall: float  # longest event-loop stall seen during the faulted call (s)
    problems: list[str]


async def watch_loop(stalls: list[float], tick: float = 0.02) -> None:
    """Records how late each short sleep wakes up: a blocked event loop shows as a long stall."""
    loop = asyncio.get_running_loop()
    while True:
        before = loop.time()
        await asyncio.sleep(tick)
        stalls.append(loop.time() - before - tick)


async def run_cell(row: Row, fault_name: str, fault: Fault, scenario: str, deadline: float) -> Cell:
    fakes = AllFakes()
    clock = ShiftClock()
    problems: list[str] = []
    settings = bench_settings(deadline, keys=row.keys)
    async with (
        Services(settings, clock=clock, transport=fakes.transport) as services,
        Client(build_server(services)) as client,
    ):
        for other in row.also_down:
            fakes.persistent[other] = Fault("status", 503)
        if scenario == "stale":
            warm = classify(await client.call_tool(row.tool, row.args))
            if warm.code != "ok":
                problems.append(f"warm-up call failed: {warm.code}")
            clock.offset += row.ttl + 1
        fakes.persistent[row.provider] = fault
        before = fakes.counts[row.provider]
        stalls: list[float] = [0.0]
        watcher = asyncio.create_task(watch_loop(stalls))
        start = time.perf_counter()
        try:
            result = classify(await client.call_tool(row.tool, row.args))
        except Exception as exc:  # a crash of the call itself: reported, never hidden
            return Cell(row, fault_name, scenario, f"EXCEPTION:{type(exc).__name__}", 0, 0, 0, [repr(exc)])
        finally:
            watcher.cancel()
        seconds = time.perf_counter() - start
    problems += result.problems
    stall = max(stalls)
    if stall > STALL_LIMIT_S:
        problems.append(f"event loop blocked for {stall:.1f} s")
    outcome = summary(row, result.structured or {}) if result.code == "ok" else f"error:{result.code}"
    if seconds > deadline + 1.5:
        problems.append(f"took {seconds:.1f} s (deadline {deadline:g} s)")
    requests = fakes.counts[row.provider] - before
    return Cell(row, fault_name, scenario, outcome, requests, seconds, stall, problems)


async def main(deadline: float, jobs: int) -> int:
    clean_env()
    gate = asyncio.Semaphore(jobs)

    async def guarded(row: Row, name: str, fault: Fault, scenario: str) -> Cell:
        async with gate:
            return await run_cell(row, name, fault, scenario, deadline)

    started = time.perf_counter()
    with LogWatch() as logs:
        cells = await asyncio.gather(
            *(
                guarded(row, name, fault, scenario)
                for scenario in SCENARIOS
                for row in ROWS
                for name, fault in FAULTS.items()
            )
        )
    elapsed = time.perf_counter() - started

    by_key = {(c.scenario, c.row.provider, c.fault): c for c in cells}
    for scenario in SCENARIOS:
        text = {k: f"{c.outcome} [{c.requests}]" for k, c in by_key.items() if k[0] == scenario}
        width = {f: max(len(f), *(len(t) for k, t in text.items() if k[2] == f)) + 2 for f in FAULTS}
        print(f"\n== {scenario} ==")
        print(f"{'provider':<13}{'tool':<22}" + "".join(f"{name:<{width[name]}}" for name in FAULTS))
        for row in ROWS:
            cells_text = (f"{text[(scenario, row.provider, f)]:<{width[f]}}" for f in FAULTS)
            print(f"{row.provider:<13}{row.tool:<22}" + "".join(cells_text).rstrip())

    internal = sum(c.outcome == "error:INTERNAL" for c in cells)
    crashes = [c for c in cells if c.outcome.startswith("EXCEPTION")]
    tracebacks = sum(any("traceback" in p for p in c.problems) for c in cells)
    logged = [r for r in logs.records if r.exc_info]
    problems = [c for c in cells if c.problems]
    slowest = max(cells, key=lambda c: c.seconds)
    stalled = max(cells, key=lambda c: c.stall)
    print(f"\n{len(cells)} cells in {elapsed:.1f} s (jobs={jobs}, deadline {deadline:g} s)")
    print(
        f"slowest cell: {slowest.seconds:.2f} s ({slowest.scenario} {slowest.row.provider} {slowest.fault})"
    )
    print(
        f"longest event-loop stall: {stalled.stall:.2f} s ({stalled.scenario} {stalled.row.provider} {stalled.fault})"
    )
    print(f"logged errors with a traceback: {len(logged)}")
    for c in problems:
        print(f"PROBLEM {c.scenario} {c.row.provider} {c.fault}: {c.row.tool} {c.row.args} -> {c.problems}")
    for record in logged[:5]:
        print(f"LOGGED {record.name}: {record.getMessage()}")
    print(f"cells={len(cells)} internal={internal} tracebacks={tracebacks}")
    return 1 if internal or crashes or tracebacks or problems or logged else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deadline", type=float, default=3.0, help="per-call deadline (s)")
    parser.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="cells run concurrently (1: timings and stalls belong to one cell)",
    )
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.deadline, args.jobs)))
