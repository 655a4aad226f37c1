"""Per-client tokens and quotas from AGENT_TOOLS_HTTP_CLIENTS_FILE, through the real HTTP server."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import httpx

from tests.http.servers import MCP_HEADERS, http_server

STATIC = "static-token-ü"


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _clients(path: Path, *rows: tuple[str, str, int | None]) -> None:
    lines: list[str] = []
    for name, token, per_minute in rows:
        lines += ["[[clients]]", f'name = "{name}"', f'token_sha256 = "{_sha(token)}"']
        if per_minute is not None:
            lines.append(f"calls_per_minute = {per_minute}")
    path.write_text("\n".join(lines) + "\n")


def _call(base: str, token: str | None, rid: int = 1) -> httpx.Response:
    body = {
        "jsonrpc": "2.0",
        "id": rid,
        "method": "tools/call",
        "params": {
            "name": "assess_leverage",
            "arguments": {"entry_price": 100, "leverage": 5, "side": "long", "margin_usd": 100},
        },
    }
    headers: dict[str, Any] = dict(MCP_HEADERS)
    if token is not None:
        headers["authorization"] = b"Bearer " + token.encode()
    return httpx.post(f"{base}/mcp", json=body, headers=headers, timeout=10)


def _error(response: httpx.Response) -> dict[str, Any] | None:
    result = response.json()["result"]
    if not result.get("isError"):
        return None
    text = result["content"][0]["text"]
    return json.loads(text[text.index("{") :])["error"]


def test_each_client_has_its_own_quota_and_the_static_token_still_works(tmp_path: Path) -> None:
    clients = tmp_path / "clients.toml"
    _clients(clients, ("alpha", "alpha-token", 3), ("beta", "beta-token", 100))
    env = {"AGENT_TOOLS_HTTP_CLIENTS_FILE": str(clients), "AGENT_TOOLS_HTTP_TOKEN": STATIC}
    with http_server(env) as base:
        alpha = [_error(_call(base, "alpha-token", i)) for i in range(4)]
        beta = [_error(_call(base, "beta-token", i)) for i in range(5)]
        static = [_error(_call(base, STATIC, i)) for i in range(5)]
        unknown, missing = _call(base, "nope"), _call(base, None)
        metrics = httpx.get(f"{base}/metrics", headers={"authorization": "Bearer beta-token"}).text
    assert alpha[:3] == [None, None, None]
    limited = alpha[3]
    assert limited is not None and limited["code"] == "RATE_LIMITED" and limited["retryable"] is True
    assert 0 < limited["retry_after_s"] <= 60
    assert beta == [None] * 5 and static == [None] * 5
    assert unknown.status_code == 401 and missing.status_code == 401
    assert 'agent_tools_client_calls_total{client="alpha",outcome="RATE_LIMITED"} 1.0' in metrics
    assert 'agent_tools_client_calls_total{client="alpha",outcome="ok"} 3.0' in metrics
    assert 'agent_tools_client_calls_total{client="beta",outcome="ok"} 5.0' in metrics
    assert "alpha-token" not in metrics and _sha("alpha-token") not in metrics


def test_the_clients_file_is_reread_on_change_and_a_broken_edit_keeps_the_last(tmp_path: Path) -> None:
    clients = tmp_path / "clients.toml"
    _clients(clients, ("alpha", "alpha-token", None))
    with http_server({"AGENT_TOOLS_HTTP_CLIENTS_FILE": str(clients)}) as base:
        before = _call(base, "gamma-token").status_code
        _clients(clients, ("alpha", "alpha-token", None), ("gamma", "gamma-token", 10))
        added = _call(base, "gamma-token").status_code
        clients.write_text("[[clients]]\nname = 'broken\n")
        kept = _call(base, "gamma-token").status_code
        _clients(clients, ("alpha", "alpha-token", None))
        revoked = _call(base, "gamma-token").status_code
    assert (before, added, kept, revoked) == (401, 200, 200, 401)


def test_an_unreadable_clients_file_stops_the_server_with_the_reason(tmp_path: Path) -> None:
    import subprocess
    import sys

    from tests.http.servers import free_port, server_env

    bad = tmp_path / "clients.toml"
    bad.write_text('[[clients]]\nname = "x"\ntoken_sha256 = "not-a-hash"\n')
    out = subprocess.run(
        [sys.executable, "-m", "agent_tools", "serve", "--transport", "http", "--port", str(free_port())],
        env=server_env({"AGENT_TOOLS_HTTP_CLIENTS_FILE": str(bad)}),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode != 0
    assert "AGENT_TOOLS_HTTP_CLIENTS_FILE" in out.stderr
