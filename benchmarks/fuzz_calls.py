"""Generated tool calls through the in-memory MCP client: outcomes by error code, 0 INTERNAL.

    python benchmarks/fuzz_calls.py [--calls 10000] [--seed 1] [--concurrency 16] [--fault-rate 0.2]

Calls are generated (seeded) from every tool's inputSchema as published by tools/list:
valid values (with domain pools of tickers, chains, addresses, exchanges so calls reach the
tool bodies), boundary values, wrong types, NaN/inf as numbers and as strings, unknown and
missing arguments, huge strings (up to 1 MB), unicode and odd strings, junk argument objects
and unknown tool names. Each call goes, at random, to one of three servers over the
tests' fakes: upstreams failing `--fault-rate` of requests (429, 5xx, timeouts, malformed and
drifted bodies) with the Etherscan and Token Metrics keys set; healthy upstreams without keys;
and offline mode. Baseline: a correct server gives only `ok` and the contract's error codes.
Findings (INTERNAL, crashes, unparseable envelopes, tracebacks or keys in text, errors logged
with a traceback) are printed as reproducers. Last line: `calls=<n> internal=<k>`.
"""

import argparse
import asyncio
import sys
import time

from _harness import clean_env, fuzz, shorten


async def main(calls: int, seed: int, concurrency: int, fault_rate: float, deadline: float) -> int:
    clean_env()
    started = time.perf_counter()
    report = await fuzz(
        calls,
        seed=seed,
        concurrency=concurrency,
        deadline_s=deadline,
        fault_rate=fault_rate,
        progress=True,
    )
    elapsed = time.perf_counter() - started
    print(f"{report.calls} calls in {elapsed:.1f} s ({report.calls / elapsed:.0f}/s), seed {seed}")
    print("\noutcomes:")
    for code, n in report.codes.most_common():
        print(f"  {code:<24}{n:>7}")
    print("\nby tool:")
    tools = sorted({tool for tool, _ in report.by_tool})
    for tool in tools:
        row = {code: n for (t, code), n in report.by_tool.items() if t == tool}
        print(f"  {shorten(tool, 24):<32} " + ", ".join(f"{c}={n}" for c, n in sorted(row.items())))
    print("\nby generated input:")
    modes = sorted({mode for mode, _ in report.by_mode})
    for mode in modes:
        row = {code: n for (m, code), n in report.by_mode.items() if m == mode}
        print(f"  {mode:<14} " + ", ".join(f"{c}={n}" for c, n in sorted(row.items())))
    print(f"\nupstream requests: {dict(report.upstream.most_common())}")
    print(f"faults injected: {dict(report.injected)}")
    print(f"errors logged: {len(report.logged)}")
    for record in report.logged[:10]:
        print(f"  LOGGED {record.name}: {record.getMessage()}")
    print(f"findings: {len(report.findings)}")
    for finding in report.findings[:30]:
        print(f"  REPRO {finding.reproducer()}")
    print(f"calls={report.calls} internal={report.internal}")
    return 1 if report.internal or report.findings or report.logged else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--fault-rate", type=float, default=0.2)
    parser.add_argument("--deadline", type=float, default=2.0, help="per-call deadline (s)")
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.calls, args.seed, args.concurrency, args.fault_rate, args.deadline)))
