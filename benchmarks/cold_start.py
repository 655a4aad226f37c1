"""Cold start: spawn `python -m agent_tools serve` (stdio, offline) until its tools/list answer,
vs a bare MCP server script doing the same.

    python benchmarks/cold_start.py [--runs 15] [--profile]

Each run spawns the server, writes initialize, notifications/initialized and tools/list to
its stdin at once, and stops the clock when the tools/list response is read from stdout.
The baseline is a bare `MCPServer` with one tool, written to a temp file at run time and
started by the same interpreter, so the ratio isolates what our imports and set-up add to
Python + the MCP SDK. Runs are interleaved (bare, ours, bare, ours, ...) after one
discarded warm-up of each (bytecode and page cache); medians. Goal: <= 1.2x.
Our server pauses the cyclic garbage collector while it starts (agent_tools/cli.py); so
that this trick is not mistaken for lighter code, a third server, the bare one with the same
pause, runs in the same rounds and its ratio is printed too (`ratio_vs_bare_gc_paused`).
With --profile (or when above the goal) it runs both under `python -X importtime` and
prints the packages only our server imports, by self time, and our slowest modules.
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

GOAL = 1.2
ROOT = Path(__file__).resolve().parent.parent  # servers start here, so `-m agent_tools` is this checkout

BARE_SERVER = '''
from mcp.server import MCPServer

server = MCPServer(name="bare", log_level="WARNING")


@server.tool()
async def constant(symbols: list[str], vs_currency: str = "usd") -> dict[str, float]:
    """A constant answer."""
    return {"price": 1.0}


server.run()
'''

# The same bare server with agent-tools' start-up collector pause (cli.main / _resume_gc).
BARE_SERVER_GC_PAUSED = "import gc\ngc.disable()\n" + BARE_SERVER.replace(
    "server.run()", "gc.freeze()\ngc.enable()\nserver.run()"
)

MESSAGES = [
    {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "cold-start-bench", "version": "0"},
        },
    },
    {"jsonrpc": "2.0", "method": "notifications/initialized"},
    {"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}},
]
PAYLOAD = "".join(json.dumps(m) + "\n" for m in MESSAGES).encode()


def server_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AGENT_TOOLS_")}
    return env | {"AGENT_TOOLS_OFFLINE": "1", "PYTHONUNBUFFERED": "1"}


def time_to_tools(cmd: list[str], timeout: float = 60.0) -> tuple[float, int]:
    """Seconds from spawn to the tools/list response, and how many tools it listed."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=server_env(),
        cwd=ROOT,
    )
    assert proc.stdin is not None
    assert proc.stdout is not None
    try:
        proc.stdin.write(PAYLOAD)
        proc.stdin.flush()
        deadline = start + timeout
        while time.perf_counter() < deadline:
            line = proc.stdout.readline()
            if not line:
                raise RuntimeError(f"{cmd} exited before answering tools/list")
            message = json.loads(line)
            if message.get("id") == 2:
                elapsed = time.perf_counter() - start
                if "error" in message:
                    raise RuntimeError(f"tools/list failed: {message['error']}")
                return elapsed, len(message["result"]["tools"])
        raise RuntimeError(f"{cmd} did not answer within {timeout} s")
    finally:
        proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stdout.close()


IMPORTTIME = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)$")


def import_profile(cmd: list[str]) -> dict[str, tuple[int, int, int]]:
    """module -> (self us, cumulative us, depth) from one `python -X importtime` start-up."""
    proc = subprocess.run(
        [cmd[0], "-X", "importtime", *cmd[1:]],
        input=PAYLOAD,
        capture_output=True,
        env=server_env(),
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    out: dict[str, tuple[int, int, int]] = {}
    for line in proc.stderr.decode(errors="replace").splitlines():
        match = IMPORTTIME.match(line)
        if match:
            self_us, cumulative, indent, name = match.groups()
            out[name] = (int(self_us), int(cumulative), len(indent) // 2)
    return out


def report_imports(ours_cmd: list[str], bare_cmd: list[str], rounds: int = 3) -> None:
    ours_runs = [import_profile(ours_cmd) for _ in range(rounds)]
    bare_modules = set().union(*(import_profile(bare_cmd) for _ in range(rounds)))
    modules = set().union(*ours_runs)

    def median_of(name: str, index: int) -> float:
        return statistics.median(run.get(name, (0, 0, 0))[index] for run in ours_runs)

    extra = modules - bare_modules
    by_package: dict[str, float] = defaultdict(float)
    counts: dict[str, int] = defaultdict(int)
    for name in extra:
        by_package[name.split(".")[0]] += median_of(name, 0)
        counts[name.split(".")[0]] += 1
    total = sum(by_package.values())
    print(
        f"\nimports only our server makes: {len(extra)} modules, {total / 1e3:.0f} ms self time (median of {rounds})"
    )
    print("  top packages by self time (what lazy imports would save):")
    for package, us in sorted(by_package.items(), key=lambda kv: -kv[1])[:15]:
        print(f"    {package:<28}{us / 1e3:7.1f} ms  ({counts[package]} modules)")
    ours = sorted((n for n in modules if n.startswith("agent_tools")), key=lambda n: -median_of(n, 1))
    print("  agent_tools modules by cumulative import time (includes what they pull in):")
    for name in ours[:12]:
        print(f"    {name:<44}{median_of(name, 1) / 1e3:7.1f} ms")
    print("  agent_tools modules by self time (module body: pydantic models, data loading):")
    for name in sorted(ours, key=lambda n: -median_of(n, 0))[:8]:
        print(f"    {name:<44}{median_of(name, 0) / 1e3:7.1f} ms")


PHASES = """
import gc, json, time
gc.disable()  # as `agent-tools serve` does until the server is built
t0 = time.perf_counter()
import mcp.server
t1 = time.perf_counter()
import agent_tools.cli, agent_tools.transport
t2 = time.perf_counter()
from agent_tools.server import build_server
from agent_tools.services import Services
build_server(Services())
t3 = time.perf_counter()
print(json.dumps({"mcp SDK import": t1 - t0, "agent_tools.transport import (settings, services)": t2 - t1,
                  "build_server (tool modules, schemas, prompts)": t3 - t2}))
"""


def report_phases(rounds: int = 3) -> None:
    """Where our start-up goes after the interpreter is up (medians of fresh processes)."""
    runs = [
        json.loads(
            subprocess.run(
                [sys.executable, "-c", PHASES],
                capture_output=True,
                env=server_env(),
                cwd=ROOT,
                timeout=120,
                check=True,
            ).stdout
        )
        for _ in range(rounds)
    ]
    print(f"\nstart-up phases (median of {rounds} fresh processes):")
    for phase in runs[0]:
        print(f"  {phase:<48}{statistics.median(r[phase] for r in runs) * 1e3:7.0f} ms")


def main(runs: int, profile: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        bare_path = Path(tmp) / "bare_server.py"
        bare_path.write_text(BARE_SERVER)
        paused_path = Path(tmp) / "bare_server_gc_paused.py"
        paused_path.write_text(BARE_SERVER_GC_PAUSED)
        ours_cmd = [sys.executable, "-m", "agent_tools", "serve"]
        bare_cmd = [sys.executable, str(bare_path)]
        paused_cmd = [sys.executable, str(paused_path)]
        _, tools = time_to_tools(ours_cmd)  # warm-ups, discarded
        time_to_tools(bare_cmd)
        time_to_tools(paused_cmd)
        ours_t: list[float] = []
        bare_t: list[float] = []
        paused_t: list[float] = []
        for _ in range(runs):
            bare_t.append(time_to_tools(bare_cmd)[0])
            ours_t.append(time_to_tools(ours_cmd)[0])
            paused_t.append(time_to_tools(paused_cmd)[0])
        ours_m, bare_m = statistics.median(ours_t), statistics.median(bare_t)
        paused_m = statistics.median(paused_t)
        ratio = ours_m / bare_m
        print(
            f"bare MCP server:   {bare_m * 1e3:7.0f} ms to tools/list (median of {runs}; min {min(bare_t) * 1e3:.0f})"
        )
        print(f"  same, GC paused: {paused_m * 1e3:7.0f} ms (min {min(paused_t) * 1e3:.0f})")
        print(
            f"agent-tools serve: {ours_m * 1e3:7.0f} ms to tools/list ({tools} tools; min {min(ours_t) * 1e3:.0f})"
        )
        print(f"extra: {(ours_m - bare_m) * 1e3:.0f} ms")
        if profile or ratio > GOAL:
            report_phases()
            report_imports(ours_cmd, bare_cmd)
    print(
        f"ratio={ratio:.3f} ours_ms={ours_m * 1e3:.0f} bare_ms={bare_m * 1e3:.0f} (goal <= {GOAL}) "
        f"ratio_vs_bare_gc_paused={ours_m / paused_m:.3f}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--profile", action="store_true", help="always print the import profile")
    args = parser.parse_args()
    main(args.runs, args.profile)
