"""Protocol errors carry JSON-RPC codes with the reason, and a client's mistake logs no traceback.

prompts/get with an unknown prompt or a missing, unknown or invalid argument is -32602 (the spec's
invalid params); over stdio a line that is not JSON gets -32700 and a JSON value that is not a
JSON-RPC message -32600, instead of no reply at all.
"""

from __future__ import annotations

import json
import logging
import select
import subprocess
import sys
import time
from typing import IO, Any

import pytest
from mcp import MCPError

from agent_tools.services import Services
from tests.conftest import connect
from tests.test_transports import offline_env

INVALID_PARAMS = -32602


@pytest.mark.parametrize(
    ("name", "arguments", "reason"),
    [
        ("no_such_prompt", {}, "unknown prompt 'no_such_prompt'"),
        ("research_token", {}, "missing required argument 'symbol'"),
        ("research_token", {"symbol": "ETH", "colour": "red"}, "unknown argument 'colour'"),
        ("security_checklist", {"chain": "mars", "address": "0x1"}, "mars"),
        ("leverage_check", {"entry_price": "nan", "leverage": "10", "side": "long"}, "entry_price"),
    ],
)
async def test_prompt_mistakes_are_invalid_params_with_the_reason(
    services: Services, caplog: pytest.LogCaptureFixture, name: str, arguments: dict[str, str], reason: str
) -> None:
    caplog.set_level(logging.DEBUG)
    async with connect(services) as client:
        with pytest.raises(MCPError) as error:
            await client.get_prompt(name, arguments)
    assert error.value.code == INVALID_PARAMS
    assert reason in error.value.message
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


async def test_unknown_prompt_error_names_the_prompts_and_caps_the_echo(services: Services) -> None:
    async with connect(services) as client:
        with pytest.raises(MCPError) as error:
            await client.get_prompt("x" * 10_000, {})
    assert error.value.code == INVALID_PARAMS
    assert len(error.value.message) < 400
    assert "research_token" in error.value.message


class StdioPeer:
    """The stdio server as a subprocess, spoken to one raw line at a time."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "agent_tools", "serve"],
            env=offline_env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )

    def send(self, line: str) -> None:
        stdin: IO[bytes] = self.proc.stdin  # type: ignore[assignment]
        stdin.write(line.encode() + b"\n")
        stdin.flush()

    def receive(self, timeout_s: float = 30.0) -> dict[str, Any]:
        stdout: IO[bytes] = self.proc.stdout  # type: ignore[assignment]
        end = time.monotonic() + timeout_s
        while time.monotonic() < end:
            ready, _, _ = select.select([stdout], [], [], max(end - time.monotonic(), 0))
            if ready:
                line = stdout.readline()
                assert line, "the server closed stdout"
                return json.loads(line)
        raise AssertionError("no reply from the stdio server")

    def close(self) -> str:
        self.proc.stdin.close()  # type: ignore[union-attr]
        self.proc.wait(timeout=30)
        stderr = self.proc.stderr.read().decode()  # type: ignore[union-attr]
        self.proc.stdout.close()  # type: ignore[union-attr]
        self.proc.stderr.close()  # type: ignore[union-attr]
        return stderr


def test_stdio_answers_malformed_lines_with_json_rpc_errors() -> None:
    peer = StdioPeer()
    try:
        init = {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "t", "version": "1"},
        }
        peer.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": init}))
        assert peer.receive()["id"] == 1
        peer.send(json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}))
        peer.send("{bad")
        parse_error = peer.receive()
        peer.send("")  # a blank line is not a message: no reply
        peer.send(json.dumps({"jsonrpc": "2.0", "id": 7, "method": 5}))
        invalid_request = peer.receive()
        peer.send("[1, 2]")
        batch = peer.receive()
        peer.send(json.dumps({"jsonrpc": "2.0", "id": 8, "method": "ping"}))
        pong = peer.receive()
    finally:
        stderr = peer.close()
    assert parse_error == {"jsonrpc": "2.0", "id": None, "error": {"code": -32700, "message": "Parse error"}}
    assert invalid_request["id"] == 7 and invalid_request["error"]["code"] == -32600
    assert batch["id"] is None and batch["error"]["code"] == -32600
    assert pong == {"jsonrpc": "2.0", "id": 8, "result": {}}
    assert "Traceback" not in stderr
