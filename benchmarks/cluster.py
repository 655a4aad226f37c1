"""A cluster on this machine: nginx (deploy/nginx.conf) in front of 3 replicas sharing one Redis.

    python benchmarks/cluster.py [--calls 3000] [--concurrency 16]

Real processes: a loopback fake of CoinGecko, DefiLlama and Binance; redis-server; three
`agent-tools serve --transport http` replicas (AGENT_TOOLS_REPLICAS=3, a token, small
provider budgets); nginx with the deploy file's retry policy, its upstreams pointed at the
replicas. The calls mix cached prices, searches that each cost a CoinGecko request (so the
budget binds), and pure tools. A third of the way in one replica is SIGKILLed; half way in
Redis is killed and restarted empty. Reported: failed calls (goal 0), and for every provider
the most upstream requests in any 60 s window against its budget. tests/test_cluster.py
runs this in CI.
"""

from __future__ import annotations

import asyncio
import bisect
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx

from tests.fakes.loopback import by_prefix, serve
from tests.fakes.upstream import HOSTS, FakeUpstream

TOKEN = "cluster-token"
BUDGETS = {"coingecko": 60, "defillama": 120, "binance": 600}
MCP_HEADERS = {
    "accept": "application/json, text/event-stream",
    "content-type": "application/json",
    "authorization": f"Bearer {TOKEN}",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, proc: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited: {proc.stderr.read().decode() if proc.stderr else ''}")
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on {port}")


def max_in_window(times: list[float], window: float = 60.0) -> int:
    times = sorted(times)
    return max((bisect.bisect_left(times, t + window) - i for i, t in enumerate(times)), default=0)


class Stamped(FakeUpstream):
    """The price fake, stamping every request with its provider and arrival time."""

    def __init__(self) -> None:
        super().__init__()
        self.times: dict[str, list[float]] = {}

    async def handle(self, request: httpx.Request) -> httpx.Response:
        self.times.setdefault(HOSTS.get(request.url.host, "unknown"), []).append(time.monotonic())
        return await super().handle(request)


@dataclass
class Report:
    calls: int
    seconds: float
    failed: Counter[str] = field(default_factory=Counter[str])
    upstream_max_per_minute: dict[str, int] = field(default_factory=dict[str, int])

    def lines(self) -> list[str]:
        out = [
            f"{self.calls} calls through nginx to 3 replicas in {self.seconds:.1f} s ({self.calls / self.seconds:.0f}/s);"
            " one replica SIGKILLed at 1/3, Redis restarted empty at 1/2",
            f"failed calls: {sum(self.failed.values())} {dict(self.failed)} (goal 0)",
        ]
        for provider, most in sorted(self.upstream_max_per_minute.items()):
            out.append(f"{provider}: most requests in any 60 s window {most}, budget {BUDGETS[provider]}")
        return out


def start_redis(port: int) -> subprocess.Popen[bytes]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is required")
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_port(port, proc, "redis-server")
    return proc


def nginx_conf(ports: list[int], listen: int, workdir: Path) -> str:
    """deploy/nginx.conf with its upstream servers, listen port and pid file made local."""
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    marker = "        server agent-tools:8000 max_fails=1 fail_timeout=5s;"
    assert marker in conf, "deploy/nginx.conf changed: update benchmarks/cluster.py"
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;" for p in ports)
    conf = conf.split(marker)[0] + servers + conf.split(marker)[1].split("\n", 1)[1]
    conf = conf.replace("listen 8080;", f"listen 127.0.0.1:{listen};")
    return conf.replace("pid /tmp/nginx.pid;", f"pid {workdir}/nginx.pid;")


@contextmanager
def process(cmd: list[str], env: dict[str, str] | None = None) -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc.stderr:
            proc.stderr.close()


def search_queries() -> list[str]:
    """Distinct lower-case pieces of the snapshot's asset names: each a new CoinGecko search (one request,
    if the budget allows), and each still answered from the snapshot when the budget is spent."""
    import json

    assets = json.loads((ROOT / "agent_tools" / "snapshot" / "prices.json").read_text())["assets"]
    names = [str(a["name"]).lower() for a in assets]
    pieces = {n[i:j] for n in names for i in range(len(n)) for j in range(i + 3, len(n) + 1)}
    return sorted(p for p in pieces if p.strip() == p and p.isalnum())


QUERIES = search_queries()


def call_body(i: int) -> dict[str, Any]:
    kind = i % 4
    if kind == 0:
        name, args = "get_price", {"symbols": [("BTC", "ETH", "SOL")[i // 4 % 3]]}
    elif kind == 1:
        name, args = "search_assets", {"query": QUERIES[i // 4 % len(QUERIES)]}
    elif kind == 2:
        name, args = (
            "assess_leverage",
            {"entry_price": 100 + i % 50, "leverage": 5, "side": "long", "margin_usd": 100},
        )
    else:
        name, args = "estimate_trading_fees", {"notional_usd": 1000 + i}
    return {"jsonrpc": "2.0", "id": i, "method": "tools/call", "params": {"name": name, "arguments": args}}


def failure(response: httpx.Response) -> str | None:
    if response.status_code != 200:
        return f"http {response.status_code}"
    body = response.json()
    if "error" in body:
        return f"jsonrpc {body['error'].get('code')}"
    if body["result"].get("isError"):
        text = body["result"]["content"][0]["text"]
        return "tool error " + text[text.find('"code"') :][:40]
    return None


async def load(base: str, calls: int, concurrency: int, events: dict[int, Any]) -> Counter[str]:
    failed: Counter[str] = Counter()
    done = 0
    queue = iter(range(calls))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, headers=MCP_HEADERS, timeout=30, limits=limits) as http:

        async def worker() -> None:
            nonlocal done
            for i in queue:
                try:
                    why = failure(await http.post("/mcp", json=call_body(i)))
                except httpx.HTTPError as exc:
                    why = type(exc).__name__
                if why:
                    failed[why] += 1
                done += 1
                event = events.pop(done, None)
                if event is not None:
                    await asyncio.to_thread(event)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return failed


def run_cluster(calls: int = 3000, concurrency: int = 16, *, faults: bool = True) -> Report:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    fake = Stamped()
    hosts = {"/cg": "api.coingecko.com", "/llama": "coins.llama.fi", "/binance": "api.binance.com"}
    with ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
        upstream = stack.enter_context(serve(fake.handle, by_prefix(hosts)))
        redis_port = free_port()
        redis: list[subprocess.Popen[bytes]] = [start_redis(redis_port)]
        stack.callback(lambda: [p.kill() or p.wait() for p in redis])
        env = {k: v for k, v in os.environ.items() if not k.startswith("AGENT_TOOLS_")} | {
            "AGENT_TOOLS_CACHE_URL": f"redis://127.0.0.1:{redis_port}/0",
            "AGENT_TOOLS_REPLICAS": "3",
            "AGENT_TOOLS_HTTP_TOKEN": TOKEN,
            "AGENT_TOOLS_LOG_LEVEL": "WARNING",
            "AGENT_TOOLS_COINGECKO_BASE_URL": f"{upstream}/cg/api/v3",
            "AGENT_TOOLS_DEFILLAMA_BASE_URL": f"{upstream}/llama",
            "AGENT_TOOLS_BINANCE_BASE_URL": f"{upstream}/binance",
            **{f"AGENT_TOOLS_{p.upper()}_RATE_PER_MIN": str(n) for p, n in BUDGETS.items()},
        }
        ports = [free_port() for _ in range(3)]
        replicas = []
        for port in ports:
            cmd = [sys.executable, "-m", "agent_tools", "serve", "--transport", "http", "--port", str(port)]
            replicas.append(stack.enter_context(process(cmd, env)))
        for port, proc in zip(ports, replicas, strict=True):
            wait_port(port, proc, "replica")
        lb_port = free_port()
        workdir = Path(tmp)
        (workdir / "nginx.conf").write_text(nginx_conf(ports, lb_port, workdir))
        lb = stack.enter_context(
            process([nginx, "-p", str(workdir), "-c", str(workdir / "nginx.conf"), "-g", "daemon off;"])
        )
        wait_port(lb_port, lb, "nginx")

        def kill_replica() -> None:
            replicas[1].send_signal(signal.SIGKILL)

        def restart_redis() -> None:
            redis[0].kill()
            redis[0].wait()
            redis[0] = start_redis(redis_port)

        events = {calls // 3: kill_replica, calls // 2: restart_redis} if faults else {}
        started = time.monotonic()
        failed = asyncio.run(load(f"http://127.0.0.1:{lb_port}", calls, concurrency, events))
        seconds = time.monotonic() - started
    return Report(calls, seconds, failed, {p: max_in_window(t) for p, t in fake.times.items()})


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--json", action="store_true", help="print the report as one JSON object")
    args = parser.parse_args()
    report = run_cluster(args.calls, args.concurrency)
    if args.json:
        import json

        print(
            json.dumps({"failed": report.failed, "upstream_max_per_minute": report.upstream_max_per_minute})
        )
    else:
        print("\n".join(report.lines()))
