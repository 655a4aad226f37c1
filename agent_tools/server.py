"""Builds the MCP server: tool registry, error envelope, per-call deadline.

Every tool call passes through `AgentToolsServer.call_tool`, which starts the call's
deadline and turns every failure into the JSON envelope of CONTRACT.md: argument
validation into `INVALID_ARGUMENT`, our own errors into their codes, and anything
unexpected into a generic `INTERNAL` (logged with its traceback to stderr, never sent).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable
from typing import Any

from mcp.server import MCPServer
from mcp.server.lowlevel.helper_types import ReadResourceContents
from mcp.server.mcpserver.context import Context
from mcp.server.mcpserver.exceptions import ResourceNotFoundError, ToolError, UnexpectedToolError
from mcp.shared.exceptions import MCPError
from mcp.types import INTERNAL_ERROR, INVALID_PARAMS, CallToolResult, GetPromptResult, InputRequiredResult
from pydantic import AnyUrl, ValidationError

from agent_tools import __version__
from agent_tools.completions import complete
from agent_tools.errors import (
    ECHO_LIMIT,
    AgentToolsError,
    InternalError,
    InvalidArgument,
    NotFound,
    RateLimited,
    echo,
)
from agent_tools.gateway.identity import Caller, current_caller
from agent_tools.observability import tool_call_scope
from agent_tools.prompt_library import check_arguments, load_prompt_files, mcp_prompts, prompt_file
from agent_tools.resources import register_resources
from agent_tools.services import Services
from agent_tools.tools._registry import discover, make_tool
from agent_tools.upstream import deadline_scope

log = logging.getLogger("agent_tools.server")

INSTRUCTIONS = """Crypto research tools with sourced numbers. Every answer carries `source`, `as_of`
and `stale`; null means unknown, never zero or safe. Errors are JSON objects with a `code`
(INVALID_ARGUMENT, NOT_FOUND, UPSTREAM_RATE_LIMITED, ...), `retryable` and often `retry_after_s`
and a `hint`."""


class AgentToolsServer(MCPServer[Any]):
    def __init__(self, services: Services) -> None:
        self.services = services
        tools = [make_tool(spec, services) for spec in discover()]
        super().__init__(
            name="agent-tools",
            title="agent-tools: crypto research",
            version=__version__,
            instructions=INSTRUCTIONS,
            tools=tools,
            log_level="WARNING",
        )
        for prompt in mcp_prompts():
            self.add_prompt(prompt)
        register_resources(self)
        self.completion()(complete)  # also declares the `completions` capability

    async def read_resource(
        self, uri: AnyUrl | str, context: Context[Any, Any] | None = None
    ) -> Iterable[ReadResourceContents] | InputRequiredResult:
        """An unknown resource is -32602 naming its URI cut to `ECHO_LIMIT` characters (the SDK adds it whole)."""
        try:
            return await super().read_resource(uri, context)
        except ResourceNotFoundError:
            raise MCPError(INVALID_PARAMS, f"unknown resource {echo(str(uri))}") from None

    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context[Any, Any] | None = None
    ) -> CallToolResult | InputRequiredResult:
        """One tool call: request id, deadline, envelope on failure, one log line and metrics."""
        started = time.perf_counter()
        outcome = "ok"
        known = self._tool_manager.get_tool(name) is not None
        caller = current_caller.get()  # set by the HTTP guard; None over stdio and in-process
        with tool_call_scope():
            try:
                if caller is not None:
                    await self._admit(caller)
                return await self._call_enveloped(name, arguments, context)
            except ToolError as exc:
                outcome = _error_code(str(exc))
                raise
            finally:
                elapsed = time.perf_counter() - started
                self.services.metrics.observe_call(name if known else "unknown", outcome, elapsed)
                if caller is not None:
                    self.services.metrics.clients[(caller.name, outcome)] += 1
                log.info(
                    "tool call",
                    extra={
                        "tool": name if known else "unknown",
                        "outcome": outcome,
                        "duration_ms": round(elapsed * 1e3, 1),
                    },
                )

    async def _admit(self, caller: Caller) -> None:
        """The caller's quota (AGENT_TOOLS_HTTP_CLIENTS_FILE): RATE_LIMITED past it."""
        try:
            await self.services.quotas.admit(caller)
        except RateLimited as exc:
            raise ToolError(exc.to_json()) from None

    async def _call_enveloped(
        self, name: str, arguments: dict[str, Any], context: Context[Any, Any] | None
    ) -> CallToolResult | InputRequiredResult:
        try:
            # every wait of the call (limiter, backoff, requests, joined loads) is bounded by this deadline
            with deadline_scope(self.services.clock, self.services.settings.deadline_s):
                return await super().call_tool(name, arguments, context)
        except UnexpectedToolError as exc:
            cause = exc.__cause__
            if isinstance(cause, AgentToolsError):
                raise ToolError(cause.to_json()) from None
            log.error("tool %s failed unexpectedly", name, exc_info=cause)
            raise ToolError(
                InternalError(f"internal error in {name}; it has been logged").to_json()
            ) from None
        except ToolError as exc:
            if isinstance(exc.__cause__, ValidationError):
                raise ToolError(invalid_arguments(name, exc.__cause__).to_json()) from None
            if self._tool_manager.get_tool(name) is None:
                raise ToolError(
                    NotFound(f"unknown tool {echo(name)}", hint="list the tools with tools/list").to_json()
                ) from None
            raise

    async def get_prompt(
        self, name: str, arguments: dict[str, Any] | None = None, context: Context[Any, Any] | None = None
    ) -> GetPromptResult | InputRequiredResult:
        """A client's mistake (unknown prompt, missing, unknown or bad argument) is JSON-RPC invalid
        params with the reason, logged without a traceback; anything else is an internal error."""
        file = prompt_file(name)
        if file is None:
            known = ", ".join(p.name for p in load_prompt_files())
            raise MCPError(INVALID_PARAMS, f"unknown prompt {echo(name)}; the prompts are: {known}")
        try:
            check_arguments(file, arguments or {})
        except ValueError as exc:
            raise MCPError(INVALID_PARAMS, f"invalid arguments for prompt {name}: {exc}") from None
        try:
            return await super().get_prompt(name, arguments, context)
        except ValueError as exc:  # the SDK's wrapper around an unexpected failure
            log.error("prompt %s failed unexpectedly", name, exc_info=exc.__cause__ or exc)
            raise MCPError(
                INTERNAL_ERROR, f"internal error rendering prompt {name}; it has been logged"
            ) from None

    async def run_stdio_async(self) -> None:
        """As the SDK's, plus a JSON-RPC error reply to a line that is not a message (stdio_framing)."""
        from mcp.server.stdio import stdio_server

        from agent_tools.stdio_framing import ReplyToMalformed

        lowlevel = self._lowlevel_server
        async with stdio_server() as (read_stream, write_stream):
            options = lowlevel.create_initialization_options()
            await lowlevel.run(ReplyToMalformed(read_stream, write_stream), write_stream, options)


def _error_code(text: str) -> str:
    """The envelope's code, for metrics and logs."""
    try:
        return str(json.loads(text[text.index("{") :])["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return "INTERNAL"


def invalid_arguments(tool: str, error: ValidationError) -> InvalidArgument:
    """A readable summary of what is wrong with the arguments (never echoing large inputs)."""
    problems: list[str] = []
    for item in error.errors()[:8]:
        where = ".".join(str(p) for p in item["loc"]) or "arguments"
        if item["type"] == "extra_forbidden":
            problems.append(f"unknown argument {echo(where)}")
        elif item["type"] == "missing":
            problems.append(f"missing required argument {echo(where)}")
        else:
            problems.append(f"{where if len(where) <= ECHO_LIMIT else echo(where)}: {item['msg'][:200]}")
    return InvalidArgument(
        f"invalid arguments for {tool}: " + "; ".join(problems), hint="see the tool's inputSchema"
    )


def build_server(services: Services | None = None) -> AgentToolsServer:
    return AgentToolsServer(services or Services())
