"""Shared fixtures: a fake upstream behind httpx.MockTransport, services on it, an MCP client."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from mcp import Client

from agent_tools.server import build_server
from agent_tools.services import Services
from agent_tools.settings import Settings
from tests.fakes.upstream import FakeUpstream


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Tests never read the developer's AGENT_TOOLS_* variables."""
    import os

    for key in list(os.environ):
        if key.startswith("AGENT_TOOLS_"):
            monkeypatch.delenv(key)
    yield


def make_settings(**overrides: Any) -> Settings:
    return Settings(_env_file=None, **overrides)  # pyright: ignore[reportCallIssue]


@pytest.fixture
def fake() -> FakeUpstream:
    return FakeUpstream()


@pytest.fixture
async def services(fake: FakeUpstream) -> AsyncIterator[Services]:
    async with Services(make_settings(), transport=fake.transport) as s:
        yield s


def connect(services: Services) -> Client:
    """An in-memory MCP client on a server built over `services`: `async with connect(s) as c`.

    (Not a fixture: the client's task group must open and close in the test's own task.)
    """
    return Client(build_server(services))


async def call(client: Client, tool: str, **arguments: Any) -> dict[str, Any]:
    """Call a tool that must succeed; return its structured content."""
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, result.content
    assert result.structured_content is not None
    return result.structured_content


async def call_error(client: Client, tool: str, **arguments: Any) -> dict[str, Any]:
    """Call a tool that must fail; return the `error` object of its JSON envelope."""
    result = await client.call_tool(tool, arguments)
    assert result.is_error
    text = "".join(getattr(block, "text", "") for block in result.content)
    assert "Traceback" not in text
    envelope = json.loads(text[text.index("{") :])
    assert set(envelope) == {"error"}
    return envelope["error"]
