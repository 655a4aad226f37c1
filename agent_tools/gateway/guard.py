"""The ASGI guard in front of the MCP app: CONTRACT.md's HTTP section, in the order a request meets it.

1. duplicate `Authorization`, `Origin` or `Host` headers: 400 (which one would win is ambiguous);
2. `/healthz` and `/readyz` pass (orchestrators call them by pod IP, with no token);
3. `Host` must be a local name, the bound address or in AGENT_TOOLS_HTTP_ALLOWED_HOSTS (421):
   DNS rebinding cannot reach the server through a name it does not serve;
4. a disallowed `Origin` gets 403; a CORS preflight from an allowed one is answered here,
   before auth, and every answer to an allowed origin carries `Access-Control-Allow-*`;
5. `GET`/`DELETE /mcp` get 405 (stateless: no event stream, no session to end);
6. at most `http_max_concurrency` requests in flight (503 + Retry-After beyond);
7. the bearer token (401/403 with `WWW-Authenticate`, and the RFC 9728 `resource_metadata`
   hint when OAuth is on); the caller is then set for the request (quotas, metrics);
8. the body, read with a timeout per part (408) and a size cap (413), then passed on.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agent_tools.gateway.auth import Authenticator
from agent_tools.gateway.identity import Denied, current_caller

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
WILDCARD_HOSTS = frozenset({"0.0.0.0", "::", ""})  # noqa: S104 - names, not a bind
OPEN_PATHS = frozenset({"/healthz", "/readyz"})
PUBLIC_PREFIX = "/.well-known/oauth-protected-resource"
MAX_BODY_BYTES = 4 * 1024 * 1024  # the MCP SDK's own request limit
SINGLE_HEADERS = (b"authorization", b"origin", b"host")
CORS_METHODS = "GET, POST, OPTIONS"
CORS_HEADERS = "authorization, content-type, accept, mcp-protocol-version, mcp-session-id, last-event-id"
CORS_EXPOSE = "mcp-session-id, mcp-protocol-version, www-authenticate, retry-after"


def host_name(host: str) -> str:
    """`Example.com:8000` -> `example.com`; `[::1]:80` -> `::1`."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].partition("]")[0]
    return host.rpartition(":")[0] if host.count(":") == 1 else host


class Policy:
    """Which origins and hosts are served; from settings, decided once."""

    def __init__(self, origins: Iterable[str], hosts: Iterable[str], bind_host: str) -> None:
        self.origins = frozenset(o.rstrip("/") for o in origins)
        names = {host_name(h) for h in hosts}
        self.any_host = "*" in names
        bound = host_name(bind_host) if bind_host not in WILDCARD_HOSTS else None
        self.hosts = frozenset(names | LOCAL_HOSTS | ({bound} if bound else set()))

    def origin_allowed(self, origin: str | None) -> bool:
        """No Origin (non-browser clients) is fine; otherwise the allowlist, or localhost by default."""
        if origin is None:
            return True
        if self.origins:
            return origin.rstrip("/") in self.origins
        return (urlsplit(origin).hostname or "") in LOCAL_HOSTS

    def host_allowed(self, host: str | None) -> bool:
        return self.any_host or (host is not None and host_name(host) in self.hosts)


class Guard:
    def __init__(
        self,
        app: ASGIApp,
        policy: Policy,
        auth: Authenticator,
        *,
        max_concurrency: int,
        body_timeout_s: float,
        resource_metadata_url: str | None = None,
    ) -> None:
        self.app = app
        self.policy = policy
        self.auth = auth
        self.body_timeout_s = body_timeout_s
        self.resource_metadata_url = resource_metadata_url
        self._slots = asyncio.Semaphore(max_concurrency)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw: list[tuple[bytes, bytes]] = scope["headers"]
        headers = dict(raw)
        if len(headers) != len(raw) and _repeated(raw):
            await _answer(send, 400, "INVALID_ARGUMENT", "duplicate Authorization, Origin or Host header")
            return
        path: str = scope["path"]
        if path in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        if not self.policy.host_allowed(_text(headers.get(b"host"))):
            await _answer(
                send, 421, "INVALID_ARGUMENT", "host not served", "set AGENT_TOOLS_HTTP_ALLOWED_HOSTS"
            )
            return
        origin = _text(headers.get(b"origin"))
        if not self.policy.origin_allowed(origin):
            await _answer(
                send, 403, "INVALID_ARGUMENT", "origin not allowed", "set AGENT_TOOLS_HTTP_ALLOWED_ORIGINS"
            )
            return
        method: str = scope["method"]
        if origin is not None:
            if method == "OPTIONS" and b"access-control-request-method" in headers:
                await _preflight(send, origin)
                return
            send = _with_cors(send, origin)
        if path == "/mcp" and method not in ("POST", "OPTIONS"):
            await _answer(
                send,
                405,
                "INVALID_ARGUMENT",
                "stateless server: POST JSON-RPC to /mcp",
                extra=[(b"allow", b"POST, OPTIONS")],
            )
            return
        if self._slots.locked():
            await _answer(
                send,
                503,
                "RATE_LIMITED",
                "server busy; try again in 1 s",
                retryable=True,
                retry_after_s=1,
                extra=[(b"retry-after", b"1")],
            )
            return
        async with self._slots:
            await self._admit(scope, receive, send, headers)

    async def _admit(self, scope: Scope, receive: Receive, send: Send, headers: dict[bytes, bytes]) -> None:
        caller = None
        if self.auth.required and not scope["path"].startswith(PUBLIC_PREFIX):
            outcome = await self.auth.authenticate(_bearer(headers.get(b"authorization")))
            if isinstance(outcome, Denied):
                await self._deny(send, outcome)
                return
            caller = outcome
        body = await self._read_body(receive, send, headers)  # only a caller's body is read
        if body is None:
            return
        token = current_caller.set(caller)
        try:
            await self.app(scope, _replay(body, receive), send)
        finally:
            current_caller.reset(token)

    async def _read_body(
        self, receive: Receive, send: Send, headers: dict[bytes, bytes]
    ) -> list[Message] | None:
        """The request body, read part by part within the timeout; None once refused (408/413)."""
        declared = headers.get(b"content-length", b"0")
        if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            await _answer(send, 413, "INVALID_ARGUMENT", "request body too large", close=True)
            return None
        messages: list[Message] = []
        size = 0
        while True:
            try:
                async with asyncio.timeout(self.body_timeout_s):
                    message = await receive()
            except TimeoutError:
                await _answer(send, 408, "INVALID_ARGUMENT", "request body not sent in time", close=True)
                return None
            messages.append(message)
            if message["type"] != "http.request":
                return messages
            size += len(message.get("body", b""))
            if size > MAX_BODY_BYTES:
                await _answer(send, 413, "INVALID_ARGUMENT", "request body too large", close=True)
                return None
            if not message.get("more_body", False):
                return messages

    async def _deny(self, send: Send, denied: Denied) -> None:
        params = ['realm="agent-tools"']
        if denied.error:
            params.append(f'error="{denied.error}"')
        if self.resource_metadata_url:
            params.append(f'resource_metadata="{self.resource_metadata_url}"')
        challenge = ("Bearer " + ", ".join(params)).encode()
        hint = "send Authorization: Bearer <token>"
        if denied.status == 403:
            hint = "ask the authorization server for a token with the required scopes"
        await _answer(
            send,
            denied.status,
            "NOT_CONFIGURED",
            denied.message,
            hint,
            extra=[(b"www-authenticate", challenge)],
        )


def _repeated(raw: list[tuple[bytes, bytes]]) -> bool:
    """Whether Authorization, Origin or Host comes more than once (uvicorn gives names lower-cased)."""
    seen: set[bytes] = set()
    for name, _ in raw:
        if name in SINGLE_HEADERS:
            if name in seen:
                return True
            seen.add(name)
    return False


def _text(value: bytes | None) -> str | None:
    return None if value is None else value.decode("latin-1")


def _bearer(value: bytes | None) -> bytes | None:
    """The token of `Authorization: Bearer <token>`, as the raw (UTF-8) bytes sent."""
    if value is None:
        return None
    scheme, _, token = value.strip().partition(b" ")
    return token.strip() if scheme.lower() == b"bearer" else None


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replay() -> Message:
        return pending.pop(0) if pending else await receive()

    return replay


def _with_cors(send: Send, origin: str) -> Send:
    async def send_with_cors(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = [
                (k, v) for k, v in message.get("headers", []) if not k.lower().startswith(b"access-control-")
            ]
            headers += [*_cors(origin), (b"access-control-expose-headers", CORS_EXPOSE.encode())]
            message = {**message, "headers": headers}
        await send(message)

    return send_with_cors


def _cors(origin: str) -> list[tuple[bytes, bytes]]:
    return [(b"access-control-allow-origin", origin.encode("latin-1")), (b"vary", b"Origin")]


async def _preflight(send: Send, origin: str) -> None:
    headers = [
        *_cors(origin),
        (b"access-control-allow-methods", CORS_METHODS.encode()),
        (b"access-control-allow-headers", CORS_HEADERS.encode()),
        (b"access-control-max-age", b"600"),
        (b"content-length", b"0"),
    ]
    await send({"type": "http.response.start", "status": 204, "headers": headers})
    await send({"type": "http.response.body", "body": b""})


async def _answer(
    send: Send,
    status: int,
    code: str,
    message: str,
    hint: str | None = None,
    *,
    retryable: bool = False,
    retry_after_s: int | None = None,
    close: bool = False,
    extra: list[tuple[bytes, bytes]] | None = None,
) -> None:
    """The error envelope of CONTRACT.md as an HTTP answer."""
    error: dict[str, object] = {"code": code, "message": message, "retryable": retryable}
    if retry_after_s is not None:
        error["retry_after_s"] = retry_after_s
    if hint:
        error["hint"] = hint
    body = json.dumps({"error": error}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    headers += extra or []
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
