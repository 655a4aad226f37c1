"""The real transports: the stdio server as a subprocess, streamable HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from mcp import Client, StdioServerParameters

EXPECTED_TOOLS = {"get_price", "search_assets"}


def offline_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AGENT_TOOLS_")}
    return {**env, "AGENT_TOOLS_OFFLINE": "1", **extra}


async def test_stdio_server_lists_and_calls_tools() -> None:
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "agent_tools", "serve"], env=offline_env()
    )
    async with Client(params) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        assert set(tools) >= EXPECTED_TOOLS
        price = tools["get_price"]
        assert price.output_schema is not None and price.annotations is not None
        assert price.annotations.read_only_hint is True and price.annotations.open_world_hint is True
        assert price.input_schema.get("additionalProperties") is False
        result = await client.call_tool("get_price", {"symbols": ["BTC"]})
    assert not result.is_error
    assert result.structured_content is not None
    [quote] = result.structured_content["quotes"]
    assert quote["source"] == "snapshot" and quote["stale"] is True


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def http_server(request: pytest.FixtureRequest) -> Iterator[str]:
    extra: dict[str, str] = getattr(request, "param", {})
    port = _free_port()
    cmd = [sys.executable, "-m", "agent_tools", "serve", "--transport", "http", "--port", str(port)]
    proc = subprocess.Popen(cmd, env=offline_env(**extra), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):  # wait for the socket, at most ~15 s
            try:
                if httpx.get(f"{base}/healthz", timeout=0.5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None:
                raise RuntimeError(proc.stderr.read().decode() if proc.stderr else "server exited")
            subprocess.run(["sleep", "0.05"], check=True)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stderr:
            proc.stderr.close()


async def test_http_transport_serves_tools(http_server: str) -> None:
    async with Client(f"{http_server}/mcp") as client:
        tools = {t.name for t in (await client.list_tools()).tools}
        assert tools >= EXPECTED_TOOLS
        result = await client.call_tool("get_price", {"symbols": ["ETH"]})
    assert result.structured_content is not None
    assert result.structured_content["quotes"][0]["asset_id"] == "ethereum"


async def test_http_health_and_readiness_need_no_token(http_server: str) -> None:
    async with httpx.AsyncClient(base_url=http_server) as http:
        assert (await http.get("/healthz")).json() == {"status": "ok"}
        ready = (await http.get("/readyz")).json()
        assert ready["status"] == "ready"


INIT = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
HEADERS = {"accept": "application/json, text/event-stream", "content-type": "application/json"}


async def test_http_refuses_foreign_origin(http_server: str) -> None:
    async with httpx.AsyncClient(base_url=http_server) as http:
        response = await http.post("/mcp", json=INIT, headers={**HEADERS, "origin": "https://evil.example"})
    assert response.status_code == 403
    assert json.loads(response.text)["error"]["message"] == "origin not allowed"


@pytest.mark.parametrize("http_server", [{"AGENT_TOOLS_HTTP_TOKEN": "s3cret-token"}], indirect=True)
async def test_http_token_is_required_when_set(http_server: str) -> None:
    async with httpx.AsyncClient(base_url=http_server) as http:
        missing = await http.post("/mcp", json=INIT, headers=HEADERS)
        wrong = await http.post("/mcp", json=INIT, headers={**HEADERS, "authorization": "Bearer nope"})
        health = await http.get("/healthz")
        right = await http.post(
            "/mcp", json=INIT, headers={**HEADERS, "authorization": "Bearer s3cret-token"}
        )
    assert missing.status_code == 401 and wrong.status_code == 401
    assert "s3cret" not in missing.text
    assert health.status_code == 200
    assert right.status_code not in (401, 403)


def test_cli_call_prints_json_offline() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "agent_tools", "call", "get_price", "--arg", 'symbols=["BTC","ETH"]'],
        env=offline_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    data = json.loads(out.stdout)
    assert [q["asset_id"] for q in data["quotes"]] == ["bitcoin", "ethereum"]


@pytest.mark.parametrize(
    ("argv", "json_mode"),
    [
        (["call", "get_price", "--arg", "symbols=[]"], True),
        (["call", "get_price", "--arg", "symbols=[]", "--pretty"], False),
        (["price", "not a ticker!"], False),
        (["price", "not a ticker!", "--json"], True),
    ],
)
def test_cli_errors_go_to_stderr_with_exit_code_1_in_every_mode(argv: list[str], json_mode: bool) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "agent_tools", *argv],
        env=offline_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 1 and out.stdout == ""
    assert "Traceback" not in out.stderr
    if json_mode:  # the envelope, for scripts
        assert json.loads(out.stderr)["error"]["code"] == "INVALID_ARGUMENT"
    else:  # one readable line, for people
        [line] = out.stderr.splitlines()
        assert line.startswith("error INVALID_ARGUMENT: ")


def test_cli_tools_lists_every_tool_with_its_title_one_line_each() -> None:
    from agent_tools.tools._registry import discover

    def run(*extra: str) -> str:
        argv = [sys.executable, "-m", "agent_tools", "tools", *extra]
        return subprocess.run(
            argv, env=offline_env(), capture_output=True, text=True, timeout=60, check=True
        ).stdout

    specs = discover()
    lines = run().splitlines()
    assert [line.split(maxsplit=1) for line in lines] == [[s.fn.__name__, s.title] for s in specs]
    listed = json.loads(run("--json"))
    assert [t["name"] for t in listed] == [s.fn.__name__ for s in specs]
    assert all(set(t) == {"name", "title", "description"} and t["description"] for t in listed)


def test_cli_history_writes_the_chart_through_the_mcp_path(tmp_path: Path) -> None:
    png = tmp_path / "btc.png"
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "agent_tools",
            "history",
            "BTC",
            "--days",
            "90",
            "--chart",
            str(png),
            "--json",
        ],
        env=offline_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    answer = json.loads(out.stdout)
    assert answer["asset_id"] == "bitcoin" and answer["source"] == "snapshot" and answer["stale"] is True
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n") and f"chart: {png}" in out.stderr


def test_cli_price_shortcut_renders_a_table() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "agent_tools", "price", "BTC", "ETH"],
        env=offline_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "bitcoin" in out.stdout and "snapshot" in out.stdout


def test_cli_answers_live_from_loopback_upstreams_with_provenance() -> None:
    """The real CLI, base URLs pointed at a loopback server speaking the providers' paths and shapes."""
    from tests.fakes.loopback import by_prefix, serve
    from tests.fakes.upstream import FakeUpstream, Fault

    fake = FakeUpstream()
    hosts = {"/cg": "api.coingecko.com", "/llama": "coins.llama.fi", "/binance": "api.binance.com"}
    with serve(fake.handle, by_prefix(hosts)) as base:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AGENT_TOOLS_")} | {
            "AGENT_TOOLS_COINGECKO_BASE_URL": f"{base}/cg/api/v3",
            "AGENT_TOOLS_DEFILLAMA_BASE_URL": f"{base}/llama",
            "AGENT_TOOLS_BINANCE_BASE_URL": f"{base}/binance",
        }
        args = [sys.executable, "-m", "agent_tools", "call", "get_price", "--arg", 'symbols=["BTC","SOL"]']
        live = json.loads(
            subprocess.run(args, env=env, capture_output=True, text=True, timeout=60, check=True).stdout
        )
        fake.fail_always("coingecko", Fault("status", 503))
        fallback = subprocess.run(args, env=env, capture_output=True, text=True, timeout=60, check=True)
    btc, sol = live["quotes"]
    assert (btc["source"], btc["as_of"], btc["stale"]) == ("coingecko", "2026-05-28T20:26:40Z", False)
    assert btc["cross_check"]["source"] == "defillama" and sol["asset_id"] == "solana"
    assert any("SOL is ambiguous" in w for w in live["warnings"])
    assert {q["source"] for q in json.loads(fallback.stdout)["quotes"]} == {"defillama"}
