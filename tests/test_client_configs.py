"""The README's client configs, run as the clients run them.

Claude Desktop, Cursor and VS Code read the JSON blocks and spawn `command` with `args` and
`env`; Claude Code's `claude mcp add ... -- CMD ARGS` spawns CMD ARGS. Each is started here
the same way (over stdio, through the MCP SDK's client) with `/ABS/PATH` replaced by this
checkout, and must list the tools, so a config that is copied and has only its paths and
keys edited works.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, StdioServerParameters

from agent_tools.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
VENV_COMMAND = "/ABS/PATH/.venv/bin/agent-tools"
SCRIPT = Path(sys.executable).parent / "agent-tools"  # the console script of the venv running the tests


def _json_configs() -> dict[str, dict[str, Any]]:
    """Each JSON config block, by the key that holds its servers (mcpServers or servers)."""
    found: dict[str, dict[str, Any]] = {}
    for block in re.findall(r"```json\n(.*?)```", README, re.S):
        config = json.loads(block)
        for key in ("mcpServers", "servers"):
            if key in config:
                found[key] = config
    return found


def _claude_code_adds() -> list[list[str]]:
    lines = [line.split("#")[0] for line in README.splitlines() if line.startswith("claude mcp add")]
    return [shlex.split(line) for line in lines if " -- " in line]


def _spawn(command: str, args: list[str], env: dict[str, str]) -> StdioServerParameters:
    assert command == VENV_COMMAND, "the README's venv path changed: update this test with it"
    base = {k: v for k, v in os.environ.items() if not k.startswith("AGENT_TOOLS_")}
    # offline: the keys in the examples are placeholders, and tests never reach the internet
    return StdioServerParameters(
        command=str(SCRIPT), args=args, env={**base, **env, "AGENT_TOOLS_OFFLINE": "1"}
    )


async def _assert_serves_tools(params: StdioServerParameters) -> None:
    async with Client(params) as client:
        tools = {t.name for t in (await client.list_tools()).tools}
    assert {"get_price", "assess_rug_pull_risk", "estimate_trading_fees"} <= tools


def _assert_known_settings(env: dict[str, str]) -> None:
    fields = set(Settings.model_fields)
    for name in env:
        assert name.startswith("AGENT_TOOLS_") and name.removeprefix("AGENT_TOOLS_").lower() in fields, name


def test_the_readme_has_each_client_config() -> None:
    assert set(_json_configs()) == {"mcpServers", "servers"}  # Claude Desktop / Cursor, VS Code
    assert _claude_code_adds(), "no `claude mcp add ... -- CMD` line"


@pytest.mark.skipif(not SCRIPT.exists(), reason="needs the package installed in this venv (pip install -e .)")
async def test_claude_desktop_and_cursor_config_starts_the_server() -> None:
    entry = _json_configs()["mcpServers"]["mcpServers"]["agent-tools"]
    _assert_known_settings(entry["env"])
    await _assert_serves_tools(_spawn(entry["command"], entry["args"], entry["env"]))


@pytest.mark.skipif(not SCRIPT.exists(), reason="needs the package installed in this venv (pip install -e .)")
async def test_vscode_config_starts_the_server_with_its_input_filled_in() -> None:
    config = _json_configs()["servers"]
    entry = config["servers"]["agent-tools"]
    assert entry["type"] == "stdio"
    inputs = {i["id"] for i in config["inputs"]}
    env: dict[str, str] = {}
    for name, value in entry["env"].items():
        reference = re.fullmatch(r"\$\{input:(.+)\}", value)
        assert reference is not None and reference.group(1) in inputs, value
        env[name] = "CG-typed-into-the-prompt"
    _assert_known_settings(env)
    await _assert_serves_tools(_spawn(entry["command"], entry["args"], env))


@pytest.mark.skipif(not SCRIPT.exists(), reason="needs the package installed in this venv (pip install -e .)")
async def test_claude_code_command_starts_the_server() -> None:
    [add, *_] = [argv for argv in _claude_code_adds() if VENV_COMMAND in argv]
    cut = add.index("--")
    options, (command, *args) = add[:cut], add[cut + 1 :]
    env = dict(options[i + 1].split("=", 1) for i, option in enumerate(options) if option == "-e")
    assert options[-1] == "agent-tools"  # the server's name comes after the options
    _assert_known_settings(env)
    await _assert_serves_tools(_spawn(command, args, env))


def test_uvx_variants_run_the_packaged_console_script() -> None:
    """`uvx --from /ABS/PATH crypto-agent-tools serve` runs the script named after the distribution, as
    `uvx crypto-agent-tools serve` will once it is published (uvx runs the script of the package's name)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["scripts"][project["name"]] == "agent_tools.cli:main"
    uvx_uses = re.findall(r"uvx`?[^\n]*?--from[\"', ]+/ABS/PATH[\"', ]+([\w-]+)[\"', ]+(\w+)", README)
    assert uvx_uses and all(use == (project["name"], "serve") for use in uvx_uses), uvx_uses
