"""Warm get_price over stdio: our server vs a bare MCP server returning the very same answer.

    python benchmarks/stdio_overhead.py [--batch 50] [--batches 120] [--baseline REF]
                                        [--profile [--profile-filter TEXT]]

Both servers are real subprocesses spoken to over their stdin/stdout, one raw JSON-RPC line
per call (the client here only writes a line and reads one, so the comparison is the
servers'). Ours runs as `python -m agent_tools serve` with its default logging (a JSON line
per tool call on stderr, to a file as a desktop client keeps it) and its upstream base URLs on
a loopback fake of CoinGecko, DefiLlama and Binance, warmed by one call; no upstream request
happens while timing. The bare server is a plain `MCPServer` whose `get_price` has our exact
signature and returns our warm answer as the same pydantic model (PriceResult), so both pay
the SDK's framing, argument validation, output validation and serialisation.

Small batches of calls rotate between the servers (each goes first in turn), and all are
pinned to the same core, so load from other processes falls on them alike. With --baseline REF
a third server, ours as of that git ref (`git archive`, in a temp dir), runs in the same rotation
and `baseline_ratio` is printed: before/after in one run. Per batch it records the wall time
at the client, the CPU time of the server's event-loop thread (/proc/PID/sched, to the
microsecond: all of the servers' Python work; waiting is not counted) and of the whole process
(/proc/PID/stat, in clock ticks). `ratio` is
ours / bare of the event-loop CPU summed over all batches (goal <= 1.15); `group_ratios` are
the same for consecutive groups of ten batches, to show the spread; `process_cpu_ratio` and
`wall_ratio` are printed too.

With --profile, each server also runs twice under cProfile (timed by the event-loop thread's
CPU clock), with N and 2N warm calls; the difference of the two profiles is what N calls cost
(start-up cancels out). It prints CPU per call by package for both servers, then the functions
where ours spends the most more (--profile-filter keeps only those whose name contains TEXT).
"""

from __future__ import annotations

import argparse
import json
import os
import pstats
import re
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import IO

from _harness import ROOT

GOAL = 1.15
TICKS = os.sysconf("SC_CLK_TCK")
PIN_CPU: int | None = max(os.sched_getaffinity(0)) if len(os.sched_getaffinity(0)) > 1 else None
CALL = {"name": "get_price", "arguments": {"symbols": ["BTC"]}}

BARE_SERVER = """
import json, sys, typing
from mcp.server import MCPServer
from agent_tools.tools.price import PriceResult, get_price

answer = PriceResult.model_validate_json(open(sys.argv[1]).read())
server = MCPServer(name="bare", log_level="WARNING")


async def constant(symbols: list[str], vs_currency: str = "usd") -> PriceResult:
    return answer


hints = typing.get_type_hints(get_price, include_extras=True)
constant.__annotations__ = {k: v for k, v in hints.items() if k != "services"}
server.tool(name="get_price")(constant)
server.run()
"""


class Peer:
    """A stdio MCP server subprocess, spoken to one JSON-RPC line at a time."""

    def __init__(self, cmd: list[str], env: dict[str, str], stderr: IO[bytes], cwd: Path = ROOT) -> None:
        self.proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr, env=env, cwd=cwd
        )
        if PIN_CPU is not None:  # both servers share one core, so they see the same contention
            os.sched_setaffinity(self.proc.pid, {PIN_CPU})
        self.next_id = 0
        self.request(
            {
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "b", "version": "0"},
            },
            "initialize",
        )
        self.notify("notifications/initialized")

    def notify(self, method: str) -> None:
        self._write({"jsonrpc": "2.0", "method": method})

    def _write(self, message: dict[str, object]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(message).encode() + b"\n")
        self.proc.stdin.flush()

    def request(self, params: dict[str, object], method: str = "tools/call") -> dict[str, object]:
        self.next_id += 1
        self._write({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the server exited")
        reply = json.loads(line)
        if "error" in reply or reply["result"].get("isError"):
            raise RuntimeError(f"{method} failed: {line[:300]!r}")
        return reply["result"]

    def loop_cpu_s(self) -> float:
        """CPU time of the server's main thread, which runs the event loop (all of the servers' Python
        work; the SDK's stdin/stdout worker threads do the same reads and writes for both)."""
        for line in Path(f"/proc/{self.proc.pid}/sched").read_text().splitlines():
            if line.startswith("se.sum_exec_runtime"):
                return float(line.split(":")[1]) / 1e3  # ms, to the microsecond
        raise RuntimeError("no se.sum_exec_runtime in /proc/PID/sched")

    def process_cpu_s(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime, all threads, in clock ticks

    def time_calls(self, calls: int) -> tuple[float, float, float]:
        """Per call: wall seconds at the client, event-loop CPU and whole-process CPU of the server."""
        loop0, cpu0, wall0 = self.loop_cpu_s(), self.process_cpu_s(), time.perf_counter()
        for _ in range(calls):
            self.request(CALL)
        wall = time.perf_counter() - wall0
        return wall / calls, (self.loop_cpu_s() - loop0) / calls, (self.process_cpu_s() - cpu0) / calls

    def close(self) -> None:
        assert self.proc.stdin is not None
        assert self.proc.stdout is not None
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()


def base_env(root: Path = ROOT) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AGENT_TOOLS_") and k != "PYTHONPATH"}
    return env | {"PYTHONPATH": str(root)}


def checkout(ref: str, into: Path) -> Path:
    """`git archive REF` of this repository, extracted: the baseline server's code."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref], capture_output=True, check=True)
    (into / "ref.tar").write_bytes(archive.stdout)
    with tarfile.open(into / "ref.tar") as tar:
        tar.extractall(into / "src", filter="data")
    return into / "src"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=50, help="calls per batch (default 50)")
    parser.add_argument("--batches", type=int, default=120, help="batches per server (default 120)")
    parser.add_argument("--profile", action="store_true", help="profile our server and print its hot spots")
    parser.add_argument("--profile-filter", default="", metavar="TEXT", help="only functions containing TEXT")
    parser.add_argument(
        "--baseline", metavar="REF", help="also time our server as of this git ref, e.g. main"
    )
    args = parser.parse_args()

    from tests.fakes.loopback import by_prefix, serve
    from tests.fakes.upstream import FakeUpstream

    fake = FakeUpstream()
    hosts = {"/cg": "api.coingecko.com", "/llama": "coins.llama.fi", "/binance": "api.binance.com"}
    with tempfile.TemporaryDirectory() as tmp_name, serve(fake.handle, by_prefix(hosts)) as base:
        tmp = Path(tmp_name)
        upstreams = {
            "AGENT_TOOLS_COINGECKO_BASE_URL": f"{base}/cg/api/v3",
            "AGENT_TOOLS_DEFILLAMA_BASE_URL": f"{base}/llama",
            "AGENT_TOOLS_BINANCE_BASE_URL": f"{base}/binance",
        }
        serve_cmd = [sys.executable, "-m", "agent_tools", "serve"]
        logs = {name: open(tmp / f"{name}.log", "wb") for name in ("ours", "bare", "baseline")}  # noqa: SIM115
        peers = {"ours": Peer(serve_cmd, base_env() | upstreams, logs["ours"])}
        answer = peers["ours"].request(CALL)["structuredContent"]  # warms the caches
        (tmp / "answer.json").write_text(json.dumps(answer))
        (tmp / "bare.py").write_text(BARE_SERVER)
        bare_cmd = [sys.executable, str(tmp / "bare.py"), str(tmp / "answer.json")]
        peers["bare"] = Peer(bare_cmd, base_env(), logs["bare"])
        assert peers["bare"].request(CALL)["structuredContent"] == answer, (
            "the bare server must return our answer"
        )
        if args.baseline:
            old = checkout(args.baseline, tmp)
            peers["baseline"] = Peer(serve_cmd, base_env(old) | upstreams, logs["baseline"], cwd=old)
            peers["baseline"].request(CALL)
        warm_requests = len(fake.requests)
        rows: list[dict[str, tuple[float, float, float]]] = []
        order = list(peers)
        for i in range(args.batches):  # rotate who goes first, so no server always follows the same one
            turn = order[i % len(order) :] + order[: i % len(order)]
            rows.append({name: peers[name].time_calls(args.batch) for name in turn})
        for peer in peers.values():
            peer.close()
        for log in logs.values():
            log.close()
        log_lines = (tmp / "ours.log").read_bytes().count(b"\n")
        if args.profile:
            hot = {
                "ours": per_call_profile(["agent_tools", "serve"], base_env() | upstreams, 1000, tmp),
                "bare": per_call_profile(bare_cmd[1:], base_env(), 1000, tmp),
            }
            print_profile(hot, args.profile_filter)
    upstream = len(fake.requests) - warm_requests
    labels = ("wall/call at the client", "event-loop CPU/call", "process CPU/call")
    totals = {name: [sum(r[name][i] for r in rows) for i in range(3)] for name in peers}
    for name, total in totals.items():
        cells = [f"{total[i] / len(rows) * 1e6:6.0f} us {label}" for i, label in enumerate(labels)]
        print(f"{name}: " + ", ".join(cells))
    groups = [rows[i : i + 10] for i in range(0, len(rows), 10)]
    spread = [sum(r["ours"][1] for r in g) / sum(r["bare"][1] for r in g) for g in groups]
    print(
        f"group_ratios (ours/bare event-loop CPU, 10 batches each): {', '.join(f'{r:.3f}' for r in spread)}"
    )
    print(f"upstream requests while timing: {upstream} (warm: expect 0); our stderr lines: {log_lines}")
    if "baseline" in totals:
        old_ratio = totals["baseline"][1] / totals["bare"][1]
        print(f"baseline_ratio={old_ratio:.3f} ({args.baseline}, event-loop CPU vs bare)")
    ratio, process, wall = (totals["ours"][i] / totals["bare"][i] for i in (1, 2, 0))
    print(
        f"ratio={ratio:.3f} process_cpu_ratio={process:.3f} wall_ratio={wall:.3f} "
        f"({args.batches} rotating batches of {args.batch} calls per server; goal <= {GOAL})"
    )


PROFILED = """
import cProfile, runpy, sys, time
out, target, *argv = sys.argv[1:]
sys.argv = [target, *argv]
profiler = cProfile.Profile(time.thread_time)  # CPU of the event-loop thread: waits are not cost
profiler.enable()
try:
    if target.endswith(".py"):
        runpy.run_path(target, run_name="__main__")
    else:
        runpy.run_module(target, run_name="__main__", alter_sys=True)
finally:
    profiler.disable()
    profiler.dump_stats(out)
"""


def per_call_profile(target: list[str], env: dict[str, str], calls: int, tmp: Path) -> dict[str, float]:
    """Own CPU seconds per warm call by function: a 2N-call profile minus an N-call one, so start-up
    cancels out. `target` is a module or script and its arguments."""
    (tmp / "profiled.py").write_text(PROFILED)
    totals: list[dict[str, float]] = []
    for n in (calls, 2 * calls):
        out = tmp / f"{n}.prof"
        with open(os.devnull, "wb") as sink:
            peer = Peer([sys.executable, str(tmp / "profiled.py"), str(out), *target], env, sink)
            peer.request(CALL)
            for _ in range(n):
                peer.request(CALL)
            peer.close()
        by_function: dict[str, float] = {}
        for (file, line, name), row in pstats.Stats(str(out)).stats.items():  # type: ignore[attr-defined]
            where = file.split("site-packages/")[-1].replace(str(ROOT) + "/", "")
            key = re.sub(r" at 0x[0-9a-f]+", "", f"{where}:{line} {name}")  # addresses differ per process
            by_function[key] = by_function.get(key, 0.0) + row[2]  # tottime
        totals.append(by_function)
    return {k: (totals[1].get(k, 0.0) - totals[0].get(k, 0.0)) / calls for k in totals[1]}


def print_profile(hot: dict[str, dict[str, float]], only: str, top: int = 25) -> None:
    """Per warm call: CPU by package for both servers, then the functions where ours spends more."""
    ours, bare = hot["ours"], hot["bare"]

    def package(key: str) -> str:
        path = key.split(":", 1)[0]
        if path.startswith("~"):
            return "builtins"
        parts = path.replace("/root/.pyenv/versions/", "").split("/")
        return (
            "/".join(parts[:2])
            if parts[0] == "agent_tools"
            else ("stdlib:" + parts[-1] if "lib/python3" in path else parts[0])
        )

    by_package: dict[str, list[float]] = {}
    for side, data in enumerate((ours, bare)):
        for key, seconds in data.items():
            by_package.setdefault(package(key), [0.0, 0.0])[side] += seconds
    print(
        "CPU per warm call of the event-loop thread under cProfile (inflated by the profiler), ours vs bare:"
    )
    print(f"  {sum(ours.values()) * 1e6:7.1f} {sum(bare.values()) * 1e6:7.1f} us  total")
    for name, (o, b) in sorted(by_package.items(), key=lambda kv: -abs(kv[1][0] - kv[1][1]))[:top]:
        print(f"  {o * 1e6:7.1f} {b * 1e6:7.1f} us  {name}")
    print("functions where ours spends the most more:")
    for key in sorted((k for k in ours if only in k), key=lambda k: -(ours[k] - bare.get(k, 0.0)))[:top]:
        print(f"  {ours[key] * 1e6:7.1f} {bare.get(key, 0.0) * 1e6:7.1f} us  {key}")


if __name__ == "__main__":
    main()
