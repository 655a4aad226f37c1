"""An OpenAI Agents SDK agent on the agent-tools MCP server (`agents.mcp.MCPServerStdio`).

The SDK starts `agent-tools serve` as a stdio subprocess, lists its tools for the model on every
run and calls them when the model asks.

    # offline check, no LLM and no API key: load the tools through the SDK, call get_price
    python examples/openai_agents_agent.py --smoke

    # a real agent (export OPENAI_API_KEY=...)
    python examples/openai_agents_agent.py "What does a 10x long on ETH at 3000 risk?"
    python examples/openai_agents_agent.py --prompt leverage_check --arg entry_price=3000 \\
        --arg leverage=10 --arg side=long --arg margin_usd=500 --arg symbol=ETH

`--server-command` picks the server (default: `agent-tools serve` from PATH). The server process
gets PATH, HOME and your AGENT_TOOLS_* variables only, so OPENAI_API_KEY stays in this process.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shlex
import shutil
import sys
from typing import Any

SETUP_HINT = "python3 -m venv examples/.venv && examples/.venv/bin/pip install -r examples/requirements.txt"
try:
    from agents import Agent, FunctionTool, RunContextWrapper, Runner
    from agents.mcp import MCPServerStdio
    from agents.tool_context import ToolContext
except ImportError as missing:  # one line, not a traceback: the examples have their own venv
    sys.exit(
        f"{missing.name} is not installed (package openai-agents): {SETUP_HINT}, "
        "then run this with examples/.venv/bin/python"
    )

INSTRUCTIONS = (
    "You are a careful crypto research assistant. Use the agent-tools tools for every number, "
    "say where each number came from (source, as_of) and whether it is stale, treat null as unknown "
    "(never as zero or safe), and never present a grade or a risk score as financial advice."
)


def server_command(explicit: str | None) -> list[str]:
    if explicit:
        return shlex.split(explicit)
    found = shutil.which("agent-tools")
    if found is None:
        sys.exit(
            "agent-tools is not on PATH: install it, or pass --server-command '/path/to/agent-tools serve'"
        )
    return [found, "serve"]


def server_env(offline: bool) -> dict[str, str]:
    """PATH, HOME and AGENT_TOOLS_* only: OPENAI_API_KEY never reaches the server."""
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME") or k.startswith("AGENT_TOOLS_")}
    if offline:
        env = {k: v for k, v in env.items() if not k.startswith("AGENT_TOOLS_")}
        env["AGENT_TOOLS_OFFLINE"] = "1"
    return env


def stdio_server(command: list[str], offline: bool) -> MCPServerStdio:
    return MCPServerStdio(
        params={"command": command[0], "args": command[1:], "env": server_env(offline)},
        name="agent-tools",
        cache_tools_list=True,  # the tool list is fixed for the life of the process
        client_session_timeout_seconds=30,  # a tool call has its own deadline (AGENT_TOOLS_DEADLINE_S)
    )


def tool_json(output: Any) -> dict[str, Any]:
    """The JSON object in an MCP tool's text output, as the SDK hands it to the model."""
    items = output if isinstance(output, list) else [output]
    text = "".join(i.get("text", "") if isinstance(i, dict) else str(i) for i in items)
    return json.loads(text[text.index("{") :])


async def invoke(tool: FunctionTool, arguments: dict[str, Any]) -> dict[str, Any]:
    """Call a tool as the runner does when the model asks for it."""
    raw = json.dumps(arguments)
    context = ToolContext(context=None, tool_name=tool.name, tool_call_id="smoke", tool_arguments=raw)
    return tool_json(await tool.on_invoke_tool(context, raw))


async def smoke(command: list[str]) -> None:
    """Load the tools through the SDK's MCP adapter and call one, offline: what CI runs."""
    async with stdio_server(command, offline=True) as server:
        agent = Agent(name="crypto-research", instructions=INSTRUCTIONS, mcp_servers=[server])
        tools = [
            t
            for t in await agent.get_mcp_tools(RunContextWrapper(context=None))
            if isinstance(t, FunctionTool)
        ]
        print(f"{len(tools)} tools loaded through the OpenAI Agents SDK:")
        for tool in tools:
            print(f"  {tool.name}: {tool.description.splitlines()[0]}")
        get_price = next(t for t in tools if t.name == "get_price")
        quote = (await invoke(get_price, {"symbols": ["BTC"]}))["quotes"][0]
        print(
            f"get_price BTC -> {quote['price']} {quote['currency']} "
            f"(source {quote['source']}, as of {quote['as_of']}, stale {quote['stale']})"
        )
        error = await invoke(get_price, {"symbols": []})
        print(f"get_price [] -> error {error['error']['code']}")
        prompts = [p.name for p in (await server.list_prompts()).prompts]
        print(f"prompts: {', '.join(prompts)}")
        if quote["source"] != "snapshot" or error["error"]["code"] != "INVALID_ARGUMENT":
            raise SystemExit("unexpected smoke result")


async def ask(
    command: list[str],
    question: str | None,
    prompt: str | None,
    prompt_args: dict[str, str],
    model: str | None,
) -> None:
    async with stdio_server(command, offline=False) as server:
        if prompt is not None:
            rendered = await server.get_prompt(prompt, prompt_args)
            question = "\n\n".join(getattr(m.content, "text", "") for m in rendered.messages)
        agent = Agent(name="crypto-research", instructions=INSTRUCTIONS, mcp_servers=[server], model=model)
        result = await Runner.run(agent, question or "")
        print(result.final_output)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("question", nargs="?", help="what to ask the agent")
    parser.add_argument("--smoke", action="store_true", help="offline: load tools and call one, no LLM")
    parser.add_argument("--prompt", help="start from an MCP prompt, e.g. leverage_check")
    parser.add_argument("--arg", action="append", default=[], metavar="KEY=VALUE", help="prompt argument")
    parser.add_argument("--model", help="model name (default: the SDK's default model)")
    parser.add_argument("--server-command", help="command that starts the stdio server")
    args = parser.parse_args()
    if not args.smoke and not (args.question or args.prompt):
        parser.error("give a question, --prompt NAME or --smoke")
    command = server_command(args.server_command)
    if args.smoke:
        asyncio.run(smoke(command))
    else:
        prompt_args = dict(item.split("=", 1) for item in args.arg)
        if not os.environ.get("OPENAI_API_KEY") and not (args.model or "").startswith("litellm/"):
            sys.exit(
                "OPENAI_API_KEY is not set: the agent's model needs it (or run --smoke, which needs no key)"
            )
        asyncio.run(ask(command, args.question, args.prompt, prompt_args, args.model))


if __name__ == "__main__":
    main()
