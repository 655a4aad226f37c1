"""The two transports: stdio (default) and stateless streamable HTTP at `/mcp`.

HTTP is stateless so replicas can sit behind any load balancer. The MCP app sits behind
`gateway.guard.Guard` (headers, Host, Origin and CORS, auth, in-flight bound, body timeout)
and uvicorn runs with a header timeout (`gateway.protocol`), a keep-alive timeout and a
connection cap, so slow or idle sockets cannot hold the server.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp

from agent_tools.gateway.auth import Authenticator
from agent_tools.gateway.guard import LOCAL_HOSTS, PUBLIC_PREFIX, WILDCARD_HOSTS, Guard, Policy
from agent_tools.server import build_server
from agent_tools.services import Services
from agent_tools.settings import Settings

log = logging.getLogger("agent_tools.transport")


async def run_stdio(on_ready: Callable[[], None] = lambda: None) -> None:
    """Serve over stdin/stdout; `on_ready` runs once the server is built, before the first message."""
    async with Services() as services:
        server = build_server(services)
        on_ready()
        await server.run_stdio_async()


def http_app(services: Services, bind_host: str = "127.0.0.1") -> ASGIApp:
    from mcp.server.transport_security import TransportSecuritySettings

    settings = services.settings
    server = build_server(services)

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> Response:
        cache = await services.cache_status()
        return JSONResponse({"status": "ready", "cache": cache, "offline": settings.offline})

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
        # Host and Origin are checked by the Guard for every path, not only /mcp
        transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
    )
    metadata_url = None
    if settings.oauth_issuer and settings.oauth_audience:
        metadata_url = _protected_resource_routes(
            app, settings.oauth_issuer, settings.oauth_audience, settings
        )
    policy = Policy(settings.allowed_origins(), settings.allowed_hosts(), bind_host)
    return Guard(
        app,
        policy,
        authenticator(settings),
        max_concurrency=settings.http_max_concurrency,
        body_timeout_s=settings.http_header_timeout_s,
        resource_metadata_url=metadata_url,
    )


def _protected_resource_routes(app: Starlette, issuer: str, audience: str, settings: Settings) -> str:
    """RFC 9728 metadata at the SDK's path for the resource (`/.well-known/oauth-protected-resource/mcp`)
    and at the bare well-known path; returns the URL for the `WWW-Authenticate` hint."""
    from mcp.server.auth.routes import build_resource_metadata_url, create_protected_resource_routes
    from pydantic import AnyHttpUrl, ConfigDict, TypeAdapter
    from starlette.routing import Route

    # as given: issuers are compared as exact strings, so no "/" may be added to a path-less one
    url = TypeAdapter(AnyHttpUrl, config=ConfigDict(url_preserve_empty_path=True)).validate_python
    resource = url(audience)
    routes = create_protected_resource_routes(
        resource_url=resource,
        authorization_servers=[url(issuer)],
        scopes_supported=settings.oauth_required_scopes() or None,
        resource_name="agent-tools",
    )
    bare = [
        Route(PUBLIC_PREFIX, r.endpoint, methods=["GET", "OPTIONS"])
        for r in routes
        if r.path != PUBLIC_PREFIX
    ]
    app.router.routes.extend([*routes, *bare])
    return str(build_resource_metadata_url(resource))


def authenticator(settings: Settings) -> Authenticator:
    """The static token, the clients file and OAuth, as configured (none: no auth)."""
    from agent_tools.gateway.clients import ClientsFile
    from agent_tools.gateway.oauth import JwtVerifier

    token = settings.http_token.get_secret_value() if settings.http_token else None
    clients = ClientsFile(settings.http_clients_file) if settings.http_clients_file else None
    oauth = None
    if settings.oauth_issuer and settings.oauth_audience:
        oauth = JwtVerifier(settings.oauth_issuer, settings.oauth_audience, settings.oauth_required_scopes())
    return Authenticator(token, clients, oauth)


async def run_http(host: str, port: int, on_ready: Callable[[], None] = lambda: None) -> None:
    import uvicorn

    from agent_tools.gateway.protocol import h11_with_header_timeout

    async with Services() as services:
        settings = services.settings
        app = http_app(services, host)
        on_ready()
        if host in WILDCARD_HOSTS and not settings.http_allowed_hosts:
            log.warning(
                "bound to %s without AGENT_TOOLS_HTTP_ALLOWED_HOSTS: requests for names other than"
                " localhost get 421; set it to the names clients use",
                host,
            )
        auth_set = settings.http_token or settings.http_clients_file or settings.oauth_issuer
        if not auth_set and host not in LOCAL_HOSTS:
            log.warning(
                "serving on %s without a token, clients file or OAuth: anyone who can reach it can call tools",
                host,
            )
        config = uvicorn.Config(
            app,
            host=host,
            port=port,
            log_level="warning",
            lifespan="on",
            http=h11_with_header_timeout(settings.http_header_timeout_s),
            timeout_keep_alive=settings.http_keepalive_timeout_s,
            limit_concurrency=settings.http_max_connections,
        )
        await uvicorn.Server(config).serve()
