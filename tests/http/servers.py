"""The real HTTP server as a subprocess on a free 127.0.0.1 port, for tests of the HTTP front door."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
from collections.abc import Iterator, Mapping

import httpx

MCP_HEADERS = {"accept": "application/json, text/event-stream", "content-type": "application/json"}
LIST_TOOLS = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(env: Mapping[str, str] | None = None, *, offline: bool = True) -> dict[str, str]:
    """The environment less every AGENT_TOOLS_* variable of the developer, plus `env`."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("AGENT_TOOLS_")}
    return {**base, **({"AGENT_TOOLS_OFFLINE": "1"} if offline else {}), **(env or {})}


def wait_healthy(base: str, proc: subprocess.Popen[bytes]) -> None:
    for _ in range(300):  # at most ~15 s for the socket
        try:
            if httpx.get(f"{base}/healthz", timeout=0.5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if proc.poll() is not None:
            raise RuntimeError(proc.stderr.read().decode() if proc.stderr else "server exited")
        subprocess.run(["sleep", "0.05"], check=True)
    raise RuntimeError("server did not become healthy")


@contextlib.contextmanager
def http_server(
    env: Mapping[str, str] | None = None, *, offline: bool = True, host: str = "127.0.0.1", port: int = 0
) -> Iterator[str]:
    """`agent-tools serve --transport http` with `env`; yields its base URL and stops it afterwards."""
    port = port or free_port()
    cmd = [sys.executable, "-m", "agent_tools", "serve", "--transport", "http", "--host", host]
    proc = subprocess.Popen(
        [*cmd, "--port", str(port)],
        env=server_env(env, offline=offline),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, proc)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stderr:
            proc.stderr.close()
