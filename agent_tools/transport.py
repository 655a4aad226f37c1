"""The two transports: stdio (default) and stateless streamable HTTP at `/mcp`.

HTTP is stateless so replicas can sit behind any load balancer. In front of the MCP
app sits one small ASGI guard: `/healthz` and `/readyz` answer without a token; every
other path refuses a disallowed `Origin` (403, the MCP spec's DNS-rebinding advice)
and, when `AGENT_TOOLS_HTTP_TOKEN` is set, a missing or wrong bearer token (401,
compared in constant time).
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Callable
from urllib.parse import urlsplit

from mcp.server.transport_security import TransportSecuritySettings
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from agent_tools.server import build_server
from agent_tools.services import Services
from agent_tools.settings import Settings

log = logging.getLogger("agent_tools.transport")
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
OPEN_PATHS = frozenset({"/healthz", "/readyz"})


async def run_stdio(on_ready: Callable[[], None] = lambda: None) -> None:
    """Serve over stdin/stdout; `on_ready` runs once the server is built, before the first message."""
    async with Services() as services:
        server = build_server(services)
        on_ready()
        await server.run_stdio_async()


def origin_allowed(origin: str | None, settings: Settings) -> bool:
    """No Origin (non-browser clients) is fine; otherwise the allowlist, or localhost by default."""
    if origin is None:
        return True
    allowed = settings.allowed_origins()
    if allowed:
        return origin.rstrip("/") in allowed
    return (urlsplit(origin).hostname or "") in LOCAL_HOSTS


class Guard:
    """Origin and bearer-token checks in front of everything but the health probes."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        token = settings.http_token
        self._token = token.get_secret_value().encode() if token is not None else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if not origin_allowed(headers.get("origin"), self.settings):
            await _deny(403, "origin not allowed", "set AGENT_TOOLS_HTTP_ALLOWED_ORIGINS")(
                scope, receive, send
            )
            return
        if self._token is not None:
            scheme, _, given = headers.get("authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), self._token):
                await _deny(401, "missing or wrong bearer token", "send Authorization: Bearer <token>")(
                    scope, receive, send
                )
                return
        await self.app(scope, receive, send)


def _deny(status: int, message: str, hint: str) -> Response:
    code = "NOT_CONFIGURED" if status == 401 else "INVALID_ARGUMENT"
    body = {"error": {"code": code, "message": message, "retryable": False, "hint": hint}}
    return Response(json.dumps(body), status_code=status, media_type="application/json")


def http_app(services: Services) -> ASGIApp:
    server = build_server(services)

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> Response:
        cache = await services.cache_status()
        return JSONResponse({"status": "ready", "cache": cache, "offline": services.settings.offline})

    async def metrics(_: Request) -> Response:
        from agent_tools.prometheus_text import render  # prometheus_client only once scraped

        body, content_type = render(services.metrics)
        return Response(body, media_type=content_type)

    server.custom_route("/metrics", methods=["GET"])(metrics)
    server.custom_route("/healthz", methods=["GET"])(healthz)
    server.custom_route("/readyz", methods=["GET"])(readyz)
    app: Starlette = server.streamable_http_app(
        stateless_http=True,
        json_response=True,
        transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
    )
    return Guard(app, services.settings)


async def run_http(host: str, port: int, on_ready: Callable[[], None] = lambda: None) -> None:
    import uvicorn

    async with Services() as services:
        app = http_app(services)
        on_ready()
        if services.settings.http_token is None and host not in LOCAL_HOSTS:
            log.warning(
                "serving on %s without AGENT_TOOLS_HTTP_TOKEN: anyone who can reach it can call tools", host
            )
        config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on")
        await uvicorn.Server(config).serve()
