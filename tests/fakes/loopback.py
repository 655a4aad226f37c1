"""Serve an in-process fake on 127.0.0.1, for tests that run the real CLI or server as a subprocess.

A router maps each loopback path to the real URL it stands for (with `by_prefix`,
`/coingecko/api/v3/...` is `https://api.coingecko.com/api/v3/...`), so a subprocess only
needs its `AGENT_TOOLS_*_BASE_URL` variables pointed here; the fake sees the request as
if it had gone to the real host.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Awaitable, Callable, Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

Handle = Callable[[httpx.Request], Awaitable[httpx.Response]]


def by_prefix(hosts: Mapping[str, str]) -> Callable[[str], str]:
    """A router: `/coingecko/api/v3/x` -> `https://api.coingecko.com/api/v3/x` for {"/coingecko": host}."""

    def route(path: str) -> str:
        for prefix, host in hosts.items():
            if path.startswith(prefix + "/"):
                return f"https://{host}{path[len(prefix) :]}"
        return f"https://unknown.invalid{path}"

    return route


@contextlib.contextmanager
def serve(handle: Handle, route: Callable[[str], str]) -> Iterator[str]:
    """Serve `handle` on 127.0.0.1; `route` maps a request path to the real URL it stands for."""

    class Handler(BaseHTTPRequestHandler):
        def _forward(self, method: str) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {
                k.lower(): v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")
            }
            request = httpx.Request(method, route(self.path), headers=headers, content=body)
            response = asyncio.run(handle(request))
            content = response.read()
            self.send_response(response.status_code)
            for key, value in response.headers.items():
                if key.lower() not in ("content-length", "transfer-encoding", "content-encoding"):
                    self.send_header(key, value)
            self.send_header("content-length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        def do_GET(self) -> None:
            self._forward("GET")

        def do_POST(self) -> None:
            self._forward("POST")

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
