"""The HTTP front door of CONTRACT.md's HTTP section, each case as an outside security test found it.

CORS preflight before auth and `Access-Control-*` headers for allowed origins; duplicate
`Authorization`/`Origin` refused; `Host` checked; a UTF-8 token compared as bytes; `GET /mcp`
refused in stateless mode; slow sockets cut and in-flight requests bounded; error messages
never echo more than 100 characters of input.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from tests.http.servers import LIST_TOOLS, MCP_HEADERS, http_server

TOKEN = "s3cret-token"
APP = "https://app.example"


@pytest.fixture(scope="module")
def guarded() -> Iterator[str]:
    """A server with a token and one allowed browser origin."""
    env = {"AGENT_TOOLS_HTTP_TOKEN": TOKEN, "AGENT_TOOLS_HTTP_ALLOWED_ORIGINS": APP}
    with http_server(env) as base:
        yield base


@pytest.fixture(scope="module")
def open_server() -> Iterator[str]:
    """No token (so bound to 127.0.0.1), short header/body timeouts and two requests in flight at most."""
    env = {"AGENT_TOOLS_HTTP_HEADER_TIMEOUT_S": "1", "AGENT_TOOLS_HTTP_MAX_CONCURRENCY": "2"}
    with http_server(env) as base:
        yield base


def test_cors_preflight_is_answered_before_auth(guarded: str) -> None:
    preflight = httpx.options(
        f"{guarded}/mcp",
        headers={
            "origin": APP,
            "access-control-request-method": "POST",
            "access-control-request-headers": "authorization, content-type, mcp-protocol-version",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == APP
    assert "POST" in preflight.headers["access-control-allow-methods"]
    allowed = {h.strip() for h in preflight.headers["access-control-allow-headers"].lower().split(",")}
    assert {"authorization", "content-type", "mcp-protocol-version"} <= allowed
    assert "origin" in preflight.headers["vary"].lower()


def test_allowed_origins_get_cors_headers_on_answers_and_refusals(guarded: str) -> None:
    auth = {"authorization": f"Bearer {TOKEN}", "origin": APP}
    ok = httpx.post(f"{guarded}/mcp", json=LIST_TOOLS, headers={**MCP_HEADERS, **auth})
    refused = httpx.post(f"{guarded}/mcp", json=LIST_TOOLS, headers={**MCP_HEADERS, "origin": APP})
    assert ok.status_code == 200 and ok.headers["access-control-allow-origin"] == APP
    assert refused.status_code == 401 and refused.headers["access-control-allow-origin"] == APP
    assert "www-authenticate" in refused.headers["access-control-expose-headers"].lower()
    foreign = httpx.options(
        f"{guarded}/mcp", headers={"origin": "https://evil.example", "access-control-request-method": "POST"}
    )
    assert foreign.status_code == 403 and "access-control-allow-origin" not in foreign.headers


@pytest.mark.parametrize(
    "headers",
    [
        [("authorization", "Bearer nope"), ("authorization", f"Bearer {TOKEN}")],
        [("authorization", f"Bearer {TOKEN}"), ("origin", APP), ("origin", "https://evil.example")],
    ],
    ids=["two Authorization", "two Origin"],
)
def test_duplicate_authorization_or_origin_is_refused(guarded: str, headers: list[tuple[str, str]]) -> None:
    response = httpx.post(
        f"{guarded}/mcp", content=json.dumps(LIST_TOOLS), headers=[*MCP_HEADERS.items(), *headers]
    )
    assert response.status_code == 400
    assert json.loads(response.text)["error"]["code"] == "INVALID_ARGUMENT"


def test_a_utf8_token_is_compared_as_utf8_bytes() -> None:
    token = "jeton-été-ключ"
    with http_server({"AGENT_TOOLS_HTTP_TOKEN": token}) as base:
        right = httpx.post(
            f"{base}/mcp",
            json=LIST_TOOLS,
            headers={**MCP_HEADERS, "authorization": b"Bearer " + token.encode()},  # pyright: ignore[reportArgumentType]
        )
        latin1 = httpx.post(
            f"{base}/mcp",
            json=LIST_TOOLS,
            headers={
                **MCP_HEADERS,
                "authorization": b"Bearer " + token.encode("utf-8").decode("latin-1").encode("utf-8"),
            },  # pyright: ignore[reportArgumentType]
        )
    assert right.status_code == 200
    assert latin1.status_code == 401


def test_host_is_checked_except_by_the_probes(open_server: str) -> None:
    port = urlsplit(open_server).port
    evil = httpx.get(f"{open_server}/metrics", headers={"host": "evil.example"})
    evil_mcp = httpx.post(
        f"{open_server}/mcp", json=LIST_TOOLS, headers={**MCP_HEADERS, "host": "evil.example"}
    )
    local = httpx.get(f"{open_server}/metrics", headers={"host": f"localhost:{port}"})
    probe = httpx.get(f"{open_server}/healthz", headers={"host": "10.1.2.3:8000"})
    assert evil.status_code == 421 and evil_mcp.status_code == 421
    assert "agent_tools" not in evil.text
    assert local.status_code == 200 and probe.status_code == 200


def test_allowed_hosts_setting_admits_a_public_name() -> None:
    with http_server({"AGENT_TOOLS_HTTP_ALLOWED_HOSTS": "mcp.example.com"}) as base:
        named = httpx.get(f"{base}/metrics", headers={"host": "mcp.example.com"})
        other = httpx.get(f"{base}/metrics", headers={"host": "evil.example"})
    assert named.status_code == 200 and other.status_code == 421


def test_get_mcp_is_405_in_stateless_mode(open_server: str) -> None:
    response = httpx.get(f"{open_server}/mcp", headers={"accept": "text/event-stream"}, timeout=5)
    assert response.status_code == 405
    assert "POST" in response.headers["allow"]


def _slow_socket(base: str, payload: bytes) -> socket.socket:
    parts = urlsplit(base)
    s = socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), timeout=10)
    s.sendall(payload)
    return s


def _closed_by_server(s: socket.socket) -> bool:
    """Wait (bounded by the socket timeout) for the server to answer or close; True once it has."""
    try:
        while s.recv(65536):
            pass
    except TimeoutError:
        return False
    except OSError:
        return True
    return True


def test_slow_header_sockets_are_cut_and_do_not_hold_the_server(open_server: str) -> None:
    host = urlsplit(open_server).netloc
    sockets = [
        _slow_socket(open_server, f"POST /mcp HTTP/1.1\r\nHost: {host}\r\nX-Slow: ".encode())
        for _ in range(200)
    ]
    try:
        served = httpx.post(f"{open_server}/mcp", json=LIST_TOOLS, headers=MCP_HEADERS, timeout=5)
        assert served.status_code == 200
        assert all(_closed_by_server(s) for s in sockets)  # the 1 s header timeout, well within 10 s
    finally:
        for s in sockets:
            s.close()


def test_in_flight_requests_are_bounded_and_slow_bodies_cut(open_server: str) -> None:
    host = urlsplit(open_server).netloc
    head = (
        f"POST /mcp HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        "Accept: application/json, text/event-stream\r\nContent-Length: 64\r\n\r\n{"
    ).encode()
    holders = [_slow_socket(open_server, head) for _ in range(2)]
    try:
        busy = httpx.post(f"{open_server}/mcp", json=LIST_TOOLS, headers=MCP_HEADERS, timeout=5)
        assert busy.status_code == 503 and busy.headers["retry-after"] == "1"
        assert busy.json()["error"] | {"message": ""} == {
            "code": "RATE_LIMITED",
            "message": "",
            "retryable": True,
            "retry_after_s": 1,
        }
        assert all(_closed_by_server(s) for s in holders)  # the body never came: cut after the timeout
    finally:
        for s in holders:
            s.close()
    assert (
        httpx.post(f"{open_server}/mcp", json=LIST_TOOLS, headers=MCP_HEADERS, timeout=5).status_code == 200
    )


HUGE = "x" * 3_000_000


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("tools/call", {"name": HUGE, "arguments": {}}),
        ("tools/call", {"name": "get_price", "arguments": {"symbols": ["BTC"], HUGE: 1}}),
        ("prompts/get", {"name": HUGE, "arguments": {}}),
        ("resources/read", {"uri": "chains://" + HUGE}),
    ],
    ids=["unknown tool", "unknown argument", "unknown prompt", "unknown resource"],
)
def test_errors_never_echo_more_than_100_characters_of_input(
    open_server: str, method: str, params: dict[str, object]
) -> None:
    body = {"jsonrpc": "2.0", "id": 7, "method": method, "params": params}
    response = httpx.post(f"{open_server}/mcp", json=body, headers=MCP_HEADERS, timeout=30)
    assert len(response.content) < 2_000, response.content[:300]
    assert "x" * 101 not in response.text
