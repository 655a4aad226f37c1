"""The example agents' offline smoke modes: each framework's own MCP adapter loads the tools from the
stdio server (AGENT_TOOLS_OFFLINE=1) and calls get_price, without an LLM or an API key.

The frameworks live in their own environment, examples/.venv (see examples/README.md):
langchain-mcp-adapters still requires mcp<2 while the server needs mcp>=2.3, so the example (client)
and the server run in separate interpreters, as they would for a user. Set EXAMPLES_PYTHON to use
another interpreter. A test is skipped when no interpreter has its framework installed.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from agent_tools.tools._registry import discover

ROOT = Path(__file__).resolve().parent.parent
TOOLS = tuple(spec.fn.__name__ for spec in discover())  # every tool the server lists


def _interpreter_with(module: str) -> str:
    candidates = [os.environ.get("EXAMPLES_PYTHON"), str(ROOT / "examples" / ".venv" / "bin" / "python")]
    for python in [c for c in candidates if c and Path(c).exists()] + [sys.executable]:
        probe = subprocess.run([python, "-c", f"import {module}"], capture_output=True, timeout=120)
        if probe.returncode == 0:
            return python
    pytest.skip(
        f"{module} is not installed; run: python3 -m venv examples/.venv && "
        "examples/.venv/bin/pip install -r examples/requirements.txt"
    )


@pytest.mark.parametrize(
    ("script", "module"),
    [
        ("langchain_agent.py", "langchain_mcp_adapters.client"),
        ("openai_agents_agent.py", "agents.mcp"),
    ],
)
def test_example_smoke_mode_loads_and_calls_the_tools(script: str, module: str) -> None:
    python = _interpreter_with(module)
    server = shlex.join([sys.executable, "-m", "agent_tools", "serve"])
    env = {k: v for k, v in os.environ.items() if not k.startswith("AGENT_TOOLS_")}
    env.pop("OPENAI_API_KEY", None)  # proves no LLM is needed
    out = subprocess.run(
        [python, str(ROOT / "examples" / script), "--smoke", "--server-command", server],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert f"{len(TOOLS)} tools loaded" in out.stdout
    for tool in TOOLS:
        assert f"  {tool}: " in out.stdout
    assert "get_price BTC -> " in out.stdout and "source snapshot" in out.stdout
    assert "get_price [] -> error INVALID_ARGUMENT" in out.stdout
    assert "Traceback" not in out.stderr


@pytest.mark.parametrize("script", ["langchain_agent.py", "openai_agents_agent.py"])
def test_an_example_without_its_framework_says_so_in_one_line(script: str) -> None:
    """`python -S`: no site-packages, so the framework is surely missing, whatever venv runs the tests."""
    out = subprocess.run(
        [sys.executable, "-S", str(ROOT / "examples" / script), "--smoke"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 1
    [line] = out.stderr.splitlines()
    assert "is not installed" in line and "examples/requirements.txt" in line


@pytest.mark.parametrize(
    ("script", "module", "key"),
    [
        ("langchain_agent.py", "langchain_mcp_adapters.client", "OPENAI_API_KEY"),
        ("openai_agents_agent.py", "agents.mcp", "OPENAI_API_KEY"),
    ],
)
def test_a_real_agent_without_its_key_says_so_in_one_line(script: str, module: str, key: str) -> None:
    python = _interpreter_with(module)
    env = {k: v for k, v in os.environ.items() if k != key and not k.startswith("AGENT_TOOLS_")}
    out = subprocess.run(
        [python, str(ROOT / "examples" / script), "--server-command", "false", "What is BTC at?"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 1, out.stderr[-2000:]
    [line] = out.stderr.splitlines()
    assert line.startswith(f"{key} is not set") and "--smoke" in line
