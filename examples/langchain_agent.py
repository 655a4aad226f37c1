"""A LangChain agent on the agent-tools MCP server, through langchain-mcp-adapters.

The server runs as a stdio subprocess (`agent-tools serve`); the adapter turns each MCP tool into a
LangChain tool, with its JSON schema, and each MCP prompt into chat messages.

    # offline check, no LLM and no API key: load the tools, call get_price, fetch a prompt
    python examples/langchain_agent.py --smoke

    # a real agent (pip install langchain langchain-openai; export OPENAI_API_KEY=...)
    python examples/langchain_agent.py "Is PEPE on ethereum a rug pull risk?"
    python examples/langchain_agent.py --prompt research_token --arg symbol=ETH

`--server-command` picks the server (default: `agent-tools serve` from PATH). The server process
gets PATH, HOME and your AGENT_TOOLS_* variables only, so the model provider's key stays here.
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
    from langchain_mcp_adapters.client import MultiServerMCPClient
    from langchain_mcp_adapters.prompts import load_mcp_prompt
    from langchain_mcp_adapters.tools import load_mcp_tools
except ImportError as missing:  # one line, not a traceback: the examples have their own venv
    sys.exit(f"{missing.name} is not installed: {SETUP_HINT}, then run this with examples/.venv/bin/python")

SERVER = "agent-tools"
# the key each LangChain model provider reads (provider prefix of --model, e.g. openai:gpt-4.1-mini)
PROVIDER_KEYS = {
    "openai": "OPENAI_API_KEY",
    "anthropic": "ANTHROPIC_API_KEY",
    "google_genai": "GOOGLE_API_KEY",
    "mistralai": "MISTRAL_API_KEY",
    "groq": "GROQ_API_KEY",
}
SYSTEM_PROMPT = (
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
    """PATH, HOME and AGENT_TOOLS_* only: API keys of the agent's model never reach the server."""
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME") or k.startswith("AGENT_TOOLS_")}
    if offline:
        env = {k: v for k, v in env.items() if not k.startswith("AGENT_TOOLS_")}
        env["AGENT_TOOLS_OFFLINE"] = "1"
    return env


def client_for(command: list[str], offline: bool) -> MultiServerMCPClient:
    return MultiServerMCPClient(
        {
            SERVER: {
                "transport": "stdio",
                "command": command[0],
                "args": command[1:],
                "env": server_env(offline),
            }
        }
    )


def structured(content: Any) -> dict[str, Any]:
    """The JSON object in an MCP tool's text content, as returned by a LangChain tool."""
    blocks = content if isinstance(content, list) else [content]
    text = "".join(b.get("text", "") if isinstance(b, dict) else str(b) for b in blocks)
    return json.loads(text[text.index("{") :])


async def smoke(command: list[str]) -> None:
    """Load the tools through the adapter and call one, offline: what CI runs."""
    async with client_for(command, offline=True).session(SERVER) as session:
        tools = await load_mcp_tools(session)
        print(f"{len(tools)} tools loaded through langchain-mcp-adapters:")
        for tool in tools:
            print(f"  {tool.name}: {(tool.description or '').splitlines()[0]}")
        get_price = next(t for t in tools if t.name == "get_price")
        result = structured(await get_price.ainvoke({"symbols": ["BTC"]}))
        quote = result["quotes"][0]
        print(
            f"get_price BTC -> {quote['price']} {quote['currency']} "
            f"(source {quote['source']}, as of {quote['as_of']}, stale {quote['stale']})"
        )
        error = structured(await get_price.ainvoke({"symbols": []}))
        print(f"get_price [] -> error {error['error']['code']}")
        messages = await load_mcp_prompt(session, "research_token", arguments={"symbol": "ETH"})
        print(f"prompt research_token -> {len(messages)} message(s), {len(str(messages[0].content))} chars")
        if quote["source"] != "snapshot" or error["error"]["code"] != "INVALID_ARGUMENT":
            raise SystemExit("unexpected smoke result")


def require_model(model: str) -> None:
    """Exit with one line when the model's key or LangChain's agent package is missing."""
    provider = model.split(":", 1)[0]
    key = PROVIDER_KEYS.get(provider)
    if key and not os.environ.get(key):
        sys.exit(f"{key} is not set: the model {model} needs it (or run --smoke, which needs no key)")
    for module, package in (
        ("langchain.agents", "langchain"),
        (f"langchain_{provider}", f"langchain-{provider}"),
    ):
        try:
            __import__(module)
        except ImportError:
            sys.exit(
                f"{package} is not installed: examples/.venv/bin/pip install langchain langchain-{provider}"
            )


async def ask(
    command: list[str], question: str | None, prompt: str | None, prompt_args: dict[str, str], model: str
) -> None:
    from langchain.agents import create_agent  # checked by require_model

    async with client_for(command, offline=False).session(SERVER) as session:
        tools = await load_mcp_tools(session)
        if prompt is not None:
            messages: list[Any] = await load_mcp_prompt(session, prompt, arguments=prompt_args)
        else:
            messages = [{"role": "user", "content": question}]
        agent = create_agent(model, tools, system_prompt=SYSTEM_PROMPT)
        state = await agent.ainvoke({"messages": messages})
        print(state["messages"][-1].content)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("question", nargs="?", help="what to ask the agent")
    parser.add_argument("--smoke", action="store_true", help="offline: load tools and call one, no LLM")
    parser.add_argument("--prompt", help="start from an MCP prompt, e.g. research_token")
    parser.add_argument("--arg", action="append", default=[], metavar="KEY=VALUE", help="prompt argument")
    parser.add_argument("--model", default="openai:gpt-4.1-mini", help="a LangChain model id")
    parser.add_argument("--server-command", help="command that starts the stdio server")
    args = parser.parse_args()
    if not args.smoke and not (args.question or args.prompt):
        parser.error("give a question, --prompt NAME or --smoke")
    command = server_command(args.server_command)
    if args.smoke:
        asyncio.run(smoke(command))
    else:
        prompt_args = dict(item.split("=", 1) for item in args.arg)
        require_model(args.model)
        asyncio.run(ask(command, args.question, args.prompt, prompt_args, args.model))


if __name__ == "__main__":
    main()
